//! `fuwu bench <scenario>`: performance measured by a command, not by timed
//! tests. Each scenario prints a human summary and, on its last line, one JSON
//! object with its figures.

use crate::cli::CliError;
use fuwu_app::App;
use fuwu_store::{ConnectOptions, Db, migrate, tables};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Fault descriptions as the hotline hears them.
const TITLES: [&str; 12] = [
    "备份任务连续两晚失败，日志提示掉盘",
    "存储阵列控制器告警，业务响应变慢",
    "容灾切换演练后复制链路中断",
    "备份一体机重删比突然下降",
    "分布式存储节点离线，副本重建中",
    "磁带库机械臂卡带，无法弹出",
    "双活仲裁服务器无法连接",
    "数据库备份作业超时被终止",
    "管理界面证书过期无法登录",
    "热备盘未自动接管，阵列降级",
    "快照空间不足导致快照失败",
    "归档一体机坏道告警，请求现场检查",
];

const DESCRIPTIONS: [&str; 4] = [
    "客户来电：昨晚 23:00 起备份作业失败，错误码 E2031，已尝试重启服务无效，需尽快恢复。",
    "信息中心反馈业务高峰期 IO 延迟超过 200ms，数据库告警，怀疑存储侧性能问题。",
    "监控平台收到设备告警，客户要求工程师远程排查并提交故障报告。",
    "客户计划下周进行容灾演练，当前复制状态异常，请二线协助分析日志。",
];

/// Where a scratch database lives, to be removed afterwards.
struct Scratch {
    db: Db,
    dir: std::path::PathBuf,
    schema: Option<String>,
}

async fn scratch(database: Option<&str>, tag: &str) -> Result<Scratch, CliError> {
    let stamp = format!("{}_{}_{}", tag, std::process::id(), fuwu_app::Clock::system().now_ms());
    let dir = std::env::temp_dir().join(format!("fuwu-bench-{stamp}"));
    let (db, schema) = match database {
        Some(url) => {
            let schema = format!("bench_{stamp}");
            (
                Db::connect(url, ConnectOptions { schema: Some(schema.clone()), max_connections: Some(40) }).await?,
                Some(schema),
            )
        }
        None => (Db::open_dir(&dir).await?, None),
    };
    migrate::run(&db).await?;
    Ok(Scratch { db, dir, schema })
}

