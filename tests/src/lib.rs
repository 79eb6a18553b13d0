//! Test harness: starts the real `hoithi` binary on a free port with a fresh
//! SQLite database and talks to it over HTTP, as browsers and scripts do.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN_PASSWORD: &str = "quan-tri-thu-nghiem-1";
/// The bearer token every test server asks for at `/metrics`.
pub const METRICS_TOKEN: &str = "ma-thong-ke-thu-nghiem";

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The server binary: `HOITHI_BIN`, or the debug build in the target folder.
pub fn binary() -> PathBuf {
    if let Ok(p) = std::env::var("HOITHI_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target"));
    target.join("debug").join("hoithi")
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub struct Server {
    pub base: String,
    pub port: u16,
    pub data: tempfile::TempDir,
    /// The database this server uses: a SQLite file in `data`, or a fresh
    /// PostgreSQL database when `HOITHI_TEST_POSTGRES` names a server.
    pub database_url: String,
    /// The first server of a database drops it when done; a second instance
    /// sharing it does not.
    owns_database: bool,
    child: Child,
}

/// A fresh database for one server: PostgreSQL when `HOITHI_TEST_POSTGRES`
/// holds a maintenance URL (the test command sets it for the second pass),
/// else a SQLite file.
fn fresh_database(data: &std::path::Path) -> String {
    match std::env::var("HOITHI_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let name = format!(
                "hoithi_t{}_{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            );
            let out = Command::new("psql")
                .args([
                    admin.as_str(),
                    "-q",
                    "-c",
                    &format!("DROP DATABASE IF EXISTS {name}"),
                    "-c",
                    &format!("CREATE DATABASE {name}"),
                ])
                .output()
                .expect("psql is installed (the test command installs PostgreSQL)");
            assert!(
                out.status.success(),
                "creating {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let (base, _) = admin.rsplit_once('/').expect("URL with a database");
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}/hoithi.db", data.display()),
    }
}

/// The built site the server serves: `LEPTOS_SITE_ROOT`, else the build's.
fn site_root() -> std::path::PathBuf {
    std::env::var("LEPTOS_SITE_ROOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target/site"))
}

fn spawn(port: u16, db: &str) -> Child {
    spawn_with_site(port, db, &site_root(), &[])
}

