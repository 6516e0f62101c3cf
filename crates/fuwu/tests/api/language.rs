//! Every page of every role, in Chinese and in English: no raw code
//! (`partner_engineer`, `in_progress`, `start · resolution`) and, on the Chinese
//! pages, no untranslated English sentence (`the role customer may not do this`).

use crate::harness::{Backend, ROLES, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

/// Codes that must never show as words on a page (`admin`, `manager` and
/// `customer` are also demo logins, shown as data on the users list).
const CODES: &[&str] = &[
    "specialist",
    "engineer",
    "partner_engineer",
    "service_center",
    "l1_project",
    "l2_center",
    "l3_expert",
    "note",
    "call",
    "remote",
    "visit",
    "onsite",
    "response",
    "resolution",
    "recorded",
    "assigned",
    "in_progress",
    "awaiting_approval",
    "awaiting_customer",
    "resolved",
    "closed",
    "cancelled",
    "start",
    "stop",
    "pause",
    "resume",
    "hotline",
    "portal",
    "fault",
    "consultation",
    "service_request",
    "minor",
    "moderate",
    "significant",
    "extensive",
    "running",
    "breached",
    "met",
    "warning",
];

/// The visible text of a page: tags, scripts, styles and attribute values left out.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        out.push(' ');
        let tag = &rest[i..];
        let skip_to = if tag.starts_with("<script") {
            tag.find("</script>").map(|j| j + 9)
        } else if tag.starts_with("<style") {
            tag.find("</style>").map(|j| j + 8)
        } else if tag.starts_with("<code") {
            // Literal formats users type (a file's column names) are code on purpose.
            tag.find("</code>").map(|j| j + 7)
        } else if tag.starts_with("<svg") {
            tag.find("</svg>").map(|j| j + 6)
        } else {
            tag.find('>').map(|j| j + 1)
        };
        rest = match skip_to {
            Some(j) => &tag[j..],
            None => "",
        };
    }
    out.push_str(rest);
    out.replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", "\"")
}

