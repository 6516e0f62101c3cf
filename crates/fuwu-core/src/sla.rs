//! SLA clocks: a target of working time on a calendar, started at a moment,
//! paused while the event waits on the customer, stopped when met. Paused
//! working time is recorded and never counted, also when the target is
//! recomputed (priority or contract changed) from the original start.

use crate::calendar::{Calendar, CalendarError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a clock measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// First engineer response.
    Response,
    /// Engineer on site.
    Onsite,
    /// Service restored.
    Resolution,
}

/// A clock's stored facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Clock {
    pub kind: ClockKind,
    /// Target, in seconds of working time.
    pub target: i64,
    #[schema(value_type = String)]
    pub started_at: Timestamp,
    /// Completed pauses, `[from, to)`.
    #[schema(value_type = Vec<Vec<String>>)]
    pub pauses: Vec<(Timestamp, Timestamp)>,
    #[schema(value_type = Option<String>)]
    pub paused_since: Option<Timestamp>,
    #[schema(value_type = Option<String>)]
    pub stopped_at: Option<Timestamp>,
    /// When the warning share was reached (recorded by the sweeper).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub warned_at: Option<Timestamp>,
    /// When the target was exceeded (recorded by the sweeper).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub breached_at: Option<Timestamp>,
    /// Stopped because the event was cancelled: neither met nor breached.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cancelled: bool,
}

/// A clock's standing at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Running,
    Paused,
    /// Warning share reached, not yet breached.
    Warning,
    Breached,
    /// Stopped within the target.
    Met,
    /// Stopped after the target.
    MetLate,
    /// The event was cancelled: the clock counts neither as met nor as breached.
    Cancelled,
}

/// What a clock shows at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reading {
    pub standing: Standing,
    /// Working seconds counted so far (pauses excluded).
    pub used: i64,
    /// Working seconds paused so far.
    pub paused: i64,
    /// Working seconds left (negative when breached).
    pub remaining: i64,
    /// When the target runs out, if the clock runs on from now (none while paused or stopped).
    #[schema(value_type = Option<String>)]
    pub due: Option<Timestamp>,
    /// When the warning share is reached, likewise.
    #[schema(value_type = Option<String>)]
    pub warn_at: Option<Timestamp>,
}

/// Why a clock operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the clock is stopped")]
    Stopped,
    #[error("the clock is already paused")]
    AlreadyPaused,
    #[error("the clock is not paused")]
    NotPaused,
    #[error("a clock cannot go back in time")]
    BeforeStart,
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl Clock {
    pub fn start(kind: ClockKind, target: i64, at: Timestamp) -> Clock {
        Clock {
            kind,
            target,
            started_at: at,
            pauses: Vec::new(),
            paused_since: None,
            stopped_at: None,
            warned_at: None,
            breached_at: None,
            cancelled: false,
        }
    }

    fn last_change(&self) -> Timestamp {
        self.pauses.last().map_or(self.started_at, |p| p.1).max(self.paused_since.unwrap_or(self.started_at))
    }

    fn check_open(&self, at: Timestamp) -> Result<(), ClockError> {
        if self.stopped_at.is_some() {
            return Err(ClockError::Stopped);
        }
        if at < self.last_change() {
            return Err(ClockError::BeforeStart);
        }
        Ok(())
    }

    pub fn pause(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check_open(at)?;
        if self.paused_since.is_some() {
            return Err(ClockError::AlreadyPaused);
        }
        self.paused_since = Some(at);
        Ok(())
    }

    pub fn resume(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check_open(at)?;
        let from = self.paused_since.take().ok_or(ClockError::NotPaused)?;
        self.pauses.push((from, at));
        Ok(())
    }

    /// Stops the clock (met); a paused clock stops at its pause.
    pub fn stop(&mut self, at: Timestamp) -> Result<(), ClockError> {
        self.check_open(at)?;
        if let Some(from) = self.paused_since.take() {
            self.pauses.push((from, at));
        }
        self.stopped_at = Some(at);
        Ok(())
    }

    /// A new target (priority or contract changed), counted from the original start.
    pub fn retarget(&mut self, target: i64) {
        self.target = target;
    }

    /// The clock at a moment under a calendar, warning at `warn_share` (e.g. 0.75).
    pub fn read(&self, cal: &Calendar, now: Timestamp, warn_share: f64) -> Result<Reading, ClockError> {
        let end = self.stopped_at.map_or(now, |s| s.min(now)).max(self.started_at);
        let mut paused = 0;
        for (a, b) in &self.pauses {
            paused += cal.elapsed(*a.min(&end), *b.min(&end))?;
        }
        if let Some(p) = self.paused_since {
            paused += cal.elapsed(p.min(end), end)?;
        }
        let used = cal.elapsed(self.started_at, end)? - paused;
        let remaining = self.target - used;
        let warn_used = ((self.target as f64) * warn_share).ceil() as i64;
        let running = self.stopped_at.is_none() && self.paused_since.is_none();
        let (due, warn_at) = if running {
            (
                Some(if remaining >= 0 { cal.due(end, remaining)? } else { self.used_up_at(cal, end)? }),
                (warn_used > used).then(|| cal.due(end, warn_used - used)).transpose()?,
            )
        } else {
            (None, None)
        };
        let standing = match (self.stopped_at, self.paused_since) {
            (Some(_), _) if self.cancelled => Standing::Cancelled,
            (Some(_), _) if remaining >= 0 => Standing::Met,
            (Some(_), _) => Standing::MetLate,
            _ if remaining < 0 || (remaining == 0 && self.target > 0) => Standing::Breached,
            (None, Some(_)) => Standing::Paused,
            _ if used >= warn_used => Standing::Warning,
            _ => Standing::Running,
        };
        Ok(Reading { standing, used, paused, remaining, due, warn_at })
    }
}