fn spawn_with_site(port: u16, db: &str, site: &std::path::Path, env: &[(&str, &str)]) -> Child {
    let bin = binary();
    assert!(
        bin.exists(),
        "server binary not built: {} (run the README's test command)",
        bin.display()
    );
    Command::new(&bin)
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--site-root",
            &site.display().to_string(),
        ])
        .env("DATABASE_URL", db)
        .env("HOITHI_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("HOITHI_METRICS_TOKEN", METRICS_TOKEN)
        // Tests start empty; `first_start_shows_everything` turns the demo on.
        .env("HOITHI_NO_DEMO", "true")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start hoithi")
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with_site(&site_root()).await
    }

    /// A server with extra environment (settings such as trusted proxies).
    pub async fn start_with_env(env: &[(&str, &str)]) -> Server {
        Server::start_full(&site_root(), env).await
    }

    /// A server on its own site folder (static files) instead of the build's.
    pub async fn start_with_site(site: &std::path::Path) -> Server {
        Server::start_full(site, &[]).await
    }

    async fn start_full(site: &std::path::Path, env: &[(&str, &str)]) -> Server {
        let data = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let database_url = fresh_database(data.path());
        let child = spawn_with_site(port, &database_url, site, env);
        let server = Server {
            base: format!("http://127.0.0.1:{port}"),
            port,
            data,
            database_url,
            owns_database: true,
            child,
        };
        server.wait_healthy().await;
        server
    }

    /// A second instance on the same database, as behind a load balancer.
    pub async fn another_instance(&self) -> Server {
        let data = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let child = spawn(port, &self.database_url);
        let server = Server {
            base: format!("http://127.0.0.1:{port}"),
            port,
            data,
            database_url: self.database_url.clone(),
            owns_database: false,
            child,
        };
        server.wait_healthy().await;
        server
    }

    /// Kills the process (no graceful shutdown, as a crash) and starts a
    /// new one on the same port and database.
    pub async fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(self.port, &self.database_url);
        self.wait_healthy().await;
    }

    async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "server did not become healthy");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The server process's id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server process, in KiB.
    pub fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse().ok())
            })
            .unwrap_or(0)
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone()
    }

    /// A client with its own cookie jar: one browser.
    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    /// A client whose browser already holds `device` as its device cookie
    /// (several accounts on one phone share it).
    pub fn client_on_device(&self, device: &str) -> Client {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let url: reqwest::Url = self.base.parse().expect("base url");
        jar.add_cookie_str(&format!("hoithi_device={device}; Path=/"), &url);
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_provider(jar)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    pub async fn admin(&self) -> Client {
        let c = self.client();
        let (status, body) = c
            .call(
                "login",
                &[
                    ("login", "admin"),
                    ("password", ADMIN_PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert!(status < 400, "admin login failed: {status} {body}");
        c
    }

    /// Creates a user with `role` (as admin) and returns a logged-in client;
    /// an organizer is given the whole city.
    pub async fn user(&self, admin: &Client, role: &str, login: &str) -> Client {
        let (status, body) = admin
            .call(
                "create_user",
                &[
                    ("full_name", "Người thử"),
                    ("login", login),
                    ("password", "mat-khau-123"),
                    ("role", role),
                    ("unit_id", ""),
                    ("position", ""),
                ],
            )
            .await;
        assert_eq!(status, 200, "create_user: {body}");
        // An organizer's powers come from grants: the whole city here; the
        // scope tests give narrower ones.
        if role == "organizer" {
            let (status, body) = admin
                .call(
                    "add_grant",
                    &[("login", login), ("role", "organizer"), ("kind", "all"), ("target_id", "")],
                )
                .await;
            assert_eq!(status, 200, "add_grant: {body}");
        }
        let c = self.client();
        let (status, body) = c
            .call(
                "login",
                &[
                    ("login", login),
                    ("password", "mat-khau-123"),
                    ("next", "/"),
                ],
            )
            .await;
        assert!(status < 400, "login {login}: {status} {body}");
        c
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let (Ok(admin), Some((_, name))) = (
            std::env::var("HOITHI_TEST_POSTGRES"),
            self.database_url.rsplit_once('/'),
        ) {
            if self.owns_database && self.database_url.starts_with("postgres") {
                let _ = Command::new("psql")
                    .args([
                        admin.as_str(),
                        "-q",
                        "-c",
                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    ])
                    .output();
            }
        }
    }
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

impl Client {
    /// Calls a server function as the hydrated app does (form-encoded, JSON back).
    pub async fn call(&self, name: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}/api/{name}", self.base))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.text().await.unwrap_or_default())
    }

    /// Calls a server function that takes a JSON body.
    pub async fn call_json(&self, name: &str, body: &serde_json::Value) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}/api/{name}", self.base))
            .header("Accept", "application/json")
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.text().await.unwrap_or_default())
    }

    /// Replaces this session's user's password (which must succeed).
    pub async fn change_password(&self, current: &str, new: &str) {
        let (status, body) = self
            .call(
                "change_password",
                &[
                    ("current", current),
                    ("password", new),
                    ("password2", new),
                    ("next", "/"),
                ],
            )
            .await;
        assert!(status < 400, "change_password: {status} {body}");
    }

    /// Logs in (which must succeed); the session stays in this client.
    pub async fn login(&self, login: &str, password: &str) {
        let (status, body) = self
            .call("login", &[("login", login), ("password", password), ("next", "/")])
            .await;
        assert!(status < 400, "login {login}: {status} {body}");
    }

    pub async fn json(&self, name: &str, form: &[(&str, &str)]) -> serde_json::Value {
        let (status, body) = self.call(name, form).await;
        assert_eq!(status, 200, "{name}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{name}: bad JSON {e}: {body}"))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    /// Uploads a file through the admin form; returns the status and the
    /// redirect target.
    pub async fn upload(
        &self,
        purpose: &str,
        file_name: &str,
        bytes: Vec<u8>,
        topic: &str,
    ) -> (u16, String) {
        let form = reqwest::multipart::Form::new()
            .text("purpose", purpose.to_string())
            .text("topic", topic.to_string())
            .text("difficulty", "")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
            );
        let r = self
            .http
            .post(format!("{}/quan-tri/tai-len", self.base))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let loc = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (r.status().as_u16(), loc)
    }
}

