//! Brotli at the highest quality for the site's static files, done once per
//! build instead of on every request. Compressing the WebAssembly on the fly
//! costs tens of milliseconds of CPU per phone at a level that leaves it a
//! quarter larger; a hall of phones opening a round at once would spend the
//! server on that alone.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Files worth compressing.
fn compressible(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("wasm" | "js" | "css" | "svg" | "json")
    )
}

fn br_of(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".br");
    PathBuf::from(s)
}

fn newer(a: &Path, b: &Path) -> bool {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((m(a), m(b)), (Some(x), Some(y)) if x >= y)
}

/// Writes `FILE.br` beside every compressible file of `dir` that lacks an
/// up-to-date one. Returns (file, original bytes, compressed bytes).
pub fn compress_dir(dir: &Path) -> std::io::Result<Vec<(PathBuf, u64, u64)>> {
    let mut done = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if !p.is_file() || !compressible(&p) {
            continue;
        }
        let br = br_of(&p);
        if newer(&br, &p) {
            continue;
        }
        let data = std::fs::read(&p)?;
        let mut out = Vec::with_capacity(data.len() / 3);
        {
            let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
            w.write_all(&data)?;
        }
        // Written whole, then renamed: a server never serves half a file.
        let tmp = br.with_extension("br.tmp");
        std::fs::write(&tmp, &out)?;
        std::fs::rename(&tmp, &br)?;
        done.push((p, data.len() as u64, out.len() as u64));
    }
    Ok(done)
}

/// Removes `.br` files older than what they compress (a rebuild without
/// `hoithi precompress`): serving them would send yesterday's app.
pub fn drop_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let br = e.path();
        if br.extension().and_then(|x| x.to_str()) != Some("br") {
            continue;
        }
        let src = br.with_extension("");
        if !src.exists() || !newer(&br, &src) {
            if std::fs::remove_file(&br).is_ok() {
                n += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn compresses_once_and_drops_stale_copies() {
        let dir = std::env::temp_dir().join(format!("hoithi-br-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let body: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        std::fs::write(dir.join("app.wasm"), &body).unwrap();
        std::fs::write(dir.join("notes.txt"), b"not served compressed").unwrap();
        let done = compress_dir(&dir).unwrap();
        assert_eq!(done.len(), 1, "only the wasm");
        assert!(done[0].2 < done[0].1 / 4, "{:?}", done[0]);
        let mut back = Vec::new();
        brotli::Decompressor::new(std::fs::File::open(dir.join("app.wasm.br")).unwrap(), 4096)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, body);
        assert!(
            compress_dir(&dir).unwrap().is_empty(),
            "up to date: nothing to do"
        );
        assert_eq!(drop_stale(&dir), 0);
        // A rebuild makes the copy stale; the server drops it rather than serve it.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.join("app.wasm"), b"new build").unwrap();
        assert_eq!(drop_stale(&dir), 1);
        assert!(!dir.join("app.wasm.br").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
