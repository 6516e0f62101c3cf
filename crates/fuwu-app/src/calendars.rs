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
