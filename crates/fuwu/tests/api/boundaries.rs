//! Accounts and pages at their edges (issue 10, item 11): customers are kept
//! off the staff pages, a password change takes the API tokens with it, an
//! active session never expires and its cookie is renewed as it slides, the
//! login form takes only tokens the server issued, file names lose their
//! direction overrides, and a note or report sent twice is recorded once.

use crate::both;
use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use jiff::SignedDuration;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Page {
    status: StatusCode,
    location: String,
    cookies: Vec<String>,
    html: String,
}

async fn page(router: &axum::Router, cookie: &str, method: &str, path: &str, form: &str) -> Page {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap();
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    assert!(!status.is_server_error(), "{method} {path}: {status}");
    let location = resp.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let cookies = resp.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let html = String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
    Page { status, location, cookies, html }
}

async fn session(t: &TestApp, login: &str) -> (String, String) {
    let s = fuwu_app::auth::login(&t.app, login, fuwu::demo::DEMO_PASSWORD, "test").await.unwrap();
    (format!("fuwu_session={}", s.token), s.csrf)
}

both!(customers_are_kept_off_every_staff_page, |t: TestApp| async move {
    let (cookie, csrf) = session(&t, "customer").await;
    let (_, v) = t.get("customer", "/api/v1/customers").await;
    let own = v["items"][0]["id"].as_i64().unwrap();
    let contract = t.first(&format!("/api/v1/contracts?customer_id={own}")).await["id"].as_i64().unwrap();
    // Every page of the staff: 403, with the way back to the portal.
    let mut staff = vec![
        "/console".to_owned(),
        "/console?phone=13900000000".to_owned(),
        "/queues".to_owned(),
        "/queues?queue=all".to_owned(),
        "/approvals".to_owned(),
        "/overview".to_owned(),
        "/plan".to_owned(),
        "/records".to_owned(),
        "/settings/sla".to_owned(),
    ];
    for kind in ["customers", "sites", "contacts", "projects", "assets", "contracts", "service-levels", "users"] {
        staff.push(format!("/records/{kind}"));
        staff.push(format!("/records/{kind}/new"));
    }
    staff.push(format!("/records/customers/{own}"));
    staff.push(format!("/records/customers/{own}/edit"));
    staff.push(format!("/records/contracts/{contract}"));
    for path in &staff {
        let p = page(&t.router, &cookie, "GET", path, "").await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}: {}", p.location);
        assert!(p.html.contains("href=\"/portal\""), "{path}: no way back");
    }
    // Their forms: refused, nothing written.
    let audit = t.audit_rows().await;
    for (path, form) in [
        ("/settings/sla", format!("csrf={csrf}&warn_percent=60")),
        ("/settings/vendor", format!("csrf={csrf}&name=x")),
        ("/records/customers", format!("csrf={csrf}&name=某某")),
        (&*format!("/records/customers/{own}"), format!("csrf={csrf}&name=某某&version=1")),
        ("/events/new-caller", format!("csrf={csrf}&customer_name=x&contact_name=y&phone=13900000000&title=t")),
    ] {
        let p = page(&t.router, &cookie, "POST", path, &form).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "POST {path}");
    }
    assert_eq!(t.audit_rows().await, audit);
    // The customer's own pages still answer, and so do the staff's pages for the staff.
    for path in ["/portal", "/portal/new", "/account", "/queues/rows?queue=all&part=rows"] {
        assert_eq!(page(&t.router, &cookie, "GET", path, "").await.status, StatusCode::OK, "{path}");
    }
    let (kefu, _) = session(&t, "kefu").await;
    for path in ["/console", "/queues", "/approvals", "/records/customers"] {
        assert_eq!(page(&t.router, &kefu, "GET", path, "").await.status, StatusCode::OK, "kefu {path}");
    }
});

