//! The hotline's entitlement lookup.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::json;

both!(lookup_by_every_key, |t: TestApp| async move {
    let contact = t.first("/api/v1/contacts?customer_id=1").await;
    let phone = contact["phones"][0].as_str().unwrap().to_owned();
    // Typed the way a caller ID or a specialist would.
    let spaced = format!("+86 {} {} {}", &phone[..3], &phone[3..7], &phone[7..]);
    let q = spaced.replace('+', "%2B").replace(' ', "%20");
    let (s, v) = t.get("kefu", &format!("/api/v1/lookup?phone={q}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["normalised_phone"], phone);
    let card = &v["customers"][0];
    assert_eq!(card["customer"]["id"], 1);
    assert_eq!(card["matched_by"], "phone");
    assert_eq!(card["matched_contact_ids"][0], contact["id"]);
    assert!(card["contacts"].as_array().unwrap().len() >= 2);
    assert!(!card["assets"].as_array().unwrap().is_empty());
    assert_eq!(card["open_events"], json!([]));
    let project = &card["projects"][0];
    assert!(project["dedicated_team"]["name"].as_str().unwrap().contains("项目支持服务小组"));
    assert!(project["implementation_engineer"]["name"].is_string());
    let contract = &card["contracts"][0];
    for k in [
        "contract_number",
        "level_code",
        "period",
        "in_period",
        "onsite_included",
        "quotas",
        "targets",
        "days_remaining",
    ] {
        assert!(contract.get(k).is_some(), "contract lacks {k}: {contract}");
    }

    let name = card["customer"]["name"].as_str().unwrap();
    let (_, by_name) = t.get("kefu", &format!("/api/v1/lookup?customer={}", &name[..6])).await;
    assert!(by_name["customers"].as_array().unwrap().iter().any(|c| c["customer"]["id"] == 1));

    let asset = &card["assets"][0]["asset"];
    let serial = asset["serial_number"].as_str().unwrap().to_lowercase();
    let (_, by_serial) = t.get("kefu", &format!("/api/v1/lookup?serial={serial}")).await;
    assert_eq!(by_serial["customers"][0]["matched_asset_ids"][0], asset["id"]);

    let number = contract["contract_number"].as_str().unwrap();
    let (_, by_contract) = t.get("kefu", &format!("/api/v1/lookup?contract={number}")).await;
    assert_eq!(by_contract["customers"][0]["customer"]["id"], 1);

    let code = project["project"]["code"].as_str().unwrap();
    let (_, by_project) = t.get("kefu", &format!("/api/v1/lookup?project={code}")).await;
    assert_eq!(by_project["customers"][0]["matched_project_ids"][0], project["project"]["id"]);

    let (_, nobody) = t.get("kefu", "/api/v1/lookup?phone=13900000001").await;
    assert_eq!(nobody["customers"], json!([]));
});

both!(lookup_answers_for_a_given_moment, |t: TestApp| async move {
    // Customer 6 (index 5) has a contract that expired months before the demo was written.
    let (_, v) = t.get("kefu", "/api/v1/lookup?customer=武汉市社会保险").await;
    let c = &v["customers"][0]["contracts"][0];
    assert_eq!(c["period"], "expired", "{v}");
    let start: jiff::civil::Date = c["start_date"].as_str().unwrap().parse().unwrap();
    let end: jiff::civil::Date = c["end_date"].as_str().unwrap().parse().unwrap();
    let at = |d: jiff::civil::Date, time: &str| format!("{d}T{time}%2B08:00");
    let (_, v) = t.get("kefu", &format!("/api/v1/lookup?customer=武汉市社会保险&at={}", at(end, "23:00:00"))).await;
    let c = &v["customers"][0]["contracts"][0];
    assert_eq!(c["end_date"], end.to_string());
    assert_eq!(c["in_period"], true);
    assert_eq!(c["days_remaining"], 1);
    let next = end.tomorrow().unwrap();
    let (_, v) = t.get("kefu", &format!("/api/v1/lookup?customer=武汉市社会保险&at={}", at(next, "00:30:00"))).await;
    let c = &v["customers"][0]["contracts"][0];
    assert_eq!(c["period"], "expired");
    assert_eq!(v["customers"][0]["any_in_period"], false);
    let before = start.yesterday().unwrap();
    let (_, v) = t.get("kefu", &format!("/api/v1/lookup?customer=武汉市社会保险&at={}", at(before, "12:00:00"))).await;
    assert_eq!(v["customers"][0]["contracts"][0]["period"], "not_started");
});

both!(lookup_respects_scope, |t: TestApp| async move {
    // The customer contact finds only itself, the partner only what its firm serves.
    let (s, v) = t.get("customer", "/api/v1/lookup?customer=市").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (_, all) = t.get("kefu", "/api/v1/lookup?customer=大学").await;
    let (_, partner) = t.get("partner1", "/api/v1/lookup?customer=大学").await;
    assert!(partner["customers"].as_array().unwrap().len() < all["customers"].as_array().unwrap().len());
});
