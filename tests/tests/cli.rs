//! The admin CLI: `hoithi bank check | import [--dry-run] | export`.

use hoithi_tests::binary;
use std::process::Command;

fn hoithi(db: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(binary())
        .args(args)
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run hoithi");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

const GOOD: &str = "=== cli.001\ntopic: kh171\ndifficulty: de\ntype: single\nquestion: Câu CLI một?\n* Có\n- Không\nexplanation: Vì có.\nsource: 000_2956a431054807c9.txt — \"x\"\n\n=== cli.002\ntopic: trien-khai.hoi-nghi\ndifficulty: kho\ntype: numeric\nquestion: Câu CLI hai: bao nhiêu điểm cầu?\nanswer: 649\nexplanation: 649 điểm cầu.\nsource: 001_b597e2dfbb502fc4.txt — \"649 điểm cầu\"\n";

#[test]
fn check_import_dry_run_and_export_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/cli.db", dir.path().display());
    let p = |name: &str| dir.path().join(name).display().to_string();

    std::fs::write(p("bad.hq"), "=== x.1\ntopic: kh171\ndifficulty: siêu khó\ntype: single\nquestion: Q?\n* a\n- b\n\n=== x.2\ntopic: nope\ndifficulty: de\ntype: numeric\nquestion: Q2?\nanswer: nhiều\n").unwrap();
    std::fs::write(p("good.hq"), GOOD).unwrap();
    std::fs::write(p("de.aiken"), "Câu Aiken?\nA. một\nB. hai\nANSWER: B\n").unwrap();

    let (code, out) = hoithi(&db, &["bank", "check", &p("bad.hq"), &p("good.hq")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Dòng 1") && out.contains("Dòng 9"), "{out}");
    assert!(out.contains("good.hq: 2 câu hỏi"), "{out}");

    // Aiken has no topic: without --topic it is an error, with it a question.
    let (code, out) = hoithi(&db, &["bank", "check", &p("de.aiken")]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = hoithi(
        &db,
        &[
            "bank",
            "check",
            "--topic",
            "kh171",
            &p("de.aiken"),
            &p("good.hq"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Tổng cộng: 3 câu hỏi"), "{out}");

    // A bad file in the list: nothing is imported.
    let (code, out) = hoithi(&db, &["bank", "import", &p("good.hq"), &p("bad.hq")]);
    assert_eq!(code, 1, "{out}");
    let (_, out) = hoithi(
        &db,
        &[
            "bank",
            "export",
            "--format",
            "native",
            "--out",
            &p("empty.hq"),
        ],
    );
    assert!(out.contains("Đã xuất 0 câu"), "{out}");

    let (code, out) = hoithi(&db, &["bank", "import", "--dry-run", &p("good.hq")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Chạy thử: 2 câu mới"), "{out}");
    let (_, out) = hoithi(&db, &["bank", "import", &p("good.hq")]);
    assert!(out.contains("Đã nhập: 2 câu mới"), "{out}");

    for (format, file) in [
        ("native", "out.hq"),
        ("csv", "out.csv"),
        ("xlsx", "out.xlsx"),
    ] {
        let (code, out) = hoithi(
            &db,
            &["bank", "export", "--format", format, "--out", &p(file)],
        );
        assert_eq!(code, 0, "{out}");
        let (code, out) = hoithi(&db, &["bank", "import", &p(file)]);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("0 câu mới, 0 phiên bản mới, 2 không đổi"),
            "{format}: {out}"
        );
    }

    // An edited question imports as a new version.
    std::fs::write(
        p("edit.hq"),
        GOOD.replace("Câu CLI một?", "Câu CLI một, đã sửa?"),
    )
    .unwrap();
    let (_, out) = hoithi(&db, &["bank", "import", &p("edit.hq")]);
    assert!(
        out.contains("0 câu mới, 1 phiên bản mới, 1 không đổi"),
        "{out}"
    );
}

/// `hoithi backup` copies the database while the server is running and
/// writing; the copy opens as a complete database.
#[tokio::test]
async fn backup_while_serving() {
    let server = hoithi_tests::Server::start().await;
    let url = server.database_url();
    if !url.starts_with("sqlite") {
        // PostgreSQL is backed up with pg_dump; the command says so.
        let (code, out) = hoithi(&url, &["backup", "/tmp/khong-dung.db"]);
        assert_eq!(code, 1);
        assert!(out.contains("pg_dump"), "{out}");
        return;
    }
    let admin = server.admin().await;
    // Writes going on during the backup.
    let writer = tokio::spawn(async move {
        for i in 0..30 {
            admin
                .call(
                    "create_contest",
                    &[("name", &format!("Cuộc thi {i}")), ("description", "")],
                )
                .await;
        }
        admin
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sao-luu.db");
    let (code, out) = hoithi(&url, &["backup", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Đã sao lưu"), "{out}");
    let (code, out) = hoithi(&url, &["backup", path.to_str().unwrap()]);
    assert_eq!(code, 1, "never overwrites: {out}");
    writer.await.unwrap();
    // The copy is a whole database: the bank is all there.
    let (code, out) = hoithi(
        &format!("sqlite://{}", path.display()),
        &[
            "bank",
            "export",
            "--format",
            "native",
            "--out",
            dir.path().join("x.hq").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let exported = std::fs::read_to_string(dir.path().join("x.hq")).unwrap();
    assert!(
        exported.matches("=== ").count() >= 200,
        "the copy has the seeded bank"
    );
}

/// `hoithi precompress` writes brotli copies of the site's static files; the
/// server sends them as they are to browsers that take brotli, the plain file
/// to others, and drops a copy older than its file rather than serve a
/// previous build.
#[tokio::test]
async fn precompressed_static_files_are_served_as_they_are() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let script: String = (0..4000)
        .map(|i| format!("export function f{i}(x) {{ return x + {i}; }}\n"))
        .collect();
    std::fs::write(pkg.join("app.js"), &script).unwrap();
    let (code, out) = hoithi(
        "sqlite://unused.db",
        &["precompress", "--site-root", site.path().to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("app.js"), "{out}");
    let br = std::fs::read(pkg.join("app.js.br")).unwrap();
    assert!(
        br.len() < script.len() / 5,
        "compressed: {} of {}",
        br.len(),
        script.len()
    );
    let (code, out) = hoithi(
        "sqlite://unused.db",
        &["precompress", "--site-root", site.path().to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("không có gì mới"),
        "nothing new the second time: {out}"
    );

    let server = hoithi_tests::Server::start_with_site(site.path()).await;
    // No automatic decompression in this client: bytes as sent.
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/pkg/app.js", server.base))
        .header("Accept-Encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "br");
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        br.as_slice(),
        "the stored copy, byte for byte"
    );
    let r = http
        .get(format!("{}/pkg/app.js", server.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.text().await.unwrap(), script);
    drop(server);

    // A new build without precompress: the old copy must not be served.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(pkg.join("app.js"), "export const v = 2;\n").unwrap();
    let server = hoithi_tests::Server::start_with_site(site.path()).await;
    assert!(
        !pkg.join("app.js.br").exists(),
        "stale copy removed at start"
    );
    let r = http
        .get(format!("{}/pkg/app.js", server.base))
        .header("Accept-Encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "export const v = 2;\n");
}

/// The Dockerfile and compose file cannot run here; what they name must
/// still exist and agree with the scripts the README gives.
#[test]
fn container_files_match_the_repository() {
    let root = hoithi_tests::workspace_root();
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let docker = read("Dockerfile");
    let compose = read("compose.yaml");
    let setup = read(".ci/setup");
    let config = read("server/src/config.rs");
    for pinned in ["cargo-leptos --locked --version 0.3.10", "binaryen@132"] {
        assert!(docker.contains(pinned) && setup.contains(pinned), "{pinned} differs");
    }
    assert!(docker.contains("cargo leptos build --release --split"));
    assert!(read(".ci/start").contains("cargo leptos build --release --split"));
    // Every setting the files pass is one the server reads.
    for file in [&docker, &compose] {
        for word in file.split(|c: char| !(c.is_ascii_uppercase() || c == '_')) {
            if word.starts_with("HOITHI_") {
                assert!(config.contains(&format!("\"{word}\"")), "{word} is not a setting");
            }
        }
    }
    let manifest = read("Cargo.toml");
    assert!(manifest.contains("site-root = \"target/site\"") && docker.contains("/src/target/site"));
    assert!(config.contains("sqlite://data/hoithi.db") && docker.contains("/srv/hoithi/data"));
    assert!(docker.contains("/healthz") && read("server/src/web.rs").contains("\"/healthz\""));
}

/// The server turns transparent huge pages off for itself: with them its
/// allocator's memory was faulted in and held 2 MiB at a time (a fifth of a
/// start storm's CPU zeroing pages, 26 instead of 15 KiB per idle
/// connection; `tests/BENCHMARKS.md`).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_server_runs_without_transparent_huge_pages() {
    let server = hoithi_tests::Server::start().await;
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    // Kernels before 5.0 do not report the flag; nothing to check there.
    if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
        assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
    }
}
