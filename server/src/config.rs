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
    /// Lists every server function and route (method and path).
    Routes,
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
    /// Start empty: no demonstration contest, rounds, cadres or final on
    /// the first start (the bank and the first admin are still seeded).
    #[arg(long, env = "HOITHI_NO_DEMO", default_value_t = false)]
    pub no_demo: bool,
    /// Served over HTTPS: session cookies Secure with a `__Host-` name, and
    /// HSTS. (Behind a trusted proxy that sends `X-Forwarded-Proto: https`
    /// this is also done per request.)
    #[arg(long, env = "HOITHI_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// Proxies in front of the server whose `X-Forwarded-For` entries are
    /// trusted: 0 (default) trusts none; `true` means 1. The client address
    /// is the entry that many hops from the right.
    #[arg(long, env = "HOITHI_TRUST_PROXY", default_value = "0", value_parser = parse_hops)]
    pub trust_proxy: usize,
    /// Origins allowed to frame the projector page, space separated
    /// (`https://hoitruong.example`); default none.
    #[arg(long, env = "HOITHI_FRAME_ORIGINS", default_value = "")]
    pub frame_origins: String,
    /// Live-final sockets one client address may hold open (a hall behind
    /// one NAT shares an address). Host, seat and judge screens are not
    /// counted: their codes are secret and bound to a device.
    #[arg(long, env = "HOITHI_WS_PER_ADDRESS", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub ws_per_address: u32,
    /// Audience screens per final on one instance.
    #[arg(long, env = "HOITHI_WS_AUDIENCE", default_value_t = 5000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub ws_audience: u32,
    /// The site's public address (`https://hoithi.example`): printed
    /// certificates' QR codes point there. Default: the address each
    /// request came to (its `Host`).
    #[arg(long, env = "HOITHI_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
}

/// `HOITHI_PUBLIC_URL`: an http(s) address of a site, without path or query.
fn parse_public_url(s: &str) -> Result<String, String> {
    let bad = || format!("HOITHI_PUBLIC_URL: an address such as https://hoithi.example, not {s:?}");
    let url = s.trim().trim_end_matches('/');
    let uri: http::Uri = url.parse().map_err(|_| bad())?;
    let plain = matches!(uri.scheme_str(), Some("http" | "https"))
        && uri.authority().is_some_and(|a| !a.as_str().contains('@'))
        && matches!(uri.path(), "" | "/")
        && uri.query().is_none()
        && url.len() <= 200;
    plain.then(|| url.to_string()).ok_or_else(bad)
}

/// `HOITHI_TRUST_PROXY`: a number of hops, or true/false as before.
fn parse_hops(s: &str) -> Result<usize, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "off" => Ok(0),
        "true" | "yes" | "on" => Ok(1),
        n => n
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= 16)
            .ok_or_else(|| format!("HOITHI_TRUST_PROXY: a number of proxies (0-16), not {s:?}")),
    }
}

/// What a file leaves open, as the web preview lets the admin choose it.
#[derive(clap::Args, Debug, Default)]
pub struct ImportOptions {
    /// Topic for questions whose file names none (Aiken, GIFT).
    #[arg(long)]
    pub topic: Option<String>,
    /// A topic for a category of the file that names none:
    /// `--category "Chỉ thị 24/Tổng quan=ct24.tong-quan"` (repeatable).
    #[arg(long = "category", value_name = "CATEGORY=TOPIC")]
    pub categories: Vec<String>,
    /// Leave out essay and matching questions (listed) instead of refusing
    /// the files.
    #[arg(long)]
    pub skip_unsupported: bool,
}

#[derive(Subcommand, Debug)]
pub enum BankCommand {
    /// Check files; prints questions per file or every error. Exit 1 on any error.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        options: ImportOptions,
    },
    /// Import files into the database, all or nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Report what would be imported without importing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        options: ImportOptions,
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

#[cfg(test)]
mod tests {
    use super::parse_public_url;

    #[test]
    fn a_public_url_is_a_sites_address() {
        assert_eq!(parse_public_url("https://hoithi.hanoi.vn/").unwrap(), "https://hoithi.hanoi.vn");
        assert_eq!(parse_public_url(" http://10.0.0.5:3000 ").unwrap(), "http://10.0.0.5:3000");
        for bad in ["hoithi.vn", "ftp://hoithi.vn", "https://hoithi.vn/a", "https://hoithi.vn?x=1", "https://u@hoithi.vn", "javascript:alert(1)", ""] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
    }
}
