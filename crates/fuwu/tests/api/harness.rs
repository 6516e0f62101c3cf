//! The test harness: a `TestApp` with the production router over a fresh
//! database filled with the demo organisation, and tokens for every role.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fuwu_app::App;
use fuwu_store::{ConnectOptions, Db, migrate};
use http_body_util::BodyExt;
use serde_json::Value;
use std::collections::HashMap;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub app: App,
    pub router: Router,
    pub tokens: HashMap<&'static str, String>,
    dir: Option<std::path::PathBuf>,
}

/// Runs a test body on SQLite and on PostgreSQL (`FUWU_TEST_DATABASE_URL`). Without
/// a PostgreSQL server the PostgreSQL variant fails, unless the run says
/// `FUWU_SKIP_PG=1` — then it prints that it was skipped.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::harness::TestApp::new($crate::harness::Backend::Sqlite).await;
                ($body)(t).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(t) = $crate::harness::TestApp::try_new($crate::harness::Backend::Postgres).await else {
                    return;
                };
                ($body)(t).await;
            }
        }
    };
}

/// The PostgreSQL server of the tests. Without one a test fails loudly, so a
/// plain `cargo test` cannot claim PostgreSQL coverage it did not have; with
/// `FUWU_SKIP_PG=1` it is `None` and the skip is written to the terminal
/// (past the test harness's capture).
pub fn pg_url() -> Option<String> {
    if let Ok(url) = std::env::var("FUWU_TEST_DATABASE_URL")
        && !url.trim().is_empty()
    {
        return Some(url);
    }
    let skip = std::env::var("FUWU_SKIP_PG").is_ok_and(|v| !v.trim().is_empty() && v.trim() != "0");
    if !skip {
        panic!(
            "no PostgreSQL for the PostgreSQL variant: set FUWU_TEST_DATABASE_URL=postgres://… \
             (./scripts/test starts a throwaway server), or FUWU_SKIP_PG=1 to skip it"
        );
    }
    use std::io::Write;
    let name = std::thread::current().name().unwrap_or("a test").to_owned();
    let _ = writeln!(std::io::stderr(), "SKIPPED {name}: PostgreSQL variant not run (FUWU_SKIP_PG=1)");
    None
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        fuwu_app::Clock::system().now().as_microsecond() % 1_000_000
    )
}

