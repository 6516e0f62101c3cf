//! E-mail notifications against a real SMTP server on loopback (aiosmtpd):
//! exactly one mail per recipient, in the recipient's language; retries while
//! the server is down; business hours of a 5×8 contract; two `fuwu serve`
//! processes on one PostgreSQL database send each message once.

use crate::both;
use crate::harness::{Backend, SmtpSink, TestApp, free_port};
use axum::http::StatusCode;
use fuwu_app::mail::{MailConfig, Outbox};
use serde_json::{Value, json};
use std::time::Duration;

const MANAGER: &str = "manager@fuwu.example.cn";

fn outbox(url: &str) -> Outbox {
    let mut c = MailConfig::new(url, "服务中心 <service@fuwu.example.cn>");
    c.public_url = Some("https://fuwu.example.cn".into());
    c.retry_base = Duration::from_secs(30);
    Outbox::new(c).unwrap()
}

async fn major(t: &TestApp, title: &str) -> Value {
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (s, e) = t
        .call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": title, "impact": "extensive", "urgency": "critical"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    assert_eq!(e["major"], true);
    e
}

fn subjects(msgs: &[Value]) -> Vec<String> {
    msgs.iter().map(|m| m["subject"].as_str().unwrap_or_default().to_owned()).collect()
}

both!(the_manager_of_a_major_incident_receives_exactly_one_mail, |t: TestApp| async move {
    let sink = SmtpSink::start();
    let out = outbox(&sink.url());
    // A second manager who reads English.
    let body = json!({"login": "manager.en", "name": "Grace Lee", "role": "manager", "email": "grace@fuwu.example.cn", "language": "en", "password": "long-enough-1"});
    let (s, v) = t.call("admin", "POST", "/api/v1/users", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let e = major(&t, "核心存储<b>全部</b>宕机").await;
    let number = e["number"].as_str().unwrap().to_owned();
    let d = out.deliver_due(&t.app, t.app.clock.now()).await.unwrap();
    assert!(d.sent >= 2, "{d:?}");
    // A second pass, and a third, send nothing more.
    assert_eq!(out.deliver_due(&t.app, t.app.clock.now()).await.unwrap().sent, 0);
    assert_eq!(out.deliver_due(&t.app, t.app.clock.now()).await.unwrap().sent, 0);
    let to_manager = sink.to(MANAGER);
    assert_eq!(subjects(&to_manager), vec![format!("重大事件 {number}：核心存储<b>全部</b>宕机")]);
    let m = &to_manager[0];
    assert_eq!(m["from"], "service@fuwu.example.cn");
    assert!(m["text"].as_str().unwrap().contains(&format!("https://fuwu.example.cn/events/{}", e["id"])));
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("核心存储") && !html.contains("<b>全部</b>"), "the title is text in the HTML part: {html}");
    let to_grace = sink.to("grace@fuwu.example.cn");
    assert_eq!(subjects(&to_grace), vec![format!("Major incident {number}: 核心存储<b>全部</b>宕机")]);
    assert!(to_grace[0]["text"].as_str().unwrap().starts_with("Hello,"));
    // The in-app notification is in each one's language too.
    let (_, n) = t.get("manager", "/api/v1/notifications").await;
    assert!(n["items"].as_array().unwrap().iter().any(|x| x["title"].as_str().unwrap().starts_with("重大事件")), "{n}");
});

both!(mail_is_retried_while_the_smtp_server_is_down, |t: TestApp| async move {
    let port = free_port();
    let out = outbox(&format!("smtp://127.0.0.1:{port}"));
    let e = major(&t, "SMTP 服务器故障期间的重大事件").await;
    let now = t.app.clock.now();
    let d = out.deliver_due(&t.app, now).await.unwrap();
    assert_eq!(d.sent, 0);
    assert!(d.retried >= 1, "{d:?}");
    let mut conn = t.app.db.reader().acquire().await.unwrap();
    let jobs = fuwu_store::mail::of_event(&mut conn, e["id"].as_i64().unwrap()).await.unwrap();
    let (id, _, _) = jobs.iter().find(|j| j.1 == MANAGER).unwrap().clone();
    let (state, attempts, err, not_before) = fuwu_store::mail::status(&mut conn, id).await.unwrap().unwrap();
    drop(conn);
    assert_eq!((state.as_str(), attempts), ("queued", 1));
    assert!(err.is_some_and(|e| !e.is_empty()));
    assert!(not_before >= now.as_millisecond() + 29_000, "the first retry waits 30 s");
    // Before the retry is due nothing is tried.
    assert_eq!(out.deliver_due(&t.app, now).await.unwrap(), fuwu_app::mail::Delivery::default());
    // The server comes back; the retry delivers, once.
    let sink = SmtpSink::on(port);
    let later = now.checked_add(jiff::SignedDuration::from_secs(31)).unwrap();
    let d = out.deliver_due(&t.app, later).await.unwrap();
    assert!(d.sent >= 1, "{d:?}");
    assert_eq!(sink.to(MANAGER).len(), 1);
    let mut conn = t.app.db.reader().acquire().await.unwrap();
    let (state, attempts, _, _) = fuwu_store::mail::status(&mut conn, id).await.unwrap().unwrap();
    assert_eq!((state.as_str(), attempts), ("sent", 2));
});

