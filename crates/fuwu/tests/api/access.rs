//! Permissions: every list endpoint for every role, scopes, and 404 for what a
//! caller may not see.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::json;

const LISTS: [&str; 11] = [
    "branches",
    "teams",
    "partners",
    "users",
    "customers",
    "sites",
    "contacts",
    "projects",
    "assets",
    "contracts",
    "service-levels",
];

/// Which roles may list what (the rest get 403).
fn may_list(who: &str, list: &str) -> bool {
    let staff = matches!(who, "admin" | "manager" | "kefu" | "l1.nj1" | "l2.1" | "l3.1");
    match list {
        "branches" | "teams" | "partners" | "users" => staff,
        _ => true,
    }
}

both!(every_role_on_every_list, |t: TestApp| async move {
    for who in ROLES {
        for list in LISTS {
            let (s, v) = t.get(who, &format!("/api/v1/{list}?per_page=200")).await;
            let want = if may_list(who, list) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(s, want, "{who} listing {list}: {v}");
        }
    }
});

both!(customers_see_only_their_own, |t: TestApp| async move {
    let (s, v) = t.get("customer", "/api/v1/customers").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 1, "{v}");
    let own = v["items"][0]["id"].as_i64().unwrap();
    let (_, contracts) = t.get("customer", "/api/v1/contracts").await;
    assert!(contracts["items"].as_array().unwrap().iter().all(|c| c["customer_id"] == own));
    let own_contract = contracts["items"][0]["id"].as_i64().unwrap();
    assert_eq!(t.get("customer", &format!("/api/v1/contracts/{own_contract}")).await.0, StatusCode::OK);

    // Another customer's contract, asked for by id: 404, as if it did not exist.
    let other = t.first(&format!("/api/v1/contracts?customer_id={}", own + 1)).await;
    let other_id = other["id"].as_i64().unwrap();
    assert_error(&t.get("customer", &format!("/api/v1/contracts/{other_id}")).await, StatusCode::NOT_FOUND, None);
    assert_error(&t.get("customer", "/api/v1/contracts/999999").await, StatusCode::NOT_FOUND, None);
    for list in ["sites", "contacts", "projects", "assets"] {
        let (_, v) = t.get("customer", &format!("/api/v1/{list}?per_page=200")).await;
        assert!(v["items"].as_array().unwrap().iter().all(|r| r["customer_id"] == own), "{list}");
        let (_, theirs) = t.get("admin", &format!("/api/v1/{list}?customer_id={}", own + 1)).await;
        let id = theirs["items"][0]["id"].as_i64().unwrap();
        assert_eq!(t.get("customer", &format!("/api/v1/{list}/{id}")).await.0, StatusCode::NOT_FOUND, "{list}/{id}");
    }
    // Filtering for another customer finds nothing rather than leaking.
    assert_eq!(t.get("customer", &format!("/api/v1/assets?customer_id={}", own + 1)).await.1["total"], 0);
    // A customer may not write.
    let (s, _) = t
        .call(
            "customer",
            "POST",
            "/api/v1/sites",
            Some(json!({"customer_id": own, "name": "机房", "city_code": "320100000000"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
});

both!(partners_see_only_what_their_firm_serves, |t: TestApp| async move {
    let (_, me) = t.get("partner1", "/api/v1/me").await;
    let firm = me["user"]["partner_id"].as_i64().unwrap();
    let (s, v) = t.get("partner1", "/api/v1/customers?per_page=200").await;
    assert_eq!(s, StatusCode::OK);
    let seen: Vec<i64> = v["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert!(!seen.is_empty() && seen.len() < 50, "partner sees {} customers", seen.len());
    let (_, projects) = t.get("admin", &format!("/api/v1/projects?partner_id={firm}&per_page=200")).await;
    let mut served: Vec<i64> =
        projects["items"].as_array().unwrap().iter().map(|p| p["customer_id"].as_i64().unwrap()).collect();
    served.sort();
    served.dedup();
    let mut seen_sorted = seen.clone();
    seen_sorted.sort();
    assert_eq!(seen_sorted, served);
    let not_served = (1..=50).find(|c| !served.contains(c)).unwrap();
    assert_eq!(t.get("partner1", &format!("/api/v1/customers/{not_served}")).await.0, StatusCode::NOT_FOUND);
});

both!(l1_engineers_see_their_teams_customers_and_l2_sees_all, |t: TestApp| async move {
    let (_, l1) = t.get("l1.nj1", "/api/v1/customers?per_page=200").await;
    let n = l1["total"].as_i64().unwrap();
    assert!(n > 0 && n < 50, "L1 sees {n}");
    let (_, me) = t.get("l1.nj1", "/api/v1/me").await;
    let team = me["user"]["team_id"].as_i64().unwrap();
    for c in l1["items"].as_array().unwrap() {
        let (_, p) =
            t.get("admin", &format!("/api/v1/projects?customer_id={}&dedicated_team_id={team}", c["id"])).await;
        assert!(p["total"].as_i64().unwrap() > 0, "customer {} not served by team {team}", c["id"]);
    }
    assert_eq!(t.get("l2.1", "/api/v1/customers").await.1["total"], 50);
    assert_eq!(t.get("kefu", "/api/v1/customers").await.1["total"], 50);
});

both!(only_admins_manage_users_levels_and_organisation, |t: TestApp| async move {
    let new_user = json!({"login": "zhao.lei", "name": "赵磊", "role": "specialist", "password": "long-enough-1"});
    for who in ["manager", "kefu", "l1.nj1", "partner1", "customer"] {
        let (s, v) = t.call(who, "POST", "/api/v1/users", Some(new_user.clone())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {v}");
    }
    let (s, v) = t.call("admin", "POST", "/api/v1/users", Some(new_user)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v.get("password").is_none() && v.get("password_hash").is_none());

    let lvl = t.first("/api/v1/service-levels").await;
    let mut edit = lvl.clone();
    for k in ["id", "created_at", "updated_at"] {
        edit.as_object_mut().unwrap().remove(k);
    }
    edit["name"] = json!("白金服务 7×24（新版）");
    let path = format!("/api/v1/service-levels/{}", lvl["id"]);
    assert_eq!(t.call("kefu", "PUT", &path, Some(edit.clone())).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.call("manager", "PUT", &path, Some(edit.clone())).await.0, StatusCode::FORBIDDEN);
    let (s, v) = t.call("admin", "PUT", &path, Some(edit)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 2);

    let branch = json!({"name": "乌鲁木齐分公司", "city_code": "650100000000"});
    assert_eq!(t.call("kefu", "POST", "/api/v1/branches", Some(branch.clone())).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.call("admin", "POST", "/api/v1/branches", Some(branch)).await.0, StatusCode::CREATED);
    // Specialists do edit customer records.
    let (s, v) = t
        .call("kefu", "POST", "/api/v1/customers", Some(json!({"name": "苏州工业园区管委会", "industry": "政府"})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The audit trail is for admins and managers.
    assert_eq!(t.get("kefu", "/api/v1/audit").await.0, StatusCode::FORBIDDEN);
    let (s, a) = t.get("manager", "/api/v1/audit?entity=customer").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a["items"][0]["after"]["name"], "苏州工业园区管委会");
    assert_eq!(a["items"][0]["actor_id"], t.user_id("kefu").await);
});