impl Clock {
    /// When a clock that has run past its target reached it: the instant its
    /// working time (pauses left out) came to the target — the due time that
    /// passed, so a breach reads as how late it is, not as due now.
    fn used_up_at(&self, cal: &Calendar, end: Timestamp) -> Result<Timestamp, ClockError> {
        let mut acc = 0;
        let mut from = self.started_at;
        let mut spans: Vec<(Timestamp, Timestamp)> = Vec::new();
        for (a, b) in &self.pauses {
            spans.push((from, (*a).min(end).max(from)));
            from = (*b).max(from);
        }
        spans.push((from, end.max(from)));
        for (a, b) in spans {
            let used = cal.elapsed(a, b)?;
            if acc + used >= self.target {
                return Ok(cal.due(a, self.target - acc)?);
            }
            acc += used;
        }
        Ok(end)
    }

    /// A resolved event reopened: the time it stood resolved is not counted.
    pub fn reopen(&mut self, at: Timestamp) {
        if let Some(stopped) = self.stopped_at.take() {
            self.pauses.push((stopped, at.max(stopped)));
        }
    }

    fn running(&self) -> bool {
        self.stopped_at.is_none() && self.paused_since.is_none()
    }
}

/// Which clock: the customer's (contract) or a tier's own (OLA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockScope {
    Customer,
    L2,
}

/// One clock of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventClock {
    pub scope: ClockScope,
    pub clock: Clock,
}

/// An event's clocks and the calendar they run on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ClockSet {
    pub calendar: String,
    pub clocks: Vec<EventClock>,
}

/// Targets for the event's priority, in seconds of working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub response: i64,
    pub onsite: Option<i64>,
    pub resolution: i64,
}

/// Who is told of a clock's warning or breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The engineer holding the event; while unassigned, the service centre's specialists.
    Holder,
    /// The lead of the team holding the event.
    TeamLead,
    /// Every department manager.
    Managers,
}

/// The escalation chain: a warning goes to the holder; a breach also to the
/// team lead and the department managers.
pub fn escalation(change: &str) -> &'static [Recipient] {
    match change {
        "warning" => &[Recipient::Holder],
        "breach" => &[Recipient::Holder, Recipient::TeamLead, Recipient::Managers],
        _ => &[],
    }
}

/// The warning share when an administrator has set none: 75 % of the target.
pub const DEFAULT_WARN_PERCENT: i64 = 75;
/// The lowest warning share an administrator may set. Saves schedule the first
/// check at this share of the target (a calendar-free lower bound), so any
/// share at or above it is never checked too late.
pub const MIN_WARN_PERCENT: i64 = 50;
/// The highest warning share (a warning at 100 % would be the breach itself).
pub const MAX_WARN_PERCENT: i64 = 95;

/// Checks an administrator's warning share, in percent.
pub fn warn_share(percent: i64) -> Option<f64> {
    (MIN_WARN_PERCENT..=MAX_WARN_PERCENT).contains(&percent).then(|| percent as f64 / 100.0)
}

/// When a clock's notice may go out: at once for a major incident or a calendar
/// that is working now (7×24 always is); otherwise at the start of the
/// contract's next working time, so a 5×8 customer's escalation mails are not
/// sent at midnight or on a holiday.
pub fn deliver_at(cal: &Calendar, now: Timestamp, major: bool) -> Result<Timestamp, ClockError> {
    if major { Ok(now) } else { Ok(cal.next_working(now)?) }
}

/// One clock's figures, for reports: how long it took (or has taken so far) in
/// working time and in wall time, and whether the target was met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Figure {
    pub scope: ClockScope,
    pub kind: ClockKind,
    /// The target, working seconds.
    pub target: i64,
    /// Working seconds counted (pauses excluded), until the stop or `now`.
    pub business_seconds: i64,
    /// Wall-clock seconds from start to stop (or `now`), pauses included.
    pub wall_seconds: i64,
    /// Working seconds spent paused (waiting on the customer).
    pub paused_seconds: i64,
    /// `Some(true)` met, `Some(false)` breached (stopped late or still running past the target), `None` still running within it.
    pub met: Option<bool>,
    pub finished: bool,
}