/// An in-period contract on the 5×8 level and an asset it covers, found through the API.
async fn five_by_eight_event(t: &TestApp) -> Value {
    let (_, levels) = t.get("admin", "/api/v1/service-levels?per_page=100").await;
    let silver = levels["items"].as_array().unwrap().iter().find(|l| l["code"] == "SILVER").unwrap()["id"].clone();
    let (_, contracts) = t.get("admin", &format!("/api/v1/contracts?service_level_id={silver}&per_page=100")).await;
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let today = t.app.clock.now().to_zoned_datetime(tz).date().to_string();
    for c in contracts["items"].as_array().unwrap() {
        if c["start_date"].as_str().unwrap() > today.as_str() || c["end_date"].as_str().unwrap() < today.as_str() {
            continue;
        }
        let (_, assets) = t.get("admin", &format!("/api/v1/assets?customer_id={}&per_page=5", c["customer_id"])).await;
        for a in assets["items"].as_array().unwrap() {
            let (s, e) = t
                .call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": a["id"], "title": "5×8 合同的超时提醒", "impact": "moderate", "urgency": "medium"})))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{e}");
            if e["clocks"]["calendar"] == "5x8" {
                return e;
            }
        }
    }
    panic!("no asset under an in-period 5×8 contract in the demo data");
}

both!(a_five_by_eight_contracts_escalation_mail_waits_for_its_working_hours, |t: TestApp| async move {
    use fuwu_core::calendar::{CalendarDef, official};
    let sink = SmtpSink::start();
    let out = outbox(&sink.url());
    let e = five_by_eight_event(&t).await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{}", e["id"])).await;
    let resp = d["clocks"].as_array().unwrap().iter().find(|c| c["kind"] == "resolution").unwrap().clone();
    let due: jiff::Timestamp = resp["reading"]["due"].as_str().unwrap().parse().unwrap();
    // Late in the evening after the due time: the breach is found then, the mail waits for the morning.
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let night =
        due.to_zoned_datetime(tz.clone()).date().at(23, 0, 0, 0).to_zoned_datetime(tz.clone()).unwrap().timestamp();
    let s = fuwu_app::events::sweep::sweep(&t.app, night).await.unwrap();
    assert!(s.breaches >= 1, "{s:?}");
    let cal = CalendarDef::five_by_eight().build(tz, official().clone()).unwrap();
    let morning = cal.next_working(night).unwrap();
    assert!(morning > night);
    out.deliver_due(&t.app, night).await.unwrap();
    let overdue = |s: &SmtpSink| subjects(&s.messages()).into_iter().filter(|x| x.contains("已超时")).count();
    assert_eq!(overdue(&sink), 0, "no escalation mail at night: {:?}", subjects(&sink.messages()));
    // The in-app notices wait too: the managers' lists do not show them before the morning.
    let (_, n) = t.get("manager", "/api/v1/notifications?per_page=200").await;
    assert!(
        !n["items"].as_array().unwrap().iter().any(|x| x["kind"] == "sla_breach" && x["event_id"] == e["id"]),
        "no breach notice before working hours: {n}"
    );
    let mut conn = t.app.db.reader().acquire().await.unwrap();
    let spec = fuwu_store::crud::ListSpec {
        filters: vec![("event_id".into(), fuwu_store::crud::Val::Int(e["id"].as_i64()))],
        limit: 100,
        ..Default::default()
    };
    let rows = fuwu_store::crud::list(&mut conn, &fuwu_store::tables::NOTIFICATION, &spec).await.unwrap().0;
    drop(conn);
    let breach = rows.iter().find(|r| r["kind"] == "sla_breach").expect("a breach notice is stored");
    assert_eq!(breach["deliver_at"].as_i64(), Some(morning.as_millisecond()), "visible from the working day's start");
    out.deliver_due(&t.app, morning).await.unwrap();
    assert!(overdue(&sink) >= 1, "sent when the working day starts: {:?}", subjects(&sink.messages()));
});