/// The demo logins the tests act as.
pub const ROLES: [&str; 9] =
    ["admin", "manager", "kefu", "l1.nj1", "l2.1", "l3.1", "partner1", "customer", "customer2"];

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        match Self::try_new(backend).await {
            Some(t) => t,
            None => panic!("backend {backend:?} unavailable"),
        }
    }

    /// `None` for PostgreSQL when the run skips it (`FUWU_SKIP_PG=1`).
    pub async fn try_new(backend: Backend) -> Option<TestApp> {
        let dir = std::env::temp_dir().join(format!("fuwu-test-{}", unique()));
        let db = match backend {
            Backend::Sqlite => Db::open_dir(&dir).await.expect("sqlite"),
            Backend::Postgres => {
                let url = pg_url()?;
                let opts = ConnectOptions { schema: Some(format!("t_{}", unique())), max_connections: Some(4) };
                Db::connect(&url, opts).await.expect("postgres")
            }
        };
        migrate::run(&db).await.expect("migrate");
        let config = fuwu_app::AppConfig {
            files_dir: dir.join("files"),
            attachment_max_bytes: 256 * 1024,
            ..Default::default()
        };
        let app = App::new(db, config);
        fuwu::demo::fill(&app).await.expect("demo");
        let mut tokens = HashMap::new();
        for login in ROLES {
            let u = fuwu_app::auth::user_by_login(&app, login).await.expect("user").expect("demo login");
            let t = fuwu_app::auth::create_token(&app, None, u.id, "test").await.expect("token");
            tokens.insert(login, t.token);
        }
        let router = fuwu_web::router(
            app.clone(),
            fuwu_web::WebConfig { cookie_secure: true, max_body_bytes: 64 * 1024, ..Default::default() },
        );
        Some(TestApp { app, router, tokens, dir: Some(dir) })
    }

    /// The data folder of a SQLite test app (`fuwu.db` and `files/`).
    pub fn data_dir(&self) -> &std::path::Path {
        self.dir.as_deref().expect("a data folder")
    }

    /// The application over another data folder (a restored copy), with the same tokens.
    pub async fn reopen(&self, dir: &std::path::Path) -> TestApp {
        let db = Db::open_dir(dir).await.expect("sqlite");
        migrate::run(&db).await.expect("migrate");
        let config = fuwu_app::AppConfig { files_dir: dir.join("files"), ..self.app.config.clone() };
        let app = App::new(db, config);
        let router = fuwu_web::router(
            app.clone(),
            fuwu_web::WebConfig { cookie_secure: true, max_body_bytes: 64 * 1024, ..Default::default() },
        );
        TestApp { app, router, tokens: self.tokens.clone(), dir: Some(dir.to_owned()) }
    }

    pub fn token(&self, login: &str) -> String {
        self.tokens.get(login).cloned().unwrap_or_else(|| panic!("no token for {login}"))
    }

    /// Sends a request; returns status, headers and JSON body (Null when empty or not JSON).
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
        let resp = self.router.clone().oneshot(req).await.expect("router");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_server_error() {
            panic!("server error {status}: {}", String::from_utf8_lossy(&bytes));
        }
        (status, headers, v)
    }

    /// A request as a demo login with its bearer token.
    pub async fn call(&self, who: &str, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token(who)));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (s, _, v) = self.send(b.body(body).expect("request")).await;
        (s, v)
    }

    pub async fn get(&self, who: &str, path: &str) -> (StatusCode, Value) {
        self.call(who, "GET", path, None).await
    }

    /// Raw body with a content type, for malformed-input tests.
    pub async fn raw(&self, who: &str, method: &str, path: &str, ct: &str, body: &str) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token(who)))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body.to_owned()))
            .expect("request");
        let (s, _, v) = self.send(req).await;
        (s, v)
    }

    /// The `total` of a list as the admin sees it.
    /// A GET answered with a file: status, headers and the bytes.
    pub async fn bytes(&self, who: &str, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let req = Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token(who)))
            .body(Body::empty())
            .expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("router");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes().to_vec();
        (status, headers, bytes)
    }

    pub async fn count(&self, path: &str) -> i64 {
        let (s, v) = self.get("admin", path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v["total"].as_i64().expect("total")
    }

    /// Rows in the audit trail.
    pub async fn audit_rows(&self) -> i64 {
        let mut conn = self.app.db.reader().acquire().await.expect("conn");
        fuwu_store::audit::list(&mut conn, None, None, 100_000, 0).await.expect("audit").len() as i64
    }

    /// The first item of a list as the admin sees it.
    pub async fn first(&self, path: &str) -> Value {
        let (s, v) = self.get("admin", path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v["items"][0].clone()
    }

    /// Makes a login for a contact of a customer and returns its token.
    pub async fn customer_login(&mut self, name: &'static str, customer_id: i64) -> String {
        let contact = self.first(&format!("/api/v1/contacts?customer_id={customer_id}")).await;
        let body = serde_json::json!({"login": name, "name": contact["name"], "role": "customer", "contact_id": contact["id"], "password": "long-enough-1"});
        let (s, v) = self.call("admin", "POST", "/api/v1/users", Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let t = fuwu_app::auth::create_token(&self.app, None, v["id"].as_i64().unwrap(), "test").await.expect("token");
        self.tokens.insert(name, t.token.clone());
        t.token
    }

    /// Makes a token for any demo login.
    pub async fn login_as(&mut self, login: &'static str) {
        let id = self.user_id(login).await;
        let t = fuwu_app::auth::create_token(&self.app, None, id, "test").await.expect("token");
        self.tokens.insert(login, t.token);
    }

    /// The id of a demo user.
    pub async fn user_id(&self, login: &str) -> i64 {
        fuwu_app::auth::user_by_login(&self.app, login).await.expect("user").expect("exists").id
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Asserts an error answer's status and the field it names.
#[track_caller]
pub fn assert_error(got: &(StatusCode, Value), status: StatusCode, field: Option<&str>) {
    assert_eq!(got.0, status, "body: {}", got.1);
    assert_eq!(got.1["error"]["status"].as_u64(), Some(u64::from(status.as_u16())), "body: {}", got.1);
    if let Some(f) = field {
        assert_eq!(got.1["error"]["field"].as_str(), Some(f), "body: {}", got.1);
    }
}

/// A real SMTP server on loopback (Python's aiosmtpd, `tests/smtp_sink.py`)
/// writing each received message as JSON into a folder.
pub struct SmtpSink {
    pub port: u16,
    dir: std::path::PathBuf,
    child: std::process::Child,
}

/// A loopback port nobody listens on (for "the SMTP server is down").
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        SmtpSink::on(free_port())
    }

    /// Starts the sink on `port`; fails the test with the install hint when aiosmtpd is missing.
    pub fn on(port: u16) -> SmtpSink {
        use std::io::BufRead;
        let dir = std::env::temp_dir().join(format!("fuwu-smtp-{}", unique()));
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--dir")
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 must be installed");
        let mut line = String::new();
        let out = child.stdout.take().expect("stdout");
        std::io::BufReader::new(out).read_line(&mut line).expect("read");
        if line.trim() != "ready" {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use std::io::Read;
                let _ = e.read_to_string(&mut err);
            }
            panic!("the SMTP sink did not start (pip install aiosmtpd): {err}");
        }
        SmtpSink { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        let mut names: Vec<_> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        names.retain(|p| p.extension().is_some_and(|x| x == "json"));
        names.sort();
        names.iter().map(|p| serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json")).collect()
    }

    /// Messages to one address.
    pub fn to(&self, addr: &str) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["to"].as_array().is_some_and(|a| a.iter().any(|x| x == addr)))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