both!(a_password_change_revokes_the_users_api_tokens, |t: TestApp| async move {
    let mut t = t;
    t.login_as("l3.1").await;
    assert_eq!(t.get("l3.1", "/api/v1/me").await.0, StatusCode::OK);
    let (cookie, csrf) = session(&t, "l3.1").await;
    let req = Request::post("/api/v1/me/password")
        .header(header::COOKIE, &cookie)
        .header("x-csrf-token", &csrf)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"current_password": fuwu::demo::DEMO_PASSWORD, "new_password": "a-new-password"}).to_string(),
        ))
        .unwrap();
    assert_eq!(t.send(req).await.0, StatusCode::NO_CONTENT);
    assert_error(&t.get("l3.1", "/api/v1/me").await, StatusCode::UNAUTHORIZED, None);
    // An administrator's reset does the same.
    t.login_as("l2.1").await;
    let id = t.user_id("l2.1").await;
    let (s, v) = t
        .call("admin", "PUT", &format!("/api/v1/users/{id}/password"), Some(json!({"password": "reset-password-1"})))
        .await;
    assert!(s.is_success(), "{v}");
    assert_error(&t.get("l2.1", "/api/v1/me").await, StatusCode::UNAUTHORIZED, None);
    // Others' tokens are untouched.
    assert_eq!(t.get("kefu", "/api/v1/me").await.0, StatusCode::OK);
});

both!(an_active_session_slides_and_its_cookie_is_renewed, |t: TestApp| async move {
    // Sessions of 3 minutes' idleness, on a clock of the test's own.
    let clock = fuwu_app::Clock::fixed("2031-03-01T02:00:00Z".parse().unwrap());
    let mut config = t.app.config.clone();
    config.session_idle_minutes = 3;
    let app = fuwu_app::App { config, ..t.app.clone() }.with_clock(clock.clone());
    let router = fuwu_web::router(app.clone(), fuwu_web::WebConfig { cookie_secure: true, ..Default::default() });
    let s = fuwu_app::auth::login(&app, "kefu", fuwu::demo::DEMO_PASSWORD, "test").await.unwrap();
    let cookie = format!("fuwu_session={}", s.token);
    // A request every 2 minutes 30 for a quarter of an hour: never logged out, and each
    // answer renews the cookie for another 3 minutes.
    for step in 0..6 {
        clock.advance(SignedDuration::from_secs(150));
        let p = page(&router, &cookie, "GET", "/queues", "").await;
        assert_eq!(p.status, StatusCode::OK, "step {step}: {}", p.location);
        let renewed =
            p.cookies.iter().find(|c| c.starts_with(&cookie)).unwrap_or_else(|| panic!("step {step}: {:?}", p.cookies));
        assert!(renewed.contains("Max-Age=180") && renewed.contains("HttpOnly"), "{renewed}");
        let req = Request::get("/api/v1/me").header(header::COOKIE, &cookie).body(Body::empty()).unwrap();
        let resp = router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "the API too, step {step}");
    }
    // Idle longer than that: gone.
    clock.advance(SignedDuration::from_secs(181));
    let p = page(&router, &cookie, "GET", "/queues", "").await;
    assert!(p.location.starts_with("/login"), "{}", p.location);
});

both!(the_login_form_takes_only_tokens_the_server_issued, |t: TestApp| async move {
    let form = |cookie: &str, csrf: &str| {
        Request::post("/login")
            .header(header::COOKIE, format!("fuwu_login_csrf={cookie}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&login=kefu&password={}", fuwu::demo::DEMO_PASSWORD)))
            .unwrap()
    };
    // An equal pair made up by someone else.
    let made_up = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let r = t.router.clone().oneshot(form(made_up, made_up)).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A token the server issued, altered.
    let resp = t.router.clone().oneshot(Request::get("/login").body(Body::empty()).unwrap()).await.unwrap();
    let issued = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .find_map(|v| {
            v.to_str().unwrap().strip_prefix("fuwu_login_csrf=").map(|c| c.split(';').next().unwrap().to_owned())
        })
        .unwrap();
    let (body, _) = issued.rsplit_once('.').unwrap();
    let (nonce, _) = body.split_once('.').unwrap();
    let stretched = format!("{nonce}.99999999999999.{}", issued.rsplit_once('.').unwrap().1);
    assert_eq!(t.router.clone().oneshot(form(&stretched, &stretched)).await.unwrap().status(), StatusCode::FORBIDDEN);
    // The issued one works.
    let r = t.router.clone().oneshot(form(&issued, &issued)).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
});

