//! `hoithi`: the web app (`serve`) and the admin CLI (`bank check|import|export`).

mod certificates;
mod cli;
mod config;
mod icons;
mod live;
mod metrics;
mod precompress;
mod routes;
mod security;
mod web;

use clap::Parser;

/// In a start storm a sixth of the server's CPU went to glibc's malloc and
/// free, and memory taken at the peak of 10,000 requests stayed taken;
/// mimalloc is faster for many small short-lived allocations and gives
/// freed pages back.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages off for this process. mimalloc asks the kernel
/// for them, and then every first touch of its memory zeroes 2 MiB and
/// memory is held in 2 MiB units: in a start storm a fifth of the server's
/// CPU was the kernel zeroing pages, and each idle keep-alive connection
/// held 26 KiB instead of 15 (`tests/BENCHMARKS.md`).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: sets a flag of this process; no memory is touched.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc 3 keeps freed memory for a second before it returns it to the
/// kernel (`purge_delay`, 1,000 ms). After each wave of a contest (10,000
/// starts, 32,000 saves) that held 25–35 MB the server no longer used:
/// RSS with 10,000 attempts and 5,000 screens open was 296–304 MB, and
/// 269–280 with the memory returned at once, with no CPU cost that showed
/// (`tests/BENCHMARKS.md`). `MIMALLOC_PURGE_DELAY` in the environment wins.
fn return_freed_memory_at_once() {
    // The option's number in mimalloc 3's `mi_option_e`; the Rust bindings
    // do not name it.
    const MI_OPTION_PURGE_DELAY: i32 = 15;
    extern "C" {
        fn mi_option_set(option: i32, value: std::ffi::c_long);
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's options (linked in through the
        // `mimalloc` crate); it is read on each purge, so any time is safe.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
}

fn main() -> std::process::ExitCode {
    no_huge_pages();
    return_freed_memory_at_once();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("Lỗi: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> std::process::ExitCode {
    let args = config::Args::parse();
    config::init_logging(args.log_json);
    match cli::run(args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Lỗi: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
