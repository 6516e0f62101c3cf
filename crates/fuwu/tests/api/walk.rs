//! Random walks through the API: whatever a mix of roles does, in whatever
//! order, nothing answers 5xx, every event's journal replays to its stored
//! state, and no event is closed without the process having been followed.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

both!(random_walks_keep_journal_and_guards, |mut t: TestApp| async move {
    t.customer_login("cust26", 26).await;
    let l1 = t.user_id("l1.nj1").await;
    let l2 = t.user_id("l2.1").await;
    let l3 = t.user_id("l3.1").await;
    let actors = ["kefu", "manager", "l1.nj1", "l2.1", "l3.1", "cust26", "customer", "partner1"];
    let seed = std::env::var("FUWU_WALK_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x9e37_79b9_7f4a_7c15u64);
    let mut rng = Rng(seed);
    let mut events: Vec<Value> = Vec::new();
    for i in 0..6 {
        let impact = ["extensive", "significant", "moderate", "minor"][i % 4];
        let (s, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "customer_id": 26, "title": format!("随机事件 {i}"), "impact": impact, "urgency": "high"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        events.push(e["id"].clone());
    }
    let mut counts = std::collections::BTreeMap::<u16, usize>::new();
    for _ in 0..400 {
        let id = events[rng.below(events.len())].clone();
        let who = actors[rng.below(actors.len())];
        // Mostly one of the actions the flow offers this actor now; sometimes anything at all.
        let names = [
            "assign",
            "accept",
            "request_onsite",
            "request_l2",
            "refer_to_manager",
            "approve",
            "reject",
            "consult_l3",
            "finish_onsite",
            "wait_for_customer",
            "customer_responded",
            "resolve",
            "confirm",
            "reopen",
            "document",
            "review",
            "reclassify",
            "close",
            "cancel",
        ];
        let (ds, d) = t.get(who, &format!("/api/v1/events/{id}")).await;
        // Cancelling ends a walk early: offer it rarely.
        let keep_cancel = rng.below(12) == 0;
        let offered: Vec<String> = if ds == StatusCode::OK {
            d["available_actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .filter(|a| keep_cancel || a != "cancel")
                .collect()
        } else {
            vec![]
        };
        let choice = if !offered.is_empty() && rng.below(5) != 0 {
            let a = &offered[rng.below(offered.len())];
            match a.as_str() {
                "submit_report" => 20,
                "confirm_report" => 21,
                other => names.iter().position(|n| *n == other).unwrap_or(1),
            }
        } else {
            rng.below(24)
        };
        let choice = if choice == 0 && who == "kefu" && rng.below(3) == 0 { 0 } else { choice };
        let (status, _) = match choice {
            0 => t.call(who, "POST", &format!("/api/v1/events/{id}/actions"), Some(json!({"action": "assign", "target": {"engineer_id": (if rng.below(2) == 0 { l1 } else { l2 })}, "reason": "随机"}))).await,
            20 => t.call(who, "POST", &format!("/api/v1/events/{id}/reports"), Some(json!({"kind": "service", "findings": "发现", "actions_taken": "处理"}))).await,
            21 => {
                let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
                match d["reports"].as_array().and_then(|r| r.last()) {
                    Some(r) => t.call(who, "POST", &format!("/api/v1/events/{id}/reports/{}/signature", r["id"]), Some(json!({"signer_name": "客户", "signature": PNG}))).await,
                    None => (StatusCode::NOT_FOUND, Value::Null),
                }
            }
            22 => t.call(who, "POST", &format!("/api/v1/events/{id}/work"), Some(json!({"kind": "note", "body": "随机备注", "internal": rng.below(2) == 0}))).await,
            _ => {
                let body = match choice {
                    1 => json!({"action": "accept"}),
                    2 => json!({"action": "request_onsite"}),
                    3 => json!({"action": "request_l2"}),
                    4 => json!({"action": "refer_to_manager"}),
                    5 => json!({"action": "approve", "target": {"engineer_id": l2}}),
                    6 => json!({"action": "reject", "reason": "不同意"}),
                    7 => json!({"action": "consult_l3", "expert_id": l3}),
                    8 => json!({"action": "finish_onsite"}),
                    9 => json!({"action": "wait_for_customer"}),
                    10 => json!({"action": "customer_responded"}),
                    11 => json!({"action": "resolve", "resolution": "已解决"}),
                    12 => json!({"action": "confirm"}),
                    13 => json!({"action": "reopen", "reason": "未解决"}),
                    14 => json!({"action": "document", "no_article_reason": "无需"}),
                    15 => json!({"action": "review", "review": {"cause": "原因", "timeline": "时间线", "actions": "改进"}}),
                    16 => json!({"action": "reclassify", "impact": (["extensive", "significant", "moderate", "minor"][rng.below(4)])}),
                    17 | 23 => json!({"action": "close"}),
                    18 => json!({"action": "cancel", "reason": "重复"}),
                    _ => json!({"action": "accept"}),
                };
                t.call(who, "POST", &format!("/api/v1/events/{id}/actions"), Some(body)).await
            }
        };
        assert!(matches!(status.as_u16(), 200 | 201 | 403 | 404 | 409 | 422), "unexpected {status}");
        *counts.entry(status.as_u16()).or_default() += 1;
    }
    assert!(counts.get(&200).copied().unwrap_or(0) > 20, "the walk moved events along: {counts:?}");
    let mut states = Vec::new();
    for id in &events {
        let diff = fuwu_app::events::queues::verify_journal(&t.app, id.as_i64().unwrap()).await.unwrap();
        assert_eq!(diff, None, "event {id}: replaying the journal gives the stored event");
        let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
        let f = &d["event"]["flow"];
        states.push(f["state"].as_str().unwrap_or_default().to_owned());
        if f["state"] == "closed" {
            assert_eq!(f["customer_confirmed"], true);
            assert_eq!(f["documented"], true);
            assert!(f["report"] == "submitted" || f["report"] == "confirmed");
            assert!(f["had_onsite"] == false || f["report"] == "confirmed");
            assert!(f["major"] == false || f["reviewed"] == true);
        }
        assert_eq!(f["pending"].is_null(), f["state"] != "awaiting_approval");
    }
    eprintln!("walk (seed {seed:#x}): answers {counts:?}, final states {states:?}");
});
