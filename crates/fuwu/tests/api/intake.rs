//! Intake under load goes through the group-commit writer: concurrent events
//! get distinct consecutive numbers and exact journals, and a write that fails
//! inside a batch changes nothing while the others succeed.

use crate::both;
use crate::harness::*;
use axum::http::StatusCode;
use serde_json::json;

both!(concurrent_intake_numbers_and_journals, |t: TestApp| async move {
    let asset = t.first("/api/v1/assets?customer_id=26").await;
    let calls = (0..40).map(|i| {
        let body = json!({"kind": "fault", "asset_id": asset["id"], "title": format!("并发来电 {i}"), "impact": "moderate", "urgency": "medium"});
        let (router, token) = (t.router.clone(), t.token("kefu"));
        async move {
            let req = axum::http::Request::post("/api/v1/events")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
            let status = resp.status();
            let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
            (status, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap())
        }
    });
    let results = futures_join_all(calls).await;
    let mut numbers: Vec<i64> = results
        .iter()
        .map(|(s, v)| {
            assert_eq!(*s, StatusCode::CREATED, "{v}");
            v["number"].as_str().unwrap().rsplit('-').next().unwrap().parse().unwrap()
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=40).collect::<Vec<i64>>(), "distinct, consecutive, no gaps");
    for (_, v) in &results {
        let diff = fuwu_app::events::queues::verify_journal(&t.app, v["id"].as_i64().unwrap()).await.unwrap();
        assert_eq!(diff, None);
    }
});

/// Runs the futures concurrently, each on its own task.
async fn futures_join_all<F>(fs: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

both!(a_failing_write_in_a_batch_changes_nothing_else, |t: TestApp| async move {
    use fuwu_app::events::intake::TargetInput;
    use fuwu_app::events::writer::{Job, start};
    let (_, e) = t
        .call(
            "kefu",
            "POST",
            "/api/v1/events",
            Some(json!({"kind": "fault", "customer_id": 26, "title": "模板", "impact": "minor", "urgency": "low"})),
        )
        .await;
    let template: fuwu_app::records::Stored<fuwu_app::events::Event> = serde_json::from_value(e.clone()).unwrap();
    let kefu = fuwu_app::auth::user_by_login(&t.app, "kefu").await.unwrap().unwrap();
    let caller = {
        let mut conn = t.app.db.reader().acquire().await.unwrap();
        fuwu_app::users::caller_for(&mut conn, kefu.id).await.unwrap().unwrap()
    };
    let writer = start(t.app.db.clone());
    let mut answers = Vec::new();
    for (i, bad) in [false, true, false].into_iter().enumerate() {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let mut event = template.data.clone();
        event.title = format!("批量 {i}");
        let dispatch =
            bad.then(|| TargetInput { engineer_id: Some(fuwu_core::ids::UserId(999_999)), ..Default::default() });
        writer.send(Job { caller: caller.clone(), event, dispatch, at: t.app.clock.now(), reply }).await.unwrap();
        answers.push(answer);
    }
    let mut outcomes = Vec::new();
    for a in answers {
        outcomes.push(a.await.unwrap());
    }
    assert!(outcomes[0].is_ok() && outcomes[2].is_ok());
    assert!(matches!(outcomes[1], Err(fuwu_app::AppError::Invalid(_))), "{:?}", outcomes[1].as_ref().err());
    let (_, all) = t.get("kefu", "/api/v1/events?q=批量").await;
    let titles: Vec<&str> = all["items"].as_array().unwrap().iter().map(|x| x["title"].as_str().unwrap()).collect();
    assert_eq!(all["total"], 2, "{titles:?}");
    assert!(!titles.contains(&"批量 1"));
});
