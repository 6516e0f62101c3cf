//! Creating, reading, listing and updating records through the API.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::json;

both!(a_customer_with_everything, |t: TestApp| async move {
    let (s, c) = t
        .call(
            "kefu",
            "POST",
            "/api/v1/customers",
            Some(json!({"name": "  苏州银行  ", "short_name": "苏银", "industry": "金融"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["name"], "苏州银行", "trimmed");
    assert_eq!(c["version"], 1);
    let cid = c["id"].as_i64().unwrap();
    let (s, site) = t.call("kefu", "POST", "/api/v1/sites", Some(json!({"customer_id": cid, "name": "工业园区机房", "city_code": "320571000000", "address": "苏州工业园区星湖街 1 号"}))).await;
    let _ = (s, &site);
    let (s, site) = if s == StatusCode::CREATED {
        (s, site)
    } else {
        t.call(
            "kefu",
            "POST",
            "/api/v1/sites",
            Some(json!({"customer_id": cid, "name": "工业园区机房", "city_code": "320500000000"})),
        )
        .await
    };
    assert_eq!(s, StatusCode::CREATED, "{site}");
    let (s, contact) = t.call("kefu", "POST", "/api/v1/contacts", Some(json!({"customer_id": cid, "site_id": site["id"], "name": "钱进", "phones": ["+86 139 1234 5678", "0512-6688 1234 转 301"], "emails": ["Qian.Jin@SZBank.example.cn"]}))).await;
    assert_eq!(s, StatusCode::CREATED, "{contact}");
    assert_eq!(contact["phones"], json!(["13912345678", "051266881234 转 301"]));
    let team = t.first("/api/v1/teams?kind=l1_project").await;
    let engineer = t.user_id("l1.nj1").await;
    let (s, project) = t.call("kefu", "POST", "/api/v1/projects", Some(json!({"customer_id": cid, "name": "苏银两地三中心项目", "code": "PRJ-2026-9001", "site_id": site["id"], "dedicated_team_id": team["id"], "implementation_engineer_id": engineer}))).await;
    assert_eq!(s, StatusCode::CREATED, "{project}");
    let (s, asset) = t.call("kefu", "POST", "/api/v1/assets", Some(json!({"customer_id": cid, "project_id": project["id"], "product_model": "DS-8600", "serial_number": "sz-0001", "software_version": "V5.2.1", "installed_date": "2026-03-15"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{asset}");
    assert_eq!(asset["serial_number"], "SZ-0001");
    let level = t.first("/api/v1/service-levels?coverage=7x24").await;
    let (s, contract) = t.call("kefu", "POST", "/api/v1/contracts", Some(json!({"number": "HT-2026-SZ01", "customer_id": cid, "service_level_id": level["id"], "start_date": "2026-04-01", "end_date": "2027-03-31", "covered_asset_ids": [asset["id"]], "quota_overrides": {"inspections": 6}}))).await;
    assert_eq!(s, StatusCode::CREATED, "{contract}");

    // The caller lookup finds the contact by its landline typed another way.
    let (_, v) = t.get("kefu", "/api/v1/lookup?phone=(0512)66881234").await;
    let card = &v["customers"][0];
    assert_eq!(card["customer"]["id"], cid);
    let e = &card["contracts"][0];
    assert_eq!(e["quotas"]["inspections"], 6);
    assert_eq!(card["assets"][0]["covering_contract_id"], contract["id"]);

    // Lists: search, filter, sort and pages.
    let (_, page) = t.get("kefu", "/api/v1/customers?q=苏州").await;
    assert_eq!(page["total"], 1);
    let (_, p1) = t.get("kefu", "/api/v1/customers?sort=-id&per_page=2&page=1").await;
    let (_, p2) = t.get("kefu", "/api/v1/customers?sort=-id&per_page=2&page=2").await;
    assert_eq!(p1["items"][0]["id"], cid);
    assert!(p1["items"][1]["id"].as_i64() > p2["items"][0]["id"].as_i64());
    assert_eq!(p1["total"], 51);
    let (_, f) = t.get("kefu", &format!("/api/v1/assets?customer_id={cid}")).await;
    assert_eq!(f["total"], 1);
    let (_, by_tier) = t.get("kefu", "/api/v1/users?role=engineer&tier=L2").await;
    assert_eq!(by_tier["total"], 5);
    assert!(by_tier["items"][0].get("password_hash").is_none());
});

both!(branches_teams_partners_and_users, |t: TestApp| async move {
    assert_eq!(t.count("/api/v1/branches").await, 22);
    assert_eq!(t.count("/api/v1/teams?kind=l1_project").await, 22);
    assert_eq!(t.count("/api/v1/teams?kind=l2_center").await, 1);
    assert_eq!(t.count("/api/v1/teams?kind=l3_expert").await, 1);
    assert_eq!(t.count("/api/v1/partners").await, 12);
    let team = t.first("/api/v1/teams?kind=l2_center").await;
    assert!(team["lead_user_id"].is_i64(), "every team has a lead");
    // A partner engineer must name a firm; an engineer a tier.
    let u = json!({"login": "p.new", "name": "新伙伴", "role": "partner_engineer", "password": "long-enough-1"});
    assert_error(
        &t.call("admin", "POST", "/api/v1/users", Some(u)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("partner_id"),
    );
    let u = json!({"login": "e.new", "name": "新工程师", "role": "engineer", "tier": "L2", "password": "short"});
    assert_error(
        &t.call("admin", "POST", "/api/v1/users", Some(u)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("password"),
    );
    let u = json!({"login": "kefu", "name": "重名", "role": "specialist", "password": "long-enough-1"});
    assert_error(&t.call("admin", "POST", "/api/v1/users", Some(u)).await, StatusCode::CONFLICT, Some("login"));
    let u = json!({"login": "e.new", "name": "新工程师", "role": "engineer", "tier": "L2", "team_id": team["id"], "password": "long-enough-1"});
    let (s, v) = t.call("admin", "POST", "/api/v1/users", Some(u)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Admins set passwords.
    let path = format!("/api/v1/users/{}/password", v["id"]);
    assert_eq!(t.call("kefu", "PUT", &path, Some(json!({"password": "another-one-1"}))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        t.call("admin", "PUT", &path, Some(json!({"password": "another-one-1"}))).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.call("admin", "PUT", "/api/v1/users/99999/password", Some(json!({"password": "another-one-1"}))).await.0,
        StatusCode::NOT_FOUND
    );
    let p = json!({"name": "苏州恒信科技有限公司", "city_codes": ["320500000000", "320200000000"], "phone": "0512-8888 6666"});
    let (s, v) = t.call("admin", "POST", "/api/v1/partners", Some(p)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["phone"], "051288886666");
});

both!(divisions_reference, |t: TestApp| async move {
    let (s, v) = t.get("kefu", "/api/v1/divisions?q=南京").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["code"], "320100000000");
    let (_, d) = t.get("customer", "/api/v1/divisions/320102000000").await;
    assert_eq!(d["full_name"], "江苏省 南京市 玄武区");
    assert_eq!(d["city_code"], "320100000000");
    assert_eq!(t.get("kefu", "/api/v1/divisions/123").await.0, StatusCode::NOT_FOUND);
});
