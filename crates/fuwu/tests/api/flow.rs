//! The service-request flow end to end (SPEC §3), over HTTP, on both databases.

use crate::both;
use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// Customer 26 (demo index 25): Nanjing, GOLD 7×24 with on-site, in period; l1.nj1 installed its first project.
const NANJING_GOLD: i64 = 26;
/// Customer 6 (demo index 5): Wuhan, contract expired 2025-06-30.
const WUHAN_EXPIRED: i64 = 6;

async fn asset_of(t: &TestApp, customer: i64) -> (Value, Value) {
    let project = t.first(&format!("/api/v1/projects?customer_id={customer}&sort=id")).await;
    let asset = t.first(&format!("/api/v1/assets?project_id={}", project["id"])).await;
    (project, asset)
}

async fn record(t: &TestApp, who: &str, body: Value) -> Value {
    let (s, v) = t.call(who, "POST", "/api/v1/events", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn act(t: &TestApp, who: &str, id: &Value, body: Value) -> (StatusCode, Value) {
    t.call(who, "POST", &format!("/api/v1/events/{id}/actions"), Some(body)).await
}

async fn ok(t: &TestApp, who: &str, id: &Value, body: Value) -> Value {
    let (s, v) = act(t, who, id, body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{who} {body}: {v}");
    v
}

async fn fault(t: &TestApp, customer: i64, title: &str) -> Value {
    let (_, asset) = asset_of(t, customer).await;
    record(t, "kefu", json!({"kind": "fault", "asset_id": asset["id"], "title": title, "description": "客户来电：备份任务连续两晚失败，日志提示掉盘。", "impact": "significant", "urgency": "high"})).await
}

async fn journal_is_exact(t: &TestApp, id: &Value) {
    let diff = fuwu_app::events::queues::verify_journal(&t.app, id.as_i64().unwrap()).await.unwrap();
    assert_eq!(diff, None, "replaying the journal gives the stored event");
}

async fn notifications(t: &TestApp, who: &str) -> Vec<Value> {
    let (s, v) = t.get(who, "/api/v1/notifications?per_page=200").await;
    assert_eq!(s, StatusCode::OK);
    v["items"].as_array().unwrap().clone()
}

both!(hotline_event_onsite_signed_confirmed_and_closed, |mut t: TestApp| async move {
    t.customer_login("cust26", NANJING_GOLD).await;
    let l1 = t.user_id("l1.nj1").await;
    let (project, asset) = asset_of(&t, NANJING_GOLD).await;
    assert_eq!(project["implementation_engineer_id"], l1);
    let e = record(&t, "kefu", json!({"kind": "fault", "asset_id": asset["id"], "title": "存储阵列控制器告警，业务卡顿", "impact": "significant", "urgency": "high"})).await;
    let id = e["id"].clone();
    let year = fuwu::demo::demo_day(t.app.clock.now()).year();
    assert!(e["number"].as_str().unwrap().starts_with(&format!("FW-{year}-")), "{}", e["number"]);
    assert_eq!(
        (e["state"].as_str(), e["channel"].as_str(), e["priority"].as_str()),
        (Some("recorded"), Some("hotline"), Some("P2"))
    );
    assert_eq!(e["customer_id"], NANJING_GOLD);
    assert_eq!(e["project_id"], project["id"], "the project comes from the asset");
    assert_eq!(e["entitled"], true);
    assert_eq!(e["entitlement"]["in_period"], true);
    assert_eq!(e["entitlement"]["onsite_included"], true);
    let top = &e["routing"]["candidates"][0];
    assert_eq!(top["engineer_id"], l1);
    assert!(top["reasons"].as_array().unwrap().iter().any(|r| r == "implementation_engineer"), "{top}");

    let v = ok(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    assert_eq!((v["state"].as_str(), v["assignee_id"].as_i64()), (Some("assigned"), Some(l1)));
    assert!(notifications(&t, "l1.nj1").await.iter().any(|n| n["kind"] == "assigned" && n["event_id"] == id));
    ok(&t, "l1.nj1", &id, json!({"action": "accept"})).await;
    let v = ok(&t, "l1.nj1", &id, json!({"action": "request_onsite"})).await;
    assert_eq!((v["state"].as_str(), v["awaiting_approver"].as_str()), (Some("awaiting_approval"), Some("specialist")));
    assert!(notifications(&t, "kefu").await.iter().any(|n| n["kind"] == "approval_needed" && n["event_id"] == id));
    let (_, inbox) = t.get("kefu", "/api/v1/events?queue=approvals").await;
    assert!(inbox["items"].as_array().unwrap().iter().any(|e| e["id"] == id), "in the specialist's approvals queue");
    let v = ok(&t, "kefu", &id, json!({"action": "approve"})).await;
    assert_eq!(v["state"], "onsite", "the specialist checked the period and the on-site entitlement");

    let (s, w) = t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/work"), Some(json!({"kind": "visit", "planned_at": "2026-11-26T09:00:00+08:00", "arrived_at": "2026-11-26T09:20:00+08:00", "departed_at": "2026-11-26T12:05:00+08:00", "minutes": 165, "body": "更换故障硬盘，重建 RAID"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let bad_visit = t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/work"), Some(json!({"kind": "visit", "arrived_at": "2026-11-26T12:00:00+08:00", "departed_at": "2026-11-26T09:00:00+08:00"}))).await;
    assert_error(&bad_visit, StatusCode::UNPROCESSABLE_ENTITY, Some("departed_at"));

    let (s, r) = t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/reports"), Some(json!({"kind": "service", "findings": "3 号盘位硬盘坏道导致掉盘", "actions_taken": "更换硬盘并重建 RAID6，备份任务重跑成功", "parts_changed": ["4TB SAS 硬盘 ×1"]}))).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!((r["report_version"].as_i64(), r["state"].as_str()), (Some(1), Some("submitted")));
    let hash = r["content_hash"].as_str().unwrap().to_owned();
    let sig = json!({"signer_name": "钱进", "signature": PNG});
    let bad = t
        .call(
            "l1.nj1",
            "POST",
            &format!("/api/v1/events/{id}/reports/{}/signature", r["id"]),
            Some(json!({"signer_name": "钱进", "signature": "<svg>"})),
        )
        .await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("signature"));
    let (s, signed) = t
        .call("l1.nj1", "POST", &format!("/api/v1/events/{id}/reports/{}/signature", r["id"]), Some(sig.clone()))
        .await;
    assert_eq!(s, StatusCode::OK, "{signed}");
    assert_eq!(
        (signed["state"].as_str(), signed["signer_name"].as_str(), signed["content_hash"].as_str()),
        (Some("confirmed"), Some("钱进"), Some(hash.as_str()))
    );
    assert!(signed["signature"].as_str().unwrap().starts_with("data:image/png"));
    let again =
        t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/reports/{}/signature", r["id"]), Some(sig)).await;
    assert_eq!(again.0, StatusCode::CONFLICT, "a confirmed report is frozen");

    ok(&t, "l1.nj1", &id, json!({"action": "resolve", "resolution": "更换硬盘，业务恢复"})).await;
    let (s, v) = act(&t, "kefu", &id, json!({"action": "close"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["error"]["message"].as_str().unwrap().contains("confirmation"), "{v}");
    // The customer confirms in the portal; another customer cannot even see the event.
    assert_eq!(act(&t, "customer", &id, json!({"action": "confirm"})).await.0, StatusCode::NOT_FOUND);
    ok(&t, "cust26", &id, json!({"action": "confirm"})).await;
    let (s, v) = act(&t, "kefu", &id, json!({"action": "document"})).await;
    assert_error(&(s, v), StatusCode::UNPROCESSABLE_ENTITY, Some("article_id"));
    ok(&t, "kefu", &id, json!({"action": "document", "new_article": {"title": "DS-8600 掉盘处理", "body": "检查坏道，更换硬盘，重建 RAID6。", "tags": ["掉盘"]}})).await;
    let v = ok(&t, "kefu", &id, json!({"action": "close"})).await;
    assert_eq!(v["state"], "closed");
    assert!(v["closed_at"].is_i64());

    let (_, d) = t.get("cust26", &format!("/api/v1/events/{id}")).await;
    assert_eq!(d["journal"], json!([]), "customers do not see the internal journal");
    assert!(d["event"]["routing"].is_null());
    assert_eq!(d["reports"][0]["signature"], Value::Null);
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(
        (d["approvals"][0]["decision"].as_str(), d["approvals"][0]["approver"].as_str()),
        (Some("approved"), Some("specialist"))
    );
    assert_eq!(
        d["approvals"][0]["entitlement"]["in_period"], true,
        "the decision keeps the entitlement it was made on"
    );
    assert!(d["journal"].as_array().unwrap().len() >= 10);
    assert_eq!(d["available_actions"], json!([]));
    journal_is_exact(&t, &id).await;
});

both!(a_customer_calls_its_implementation_engineer_directly, |t: TestApp| async move {
    let e = record(&t, "l1.nj1", json!({"kind": "consultation", "customer_id": NANJING_GOLD, "title": "咨询：重删比下降的原因", "impact": "minor", "urgency": "low"})).await;
    let l1 = t.user_id("l1.nj1").await;
    assert_eq!(
        (e["channel"].as_str(), e["state"].as_str(), e["assignee_id"].as_i64()),
        (Some("direct"), Some("in_progress"), Some(l1))
    );
    // Visible to the service centre at once.
    let (_, open) = t.get("kefu", "/api/v1/events?queue=open").await;
    assert!(open["items"].as_array().unwrap().iter().any(|x| x["id"] == e["id"]));
    let (_, mine) = t.get("l1.nj1", "/api/v1/events?queue=mine").await;
    assert_eq!(mine["items"][0]["id"], e["id"]);
    journal_is_exact(&t, &e["id"]).await;
});

both!(l1_to_l2_then_l2_onsite_confirmed_by_the_manager, |t: TestApp| async move {
    let e = fault(&t, NANJING_GOLD, "双活链路切换失败").await;
    let id = e["id"].clone();
    let l1 = t.user_id("l1.nj1").await;
    let l2 = t.user_id("l2.1").await;
    ok(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    ok(&t, "l1.nj1", &id, json!({"action": "accept"})).await;
    assert_eq!(
        act(&t, "kefu", &id, json!({"action": "request_l2"})).await.0,
        StatusCode::FORBIDDEN,
        "L1 asks, not the specialist"
    );
    let v = ok(&t, "l1.nj1", &id, json!({"action": "request_l2", "reason": "需要二线分析双活仲裁日志"})).await;
    assert_eq!((v["state"].as_str(), v["awaiting_approver"].as_str()), (Some("awaiting_approval"), Some("specialist")));
    let (_, q) = t.get("kefu", "/api/v1/events?queue=approvals").await;
    assert!(q["items"].as_array().unwrap().iter().any(|x| x["id"] == id));
    assert_eq!(t.get("l1.nj1", "/api/v1/events?queue=approvals").await.1["total"], 0);
    assert_error(
        &act(&t, "kefu", &id, json!({"action": "approve"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("target.engineer_id"),
    );
    assert_error(
        &act(&t, "kefu", &id, json!({"action": "approve", "target": {"engineer_id": l1}})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("target.engineer_id"),
    );
    let v = ok(&t, "kefu", &id, json!({"action": "approve", "target": {"engineer_id": l2}})).await;
    assert_eq!(
        (v["state"].as_str(), v["tier"].as_str(), v["assignee_id"].as_i64()),
        (Some("assigned"), Some("L2"), Some(l2))
    );
    assert!(notifications(&t, "l2.1").await.iter().any(|n| n["kind"] == "assigned" && n["event_id"] == id));
    assert!(notifications(&t, "l1.nj1").await.iter().any(|n| n["kind"] == "approval_decided"));
    ok(&t, "l2.1", &id, json!({"action": "accept"})).await;
    // L2 may ask L3 for advice.
    let l3 = t.user_id("l3.1").await;
    assert_error(
        &act(&t, "l2.1", &id, json!({"action": "consult_l3", "expert_id": l1})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("expert_id"),
    );
    ok(&t, "l2.1", &id, json!({"action": "consult_l3", "expert_id": l3})).await;
    assert!(notifications(&t, "l3.1").await.iter().any(|n| n["kind"] == "consultation"));
    let v = ok(&t, "l2.1", &id, json!({"action": "request_onsite"})).await;
    assert_eq!(v["awaiting_approver"], "manager", "an L2 on-site trip needs the manager");
    assert_eq!(act(&t, "kefu", &id, json!({"action": "approve"})).await.0, StatusCode::FORBIDDEN);
    let (_, mq) = t.get("manager", "/api/v1/events?queue=approvals").await;
    assert!(mq["items"].as_array().unwrap().iter().any(|x| x["id"] == id));
    let v = ok(&t, "manager", &id, json!({"action": "approve"})).await;
    assert_eq!(v["state"], "onsite");
    let (_, d) = t.get("manager", &format!("/api/v1/events/{id}")).await;
    let decisions: Vec<&str> =
        d["approvals"].as_array().unwrap().iter().map(|a| a["decision"].as_str().unwrap()).collect();
    assert_eq!(decisions, vec!["approved", "approved"]);
    assert_eq!(d["approvals"][1]["decided_by"], t.user_id("manager").await);
    journal_is_exact(&t, &id).await;
});

both!(outside_the_service_period_is_a_special_case_for_the_manager, |mut t: TestApp| async move {
    t.login_as("l1.wh1").await;
    let wh = t.user_id("l1.wh1").await;
    let e = fault(&t, WUHAN_EXPIRED, "磁带库机械臂故障").await;
    let id = e["id"].clone();
    assert_eq!(e["entitled"], false, "recorded anyway, and marked");
    assert_eq!(e["entitlement"]["period"], "expired");
    ok(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": wh}, "reason": "武汉本地工程师"})).await;
    ok(&t, "l1.wh1", &id, json!({"action": "accept"})).await;
    let v = ok(&t, "l1.wh1", &id, json!({"action": "request_onsite"})).await;
    assert_eq!(v["awaiting_approver"], "manager");
    let (_, d) = t.get("manager", &format!("/api/v1/events/{id}")).await;
    assert_eq!(d["approvals"][0]["special_case"], true);
    assert_eq!(d["approvals"][0]["entitlement"]["period"], "expired", "the snapshot travels with the request");
    assert!(notifications(&t, "manager").await.iter().any(|n| n["kind"] == "approval_needed" && n["event_id"] == id));
    assert_eq!(act(&t, "kefu", &id, json!({"action": "approve"})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(ok(&t, "manager", &id, json!({"action": "approve"})).await["state"], "onsite");
});

both!(a_rejected_approval_returns_to_the_holder_with_the_reason, |t: TestApp| async move {
    let e = fault(&t, NANJING_GOLD, "备份速度慢").await;
    let id = e["id"].clone();
    let l1 = t.user_id("l1.nj1").await;
    ok(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    ok(&t, "l1.nj1", &id, json!({"action": "accept"})).await;
    ok(&t, "l1.nj1", &id, json!({"action": "request_l2"})).await;
    assert_error(
        &act(&t, "kefu", &id, json!({"action": "reject"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("reason"),
    );
    let v = ok(&t, "kefu", &id, json!({"action": "reject", "reason": "先检查网络带宽与并发设置"})).await;
    assert_eq!(
        (v["state"].as_str(), v["assignee_id"].as_i64(), v["tier"].as_str()),
        (Some("in_progress"), Some(l1), Some("L1"))
    );
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(d["approvals"][0]["decision"], "rejected");
    assert_eq!(d["approvals"][0]["decision_reason"], "先检查网络带宽与并发设置");
    assert!(notifications(&t, "l1.nj1").await.iter().any(|n| n["kind"] == "approval_decided" && n["event_id"] == id));
    // The specialist may pass an approval she cannot decide to the manager.
    ok(&t, "l1.nj1", &id, json!({"action": "request_l2"})).await;
    let v = ok(&t, "kefu", &id, json!({"action": "refer_to_manager"})).await;
    assert_eq!(v["awaiting_approver"], "manager");
    journal_is_exact(&t, &id).await;
});

both!(a_major_incident_tells_the_manager_at_once, |t: TestApp| async move {
    let (_, asset) = asset_of(&t, NANJING_GOLD).await;
    let e = record(&t, "kefu", json!({"kind": "fault", "asset_id": asset["id"], "title": "核心存储全部宕机，业务中断", "impact": "extensive", "urgency": "critical"})).await;
    assert_eq!((e["major"].as_bool(), e["priority"].as_str()), (Some(true), Some("P1")));
    let manager = t.user_id("manager").await;
    assert!(
        notifications(&t, "manager").await.iter().any(|n| n["kind"] == "major_incident" && n["event_id"] == e["id"])
    );
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{}", e["id"])).await;
    assert_eq!(d["told"][0]["user_id"], manager);
    assert!(d["told"][0]["at"].is_string());
    let (_, major) = t.get("manager", "/api/v1/events?queue=major").await;
    assert_eq!(major["items"][0]["id"], e["id"]);
    // Raised to the highest impact later: told then.
    let e2 = fault(&t, NANJING_GOLD, "备份失败").await;
    let before = notifications(&t, "manager").await.len();
    let v = ok(&t, "kefu", &e2["id"], json!({"action": "reclassify", "impact": "extensive"})).await;
    assert_eq!((v["major"].as_bool(), v["priority"].as_str()), (Some(true), Some("P1")));
    assert_eq!(notifications(&t, "manager").await.len(), before + 1);
    let (_, counts) = t.get("manager", "/api/v1/events/queues").await;
    let major_count =
        counts["items"].as_array().unwrap().iter().find(|q| q["queue"] == "major").unwrap()["count"].clone();
    assert_eq!(major_count, 2);
});

both!(reopen_after_resolution_and_close_needs_a_confirmed_report, |mut t: TestApp| async move {
    t.customer_login("cust26", NANJING_GOLD).await;
    let e = fault(&t, NANJING_GOLD, "管理界面无法登录").await;
    let id = e["id"].clone();
    let l1 = t.user_id("l1.nj1").await;
    ok(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    ok(&t, "l1.nj1", &id, json!({"action": "accept"})).await;
    ok(&t, "l1.nj1", &id, json!({"action": "request_onsite"})).await;
    ok(&t, "kefu", &id, json!({"action": "approve"})).await;
    let (s, _) = act(&t, "l1.nj1", &id, json!({"action": "resolve"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "on-site work needs a report first");
    let (_, r) = t
        .call(
            "l1.nj1",
            "POST",
            &format!("/api/v1/events/{id}/reports"),
            Some(json!({"kind": "service", "findings": "证书过期", "actions_taken": "更新证书"})),
        )
        .await;
    ok(&t, "l1.nj1", &id, json!({"action": "resolve"})).await;
    assert_error(
        &act(&t, "cust26", &id, json!({"action": "reopen"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("reason"),
    );
    let v = ok(&t, "cust26", &id, json!({"action": "reopen", "reason": "重启后又无法登录"})).await;
    assert_eq!(v["state"], "in_progress");
    assert!(notifications(&t, "l1.nj1").await.iter().any(|n| n["kind"] == "reopened"));
    ok(&t, "l1.nj1", &id, json!({"action": "resolve"})).await;
    // Unsigned report after on-site work: neither confirmation nor close.
    let (s, v) = act(&t, "cust26", &id, json!({"action": "confirm"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    ok(&t, "kefu", &id, json!({"action": "document", "no_article_reason": "已有同类文章"})).await;
    let (s, v) = act(&t, "kefu", &id, json!({"action": "close"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["error"]["message"].as_str().unwrap().contains("signature"), "{v}");
    // The contact confirms through a one-time link instead of signing.
    let (s, link) =
        t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/reports/{}/confirmation-link", r["id"]), None).await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    let token = link["token"].as_str().unwrap();
    let anon = |m: &str, body: Option<Value>| {
        let b = Request::builder().method(m).uri(format!("/api/v1/confirm/{token}"));
        match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        }
    };
    let (s, _, view) = t.send(anon("GET", None)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(view["content"]["findings"], "证书过期");
    let (s, _, done) = t.send(anon("POST", Some(json!({"signer_name": "钱进"})))).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["confirm_method"], "link");
    let (s, _, _) = t.send(anon("POST", Some(json!({"signer_name": "钱进"})))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a link works once");
    ok(&t, "cust26", &id, json!({"action": "confirm"})).await;
    assert_eq!(ok(&t, "kefu", &id, json!({"action": "close"})).await["state"], "closed");
    // A later change is a new version; the confirmed one is kept.
    journal_is_exact(&t, &id).await;
});

both!(reports_are_versioned_and_the_old_version_kept, |t: TestApp| async move {
    let e = record(&t, "l1.nj1", json!({"kind": "fault", "customer_id": NANJING_GOLD, "title": "快照失败", "impact": "moderate", "urgency": "medium"})).await;
    let id = e["id"].clone();
    let path = format!("/api/v1/events/{id}/reports");
    let post = |f: &'static str| {
        t.call("l1.nj1", "POST", &path, Some(json!({"kind": "service", "findings": f, "actions_taken": "处理"})))
    };
    let (_, r1) = post("第一版").await;
    t.call(
        "l1.nj1",
        "POST",
        &format!("/api/v1/events/{id}/reports/{}/signature", r1["id"]),
        Some(json!({"signer_name": "钱进", "signature": PNG})),
    )
    .await;
    let (_, r2) = post("第二版").await;
    assert_eq!(r2["report_version"], 2);
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let reports = d["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!((reports[0]["state"].as_str(), reports[0]["superseded"].as_bool()), (Some("confirmed"), Some(true)));
    assert_eq!(reports[0]["content"]["findings"], "第一版");
    assert_eq!(d["event"]["flow"]["report"], "submitted", "the new version needs a new confirmation");
    let old = t
        .call(
            "l1.nj1",
            "POST",
            &format!("/api/v1/events/{id}/reports/{}/signature", r1["id"]),
            Some(json!({"signer_name": "x", "signature": PNG})),
        )
        .await;
    assert_eq!(old.0, StatusCode::CONFLICT);
});

both!(two_people_at_once_one_wins, |t: TestApp| async move {
    let e = fault(&t, NANJING_GOLD, "并发测试").await;
    let id = e["id"].clone();
    let l1 = t.user_id("l1.nj1").await;
    ok(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    // Both act on the version they saw: one wins, the other gets 409.
    let seen = ok(&t, "kefu", &id, json!({"action": "reclassify", "urgency": "critical"})).await["version"].clone();
    let a = act(&t, "l1.nj1", &id, json!({"action": "accept", "version": seen}));
    let b = act(&t, "kefu", &id, json!({"action": "cancel", "reason": "重复记录", "version": seen}));
    let (ra, rb) = tokio::join!(a, b);
    let mut statuses = vec![ra.0, rb.0];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT], "{} / {}", ra.1, rb.1);
    // Two engineers' clicks on the same button: the second finds the event moved on.
    let e2 = fault(&t, NANJING_GOLD, "并发测试二").await;
    ok(&t, "kefu", &e2["id"], json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    let (r1, r2) = tokio::join!(
        act(&t, "l1.nj1", &e2["id"], json!({"action": "accept"})),
        act(&t, "l1.nj1", &e2["id"], json!({"action": "accept"}))
    );
    let mut statuses = vec![r1.0, r2.0];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT]);
    let (_, j) = t.get("kefu", &format!("/api/v1/events/{id}/journal")).await;
    let seqs: Vec<i64> = j["items"].as_array().unwrap().iter().map(|r| r["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "no journal row lost or duplicated");
    let actions: Vec<&str> = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .filter(|a| *a != "clock")
        .collect();
    assert_eq!(actions.len(), 4, "record, assign, reclassify, and the one action that won: {actions:?}");
    // A stale version is refused too.
    let stale = act(&t, "kefu", &id, json!({"action": "cancel", "reason": "x", "version": 1})).await;
    assert_error(&stale, StatusCode::CONFLICT, Some("version"));
    journal_is_exact(&t, &id).await;
});

both!(who_sees_which_events, |mut t: TestApp| async move {
    t.customer_login("cust26", NANJING_GOLD).await;
    t.login_as("l1.bj1").await;
    let mine = fault(&t, NANJING_GOLD, "南京客户的事件").await;
    let bj = t.user_id("l1.bj1").await;
    let beijing = fault(&t, 1, "北京客户的事件").await;
    ok(&t, "kefu", &beijing["id"], json!({"action": "assign", "target": {"engineer_id": bj}})).await;
    ok(&t, "kefu", &mine["id"], json!({"action": "assign", "target": {"engineer_id": t.user_id("l1.nj1").await}}))
        .await;
    assert_eq!(t.get("customer", &format!("/api/v1/events/{}", mine["id"])).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.get("cust26", &format!("/api/v1/events/{}", mine["id"])).await.0, StatusCode::OK);
    assert_eq!(t.get("l1.nj1", &format!("/api/v1/events/{}", beijing["id"])).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.get("l1.bj1", &format!("/api/v1/events/{}", beijing["id"])).await.0, StatusCode::OK);
    assert_eq!(t.get("cust26", "/api/v1/events").await.1["total"], 1);
    assert_eq!(t.get("partner1", "/api/v1/events").await.1["total"], 0);
    // An action on an invisible event is a 404, not a 403.
    assert_eq!(act(&t, "l1.nj1", &beijing["id"], json!({"action": "accept"})).await.0, StatusCode::NOT_FOUND);
    // A partner firm given an event sees it and may take it up.
    let (_, me) = t.get("partner1", "/api/v1/me").await;
    let firm = me["user"]["partner_id"].clone();
    ok(
        &t,
        "kefu",
        &beijing["id"],
        json!({"action": "assign", "target": {"partner_id": firm}, "reason": "合作伙伴就近支持"}),
    )
    .await;
    assert_eq!(t.get("partner1", "/api/v1/events?queue=mine").await.1["total"], 1);
    ok(&t, "partner1", &beijing["id"], json!({"action": "accept"})).await;
    assert_eq!(
        t.get("l1.bj1", &format!("/api/v1/events/{}", beijing["id"])).await.0,
        StatusCode::NOT_FOUND,
        "no longer the Beijing team's"
    );
});

both!(attachments_are_downloads_only_for_those_allowed, |mut t: TestApp| async move {
    t.customer_login("cust26", NANJING_GOLD).await;
    let e = fault(&t, NANJING_GOLD, "日志收集").await;
    let id = e["id"].clone();
    let upload = |who: &str, name: &str, internal: bool, body: Vec<u8>| {
        Request::post(format!("/api/v1/events/{id}/attachments?file_name={name}&internal={internal}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", t.token(who)))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(body))
            .unwrap()
    };
    let (s, _, pub_file) = t
        .send(upload(
            "cust26",
            "%E7%B3%BB%E7%BB%9F%E6%97%A5%E5%BF%97.html",
            true,
            b"<script>alert(1)</script>".to_vec(),
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{pub_file}");
    assert_eq!(pub_file["internal"], false, "customers cannot hide files");
    assert!(pub_file.get("stored_name").is_none());
    let (s, _, internal) = t.send(upload("kefu", "arbitration.log", true, b"internal analysis".to_vec())).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, v) = t.send(upload("kefu", "big.log", false, vec![b'x'; 300 * 1024])).await;
    assert_error(&(s, v), StatusCode::PAYLOAD_TOO_LARGE, None);

    let get = |who: &str, aid: &Value| {
        Request::get(format!("/api/v1/events/{id}/attachments/{aid}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", t.token(who)))
            .body(Body::empty())
            .unwrap()
    };
    let resp = tower::ServiceExt::oneshot(t.router.clone(), get("kefu", &pub_file["id"])).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    let cd = resp.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''%E7%B3%BB"), "{cd}");
    assert_eq!(t.send(get("cust26", &internal["id"])).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.send(get("customer", &pub_file["id"])).await.0, StatusCode::NOT_FOUND);
    let (_, d) = t.get("cust26", &format!("/api/v1/events/{id}")).await;
    assert_eq!(d["attachments"].as_array().unwrap().len(), 1);
});

both!(bad_event_input_is_named, |t: TestApp| async move {
    let (_, asset) = asset_of(&t, NANJING_GOLD).await;
    let before = t.get("admin", "/api/v1/events").await.1["total"].clone();
    let post = |body: Value| t.call("kefu", "POST", "/api/v1/events", Some(body));
    assert_error(
        &post(json!({"kind": "fault", "asset_id": asset["id"], "impact": "minor", "urgency": "low"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("title"),
    );
    assert_error(
        &post(json!({"kind": "fault", "asset_id": asset["id"], "title": " ", "impact": "minor", "urgency": "low"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("title"),
    );
    assert_error(
        &post(json!({"kind": "outage", "asset_id": asset["id"], "title": "x", "impact": "minor", "urgency": "low"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("kind"),
    );
    assert_error(&post(json!({"kind": "fault", "customer_id": 1, "asset_id": asset["id"], "title": "x", "impact": "minor", "urgency": "low"})).await, StatusCode::UNPROCESSABLE_ENTITY, Some("asset_id"));
    assert_error(
        &post(json!({"kind": "fault", "asset_id": 999999, "title": "x", "impact": "minor", "urgency": "low"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("asset_id"),
    );
    assert_error(
        &post(json!({"kind": "fault", "title": "x", "impact": "minor", "urgency": "low"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("customer_id"),
    );
    assert_error(&post(json!({"kind": "fault", "customer_id": 1, "title": "x", "impact": "minor", "urgency": "low", "dispatch": {"engineer_id": 999999}})).await, StatusCode::UNPROCESSABLE_ENTITY, Some("target.engineer_id"));
    let (s, v) = t
        .call(
            "l1.nj1",
            "POST",
            "/api/v1/events",
            Some(json!({"kind": "fault", "customer_id": 1, "title": "x", "impact": "minor", "urgency": "low"})),
        )
        .await;
    assert_error(&(s, v), StatusCode::UNPROCESSABLE_ENTITY, Some("customer_id"));
    assert_eq!(t.get("admin", "/api/v1/events").await.1["total"], before, "nothing written");
    let e = fault(&t, NANJING_GOLD, "x").await;
    assert_error(
        &act(&t, "kefu", &e["id"], json!({"action": "fly"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("action"),
    );
    assert_error(
        &act(&t, "kefu", &e["id"], json!({"action": "assign", "target": {"engineer_id": t.user_id("l1.bj1").await}}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("reason"),
    );
    assert_eq!(act(&t, "kefu", &e["id"], json!({"action": "resolve"})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(act(&t, "kefu", &e["id"], json!({"action": "close"})).await.0, StatusCode::CONFLICT);
    assert_error(&t.get("kefu", "/api/v1/events?queue=everything").await, StatusCode::BAD_REQUEST, Some("queue"));
    assert_error(&t.get("kefu", "/api/v1/events?colour=red").await, StatusCode::BAD_REQUEST, Some("colour"));
    let (s, v) = t.get("kefu", "/api/v1/events?state=recorded&priority=P2&sort=created_at").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["items"].as_array().unwrap().iter().all(|x| x["state"] == "recorded" && x["priority"] == "P2"));
});

both!(the_priority_matrix_is_the_admins, |t: TestApp| async move {
    let (_, m) = t.get("kefu", "/api/v1/settings/priority-matrix").await;
    assert_eq!(m["rows"][0][0], "P1");
    let mut changed = m.clone();
    changed["rows"][2][1] = json!("P2");
    assert_eq!(
        t.call("kefu", "PUT", "/api/v1/settings/priority-matrix", Some(changed.clone())).await.0,
        StatusCode::FORBIDDEN
    );
    let mut bad = m.clone();
    bad["rows"][3][0] = json!("P1");
    bad["rows"][2][0] = json!("P4");
    assert_eq!(
        t.call("admin", "PUT", "/api/v1/settings/priority-matrix", Some(bad)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(t.call("admin", "PUT", "/api/v1/settings/priority-matrix", Some(changed)).await.0, StatusCode::OK);
    let (_, asset) = asset_of(&t, NANJING_GOLD).await;
    let e = record(
        &t,
        "kefu",
        json!({"kind": "fault", "asset_id": asset["id"], "title": "x", "impact": "moderate", "urgency": "high"}),
    )
    .await;
    assert_eq!(e["priority"], "P2");
});

both!(a_resolution_asks_the_customer_to_confirm_and_rate, |mut t: TestApp| async move {
    t.customer_login("cust26", NANJING_GOLD).await;
    let l1 = t.user_id("l1.nj1").await;
    let e = fault(&t, NANJING_GOLD, "备份任务失败").await;
    let id = e["id"].clone();
    ok(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    ok(&t, "l1.nj1", &id, json!({"action": "accept"})).await;
    assert!(!notifications(&t, "cust26").await.iter().any(|n| n["kind"] == "resolved"), "nothing before");
    ok(&t, "l1.nj1", &id, json!({"action": "resolve", "resolution": "清理存储池并补做备份"})).await;
    let told = notifications(&t, "cust26").await;
    let n = told.iter().find(|n| n["kind"] == "resolved" && n["event_id"] == id).expect("the customer is told");
    assert!(n["title"].as_str().unwrap().contains("请确认并评价"), "{n}");
    // Another customer's people are not.
    assert!(!notifications(&t, "customer").await.iter().any(|n| n["event_id"] == id));
    // The notice leads to the portal page, where the customer confirms and then rates.
    ok(&t, "cust26", &id, json!({"action": "confirm"})).await;
    let (s, r) = t.call("cust26", "POST", &format!("/api/v1/events/{id}/rating"), Some(json!({"score": 5}))).await;
    assert_eq!(s, StatusCode::OK, "{r}");
});
