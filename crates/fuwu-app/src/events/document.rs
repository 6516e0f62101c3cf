//! The customer's copy of a service report: everything printed on it, gathered
//! once (the print page and the PDF both show exactly this), and the PDF of a
//! confirmed version stored as an attachment of the event when it is confirmed.

use super::{Event, journal, load, load_raw};
use crate::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use crate::vendor::VendorSettings;
use fuwu_core::role::Language;
use fuwu_store::crud;
use fuwu_store::{Conn, tables};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The site with its whole address.
#[derive(Debug, Clone, Serialize)]
pub struct DocSite {
    pub name: String,
    /// Province, city, district and street: `江苏省 南京市 江宁区 胜太路 88 号`.
    pub address: String,
}

/// The device worked on.
#[derive(Debug, Clone, Serialize)]
pub struct DocAsset {
    pub model: String,
    pub serial: String,
    pub hardware: String,
    pub software: String,
}

/// One visit on site.
#[derive(Debug, Clone, Serialize)]
pub struct DocVisit {
    pub engineer: String,
    /// Milliseconds since the epoch (UTC).
    pub arrived_at: Option<i64>,
    pub departed_at: Option<i64>,
}

/// The customer's confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct DocConfirmation {
    pub signer: String,
    pub at: i64,
    /// `signature`, `link` or `portal`.
    pub method: String,
    /// The signature drawn on the pad, as a PNG data URL.
    pub signature: Option<String>,
}

/// Everything on the customer's copy.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceReportDoc {
    pub vendor: VendorSettings,
    pub event_id: i64,
    pub report_id: i64,
    /// `service` or `fault`.
    pub kind: String,
    pub version: i64,
    pub number: String,
    pub title: String,
    pub customer: String,
    pub site: Option<DocSite>,
    /// The contact's name and first phone.
    pub contact: Option<String>,
    pub asset: Option<DocAsset>,
    pub engineers: Vec<String>,
    pub visits: Vec<DocVisit>,
    pub findings: String,
    pub actions_taken: String,
    pub parts: Vec<String>,
    pub versions: Vec<String>,
    /// The event's resolution, if any.
    pub result: Option<String>,
    pub confirmation: Option<DocConfirmation>,
    pub hash: String,
}

fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn lines(v: &Value, k: &str) -> Vec<String> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter().filter_map(Value::as_str).map(str::trim).filter(|x| !x.is_empty()).map(String::from).collect()
        })
        .unwrap_or_default()
}

fn rfc_ms(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_str).and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(|t| t.as_millisecond())
}

async fn user_name(conn: &mut Conn, id: i64) -> Result<Option<String>, AppError> {
    Ok(crud::get(conn, &tables::USER, id).await?.and_then(|u| u.get("name").and_then(Value::as_str).map(String::from)))
}

/// The copy of one report of a stored event, as `viewer` may see it (`None`: the customer's copy).
pub async fn build(
    conn: &mut Conn,
    viewer: Option<&Caller>,
    e: &Stored<Event>,
    report: &Map<String, Value>,
) -> Result<ServiceReportDoc, AppError> {
    let ctx = super::context::of_as(conn, viewer, e).await?;
    let r = Value::Object(report.clone());
    let content = r.get("content").cloned().unwrap_or(Value::Null);
    let mut engineers: Vec<String> = Vec::new();
    let add = |n: String, list: &mut Vec<String>| {
        if !n.trim().is_empty() && !list.contains(&n) {
            list.push(n);
        }
    };
    add(text(&content, "author_name"), &mut engineers);
    for id in content.get("engineers").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_i64) {
        if let Some(n) = user_name(conn, id).await? {
            add(n, &mut engineers);
        }
    }
    let mut visits = Vec::new();
    for w in super::work::children(conn, &tables::WORK_RECORD, e.id).await? {
        let w = Value::Object(w);
        if w.get("kind").and_then(Value::as_str) != Some("visit") || w.get("internal") == Some(&Value::Bool(true)) {
            continue;
        }
        let (arrived_at, departed_at) = (rfc_ms(&w, "arrived_at"), rfc_ms(&w, "departed_at"));
        if arrived_at.is_none() && departed_at.is_none() {
            continue;
        }
        let engineer = match w.get("author_id").and_then(Value::as_i64) {
            Some(id) => user_name(conn, id).await?.unwrap_or_default(),
            None => String::new(),
        };
        add(engineer.clone(), &mut engineers);
        visits.push(DocVisit { engineer, arrived_at, departed_at });
    }
    let confirmation = (r.get("state").and_then(Value::as_str) == Some("confirmed")).then(|| DocConfirmation {
        signer: text(&r, "signer_name"),
        at: r.get("confirmed_at").and_then(Value::as_i64).unwrap_or_default(),
        method: text(&r, "confirm_method"),
        signature: r
            .get("signature")
            .and_then(Value::as_str)
            .filter(|s| s.starts_with("data:image/png;base64,"))
            .map(String::from),
    });
    let vendor = crate::vendor::settings(conn).await?;
    Ok(ServiceReportDoc {
        vendor,
        event_id: e.id,
        report_id: r.get("id").and_then(Value::as_i64).unwrap_or_default(),
        kind: text(&r, "kind"),
        version: r.get("report_version").and_then(Value::as_i64).unwrap_or(1),
        number: e.data.number.clone(),
        title: e.data.title.clone(),
        customer: ctx.customer,
        site: ctx.site.map(|s| DocSite {
            name: s.name,
            address: [s.place, s.address.unwrap_or_default()]
                .into_iter()
                .filter(|x| !x.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        }),
        contact: ctx.contact.map(|p| match p.phones.first() {
            Some(ph) => format!("{} {ph}", p.name),
            None => p.name,
        }),
        asset: ctx.asset.map(|a| DocAsset {
            model: a.data.product_model,
            serial: a.data.serial_number,
            hardware: a.data.hardware_version.unwrap_or_default(),
            software: a.data.software_version.unwrap_or_default(),
        }),
        engineers,
        visits,
        findings: text(&content, "findings"),
        actions_taken: text(&content, "actions_taken"),
        parts: lines(&content, "parts_changed"),
        versions: lines(&content, "versions_changed"),
        result: e.data.resolution.clone().filter(|x| !x.trim().is_empty()),
        confirmation,
        hash: text(&r, "content_hash"),
    })
}

