//! The SLA sweeper: looks only at events whose `next_check_at` has come (an
//! indexed column), records warnings and breaches as journal rows, tells people
//! along the chain — the assigned engineer (or, unassigned, the service centre),
//! then at a breach also the team lead and the department managers — and sets
//! the exact next check. Several servers may sweep at once: an event changed by
//! another meanwhile is simply skipped (optimistic version).

use super::{Event, journal_clocks, load_raw, save_synced};
use crate::App;
use crate::error::AppError;
use crate::mail::{Notice, notify};
use fuwu_core::calendar::Calendar;
use fuwu_core::sla::{ClockKind, ClockNote, ClockScope, Recipient, deliver_at};
use fuwu_store::{crud, tables};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepStats {
    pub checked: usize,
    pub warnings: usize,
    pub breaches: usize,
    pub skipped: usize,
    /// Events that could not be checked (logged, tried again later).
    pub failed: usize,
}

const BATCH: i64 = 500;

/// The people behind the core's escalation chain for a clock change.
async fn recipients(conn: &mut fuwu_store::Conn, e: &Event, change: &str) -> Result<Vec<i64>, AppError> {
    let mut who: Vec<i64> = Vec::new();
    for r in fuwu_core::sla::escalation(change) {
        match r {
            Recipient::Holder => match e.assignee_id {
                Some(u) => who.push(u.0),
                None => who.extend(fuwu_store::events::users_with_role(conn, "specialist").await?),
            },
            Recipient::TeamLead => {
                if let Some(t) = e.team_id
                    && let Some(team) = crud::get(conn, &tables::TEAM, t.0).await?
                    && let Some(lead) = team.get("lead_user_id").and_then(Value::as_i64)
                {
                    who.push(lead);
                }
            }
            Recipient::Managers => who.extend(fuwu_store::events::users_with_role(conn, "manager").await?),
        }
    }
    who.sort();
    who.dedup();
    Ok(who)
}

/// The catalogue key of a clock notice: `notice.sla_warning.response` …
fn label(n: &ClockNote) -> String {
    let change = if n.change == "breach" { "sla_breach" } else { "sla_warning" };
    let kind = match n.kind {
        ClockKind::Response => "response",
        ClockKind::Onsite => "onsite",
        ClockKind::Resolution => "resolution",
    };
    format!("notice.{change}.{kind}")
}

/// Sweeps every event due for a check by `now`.
pub async fn sweep(app: &App, now: jiff::Timestamp) -> Result<SweepStats, AppError> {
    let mut stats = SweepStats::default();
    let mut calendars: HashMap<String, Calendar> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let share = {
        let mut conn = app.db.reader().acquire().await?;
        crate::sla::settings(&mut conn).await?.share()
    };
    loop {
        let ids = {
            let mut conn = app.db.reader().acquire().await?;
            fuwu_store::events::due_for_check(&mut conn, now.as_millisecond(), BATCH).await?
        };
        let fresh: Vec<i64> = ids.into_iter().filter(|i| seen.insert(*i)).collect();
        if fresh.is_empty() {
            return Ok(stats);
        }
        for id in fresh {
            stats.checked += 1;
            // Each event on its own: one that cannot be swept (a calendar gone, a
            // broken row) is logged and looked at again later, and the others go on.
            if let Err(e) = sweep_one(app, id, now, share, &mut calendars, &mut stats).await {
                tracing::warn!(event = id, error = %e, "the SLA sweep could not check an event; retrying later");
                stats.failed += 1;
                let later = now.as_millisecond() + RETRY_MS;
                let mut conn = app.db.begin().await?;
                fuwu_store::events::postpone_check(&mut conn, id, later).await?;
                conn.commit().await?;
            }
        }
    }
}

/// How long an event that could not be swept waits before the next try.
const RETRY_MS: i64 = 10 * 60 * 1000;

/// Sweeps one event in its own transaction.
async fn sweep_one(
    app: &App,
    id: i64,
    now: jiff::Timestamp,
    share: f64,
    calendars: &mut HashMap<String, Calendar>,
    stats: &mut SweepStats,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let (stored, before) = load_raw(&mut tx, id).await?;
    let mut event = stored.data.clone();
    let Some(set) = event.clocks.as_mut() else {
        event.sync();
        event.next_check_at = None;
        save_synced(&mut tx, now, &before, &mut event, None, "sla_check", json!({})).await?;
        tx.commit().await?;
        return Ok(());
    };
    if !calendars.contains_key(&set.calendar) {
        let cal = crate::calendars::calendar(&mut tx, &set.calendar, "calendar").await?;
        calendars.insert(set.calendar.clone(), cal);
    }
    let Some(cal) = calendars.get(&set.calendar) else { return Ok(()) };
    let notes = set.sweep(cal, now, share).map_err(|e| AppError::Internal(e.to_string()))?;
    let next = set.next_check(cal, now, share).map_err(|e| AppError::Internal(e.to_string()))?;
    event.sync();
    event.next_check_at = next.map(|t| t.as_millisecond());
    let action = if notes.is_empty() { "sla_check" } else { "sla_alert" };
    match save_synced(&mut tx, now, &before, &mut event, None, action, json!({"at": now.to_string()})).await {
        Ok(_) => {}
        Err(AppError::Conflict { .. }) => {
            stats.skipped += 1;
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    journal_clocks(&mut tx, now, id, None, &notes).await?;
    for n in &notes {
        let breach = n.change == "breach";
        if breach {
            stats.breaches += 1;
        } else {
            stats.warnings += 1;
        }
        let who = recipients(&mut tx, &event, n.change).await?;
        let kind = if breach { "sla_breach" } else { "sla_warning" };
        let mut notice = Notice::new(kind, &label(n), id, &event.number, &event.title);
        if n.scope == ClockScope::L2 {
            notice = notice.with_extra("notice.tier.l2");
        }
        // A 5×8 contract's notices wait for its working hours, unless the event is major.
        let at = deliver_at(cal, now, event.major).map_err(|e| AppError::Internal(e.to_string()))?;
        notice.not_before = (at > now).then(|| at.as_millisecond());
        notify(&mut tx, now, &who, &notice).await?;
    }
    tx.commit().await?;
    Ok(())
}
