//! Business calendars as the SLA clocks use them: the built-in 5×8 and 7×24, or
//! one an administrator defined; China's official days compiled in, plus the
//! years administrators add (an added day replaces a compiled one).

use crate::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use fuwu_core::calendar::{self, Calendar, CalendarDef, HolidayDay, Holidays};
use fuwu_core::records::Validate;
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::{Conn, tables};
use jiff::tz::TimeZone;

/// The official days with the administrators' additions.
pub async fn holidays(conn: &mut Conn) -> Result<Holidays, AppError> {
    let mut h = calendar::official().clone();
    let spec = ListSpec { limit: 100_000, no_count: true, ..Default::default() };
    for m in crud::list(conn, &tables::HOLIDAY, &spec).await?.0 {
        let day: Stored<HolidayDay> = Stored::from_map(m)?;
        if let Ok(d) = day.data.date.parse() {
            h.add(d, day.data.kind);
        }
    }
    Ok(h)
}

/// A calendar by name; an unknown name is a 422 on `field`.
pub async fn calendar(conn: &mut Conn, name: &str, field: &str) -> Result<Calendar, AppError> {
    let def = match CalendarDef::builtin(name) {
        Some(d) => d,
        None => {
            let spec = ListSpec {
                filters: vec![("name".into(), Val::Text(Some(name.to_owned())))],
                limit: 1,
                no_count: true,
                ..Default::default()
            };
            let m = crud::list(conn, &tables::CALENDAR, &spec).await?.0.into_iter().next().ok_or_else(|| {
                AppError::invalid(
                    field,
                    "unknown_calendar",
                    format!("{field}: no calendar named {name} (built in: 5x8, 7x24)"),
                )
            })?;
            let mut d: CalendarDef = Stored::from_map(m)?.data;
            d.check()?;
            d
        }
    };
    let tz =
        TimeZone::get(&def.time_zone).map_err(|_| AppError::Internal(format!("calendar {name}: unknown time zone")))?;
    def.build(tz, holidays(conn).await?).map_err(|e| AppError::invalid(field, "invalid_calendar", e.to_string()))
}

/// The due instant of a clock started at `start` with `duration` of working time, RFC 3339 with offset.
pub async fn preview(
    app: &App,
    c: Option<&Caller>,
    name: &str,
    start: &str,
    duration: &str,
) -> Result<String, AppError> {
    if let Some(c) = c {
        c.require(fuwu_core::access::Cap::ReadLevels)?;
    }
    let start: jiff::Timestamp = start.parse().map_err(|_| {
        AppError::invalid("start", "invalid_time", "start must be an RFC 3339 time, e.g. 2026-02-13T16:00:00+08:00")
    })?;
    let secs = calendar::parse_duration(duration)
        .ok_or_else(|| AppError::invalid("duration", "invalid_duration", "duration must look like 4h, 90m or 1h30m"))?;
    let mut conn = app.db.reader().acquire().await?;
    let cal = calendar(&mut conn, name, "calendar").await?;
    let due = cal.due(start, secs).map_err(|e| AppError::invalid("duration", "no_working_time", e.to_string()))?;
    Ok(due.to_zoned_datetime(cal.tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
}

/// What an import of official days did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OfficialDaysImport {
    /// Days added.
    pub added: usize,
    /// Days that replaced an administrator's earlier entry for the same date.
    pub replaced: usize,
    /// The years the file covered.
    pub years: Vec<i16>,
}

/// Imports a year's official days from a file in the data file's format: all or
/// nothing (every bad line named, in one 422), each day written through the
/// record service (validated, audited) in one transaction.
pub async fn import_official_days(app: &App, c: &Caller, file: &[u8]) -> Result<OfficialDaysImport, AppError> {
    c.require(crate::records::write_cap(&tables::HOLIDAY))?;
    let rows = crate::sheet::rows(file)?;
    let days = calendar::official_days_from_rows(&rows).map_err(|problems| {
        let mut errs = fuwu_core::FieldErrors::new();
        for (line, message) in problems.into_iter().take(50) {
            errs.add(format!("line {line}"), "invalid_line", message);
        }
        AppError::Invalid(errs)
    })?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (mut added, mut replaced) = (0, 0);
    let mut years = std::collections::BTreeSet::new();
    for day in days {
        if let Ok(d) = day.date.parse::<jiff::civil::Date>() {
            years.insert(d.year());
        }
        let spec = ListSpec {
            filters: vec![("date".into(), Val::Text(Some(day.date.clone())))],
            limit: 1,
            no_count: true,
            ..Default::default()
        };
        match crud::list(&mut tx, &tables::HOLIDAY, &spec).await?.0.into_iter().next() {
            Some(old) => {
                let id = old.get("id").and_then(serde_json::Value::as_i64).unwrap_or_default();
                let version = old.get("version").and_then(serde_json::Value::as_i64).unwrap_or(1);
                crate::records::update_in(&mut tx, now, Some(c), id, version, old, day).await?;
                replaced += 1;
            }
            None => {
                crate::records::create_in(&mut tx, now, Some(c), day).await?;
                added += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(OfficialDaysImport { added, replaced, years: years.into_iter().collect() })
}

/// The year whose official days are missing and due to be added (see
/// `calendar::missing_official_year`), for the administrator's warning.
pub async fn missing_official_year(app: &App) -> Result<Option<i16>, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let known = holidays(&mut conn).await?.years();
    Ok(calendar::missing_official_year(fuwu_core::entitlement::service_date(app.clock.now()), &known))
}