/// What is wrong with a page's text: raw codes, and (Chinese pages) English sentences.
fn problems(text: &str, chinese: bool) -> Vec<String> {
    let mut found = Vec::new();
    // Words: runs of Latin letters, digits, `_`, `.`, `@`, `-` (so e-mails, serials and versions stay whole).
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-')))
        .filter(|w| !w.is_empty())
        .collect();
    for w in &words {
        let bare = w.trim_matches(|c: char| c == '.' || c == '-');
        let lower = bare.to_ascii_lowercase();
        if chinese && CODES.contains(&lower.as_str()) && bare == lower {
            found.push(format!("raw code `{bare}`"));
        }
        if bare.contains('_') && bare.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            found.push(format!("raw code `{bare}`"));
        }
    }
    if chinese {
        // Three Latin words in a row (letters only, two or more each) is a sentence nobody translated.
        let mut run: Vec<&str> = Vec::new();
        for token in text.split_whitespace() {
            if token.len() >= 2 && token.chars().all(|c| c.is_ascii_alphabetic()) {
                run.push(token);
                if run.len() >= 3 {
                    found.push(format!("English `{}`", run.join(" ")));
                    run.clear();
                }
            } else {
                run.clear();
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

struct Session {
    cookie: String,
}

async fn page(t: &TestApp, s: &Session, path: &str) -> (StatusCode, String) {
    let req = Request::get(path).header(header::COOKIE, &s.cookie).body(Body::empty()).unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn links<'a>(html: &'a str, prefix: &str) -> Vec<&'a str> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|x| x.split('"').next())
        .filter(|h| h.starts_with(prefix) && !h.contains("/new") && !h.contains('?'))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_every_role_reads_in_its_language() {
    let t = TestApp::new(Backend::Sqlite).await;
    // Some life: an event dispatched, accepted, on site; one cancelled; one refused action.
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let l1 = t.user_id("l1.nj1").await;
    let mut events = Vec::new();
    for title in ["语言检查一", "语言检查二"] {
        let (_, e) = t
            .call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": title, "impact": "significant", "urgency": "high"})))
            .await;
        events.push(e["id"].as_i64().unwrap());
    }
    for (who, body) in [
        ("kefu", json!({"action": "assign", "target": {"engineer_id": l1}})),
        ("l1.nj1", json!({"action": "accept"})),
        ("l1.nj1", json!({"action": "request_onsite", "reason": "需要现场"})),
        ("kefu", json!({"action": "approve"})),
    ] {
        let (s, v) = t.call(who, "POST", &format!("/api/v1/events/{}/actions", events[0]), Some(body)).await;
        assert!(s.is_success(), "{v}");
    }
    let (s, _) = t
        .call(
            "kefu",
            "POST",
            &format!("/api/v1/events/{}/actions", events[1]),
            Some(json!({"action": "cancel", "reason": "重复"})),
        )
        .await;
    assert!(s.is_success());

    let mut failures = Vec::new();
    for login in ROLES {
        for lang in ["zh-CN", "en"] {
            let sess = fuwu_app::auth::login(&t.app, login, "fuwu-demo-2026", "test").await.expect("login");
            let caller = fuwu_app::auth::bearer(&t.app, &t.token(login)).await.unwrap();
            fuwu_app::users::set_language(&t.app, &caller, fuwu_core::i18n::language(lang)).await.unwrap();
            let s = Session { cookie: format!("fuwu_session={}", sess.token) };
            let mut paths: Vec<String> = vec!["/".into(), "/account".into(), "/queues".into(), "/records".into()];
            paths.extend(events.iter().map(|e| format!("/events/{e}")));
            // The planned services: the planner's list and an engagement the role may see.
            paths.push("/plan".into());
            let (_, mine) = t.get(login, "/api/v1/engagements?per_page=1").await;
            if let Some(id) = mine["items"][0]["id"].as_i64() {
                paths.push(format!("/engagements/{id}"));
            }
            // Pages the role may not open: the refusal must read in its language too.
            paths.extend(["/settings/sla", "/overview", "/approvals", "/console", "/events/999999"].map(String::from));
            let mut seen = std::collections::BTreeSet::new();
            let mut i = 0;
            while i < paths.len() && seen.len() < 60 {
                let path = paths[i].clone();
                i += 1;
                if !seen.insert(path.clone()) {
                    continue;
                }
                let (status, html) = page(&t, &s, &path).await;
                if status.is_redirection() || status.is_server_error() {
                    if status.is_server_error() {
                        failures.push(format!("{login} {lang} {path}: {status}"));
                    }
                    continue;
                }
                for p in problems(&visible(&html), lang == "zh-CN") {
                    failures.push(format!("{login} {lang} {path}: {p}"));
                }
                // Follow the navigation, each records list and the first record of each.
                if path == "/" || path == "/records" || path.starts_with("/records/") && path.matches('/').count() == 2
                {
                    let nav: Vec<String> = links(&html, "/").into_iter().map(String::from).collect();
                    for l in nav {
                        let depth_ok = l.starts_with("/records/") && l.matches('/').count() <= 3;
                        if depth_ok
                            || ["/queues", "/overview", "/approvals", "/console", "/portal", "/settings/sla"]
                                .contains(&l.as_str())
                        {
                            paths.push(l);
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_detector_finds_what_it_should() {
    assert!(problems("状态 in_progress", true).iter().any(|p| p.contains("in_progress")));
    assert!(problems("角色 specialist", true).iter().any(|p| p.contains("specialist")));
    assert!(problems("the role customer may not do this", true).iter().any(|p| p.starts_with("English")));
    assert!(
        problems("邮箱 it1@customer1.example.cn 型号 DS-8600 P2", true).is_empty(),
        "{:?}",
        problems("邮箱 it1@customer1.example.cn 型号 DS-8600 P2", true)
    );
    assert!(problems("Assigned to you", false).is_empty());
}