async fn event(t: &TestApp) -> i64 {
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let body = json!({"kind": "fault", "asset_id": asset["id"], "title": "重复提交", "impact": "moderate", "urgency": "medium"});
    let (s, v) = t.call("kefu", "POST", "/api/v1/events", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

both!(direction_overrides_never_stay_in_file_names, |t: TestApp| async move {
    let id = event(&t).await;
    // "report<RLO>fdp.exe" shows as "reportexe.pdf".
    let path = format!("/api/v1/events/{id}/attachments?file_name=report%E2%80%AEfdp.exe");
    let (s, v) = t.raw("kefu", "POST", &path, "application/octet-stream", "MZ").await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["file_name"], "reportfdp.exe");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    for a in d["attachments"].as_array().unwrap() {
        let name = a["file_name"].as_str().unwrap();
        assert!(!name.chars().any(fuwu_core::text::is_invisible_format), "{name:?}");
    }
    let aid = v["id"].as_i64().unwrap();
    let (_, h, _) = t.bytes("kefu", &format!("/api/v1/events/{id}/attachments/{aid}")).await;
    let disposition = h[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(!disposition.to_lowercase().contains("%e2%80%ae"), "{disposition}");
});

both!(a_note_or_report_sent_again_is_recorded_once, |t: TestApp| async move {
    let id = event(&t).await;
    let l1 = t.user_id("l1.nj1").await;
    let acts = format!("/api/v1/events/{id}/actions");
    for (who, b) in [
        ("kefu", json!({"action": "assign", "target": {"engineer_id": l1}, "reason": "测试"})),
        ("l1.nj1", json!({"action": "accept"})),
    ] {
        let (s, v) = t.call(who, "POST", &acts, Some(b)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let work = format!("/api/v1/events/{id}/work");
    let note = json!({"kind": "note", "body": "已远程重启服务，观察中"});
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (s, v) = t.call("l1.nj1", "POST", &work, Some(note.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["id"].clone());
    }
    // Four at once, too.
    let send = || t.call("l1.nj1", "POST", &work, Some(note.clone()));
    let (a, b, c, d) = tokio::join!(send(), send(), send(), send());
    for (s, v) in [a, b, c, d] {
        assert_eq!(s, StatusCode::CREATED, "{v}");
        ids.push(v["id"].clone());
    }
    assert!(ids.iter().all(|i| *i == ids[0]), "one note: {ids:?}");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let notes: Vec<&Value> = d["work"].as_array().unwrap().iter().filter(|w| w["body"] == note["body"]).collect();
    assert_eq!(notes.len(), 1);
    // Another text, or the same a minute later, is a new note.
    let (_, other) = t.call("l1.nj1", "POST", &work, Some(json!({"kind": "note", "body": "问题已解决"}))).await;
    assert_ne!(other["id"], ids[0]);

    let report = json!({"kind": "service", "findings": "电源模块故障", "actions_taken": "更换电源模块", "parts_changed": [], "versions_changed": [], "engineers": []});
    let path = format!("/api/v1/events/{id}/reports");
    let mut reports = Vec::new();
    for _ in 0..3 {
        let (s, v) = t.call("l1.nj1", "POST", &path, Some(report.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        reports.push((v["id"].clone(), v["report_version"].clone()));
    }
    assert!(reports.iter().all(|r| *r == reports[0]), "{reports:?}");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(d["reports"].as_array().unwrap().len(), 1, "{}", d["reports"]);
});
