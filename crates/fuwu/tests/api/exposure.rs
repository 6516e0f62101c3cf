//! What a caller may learn that it should not (issue 10, item 10): a
//! customer's intake answer is the customer's view of the event, and ids of
//! another customer's records answer exactly as absent ones.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The customer of the `customer` login, and another one.
async fn own_and_other(t: &TestApp) -> (i64, i64) {
    let (_, v) = t.get("customer", "/api/v1/customers").await;
    let own = v["items"][0]["id"].as_i64().unwrap();
    (own, own + 1)
}

async fn first_id(t: &TestApp, list: &str, customer: i64) -> i64 {
    let v = t.first(&format!("/api/v1/{list}?customer_id={customer}")).await;
    v["id"].as_i64().unwrap_or_else(|| panic!("customer {customer} has no {list}"))
}

/// The error of an answer, whole (status, code, message, field, fields).
fn error_of(got: &(StatusCode, Value)) -> (StatusCode, Value) {
    assert!(got.0.is_client_error(), "{}", got.1);
    (got.0, got.1["error"].clone())
}

both!(a_customers_intake_answer_is_the_customers_view, |t: TestApp| async move {
    let (own, _) = own_and_other(&t).await;
    let asset = first_id(&t, "assets", own).await;
    let body = json!({"kind": "fault", "asset_id": asset, "title": "打印机卡纸", "impact": "minor", "urgency": "low"});
    // The service centre's answer carries the routing ranking …
    let (s, staff) = t.call("kefu", "POST", "/api/v1/events", Some(body.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{staff}");
    assert!(staff["routing"]["candidates"].as_array().is_some_and(|c| !c.is_empty()), "{staff}");
    // … the customer's is exactly what the customer reads back, without it.
    let (s, posted) = t.call("customer", "POST", "/api/v1/events", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{posted}");
    assert!(posted["routing"].is_null(), "the ranking leaked: {}", posted["routing"]);
    let id = posted["id"].as_i64().unwrap();
    let (s, read) = t.get("customer", &format!("/api/v1/events/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(posted, read["event"], "the intake answer differs from the customer's view");
    // No engineer's name of the ranking appears anywhere in it.
    let text = posted.to_string();
    for c in staff["routing"]["candidates"].as_array().unwrap() {
        if let Some(name) = c["engineer_name"].as_str().or(c["name"].as_str()) {
            assert!(!text.contains(name), "{name} in {text}");
        }
    }
    // A stale version's 409 carries the current event as the customer sees it.
    let acts = format!("/api/v1/events/{id}/actions");
    let (s, stale) =
        t.call("customer", "POST", &acts, Some(json!({"action": "customer_responded", "version": 0}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{stale}");
    assert!(stale["error"]["current"].is_object(), "{stale}");
    assert!(stale["error"]["current"]["routing"].is_null(), "{}", stale["error"]["current"]["routing"]);
    // Acting on it answers the customer's view too.
    let l1 = t.user_id("l1.nj1").await;
    let step = |who: &'static str, b: Value| {
        let acts = acts.clone();
        let t = &t;
        async move {
            let (s, v) = t.call(who, "POST", &acts, Some(b)).await;
            assert_eq!(s, StatusCode::OK, "{who}: {v}");
            v
        }
    };
    step("kefu", json!({"action": "assign", "target": {"engineer_id": l1}, "reason": "测试"})).await;
    step("l1.nj1", json!({"action": "accept"})).await;
    step("l1.nj1", json!({"action": "wait_for_customer"})).await;
    let acted = step("customer", json!({"action": "customer_responded"})).await;
    assert!(acted["routing"].is_null(), "{}", acted["routing"]);
    let (_, read) = t.get("customer", &format!("/api/v1/events/{id}")).await;
    assert_eq!(acted, read["event"]);
});

both!(another_customers_ids_answer_as_absent_ones_at_intake, |t: TestApp| async move {
    let (own, other) = own_and_other(&t).await;
    let own_asset = first_id(&t, "assets", own).await;
    for (field, list) in
        [("asset_id", "assets"), ("project_id", "projects"), ("contact_id", "contacts"), ("site_id", "sites")]
    {
        let foreign = first_id(&t, list, other).await;
        let absent = 9_000_000 + foreign;
        let body = |id: i64| {
            let mut b = json!({"kind": "fault", "title": "无法登录", "impact": "minor", "urgency": "low"});
            b[field] = json!(id);
            if field != "asset_id" {
                b["asset_id"] = json!(own_asset);
            }
            b
        };
        for who in ["customer", "partner1", "l1.nj1"] {
            let a = t.call(who, "POST", "/api/v1/events", Some(body(absent))).await;
            let f = t.call(who, "POST", "/api/v1/events", Some(body(foreign))).await;
            let (sa, ea) = error_of(&a);
            let (sf, ef) = error_of(&f);
            if who == "customer" {
                // Whatever the caller, the message names the id given, so compare with it replaced.
                let ea = ea.to_string().replace(&absent.to_string(), "N");
                let ef = ef.to_string().replace(&foreign.to_string(), "N");
                assert_eq!((sa, ea), (sf, ef), "{who} {field}: absent and foreign differ");
            } else {
                assert_eq!(sa, sf, "{who} {field}");
            }
        }
        let a = t.call("customer", "POST", "/api/v1/events", Some(body(absent))).await;
        assert_error(&a, StatusCode::UNPROCESSABLE_ENTITY, Some(field));
        assert_eq!(a.1["error"]["fields"][0]["code"], "unknown_id", "{}", a.1);
    }
    // Named alone (the customer derived from it), another customer's asset out of the
    // caller's scope answers as an absent asset, not as an unknown customer.
    let foreign = first_id(&t, "assets", other).await;
    let (_, partner_view) = t.get("partner1", &format!("/api/v1/assets/{foreign}")).await;
    if partner_view["id"].is_null() {
        let body =
            |id: i64| json!({"kind": "fault", "asset_id": id, "title": "x", "impact": "minor", "urgency": "low"});
        let a = error_of(&t.call("partner1", "POST", "/api/v1/events", Some(body(9_000_000))).await);
        let f = error_of(&t.call("partner1", "POST", "/api/v1/events", Some(body(foreign))).await);
        assert_eq!(
            (a.0, a.1.to_string().replace("9000000", "N")),
            (f.0, f.1.to_string().replace(&foreign.to_string(), "N")),
            "an asset outside the partner's customers"
        );
    }
});

both!(another_customers_ids_answer_as_absent_ones_in_records, |t: TestApp| async move {
    let (own, other) = own_and_other(&t).await;
    let foreign_site = first_id(&t, "sites", other).await;
    let foreign_project = first_id(&t, "projects", other).await;
    let before = t.audit_rows().await;
    let contact = |site: i64| json!({"customer_id": own, "site_id": site, "name": "王工", "phones": ["13912345678"]});
    let asset = |project: i64| json!({"customer_id": own, "project_id": project, "product_model": "FW-1000", "serial_number": format!("SN-X-{project}")});
    for (path, foreign, body) in [
        ("/api/v1/contacts", foreign_site, &contact as &dyn Fn(i64) -> Value),
        ("/api/v1/assets", foreign_project, &asset),
    ] {
        let absent = 9_000_000 + foreign;
        let a = t.call("kefu", "POST", path, Some(body(absent))).await;
        let f = t.call("kefu", "POST", path, Some(body(foreign))).await;
        let (sa, ea) = error_of(&a);
        let (sf, ef) = error_of(&f);
        assert_eq!(sa, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {ea}");
        assert_eq!(
            (sa, ea.to_string().replace(&absent.to_string(), "N")),
            (sf, ef.to_string().replace(&foreign.to_string(), "N")),
            "{path}: absent and foreign differ"
        );
    }
    assert_eq!(t.audit_rows().await, before, "nothing was written");
});
