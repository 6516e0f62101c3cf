//! Day one at a service centre, over HTTP: the caller's open events beside the
//! call and a follow-up without a duplicate, finding a caller from fragments,
//! dispatching to anyone, requests carrying their reason, and the on-site
//! clock telling the truth.

use crate::both;
use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Customer 26 (demo index 25): Nanjing, GOLD 7×24 with on-site, in period; l1.nj1 installed its first project.
const NANJING_GOLD: i64 = 26;

struct Session {
    cookie: String,
    csrf: String,
}

async fn session(t: &TestApp, login: &str) -> Session {
    session_with(t, login, "fuwu-demo-2026").await
}

async fn session_with(t: &TestApp, login: &str, password: &str) -> Session {
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

/// Posts a form; answers the status, the redirect target and the body.
async fn post(t: &TestApp, s: &Session, path: &str, form: &[(&str, String)]) -> (StatusCode, String, String) {
    let mut pairs: Vec<(&str, String)> = vec![("csrf", s.csrf.clone())];
    pairs.extend(form.iter().cloned());
    let body: String = pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
    let req = Request::post(path)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let to = resp.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, to, String::from_utf8_lossy(&body).into_owned())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

async fn asset_of(t: &TestApp, customer: i64) -> Value {
    let project = t.first(&format!("/api/v1/projects?customer_id={customer}&sort=id")).await;
    t.first(&format!("/api/v1/assets?project_id={}", project["id"])).await
}

async fn record(t: &TestApp, who: &str, body: Value) -> Value {
    let (s, v) = t.call(who, "POST", "/api/v1/events", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn ok(t: &TestApp, who: &str, id: &Value, body: Value) -> Value {
    let (s, v) = t.call(who, "POST", &format!("/api/v1/events/{id}/actions"), Some(body.clone())).await;
    assert_eq!(s, StatusCode::OK, "{who} {body}: {v}");
    v
}

async fn fault(t: &TestApp, title: &str) -> Value {
    let asset = asset_of(t, NANJING_GOLD).await;
    record(
        t,
        "kefu",
        json!({"kind": "fault", "asset_id": asset["id"], "title": title, "impact": "significant", "urgency": "high"}),
    )
    .await
}

fn clock<'a>(d: &'a Value, kind: &str) -> &'a Value {
    d["clocks"].as_array().unwrap().iter().find(|c| c["scope"] == "customer" && c["kind"] == kind).unwrap()
}

/// An event of the Nanjing customer taken by l1.nj1 and approved for on-site work.
async fn onsite_event(t: &TestApp) -> Value {
    let l1 = t.user_id("l1.nj1").await;
    let e = fault(t, "阵列控制器告警，需要现场更换").await;
    let id = e["id"].clone();
    ok(t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    ok(t, "l1.nj1", &id, json!({"action": "accept"})).await;
    ok(t, "l1.nj1", &id, json!({"action": "request_onsite", "reason": "远程无法定位，需要现场检查背板", "handover": "已收集日志，需带 4TB SAS 硬盘"})).await;
    ok(t, "kefu", &id, json!({"action": "approve"})).await;
    id
}

both!(the_console_lists_the_callers_open_events_and_a_follow_up_makes_no_duplicate, |t: TestApp| async move {
    let e = fault(&t, "备份任务连续失败").await;
    let id = e["id"].as_i64().unwrap();
    let contact = t.first(&format!("/api/v1/contacts?customer_id={NANJING_GOLD}")).await;
    let phone = contact["phones"][0].as_str().unwrap().to_owned();
    let (s, card) = t.get("kefu", &format!("/api/v1/lookup?phone={phone}")).await;
    assert_eq!(s, StatusCode::OK, "{card}");
    let open = card["customers"][0]["open_events"].as_array().unwrap();
    assert!(open.iter().any(|o| o["id"] == id && o["state"] == "recorded" && o["number"] == e["number"]), "{card}");
    assert!(open.iter().find(|o| o["id"] == id).unwrap()["due"].is_string(), "its earliest SLA due time");

    let k = session(&t, "kefu").await;
    let (s, html) = page(&t, &k, &format!("/console?q={phone}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/events/{id}\"")) && html.contains("备份任务连续失败"),
        "listed on the card"
    );
    assert!(!html.contains("无未关闭事件"), "not 'no open events'");

    let before = t.count(&format!("/api/v1/events?customer_id={NANJING_GOLD}")).await;
    let (s, to, body) = post(
        &t,
        &k,
        "/events/new",
        &[
            ("customer_id", NANJING_GOLD.to_string()),
            ("follow_up", id.to_string()),
            ("kind", "fault".into()),
            ("title", "客户再次来电询问进度".into()),
            ("impact", "moderate".into()),
            ("urgency", "medium".into()),
        ],
    )
    .await;
    assert_eq!((s, to.as_str()), (StatusCode::SEE_OTHER, format!("/events/{id}").as_str()), "{body}");
    assert_eq!(t.count(&format!("/api/v1/events?customer_id={NANJING_GOLD}")).await, before, "no duplicate");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert!(
        d["work"].as_array().unwrap().iter().any(|w| w["kind"] == "call" && w["body"] == "客户再次来电询问进度"),
        "{}",
        d["work"]
    );
});

both!(a_caller_is_found_from_fragments, |t: TestApp| async move {
    let contact = t.first(&format!("/api/v1/contacts?customer_id={NANJING_GOLD}")).await;
    let phone = contact["phones"][0].as_str().unwrap().to_owned();
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len() - 5..];
    let (s, r) = t.get("kefu", &format!("/api/v1/lookup?q={tail}")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["customers"][0]["matched_by"], "phone_suffix");
    assert!(r["customers"].as_array().unwrap().iter().any(|c| c["customer"]["id"] == NANJING_GOLD), "{r}");

    let asset = asset_of(&t, NANJING_GOLD).await;
    let serial = asset["serial_number"].as_str().unwrap();
    let part = &serial[serial.len() - 6..];
    let (_, r) = t.get("kefu", &format!("/api/v1/lookup?q={part}")).await;
    let hit = r["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer"]["id"] == NANJING_GOLD)
        .expect("by part of the serial");
    assert!(hit["matched_asset_ids"].as_array().unwrap().contains(&asset["id"]));

    let name = contact["name"].as_str().unwrap();
    let (_, r) = t.get("kefu", &format!("/api/v1/lookup?q={}", enc(name))).await;
    assert!(
        r["customers"].as_array().unwrap().iter().any(|c| c["customer"]["id"] == NANJING_GOLD),
        "by the contact's name"
    );

    let cust = t.get("kefu", &format!("/api/v1/customers/{NANJING_GOLD}")).await.1;
    let initials = fuwu_core::text::initials(cust["name"].as_str().unwrap());
    let (_, r) = t.get("kefu", &format!("/api/v1/lookup?q={}", &initials[..4])).await;
    assert_eq!(r["customers"][0]["matched_by"], "initials", "{r}");
    assert!(r["customers"].as_array().unwrap().iter().any(|c| c["customer"]["id"] == NANJING_GOLD), "{r}");

    // Several customers: the console offers a short list to pick from.
    let k = session(&t, "kefu").await;
    let (_, html) = page(&t, &k, "/console?q=%E5%8D%97%E4%BA%AC").await; // 南京
    assert!(html.contains("找到多个匹配的客户"), "a short list");
    let (_, html) = page(&t, &k, &format!("/console?q=%E5%8D%97%E4%BA%AC&c={NANJING_GOLD}")).await;
    assert!(html.contains("登记事件") && !html.contains("找到多个匹配的客户"), "the picked customer's card");
});