impl Scratch {
    async fn remove(self) {
        if let Some(s) = &self.schema {
            let _ = fuwu_store::dialect::drop_schema(&self.db, s).await;
        }
        self.db.close().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The process's peak resident memory, in MB.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i.min(sorted.len() - 1)] * 100.0).round() / 100.0
}

/// `bench intake`: N events recorded through the HTTP API by a logged-in
/// specialist at concurrency C, against the raw insert rate of identical rows.
pub async fn intake(events: usize, concurrency: usize, database: Option<&str>) -> Result<Value, CliError> {
    if events == 0 || concurrency == 0 {
        return Err(CliError("--events and --concurrency must be at least 1".into()));
    }
    let s = scratch(database, "intake").await?;
    let dialect = s.db.dialect.name();
    let config = fuwu_app::AppConfig { files_dir: s.dir.join("files"), ..Default::default() };
    let app = App::new(s.db.clone(), config);
    crate::demo::fill(&app).await?;
    let kefu = fuwu_app::auth::user_by_login(&app, "kefu").await?.ok_or_else(|| CliError("demo has no kefu".into()))?;
    let token = fuwu_app::auth::create_token(&app, None, kefu.id, "bench").await?.token;
    let mut conn = app.db.reader().acquire().await?;
    let spec = fuwu_store::crud::ListSpec { limit: 10_000, ..Default::default() };
    let assets: Vec<(i64, i64)> = fuwu_store::crud::list(&mut conn, &tables::ASSET, &spec)
        .await?
        .0
        .iter()
        .filter_map(|a| Some((a.get("customer_id")?.as_i64()?, a.get("id")?.as_i64()?)))
        .collect();
    drop(conn);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = fuwu_web::router(app.clone(), fuwu_web::WebConfig::default());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });

    let client: hyper_util::client::legacy::Client<_, Full<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_max_idle_per_host(concurrency)
            .build_http();
    let bodies: Arc<Vec<Bytes>> = Arc::new(
        (0..events.min(4096))
            .map(|i| {
                let (customer, asset) = assets[i % assets.len()];
                let impact = ["significant", "moderate", "minor", "moderate"][i % 4];
                let b = json!({
                    "kind": "fault", "customer_id": customer, "asset_id": asset, "title": TITLES[i % TITLES.len()],
                    "description": DESCRIPTIONS[i % DESCRIPTIONS.len()], "impact": impact, "urgency": "high",
                });
                Bytes::from(b.to_string())
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let uri: hyper::Uri = format!("http://{addr}/api/v1/events").parse().map_err(|e| CliError(format!("{e}")))?;
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, bodies, next, failures, uri, auth) =
            (client.clone(), bodies.clone(), next.clone(), failures.clone(), uri.clone(), format!("Bearer {token}"));
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= events {
                    break;
                }
                let req = hyper::Request::post(uri.clone())
                    .header("content-type", "application/json")
                    .header("authorization", auth.as_str())
                    .body(Full::new(bodies[i % bodies.len()].clone()));
                let Ok(req) = req else {
                    failures.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let t0 = Instant::now();
                match client.request(req).await {
                    Ok(resp) => {
                        let ok = resp.status() == hyper::StatusCode::CREATED;
                        let _ = resp.into_body().collect().await;
                        if !ok {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                lat.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut lat = Vec::with_capacity(events);
    for w in workers {
        lat.extend(w.await.map_err(|e| CliError(e.to_string()))?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    server.abort();
    lat.sort_by(f64::total_cmp);
    let failed = failures.load(Ordering::Relaxed);

    // The raw baseline: identical event and journal rows written directly, in batches.
    let mut conn = app.db.reader().acquire().await?;
    let sample = fuwu_store::crud::list(
        &mut conn,
        &tables::EVENT,
        &fuwu_store::crud::ListSpec { limit: 1, ..Default::default() },
    )
    .await?
    .0;
    drop(conn);
    let mut row = sample.into_iter().next().ok_or_else(|| CliError("no event was recorded".into()))?;
    for k in ["id", "version", "created_at", "updated_at"] {
        row.remove(k);
    }
    let raw = scratch(database, "raw").await?;
    let raw_rate = raw_inserts(&raw.db, &row, events).await?;
    raw.remove().await;

    let throughput = events as f64 / elapsed;
    let result = json!({
        "scenario": "intake",
        "database": dialect,
        "events": events,
        "concurrency": concurrency,
        "failed": failed,
        "elapsed_s": (elapsed * 1000.0).round() / 1000.0,
        "throughput_per_s": throughput.round(),
        "p50_ms": percentile(&lat, 0.50),
        "p95_ms": percentile(&lat, 0.95),
        "p99_ms": percentile(&lat, 0.99),
        "max_ms": percentile(&lat, 1.0),
        "raw_insert_per_s": raw_rate.round(),
        "ratio_to_raw": ((throughput / raw_rate) * 1000.0).round() / 1000.0,
        "peak_rss_mb": peak_rss_mb(),
    });
    app.db.close().await;
    s.remove().await;
    Ok(result)
}

/// Events per second written straight to the database: the event row and its
/// journal row, 500 events per transaction, through the store's insert path.
async fn raw_inserts(db: &Db, row: &serde_json::Map<String, Value>, n: usize) -> Result<f64, CliError> {
    let mut tx = db.begin().await?;
    let customer = json!({"name": "基准客户", "active": true});
    let Value::Object(customer) = customer else { return Err(CliError("customer".into())) };
    let cid = fuwu_store::crud::insert(&mut tx, &tables::CUSTOMER, &customer, 0).await?;
    tx.commit().await?;
    let mut row = row.clone();
    for k in ["site_id", "project_id", "asset_id", "contact_id"] {
        row.insert(k.into(), Value::Null);
    }
    row.insert("customer_id".into(), json!(cid));
    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let mut tx = db.begin().await?;
        for _ in 0..500.min(n - done) {
            done += 1;
            row.insert("number".into(), json!(format!("RAW-{done:08}")));
            let now = fuwu_app::Clock::system().now_ms();
            let id = fuwu_store::crud::insert(&mut tx, &tables::EVENT, &row, now).await?;
            let j = json!({"event_id": id, "seq": 1, "actor_id": 1, "action": "record", "detail": {}, "changes": Value::Object(row.clone())});
            if let Value::Object(j) = j {
                fuwu_store::crud::insert(&mut tx, &tables::JOURNAL, &j, now).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// `bench sla-sweep`: N open events with running clocks; each sweep finds the
/// events whose next check has come (`per_sweep` of them, made due before each
/// sweep) and evaluates them. Reports the time per sweep.
pub async fn sla_sweep(
    open_events: usize,
    sweeps: usize,
    per_sweep: usize,
    database: Option<&str>,
) -> Result<Value, CliError> {
    let s = scratch(database, "sweep").await?;
    let dialect = s.db.dialect.name();
    let config = fuwu_app::AppConfig { files_dir: s.dir.join("files"), ..Default::default() };
    let app = App::new(s.db.clone(), config);
    crate::demo::fill(&app).await?;
    let kefu = fuwu_app::auth::user_by_login(&app, "kefu").await?.ok_or_else(|| CliError("demo has no kefu".into()))?;
    let caller = {
        let mut conn = app.db.reader().acquire().await?;
        fuwu_app::users::caller_for(&mut conn, kefu.id).await?.ok_or_else(|| CliError("kefu".into()))?
    };
    let mut conn = app.db.reader().acquire().await?;
    let asset = fuwu_store::crud::list(
        &mut conn,
        &tables::ASSET,
        &fuwu_store::crud::ListSpec { limit: 1, ..Default::default() },
    )
    .await?
    .0
    .into_iter()
    .next()
    .and_then(|a| a.get("id").and_then(Value::as_i64))
    .ok_or_else(|| CliError("no asset".into()))?;
    drop(conn);
    let input: fuwu_app::events::intake::NewEvent = serde_json::from_value(json!({
        "kind": "fault", "asset_id": asset, "title": TITLES[0], "description": DESCRIPTIONS[0], "impact": "moderate", "urgency": "medium"
    }))
    .map_err(|e| CliError(e.to_string()))?;
    let template = fuwu_app::events::intake::record(&app, &caller, input).await?;
    let mut row = match serde_json::to_value(&template.data) {
        Ok(Value::Object(m)) => m,
        _ => return Err(CliError("template".into())),
    };
    eprintln!("loading {open_events} open events with running clocks…");
    let now = app.clock.now_ms();
    let mut done = 0;
    while done < open_events {
        let n = 2_000.min(open_events - done);
        let mut tx = app.db.begin().await?;
        for i in 0..n {
            row.insert("number".into(), json!(format!("SW-{:08}", done + i)));
            // Next checks spread over the coming eight hours.
            row.insert("next_check_at".into(), json!(now + 60_000 + ((done + i) as i64 * 7_919) % (8 * 3_600_000)));
            fuwu_store::crud::insert(&mut tx, &tables::EVENT, &row, now).await?;
        }
        tx.commit().await?;
        done += n;
    }
    let mut times = Vec::new();
    let mut checked = 0;
    for k in 0..sweeps {
        // Make `per_sweep` events due, as the passing of time would.
        let mut tx = app.db.begin().await?;
        let first = 2 + (k * per_sweep) as i64;
        sqlx::query("UPDATE events SET next_check_at = $1 WHERE id >= $2 AND id < $3")
            .bind(now - 1)
            .bind(first)
            .bind(first + per_sweep as i64)
            .execute(&mut *tx)
            .await
            .map_err(|e| CliError(e.to_string()))?;
        tx.commit().await?;
        let t0 = Instant::now();
        let st = fuwu_app::events::sweep::sweep(&app, app.clock.now()).await?;
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        checked += st.checked;
    }
    times.sort_by(f64::total_cmp);
    let result = json!({
        "scenario": "sla-sweep",
        "database": dialect,
        "open_events": open_events + 1,
        "sweeps": sweeps,
        "due_per_sweep": per_sweep,
        "checked": checked,
        "sweep_ms_p50": percentile(&times, 0.5),
        "sweep_ms_max": percentile(&times, 1.0),
        "peak_rss_mb": peak_rss_mb(),
    });
    app.db.close().await;
    s.remove().await;
    Ok(result)
}

/// Server-side render time of the main pages with the demo data (plus `events`
/// recorded events): each page requested `rounds` times through the production
/// router in-process, as the role that uses it. Also the size of the script
/// and stylesheet every page loads.
pub async fn pages(events: usize, rounds: usize, database: Option<&str>) -> Result<Value, CliError> {
    use tower::ServiceExt;
    let s = scratch(database, "pages").await?;
    let dialect = s.db.dialect.name();
    let config = fuwu_app::AppConfig { files_dir: s.dir.join("files"), ..Default::default() };
    let app = App::new(s.db.clone(), config);
    crate::demo::fill(&app).await?;
    let login = |l: &'static str| {
        let app = app.clone();
        async move { fuwu_app::auth::login(&app, l, crate::demo::DEMO_PASSWORD, "bench").await }
    };
    let kefu = login("kefu").await?;
    let manager = login("manager").await?;
    let l1 = login("l1.nj1").await?;
    let customer = login("customer").await?;
    // Events to fill the queues: recorded by the specialist for assets across the customers.
    let mut conn = app.db.reader().acquire().await?;
    let assets = fuwu_store::crud::list(
        &mut conn,
        &tables::ASSET,
        &fuwu_store::crud::ListSpec { limit: 10_000, ..Default::default() },
    )
    .await?
    .0;
    let (contacts, _) = fuwu_store::crud::list(
        &mut conn,
        &tables::CONTACT,
        &fuwu_store::crud::ListSpec { limit: 1, ..Default::default() },
    )
    .await?;
    let phone = contacts.first().and_then(|c| c.get("phones")?.get(0)?.as_str().map(str::to_owned)).unwrap_or_default();
    drop(conn);
    let mut last = 0;
    for i in 0..events {
        let a = &assets[i % assets.len().max(1)];
        let impact = ["significant", "moderate", "minor", "extensive"][i % 4];
        let input: fuwu_app::events::intake::NewEvent = serde_json::from_value(json!({
            "kind": "fault", "asset_id": a.get("id"), "title": TITLES[i % TITLES.len()],
            "impact": impact, "urgency": "medium"
        }))
        .map_err(|e| CliError(e.to_string()))?;
        last = fuwu_app::events::intake::record(&app, &kefu.caller, input).await?.id;
    }
    let router = fuwu_web::router(app.clone(), fuwu_web::WebConfig::default());
    let pages: Vec<(&str, &str, String)> = vec![
        ("console_lookup", "kefu", format!("/console?q={phone}")),
        ("queues", "kefu", "/queues?queue=open".into()),
        ("queue_rows", "kefu", "/queues/rows?queue=open".into()),
        ("approvals", "kefu", "/approvals".into()),
        ("event", "kefu", format!("/events/{last}")),
        ("overview", "manager", "/overview".into()),
        ("engineer_queues", "l1.nj1", "/queues".into()),
        ("portal", "customer", "/portal".into()),
        ("records_customers", "kefu", "/records/customers".into()),
        ("account", "kefu", "/account".into()),
    ];
    let cookie = |who: &str| {
        let t = match who {
            "manager" => &manager.token,
            "l1.nj1" => &l1.token,
            "customer" => &customer.token,
            _ => &kefu.token,
        };
        format!("fuwu_session={t}")
    };
    let mut out = serde_json::Map::new();
    let mut worst_p95: f64 = 0.0;
    for (name, who, path) in &pages {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let req = axum::http::Request::get(path.as_str())
                .header(axum::http::header::COOKIE, cookie(who))
                .body(axum::body::Body::empty())
                .map_err(|e| CliError(e.to_string()))?;
            let t0 = Instant::now();
            let resp = router.clone().oneshot(req).await.map_err(|e| CliError(e.to_string()))?;
            let status = resp.status();
            let _ = resp.into_body().collect().await.map_err(|e| CliError(e.to_string()))?;
            times.push(t0.elapsed().as_secs_f64() * 1000.0);
            if !status.is_success() {
                return Err(CliError(format!("{path} as {who}: {status}")));
            }
        }
        times.sort_by(f64::total_cmp);
        let p95 = percentile(&times, 0.95);
        worst_p95 = worst_p95.max(p95);
        out.insert(
            (*name).to_owned(),
            json!({"path": path, "as": who, "p50_ms": percentile(&times, 0.5), "p95_ms": p95, "max_ms": percentile(&times, 1.0)}),
        );
    }
    drop(router);
    s.remove().await;
    Ok(json!({
        "scenario": "pages",
        "database": dialect,
        "events": events,
        "rounds": rounds,
        "pages": out,
        "worst_p95_ms": worst_p95,
        "js_bytes": fuwu_web::ui::JS_BYTES,
        "css_bytes": fuwu_web::ui::CSS_BYTES,
        "peak_rss_mb": peak_rss_mb(),
    }))
}