/// Two `fuwu serve` processes on one PostgreSQL database, each running the mail
/// worker every 50 ms: every queued message reaches the SMTP server once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_send_each_mail_once() {
    let Some(base) = crate::harness::pg_url() else {
        return;
    };
    let _ = Backend::Postgres;
    // A database of its own (the servers run the real migrations and demo data).
    let name = format!("fuwu_mail_{}", std::process::id());
    let admin = fuwu_store::Db::connect(&base, Default::default()).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(admin.reader()).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(admin.reader()).await.unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let url = format!("{prefix}/{name}");
    let dir = std::env::temp_dir().join(format!("fuwu-2srv-{}", std::process::id()));
    let bin = env!("CARGO_BIN_EXE_fuwu");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(["--data-dir", dir.to_str().unwrap(), "--database-url", &url])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["migrate"]);
    run(&["demo"]);
    let token = run(&["token", "create", "--user", "kefu"]).lines().last().unwrap().trim().to_owned();
    let sink = SmtpSink::start();
    let mut servers = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..2 {
        use std::io::BufRead;
        let mut child = std::process::Command::new(bin)
            .args(["--data-dir", dir.to_str().unwrap(), "--database-url", &url, "serve", "--listen", "127.0.0.1:0"])
            .env("FUWU_SMTP_URL", sink.url())
            .env("FUWU_MAIL_POLL_MS", "50")
            .env("FUWU_COOKIE_SECURE", "false")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.find(|l| l.as_ref().is_ok_and(|l| l.contains("http://"))).unwrap().unwrap();
        let addr = line.split("http://").nth(1).unwrap().split('/').next().unwrap().to_owned();
        addrs.push(addr);
        servers.push(child);
    }
    // 20 major incidents, recorded half through each server; each tells every manager.
    let client = Client::new();
    let mut numbers = Vec::new();
    for i in 0..20 {
        let addr = &addrs[i % 2];
        let assets = client.get(addr, "/api/v1/assets?customer_id=26", &token).await;
        let body = json!({"kind": "fault", "asset_id": assets["items"][0]["id"], "title": format!("重大事件 {i}"), "impact": "extensive", "urgency": "critical"});
        let e = client.post(addr, "/api/v1/events", &token, body).await;
        numbers.push(e["number"].as_str().unwrap().to_owned());
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while sink.to(MANAGER).len() < numbers.len() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give any duplicate a chance to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for mut s in servers {
        let _ = s.kill();
        let _ = s.wait();
    }
    let mut got = subjects(&sink.to(MANAGER));
    got.sort();
    let mut want: Vec<String> =
        numbers.iter().enumerate().map(|(i, n)| format!("重大事件 {n}：重大事件 {i}")).collect();
    want.sort();
    assert_eq!(got, want, "each major incident mailed to the manager exactly once");
    // Every message of the queue went out once: no duplicates for anyone.
    let all = sink.messages();
    let mut keys: Vec<(String, String)> = all
        .iter()
        .map(|m| (m["to"][0].as_str().unwrap().to_owned(), m["subject"].as_str().unwrap().to_owned()))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "no message sent twice");
    let db = fuwu_store::Db::connect(&url, Default::default()).await.unwrap();
    let mut conn = db.reader().acquire().await.unwrap();
    let counts = fuwu_store::mail::counts(&mut conn).await.unwrap();
    assert_eq!(counts, vec![("sent".to_owned(), n as i64)], "the queue holds exactly the sent messages");
    drop(conn);
    db.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(admin.reader())
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A minimal HTTP/1 client for the spawned servers.
struct Client(hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, String>);

impl Client {
    fn new() -> Client {
        Client(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http())
    }

    async fn send(&self, method: &str, addr: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        use http_body_util::BodyExt;
        let mut b = axum::http::Request::builder()
            .method(method)
            .uri(format!("http://{addr}{path}"))
            .header("authorization", format!("Bearer {token}"));
        if body.is_some() {
            b = b.header("content-type", "application/json");
        }
        let req = b.body(body.map(|v| v.to_string()).unwrap_or_default()).unwrap();
        let resp = self.0.request(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(status.is_success(), "{method} {path}: {status} {}", String::from_utf8_lossy(&bytes));
        serde_json::from_slice(&bytes).unwrap()
    }

    async fn get(&self, addr: &str, path: &str, token: &str) -> Value {
        self.send("GET", addr, path, token, None).await
    }

    async fn post(&self, addr: &str, path: &str, token: &str, body: Value) -> Value {
        self.send("POST", addr, path, token, Some(body)).await
    }
}

both!(a_message_given_up_is_sent_after_an_operator_retries_it, |t: TestApp| async move {
    let port = free_port();
    let mut c = MailConfig::new(&format!("smtp://127.0.0.1:{port}"), "fuwu <fuwu@fuwu.example.cn>");
    c.max_attempts = 1;
    let out = Outbox::new(c).unwrap();
    major(&t, "中继故障后重发").await;
    let d = out.deliver_due(&t.app, t.app.clock.now()).await.unwrap();
    assert!(d.failed >= 1 && d.sent == 0, "{d:?}");
    let mut conn = t.app.db.reader().acquire().await.unwrap();
    assert!(fuwu_store::mail::counts(&mut conn).await.unwrap().iter().any(|(s, n)| s == "failed" && *n >= 1));
    drop(conn);
    let mut tx = t.app.db.begin().await.unwrap();
    let n = fuwu_store::mail::retry_failed(&mut tx, t.app.clock.now_ms()).await.unwrap();
    tx.commit().await.unwrap();
    assert!(n >= 1);
    let sink = SmtpSink::on(port);
    let d = out.deliver_due(&t.app, t.app.clock.now()).await.unwrap();
    assert_eq!(d.sent as u64, n);
    assert_eq!(sink.to(MANAGER).len(), 1);
});