/// A change to a clock, for the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClockNote {
    /// `start`, `pause`, `resume`, `stop`, `retarget`, `reopen`.
    pub change: &'static str,
    pub scope: ClockScope,
    pub kind: ClockKind,
}

use crate::flow::{ActionKind, Flow, State};
use crate::role::Tier;

impl ClockSet {
    /// The customer's response and resolution clocks, started at intake. An event
    /// taken directly by the engineer the customer called has had its response.
    pub fn at_intake(calendar: String, t: Targets, at: Timestamp, answered: bool) -> (ClockSet, Vec<ClockNote>) {
        let mut set = ClockSet { calendar, clocks: Vec::new() };
        let mut notes = Vec::new();
        for kind in [ClockKind::Response, ClockKind::Resolution] {
            set.start(ClockScope::Customer, kind, t, at, &mut notes);
        }
        if answered {
            set.stop(ClockScope::Customer, ClockKind::Response, at, &mut notes);
        }
        (set, notes)
    }

    fn find(&mut self, scope: ClockScope, kind: ClockKind) -> Option<&mut Clock> {
        self.clocks.iter_mut().find(|c| c.scope == scope && c.clock.kind == kind).map(|c| &mut c.clock)
    }

    fn target(kind: ClockKind, t: Targets) -> Option<i64> {
        match kind {
            ClockKind::Response => Some(t.response),
            ClockKind::Onsite => t.onsite,
            ClockKind::Resolution => Some(t.resolution),
        }
    }

    fn start(&mut self, scope: ClockScope, kind: ClockKind, t: Targets, at: Timestamp, notes: &mut Vec<ClockNote>) {
        let Some(target) = Self::target(kind, t) else { return };
        if self.find(scope, kind).is_none() {
            self.clocks.push(EventClock { scope, clock: Clock::start(kind, target, at) });
            notes.push(ClockNote { change: "start", scope, kind });
        }
    }

    fn stop(&mut self, scope: ClockScope, kind: ClockKind, at: Timestamp, notes: &mut Vec<ClockNote>) {
        if let Some(c) = self.find(scope, kind)
            && c.stopped_at.is_none()
            && c.stop(at).is_ok()
        {
            notes.push(ClockNote { change: "stop", scope, kind });
        }
    }

    /// Records warnings and breaches due by `now`; returns them as notes.
    pub fn sweep(&mut self, cal: &Calendar, now: Timestamp, share: f64) -> Result<Vec<ClockNote>, ClockError> {
        let mut notes = Vec::new();
        for c in &mut self.clocks {
            if c.clock.stopped_at.is_some() {
                continue;
            }
            let r = c.clock.read(cal, now, share)?;
            let warn_used = ((c.clock.target as f64) * share).ceil() as i64;
            if c.clock.warned_at.is_none() && r.used >= warn_used {
                c.clock.warned_at = Some(now);
                notes.push(ClockNote { change: "warning", scope: c.scope, kind: c.clock.kind });
            }
            if c.clock.breached_at.is_none() && r.remaining <= 0 && c.clock.target > 0 {
                c.clock.breached_at = Some(now);
                notes.push(ClockNote { change: "breach", scope: c.scope, kind: c.clock.kind });
            }
        }
        Ok(notes)
    }

