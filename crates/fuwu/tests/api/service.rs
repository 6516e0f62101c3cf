//! Operations endpoints and the API's published contract.

use crate::both;
use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;

async fn text(t: &TestApp, path: &str) -> (StatusCode, String) {
    let resp =
        tower::ServiceExt::oneshot(t.router.clone(), Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let s = resp.status();
    (s, String::from_utf8_lossy(&resp.into_body().collect().await.unwrap().to_bytes()).into_owned())
}

both!(health_readiness_and_metrics, |t: TestApp| async move {
    assert_eq!(text(&t, "/healthz").await.0, StatusCode::OK);
    assert_eq!(text(&t, "/readyz").await.0, StatusCode::OK);
    t.get("kefu", "/api/v1/customers").await;
    let (s, m) = text(&t, "/metrics").await;
    assert_eq!(s, StatusCode::OK);
    assert!(m.contains("fuwu_http_requests_total{method=\"GET\",route=\"/api/v1/customers\",status=\"200\"} 1"), "{m}");
    assert!(m.contains("fuwu_http_request_duration_seconds_bucket"));
    assert!(m.contains("fuwu_mail_messages{state=\"failed\"} 0"), "{m}");
});

both!(sla_due_preview_through_the_api, |t: TestApp| async move {
    let (s, v) = t.get("kefu", "/api/v1/sla/due?start=2026-02-13T16:00:00%2B08:00&duration=4h").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["due"], "2026-02-14T11:00:00+08:00");
    assert_error(
        &t.get("kefu", "/api/v1/sla/due?start=2026-02-13T16:00:00%2B08:00&duration=soon").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("duration"),
    );
    assert_error(&t.get("kefu", "/api/v1/sla/due?duration=4h").await, StatusCode::BAD_REQUEST, Some("start"));
});

