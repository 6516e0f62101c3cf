//! Bad input: each answered with a clear error naming the field, and nothing written.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn customer_with_project(t: &TestApp) -> (i64, i64) {
    let p = t.first("/api/v1/projects").await;
    (p["customer_id"].as_i64().unwrap(), p["id"].as_i64().unwrap())
}

both!(malformed_and_mistyped_bodies, |t: TestApp| async move {
    let before = (t.count("/api/v1/customers").await, t.audit_rows().await);
    let post = |b: &'static str| t.raw("kefu", "POST", "/api/v1/customers", "application/json", b);
    assert_error(&post("{\"name\": ").await, StatusCode::BAD_REQUEST, None);
    assert_error(&post("[1,2]").await, StatusCode::UNPROCESSABLE_ENTITY, None);
    assert_error(&post("{\"name\": 42}").await, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    assert_error(&post("{}").await, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    assert_error(
        &post("{\"name\": \"某单位\", \"colour\": \"red\"}").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("colour"),
    );
    assert_error(&post("{\"name\": \"   \"}").await, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
    assert_error(
        &post("{\"name\": \"某单位\", \"active\": \"yes\"}").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("active"),
    );
    let wrong_type = t.raw("kefu", "POST", "/api/v1/customers", "text/plain", "{\"name\": \"x\"}").await;
    assert_error(&wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE, None);
    let huge = format!("{{\"name\": \"{}\"}}", "数".repeat(40_000));
    let (s, v) = t.raw("kefu", "POST", "/api/v1/customers", "application/json", &huge).await;
    assert_error(&(s, v), StatusCode::PAYLOAD_TOO_LARGE, None);
    // Nested fields are named by their path.
    let lvl = json!({"code": "X", "name": "x", "coverage": "5x8", "onsite_included": false, "targets": [{"priority": "P1", "response_minutes": "soon", "resolution_minutes": 1}]});
    assert_error(
        &t.call("admin", "POST", "/api/v1/service-levels", Some(lvl)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("targets[0].response_minutes"),
    );
    let lvl = json!({"code": "X", "name": "x", "coverage": "6x9", "onsite_included": false, "targets": []});
    assert_error(
        &t.call("admin", "POST", "/api/v1/service-levels", Some(lvl)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("coverage"),
    );
    assert_eq!((t.count("/api/v1/customers").await, t.audit_rows().await), before, "nothing written");
});

both!(bad_query_parameters, |t: TestApp| async move {
    assert_error(&t.get("kefu", "/api/v1/customers?colour=red").await, StatusCode::BAD_REQUEST, Some("colour"));
    assert_error(&t.get("kefu", "/api/v1/customers?sort=password").await, StatusCode::BAD_REQUEST, Some("sort"));
    assert_error(&t.get("kefu", "/api/v1/customers?page=0").await, StatusCode::BAD_REQUEST, Some("page"));
    assert_error(&t.get("kefu", "/api/v1/customers?per_page=1000").await, StatusCode::BAD_REQUEST, Some("per_page"));
    assert_error(&t.get("kefu", "/api/v1/customers?page=two").await, StatusCode::BAD_REQUEST, Some("page"));
    assert_error(&t.get("kefu", "/api/v1/assets?customer_id=abc").await, StatusCode::BAD_REQUEST, Some("customer_id"));
    assert_error(&t.get("kefu", "/api/v1/customers/abc").await, StatusCode::BAD_REQUEST, None);
    assert_error(&t.get("kefu", "/api/v1/customers/424242").await, StatusCode::NOT_FOUND, None);
    assert_error(&t.get("kefu", "/api/v1/lookup?phone=123&serial=x").await, StatusCode::BAD_REQUEST, None);
    assert_error(&t.get("kefu", "/api/v1/lookup?phone=hello").await, StatusCode::UNPROCESSABLE_ENTITY, Some("phone"));
    assert_error(&t.get("kefu", "/api/v1/lookup?customer=x&at=yesterday").await, StatusCode::BAD_REQUEST, Some("at"));
});

both!(unknown_ids_duplicates_and_rules, |t: TestApp| async move {
    let (customer, project) = customer_with_project(&t).await;
    let before = (t.count("/api/v1/assets").await, t.count("/api/v1/contracts").await, t.audit_rows().await);

    let asset = |serial: &str, customer: i64| json!({"customer_id": customer, "project_id": project, "product_model": "DS-8600", "serial_number": serial});
    assert_error(
        &t.call("kefu", "POST", "/api/v1/assets", Some(asset("SN-NEW-1", 999_999))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("customer_id"),
    );
    // A project of another customer cannot be named.
    let other = if customer == 1 { 2 } else { 1 };
    assert_error(
        &t.call("kefu", "POST", "/api/v1/assets", Some(asset("SN-NEW-1", other))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("project_id"),
    );
    let existing = t.first("/api/v1/assets?product_model=DS-8600").await;
    let dup = asset(existing["serial_number"].as_str().unwrap(), customer);
    assert_error(
        &t.call("kefu", "POST", "/api/v1/assets", Some(dup)).await,
        StatusCode::CONFLICT,
        Some("serial_number"),
    );
    // The same serial under another product model is a different asset.
    let mut other_model = asset(existing["serial_number"].as_str().unwrap(), customer);
    other_model["product_model"] = json!("DB-5200X");
    assert_eq!(t.call("kefu", "POST", "/api/v1/assets", Some(other_model)).await.0, StatusCode::CREATED);

    let level = t.first("/api/v1/service-levels").await["id"].clone();
    let contract = |number: &str, start: &str, end: &str| json!({"number": number, "customer_id": customer, "service_level_id": level, "start_date": start, "end_date": end});
    let existing = t.first("/api/v1/contracts").await["number"].as_str().unwrap().to_owned();
    assert_error(
        &t.call("kefu", "POST", "/api/v1/contracts", Some(contract(&existing, "2026-01-01", "2026-12-31"))).await,
        StatusCode::CONFLICT,
        Some("number"),
    );
    assert_error(
        &t.call("kefu", "POST", "/api/v1/contracts", Some(contract("HT-NEW-1", "2026-06-01", "2026-05-31"))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("end_date"),
    );
    assert_error(
        &t.call("kefu", "POST", "/api/v1/contracts", Some(contract("HT-NEW-1", "2026-02-30", "2026-12-31"))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("start_date"),
    );
    let mut c = contract("HT-NEW-1", "2026-01-01", "2026-12-31");
    c["service_level_id"] = json!(777);
    assert_error(
        &t.call("kefu", "POST", "/api/v1/contracts", Some(c)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("service_level_id"),
    );
    let mut c = contract("HT-NEW-1", "2026-01-01", "2026-12-31");
    c["covered_project_ids"] = json!([project, 888_888]);
    assert_error(
        &t.call("kefu", "POST", "/api/v1/contracts", Some(c)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("covered_project_ids[1]"),
    );

    let contact = json!({"customer_id": customer, "name": "周敏", "phones": ["13800138000", "not a phone"]});
    assert_error(
        &t.call("kefu", "POST", "/api/v1/contacts", Some(contact)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("phones[1]"),
    );
    let contact = json!({"customer_id": customer, "name": "周敏", "emails": ["zhou@"]});
    assert_error(
        &t.call("kefu", "POST", "/api/v1/contacts", Some(contact)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("emails[0]"),
    );
    let site = json!({"customer_id": customer, "name": "二号机房", "city_code": "999999999999"});
    assert_error(
        &t.call("kefu", "POST", "/api/v1/sites", Some(site)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("city_code"),
    );

    let after = (t.count("/api/v1/assets").await, t.count("/api/v1/contracts").await, t.audit_rows().await);
    assert_eq!(after, (before.0 + 1, before.1, before.2 + 1), "only the one valid asset was written");
});

both!(stale_versions_get_409_with_the_current_record, |t: TestApp| async move {
    let c = t.first("/api/v1/customers").await;
    let id = c["id"].as_i64().unwrap();
    let body = |name: &str, version: i64| json!({"name": name, "industry": "医疗", "version": version});
    let (s, v) =
        t.call("kefu", "PUT", &format!("/api/v1/customers/{id}"), Some(body("北京市第一人民医院（本部）", 1))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 2);
    let stale = t.call("manager", "PUT", &format!("/api/v1/customers/{id}"), Some(body("北京一院", 1))).await;
    assert_error(&stale, StatusCode::CONFLICT, Some("version"));
    assert_eq!(stale.1["error"]["current"]["name"], "北京市第一人民医院（本部）");
    assert_eq!(stale.1["error"]["current"]["version"], 2);
    assert_error(
        &t.call("kefu", "PUT", &format!("/api/v1/customers/{id}"), Some(json!({"name": "x"}))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("version"),
    );
    // A record cannot be moved to another customer.
    let site = t.first(&format!("/api/v1/sites?customer_id={id}")).await;
    let mut moved: Value = site.clone();
    for k in ["id", "created_at", "updated_at"] {
        moved.as_object_mut().unwrap().remove(k);
    }
    moved["customer_id"] = json!(id + 1);
    assert_error(
        &t.call("kefu", "PUT", &format!("/api/v1/sites/{}", site["id"]), Some(moved)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("customer_id"),
    );
    // The audit row keeps before and after.
    let (_, a) = t.get("admin", &format!("/api/v1/audit?entity=customer&entity_id={id}")).await;
    assert_eq!(a["items"][0]["action"], "update");
    assert_eq!(a["items"][0]["before"]["name"], c["name"]);
    assert_eq!(a["items"][0]["after"]["name"], "北京市第一人民医院（本部）");
});

both!(concurrent_updates_one_wins, |t: TestApp| async move {
    let c = t.first("/api/v1/customers").await;
    let path = format!("/api/v1/customers/{}", c["id"]);
    let a = t.call("kefu", "PUT", &path, Some(json!({"name": "甲", "version": 1})));
    let b = t.call("manager", "PUT", &path, Some(json!({"name": "乙", "version": 1})));
    let (ra, rb) = tokio::join!(a, b);
    let mut statuses = vec![ra.0, rb.0];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT]);
    let (_, now) = t.get("admin", &path).await;
    assert_eq!(now["version"], 2);
    let (_, a) = t.get("admin", &format!("/api/v1/audit?entity=customer&entity_id={}", c["id"])).await;
    assert_eq!(a["items"].as_array().unwrap().iter().filter(|r| r["action"] == "update").count(), 1);
});