/// Now and tomorrow as `datetime-local` values in Hà Nội time.
pub fn local_window() -> (String, String) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let fmt = |ms: i64| {
        let secs = ms / 1000 + 7 * 3600;
        let days = secs / 86_400;
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}",
            (secs % 86_400) / 3600,
            (secs % 3600) / 60
        )
    };
    (fmt(now - 120_000), fmt(now + 86_400_000))
}

/// A contest with one published round open now: 8 questions (2 on
/// `lien-quan`, 2 hard), the prediction question, review after submit.
pub async fn setup_round(organizer: &Client, minutes: &str, attempts: &str) -> String {
    setup_round_of(organizer, "", minutes, attempts).await
}

/// As `setup_round`, in a contest owned by `unit_id` ("": the city's).
pub async fn setup_round_of(organizer: &Client, unit_id: &str, minutes: &str, attempts: &str) -> String {
    let contest = organizer
        .json(
            "create_contest",
            &[("name", "Hội thi thử"), ("description", ""), ("unit_id", unit_id)],
        )
        .await;
    let contest = contest.as_str().unwrap().to_string();
    let (open, close) = local_window();
    let round = organizer
        .json(
            "save_round",
            &[
                ("contest_id", &contest),
                ("round_id", ""),
                ("name", "Tuần thi thứ nhất"),
                ("opens_at", &open),
                ("closes_at", &close),
                ("questions", "8"),
                ("draw", "lien-quan * 2\n* kho 2"),
                ("time_limit_minutes", minutes),
                ("attempts_allowed", attempts),
                ("counting", "best"),
                ("review", "after_submit"),
                ("prediction", "1"),
                ("prizes", "Giải Nhất: 1\nGiải Nhì: 2"),
            ],
        )
        .await;
    let round = round.as_str().unwrap().to_string();
    organizer
        .json(
            "round_action",
            &[("round_id", &round), ("action", "publish")],
        )
        .await;
    round
}

/// Cadres with sessions, written straight to the database.
pub async fn seed_cadres(db: &hoithi_core::store::Db, n: usize) -> Vec<String> {
    let hash = hoithi_core::auth::hash_password("mat-khau-tai-thu");
    let now = hoithi_core::store::now_ms();
    let mut tokens = Vec::with_capacity(n);
    let mut tx = db.pool.begin().await.unwrap();
    for i in 0..n {
        let id = hoithi_core::store::new_id();
        sqlx::query("INSERT INTO users (id, login, full_name, password_hash, role, position, created_at) VALUES ($1, $2, $3, $4, 'contestant', '', $5)")
            .bind(&id)
            .bind(format!("tai-thu-{i}@hoithi.vn"))
            .bind(format!("Cán bộ {i}"))
            .bind(&hash)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        tokens.push(insert_session(&mut tx, &id, now).await);
    }
    tx.commit().await.unwrap();
    tokens
}

/// A day's session for an existing user, written straight to the
/// database; returns its cookie token.
pub async fn insert_session(conn: &mut sqlx::AnyConnection, user_id: &str, now: i64) -> String {
    let token = hoithi_core::auth::new_token();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hoithi_core::auth::token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + 86_400_000)
        .execute(conn)
        .await
        .unwrap();
    token
}