both!(administrators_add_a_new_year_and_their_own_calendars, |t: TestApp| async move {
    let before = t.get("kefu", "/api/v1/sla/due?start=2026-12-31T17:00:00%2B08:00&duration=2h").await.1;
    assert_eq!(before["due"], "2027-01-01T10:00:00+08:00", "2027 is not announced yet");
    let day = serde_json::json!({"date": "2027-01-01", "kind": "holiday", "name": "元旦"});
    assert_eq!(t.call("kefu", "POST", "/api/v1/holidays", Some(day.clone())).await.0, StatusCode::FORBIDDEN);
    let (s, v) = t.call("admin", "POST", "/api/v1/holidays", Some(day.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_error(&t.call("admin", "POST", "/api/v1/holidays", Some(day)).await, StatusCode::CONFLICT, Some("date"));
    let weekday_worked = serde_json::json!({"date": "2027-01-06", "kind": "adjusted_workday"});
    assert_error(
        &t.call("admin", "POST", "/api/v1/holidays", Some(weekday_worked)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("kind"),
    );
    let after = t.get("kefu", "/api/v1/sla/due?start=2026-12-31T17:00:00%2B08:00&duration=2h").await.1;
    assert_eq!(after["due"], "2027-01-04T10:00:00+08:00", "the added holiday counts at once, without a release");

    let day = |spans: &[&str]| spans.iter().map(|s| serde_json::json!(s)).collect::<Vec<_>>();
    let lunch = day(&["09:00-12:00", "13:30-18:00"]);
    let cal = serde_json::json!({"name": "午休日历", "time_zone": "Asia/Shanghai", "week": [lunch, lunch, lunch, lunch, lunch, [], []], "official_holidays": true});
    let mut bad = cal.clone();
    bad["week"][0] = serde_json::json!(["9-18"]);
    assert_error(
        &t.call("admin", "POST", "/api/v1/calendars", Some(bad)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("week"),
    );
    let mut reserved = cal.clone();
    reserved["name"] = serde_json::json!("5x8");
    assert_error(
        &t.call("admin", "POST", "/api/v1/calendars", Some(reserved)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("name"),
    );
    let (s, v) = t.call("admin", "POST", "/api/v1/calendars", Some(cal.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let created = v.clone();
    let (s, v) = t.get("kefu", "/api/v1/sla/due?start=2026-03-02T11:30:00%2B08:00&duration=1h&calendar=%E5%8D%88%E4%BC%91%E6%97%A5%E5%8E%86").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["due"], "2026-03-02T14:00:00+08:00");
    assert_error(
        &t.get("kefu", "/api/v1/sla/due?start=2026-03-02T11:30:00%2B08:00&duration=1h&calendar=nope").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("calendar"),
    );
    // A service level names only a calendar that exists, and a calendar in use keeps its name.
    let (_, level) = t.get("admin", "/api/v1/service-levels/1").await;
    let mut put = level.clone();
    for k in ["id", "created_at", "updated_at"] {
        put.as_object_mut().unwrap().remove(k);
    }
    put["calendar"] = serde_json::json!("没有的日历");
    assert_error(
        &t.call("admin", "PUT", "/api/v1/service-levels/1", Some(put.clone())).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("calendar"),
    );
    put["calendar"] = serde_json::json!("午休日历");
    let (s, b) = t.call("admin", "PUT", "/api/v1/service-levels/1", Some(put)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let v = created;
    let mut renamed = v.clone();
    for k in ["id", "created_at", "updated_at"] {
        renamed.as_object_mut().unwrap().remove(k);
    }
    renamed["name"] = serde_json::json!("改名日历");
    let cal_id = v["id"].as_i64().unwrap();
    assert_error(
        &t.call("admin", "PUT", &format!("/api/v1/calendars/{cal_id}"), Some(renamed)).await,
        StatusCode::CONFLICT,
        Some("name"),
    );
});

both!(openapi_documents_every_route, |t: TestApp| async move {
    let (s, body) = text(&t, "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/customers",
        "/api/v1/customers/{id}",
        "/api/v1/sites",
        "/api/v1/contacts",
        "/api/v1/projects",
        "/api/v1/assets",
        "/api/v1/contracts",
        "/api/v1/service-levels",
        "/api/v1/branches",
        "/api/v1/teams",
        "/api/v1/partners",
        "/api/v1/users",
        "/api/v1/users/{id}/password",
        "/api/v1/lookup",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/divisions",
        "/api/v1/audit",
        "/api/v1/events",
        "/api/v1/events/queues",
        "/api/v1/events/{id}",
        "/api/v1/events/{id}/actions",
        "/api/v1/events/{id}/journal",
        "/api/v1/events/{id}/routing",
        "/api/v1/events/{id}/work",
        "/api/v1/events/{id}/reports",
        "/api/v1/events/{id}/reports/{report_id}/signature",
        "/api/v1/events/{id}/reports/{report_id}/confirmation-link",
        "/api/v1/confirm/{token}",
        "/api/v1/events/{id}/attachments",
        "/api/v1/events/{id}/attachments/{attachment_id}",
        "/api/v1/notifications",
        "/api/v1/settings/priority-matrix",
        "/api/v1/sla/due",
        "/api/v1/calendars",
        "/api/v1/holidays",
    ] {
        assert!(paths.contains_key(p), "{p} undocumented");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in [
        "Customer",
        "Contract",
        "ServiceLevel",
        "ErrorBody",
        "LookupResult",
        "Entitlement",
        "Role",
        "Event",
        "Flow",
        "NewEvent",
        "ActionInput",
        "ActionKind",
        "PriorityMatrix",
    ] {
        assert!(schemas.contains_key(s), "schema {s} missing");
    }
    // Every $ref resolves.
    for r in body.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
    let (s, html) = text(&t, "/api/docs/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("swagger"), "viewer served from the binary");
    assert!(!html.contains("https://"), "nothing fetched from outside");
});

/// Sends a file of official days to the import, as `who`, with its media type.
async fn import_days(t: &TestApp, who: &str, ct: &str, body: Vec<u8>) -> (StatusCode, serde_json::Value) {
    use axum::http::header;
    use tower::ServiceExt;
    let req = Request::post("/api/v1/holidays/import")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.token(who)))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default())
}

both!(official_days_are_imported_from_the_published_file, |t: TestApp| async move {
    use axum::http::header;
    use tower::ServiceExt;
    let post = |who: &'static str, body: &'static str| import_days(&t, who, "text/csv", body.as_bytes().to_vec());
    let before = t.get("kefu", "/api/v1/sla/due?start=2026-12-31T17:00:00%2B08:00&duration=2h").await.1;
    assert_eq!(before["due"], "2027-01-01T10:00:00+08:00");
    // The administrator of November 2026 is told that 2027 is missing.
    let mut app = t.app.clone();
    app.clock = fuwu_store::clock::Clock::fixed("2026-11-15T10:00:00+08:00".parse().unwrap());
    let router = fuwu_web::router(app, fuwu_web::WebConfig { cookie_secure: true, ..Default::default() });
    let s = fuwu_app::auth::login(&t.app, "admin", "fuwu-demo-2026", "test").await.unwrap();
    let page = |router: axum::Router| {
        let req = Request::get("/settings/sla")
            .header(header::COOKIE, format!("fuwu_session={}", s.token))
            .body(Body::empty())
            .unwrap();
        async move {
            String::from_utf8_lossy(&router.oneshot(req).await.unwrap().into_body().collect().await.unwrap().to_bytes())
                .into_owned()
        }
    };
    assert!(page(router.clone()).await.contains("尚未录入 2027 年的法定节假日"), "the warning");

    assert_eq!(post("kefu", "date,kind\n2027-01-01,holiday\n").await.0, StatusCode::FORBIDDEN);
    let (s, v) = post("admin", "date,weekday,kind,holiday_en,holiday_zh,in_lieu_day\n2027-01-01,Fri,holiday,New Year's Day,元旦,no\n2027-13-01,Mon,holiday,x,x,no\n2027-02-08,Mon,adjusted_workday,x,x,no\n2027-02-09,Tue,off,x,x,no\n").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let lines: Vec<&str> =
        v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(lines, ["line 3", "line 4", "line 5"], "every bad line named");
    let same = t.get("kefu", "/api/v1/sla/due?start=2026-12-31T17:00:00%2B08:00&duration=2h").await.1;
    assert_eq!(same["due"], before["due"], "nothing taken from a file with a bad line");
    let (s, v) = post("admin", "date,weekday,kind,holiday_en,holiday_zh,in_lieu_day\n2027-01-01,Fri,holiday,New Year's Day,元旦,no\n2027-02-07,Sun,adjusted_workday,Spring Festival,春节,no\n").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["added"].as_i64(), v["years"].clone()), (Some(2), serde_json::json!([2027])));
    let after = t.get("kefu", "/api/v1/sla/due?start=2026-12-31T17:00:00%2B08:00&duration=2h").await.1;
    assert_eq!(after["due"], "2027-01-04T10:00:00+08:00", "the imported holiday counts at once");
    assert!(!page(router).await.contains("尚未录入 2027 年"), "the warning is gone");
});

both!(official_days_are_imported_from_an_excel_workbook, |t: TestApp| async move {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    // The published columns, a real date cell and a date typed as text, and one bad row.
    let book = |bad: bool| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["date", "weekday", "kind", "holiday_en", "holiday_zh", "in_lieu_day"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        let date = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_datetime_with_format(1, 0, ExcelDateTime::from_ymd(2027, 10, 1).unwrap(), &date).unwrap();
        ws.write_string(1, 2, "holiday").unwrap();
        ws.write_string(1, 4, "国庆节").unwrap();
        ws.write_string(2, 0, "2027-10-09").unwrap();
        ws.write_string(2, 2, "adjusted_workday").unwrap();
        if bad {
            ws.write_string(3, 0, "2027-10-40").unwrap();
            ws.write_string(3, 2, "holiday").unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    let post = |body: Vec<u8>| {
        import_days(&t, "admin", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body)
    };
    let (s, v) = post(book(true)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "line 4", "the bad row by its number in the sheet: {v}");
    let (s, v) = post(book(false)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["added"], 2, "{v}");
    // Thursday 30 September 17:00 + 2 working hours: 1 October is a holiday now, the 2nd and 3rd a weekend.
    let due = t.get("kefu", "/api/v1/sla/due?start=2027-09-30T17:00:00%2B08:00&duration=2h").await.1;
    assert_eq!(due["due"], "2027-10-04T10:00:00+08:00", "{due}");
    let (s, v) = post(b"not a workbook at all \xff".to_vec()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = post(b"PK\x03\x04broken".to_vec()).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unreadable_workbook")),
        "{v}"
    );
});
