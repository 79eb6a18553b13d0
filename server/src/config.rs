//! Configuration from flags and environment.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "hoithi",
    version,
    about = "Hội thi — nền tảng tổ chức cuộc thi tìm hiểu"
)]
pub struct Args {
    /// Database: sqlite://PATH (default ./data/hoithi.db) or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/hoithi.db",
        global = true
    )]
    pub database_url: String,

    /// Logs as JSON lines instead of text.
    #[arg(long, env = "HOITHI_LOG_JSON", default_value_t = false, global = true)]
    pub log_json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app.
    Serve(ServeArgs),
    /// Question bank tools.
    Bank {
        #[command(subcommand)]
        command: BankCommand,
    },
    /// Copy the SQLite database to PATH while the server runs (a consistent
    /// snapshot; PostgreSQL is backed up with pg_dump).
    Backup {
        /// The new file; it must not exist yet.
        path: std::path::PathBuf,
    },
    /// Brotli-compress the built site's static files once (highest quality),
    /// so the server sends them without compressing per request.
    Precompress {
        /// Folder with the built site (its pkg/ is compressed).
        #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
        site_root: String,
    },
}

#[derive(Parser, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HOITHI_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: std::net::SocketAddr,
    /// Folder with the built site (pkg/hoithi.js, .wasm, .css).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// Password for the first admin, instead of a random one (for scripted setups).
    #[arg(long, env = "HOITHI_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// Mark session cookies Secure (serve behind HTTPS).
    #[arg(long, env = "HOITHI_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// Trust X-Forwarded-For for the client address (behind a proxy).
    #[arg(long, env = "HOITHI_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
}

#[derive(Subcommand, Debug)]
pub enum BankCommand {
    /// Check files; prints questions per file or every error. Exit 1 on any error.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Topic for questions whose file names none (Aiken, GIFT).
        #[arg(long)]
        topic: Option<String>,
    },
    /// Import files into the database, all or nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Report what would be imported without importing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        topic: Option<String>,
    },
    /// Export the bank.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long)]
        out: PathBuf,
        /// Include retired questions.
        #[arg(long)]
        all: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ExportFormat {
    Xlsx,
    Csv,
    Native,
}

pub fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
