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
