//! What probing the server from outside found (issue 10): each answer here was
//! a 500, a leak or a way around a limit before.

use crate::both;
use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

/// Records a fault for customer 26 (Nanjing, GOLD) as the specialist.
async fn event(t: &TestApp) -> i64 {
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let body = json!({"kind": "fault", "asset_id": asset["id"], "title": "备份失败", "impact": "moderate", "urgency": "medium"});
    let (s, v) = t.call("kefu", "POST", "/api/v1/events", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

fn anonymous(method: &str, path: &str, ct: &str, body: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

both!(text_a_database_cannot_hold_is_refused_naming_the_field, |t: TestApp| async move {
    let before = (t.count("/api/v1/customers").await, t.audit_rows().await);
    let post = |b: &'static str| t.raw("kefu", "POST", "/api/v1/customers", "application/json", b);
    let got = post(r#"{"name": "某\u0000单位"}"#).await;
    assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    assert_eq!(got.1["error"]["fields"][0]["code"], "unstorable_text", "{}", got.1);
    // Nested and in a list.
    let lvl = r#"{"code": "X", "name": "x", "coverage": "5x8", "onsite_included": false, "targets": [{"priority": "P1\u0000", "response_minutes": 1, "resolution_minutes": 1}]}"#;
    assert_error(
        &t.raw("admin", "POST", "/api/v1/service-levels", "application/json", lvl).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("targets[0].priority"),
    );
    // An escaped backslash before `u0000` is ordinary text.
    assert_eq!(post(r#"{"name": "C:\\u0000 单位"}"#).await.0, StatusCode::CREATED);
    // Query parameters.
    assert_error(&t.get("kefu", "/api/v1/customers?q=a%00b").await, StatusCode::UNPROCESSABLE_ENTITY, Some("q"));
    assert_error(&t.get("kefu", "/api/v1/lookup?phone=%00").await, StatusCode::UNPROCESSABLE_ENTITY, Some("phone"));
    // The login of an unauthenticated request, API and page.
    let (s, _, v) = t
        .send(anonymous(
            "POST",
            "/api/v1/auth/login",
            "application/json",
            r#"{"login": "kefu\u0000", "password": "x"}"#,
        ))
        .await;
    assert_error(&(s, v), StatusCode::UNPROCESSABLE_ENTITY, Some("login"));
    let (s, h, _) = t
        .send(anonymous("POST", "/login", "application/x-www-form-urlencoded", "csrf=a&login=kefu%00&password=x"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    // A page's query.
    let (s, _, _) = t.send(anonymous("GET", "/login?next=%2Fqueues%00", "text/plain", "")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (t.count("/api/v1/customers").await, t.audit_rows().await),
        (before.0 + 1, before.1 + 1),
        "only the ordinary text was written"
    );
    // An attachment's content is a file: any bytes are kept.
    let id = event(&t).await;
    let path = format!("/api/v1/events/{id}/attachments?file_name=a.json");
    let (s, v) = t.raw("kefu", "POST", &path, "application/json", "\"\\u0000\"").await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
});

/// The login page's form fields (its CSRF token and cookie), then the form posted.
pub async fn login_page_post(t: &TestApp, login: &str, password: &str, next: &str) -> (StatusCode, String) {
    let resp = t.router.clone().oneshot(anonymous("GET", "/login", "text/plain", "")).await.unwrap();
    let cookies: Vec<String> = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let html = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let form = format!(
        "csrf={}&login={}&password={}&next={}",
        crate::browser::urlencode(&csrf),
        crate::browser::urlencode(login),
        crate::browser::urlencode(password),
        crate::browser::urlencode(next)
    );
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookies.join("; "))
        .body(Body::from(form))
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let to = resp.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(!status.is_server_error(), "{next:?}: {status}");
    (status, to)
}

both!(a_login_follows_only_to_our_own_pages, |t: TestApp| async move {
    let pw = fuwu::demo::DEMO_PASSWORD;
    assert_eq!(
        login_page_post(&t, "kefu", pw, "/queues?queue=major").await,
        (StatusCode::SEE_OTHER, "/queues?queue=major".into())
    );
    for evil in ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "/.//evil.example"] {
        let (s, to) = login_page_post(&t, "kefu", pw, evil).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{evil:?}");
        assert!(
            to.starts_with('/') && !to.starts_with("//") && !to.contains("evil.example") || to == "/",
            "{evil:?} → {to}"
        );
    }
    for odd in ["/queues\r", "/queues\nSet-Cookie: x=1", "/a\u{b}b", "/a\u{c}b", "/a\u{1f}b"] {
        let (s, to) = login_page_post(&t, "kefu", pw, odd).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{odd:?}");
        assert!(to.starts_with('/') && !to.contains(['\r', '\n']), "{odd:?} → {to:?}");
    }
});

/// A wrong password for a login nobody has, from `peer`, claiming `forwarded`.
async fn spray(router: &axum::Router, peer: &str, forwarded: &str, n: usize) -> StatusCode {
    let body = json!({"login": format!("spray{n}"), "password": "wrong-password"}).to_string();
    let mut req = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", forwarded)
        .body(Body::from(body))
        .unwrap();
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(axum::extract::ConnectInfo(addr));
    router.clone().oneshot(req).await.unwrap().status()
}

both!(a_forwarded_for_header_counts_only_from_a_trusted_proxy, |t: TestApp| async move {
    let config = fuwu_web::WebConfig {
        trusted_proxies: vec![fuwu_web::extract::TrustedProxy::parse("10.0.0.0/8").unwrap()],
        ..Default::default()
    };
    let router = fuwu_web::router(t.app.clone(), config);
    // Behind the trusted proxy each forwarded address is its own client.
    for n in 0..32 {
        let s = spray(&router, "10.0.0.2", &format!("198.51.100.{n}"), n).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    // A client talking directly cannot pick its address by rotating the header:
    // the per-address limit (30 in 15 minutes) holds, in the default setup too.
    for r in [&router, &t.router] {
        let peer = if std::ptr::eq(r, &t.router) { "203.0.113.8" } else { "203.0.113.9" };
        let mut answers = Vec::new();
        for n in 0..31 {
            answers.push(spray(r, peer, &format!("192.0.2.{n}"), 100 + n).await);
        }
        assert!(answers[..30].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{answers:?}");
        assert_eq!(answers[30], StatusCode::TOO_MANY_REQUESTS, "{answers:?}");
    }
});

async fn metrics_text(router: &axum::Router) -> String {
    let resp = router.clone().oneshot(Request::get("/metrics").body(Body::empty()).unwrap()).await.unwrap();
    String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

both!(metric_labels_come_from_a_closed_set, |t: TestApp| async move {
    let round = |start: usize| {
        let router = t.router.clone();
        async move {
            for n in start..start + 25 {
                for path in ["/api/v1/customers".to_owned(), format!("/no/such/page/{n}")] {
                    let req =
                        Request::builder().method(format!("BREW{n}").as_str()).uri(path).body(Body::empty()).unwrap();
                    let s = router.clone().oneshot(req).await.unwrap().status();
                    assert!(s.is_client_error(), "{s}");
                }
            }
        }
    };
    round(0).await;
    let first = metrics_text(&t.router).await;
    assert!(!first.contains("BREW"), "a method token became a label");
    assert!(first.contains("method=\"OTHER\""), "{first}");
    assert!(first.contains("route=\"unmatched\""), "{first}");
    round(100).await;
    let second = metrics_text(&t.router).await;
    let series = |m: &str| m.lines().filter(|l| l.starts_with("fuwu_http_requests_total{")).count();
    assert_eq!(series(&first) + 1, series(&second), "only /metrics itself added a series:\n{second}");
});

both!(concurrent_writers_on_one_event_all_succeed, |t: TestApp| async move {
    let id = event(&t).await;
    let t = std::sync::Arc::new(t);
    let mut tasks = Vec::new();
    for client in 0..4 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for n in 0..5 {
                let note = json!({"kind": "note", "body": format!("客户端 {client} 第 {n} 条")});
                answers.push(t.call("kefu", "POST", &format!("/api/v1/events/{id}/work"), Some(note)).await);
                let path = format!("/api/v1/events/{id}/attachments?file_name=log-{client}-{n}.txt");
                answers.push(t.raw("kefu", "POST", &path, "application/octet-stream", "disk 3 failed").await);
            }
            answers
        }));
    }
    for task in tasks {
        for (s, v) in task.await.unwrap() {
            assert_eq!(s, StatusCode::CREATED, "{v}");
        }
    }
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(d["attachments"].as_array().unwrap().len(), 20, "{d}");
    let (_, journal) = t.get("kefu", &format!("/api/v1/events/{id}/journal?per_page=200")).await;
    let seqs: Vec<i64> = journal["items"].as_array().unwrap().iter().map(|r| r["seq"].as_i64().unwrap()).collect();
    let mut sorted = seqs.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seqs.len(), "sequence numbers are unique: {seqs:?}");
    assert_eq!(sorted, (1..=seqs.len() as i64).collect::<Vec<_>>(), "and without gaps");
    assert!(seqs.len() >= 41, "every note and upload is journaled: {}", seqs.len());
    let diff = fuwu_app::events::queues::verify_journal(&t.app, id).await.unwrap();
    assert_eq!(diff, None, "replaying the journal gives the stored event");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_error_text_never_reaches_a_client() {
    let e: fuwu_app::AppError =
        fuwu_store::StoreError::Unique("duplicate key value violates unique constraint \"event_journal_seq\"".into())
            .into();
    let (status, detail) = fuwu_web::error::ApiError(e).parts();
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        !detail.message.contains("event_journal") && !detail.message.contains("duplicate key"),
        "{}",
        detail.message
    );
}

both!(audit_and_notification_lists_check_their_parameters, |t: TestApp| async move {
    for list in ["/api/v1/audit", "/api/v1/notifications"] {
        for q in ["page=9223372036854775807", "page=4611686018427387904&per_page=200", "page=99999"] {
            let (s, v) = t.get("admin", &format!("{list}?{q}")).await;
            assert_eq!(s, StatusCode::OK, "{list}?{q}: {v}");
            assert_eq!(v["items"].as_array().unwrap().len(), 0, "{list}?{q}: a page past the end is empty");
        }
        assert_error(
            &t.get("admin", &format!("{list}?per_page=1000")).await,
            StatusCode::BAD_REQUEST,
            Some("per_page"),
        );
        assert_error(&t.get("admin", &format!("{list}?per_page=0")).await, StatusCode::BAD_REQUEST, Some("per_page"));
        assert_error(&t.get("admin", &format!("{list}?page=0")).await, StatusCode::BAD_REQUEST, Some("page"));
        assert_error(&t.get("admin", &format!("{list}?colour=red")).await, StatusCode::BAD_REQUEST, Some("colour"));
        assert_error(&t.get("admin", &format!("{list}?q=x")).await, StatusCode::BAD_REQUEST, Some("q"));
        assert_error(&t.get("admin", &format!("{list}?page=1&page=2")).await, StatusCode::BAD_REQUEST, Some("page"));
    }
    let (s, v) = t.get("admin", "/api/v1/audit?per_page=1").await;
    assert_eq!((s, v["items"].as_array().unwrap().len()), (StatusCode::OK, 1), "{v}");
    // Repeated parameters are refused everywhere, naming the parameter.
    for path in [
        "/api/v1/customers?q=a&q=b",
        "/api/v1/customers?customer_id=1&customer_id=2",
        "/api/v1/events?queue=mine&queue=open",
        "/api/v1/lookup?phone=13800138000&phone=13900139000",
    ] {
        let got = t.get("kefu", path).await;
        assert_error(&got, StatusCode::BAD_REQUEST, None);
        let name = path.split('?').nth(1).unwrap().split('=').next().unwrap();
        assert_eq!(got.1["error"]["field"], name, "{path}: {}", got.1);
    }
});

both!(a_commit_is_on_disk_before_it_is_acknowledged, |t: TestApp| async move {
    use sqlx::Row;
    let mut tx = t.app.db.begin().await.unwrap();
    match t.app.db.dialect {
        fuwu_store::dialect::Dialect::Sqlite => {
            let row = sqlx::query("PRAGMA synchronous").fetch_one(&mut *tx).await.unwrap();
            assert_eq!(row.try_get::<i64, _>(0).unwrap(), 2, "the writer runs with synchronous = FULL");
        }
        fuwu_store::dialect::Dialect::Postgres => {
            let row = sqlx::query("SHOW synchronous_commit").fetch_one(&mut *tx).await.unwrap();
            assert_eq!(row.try_get::<String, _>(0).unwrap(), "on");
        }
    }
});
