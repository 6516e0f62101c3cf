//! The type-ahead of reference fields (`/api/v1/choices/{kind}`): names with
//! enough context to tell namesakes apart, and exactly the scope of the lists —
//! a customer contact or a partner engineer is never offered another
//! customer's records, and a foreign id answers like an absent one.

use crate::both;
use crate::harness::{ROLES, TestApp};
use axum::http::StatusCode;
use serde_json::{Value, json};

const KINDS: [&str; 12] = [
    "customers",
    "sites",
    "contacts",
    "projects",
    "assets",
    "contracts",
    "service-levels",
    "branches",
    "teams",
    "partners",
    "users",
    "calendars",
];

fn ids(v: &Value) -> Vec<i64> {
    v["items"].as_array().map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect()).unwrap_or_default()
}

both!(namesakes_are_told_apart, |t: TestApp| async move {
    // Every customer has a 主数据中心: each is offered with its customer and city.
    let (s, v) = t.get("kefu", "/api/v1/choices/sites?q=主数据中心&limit=50").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    let mut labels: Vec<&str> = items.iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert!(labels.iter().all(|l| l.contains(" · 主数据中心 · ") && l.contains('市')), "{labels:?}");
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels.len(), 50, "no two read alike");
    // Found by the customer's name, and by the city.
    let (_, v) = t.get("kefu", "/api/v1/choices/sites?q=南京市公安局").await;
    assert!(!ids(&v).is_empty());
    assert!(v["items"].as_array().unwrap().iter().all(|i| i["label"].as_str().unwrap().starts_with("南京市公安局 · ")));
    let site = t.first("/api/v1/sites?customer_id=26").await;
    let city = fuwu_core::divisions::get(site["city_code"].as_str().unwrap()).unwrap().name.clone();
    let (_, v) = t.get("kefu", &format!("/api/v1/choices/sites?q={}%20{city}&limit=50", "南京市公安局")).await;
    assert!(ids(&v).contains(&site["id"].as_i64().unwrap()), "{city}: {v}");
    // Assets by serial, with their customer; a customer's records only, when asked.
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let serial = asset["serial_number"].as_str().unwrap();
    let (_, v) = t.get("kefu", &format!("/api/v1/choices/assets?q={serial}")).await;
    assert_eq!(ids(&v), vec![asset["id"].as_i64().unwrap()]);
    assert!(v["items"][0]["label"].as_str().unwrap().starts_with("南京市公安局 · "), "{v}");
    let (_, v) = t.get("kefu", "/api/v1/choices/assets?customer_id=26&limit=50").await;
    let (_, all) = t.get("admin", "/api/v1/assets?customer_id=26").await;
    assert_eq!(ids(&v).len() as i64, all["total"].as_i64().unwrap());
    // Cities by name: 南京 offers 南京市 first and then its districts; no province, no 市辖区.
    let (_, v) = t.get("kefu", "/api/v1/divisions?q=南京&pickable=true&limit=20").await;
    let names: Vec<&str> = v["items"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "南京市");
    assert!(names.contains(&"江宁区") && !names.contains(&"市辖区"), "{names:?}");
    let (_, v) = t.get("kefu", "/api/v1/divisions?q=南京%20江宁&pickable=true").await;
    assert_eq!(v["items"][0]["full_name"], "江苏省 南京市 江宁区");
    let (_, v) = t.get("kefu", "/api/v1/divisions?q=江苏&pickable=true").await;
    assert!(v["items"].as_array().unwrap().iter().all(|d| d["level"] != "province"), "{v}");
    // Bad requests name the parameter; unknown kinds are not found.
    assert_eq!(t.get("kefu", "/api/v1/choices/sites?limit=0").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(t.get("kefu", "/api/v1/choices/sites?colour=red").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(t.get("kefu", "/api/v1/choices/holidays").await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.get("kefu", "/api/v1/choices/events").await.0, StatusCode::NOT_FOUND);
    // Documented.
    let (_, doc) = t.get("kefu", "/api/openapi.json").await;
    assert!(doc["paths"]["/api/v1/choices/{kind}"]["get"].is_object());
});

both!(choices_never_reach_past_the_callers_scope, |t: TestApp| async move {
    // For every role and kind: refused exactly when the list is, and every
    // record offered is one the role may open.
    for who in ROLES {
        for kind in KINDS {
            let (list_status, _) = t.get(who, &format!("/api/v1/{kind}?per_page=1")).await;
            let (status, v) = t.get(who, &format!("/api/v1/choices/{kind}?limit=50")).await;
            assert_eq!(status, list_status, "{who} {kind}: {v}");
            for id in ids(&v).into_iter().take(8) {
                let (s, _) = t.get(who, &format!("/api/v1/{kind}/{id}")).await;
                assert_eq!(s, StatusCode::OK, "{who} was offered {kind} {id} it may not open");
            }
        }
    }
    // A customer's contact: its own customer's sites only; a foreign id, or a
    // foreign customer, reads exactly like an absent one.
    let (_, own) = t.get("customer", "/api/v1/sites?per_page=200").await;
    let own_ids = ids(&own);
    let own_customer = own["items"][0]["customer_id"].as_i64().unwrap();
    let (_, v) = t.get("customer", "/api/v1/choices/sites?limit=50").await;
    let mut offered = ids(&v);
    offered.sort_unstable();
    let mut expected = own_ids.clone();
    expected.sort_unstable();
    assert_eq!(offered, expected);
    let (_, v) = t.get("customer", "/api/v1/choices/sites?q=主数据中心&limit=50").await;
    assert!(ids(&v).iter().all(|i| own_ids.contains(i)), "{v}");
    let foreign = t.first(&format!("/api/v1/sites?customer_id={}", if own_customer == 26 { 27 } else { 26 })).await;
    let foreign_id = foreign["id"].as_i64().unwrap();
    let (s1, by_foreign) = t.get("customer", &format!("/api/v1/choices/sites?id={foreign_id}")).await;
    let (s2, by_absent) = t.get("customer", "/api/v1/choices/sites?id=987654").await;
    assert_eq!((s1, &by_foreign), (s2, &by_absent));
    assert_eq!(by_foreign, json!({"items": []}));
    let foreign_customer = foreign["customer_id"].as_i64().unwrap();
    let (s1, a) = t.get("customer", &format!("/api/v1/choices/assets?customer_id={foreign_customer}")).await;
    let (s2, b) = t.get("customer", "/api/v1/choices/assets?customer_id=987654").await;
    assert_eq!((s1, &a), (s2, &b));
    assert_eq!(a, json!({"items": []}));
    let (_, v) = t.get("customer", &format!("/api/v1/choices/customers?q={}", "公安")).await;
    assert!(ids(&v).iter().all(|c| *c == own_customer), "{v}");
    // A partner engineer: the customers its firm serves, nothing else.
    let (_, served) = t.get("partner1", "/api/v1/customers?per_page=200").await;
    let served = ids(&served);
    let (_, v) = t.get("partner1", "/api/v1/choices/customers?limit=50").await;
    assert!(!ids(&v).is_empty() && ids(&v).iter().all(|c| served.contains(c)), "{v}");
    let (_, v) = t.get("partner1", "/api/v1/choices/assets?q=DS&limit=50").await;
    for a in v["items"].as_array().unwrap() {
        let (s, rec) = t.get("admin", &format!("/api/v1/assets/{}", a["id"])).await;
        assert_eq!(s, StatusCode::OK);
        assert!(served.contains(&rec["customer_id"].as_i64().unwrap()), "{a}");
    }
    let (_, all) = t.get("admin", "/api/v1/assets?per_page=200").await;
    let asset = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| !served.contains(&a["customer_id"].as_i64().unwrap()))
        .unwrap()
        .clone();
    let (s1, a) = t.get("partner1", &format!("/api/v1/choices/assets?id={}", asset["id"])).await;
    let (s2, b) = t.get("partner1", "/api/v1/choices/assets?id=987654").await;
    assert_eq!((s1, &a), (s2, &b));
    assert_eq!(a, json!({"items": []}));
    // Roles that may not read a kind at all are refused, as by the list.
    assert_eq!(t.get("customer", "/api/v1/choices/users?q=王").await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.get("partner1", "/api/v1/choices/teams").await.0, StatusCode::FORBIDDEN);
});
