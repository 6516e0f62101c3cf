//! The customer's copy of a service report: the vendor header from settings,
//! the print page and the PDF (downloaded, and stored with the event when the
//! report is confirmed), read back as text with poppler's `pdftotext`.

use crate::both;
use crate::harness::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const NANJING_GOLD: i64 = 26;

/// Status, headers and raw body of a GET with a bearer token, or a session cookie for pages.
async fn fetch(t: &TestApp, auth: (&str, &str), path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let (name, value) = auth;
    let req = Request::get(path).header(name, value).body(Body::empty()).unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn bearer(t: &TestApp, who: &str) -> String {
    format!("Bearer {}", t.token(who))
}

/// The text of a PDF, by poppler's pdftotext.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("fuwu-pdf-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("r.pdf");
    std::fs::write(&file, pdf).unwrap();
    if let Ok(keep) = std::env::var("FUWU_KEEP_PDF") {
        let _ = std::fs::write(keep, pdf);
    }
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils) must be installed");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// An on-site event of the Nanjing customer with a visit and a submitted report.
async fn onsite_with_report(t: &TestApp) -> (i64, i64, Value) {
    let l1 = t.user_id("l1.nj1").await;
    let project = t.first(&format!("/api/v1/projects?customer_id={NANJING_GOLD}&sort=id")).await;
    let asset = t.first(&format!("/api/v1/assets?project_id={}", project["id"])).await;
    let (s, e) = t.call("kefu", "POST", "/api/v1/events", Some(json!({"kind": "fault", "asset_id": asset["id"], "title": "存储阵列控制器告警，业务卡顿", "impact": "significant", "urgency": "high"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let id = e["id"].as_i64().unwrap();
    for (who, body) in [
        ("kefu", json!({"action": "assign", "target": {"engineer_id": l1}})),
        ("l1.nj1", json!({"action": "accept"})),
        ("l1.nj1", json!({"action": "request_onsite"})),
        ("kefu", json!({"action": "approve"})),
    ] {
        let (s, v) = t.call(who, "POST", &format!("/api/v1/events/{id}/actions"), Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    for step in ["arrive", "depart"] {
        let (s, v) = t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/visit"), Some(json!({"step": step}))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let long = "三号盘位硬盘出现大量坏道导致阵列降级，控制器日志显示多次超时重试，业务读写延迟明显升高，".repeat(3);
    let (s, r) = t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/reports"), Some(json!({"kind": "service", "findings": long, "actions_taken": "更换硬盘并重建 RAID6，备份任务重跑成功", "parts_changed": ["4TB SAS 硬盘 ×1"], "versions_changed": ["控制器固件 V5.2.0 → V5.2.1"]}))).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    (id, r["id"].as_i64().unwrap(), asset)
}

both!(a_confirmed_reports_pdf_downloads_and_is_kept_with_the_event, |mut t: TestApp| async move {
    t.customer_login("cust26", NANJING_GOLD).await;
    let (s, v) = t.call("admin", "PUT", "/api/v1/settings/vendor", Some(json!({"name": "岚山存储服务（测试）", "hotline": "400-123-4567", "address": "南京市 · www.example.com", "logo": PNG}))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (id, rid, asset) = onsite_with_report(&t).await;
    let (s, signed) = t
        .call(
            "l1.nj1",
            "POST",
            &format!("/api/v1/events/{id}/reports/{rid}/signature"),
            Some(json!({"signer_name": "钱进", "signature": PNG})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{signed}");

    // Stored with the event, visible to the customer.
    let (_, d) = t.get("cust26", &format!("/api/v1/events/{id}")).await;
    let pdfs: Vec<&Value> = d["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["file_name"].as_str().unwrap().ends_with(".pdf"))
        .collect();
    assert_eq!(pdfs.len(), 1, "the confirmed copy is an attachment the customer sees: {}", d["attachments"]);
    assert!(pdfs[0]["file_name"].as_str().unwrap().starts_with("服务报告-"), "{}", pdfs[0]);
    let aid = pdfs[0]["id"].as_i64().unwrap();
    let (s, _, stored) =
        fetch(&t, ("authorization", &bearer(&t, "cust26")), &format!("/api/v1/events/{id}/attachments/{aid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(stored.starts_with(b"%PDF-"));

    // Downloaded through the API and the page route.
    let (s, h, pdf) =
        fetch(&t, ("authorization", &bearer(&t, "cust26")), &format!("/api/v1/events/{id}/reports/{rid}/pdf")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 200_000, "the font is subset: {} bytes", pdf.len());
    let site = t.call("admin", "GET", &format!("/api/v1/sites/{}", asset["site_id"]), None).await.1;
    let full = fuwu_core::divisions::full_name(site["city_code"].as_str().unwrap()).unwrap();
    let (_, customer) = t.get("admin", &format!("/api/v1/customers/{NANJING_GOLD}")).await;
    for text in [pdf_text(&pdf), pdf_text(&stored)] {
        let flat: String = text.split_whitespace().collect();
        for want in [
            "岚山存储服务（测试）",
            "400-123-4567",
            customer["name"].as_str().unwrap(),
            asset["serial_number"].as_str().unwrap(),
            "钱进",
            "4TBSAS硬盘×1",
            "控制器固件V5.2.0→V5.2.1",
        ] {
            let w: String = want.split_whitespace().collect();
            assert!(flat.contains(&w), "{want} in the PDF:\n{text}");
        }
        let addr: String =
            format!("{full}{}", site["address"].as_str().unwrap_or_default()).split_whitespace().collect();
        assert!(flat.contains(&addr), "the site's full address {addr} in the PDF:\n{text}");
        // The long Chinese findings wrap onto several lines, nothing lost.
        let findings: String = "三号盘位硬盘出现大量坏道导致阵列降级".to_owned();
        assert!(flat.contains(&findings), "{text}");
    }

    // Another customer, and a report of another event: as absent.
    let path = format!("/api/v1/events/{id}/reports/{rid}/pdf");
    assert_eq!(fetch(&t, ("authorization", &bearer(&t, "customer")), &path).await.0, StatusCode::NOT_FOUND);
    let other = fuwu_app::auth::login(&t.app, "customer", "fuwu-demo-2026", "test").await.unwrap();
    let (s, _, _) =
        fetch(&t, ("cookie", &format!("fuwu_session={}", other.token)), &format!("/events/{id}/reports/{rid}/pdf"))
            .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) =
        fetch(&t, ("authorization", &bearer(&t, "kefu")), &format!("/api/v1/events/{id}/reports/999999/pdf")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
});

both!(the_print_page_is_a_real_service_report, |t: TestApp| async move {
    let (id, rid, asset) = onsite_with_report(&t).await;
    let eng = fuwu_app::auth::login(&t.app, "l1.nj1", "fuwu-demo-2026", "test").await.unwrap();
    let cookie = format!("fuwu_session={}", eng.token);
    let (s, h, pdf) = fetch(&t, ("cookie", &cookie), &format!("/events/{id}/reports/{rid}/pdf")).await;
    assert_eq!((s, h[header::CONTENT_TYPE].to_str().unwrap()), (StatusCode::OK, "application/pdf"));
    assert!(pdf_text(&pdf).contains("客户尚未确认"), "an unconfirmed copy says so");
    let (s, _, html) = fetch(&t, ("cookie", &cookie), &format!("/events/{id}/reports/{rid}/print")).await;
    assert_eq!(s, StatusCode::OK);
    let html = String::from_utf8(html).unwrap();
    let vendor = fuwu_app::vendor::VendorSettings::default();
    assert!(html.contains(&vendor.name) && html.contains(&vendor.hotline), "the demo vendor header");
    assert!(html.contains(asset["serial_number"].as_str().unwrap()), "the serial");
    let site = t.call("admin", "GET", &format!("/api/v1/sites/{}", asset["site_id"]), None).await.1;
    let full = fuwu_core::divisions::full_name(site["city_code"].as_str().unwrap()).unwrap();
    assert!(html.contains(&full), "the site's full address: {full}");
    let (_, d) = t.get("l1.nj1", &format!("/api/v1/events/{id}")).await;
    let visit = d["work"].as_array().unwrap().iter().find(|w| w["kind"] == "visit").unwrap().clone();
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    for k in ["arrived_at", "departed_at"] {
        let at: jiff::Timestamp = visit[k].as_str().unwrap().parse().unwrap();
        let local = at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string();
        assert!(html.contains(&local), "{k} {local} on the print page");
    }
    assert!(html.contains(&format!("/events/{id}/reports/{rid}/pdf")), "a link to the PDF");

    // Vendor settings: staff read, admins write, bad logos named.
    assert_eq!(t.get("kefu", "/api/v1/settings/vendor").await.0, StatusCode::OK);
    let (s, _) = t.call("kefu", "PUT", "/api/v1/settings/vendor", Some(json!({"name": "x", "hotline": "1"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let bad = t
        .call(
            "admin",
            "PUT",
            "/api/v1/settings/vendor",
            Some(json!({"name": "x", "hotline": "1", "logo": "data:image/gif;base64,R0lGOD"})),
        )
        .await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("logo"));
    let bad = t.call("admin", "PUT", "/api/v1/settings/vendor", Some(json!({"name": " ", "hotline": "1"}))).await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("name"));
});

both!(a_copy_confirmed_through_the_link_is_kept_too, |t: TestApp| async move {
    let (id, rid, _) = onsite_with_report(&t).await;
    let (s, link) =
        t.call("l1.nj1", "POST", &format!("/api/v1/events/{id}/reports/{rid}/confirmation-link"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    let req = Request::post(format!("/api/v1/confirm/{}", link["token"].as_str().unwrap()))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"signer_name": "李敏"}).to_string()))
        .unwrap();
    let (s, _, done) = t.send(req).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let (_, d) = t.get("kefu", &format!("/api/v1/events/{id}")).await;
    let a = d["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["file_name"].as_str().unwrap().ends_with(".pdf"))
        .cloned();
    let a = a.expect("the PDF of the copy confirmed by link is attached");
    assert_eq!(a["uploaded_by"], t.user_id("l1.nj1").await, "kept under the report's author");
    let (s, _, pdf) =
        fetch(&t, ("authorization", &bearer(&t, "kefu")), &format!("/api/v1/events/{id}/attachments/{}", a["id"]))
            .await;
    assert_eq!(s, StatusCode::OK);
    let text = pdf_text(&pdf);
    assert!(text.contains("李敏") && text.contains("确认链接"), "{text}");
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_page_sets_the_header_and_logo() {
    let t = TestApp::new(Backend::Sqlite).await;
    let admin = fuwu_app::auth::login(&t.app, "admin", "fuwu-demo-2026", "test").await.unwrap();
    let cookie = format!("fuwu_session={}", admin.token);
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\xdac\xf8\x0f\0\0\x01\x01\x01\0\x18\xdd\x8d\xb0\0\0\0\0IEND\xaeB`\x82";
    let form = |logo: &[u8], name: &str| {
        let mut body = Vec::new();
        for (k, v) in
            [("csrf", admin.csrf.as_str()), ("name", name), ("hotline", "400-765-4321"), ("address", "测试地址")]
        {
            body.extend(format!("--XX\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
        }
        body.extend(b"--XX\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n");
        body.extend(logo);
        body.extend(b"\r\n--XX--\r\n");
        Request::post("/settings/vendor")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XX")
            .body(Body::from(body))
            .unwrap()
    };
    let resp = t.router.clone().oneshot(form(png, "新抬头科技（测试）")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, v) = t.get("kefu", "/api/v1/settings/vendor").await;
    assert_eq!((v["name"].as_str(), v["hotline"].as_str()), (Some("新抬头科技（测试）"), Some("400-765-4321")));
    assert!(v["logo"].as_str().unwrap().starts_with("data:image/png;base64,"));
    // Not an image: named in Chinese, nothing saved.
    let resp = t.router.clone().oneshot(form(b"GIF89a....", "别的名字")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(html.contains("field-error"), "{html}");
    assert_eq!(t.get("kefu", "/api/v1/settings/vendor").await.1["name"], "新抬头科技（测试）");
    // Customers do not read the settings through the API.
    let mut t = t;
    t.customer_login("cust26", NANJING_GOLD).await;
    assert_eq!(t.get("cust26", "/api/v1/settings/vendor").await.0, StatusCode::FORBIDDEN);
}
