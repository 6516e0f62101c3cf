//! SLA clocks on events: started from the contract at intake, paused while
//! waiting on the customer, stopped when met, per tier after an escalation,
//! every change a journal row.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn act(t: &TestApp, who: &str, id: &Value, body: Value) -> Value {
    let (s, v) = t.call(who, "POST", &format!("/api/v1/events/{id}/actions"), Some(body.clone())).await;
    assert_eq!(s, StatusCode::OK, "{who} {body}: {v}");
    v
}

fn clock<'a>(d: &'a Value, scope: &str, kind: &str) -> &'a Value {
    d["clocks"].as_array().unwrap().iter().find(|c| c["scope"] == scope && c["kind"] == kind).unwrap_or(&Value::Null)
}

both!(clocks_follow_the_event, |t: TestApp| async move {
    // Customer 26: GOLD 7×24 (P2: response 30 min, on site 8 h, resolution 16 h).
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "时钟测试", "impact": "significant", "urgency": "high"}))).await;
    let id = e["id"].clone();
    assert_eq!(e["clocks"]["calendar"], "7x24");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(clock(&d, "customer", "response")["clock"]["target"], 30 * 60);
    assert_eq!(clock(&d, "customer", "resolution")["clock"]["target"], 16 * 3600);
    assert_eq!(clock(&d, "customer", "response")["reading"]["standing"], "running");
    assert!(clock(&d, "customer", "response")["reading"]["due"].is_string());

    let l1 = t.user_id("l1.nj1").await;
    act(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": l1}})).await;
    act(&t, "l1.nj1", &id, json!({"action": "accept"})).await;
    act(&t, "l1.nj1", &id, json!({"action": "wait_for_customer"})).await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(clock(&d, "customer", "response")["reading"]["standing"], "met");
    assert_eq!(clock(&d, "customer", "resolution")["reading"]["standing"], "paused");
    act(&t, "l1.nj1", &id, json!({"action": "customer_responded"})).await;
    // Raised to P1: the clocks are recomputed from the original start.
    act(&t, "kefu", &id, json!({"action": "reclassify", "urgency": "critical"})).await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(clock(&d, "customer", "resolution")["clock"]["target"], 8 * 3600);
    assert_eq!(
        clock(&d, "customer", "resolution")["clock"]["started_at"],
        clock(&d, "customer", "response")["clock"]["started_at"]
    );
    assert_eq!(
        clock(&d, "customer", "resolution")["clock"]["pauses"].as_array().unwrap().len(),
        1,
        "the pause is kept"
    );
    // Escalated to L2: the tier's own clocks start; the customer's run on.
    act(&t, "l1.nj1", &id, json!({"action": "request_l2"})).await;
    act(&t, "kefu", &id, json!({"action": "approve", "target": {"engineer_id": t.user_id("l2.1").await}})).await;
    act(&t, "l2.1", &id, json!({"action": "accept"})).await;
    act(&t, "l2.1", &id, json!({"action": "request_onsite"})).await;
    act(&t, "manager", &id, json!({"action": "approve"})).await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(clock(&d, "l2", "response")["reading"]["standing"], "met");
    assert_eq!(clock(&d, "l2", "resolution")["reading"]["standing"], "running");
    assert_eq!(clock(&d, "customer", "onsite")["reading"]["standing"], "running");
    let (s, _) = t
        .call(
            "l2.1",
            "POST",
            &format!("/api/v1/events/{id}/work"),
            Some(json!({"kind": "visit", "arrived_at": t.app.clock.now().to_string()})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert_eq!(clock(&d, "customer", "onsite")["reading"]["standing"], "met", "arrival stops the on-site clock");
    let clock_rows: Vec<String> = d["journal"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "clock")
        .map(|r| {
            format!(
                "{}:{}:{}",
                r["detail"]["change"].as_str().unwrap(),
                r["detail"]["scope"].as_str().unwrap(),
                r["detail"]["kind"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "start:customer:response",
        "stop:customer:response",
        "pause:customer:resolution",
        "resume:customer:resolution",
        "retarget:customer:resolution",
        "start:l2:response",
        "stop:l2:response",
        "start:customer:onsite",
        "stop:customer:onsite",
    ] {
        assert!(clock_rows.iter().any(|r| r == expected), "{expected} missing from {clock_rows:?}");
    }
    let diff = fuwu_app::events::queues::verify_journal(&t.app, id.as_i64().unwrap()).await.unwrap();
    assert_eq!(diff, None);
    let (_, direct) = t.call("l1.nj1", "POST", "/api/v1/events", Some(json!({"kind": "consultation", "customer_id": 26, "title": "直接来电", "impact": "minor", "urgency": "low"}))).await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{}", direct["id"])).await;
    assert_eq!(clock(&d, "customer", "response")["reading"]["standing"], "met", "the called engineer answered at once");
});

both!(the_sweeper_warns_then_escalates_a_breach, |t: TestApp| async move {
    use fuwu_app::events::sweep::sweep;
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "超时测试", "impact": "significant", "urgency": "high"}))).await;
    let id = e["id"].clone();
    act(&t, "kefu", &id, json!({"action": "assign", "target": {"engineer_id": t.user_id("l1.nj1").await}})).await;
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let start: jiff::Timestamp =
        clock(&d, "customer", "response")["clock"]["started_at"].as_str().unwrap().parse().unwrap();
    let at = |mins: i64| start.checked_add(jiff::SignedDuration::from_secs(mins * 60)).unwrap();
    // Nothing is due after 10 minutes of a 30-minute response target.
    let s = sweep(&t.app, at(10)).await.unwrap();
    assert_eq!((s.warnings, s.breaches), (0, 0));
    let s = sweep(&t.app, at(25)).await.unwrap();
    assert_eq!((s.warnings, s.breaches), (1, 0), "75 % of 30 minutes has passed");
    assert!(kinds(&t, "l1.nj1", &id).await.contains(&"sla_warning".to_owned()), "the engineer is warned first");
    assert!(!kinds(&t, "manager", &id).await.contains(&"sla_warning".to_owned()));
    let (_, risk) = t.get("kefu", "/api/v1/events?queue=at_risk").await;
    assert!(risk["items"].as_array().unwrap().iter().any(|e| e["id"] == id && e["sla_state"] == "warning"), "{risk}");
    let s = sweep(&t.app, at(31)).await.unwrap();
    assert_eq!((s.warnings, s.breaches), (0, 1));
    assert!(
        kinds(&t, "manager", &id).await.contains(&"sla_breach".to_owned()),
        "a breach reaches the department manager"
    );
    assert!(kinds(&t, "l1.nj1", &id).await.contains(&"sla_breach".to_owned()));
    let (_, risk) = t.get("manager", "/api/v1/events?queue=at_risk").await;
    assert!(risk["items"].as_array().unwrap().iter().any(|e| e["id"] == id && e["sla_state"] == "breached"), "{risk}");
    let again = sweep(&t.app, at(31)).await.unwrap();
    assert_eq!((again.warnings, again.breaches), (0, 0), "each warning and breach once");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    assert!(clock(&d, "customer", "response")["clock"]["breached_at"].is_string());
    let rows: Vec<&str> = d["journal"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "clock")
        .map(|r| r["detail"]["change"].as_str().unwrap())
        .collect();
    assert!(rows.contains(&"warning") && rows.contains(&"breach"), "{rows:?}");
    let diff = fuwu_app::events::queues::verify_journal(&t.app, id.as_i64().unwrap()).await.unwrap();
    assert_eq!(diff, None);
    // The next check is the resolution clock's warning, hours away.
    assert!(d["event"]["next_check_at"].as_i64().unwrap() > at(60).as_millisecond());
});

