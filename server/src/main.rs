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

#[tokio::main]
async fn main() -> std::process::ExitCode {
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