    /// The next moment the sweeper must look at these clocks (a warning or a breach
    /// still to come on a running clock); `None` when nothing can come due.
    pub fn next_check(&self, cal: &Calendar, now: Timestamp, share: f64) -> Result<Option<Timestamp>, ClockError> {
        let mut next: Option<Timestamp> = None;
        for c in &self.clocks {
            if c.clock.stopped_at.is_some() || c.clock.paused_since.is_some() {
                continue;
            }
            let r = c.clock.read(cal, now, share)?;
            let candidate = if c.clock.warned_at.is_none() {
                r.warn_at.or(r.due)
            } else if c.clock.breached_at.is_none() {
                r.due
            } else {
                None
            };
            if let Some(t) = candidate {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        Ok(next)
    }

    /// The earliest a warning or breach could come, without a calendar: working
    /// time never runs faster than wall time, so no clock can reach its warning
    /// share before `start + share × target` (pauses only delay it). The sweeper
    /// looks then and replaces this with the exact instant.
    pub fn earliest_check(&self, share: f64) -> Option<Timestamp> {
        self.clocks
            .iter()
            .filter(|c| c.clock.stopped_at.is_none() && c.clock.breached_at.is_none())
            .filter_map(|c| {
                let secs = if c.clock.warned_at.is_none() {
                    ((c.clock.target as f64) * share).ceil() as i64
                } else {
                    c.clock.target
                };
                c.clock.started_at.checked_add(jiff::SignedDuration::from_secs(secs)).ok()
            })
            .min()
    }

    /// Every clock's figures at `now`, in the order the clocks were started.
    pub fn figures(&self, cal: &Calendar, now: Timestamp) -> Result<Vec<Figure>, ClockError> {
        let mut out = Vec::with_capacity(self.clocks.len());
        for c in &self.clocks {
            let r = c.clock.read(cal, now, 1.0)?;
            let end = c.clock.stopped_at.map_or(now, |s| s.min(now)).max(c.clock.started_at);
            let finished = c.clock.stopped_at.is_some();
            let met = match r.standing {
                Standing::Met => Some(true),
                Standing::MetLate | Standing::Breached => Some(false),
                _ => None,
            };
            out.push(Figure {
                scope: c.scope,
                kind: c.clock.kind,
                target: c.clock.target,
                business_seconds: r.used,
                wall_seconds: end.as_second() - c.clock.started_at.as_second(),
                paused_seconds: r.paused,
                met,
                finished,
            });
        }
        Ok(out)
    }

    /// Where the running clocks stand for the "breaching soon" queue: `breached`
    /// when one has passed its target, `warning` when one has passed its warning
    /// share, `None` otherwise. Stopped clocks no longer count.
    pub fn alert(&self) -> Option<&'static str> {
        let running = || self.clocks.iter().filter(|c| c.clock.stopped_at.is_none());
        if running().any(|c| c.clock.breached_at.is_some()) {
            Some("breached")
        } else if running().any(|c| c.clock.warned_at.is_some()) {
            Some("warning")
        } else {
            None
        }
    }

    /// The earliest due instant among the running clocks (for countdowns in lists).
    pub fn earliest_due(&self, cal: &Calendar, now: Timestamp) -> Option<Timestamp> {
        self.clocks.iter().filter(|c| c.clock.running()).filter_map(|c| c.clock.read(cal, now, 1.0).ok()?.due).min()
    }

    /// A visit's arrival stops the on-site clock. Engineers often arrive before
    /// someone approves the request, or enter the visit afterwards: an arrival
    /// before the clock started (or before its last pause or resume) stops it at
    /// that moment, so it reads as met with no time used — the customer was
    /// served as soon as the clock could count.
    pub fn arrived(&mut self, at: Timestamp) -> Vec<ClockNote> {
        let mut notes = Vec::new();
        if let Some(c) = self.find(ClockScope::Customer, ClockKind::Onsite) {
            let at = at.max(c.last_change());
            self.stop(ClockScope::Customer, ClockKind::Onsite, at, &mut notes);
        }
        notes
    }

    /// What a transition does to the clocks.
    pub fn on_transition(
        &mut self,
        before: &Flow,
        after: &Flow,
        action: ActionKind,
        t: Targets,
        at: Timestamp,
    ) -> Vec<ClockNote> {
        let mut notes = Vec::new();
        let cust = ClockScope::Customer;
        // Waiting on the customer pauses every running clock; the answer resumes them.
        if after.state == State::AwaitingCustomer && before.state != State::AwaitingCustomer {
            for c in &mut self.clocks {
                if c.clock.running() && c.clock.pause(at).is_ok() {
                    notes.push(ClockNote { change: "pause", scope: c.scope, kind: c.clock.kind });
                }
            }
        }
        if before.state == State::AwaitingCustomer && after.state != State::AwaitingCustomer {
            for c in &mut self.clocks {
                if c.clock.paused_since.is_some() && c.clock.resume(at).is_ok() {
                    notes.push(ClockNote { change: "resume", scope: c.scope, kind: c.clock.kind });
                }
            }
        }
        match action {
            ActionKind::Accept => {
                self.stop(cust, ClockKind::Response, at, &mut notes);
                if after.tier == Tier::L2 {
                    self.stop(ClockScope::L2, ClockKind::Response, at, &mut notes);
                }
            }
            ActionKind::Approve if after.tier == Tier::L2 && before.tier == Tier::L1 => {
                self.start(ClockScope::L2, ClockKind::Response, t, at, &mut notes);
                self.start(ClockScope::L2, ClockKind::Resolution, t, at, &mut notes);
            }
            ActionKind::Resolve => {
                for scope in [cust, ClockScope::L2] {
                    self.stop(scope, ClockKind::Resolution, at, &mut notes);
                }
                // No arrival recorded: the on-site work ended with the resolution.
                self.stop(cust, ClockKind::Onsite, at, &mut notes);
            }
            // The on-site work is over: an arrival left unrecorded cannot be later than this.
            ActionKind::FinishOnsite => self.stop(cust, ClockKind::Onsite, at, &mut notes),
            ActionKind::Reopen => {
                for c in &mut self.clocks {
                    if c.clock.kind == ClockKind::Resolution && c.clock.stopped_at.is_some() {
                        c.clock.reopen(at);
                        notes.push(ClockNote { change: "reopen", scope: c.scope, kind: c.clock.kind });
                    }
                }
            }
            ActionKind::Reclassify => {
                for c in &mut self.clocks {
                    if let Some(target) = Self::target(c.clock.kind, t)
                        && target != c.clock.target
                    {
                        c.clock.retarget(target);
                        notes.push(ClockNote { change: "retarget", scope: c.scope, kind: c.clock.kind });
                    }
                }
            }
            ActionKind::Close | ActionKind::Cancel => {
                let cancel = action == ActionKind::Cancel;
                for c in &mut self.clocks {
                    if c.clock.stopped_at.is_none() {
                        let at = at.max(c.clock.last_change());
                        if c.clock.stop(at).is_ok() {
                            c.clock.cancelled = cancel;
                            notes.push(ClockNote {
                                change: if cancel { "cancel" } else { "stop" },
                                scope: c.scope,
                                kind: c.clock.kind,
                            });
                        }
                    }
                }
            }
            _ => {}
        }
        // On-site work approved: the arrival clock starts.
        if after.state == State::Onsite && !before.had_onsite {
            self.start(cust, ClockKind::Onsite, t, at, &mut notes);
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CalendarDef, official};
    use jiff::tz::TimeZone;
    use proptest::prelude::*;

    fn five() -> Calendar {
        CalendarDef::five_by_eight().build(TimeZone::get("Asia/Shanghai").unwrap(), official().clone()).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const H: i64 = 3600;

    #[test]
    fn a_pause_over_the_spring_festival_is_not_counted() {
        let c = five();
        let mut k = Clock::start(ClockKind::Resolution, 8 * H, ts("2026-02-12T14:00:00+08:00"));
        // Thursday 14–18 counts 4h; waiting on the customer from Friday 10:00 to Tuesday 24 Feb 11:00.
        k.pause(ts("2026-02-13T10:00:00+08:00")).unwrap();
        let r = k.read(&c, ts("2026-02-20T12:00:00+08:00"), 0.75).unwrap();
        assert_eq!((r.standing, r.used, r.due), (Standing::Paused, 5 * H, None));
        k.resume(ts("2026-02-24T11:00:00+08:00")).unwrap();
        let r = k.read(&c, ts("2026-02-24T11:00:00+08:00"), 0.75).unwrap();
        assert_eq!(r.used, 5 * H, "Thursday 14–18 and Friday 09–10");
        assert_eq!(r.due, Some(ts("2026-02-24T14:00:00+08:00")));
        assert_eq!(r.warn_at, Some(ts("2026-02-24T12:00:00+08:00")), "75 % of 8h is 6h");
        assert_eq!(k.read(&c, ts("2026-02-24T12:30:00+08:00"), 0.75).unwrap().standing, Standing::Warning);
        assert_eq!(k.read(&c, ts("2026-02-24T14:00:00+08:00"), 0.75).unwrap().standing, Standing::Breached);
        k.stop(ts("2026-02-24T13:00:00+08:00")).unwrap();
        let r = k.read(&c, ts("2026-03-01T00:00:00+08:00"), 0.75).unwrap();
        assert_eq!((r.standing, r.remaining), (Standing::Met, H));
    }

    #[test]
    fn a_breached_clock_keeps_the_due_time_that_passed() {
        let c = five();
        let mut k = Clock::start(ClockKind::Resolution, 8 * H, ts("2026-02-12T14:00:00+08:00"));
        k.pause(ts("2026-02-13T10:00:00+08:00")).unwrap();
        k.resume(ts("2026-02-24T11:00:00+08:00")).unwrap();
        // A day later: 5h before the pause, Tuesday 11–18 and Wednesday 09–10 after it.
        let r = k.read(&c, ts("2026-02-25T10:00:00+08:00"), 0.75).unwrap();
        assert_eq!((r.standing, r.remaining), (Standing::Breached, -5 * H));
        assert_eq!(r.due, Some(ts("2026-02-24T14:00:00+08:00")), "the moment it was due, not now");
        // Breached before a pause: the due time lies before the pause.
        let mut k = Clock::start(ClockKind::Response, H, ts("2026-03-02T10:00:00+08:00"));
        k.pause(ts("2026-03-02T12:00:00+08:00")).unwrap();
        k.resume(ts("2026-03-03T10:00:00+08:00")).unwrap();
        let r = k.read(&c, ts("2026-03-03T11:00:00+08:00"), 0.75).unwrap();
        assert_eq!((r.standing, r.due), (Standing::Breached, Some(ts("2026-03-02T11:00:00+08:00"))));
    }

    #[test]
    fn a_priority_change_keeps_the_start_and_the_pauses() {
        let c = five();
        let mut k = Clock::start(ClockKind::Resolution, 16 * H, ts("2026-03-02T10:00:00+08:00"));
        k.pause(ts("2026-03-02T11:00:00+08:00")).unwrap();
        k.resume(ts("2026-03-02T15:00:00+08:00")).unwrap();
        k.retarget(4 * H);
        let r = k.read(&c, ts("2026-03-02T15:00:00+08:00"), 0.75).unwrap();
        assert_eq!((r.used, r.paused), (H, 4 * H));
        assert_eq!(r.due, Some(ts("2026-03-02T18:00:00+08:00")));
    }

    #[test]
    fn refusals() {
        let mut k = Clock::start(ClockKind::Response, H, ts("2026-03-02T10:00:00+08:00"));
        assert_eq!(k.resume(ts("2026-03-02T10:30:00+08:00")), Err(ClockError::NotPaused));
        k.pause(ts("2026-03-02T10:30:00+08:00")).unwrap();
        assert_eq!(k.pause(ts("2026-03-02T10:40:00+08:00")), Err(ClockError::AlreadyPaused));
        assert_eq!(k.resume(ts("2026-03-02T10:00:00+08:00")), Err(ClockError::BeforeStart));
        k.stop(ts("2026-03-02T11:00:00+08:00")).unwrap();
        assert_eq!(k.pause(ts("2026-03-02T12:00:00+08:00")), Err(ClockError::Stopped));
        assert_eq!(k.pauses.len(), 1, "stopping a paused clock closes the pause");
    }

    #[test]
    fn transitions_drive_the_clocks() {
        use crate::flow::{Entitled, Flow};
        use crate::ids::CustomerId;
        use crate::priority::{Impact, Urgency};
        let t = Targets { response: H, onsite: Some(4 * H), resolution: 8 * H };
        let at = ts("2026-03-02T10:00:00+08:00");
        let (mut set, notes) = ClockSet::at_intake("5x8".into(), t, at, false);
        assert_eq!(notes.len(), 2);
        let f0 = Flow::recorded(CustomerId(1), Impact::Moderate, Urgency::High, Entitled::default());
        let f1 = Flow { state: State::InProgress, ..f0.clone() };
        let n = set.on_transition(&f0, &f1, ActionKind::Accept, t, at);
        assert_eq!(n, vec![ClockNote { change: "stop", scope: ClockScope::Customer, kind: ClockKind::Response }]);
        let f2 = Flow { state: State::AwaitingCustomer, ..f1.clone() };
        assert_eq!(set.on_transition(&f1, &f2, ActionKind::WaitForCustomer, t, at)[0].change, "pause");
        assert_eq!(set.on_transition(&f2, &f1, ActionKind::CustomerResponded, t, at)[0].change, "resume");
        let f3 = Flow { state: State::Onsite, had_onsite: true, ..f1.clone() };
        assert_eq!(set.on_transition(&f1, &f3, ActionKind::RequestOnsite, t, at)[0].kind, ClockKind::Onsite);
        assert_eq!(set.arrived(at).len(), 1);
        let l2 = Flow { state: State::Assigned, tier: Tier::L2, ..f1.clone() };
        assert_eq!(
            set.on_transition(&f1, &l2, ActionKind::Approve, t, at)
                .iter()
                .filter(|n| n.scope == ClockScope::L2)
                .count(),
            2
        );
        let resolved = Flow { state: State::Resolved, ..l2.clone() };
        assert_eq!(set.on_transition(&l2, &resolved, ActionKind::Resolve, t, at).len(), 2);
        assert_eq!(set.on_transition(&resolved, &l2, ActionKind::Reopen, t, at).len(), 2);
        let (direct, notes) = ClockSet::at_intake("7x24".into(), t, at, true);
        assert_eq!(notes.len(), 3);
        assert!(direct.clocks[0].clock.stopped_at.is_some());
    }

    #[test]
    fn an_arrival_before_the_approval_stops_the_onsite_clock_as_met() {
        use crate::flow::{Entitled, Flow};
        use crate::ids::CustomerId;
        use crate::priority::{Impact, Urgency};
        let c = five();
        let t = Targets { response: H, onsite: Some(4 * H), resolution: 8 * H };
        let at = ts("2026-03-02T10:00:00+08:00");
        let (mut set, _) = ClockSet::at_intake("5x8".into(), t, at, false);
        let f0 = Flow::recorded(CustomerId(1), Impact::Moderate, Urgency::High, Entitled::default());
        let f1 = Flow { state: State::InProgress, ..f0.clone() };
        let f2 = Flow { state: State::Onsite, had_onsite: true, ..f1.clone() };
        let approved = ts("2026-03-02T11:00:00+08:00");
        set.on_transition(&f1, &f2, ActionKind::Approve, t, approved);
        // The engineer was there at 10:40, before anyone clicked approve.
        let n = set.arrived(ts("2026-03-02T10:40:00+08:00"));
        assert_eq!(n, vec![ClockNote { change: "stop", scope: ClockScope::Customer, kind: ClockKind::Onsite }]);
        let onsite = set.clocks.iter().find(|k| k.clock.kind == ClockKind::Onsite).unwrap();
        let r = onsite.clock.read(&c, ts("2026-03-03T10:00:00+08:00"), 0.75).unwrap();
        assert_eq!((r.standing, r.used), (Standing::Met, 0));
    }

    #[test]
    fn finishing_onsite_or_resolving_stops_an_onsite_clock_left_running() {
        use crate::flow::{Entitled, Flow};
        use crate::ids::CustomerId;
        use crate::priority::{Impact, Urgency};
        let t = Targets { response: H, onsite: Some(4 * H), resolution: 8 * H };
        let at = ts("2026-03-02T10:00:00+08:00");
        for action in [ActionKind::FinishOnsite, ActionKind::Resolve] {
            let (mut set, _) = ClockSet::at_intake("5x8".into(), t, at, false);
            let f0 = Flow::recorded(CustomerId(1), Impact::Moderate, Urgency::High, Entitled::default());
            let f1 = Flow { state: State::InProgress, ..f0.clone() };
            let f2 = Flow { state: State::Onsite, had_onsite: true, ..f1.clone() };
            set.on_transition(&f1, &f2, ActionKind::Approve, t, at);
            let after = Flow {
                state: if action == ActionKind::Resolve { State::Resolved } else { State::InProgress },
                ..f2.clone()
            };
            set.on_transition(&f2, &after, action, t, ts("2026-03-02T12:00:00+08:00"));
            let onsite = set.clocks.iter().find(|k| k.clock.kind == ClockKind::Onsite).unwrap();
            assert_eq!(onsite.clock.stopped_at, Some(ts("2026-03-02T12:00:00+08:00")), "{action:?}");
        }
    }

    #[test]
    fn a_cancelled_events_clocks_are_neither_met_nor_breached() {
        use crate::flow::{Entitled, Flow};
        use crate::ids::CustomerId;
        use crate::priority::{Impact, Urgency};
        let c = five();
        let t = Targets { response: H, onsite: None, resolution: 8 * H };
        let at = ts("2026-03-02T10:00:00+08:00");
        let (mut set, _) = ClockSet::at_intake("5x8".into(), t, at, false);
        let f0 = Flow::recorded(CustomerId(1), Impact::Moderate, Urgency::High, Entitled::default());
        let gone = Flow { state: State::Cancelled, ..f0.clone() };
        let n = set.on_transition(&f0, &gone, ActionKind::Cancel, t, ts("2026-03-02T10:20:00+08:00"));
        assert_eq!(n.iter().map(|x| x.change).collect::<Vec<_>>(), vec!["cancel", "cancel"]);
        for k in &set.clocks {
            assert_eq!(k.clock.read(&c, ts("2026-03-05T10:00:00+08:00"), 0.75).unwrap().standing, Standing::Cancelled);
        }
        let f = set.figures(&c, ts("2026-03-05T10:00:00+08:00")).unwrap();
        assert!(f.iter().all(|x| x.met.is_none() && x.finished), "not counted as met");
    }

    #[test]
    fn warnings_go_to_the_holder_and_breaches_up_the_chain() {
        assert_eq!(escalation("warning"), &[Recipient::Holder]);
        assert_eq!(escalation("breach"), &[Recipient::Holder, Recipient::TeamLead, Recipient::Managers]);
        assert!(escalation("start").is_empty());
    }

    #[test]
    fn notices_of_a_five_by_eight_contract_wait_for_its_working_hours_unless_major() {
        let c = five();
        let midnight = ts("2026-11-27T23:10:00+08:00"); // a Friday night
        assert_eq!(deliver_at(&c, midnight, false).unwrap(), ts("2026-11-30T09:00:00+08:00"));
        assert_eq!(deliver_at(&c, midnight, true).unwrap(), midnight, "a major incident is told at once");
        let at_work = ts("2026-11-27T10:00:00+08:00");
        assert_eq!(deliver_at(&c, at_work, false).unwrap(), at_work);
        let always = CalendarDef::seven_by_twenty_four()
            .build(TimeZone::get("Asia/Shanghai").unwrap(), official().clone())
            .unwrap();
        assert_eq!(deliver_at(&always, midnight, false).unwrap(), midnight);
    }

    #[test]
    fn the_alert_follows_running_clocks_only() {
        let c = five();
        let (mut set, _) = ClockSet::at_intake(
            "5x8".into(),
            Targets { response: H, onsite: None, resolution: 8 * H },
            ts("2026-11-27T10:00:00+08:00"),
            false,
        );
        assert_eq!(set.alert(), None);
        set.sweep(&c, ts("2026-11-27T10:50:00+08:00"), 0.75).unwrap();
        assert_eq!(set.alert(), Some("warning"), "the response clock passed 75 %");
        set.sweep(&c, ts("2026-11-27T11:10:00+08:00"), 0.75).unwrap();
        assert_eq!(set.alert(), Some("breached"));
        set.clocks[0].clock.stop(ts("2026-11-27T11:20:00+08:00")).unwrap();
        assert_eq!(set.alert(), None, "a stopped clock no longer counts");
    }

    #[test]
    fn warning_share_is_bounded() {
        assert_eq!(warn_share(75), Some(0.75));
        assert_eq!(warn_share(50), Some(0.5));
        assert_eq!(warn_share(49), None);
        assert_eq!(warn_share(100), None);
    }

    #[test]
    fn figures_in_working_and_wall_time() {
        let c = five();
        // Response: Friday 17:00 → Monday 09:30, met within 2h of working time.
        let (mut set, _) = ClockSet::at_intake(
            "5x8".into(),
            Targets { response: 2 * H, onsite: None, resolution: 4 * H },
            ts("2026-11-27T17:00:00+08:00"),
            false,
        );
        set.clocks[0].clock.stop(ts("2026-11-30T09:30:00+08:00")).unwrap();
        let f = set.figures(&c, ts("2026-11-30T15:00:00+08:00")).unwrap();
        assert_eq!(
            (f[0].kind, f[0].business_seconds, f[0].met, f[0].finished),
            (ClockKind::Response, 90 * 60, Some(true), true)
        );
        assert_eq!(f[0].wall_seconds, 64 * H + 30 * 60);
        // Resolution still running at Monday 15:00: 1h Friday + 6h Monday = 7h > 4h → breached.
        assert_eq!(
            (f[1].kind, f[1].business_seconds, f[1].met, f[1].finished),
            (ClockKind::Resolution, 7 * H, Some(false), false)
        );
    }

    #[test]
    fn the_sweeper_warns_then_breaches_once() {
        let c = CalendarDef::seven_by_twenty_four()
            .build(TimeZone::get("Asia/Shanghai").unwrap(), official().clone())
            .unwrap();
        let t = Targets { response: H, onsite: None, resolution: 4 * H };
        let at = ts("2026-03-02T10:00:00+08:00");
        let (mut set, _) = ClockSet::at_intake("7x24".into(), t, at, false);
        assert_eq!(set.next_check(&c, at, 0.75).unwrap(), Some(ts("2026-03-02T10:45:00+08:00")));
        assert!(set.sweep(&c, ts("2026-03-02T10:30:00+08:00"), 0.75).unwrap().is_empty());
        let n = set.sweep(&c, ts("2026-03-02T10:50:00+08:00"), 0.75).unwrap();
        assert_eq!(n, vec![ClockNote { change: "warning", scope: ClockScope::Customer, kind: ClockKind::Response }]);
        assert_eq!(
            set.next_check(&c, ts("2026-03-02T10:50:00+08:00"), 0.75).unwrap(),
            Some(ts("2026-03-02T11:00:00+08:00"))
        );
        let n = set.sweep(&c, ts("2026-03-02T13:30:00+08:00"), 0.75).unwrap();
        assert_eq!(n.iter().map(|x| x.change).collect::<Vec<_>>(), vec!["breach", "warning"]);
        assert!(set.sweep(&c, ts("2026-03-02T13:40:00+08:00"), 0.75).unwrap().is_empty(), "each once");
        assert_eq!(
            set.next_check(&c, ts("2026-03-02T13:40:00+08:00"), 0.75).unwrap(),
            Some(ts("2026-03-02T14:00:00+08:00"))
        );
    }

    proptest! {
        /// Whatever the pauses, paused working time is never counted: used + paused == working time since the start.
        /// Saves schedule at the lowest share; the exact warning of any allowed share is never earlier.
        #[test]
        fn the_saved_lower_bound_is_never_late(start in 1_767_225_600i64..1_790_000_000, target in 60i64..40 * 3600, pct in MIN_WARN_PERCENT..=MAX_WARN_PERCENT) {
            let c = five();
            let (set, _) = ClockSet::at_intake("5x8".into(), Targets { response: target, onsite: None, resolution: target }, Timestamp::from_second(start).unwrap(), false);
            let share = warn_share(pct).unwrap();
            let bound = set.earliest_check(MIN_WARN_PERCENT as f64 / 100.0).unwrap();
            let exact = set.next_check(&c, Timestamp::from_second(start).unwrap(), share).unwrap().unwrap();
            prop_assert!(bound <= exact);
        }

        #[test]
        fn pauses_are_never_counted(start in 1_767_225_600i64..1_790_000_000, steps in proptest::collection::vec(1i64..3 * 86_400, 0..8), look in 0i64..10 * 86_400) {
            let c = five();
            let t0 = Timestamp::from_second(start).unwrap();
            let mut k = Clock::start(ClockKind::Resolution, 20 * H, t0);
            let mut t = start;
            for (i, s) in steps.iter().enumerate() {
                t += s;
                let at = Timestamp::from_second(t).unwrap();
                if i % 2 == 0 { k.pause(at).unwrap() } else { k.resume(at).unwrap() }
            }
            let now = Timestamp::from_second(t + look).unwrap();
            let r = k.read(&c, now, 0.75).unwrap();
            prop_assert_eq!(r.used + r.paused, c.elapsed(t0, now).unwrap());
            prop_assert!(r.used >= 0 && r.paused >= 0);
            // Reading later never shows less time used.
            let later = k.read(&c, Timestamp::from_second(t + look + 3600).unwrap(), 0.75).unwrap();
            prop_assert!(later.used >= r.used);
        }
    }
}