/// A request as cadre `i`: its session cookie and an office address (20
/// cadres share one, as behind a commune's router).
pub fn as_cadre(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    token: &str,
    i: usize,
) -> reqwest::RequestBuilder {
    http.post(format!("{base}/api/{name}"))
        .header("Accept", "application/json")
        .header("Cookie", format!("hoithi_session={token}"))
        .header(
            "X-Forwarded-For",
            format!("10.{}.{}.1", (i / 20) / 250, (i / 20) % 250),
        )
}

/// Keys of single-choice questions in the directive bank the server seeds,
/// so a pad's one tap is a whole answer.
pub fn single_choice_keys() -> Vec<String> {
    let dir = workspace_root().join("questions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "hq"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            hoithi_core::formats::native::parse(&std::fs::read_to_string(f).unwrap()).questions
        })
        .filter(|(_, q)| q.kind == hoithi_core::model::QuestionKind::Single)
        .filter_map(|(_, q)| q.key)
        .collect()
}

/// A live screen's socket as a browser opens it: with its device cookie
/// (seats and judge pads are bound to one) and, behind a trusted proxy,
/// the client address the proxy reports.
pub async fn live_socket(
    port: u16,
    code: &str,
    device: Option<&str>,
    forwarded_for: Option<&str>,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://127.0.0.1:{port}/truc-tiep/ws/{code}")
        .into_client_request()
        .expect("socket request");
    if let Some(d) = device {
        req.headers_mut().insert(
            "cookie",
            format!("hoithi_device={d}").parse().expect("cookie header"),
        );
    }
    if let Some(ip) = forwarded_for {
        req.headers_mut()
            .insert("x-forwarded-for", ip.parse().expect("forwarded header"));
    }
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

/// A fresh device id, as the server would give a browser.
pub fn new_device() -> String {
    hoithi_core::store::new_id().replace('-', "")
}

impl Server {
    /// A contestant in `unit` (an id, or empty), created by the admin and
    /// logged in.
    pub async fn cadre_in(&self, admin: &Client, name: &str, login: &str, unit: &str) -> Client {
        let (status, body) = admin
            .call(
                "create_user",
                &[
                    ("full_name", name),
                    ("login", login),
                    ("password", "mat-khau-123"),
                    ("role", "contestant"),
                    ("unit_id", unit),
                    ("position", "Đảng viên"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let c = self.client();
        c.login(login, "mat-khau-123").await;
        c
    }
}

/// Imports a unit tree from CSV as the admin; unit name → id.
pub async fn import_units(admin: &Client, csv: &str) -> std::collections::HashMap<String, String> {
    let (_, loc) = admin
        .upload("units", "don-vi.csv", csv.as_bytes().to_vec(), "")
        .await;
    admin
        .json("unit_confirm", &[("id", loc.rsplit('/').next().unwrap())])
        .await;
    unit_ids(admin).await
}

/// Every unit: name → id.
pub async fn unit_ids(admin: &Client) -> std::collections::HashMap<String, String> {
    admin
        .json("list_units", &[])
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().to_string(),
                u["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A new account given the organizer's role on one place (`kind` "unit",
/// "contest" or "all") by `granter`; returns it logged in.
pub async fn organizer_on(
    s: &Server,
    admin: &Client,
    granter: &Client,
    login: &str,
    kind: &str,
    target: &str,
) -> Client {
    // A unit's organizer is one of its people; others start unassigned.
    let c = if kind == "unit" {
        s.cadre_in(admin, "Cán bộ tổ chức", login, target).await
    } else {
        s.user(admin, "contestant", login).await
    };
    let (status, body) = granter
        .call(
            "add_grant",
            &[("login", login), ("role", "organizer"), ("kind", kind), ("target_id", target)],
        )
        .await;
    assert_eq!(status, 200, "add_grant {login} on {kind} {target}: {body}");
    c
}
