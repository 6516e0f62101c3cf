//! Planned services (issue 11) over HTTP: a contract's generated plan, its
//! idempotent generation, who sees which engagements, the state table's
//! refusals, quota use, and engagements beyond the quota.

use crate::both;
use crate::harness::{TestApp, assert_error};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The customer of the `customer` login.
async fn own_customer(t: &TestApp) -> i64 {
    let (_, v) = t.get("customer", "/api/v1/customers").await;
    v["items"][0]["id"].as_i64().unwrap()
}

/// An admin's level with 4 inspections and 1 DR drill a year, and a contract
/// of the `customer` login's customer on it for 2026; returns the contract id.
async fn contract_with_plan(t: &TestApp, number: &str) -> i64 {
    let level = json!({
        "code": format!("P{}", &number[number.len() - 3..]), "name": "巡检服务等级", "coverage": "5x8", "onsite_included": true,
        "targets": [
            {"priority": "P1", "response_minutes": 30, "resolution_minutes": 480},
            {"priority": "P2", "response_minutes": 60, "resolution_minutes": 960},
            {"priority": "P3", "response_minutes": 120, "resolution_minutes": 1920},
            {"priority": "P4", "response_minutes": 240, "resolution_minutes": 2880}],
        "quotas": {"inspections": 4, "dr_drills": 1}
    });
    let (s, l) = t.call("admin", "POST", "/api/v1/service-levels", Some(level)).await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    let c = json!({"number": number, "customer_id": own_customer(t).await, "service_level_id": l["id"],
        "start_date": "2026-01-01", "end_date": "2026-12-31"});
    let (s, c) = t.call("kefu", "POST", "/api/v1/contracts", Some(c)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["id"].as_i64().unwrap()
}

/// The same application reading "now" from a clock standing at `at` (the
/// portal and the hotline card show the contract year of the day).
fn at(mut t: TestApp, at: &str) -> TestApp {
    t.app = t.app.clone().with_clock(fuwu_app::Clock::fixed(at.parse().unwrap()));
    t.router = fuwu_web::router(
        t.app.clone(),
        fuwu_web::WebConfig { cookie_secure: true, max_body_bytes: 64 * 1024, ..Default::default() },
    );
    t
}

fn kinds(plan: &Value, kind: &str) -> Vec<Value> {
    plan["engagements"].as_array().unwrap().iter().filter(|e| e["kind"] == kind).cloned().collect()
}

fn use_of(plan: &Value, kind: &str) -> Value {
    plan["years"][0]["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == kind).cloned().unwrap_or(Value::Null)
}

async fn act(t: &TestApp, who: &str, id: i64, body: Value) -> (StatusCode, Value) {
    t.call(who, "POST", &format!("/api/v1/engagements/{id}/actions"), Some(body)).await
}

/// A login for an engineer by id (the harness's tokens are for demo logins).
async fn engineer_token(t: &mut TestApp, id: i64) -> &'static str {
    let (_, u) = t.get("admin", &format!("/api/v1/users/{id}")).await;
    let login: &'static str = Box::leak(u["login"].as_str().unwrap().to_owned().into_boxed_str());
    t.login_as(login).await;
    login
}

both!(a_new_contract_shows_its_plan_and_generating_again_creates_nothing, |t: TestApp| async move {
    let id = contract_with_plan(&t, "HT-PLAN-001").await;
    let (s, plan) = t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let insp = kinds(&plan, "inspection");
    assert_eq!(insp.len(), 4, "{plan}");
    let windows: Vec<(&str, &str)> =
        insp.iter().map(|e| (e["window_start"].as_str().unwrap(), e["window_end"].as_str().unwrap())).collect();
    assert_eq!(
        windows,
        [
            ("2026-01-01", "2026-03-31"),
            ("2026-04-01", "2026-06-30"),
            ("2026-07-01", "2026-09-30"),
            ("2026-10-01", "2026-12-31")
        ],
        "one inspection per quarter"
    );
    assert!(insp.iter().all(|e| e["state"] == "planned" && e["over_quota"] == false));
    // The project's dedicated team plans with the service centre.
    assert!(insp.iter().all(|e| e["team_id"].is_i64()), "{}", insp[0]);
    assert_eq!(kinds(&plan, "dr_drill").len(), 1);
    let u = use_of(&plan, "inspection");
    assert_eq!(
        (u["quota"].as_i64(), u["delivered"].as_i64(), u["scheduled"].as_i64(), u["remaining"].as_i64()),
        (Some(4), Some(0), Some(4), Some(4))
    );
    // Each generated engagement was audited in the contract's transaction.
    let audit = t.audit_rows().await;
    let (s, g) = t.call("kefu", "POST", &format!("/api/v1/contracts/{id}/plan"), None).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["created"].as_array().unwrap().len(), 0, "idempotent: {g}");
    assert_eq!(t.audit_rows().await, audit, "nothing written");
    assert_eq!(
        t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await.1["engagements"].as_array().unwrap().len(),
        5
    );
    // Only the service centre generates.
    assert_error(
        &t.call("l2.1", "POST", &format!("/api/v1/contracts/{id}/plan"), None).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &t.call("customer", "POST", &format!("/api/v1/contracts/{id}/plan"), None).await,
        StatusCode::FORBIDDEN,
        None,
    );

    // A longer period through the record service plans the new year at once.
    let (_, c) = t.get("kefu", &format!("/api/v1/contracts/{id}")).await;
    let mut body = c.clone();
    for k in ["id", "created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    body["end_date"] = json!("2027-12-31");
    let (s, v) = t.call("kefu", "PUT", &format!("/api/v1/contracts/{id}"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, plan) = t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await;
    assert_eq!(plan["years"].as_array().unwrap().len(), 2);
    assert_eq!(kinds(&plan, "inspection").len(), 8);
});

both!(the_operators_yearly_generation_fills_what_a_raised_quota_adds_once, |t: TestApp| async move {
    let id = contract_with_plan(&t, "HT-PLAN-002").await;
    let (_, c) = t.get("kefu", &format!("/api/v1/contracts/{id}")).await;
    let (_, level) = t.get("admin", &format!("/api/v1/service-levels/{}", c["service_level_id"])).await;
    let mut body = level.clone();
    for k in ["id", "created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(k);
    }
    body["quotas"]["inspections"] = json!(6);
    let (s, v) = t.call("admin", "PUT", &format!("/api/v1/service-levels/{}", level["id"]), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let first = fuwu_app::plan::generate_year(&t.app, 2026).await.unwrap();
    let mine = first.iter().find(|g| g.contract_id.0 == id).unwrap();
    // Six a year now: the numbers 5 and 6 are added (the first four keep their windows).
    let seqs: Vec<i64> =
        mine.created.iter().filter(|c| c.kind == fuwu_core::plan::Kind::Inspection).map(|c| c.seq).collect();
    assert_eq!(seqs, vec![5, 6], "{:?}", mine.created);
    let again = fuwu_app::plan::generate_year(&t.app, 2026).await.unwrap();
    assert!(again.iter().all(|g| g.created.is_empty()), "a second run creates nothing");
});

both!(customers_and_partners_see_only_their_own_engagements, |t: TestApp| async move {
    let id = contract_with_plan(&t, "HT-PLAN-003").await;
    let own = own_customer(&t).await;
    let (s, v) = t.get("customer", "/api/v1/engagements?per_page=200").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["total"].as_i64().unwrap() >= 5);
    assert!(v["items"].as_array().unwrap().iter().all(|e| e["customer_id"] == own));
    let theirs = t.first(&format!("/api/v1/engagements?customer_id={}", own + 1)).await;
    let theirs_id = theirs["id"].as_i64().unwrap();
    assert_error(&t.get("customer", &format!("/api/v1/engagements/{theirs_id}")).await, StatusCode::NOT_FOUND, None);
    assert_error(&t.get("customer", "/api/v1/engagements/99999999").await, StatusCode::NOT_FOUND, None);
    assert_eq!(t.get("customer", &format!("/api/v1/engagements?customer_id={}", own + 1)).await.1["total"], 0);
    // The other customer's contact sees none of this customer's.
    let mine =
        kinds(&t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await.1, "inspection")[0]["id"].as_i64().unwrap();
    assert_error(&t.get("customer2", &format!("/api/v1/engagements/{mine}")).await, StatusCode::NOT_FOUND, None);
    assert_error(&t.get("customer2", &format!("/api/v1/contracts/{id}/plan")).await, StatusCode::NOT_FOUND, None);
    assert_eq!(t.get("customer", &format!("/api/v1/engagements/{mine}")).await.0, StatusCode::OK);
    // A partner engineer sees the customers its firm serves, and no other.
    let (_, p) = t.get("partner1", "/api/v1/engagements?per_page=200").await;
    let (_, served) = t.get("partner1", "/api/v1/customers?per_page=200").await;
    let served: Vec<&Value> = served["items"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
    assert!(p["total"].as_i64().unwrap() > 0);
    assert!(p["items"].as_array().unwrap().iter().all(|e| served.contains(&&e["customer_id"])));
    let (_, all) = t.get("admin", "/api/v1/engagements?per_page=1").await;
    assert!(all["total"].as_i64().unwrap() > p["total"].as_i64().unwrap());
    // Unknown filters and sorts are refused, naming them.
    assert_error(&t.get("kefu", "/api/v1/engagements?colour=red").await, StatusCode::BAD_REQUEST, Some("colour"));
    assert_error(&t.get("kefu", "/api/v1/engagements?sort=secret").await, StatusCode::BAD_REQUEST, Some("sort"));
});

both!(an_inspection_goes_from_plan_to_delivered_and_the_contract_counts_it, |mut t: TestApp| async move {
    let id = contract_with_plan(&t, "HT-PLAN-004").await;
    let e = kinds(&t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await.1, "inspection")[1].clone();
    let eid = e["id"].as_i64().unwrap();
    let (_, d) = t.get("kefu", &format!("/api/v1/engagements/{eid}")).await;
    assert!(d["available"].as_array().unwrap().contains(&json!("assign")), "{d}");
    let engineers = d["engineers"].as_array().unwrap();
    assert_eq!(engineers[0]["dedicated"], true, "the project's dedicated people first: {engineers:?}");
    let engineer = engineers[0]["id"].as_i64().unwrap();
    let login = engineer_token(&mut t, engineer).await;

    // The engineer cannot start before a date is agreed, nor may the customer agree one alone.
    assert_error(
        &act(&t, "customer", eid, json!({"action": "agree_date", "date": "2026-05-12"})).await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (s, v) = act(&t, "kefu", eid, json!({"action": "assign", "engineer_id": engineer})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_error(&act(&t, login, eid, json!({"action": "start"})).await, StatusCode::CONFLICT, None);
    // Dates: well-formed, inside the contract year.
    assert_error(
        &act(&t, "kefu", eid, json!({"action": "propose_date", "date": "12/05/2026"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("date"),
    );
    assert_error(
        &act(&t, "kefu", eid, json!({"action": "propose_date", "date": "2027-01-05"})).await,
        StatusCode::CONFLICT,
        None,
    );
    assert_error(
        &act(&t, "kefu", eid, json!({"action": "propose_date"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("date"),
    );
    let (s, v) = act(&t, "kefu", eid, json!({"action": "propose_date", "date": "2026-05-12"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The customer accepts the proposed date (a stale version is refused).
    assert_error(
        &act(&t, "customer", eid, json!({"action": "accept_date", "version": 1})).await,
        StatusCode::CONFLICT,
        Some("version"),
    );
    let (_, d) = t.get("customer", &format!("/api/v1/engagements/{eid}")).await;
    assert_eq!(d["available"], json!(["accept_date"]), "{d}");
    assert_error(&act(&t, "customer2", eid, json!({"action": "accept_date"})).await, StatusCode::NOT_FOUND, None);
    let (s, v) = act(&t, "customer", eid, json!({"action": "accept_date"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["state"].as_str(), v["agreed_date"].as_str()), (Some("date_agreed"), Some("2026-05-12")));
    // Another engineer may not start it; the assigned one does.
    assert_error(&act(&t, "l2.1", eid, json!({"action": "start"})).await, StatusCode::FORBIDDEN, None);
    assert_eq!(act(&t, login, eid, json!({"action": "start"})).await.0, StatusCode::OK);
    assert_error(&act(&t, "kefu", eid, json!({"action": "close"})).await, StatusCode::CONFLICT, None);
    assert_error(&act(&t, "customer", eid, json!({"action": "confirm"})).await, StatusCode::CONFLICT, None);
    assert_error(
        &act(&t, login, eid, json!({"action": "submit_report", "summary": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("summary"),
    );
    let (s, v) =
        act(&t, login, eid, json!({"action": "submit_report", "summary": "八项检查完成：环境正常，固件建议升级。"}))
            .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["report_version"], 1);
    // Only the customer confirms; then the service centre closes.
    assert_error(&act(&t, "kefu", eid, json!({"action": "confirm"})).await, StatusCode::FORBIDDEN, None);
    assert_error(&act(&t, "kefu", eid, json!({"action": "close"})).await, StatusCode::CONFLICT, None);
    assert_eq!(act(&t, "customer", eid, json!({"action": "confirm"})).await.0, StatusCode::OK);
    let (_, plan) = t.get("customer", &format!("/api/v1/contracts/{id}/plan")).await;
    let u = use_of(&plan, "inspection");
    assert_eq!(
        (u["delivered"].as_i64(), u["scheduled"].as_i64(), u["remaining"].as_i64()),
        (Some(1), Some(3), Some(3)),
        "1 of 4 delivered"
    );
    assert_eq!(act(&t, "kefu", eid, json!({"action": "close"})).await.0, StatusCode::OK);
    let (_, d) = t.get("kefu", &format!("/api/v1/engagements/{eid}")).await;
    let steps: Vec<&str> = d["history"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(steps, ["plan", "assign", "propose_date", "accept_date", "start", "submit_report", "confirm", "close"]);
    assert_eq!(d["available"], json!([]));

    // Postponing and cancelling need a reason, named.
    let other = kinds(&plan, "inspection")[2]["id"].as_i64().unwrap();
    assert_error(
        &act(&t, "kefu", other, json!({"action": "postpone"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("reason"),
    );
    let (s, v) = act(&t, "kefu", other, json!({"action": "cancel", "reason": "客户设备下线"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reason"], "客户设备下线");
    assert_error(
        &act(&t, "kefu", other, json!({"action": "agree_date", "date": "2026-08-03"})).await,
        StatusCode::CONFLICT,
        None,
    );
    let (_, plan) = t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await;
    let u = use_of(&plan, "inspection");
    assert_eq!(
        (u["delivered"].as_i64(), u["scheduled"].as_i64(), u["remaining"].as_i64()),
        (Some(1), Some(2), Some(3))
    );
});

both!(an_engagement_beyond_the_quota_waits_for_the_managers_approval, |mut t: TestApp| async move {
    let id = contract_with_plan(&t, "HT-PLAN-005").await;
    let extra = json!({"contract_id": id, "kind": "inspection", "window_start": "2026-06-01", "window_end": "2026-06-30", "notes": "系统上线前加检"});
    assert_error(
        &t.call("customer", "POST", "/api/v1/engagements", Some(extra.clone())).await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (s, e) = t.call("kefu", "POST", "/api/v1/engagements", Some(extra)).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    assert_eq!(
        (e["over_quota"].as_bool(), e["origin"].as_str()),
        (Some(true), Some("extra")),
        "the fifth of four: {e}"
    );
    let eid = e["id"].as_i64().unwrap();
    let (_, d) = t.get("kefu", &format!("/api/v1/engagements/{eid}")).await;
    let engineer = d["engineers"][0]["id"].as_i64().unwrap();
    let login = engineer_token(&mut t, engineer).await;
    assert_eq!(act(&t, "kefu", eid, json!({"action": "assign", "engineer_id": engineer})).await.0, StatusCode::OK);
    assert_eq!(act(&t, "kefu", eid, json!({"action": "agree_date", "date": "2026-06-10"})).await.0, StatusCode::OK);
    let (s, v) = act(&t, login, eid, json!({"action": "start"})).await;
    assert_error(&(s, v.clone()), StatusCode::CONFLICT, None);
    assert!(v["error"]["message"].as_str().unwrap().contains("approval"), "{v}");
    assert_error(&act(&t, "kefu", eid, json!({"action": "approve"})).await, StatusCode::FORBIDDEN, None);
    let (_, d) = t.get("manager", &format!("/api/v1/engagements/{eid}")).await;
    assert!(d["available"].as_array().unwrap().contains(&json!("approve")), "{d}");
    assert_eq!(act(&t, "manager", eid, json!({"action": "approve"})).await.0, StatusCode::OK);
    assert_eq!(act(&t, login, eid, json!({"action": "start"})).await.0, StatusCode::OK);
    let (_, plan) = t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await;
    assert_eq!(use_of(&plan, "inspection")["chargeable"], 1);

    // Standby is booked in days against its quota (none on this level): chargeable.
    let standby = json!({"contract_id": id, "kind": "standby", "window_start": "2026-09-28", "window_end": "2026-10-08", "units": 3});
    let (s, sb) = t.call("kefu", "POST", "/api/v1/engagements", Some(standby)).await;
    assert_eq!(s, StatusCode::CREATED, "{sb}");
    assert_eq!((sb["units"].as_i64(), sb["over_quota"].as_bool()), (Some(3), Some(true)));
    let bad = |field: &str, v: Value| {
        let mut b =
            json!({"contract_id": id, "kind": "standby", "window_start": "2026-09-28", "window_end": "2026-10-08"});
        b[field] = v;
        b
    };
    for (field, v, named) in [
        ("units", json!(61), "units"),
        ("window_end", json!("2026-09-01"), "window_end"),
        ("window_start", json!("2025-12-01"), "window_start"),
        ("window_end", json!("2027-01-02"), "window_end"),
        ("kind", json!("party"), "kind"),
    ] {
        let before = t.audit_rows().await;
        let got = t.call("kefu", "POST", "/api/v1/engagements", Some(bad(field, v))).await;
        assert_eq!(got.1["error"]["field"].as_str(), Some(named), "{}", got.1);
        assert!(got.0 == StatusCode::UNPROCESSABLE_ENTITY || got.0 == StatusCode::BAD_REQUEST, "{}", got.1);
        assert_eq!(t.audit_rows().await, before, "nothing written");
    }
    let (_, sb_use) = t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await;
    assert_eq!(use_of(&sb_use, "standby")["chargeable"], 3);
});

mod pages {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    struct Session {
        cookie: String,
        csrf: String,
    }

    async fn session(t: &TestApp, login: &str) -> Session {
        let s = fuwu_app::auth::login(&t.app, login, "fuwu-demo-2026", "test").await.expect("login");
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

    both!(the_contract_shows_its_plan_and_the_customer_accepts_a_date_in_the_portal, |t: TestApp| async move {
        let t = at(t, "2026-05-06T02:00:00Z");
        let id = contract_with_plan(&t, "HT-PLAN-101").await;
        let kefu = session(&t, "kefu").await;
        let (s, html) = page(&t, &kefu, &format!("/records/contracts/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("服务计划与额度使用") && html.contains("巡检") && html.contains("灾难演练"), "{html}");
        assert!(html.contains("2026-04-01 – 2026-06-30"), "the second quarter's window is listed");
        let plan = t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await.1;
        let eid = kinds(&plan, "inspection")[0]["id"].as_i64().unwrap();
        let (s, html) = page(&t, &kefu, &format!("/engagements/{eid}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            html.contains("指派工程师") && html.contains("向客户建议日期") && html.contains("项目定向人员"),
            "{html}"
        );
        let (s, list) = page(&t, &kefu, &format!("/plan?state=open&kind=inspection&contract={id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(list.contains(&format!("/engagements/{eid}")), "the planner's list has it");

        // A form without the session's CSRF token changes nothing.
        let (s, _) = post(&t, &kefu, &format!("/engagements/{eid}/act"), "action=propose_date&date=2026-02-24").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let form = format!("csrf={}&action=propose_date&date=2026-02-24&version=1", kefu.csrf);
        let (s, _) = post(&t, &kefu, &format!("/engagements/{eid}/act"), &form).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        // A refused form shows the engagement again with the reason, under the API's status.
        let form = format!("csrf={}&action=agree_date&date=2027-03-01", kefu.csrf);
        let (s, html) = post(&t, &kefu, &format!("/engagements/{eid}/act"), &form).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(html.contains("日期须在本合同年度内"), "{html}");

        // The customer sees it waiting in the portal, with the year's quota use, and accepts.
        let cust = session(&t, "customer").await;
        let (_, portal) = page(&t, &cust, "/portal").await;
        assert!(portal.contains("待您确认") && portal.contains(&format!("/engagements/{eid}")), "{portal}");
        assert!(portal.contains("本合同年度额度使用"), "{portal}");
        let (s, html) = page(&t, &cust, &format!("/engagements/{eid}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("接受建议日期") && html.contains("2026-02-24"), "{html}");
        let form = format!("csrf={}&action=accept_date", cust.csrf);
        assert_eq!(post(&t, &cust, &format!("/engagements/{eid}/act"), &form).await.0, StatusCode::SEE_OTHER);
        let (_, e) = t.get("kefu", &format!("/api/v1/engagements/{eid}")).await;
        assert_eq!(e["engagement"]["state"], "date_agreed");
        // The other customer's contact finds nothing there.
        let other = session(&t, "customer2").await;
        assert_eq!(page(&t, &other, &format!("/engagements/{eid}")).await.0, StatusCode::NOT_FOUND);
        let form = format!("csrf={}&action=confirm", other.csrf);
        assert_eq!(post(&t, &other, &format!("/engagements/{eid}/act"), &form).await.0, StatusCode::NOT_FOUND);
    });
}

/// `fuwu plan generate --year`: after the demo (whose contracts planned
/// themselves when they were written) it creates nothing, however often it runs.
#[test]
fn the_operators_command_is_idempotent() {
    let dir = std::env::temp_dir().join(format!("fuwu-plan-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fuwu"))
            .arg("--data-dir")
            .arg(&dir)
            .args(args)
            .env_remove("FUWU_DATABASE_URL")
            .env_remove("FUWU_DATA_DIR")
            .output()
            .expect("run fuwu");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(run(&["migrate"]).0);
    let (ok, _, err) = run(&["demo"]);
    assert!(ok, "{err}");
    // The demo's contracts begin within the last two years of the day it was written.
    let year = fuwu::demo::demo_day(fuwu_app::Clock::system().now()).year();
    for y in [year - 1, year] {
        for _ in 0..2 {
            let (ok, out, err) = run(&["plan", "generate", "--year", &y.to_string()]);
            assert!(ok, "{err}");
            assert!(
                out.trim_end().ends_with(&format!("covering {y}")) && out.starts_with("0 engagement(s) created"),
                "{out}"
            );
        }
    }
    let (ok, _, err) = run(&["plan", "generate", "--year", "1999"]);
    assert!(!ok && err.contains("1999"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

both!(the_demo_holds_engagements_in_every_state, |t: TestApp| async move {
    let stats = fuwu::demo::fill_plans(&t.app).await.unwrap();
    assert!(stats.refused.is_empty(), "{:?}", stats.refused);
    for state in
        ["planned", "date_agreed", "in_progress", "report_submitted", "confirmed", "closed", "postponed", "cancelled"]
    {
        assert!(stats.by_state[state] > 0, "no demo engagement is {state}: {:?}", stats.by_state);
    }
    // The portal's customer has something to accept or confirm, and one beyond the quota waits for the manager.
    let (_, v) = t.get("customer", "/api/v1/engagements?over_quota=true&per_page=50").await;
    assert!(v["items"].as_array().unwrap().iter().any(|e| e["state"] == "closed"), "{v}");
    // What waits for the manager's approval, as the manager finds it.
    let (_, v) = t.get("manager", "/api/v1/engagements?over_quota=true&approved=false&open=true").await;
    assert!(v["total"].as_i64().unwrap() >= 1, "{v}");
    assert!(v["items"].as_array().unwrap().iter().all(|e| e["approved"] == false && e["over_quota"] == true));
});

both!(the_hotline_card_shows_this_years_quota_use, |t: TestApp| async move {
    let t = at(t, "2026-05-06T02:00:00Z");
    let id = contract_with_plan(&t, "HT-PLAN-201").await;
    let (s, v) = t.get("kefu", "/api/v1/lookup?q=HT-PLAN-201").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let uses = v["customers"][0]["plan_use"].as_array().unwrap();
    let mine = uses.iter().find(|u| u["contract_id"] == id).expect("the contract's use");
    let insp = mine["year"]["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "inspection").unwrap();
    assert_eq!(
        (insp["quota"].as_i64(), insp["delivered"].as_i64(), insp["remaining"].as_i64()),
        (Some(4), Some(0), Some(4))
    );
});

both!(the_dedicated_teams_lead_plans_and_its_other_engineers_do_not, |mut t: TestApp| async move {
    let id = contract_with_plan(&t, "HT-PLAN-301").await;
    let e = kinds(&t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await.1, "dr_drill")[0].clone();
    let eid = e["id"].as_i64().unwrap();
    let (_, team) = t.get("admin", &format!("/api/v1/teams/{}", e["team_id"])).await;
    let lead = team["lead_user_id"].as_i64().unwrap();
    let (_, members) = t.get("admin", &format!("/api/v1/users?team_id={}", e["team_id"])).await;
    let member =
        members["items"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).find(|u| *u != lead).unwrap();
    let lead = engineer_token(&mut t, lead).await;
    let member = engineer_token(&mut t, member).await;
    let window = json!({"action": "adjust_window", "window_start": "2026-09-01", "window_end": "2026-10-31"});
    assert_error(&act(&t, member, eid, window.clone()).await, StatusCode::FORBIDDEN, None);
    let (s, v) = act(&t, lead, eid, window).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["window_start"].as_str(), v["window_end"].as_str()), (Some("2026-09-01"), Some("2026-10-31")));
    let bad = json!({"action": "adjust_window", "window_start": "2026-11-01", "window_end": "2026-10-01"});
    assert_error(&act(&t, lead, eid, bad).await, StatusCode::CONFLICT, Some("window_end"));
    let (s, v) = act(&t, lead, eid, json!({"action": "agree_date", "date": "2026-09-15"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The member sees it (the team's customer) but may not plan it.
    let (_, d) = t.get(member, &format!("/api/v1/engagements/{eid}")).await;
    assert_eq!(d["available"], json!([]), "{d}");
});

/// In Chromium: a new contract shows its generated plan; the dedicated team's
/// lead assigns an engineer and proposes a date; the customer accepts it in
/// the portal; the engineer, on a 390×844 phone, starts and submits the
/// report; the customer confirms; the contract shows 1 of 4 inspections delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planned_services_in_chromium() {
    use crate::browser::{Browser, serve};
    let mut t = TestApp::new(crate::harness::Backend::Sqlite).await;
    // A contract begun a month ago, so its current contract year holds today (the portal's).
    let today = fuwu::demo::demo_day(t.app.clock.now());
    let start = today.checked_sub(jiff::Span::new().days(30)).unwrap();
    let end = start.checked_add(jiff::Span::new().years(1)).unwrap().checked_sub(jiff::Span::new().days(1)).unwrap();
    let level = json!({
        "code": "PLANB", "name": "巡检演练服务", "coverage": "5x8", "onsite_included": true,
        "targets": [
            {"priority": "P1", "response_minutes": 30, "resolution_minutes": 480},
            {"priority": "P2", "response_minutes": 60, "resolution_minutes": 960},
            {"priority": "P3", "response_minutes": 120, "resolution_minutes": 1920},
            {"priority": "P4", "response_minutes": 240, "resolution_minutes": 2880}],
        "quotas": {"inspections": 4, "dr_drills": 1}
    });
    let (_, l) = t.call("admin", "POST", "/api/v1/service-levels", Some(level)).await;
    let c = json!({"number": "HT-PLAN-B01", "customer_id": own_customer(&t).await, "service_level_id": l["id"],
        "start_date": start.to_string(), "end_date": end.to_string()});
    let (s, c) = t.call("kefu", "POST", "/api/v1/contracts", Some(c)).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    let plan = t.get("kefu", &format!("/api/v1/contracts/{id}/plan")).await.1;
    let first = kinds(&plan, "inspection")[0].clone();
    let eid = first["id"].as_i64().unwrap();
    let (_, team) = t.get("admin", &format!("/api/v1/teams/{}", first["team_id"])).await;
    let lead = engineer_token(&mut t, team["lead_user_id"].as_i64().unwrap()).await;

    let base = serve(&t).await;
    let mut b = Browser::start(&base).await;
    b.login("kefu", "fuwu-demo-2026").await;
    b.go(&format!("/records/contracts/{id}")).await;
    let text = b.text().await;
    assert!(text.contains("服务计划与额度使用") && text.contains("巡检") && text.contains("灾难演练"), "{text}");
    b.check("plan-contract").await;
    b.go("/plan").await;
    b.check("plan-list").await;
    b.logout().await;

    // The lead of the project's dedicated team plans it.
    b.login(lead, "fuwu-demo-2026").await;
    b.go(&format!("/engagements/{eid}")).await;
    b.check("plan-engagement-planned").await;
    b.action("assign").await;
    assert!(b.text().await.contains("提交报告") || b.text().await.contains("向客户建议日期"));
    b.action("propose_date").await;
    assert!(
        b.text().await.contains("（建议，待客户接受）") || b.text().await.contains("建议日期"),
        "{}",
        b.text().await
    );
    b.logout().await;

    // The customer accepts the proposed date in the portal.
    b.login("customer", "fuwu-demo-2026").await;
    b.go("/portal").await;
    assert!(b.text().await.contains("待您确认"), "{}", b.text().await);
    b.check("plan-portal").await;
    b.click(&format!("a[href='/engagements/{eid}']")).await;
    b.action("accept_date").await;
    assert!(b.text().await.contains("已约定日期"), "{}", b.text().await);
    b.logout().await;

    // The assigned engineer, on a phone.
    let (_, d) = t.get("kefu", &format!("/api/v1/engagements/{eid}")).await;
    let engineer = d["engagement"]["engineer_id"].as_i64().unwrap();
    let (_, u) = t.get("admin", &format!("/api/v1/users/{engineer}")).await;
    b.c.set_window_size(390, 844).await.expect("resize");
    b.login(u["login"].as_str().unwrap(), "fuwu-demo-2026").await;
    b.go(&format!("/engagements/{eid}")).await;
    b.action("start").await;
    b.open("submit_report").await;
    b.fill(
        "textarea[name=summary]",
        "八项检查完成：运行环境、版本、配置、网络、故障历史、备份容量均已检查，建议升级固件。",
    )
    .await;
    b.click("form:has(input[name=action][value=submit_report]) button[type=submit]").await;
    assert!(b.text().await.contains("报告待确认"), "{}", b.text().await);
    b.check("plan-engagement-reported").await;
    b.logout().await;
    b.c.set_window_size(1280, 900).await.expect("resize");

    b.login("customer", "fuwu-demo-2026").await;
    b.go(&format!("/engagements/{eid}")).await;
    b.action("confirm").await;
    assert!(b.text().await.contains("客户已确认"), "{}", b.text().await);
    b.go("/portal").await;
    assert!(b.text().await.contains("1 / 4"), "1 of 4 inspections delivered: {}", b.text().await);
    b.logout().await;
    b.login("kefu", "fuwu-demo-2026").await;
    b.go(&format!("/records/contracts/{id}")).await;
    assert!(b.text().await.contains("1 / 4"), "{}", b.text().await);
    b.stop().await;
}