/// The customer's copy of report `report_id` of event `event_id`, for a caller
/// who may see the event (anyone else: 404, as for an absent id).
pub async fn of(app: &App, c: &Caller, event_id: i64, report_id: i64) -> Result<ServiceReportDoc, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let (e, _) = load(&mut conn, c, event_id).await?;
    let r = crud::get(&mut conn, &tables::REPORT, report_id).await?.ok_or(AppError::NotFound("report"))?;
    if r.get("event_id").and_then(Value::as_i64) != Some(event_id) {
        return Err(AppError::NotFound("report"));
    }
    build(&mut conn, Some(c), &e, &r).await
}

/// The copy as a PDF file, in the caller's language.
pub async fn pdf(app: &App, c: &Caller, event_id: i64, report_id: i64) -> Result<(String, Vec<u8>), AppError> {
    let doc = of(app, c, event_id, report_id).await?;
    let bytes = crate::pdf::render(&doc, c.user.data.language, &crate::pdf::china())?;
    Ok((file_name(&doc), bytes))
}

/// `服务报告-EV-20260501-0001-v1.pdf`.
pub fn file_name(doc: &ServiceReportDoc) -> String {
    let kind = if doc.kind == "fault" { "故障报告" } else { "服务报告" };
    format!("{kind}-{}-v{}.pdf", doc.number, doc.version)
}

/// Stores the PDF of a just-confirmed report as an attachment of its event,
/// on the connection of the confirming transaction; returns the file written,
/// for the caller to remove should the transaction not commit.
pub async fn attach_confirmed(
    conn: &mut Conn,
    now: jiff::Timestamp,
    files_dir: &Path,
    event_id: i64,
    report_id: i64,
    by: Option<i64>,
) -> Result<PathBuf, AppError> {
    let (e, _) = load_raw(conn, event_id).await?;
    let r = crud::get(conn, &tables::REPORT, report_id).await?.ok_or(AppError::NotFound("report"))?;
    let doc = build(conn, None, &e, &r).await?;
    let bytes = crate::pdf::render(&doc, Language::ZhCn, &crate::pdf::china())?;
    let name = file_name(&doc);
    let stored = crate::auth::new_secret("");
    tokio::fs::create_dir_all(files_dir)
        .await
        .map_err(|x| AppError::Internal(format!("cannot create {}: {x}", files_dir.display())))?;
    let path = files_dir.join(&stored);
    tokio::fs::write(&path, &bytes)
        .await
        .map_err(|x| AppError::Internal(format!("cannot write the report PDF: {x}")))?;
    let uploader = by.or_else(|| r.get("author_id").and_then(Value::as_i64)).unwrap_or_default();
    let row = json!({
        "event_id": event_id, "file_name": name, "stored_name": stored, "content_type": "application/pdf",
        "size": bytes.len(), "sha256": hex::encode(Sha256::digest(&bytes)), "internal": false, "uploaded_by": uploader,
    });
    let written = async {
        let Value::Object(row) = row else { return Err(AppError::Internal("not an object".into())) };
        let id = crud::insert(&mut *conn, &tables::ATTACHMENT, &row, now.as_millisecond()).await?;
        let what = json!({"attachment_id": id, "file_name": name, "report_id": report_id});
        journal(&mut *conn, now, event_id, by.map(fuwu_core::ids::UserId), "attachment", what, Map::new()).await?;
        Ok(())
    }
    .await;
    match written {
        Ok(()) => Ok(path),
        Err(err) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(err)
        }
    }
}
