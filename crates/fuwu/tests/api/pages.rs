//! Pages over HTTP: every form post without the session's CSRF token is
//! refused and changes nothing; HTML in titles, notes and names is shown as
//! text; the English pages are complete; customers see only their own.

use crate::both;
use crate::harness::{Backend, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

struct Session {
    cookie: String,
    csrf: String,
}

async fn session(t: &TestApp, login: &str, password: &str) -> Session {
    let s = fuwu_app::auth::login(&t.app, login, password, "test").await.expect("login");
    Session { cookie: format!("fuwu_session={}", s.token), csrf: s.csrf }
}

async fn page(t: &TestApp, s: &Session, path: &str) -> (StatusCode, String) {
    let req = Request::get(path).header(header::COOKIE, &s.cookie).body(Body::empty()).unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn post(t: &TestApp, s: &Session, path: &str, form: &str) -> (StatusCode, String) {
    let req = Request::post(path)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

const PASSWORD: &str = "fuwu-demo-2026";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_post_without_the_csrf_token_is_refused() {
    let t = TestApp::new(Backend::Sqlite).await;
    let s = session(&t, "kefu", PASSWORD).await;
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "CSRF 测试", "impact": "moderate", "urgency": "medium"}))).await;
    let id = e["id"].as_i64().unwrap();
    let audit = t.audit_rows().await;
    let (_, before) = t.get("kefu", &format!("/api/v1/events/{id}/journal")).await;
    let forms = [
        (
            "/events/new".to_owned(),
            format!("customer_id=26&asset_id={}&kind=fault&title=x&impact=minor&urgency=low", asset["id"]),
        ),
        (format!("/events/{id}/act"), "action=cancel&reason=x".to_owned()),
        (format!("/events/{id}/work"), "kind=note&body=x".to_owned()),
        (format!("/events/{id}/report"), "kind=service&findings=x&actions_taken=y".to_owned()),
        (format!("/events/{id}/reports/1/sign"), "signer_name=x&signature=y".to_owned()),
        (format!("/events/{id}/reports/1/link"), String::new()),
        (
            "/account/password".to_owned(),
            "current_password=fuwu-demo-2026&new_password=another-long-1&repeat=another-long-1".to_owned(),
        ),
        ("/account/language".to_owned(), "language=en".to_owned()),
        ("/account/notifications/read".to_owned(), String::new()),
        ("/records/customers".to_owned(), "name=伪造客户".to_owned()),
        ("/records/customers/1".to_owned(), "name=伪造客户&version=1".to_owned()),
        ("/logout".to_owned(), String::new()),
    ];
    for (path, form) in &forms {
        for bad in ["", "&csrf=", "&csrf=0000"] {
            let (status, body) = post(&t, &s, path, &format!("{form}{bad}")).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} without a valid token: {body}");
        }
    }
    // The multipart upload too.
    let boundary = "XyZ";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.log\"\r\n\r\nlog\r\n--{boundary}--\r\n"
    );
    let req = Request::post(format!("/events/{id}/attachments"))
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    assert_eq!(t.router.clone().oneshot(req).await.unwrap().status(), StatusCode::FORBIDDEN);
    // Nothing changed: no audit row, no journal row, the session still works.
    assert_eq!(t.audit_rows().await, audit);
    let (_, after) = t.get("kefu", &format!("/api/v1/events/{id}/journal")).await;
    assert_eq!(before, after);
    assert_eq!(page(&t, &s, "/queues").await.0, StatusCode::OK);
    // With the token the same post works.
    let (status, _) = post(&t, &s, &format!("/events/{id}/work"), &format!("kind=note&body=ok&csrf={}", s.csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_in_titles_notes_and_names_is_text_everywhere() {
    let t = TestApp::new(Backend::Sqlite).await;
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    // A customer named with markup.
    let (_, c) = t.get("admin", "/api/v1/customers/26").await;
    let mut body = c.clone();
    for k in ["id", "created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    body["name"] = json!(format!("南京市公安局{evil}"));
    let (s, v) = t.call("admin", "PUT", "/api/v1/customers/26", Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": format!("标题{evil}"), "description": format!("描述{evil}"), "impact": "moderate", "urgency": "medium"}))).await;
    let id = e["id"].as_i64().unwrap();
    let (s, _) = t
        .call(
            "kefu",
            "POST",
            &format!("/api/v1/events/{id}/work"),
            Some(json!({"kind": "note", "body": format!("备注{evil}")})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let kefu = session(&t, "kefu", PASSWORD).await;
    let serial = asset["serial_number"].as_str().unwrap();
    for path in [
        format!("/events/{id}"),
        "/queues?queue=all".to_owned(),
        "/queues/rows?queue=all".to_owned(),
        format!("/console?q={serial}"),
        "/records/customers?q=%E5%8D%97%E4%BA%AC%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80".to_owned(),
        "/records/customers/26".to_owned(),
        "/records/customers/26/edit".to_owned(),
    ] {
        let (status, html) = page(&t, &kefu, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{path} shows markup unescaped");
        assert!(
            html.contains("&#60;script&#62;alert(1)") || html.contains("&lt;script&gt;alert(1)"),
            "{path} shows it as text"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_english_and_the_customers_boundaries() {
    let mut t = TestApp::new(Backend::Sqlite).await;
    let s = session(&t, "kefu", PASSWORD).await;
    let (status, _) = post(&t, &s, "/account/language", &format!("language=en&csrf={}", s.csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&t, &s, "/queues").await;
    assert!(
        html.contains("lang=\"en\"") && html.contains("Queues") && html.contains("Log out"),
        "English after the switch"
    );
    // A customer contact: its own events only; another's is "not found"; no internal notes.
    t.customer_login("cust26", 26).await;
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, mine) = t.call("cust26", "POST", "/api/v1/events", Some(json!({"kind": "consultation", "asset_id": asset["id"], "title": "门户提问", "impact": "minor", "urgency": "low"}))).await;
    let (s2, _) = t
        .call(
            "kefu",
            "POST",
            &format!("/api/v1/events/{}/work", mine["id"]),
            Some(json!({"kind": "note", "internal": true, "body": "内部备注：客户合同下月到期"})),
        )
        .await;
    assert_eq!(s2, StatusCode::CREATED);
    let other_asset = t.first("/api/v1/assets?customer_id=6").await;
    let (_, other) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": other_asset["id"], "title": "别家的事件", "impact": "minor", "urgency": "low"}))).await;
    let cust = session(&t, "cust26", "long-enough-1").await;
    let (status, html) = page(&t, &cust, &format!("/events/{}", mine["id"])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("门户提问") && !html.contains("内部备注"), "no internal notes for customers");
    assert!(
        !html.contains("name=\"internal\"") && !html.contains("<option value=\"call\">"),
        "customers add notes, never internal"
    );
    let (status, html) = page(&t, &cust, &format!("/events/{}", other["id"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("别家的事件"));
    let (_, html) = page(&t, &cust, "/portal").await;
    assert!(html.contains("门户提问") && !html.contains("别家的事件"));
    let (status, _) = page(&t, &cust, "/console").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the console is the service centre's");
    let (status, _) = page(&t, &cust, "/overview").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Without a session every page leads to the login page.
    let req = Request::get("/queues").body(Body::empty()).unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[header::LOCATION], "/login?next=/queues");
    let req = Request::get("/queues?queue=major&page=2").body(Body::empty()).unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(
        resp.headers()[header::LOCATION],
        "/login?next=/queues%3Fqueue%3Dmajor%26page%3D2",
        "the whole way back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_forms_show_the_apis_messages_beside_the_field() {
    let t = TestApp::new(Backend::Sqlite).await;
    let s = session(&t, "kefu", PASSWORD).await;
    let before = t.count("/api/v1/customers").await;
    // A customer without a name: refused, the message beside the name field, nothing written.
    let (status, html) = post(&t, &s, "/records/customers", &format!("name=&industry=金融&csrf={}", s.csrf)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let at_name = html.split("name=\"name\"").nth(1).unwrap_or_default();
    assert!(at_name.contains("class=\"field-error\""), "the message sits beside the name field");
    assert!(at_name.contains("必填"), "in the user's language");
    assert!(html.contains("value=\"金融\""), "what was typed is kept");
    assert_eq!(t.count("/api/v1/customers").await, before);
    // A good one is created and shown; references are offered by name.
    let (status, _) =
        post(&t, &s, "/records/customers", &format!("name=新客户有限公司&active=on&csrf={}", s.csrf)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(t.count("/api/v1/customers").await, before + 1);
    let (_, html) = page(&t, &s, "/records/projects/new").await;
    assert!(html.contains("data-pick=\"/api/v1/choices/customers\""), "customers picked by name");
    let project = t.first("/api/v1/projects?customer_id=26").await;
    let (_, html) = page(&t, &s, &format!("/records/projects/{}/edit", project["id"])).await;
    assert!(
        html.contains("id=\"f-customer_id\" value=\"南京市公安局")
            && html.contains("name=\"customer_id\" value=\"26\""),
        "the customer is named, not numbered, and kept"
    );
    assert!(
        html.contains("data-pick=\"/api/v1/choices/sites\" data-scope=\"customer_id\""),
        "its sites among the customer's"
    );
    // A stale version: 409 shown on the form, not a crash.
    let (status, html) = post(&t, &s, "/records/customers/1", &format!("name=改名&version=99&csrf={}", s.csrf)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_queues_and_attachments_through_the_pages() {
    let t = TestApp::new(Backend::Sqlite).await;
    let s = session(&t, "kefu", PASSWORD).await;
    let (_, html) = page(&t, &s, "/queues/rows?queue=unassigned").await;
    assert!(
        html.contains("class=\"tabs\"") && html.contains("<table class=\"cards\">"),
        "the live fragment has counts and rows"
    );
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "日志上传", "impact": "minor", "urgency": "low"}))).await;
    let id = e["id"].as_i64().unwrap();
    let (_, html) = page(&t, &s, "/queues/rows?queue=unassigned").await;
    assert!(html.contains("日志上传"), "a new event appears on the next refresh");
    assert!(html.contains("data-due=\"20"), "each row counts down to its earliest SLA due time");
    // The open event page watches the event's version.
    let (st, v1) = page(&t, &s, &format!("/events/{id}/version")).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = t
        .call(
            "kefu",
            "POST",
            &format!("/api/v1/events/{id}/work"),
            Some(json!({"kind": "note", "body": "客户来电补充"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (_, page_html) = page(&t, &s, &format!("/events/{id}")).await;
    let (_, v2) = page(&t, &s, &format!("/events/{id}/version")).await;
    assert_ne!(v1, v2, "a note by someone else changes what the page watches");
    assert!(page_html.contains(&format!("data-version=\"{v2}\"")), "the page carries the version it shows");
    let other = session(&t, "customer2", PASSWORD).await;
    assert_eq!(page(&t, &other, &format!("/events/{id}/version")).await.0, StatusCode::NOT_FOUND);
    // Upload a log file through the page form, then download it.
    let boundary = "fuwuBoundary";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{c}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"阵列日志.log\"\r\nContent-Type: text/plain\r\n\r\n2026-11-25 disk 3 failed<script>\r\n--{b}--\r\n",
        b = boundary,
        c = s.csrf
    );
    let req = Request::post(format!("/events/{id}/attachments"))
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (_, html) = page(&t, &s, &format!("/events/{id}")).await;
    let href = html.split(&format!("/events/{id}/attachments/")).nth(1).unwrap().split('"').next().unwrap().to_owned();
    let req = Request::get(format!("/events/{id}/attachments/{href}"))
        .header(header::COOKIE, &s.cookie)
        .body(Body::empty())
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/octet-stream");
    assert!(resp.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"));
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], b"2026-11-25 disk 3 failed<script>");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_adds_next_years_holidays_in_the_pages() {
    let t = TestApp::new(Backend::Sqlite).await;
    let admin = session(&t, "admin", PASSWORD).await;
    let preview = "/settings/sla?start=2026-12-31T17%3A00%3A00%2B08%3A00&duration=2h&calendar=5x8";
    // Before: 2027 is not in the compiled table, so 1 January 2027 (a Friday) counts as a working day.
    let (_, html) = page(&t, &admin, preview).await;
    assert!(html.contains("2027-01-01T10:00:00+08:00"), "{html}");
    let (status, html) =
        post(&t, &admin, "/records/holidays", &format!("date=2027-01-01&kind=holiday&name=元旦&csrf={}", admin.csrf))
            .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, html) = page(&t, &admin, preview).await;
    assert!(html.contains("2027-01-04T10:00:00+08:00"), "New Year's Day is now a holiday: {html}");
    // A calendar of its own, typed a weekday per line: mornings only, Monday to Friday.
    let week = "09:00-12:00\n09:00-12:00\n09:00-12:00\n09:00-12:00\n09:00-12:00";
    let form = format!(
        "name=mornings&time_zone=Asia%2FShanghai&week={}&official_holidays=on&csrf={}",
        crate::browser::urlencode(week),
        admin.csrf
    );
    let (status, html) = post(&t, &admin, "/records/calendars", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, html) =
        page(&t, &admin, "/settings/sla?start=2026-11-25T11%3A00%3A00%2B08%3A00&duration=2h&calendar=mornings").await;
    assert!(html.contains("2026-11-26T10:00:00+08:00"), "1h on Wednesday morning, 1h on Thursday: {html}");
    // Bad input is shown beside the field; specialists may not change the calendar.
    let (status, _) =
        post(&t, &admin, "/records/holidays", &format!("date=2027-13-40&kind=holiday&csrf={}", admin.csrf)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let kefu = session(&t, "kefu", PASSWORD).await;
    let (status, _) =
        post(&t, &kefu, "/records/holidays", &format!("date=2027-01-02&kind=holiday&csrf={}", kefu.csrf)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post(&t, &kefu, "/settings/sla", &format!("warning_percent=60&csrf={}", kefu.csrf)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = post(&t, &admin, "/settings/sla", &format!("warning_percent=60&csrf={}", admin.csrf)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"60\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escalation_to_l2_through_the_event_page_forms() {
    let t = TestApp::new(Backend::Sqlite).await;
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "双活仲裁异常", "impact": "significant", "urgency": "high"}))).await;
    let id = e["id"].as_i64().unwrap();
    let l1 = t.user_id("l1.nj1").await;
    let l2 = t.user_id("l2.1").await;
    let kefu = session(&t, "kefu", PASSWORD).await;
    let eng = session(&t, "l1.nj1", PASSWORD).await;
    let act = |s: &Session, form: String| format!("{form}&csrf={}", s.csrf);
    // Dispatch by the page's radio value, accept, ask for L2 — each a page form.
    let (st, _) =
        post(&t, &kefu, &format!("/events/{id}/act"), &act(&kefu, format!("action=assign&pick=engineer%3A{l1}"))).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _) = post(&t, &eng, &format!("/events/{id}/act"), &act(&eng, "action=accept".into())).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = page(&t, &eng, &format!("/events/{id}")).await;
    assert!(
        html.contains("<option value=\"call\">") && !html.contains("<option value=\"visit\">"),
        "no visit before on-site approval"
    );
    assert!(html.contains("name=\"internal\""), "engineers may keep a note internal");
    let (st, _) =
        post(&t, &eng, &format!("/events/{id}/act"), &act(&eng, "action=request_l2&reason=需要二线分析".into())).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    // The specialist's event page asks for the L2 engineer; approving without one is refused beside the field.
    let (_, html) = page(&t, &kefu, &format!("/events/{id}")).await;
    assert!(html.contains("name=\"target.engineer_id\""), "the approve form names an L2 engineer");
    let (_, inbox) = page(&t, &kefu, "/approvals").await;
    assert!(inbox.contains("双活仲裁异常") && inbox.contains(&format!("href=\"/events/{id}\"")));
    let (st, _) = post(&t, &kefu, &format!("/events/{id}/act"), &act(&kefu, "action=approve".into())).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) =
        post(&t, &kefu, &format!("/events/{id}/act"), &act(&kefu, format!("action=approve&target.engineer_id={l2}")))
            .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, v) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!((v["event"]["tier"].as_str(), v["event"]["assignee_id"].as_i64()), (Some("L2"), Some(l2)));
    // A stale page: the same approval again is answered on the page, not with a crash.
    let (st, html) =
        post(&t, &kefu, &format!("/events/{id}/act"), &act(&kefu, format!("action=approve&target.engineer_id={l2}")))
            .await;
    assert!(st == StatusCode::CONFLICT || st == StatusCode::FORBIDDEN, "{st}: {html}");
    assert!(html.contains("事件已有变化") && html.contains("双活仲裁异常"), "the event as it is now, with a word why");
}

/// Every role's start page and every page in its navigation answer 200, in both languages' markup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_reaches_every_page_of_its_navigation() {
    let t = TestApp::new(Backend::Sqlite).await;
    for login in crate::harness::ROLES {
        let s = session(&t, login, PASSWORD).await;
        let req = Request::get("/").header(header::COOKIE, &s.cookie).body(Body::empty()).unwrap();
        let resp = t.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{login}");
        let home = resp.headers()[header::LOCATION].to_str().unwrap().to_owned();
        let (status, html) = page(&t, &s, &home).await;
        assert_eq!(status, StatusCode::OK, "{login} home {home}: {html}");
        let nav =
            html.split("<nav aria-label=\"主导航\">").nth(1).and_then(|x| x.split("</nav>").next()).unwrap_or_default();
        let links: Vec<&str> = nav.split("href=\"").skip(1).filter_map(|x| x.split('"').next()).collect();
        assert!(!links.is_empty(), "{login} has a navigation");
        for href in links {
            let (status, html) = page(&t, &s, href).await;
            assert_eq!(status, StatusCode::OK, "{login} → {href}: {html}");
            // The records index offers only kinds this role may read: each list opens.
            if href == "/records" {
                for kind in html.split("href=\"/records/").skip(1).filter_map(|x| x.split('"').next()) {
                    let (status, body) = page(&t, &s, &format!("/records/{kind}")).await;
                    assert_eq!(status, StatusCode::OK, "{login} → /records/{kind}: {body}");
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_read_in_the_users_language() {
    let t = TestApp::new(Backend::Sqlite).await;
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "重复签字", "impact": "minor", "urgency": "low"}))).await;
    let id = e["id"].as_i64().unwrap();
    let l1 = t.user_id("l1.nj1").await;
    for (who, body) in [
        ("kefu", json!({"action": "assign", "target": {"engineer_id": l1}, "reason": "实施工程师"})),
        ("l1.nj1", json!({"action": "accept"})),
    ] {
        assert!(t.call(who, "POST", &format!("/api/v1/events/{id}/actions"), Some(body)).await.0.is_success());
    }
    let (_, r) = t
        .call(
            "l1.nj1",
            "POST",
            &format!("/api/v1/events/{id}/reports"),
            Some(json!({"kind": "service", "findings": "检查", "actions_taken": "处理"})),
        )
        .await;
    let rid = r["id"].as_i64().unwrap();
    let eng = session(&t, "l1.nj1", PASSWORD).await;
    let png = "data%3Aimage%2Fpng%3Bbase64%2CiVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg%3D%3D";
    let form = format!("signer_name=孙刚&signature={png}&csrf={}", eng.csrf);
    let (st, _) = post(&t, &eng, &format!("/events/{id}/reports/{rid}/sign"), &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, html) = post(&t, &eng, &format!("/events/{id}/reports/{rid}/sign"), &form).await;
    assert_eq!(st, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("该报告已确认"), "the refusal in Chinese: {html}");
    let (st, html) = page(&t, &eng, "/events/999999").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(html.contains("该记录不存在，或您无权查看"));
}

both!(the_same_form_sent_twice_records_once, |t: TestApp| async move {
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let body = json!({"kind": "fault", "asset_id": asset["id"], "title": "重复提交", "impact": "minor", "urgency": "low", "client_token": "form-abc123"});
    let (s1, e1) = t.call("kefu", "POST", "/api/v1/events", Some(body.clone())).await;
    let (s2, e2) = t.call("kefu", "POST", "/api/v1/events", Some(body.clone())).await;
    assert!(s1.is_success() && s2.is_success(), "{e1} {e2}");
    assert_eq!(e1["id"], e2["id"], "the second send returns the event recorded first");
    // At the same moment: still one.
    let body2 = json!({"kind": "fault", "asset_id": asset["id"], "title": "并发重复提交", "impact": "minor", "urgency": "low", "client_token": "form-xyz789"});
    let (a, b) = tokio::join!(
        t.call("kefu", "POST", "/api/v1/events", Some(body2.clone())),
        t.call("kefu", "POST", "/api/v1/events", Some(body2.clone()))
    );
    assert!(a.0.is_success() && b.0.is_success(), "{} {}", a.1, b.1);
    assert_eq!(a.1["id"], b.1["id"]);
    assert_eq!(t.count("/api/v1/events").await, 2);
    // Without a token every send is a new event; a blank token is refused.
    let bad = json!({"kind": "fault", "asset_id": asset["id"], "title": "x", "impact": "minor", "urgency": "low", "client_token": " "});
    crate::harness::assert_error(
        &t.call("kefu", "POST", "/api/v1/events", Some(bad)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("client_token"),
    );
    // The console's form carries a token; sent twice, it records once.
    let s = session(&t, "kefu", PASSWORD).await;
    let (_, html) = page(&t, &s, &format!("/console?q={}", asset["serial_number"].as_str().unwrap())).await;
    let token = html.split("name=\"client_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let form = format!(
        "customer_id=26&asset_id={}&kind=fault&title=控制台重复&impact=minor&urgency=low&client_token={token}&csrf={}",
        asset["id"], s.csrf
    );
    let (r1, _) = post(&t, &s, "/events/new", &form).await;
    let (r2, _) = post(&t, &s, "/events/new", &form).await;
    assert_eq!((r1, r2), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert_eq!(t.count("/api/v1/events").await, 3);
});

/// Without the page script every picker still works: a city by its name, the
/// targets table in working time; new records start active; every field
/// problem is in the user's language, beside the field or the cell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_forms_take_names_and_working_times() {
    let t = TestApp::new(Backend::Sqlite).await;
    let kefu = session(&t, "kefu", PASSWORD).await;
    let (_, html) = page(&t, &kefu, "/records/customers/new").await;
    assert!(html.contains("name=\"active\" checked"), "a new customer starts active");
    // A form nobody could save is not offered.
    assert_eq!(page(&t, &kefu, "/records/service-levels/1/edit").await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(&t, &kefu, "/records/users/new").await.0, StatusCode::FORBIDDEN);
    // A city typed by name (what the type-ahead shows) is stored as its code.
    let form = format!("customer_id=26&name=江宁灾备中心&city_code=江苏省 南京市 江宁区&csrf={}", kefu.csrf);
    let (status, html) = post(&t, &kefu, "/records/sites", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let site = t.first("/api/v1/sites?q=江宁灾备中心").await;
    assert_eq!(site["city_code"], "320115000000");
    // The list's search finds it by customer and district, as typed.
    let (_, html) =
        page(&t, &kefu, "/records/sites?q=%E5%8D%97%E4%BA%AC%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80+%E6%B1%9F%E5%AE%81")
            .await;
    assert!(html.contains("江宁灾备中心") && html.contains("共: 1<"), "{html}");
    let (_, html) = page(&t, &kefu, &format!("/records/sites/{}", site["id"])).await;
    assert!(html.contains("江苏省 南京市 江宁区") && html.contains("南京市公安局"), "named, not coded");
    assert!(html.contains("<a href=\"/records/customers/26\">南京市公安局"), "the customer is a link");
    let before = t.count("/api/v1/sites").await;
    let form = format!("customer_id=26&name=火星站&city_code=火星&csrf={}", kefu.csrf);
    let (status, html) = post(&t, &kefu, "/records/sites", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let at_city = html.split("name=\"city_code\"").nth(1).unwrap_or_default();
    assert!(at_city.contains("未知的城市"), "beside the city, in Chinese: {at_city}");
    assert!(html.contains("value=\"火星\""), "what was typed is kept");
    assert_eq!(t.count("/api/v1/sites").await, before, "nothing written");
    // Without the script a contract's coverage is a list of ids, one per line; another customer's
    // is named as an unknown one (it answers exactly as an absent id would).
    let (_, assets) = t.get("admin", "/api/v1/assets?customer_id=26").await;
    let (a, b) = (assets["items"][0]["id"].as_i64().unwrap(), assets["items"][1]["id"].as_i64().unwrap());
    let other = t.first("/api/v1/assets?customer_id=27").await["id"].as_i64().unwrap();
    let contract = |assets: String| {
        format!(
            "number=HT-NOJS-1&customer_id=26&service_level_id=1&start_date=2026-01-01&end_date=2026-12-31&covered_asset_ids={}&csrf={}",
            assets.replace('\n', "%0A"),
            kefu.csrf
        )
    };
    let (status, html) = post(&t, &kefu, "/records/contracts", &contract(format!("{a}\n{other}"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.split("name=\"covered_asset_ids\"").nth(1).unwrap_or_default().contains("所选记录不存在或无权使用"),
        "{html}"
    );
    let (status, html) = post(&t, &kefu, "/records/contracts", &contract(format!("{a}\n{b}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let saved = t.first("/api/v1/contracts?q=HT-NOJS-1").await;
    let mut covered: Vec<i64> =
        saved["covered_asset_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    covered.sort_unstable();
    assert_eq!(covered, {
        let mut w = vec![a, b];
        w.sort_unstable();
        w
    });
    // A name already taken: in Chinese, beside the name.
    let (status, html) = post(&t, &kefu, "/records/customers", &format!("name=南京市公安局&csrf={}", kefu.csrf)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.split("name=\"name\"").nth(1).unwrap_or_default().contains("已存在"), "{html}");
    // The targets table: working times per priority; a cell that is not one is named.
    let admin = session(&t, "admin", PASSWORD).await;
    let mut form = format!("code=FAST&name=快速&coverage=7x24&onsite_included=on&active=on&csrf={}", admin.csrf);
    for (p, r, o, z) in
        [("P1", "15m", "2h", "4h"), ("P2", "30", "4小时", "8h"), ("P3", "1h", "", "1h30m"), ("P4", "2h", "", "48h")]
    {
        form.push_str(&format!(
            "&targets.{p}.response_minutes={r}&targets.{p}.onsite_minutes={o}&targets.{p}.resolution_minutes={z}"
        ));
    }
    let bad = form.replace("targets.P2.resolution_minutes=8h", "targets.P2.resolution_minutes=很快");
    let (status, html) = post(&t, &admin, "/records/service-levels", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let cell = html.split("name=\"targets.P2.resolution_minutes\"").nth(1).unwrap_or_default();
    assert!(cell.starts_with(" value=\"很快\"") && cell.contains("时长格式"), "{cell}");
    let (status, html) = post(&t, &admin, "/records/service-levels", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let level = t.first("/api/v1/service-levels?q=FAST").await;
    let minutes: Vec<(i64, Option<i64>, i64)> = level["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["response_minutes"].as_i64().unwrap(),
                x["onsite_minutes"].as_i64(),
                x["resolution_minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(minutes, vec![(15, Some(120), 240), (30, Some(240), 480), (60, None, 90), (120, None, 2880)]);
    assert_eq!(level["active"], true);
    let (_, html) = page(&t, &admin, &format!("/records/service-levels/{}/edit", level["id"])).await;
    assert!(html.contains("name=\"targets.P3.resolution_minutes\" value=\"1h30m\""), "shown as working time");
    // A new user: no role chosen for them; a short password is named beside its field.
    let (_, html) = page(&t, &admin, "/records/users/new").await;
    assert!(html.contains("<option value=\"\" selected>请选择…"), "no role is preselected");
    let form = format!("login=new.eng&name=新工程师&role=engineer&tier=L1&password=short&csrf={}", admin.csrf);
    let (status, html) = post(&t, &admin, "/records/users", &form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.split("name=\"password\"").nth(1).unwrap_or_default().contains("太短"), "{html}");
    // In English for an English user.
    let (status, _) = post(&t, &admin, "/account/language", &format!("language=en&csrf={}", admin.csrf)).await;
    assert!(status.is_redirection(), "{status}");
    let (_, html) = post(&t, &admin, "/records/service-levels", &bad).await;
    assert!(html.contains("A duration like"), "English messages for English users");
}