both!(record_and_dispatch_in_one_click_goes_to_the_top_suggestion, |t: TestApp| async move {
    let asset = asset_of(&t, NANJING_GOLD).await;
    let k = session(&t, "kefu").await;
    let (s, to, body) = post(
        &t,
        &k,
        "/events/new",
        &[
            ("customer_id", NANJING_GOLD.to_string()),
            ("asset_id", asset["id"].to_string()),
            ("kind", "fault".into()),
            ("title", "一键登记并派单".into()),
            ("impact", "moderate".into()),
            ("urgency", "medium".into()),
            ("dispatch.top", "1".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert!(to.ends_with("?done=dispatched"), "{to}");
    let id: i64 = to.trim_start_matches("/events/").trim_end_matches("?done=dispatched").parse().unwrap();
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let e = &d["event"];
    assert_eq!(e["state"], "assigned");
    assert_eq!(e["assignee_id"], e["routing"]["candidates"][0]["engineer_id"], "the top suggestion");
    // The page says who it went to, at the top.
    let holder = t.get("kefu", &format!("/api/v1/users/{}", e["assignee_id"])).await.1;
    let (_, html) = page(&t, &k, &to).await;
    assert!(
        html.contains(&format!("已派单：{}", holder["name"].as_str().unwrap())),
        "the dispatch is said, with its holder"
    );
    assert!(html.contains(&format!("→ {}", holder["name"].as_str().unwrap())), "the timeline names who it went to");
});

both!(the_specialist_dispatches_to_anyone_with_a_reason, |t: TestApp| async move {
    let e = fault(&t, "派给第二建议人选").await;
    let id = e["id"].as_i64().unwrap();
    let second = e["routing"]["candidates"][1]["engineer_id"].as_i64().expect("a second suggestion");
    let k = session(&t, "kefu").await;
    let v = e["version"].to_string();
    let pick = format!("engineer:{second}");
    // No reason: refused, and the form comes back with the choice kept.
    let (s, _, html) = post(
        &t,
        &k,
        &format!("/events/{id}/act"),
        &[("action", "assign".into()), ("version", v.clone()), ("pick", pick.clone())],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains(&format!("value=\"{pick}\" checked")), "the choice is kept");
    // With a reason: dispatched to that person.
    let (s, _, html) = post(
        &t,
        &k,
        &format!("/events/{id}/act"),
        &[
            ("action", "assign".into()),
            ("version", v.clone()),
            ("pick", pick),
            ("reason", "熟悉该客户的容灾环境".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(d["event"]["assignee_id"], second);
    let row = d["journal"].as_array().unwrap().iter().find(|j| j["action"] == "assign").unwrap().clone();
    assert_eq!(row["detail"]["override_reason"], "熟悉该客户的容灾环境");
    assert!(row["detail"]["reason"].is_null(), "the reason is recorded once: {row}");

    // Anyone else: a partner engineer picked from the full list.
    let e = fault(&t, "派给合作伙伴工程师").await;
    let id = e["id"].as_i64().unwrap();
    let partner = t.user_id("partner1").await;
    let (_, html) = page(&t, &k, &format!("/events/{id}")).await;
    assert!(html.contains(&format!("value=\"engineer:{partner}\"")), "the partner engineer is offered");
    let (s, _, html) = post(
        &t,
        &k,
        &format!("/events/{id}/act"),
        &[
            ("action", "assign".into()),
            ("version", e["version"].to_string()),
            ("pick", "other".into()),
            ("other", format!("engineer:{partner}")),
            ("reason", "当地合作伙伴可当天到场".into()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(d["event"]["assignee_id"], partner);
    assert!(d["event"]["partner_id"].is_i64(), "held by the partner firm too");
});

both!(the_approver_sees_the_requesters_reason_and_returns_to_the_inbox, |t: TestApp| async move {
    let l1 = t.user_id("l1.nj1").await;
    let e = fault(&t, "需要现场").await;
    let id = e["id"].clone();
    ok(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    ok(&t, "l1.nj1", &id, json!({"action": "accept"})).await;
    ok(&t, "l1.nj1", &id, json!({"action": "request_onsite", "reason": "远程无法定位，需要现场检查背板", "handover": "已收集日志，需带 4TB SAS 硬盘"})).await;
    let k = session(&t, "kefu").await;
    let (_, html) = page(&t, &k, "/approvals").await;
    assert!(
        html.contains("远程无法定位，需要现场检查背板") && html.contains("需带 4TB SAS 硬盘"),
        "reason and handover"
    );
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let (s, to, _) = post(
        &t,
        &k,
        &format!("/events/{id}/act"),
        &[("action", "approve".into()), ("version", d["event"]["version"].to_string())],
    )
    .await;
    assert_eq!((s, to.as_str()), (StatusCode::SEE_OTHER, "/approvals?done=decided"));
    let (_, html) = page(&t, &k, &to).await;
    assert!(html.contains("审批已保存"), "the inbox says the decision is saved");
});

both!(the_onsite_clock_stops_at_an_arrival_before_the_approval, |t: TestApp| async move {
    let id = onsite_event(&t).await;
    let early = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_mins(30)).unwrap();
    let (s, w) = t
        .call(
            "l1.nj1",
            "POST",
            &format!("/api/v1/events/{id}/work"),
            Some(json!({"kind": "visit", "arrived_at": early.to_string()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let (_, d) = t.get("l1.nj1", &format!("/api/v1/events/{id}")).await;
    let c = clock(&d, "onsite");
    assert!(c["clock"]["stopped_at"].is_string(), "{c}");
    assert_eq!(c["reading"]["standing"], "met", "{c}");
});

both!(visit_times_in_the_future_are_refused, |t: TestApp| async move {
    let id = onsite_event(&t).await;
    let later = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_hours(3)).unwrap();
    for field in ["arrived_at", "departed_at"] {
        let got = t
            .call(
                "l1.nj1",
                "POST",
                &format!("/api/v1/events/{id}/work"),
                Some(json!({"kind": "visit", field: later.to_string()})),
            )
            .await;
        assert_error(&got, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
    }
    let (_, d) = t.get("l1.nj1", &format!("/api/v1/events/{id}")).await;
    assert!(clock(&d, "onsite")["clock"]["stopped_at"].is_null(), "nothing written");
});

both!(one_tap_arrival_and_departure, |t: TestApp| async move {
    let id = onsite_event(&t).await;
    let path = format!("/api/v1/events/{id}/visit");
    let (s, v) = t.call("l1.nj1", "POST", &path, Some(json!({"step": "depart"}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "no arrival yet: {v}");
    let (s, a) = t.call("l1.nj1", "POST", &path, Some(json!({"step": "arrive"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert!(a["arrived_at"].is_string() && a["departed_at"].is_null());
    let (s, _) = t.call("l1.nj1", "POST", &path, Some(json!({"step": "arrive"}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "already arrived");
    let (_, d) = t.get("l1.nj1", &format!("/api/v1/events/{id}")).await;
    assert_eq!(clock(&d, "onsite")["reading"]["standing"], "met");
    let (s, b) = t.call("l1.nj1", "POST", &path, Some(json!({"step": "depart", "body": "更换硬盘完成"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!((b["id"].clone(), b["departed_at"].is_string()), (a["id"].clone(), true), "the same visit, closed");
    let (s, v) = t.call("l2.1", "POST", &path, Some(json!({"step": "arrive"}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "not the holder: {v}");
    let diff = fuwu_app::events::queues::verify_journal(&t.app, id.as_i64().unwrap()).await.unwrap();
    assert_eq!(diff, None);
});

both!(a_cancelled_events_clocks_are_not_met, |t: TestApp| async move {
    let e = fault(&t, "重复登记").await;
    let id = e["id"].clone();
    ok(&t, "kefu", &id, json!({"action": "cancel", "reason": "重复"})).await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    for c in d["clocks"].as_array().unwrap() {
        assert_eq!(c["reading"]["standing"], "cancelled", "{c}");
    }
    assert!(d["figures"].as_array().unwrap().iter().all(|f| f["met"].is_null()), "{}", d["figures"]);
});

both!(
    the_customer_confirms_the_report_and_the_resolution_in_the_portal_and_rates_the_service,
    |mut t: TestApp| async move {
        t.customer_login("cust26", NANJING_GOLD).await;
        let id = onsite_event(&t).await;
        let (s, r) = t
        .call("l1.nj1", "POST", &format!("/api/v1/events/{id}/reports"), Some(json!({"kind": "service", "findings": "背板接口松动", "actions_taken": "重新插拔并紧固，阵列恢复正常"})))
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let rid = r["id"].as_i64().unwrap();
        let c = session_with(&t, "cust26", "long-enough-1").await;
        let (_, html) = page(&t, &c, &format!("/events/{id}")).await;
        let action = format!("action=\"/events/{id}/reports/{rid}/confirm\"");
        assert!(
            html.contains(&action) && html.contains("确认服务报告"),
            "the visible button posts to the confirmation"
        );
        let (s, to, body) = post(&t, &c, &format!("/events/{id}/reports/{rid}/confirm"), &[]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, html) = page(&t, &c, &to).await;
        assert!(html.contains("已确认服务报告"), "an acknowledgement");
        let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
        let rep = d["reports"].as_array().unwrap().iter().find(|x| x["id"] == rid).unwrap().clone();
        assert_eq!(
            (rep["state"].as_str(), rep["confirm_method"].as_str()),
            (Some("confirmed"), Some("portal")),
            "{rep}"
        );
        // A staff member cannot confirm on the customer's behalf this way.
        let (s, _) = t.call("kefu", "POST", &format!("/api/v1/events/{id}/reports/{rid}/confirmation"), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        ok(&t, "l1.nj1", &id, json!({"action": "finish_onsite"})).await;
        ok(&t, "l1.nj1", &id, json!({"action": "resolve", "resolution": "紧固背板接口"})).await;
        let (s, v) = t.call("cust26", "POST", &format!("/api/v1/events/{id}/rating"), Some(json!({"score": 5}))).await;
        assert_eq!(s, StatusCode::CONFLICT, "not before confirming the resolution: {v}");
        let (_, d) = t.get("cust26", &format!("/api/v1/events/{id}")).await;
        let (s, _, body) = post(
            &t,
            &c,
            &format!("/events/{id}/act"),
            &[("action", "confirm".into()), ("version", d["event"]["version"].to_string())],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, html) = page(&t, &c, &format!("/events/{id}")).await;
        assert!(html.contains("服务评价") && html.contains("name=\"score\""), "the rating form");
        let bad = t.call("cust26", "POST", &format!("/api/v1/events/{id}/rating"), Some(json!({"score": 9}))).await;
        assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("score"));
        let (s, to, body) =
            post(&t, &c, &format!("/events/{id}/rating"), &[("score", "4".into()), ("comment", "工程师很专业".into())])
                .await;
        assert_eq!((s, to.as_str()), (StatusCode::SEE_OTHER, format!("/events/{id}?done=rated").as_str()), "{body}");
        let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
        assert_eq!(
            (d["rating"]["score"].as_i64(), d["rating"]["engineer_id"].as_i64()),
            (Some(4), Some(t.user_id("l1.nj1").await))
        );
        assert_eq!(d["rating"]["comment"], "工程师很专业");
        let diff = fuwu_app::events::queues::verify_journal(&t.app, id.as_i64().unwrap()).await.unwrap();
        assert_eq!(diff, None);
    }
);

both!(the_event_page_shows_the_device_site_contact_and_contract, |t: TestApp| async move {
    let asset = asset_of(&t, NANJING_GOLD).await;
    let contact = t.first(&format!("/api/v1/contacts?customer_id={NANJING_GOLD}")).await;
    let e = record(&t, "kefu", json!({"kind": "fault", "asset_id": asset["id"], "contact_id": contact["id"], "title": "控制器告警", "impact": "moderate", "urgency": "medium"})).await;
    let other = record(&t, "kefu", json!({"kind": "fault", "asset_id": asset["id"], "title": "同一设备的另一事件", "impact": "minor", "urgency": "low"})).await;
    let id = e["id"].as_i64().unwrap();
    let site = t.get("admin", &format!("/api/v1/sites/{}", asset["site_id"])).await.1;
    let k = session(&t, "kefu").await;
    let (s, html) = page(&t, &k, &format!("/events/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let phone = contact["phones"][0].as_str().unwrap();
    for want in [
        asset["serial_number"].as_str().unwrap(),
        asset["software_version"].as_str().unwrap(),
        asset["config_notes"].as_str().unwrap(),
        site["address"].as_str().unwrap(),
        contact["name"].as_str().unwrap(),
        &format!("href=\"tel:{phone}\""),
        e["entitlement"]["contract_number"].as_str().unwrap(),
        e["entitlement"]["level_name"].as_str().unwrap(),
        &format!("href=\"/events/{}\"", other["id"]),
    ] {
        assert!(html.contains(want), "the context panel shows {want}");
    }
    // On the phone the same panel is there; a customer sees no dedicated people (routing).
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert!(d["context"]["project"]["implementation_engineer"]["name"].is_string(), "{}", d["context"]);
});

both!(
    the_confirmation_link_is_a_full_address_with_a_qr_code_and_the_signing_page_has_no_staff_menu,
    |t: TestApp| async move {
        let id = onsite_event(&t).await;
        let (_, r) = t
            .call(
                "l1.nj1",
                "POST",
                &format!("/api/v1/events/{id}/reports"),
                Some(json!({"kind": "service", "findings": "风扇故障", "actions_taken": "更换风扇"})),
            )
            .await;
        let rid = r["id"].as_i64().unwrap();
        let l = session(&t, "l1.nj1").await;
        let req = Request::post(format!("/events/{id}/reports/{rid}/link"))
            .header(header::COOKIE, &l.cookie)
            .header(header::HOST, "fuwu.example.cn:8443")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={}", enc(&l.csrf))))
            .unwrap();
        let resp = t.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let html = String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned();
        assert!(html.contains("value=\"https://fuwu.example.cn:8443/confirm/"), "a full address to hand over");
        assert!(html.contains("<svg") && html.contains("data-copy=\"#link-url\""), "a QR code and a copy button");
        let (s, html) = page(&t, &l, &format!("/events/{id}/reports/{rid}/sign")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            !html.contains("action=\"/logout\"") && !html.contains("href=\"/queues\""),
            "no staff menu or logout in front of the customer"
        );
        assert!(html.contains("风扇故障"), "the report is there");
    }
);

both!(a_notification_reads_in_the_readers_language_of_the_moment, |t: TestApp| async move {
    let l1 = t.user_id("l1.nj1").await;
    let e = fault(&t, "语言测试").await;
    ok(&t, "kefu", &e["id"], json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    let (_, v) = t.get("l1.nj1", "/api/v1/notifications").await;
    let n = v["items"].as_array().unwrap().iter().find(|n| n["event_id"] == e["id"]).unwrap().clone();
    assert!(n["title"].as_str().unwrap().starts_with("新分派"), "{n}");
    assert!(n.get("notice").is_none(), "the stored code is not part of the answer");
    let caller = fuwu_app::auth::bearer(&t.app, &t.token("l1.nj1")).await.unwrap();
    fuwu_app::users::set_language(&t.app, &caller, fuwu_core::role::Language::En).await.unwrap();
    let (_, v) = t.get("l1.nj1", "/api/v1/notifications").await;
    let n = v["items"].as_array().unwrap().iter().find(|n| n["event_id"] == e["id"]).unwrap().clone();
    assert!(n["title"].as_str().unwrap().starts_with("Assigned to you"), "{n}");
});

both!(an_unknown_caller_is_recorded_in_one_step, |t: TestApp| async move {
    let k = session(&t, "kefu").await;
    let (_, html) = page(&t, &k, "/console?q=13800001234").await;
    assert!(
        html.contains("action=\"/events/new-caller\"") && html.contains("value=\"13800001234\""),
        "the one-step form, number filled in"
    );
    let customers = t.count("/api/v1/customers").await;
    let form = |phone: &str| {
        vec![
            ("customer_name", "镇江市第三人民医院".to_owned()),
            ("contact_name", "周敏".to_owned()),
            ("phone", phone.to_owned()),
            ("title", "备份服务器无法启动".to_owned()),
            ("impact", "significant".to_owned()),
            ("urgency", "high".to_owned()),
        ]
    };
    let (s, _, html) = post(&t, &k, "/events/new-caller", &form("12")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("镇江市第三人民医院"), "what was typed is kept");
    assert_eq!(t.count("/api/v1/customers").await, customers, "nothing written");
    let (s, to, body) = post(&t, &k, "/events/new-caller", &form("13800001234")).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let id: i64 = to.trim_start_matches("/events/").parse().unwrap();
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!((d["event"]["entitled"].as_bool(), d["event"]["state"].as_str()), (Some(false), Some("recorded")));
    assert_eq!(d["context"]["contact"]["name"], "周敏");
    let (_, card) = t.get("kefu", "/api/v1/lookup?phone=13800001234").await;
    assert_eq!(card["customers"][0]["customer"]["name"], "镇江市第三人民医院", "the next call finds them");
    assert_eq!(card["customers"][0]["open_events"][0]["id"], id);
});
