//! Lists as files: a queue with its filters as an Excel workbook or a CSV, in
//! the reader's language, holding exactly what the list holds for that reader.

use crate::both;
use crate::harness::*;
use axum::http::{StatusCode, header};
use serde_json::json;

both!(a_queue_exports_to_excel_and_csv_as_the_list_shows_it, |mut t: TestApp| async move {
    t.customer_login("cust26", 26).await;
    for title in ["备份任务失败", "阵列控制器告警", "=cmd|' /C calc'!A0 掉盘"].iter() {
        let (s, v) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "customer_id": 26, "title": title, "impact": "moderate", "urgency": "medium"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (_, other) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "customer_id": 4, "title": "别家客户的事件", "impact": "minor", "urgency": "low"}))).await;
    let open = t.get("kefu", "/api/v1/events?queue=open&per_page=200").await.1;

    let (s, h, bytes) = t.bytes("kefu", "/api/v1/events/export?queue=open").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let disposition = h[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;") && disposition.contains(".xlsx"), "{disposition}");
    let rows = fuwu_app::sheet::rows(&bytes).unwrap();
    assert_eq!(rows[0].1[..3], ["编号", "标题", "客户"], "Chinese headers for a Chinese reader");
    assert_eq!(rows.len() as i64 - 1, open["total"].as_i64().unwrap(), "every event of the queue, no more");
    let created = rows[0].1.iter().position(|h| h == "登记时间").unwrap();
    assert!(rows[1].1[created].len() == 16 && rows[1].1[created].as_bytes()[4] == b'-', "a real date: {:?}", rows[1].1);

    // The customer's export holds its own events only, without routing or staff columns.
    let (s, _, bytes) = t.bytes("cust26", "/api/v1/events/export?format=csv").await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with('\u{feff}'), "a byte-order mark, so Excel reads the Chinese");
    assert!(text.contains("备份任务失败") && !text.contains("别家客户的事件"), "{text}");
    assert!(!text.contains("处理人") && !text.contains("小组"), "no staff columns for a customer: {text}");
    assert!(text.contains(",'=cmd|"), "a formula is written as text: {text}");
    let _ = other;

    for bad in ["format=pdf", "page=2", "nonsense=1", "format=csv&format=xlsx"] {
        let (s, v) = t.get("kefu", &format!("/api/v1/events/export?{bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
    }
});

both!(the_queue_page_offers_its_export_with_the_same_filters, |t: TestApp| async move {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let (s, v) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "customer_id": 26, "title": "只在 P1 里", "impact": "extensive", "urgency": "critical"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let login = fuwu_app::auth::login(&t.app, "kefu", "fuwu-demo-2026", "test").await.unwrap();
    let get = |path: String| {
        let req = Request::get(path)
            .header(header::COOKIE, format!("fuwu_session={}", login.token))
            .body(Body::empty())
            .unwrap();
        let router = t.router.clone();
        async move {
            let resp = router.oneshot(req).await.unwrap();
            let status = resp.status();
            (status, resp.into_body().collect().await.unwrap().to_bytes().to_vec())
        }
    };
    let (s, html) = get("/queues?queue=open&priority=P1".into()).await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(html).unwrap();
    let link =
        html.split("/queues/export?").nth(1).unwrap_or_default().split('"').next().unwrap_or_default().to_owned();
    assert!(
        html.contains("/queues/export?format=xlsx&amp;queue=open&#38;priority=P1"),
        "the link keeps the filters: {link}"
    );
    assert!(html.contains("导出 Excel") && html.contains("导出 CSV"));
    let (s, bytes) = get("/queues/export?format=csv&queue=open&priority=P1".into()).await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("只在 P1 里"), "{text}");
    assert!(text.lines().skip(1).all(|l| l.contains(",P1,")), "only P1, as the page shows: {text}");
});
