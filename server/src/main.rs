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

fn main() -> std::process::ExitCode {
    no_huge_pages();
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