async fn kinds(t: &TestApp, who: &str, id: &Value) -> Vec<String> {
    let (_, v) = t.get(who, "/api/v1/notifications?per_page=200").await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["event_id"] == *id)
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

both!(the_warning_share_is_an_admin_setting, |t: TestApp| async move {
    use fuwu_app::events::sweep::sweep;
    let (s, _) = t.call("kefu", "PUT", "/api/v1/settings/sla", Some(json!({"warning_percent": 50}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, b) = t.call("admin", "PUT", "/api/v1/settings/sla", Some(json!({"warning_percent": 40}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["error"]["field"], "warning_percent", "{b}");
    let (_, cur) = t.get("kefu", "/api/v1/settings/sla").await;
    assert_eq!(cur["warning_percent"], 75, "the default");
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "预警比例", "impact": "significant", "urgency": "high"}))).await;
    let id = e["id"].clone();
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let start: jiff::Timestamp =
        clock(&d, "customer", "response")["clock"]["started_at"].as_str().unwrap().parse().unwrap();
    let at = |mins: i64| start.checked_add(jiff::SignedDuration::from_secs(mins * 60)).unwrap();
    // An earlier sweep has set the exact next check at 75 %; lowering the share brings it forward.
    assert_eq!(sweep(&t.app, at(16)).await.unwrap().warnings, 0, "75 % is 22.5 minutes");
    let (s, _) = t.call("admin", "PUT", "/api/v1/settings/sla", Some(json!({"warning_percent": 50}))).await;
    assert_eq!(s, StatusCode::OK);
    let s = sweep(&t.app, at(17)).await.unwrap();
    assert_eq!(s.warnings, 1, "50 % of the 30-minute response target has passed");
    // Figures for reports: one per clock, in working and wall time.
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let f = d["figures"].as_array().unwrap();
    assert!(f.iter().any(|x| x["kind"] == "response" && x["scope"] == "customer" && x["finished"] == false), "{f:?}");
    assert!(f.iter().all(|x| x["wall_seconds"].as_i64().unwrap() >= x["business_seconds"].as_i64().unwrap()));
});

both!(one_event_the_sweeper_cannot_check_does_not_stop_the_others, |t: TestApp| async move {
    use fuwu_app::events::sweep::sweep;
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let mut ids = Vec::new();
    for title in ["坏的计时", "好的计时"] {
        let (_, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": title, "impact": "significant", "urgency": "high"}))).await;
        ids.push(e["id"].as_i64().unwrap());
    }
    // The first event's clocks name a calendar that no longer exists (a broken row).
    let mut tx = t.app.db.begin().await.unwrap();
    let (stored, _) = fuwu_app::events::load_raw(&mut tx, ids[0]).await.unwrap();
    let mut clocks = serde_json::to_value(stored.data.clocks.unwrap()).unwrap();
    clocks["calendar"] = json!("no-such-calendar");
    sqlx::query("UPDATE events SET clocks = $1 WHERE id = $2")
        .bind(clocks.to_string())
        .bind(ids[0])
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{}", ids[1])).await;
    let start: jiff::Timestamp =
        clock(&d, "customer", "response")["clock"]["started_at"].as_str().unwrap().parse().unwrap();
    let s = sweep(&t.app, start.checked_add(jiff::SignedDuration::from_mins(25)).unwrap()).await.unwrap();
    assert_eq!((s.failed, s.warnings), (1, 1), "the good event is warned, the bad one set aside: {s:?}");
    let s = sweep(&t.app, start.checked_add(jiff::SignedDuration::from_mins(26)).unwrap()).await.unwrap();
    assert_eq!(s.failed, 0, "the bad one is tried again later, not at every sweep: {s:?}");
});
