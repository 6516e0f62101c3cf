//! The living demo: contracts relative to the day it is written, and six months
//! of history in every state, so a newcomer's queues and overview are full.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::Value;

both!(the_demo_has_six_months_of_history_in_every_state, |t: TestApp| async move {
    let h = fuwu::demo::fill_history(&t.app, 220).await.unwrap();
    assert!(h.refused.is_empty(), "every planned step fits the flow: {:#?}", h.refused);
    assert!(h.events >= 220, "{h:?}");
    for state in [
        "recorded",
        "assigned",
        "in_progress",
        "awaiting_approval",
        "onsite",
        "awaiting_customer",
        "resolved",
        "closed",
        "cancelled",
    ] {
        assert!(h.by_state.get(state).copied().unwrap_or(0) > 0, "some event is {state}: {:?}", h.by_state);
    }
    let closed = h.by_state["closed"];
    assert!(closed * 2 > h.events, "most of six months is done: {:?}", h.by_state);

    // Every demo login finds work in its queues.
    for login in ROLES {
        let (s, counts) = t.get(login, "/api/v1/events/queues").await;
        assert_eq!(s, StatusCode::OK, "{login}: {counts}");
        let some = counts["items"].as_array().unwrap().iter().any(|q| q["count"].as_i64().unwrap_or(0) > 0);
        assert!(some, "{login} has a non-empty queue: {counts}");
    }
    let (_, mine) = t.get("l1.nj1", "/api/v1/events?queue=mine").await;
    assert!(mine["total"].as_i64().unwrap() > 0, "the Nanjing engineer holds open work");
    let (_, mine) = t.get("partner1", "/api/v1/events?queue=mine").await;
    assert!(mine["total"].as_i64().unwrap() > 0, "the partner engineer holds open work");
    for login in ["customer", "customer2"] {
        let (_, list) = t.get(login, "/api/v1/events").await;
        assert!(list["total"].as_i64().unwrap() > 0, "{login} sees its own events in the portal");
    }
    let (_, major) = t.get("manager", "/api/v1/events?queue=major").await;
    assert!(major["total"].as_i64().unwrap() > 0, "a major incident is under way");
    let (_, approvals) = t.get("manager", "/api/v1/events?queue=approvals").await;
    assert!(approvals["total"].as_i64().unwrap() > 0, "something awaits approval");
    let (_, risk) = t.get("manager", "/api/v1/events?queue=at_risk").await;
    assert!(risk["total"].as_i64().unwrap() > 0, "some clocks are breaching or warned");

    // The manager's overview is populated.
    let m = fuwu_app::auth::user_by_login(&t.app, "manager").await.unwrap().unwrap();
    let mut conn = t.app.db.reader().acquire().await.unwrap();
    let manager = fuwu_app::users::caller_for(&mut conn, m.id).await.unwrap().unwrap();
    drop(conn);
    let o = fuwu_app::events::queues::overview(&t.app, &manager).await.unwrap();
    assert!(!o.by_priority.is_empty() && !o.by_tier.is_empty() && !o.by_branch.is_empty(), "{o:?}");

    // History is what the product writes: journals replay, closed on-site work carries a signed report.
    let (_, closed) = t.get("admin", "/api/v1/events?state=closed&per_page=60").await;
    let mut signed = 0;
    for e in closed["items"].as_array().unwrap() {
        let id = e["id"].as_i64().unwrap();
        assert_eq!(fuwu_app::events::queues::verify_journal(&t.app, id).await.unwrap(), None, "event {id}");
        let (_, d) = t.get("admin", &format!("/api/v1/events/{id}")).await;
        if d["event"]["flow"]["had_onsite"] == Value::Bool(true) {
            assert_eq!(d["event"]["flow"]["report"], "confirmed", "event {id}");
            signed += 1;
        }
        let created = e["created_at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let now = t.app.clock.now_ms();
        assert!(created <= now && now - created < 183 * 86_400_000, "within six months");
    }
    assert!(signed > 0, "some closed events had on-site work with a signed report");
});

both!(demo_contracts_are_relative_to_the_day_it_is_written, |t: TestApp| async move {
    let today = fuwu::demo::demo_day(t.app.clock.now()).to_string();
    let (_, list) = t.get("admin", "/api/v1/contracts?per_page=200").await;
    let items = list["items"].as_array().unwrap();
    let in_force = items
        .iter()
        .filter(|c| {
            c["start_date"].as_str().unwrap() <= today.as_str() && c["end_date"].as_str().unwrap() >= today.as_str()
        })
        .count();
    let expired = items.iter().filter(|c| c["end_date"].as_str().unwrap() < today.as_str()).count();
    assert!(
        in_force * 3 > items.len() * 2,
        "most contracts are in force today ({today}): {in_force} of {}",
        items.len()
    );
    assert!(expired > 0, "a few have expired");
    let soon = fuwu::demo::demo_day(t.app.clock.now()).checked_add(jiff::Span::new().days(30)).unwrap().to_string();
    assert!(
        items.iter().any(|c| {
            let end = c["end_date"].as_str().unwrap();
            end >= today.as_str() && end <= soon.as_str()
        }),
        "a few end within 30 days"
    );
});
