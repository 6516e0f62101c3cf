//! Business calendars: a time zone, working hours per weekday, and China's
//! official calendar — a holiday is not a working day, an adjusted working day
//! (调休) on a Saturday or Sunday is one. SLA clocks run only in the working
//! time of a calendar; 7×24 is a calendar too.
//!
//! Times are whole seconds. `due(start, d)` is the instant at which `d` seconds
//! of working time have passed since `start`; `elapsed(a, b)` the working time
//! inside `[a, b)`. They agree: `elapsed(s, due(s, d)) == d`, and
//! `due(s, d1 + d2) == due(due(s, d1), d2)`.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

static OFFICIAL_CSV: &str = include_str!("../data/china-holidays-2004-2026.csv");

/// Official non-working holidays and adjusted working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays {
    off: HashSet<Date>,
    work: HashSet<Date>,
    years: BTreeSet<i16>,
}

/// What an official calendar day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 法定节假日: no work.
    Holiday,
    /// 调休: a weekend day worked.
    AdjustedWorkday,
}

impl Holidays {
    /// Builds the table from (date, kind) rows.
    pub fn from_rows(rows: impl IntoIterator<Item = (Date, DayKind)>) -> Holidays {
        let mut h = Holidays::default();
        for (d, k) in rows {
            h.add(d, k);
        }
        h
    }

    /// Adds (or replaces) one day, e.g. from a year an administrator entered.
    pub fn add(&mut self, d: Date, k: DayKind) {
        self.off.remove(&d);
        self.work.remove(&d);
        match k {
            DayKind::Holiday => self.off.insert(d),
            DayKind::AdjustedWorkday => self.work.insert(d),
        };
        self.years.insert(d.year());
    }

    /// The years the table knows.
    pub fn years(&self) -> Vec<i16> {
        self.years.iter().copied().collect()
    }

    pub fn kind(&self, d: Date) -> Option<DayKind> {
        if self.off.contains(&d) {
            Some(DayKind::Holiday)
        } else if self.work.contains(&d) {
            Some(DayKind::AdjustedWorkday)
        } else {
            None
        }
    }
}

/// China's official holidays and adjusted working days, 2004–2026, compiled in.
pub fn official() -> &'static Holidays {
    static TABLE: LazyLock<Holidays> = LazyLock::new(|| {
        Holidays::from_rows(OFFICIAL_CSV.lines().skip(1).filter_map(|line| {
            let mut cols = line.split(',');
            let date: Date = cols.next()?.parse().ok()?;
            let kind = match cols.nth(1)? {
                "holiday" => DayKind::Holiday,
                "adjusted_workday" => DayKind::AdjustedWorkday,
                _ => return None,
            };
            Some((date, kind))
        }))
    });
    &TABLE
}

/// A span of working time within a day, in seconds from local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: i32,
    pub end: i32,
}

impl Span {
    /// Parses `09:00-12:00` (end may be `24:00`).
    pub fn parse(s: &str) -> Option<Span> {
        let (a, b) = s.trim().split_once('-')?;
        let secs = |t: &str| -> Option<i32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
            ((0..=24).contains(&h) && (0..60).contains(&m) && (h < 24 || m == 0)).then_some(h * 3600 + m * 60)
        };
        let (start, end) = (secs(a)?, secs(b)?);
        (start < end).then_some(Span { start, end })
    }
}

/// Why a calendar cannot be built or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown time zone {0}")]
    TimeZone(String),
    #[error("{field}: {value} is not a span like 09:00-12:00")]
    Span { field: String, value: String },
    #[error("{0}: spans overlap or are out of order")]
    Order(String),
    #[error("the calendar has no working time")]
    NoWorkingTime,
    #[error("time out of range")]
    Range,
}

/// A calendar as configured (stored, edited by administrators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDef {
    pub name: String,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// Working spans Monday to Sunday, e.g. `[["09:00-12:00", "13:30-18:00"], …]`.
    pub week: [Vec<String>; 7],
    /// Apply China's official holidays and adjusted working days.
    pub official_holidays: bool,
}

impl CalendarDef {
    /// The built-in 5×8 calendar: Monday–Friday 09:00–18:00 Asia/Shanghai, official holidays applied.
    pub fn five_by_eight() -> CalendarDef {
        let day = || vec!["09:00-18:00".to_owned()];
        CalendarDef {
            name: "5x8".into(),
            time_zone: "Asia/Shanghai".into(),
            week: [day(), day(), day(), day(), day(), vec![], vec![]],
            official_holidays: true,
        }
    }

    /// The built-in 7×24 calendar.
    pub fn seven_by_twenty_four() -> CalendarDef {
        let day = || vec!["00:00-24:00".to_owned()];
        CalendarDef {
            name: "7x24".into(),
            time_zone: "Asia/Shanghai".into(),
            week: [day(), day(), day(), day(), day(), day(), day()],
            official_holidays: false,
        }
    }

    /// The built-in calendar of a name.
    pub fn builtin(name: &str) -> Option<CalendarDef> {
        match name {
            "5x8" => Some(CalendarDef::five_by_eight()),
            "7x24" => Some(CalendarDef::seven_by_twenty_four()),
            _ => None,
        }
    }

    /// Checks the definition and builds the calendar over a holiday table.
    pub fn build(&self, tz: TimeZone, holidays: Holidays) -> Result<Calendar, CalendarError> {
        let names = ["week[0] (Monday)", "week[1]", "week[2]", "week[3]", "week[4]", "week[5]", "week[6] (Sunday)"];
        let mut week: [Vec<Span>; 7] = Default::default();
        for (i, spans) in self.week.iter().enumerate() {
            for s in spans {
                let span = Span::parse(s)
                    .ok_or_else(|| CalendarError::Span { field: names[i].to_owned(), value: s.clone() })?;
                if week[i].last().is_some_and(|p: &Span| p.end > span.start) {
                    return Err(CalendarError::Order(names[i].to_owned()));
                }
                week[i].push(span);
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoWorkingTime);
        }
        // An adjusted working day keeps the hours of an ordinary working day.
        let adjusted = week.iter().take(5).find(|d| !d.is_empty()).cloned().unwrap_or_default();
        Ok(Calendar {
            name: self.name.clone(),
            tz,
            week,
            adjusted,
            holidays: self.official_holidays.then_some(holidays),
        })
    }
}

/// A usable calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub name: String,
    pub tz: TimeZone,
    week: [Vec<Span>; 7],
    adjusted: Vec<Span>,
    holidays: Option<Holidays>,
}

/// How far the arithmetic looks ahead before deciding there is no working time.
const MAX_DAYS: i32 = 366 * 20;

fn weekday_index(w: Weekday) -> usize {
    w.to_monday_zero_offset() as usize
}

impl Calendar {
    /// The working spans of a local day.
    pub fn spans(&self, d: Date) -> &[Span] {
        match self.holidays.as_ref().and_then(|h| h.kind(d)) {
            Some(DayKind::Holiday) => &[],
            Some(DayKind::AdjustedWorkday) => &self.adjusted,
            None => &self.week[weekday_index(d.weekday())],
        }
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        !self.spans(d).is_empty()
    }

    fn local_date(&self, t: Timestamp) -> Date {
        t.to_zoned_datetime(self.tz.clone()).date()
    }

    /// The instant of a local time of day (seconds from midnight; 86400 is the next midnight).
    fn instant(&self, d: Date, secs: i32) -> Result<i64, CalendarError> {
        let (day, secs) =
            if secs >= 86_400 { (d.tomorrow().map_err(|_| CalendarError::Range)?, secs - 86_400) } else { (d, secs) };
        let dt = day.at((secs / 3600) as i8, ((secs % 3600) / 60) as i8, 0, 0);
        Ok(dt.to_zoned_datetime(self.tz.clone()).map_err(|_| CalendarError::Range)?.timestamp().as_second())
    }

    /// The instant when `seconds` of working time have passed since `start`.
    pub fn due(&self, start: Timestamp, seconds: i64) -> Result<Timestamp, CalendarError> {
        let from = start.as_second();
        if seconds <= 0 {
            return Ok(start);
        }
        let mut remaining = seconds;
        let mut day = self.local_date(start);
        for _ in 0..MAX_DAYS {
            for span in self.spans(day) {
                let (s, e) = (self.instant(day, span.start)?, self.instant(day, span.end)?);
                let begin = s.max(from);
                if begin >= e {
                    continue;
                }
                let len = e - begin;
                if remaining <= len {
                    return Timestamp::from_second(begin + remaining).map_err(|_| CalendarError::Range);
                }
                remaining -= len;
            }
            day = day.tomorrow().map_err(|_| CalendarError::Range)?;
        }
        Err(CalendarError::NoWorkingTime)
    }

    /// The first instant at or after `t` that is working time (`t` itself when it is).
    pub fn next_working(&self, t: Timestamp) -> Result<Timestamp, CalendarError> {
        let from = t.as_second();
        let mut day = self.local_date(t);
        for _ in 0..MAX_DAYS {
            for span in self.spans(day) {
                let (s, e) = (self.instant(day, span.start)?, self.instant(day, span.end)?);
                if e > from {
                    return if s > from { Timestamp::from_second(s).map_err(|_| CalendarError::Range) } else { Ok(t) };
                }
            }
            day = day.tomorrow().map_err(|_| CalendarError::Range)?;
        }
        Err(CalendarError::NoWorkingTime)
    }

    /// Working seconds inside `[a, b)`; 0 when `b <= a`.
    pub fn elapsed(&self, a: Timestamp, b: Timestamp) -> Result<i64, CalendarError> {
        let (from, to) = (a.as_second(), b.as_second());
        if to <= from {
            return Ok(0);
        }
        let mut total = 0;
        let mut day = self.local_date(a);
        let last = self.local_date(b);
        while day <= last {
            for span in self.spans(day) {
                let (s, e) = (self.instant(day, span.start)?, self.instant(day, span.end)?);
                let (lo, hi) = (s.max(from), e.min(to));
                if hi > lo {
                    total += hi - lo;
                }
            }
            day = day.tomorrow().map_err(|_| CalendarError::Range)?;
        }
        Ok(total)
    }
}

/// One official day entered by an administrator (a new year's holidays and
/// adjusted working days are announced each November or December).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayDay {
    /// YYYY-MM-DD.
    pub date: String,
    pub kind: DayKind,
    /// e.g. `春节`.
    #[serde(default)]
    pub name: Option<String>,
}

/// Reads official days in the format of the data file China's calendar ships in
/// (`date,weekday,kind,holiday_en,holiday_zh,in_lieu_day`; the header names the
/// columns, `date` and `kind` are needed, the name is taken from `holiday_zh`,
/// else `name`, else `holiday_en`). All or nothing: every line's problem, by line number.
pub fn parse_official_days(text: &str) -> Result<Vec<HolidayDay>, Vec<(usize, String)>> {
    let rows: Vec<(usize, Vec<String>)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_start_matches('\u{feff}').split(',').map(|c| c.trim().to_owned()).collect()))
        .collect();
    official_days_from_rows(&rows)
}

/// The same from a table's rows (a CSV file's lines, or an Excel sheet's rows
/// with dates already written `YYYY-MM-DD`), each with its line or row number.
pub fn official_days_from_rows(rows: &[(usize, Vec<String>)]) -> Result<Vec<HolidayDay>, Vec<(usize, String)>> {
    let mut lines = rows.iter().filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = lines.next() else { return Err(vec![(1, "the file is empty".into())]) };
    let cols: Vec<String> = header.iter().map(|c| c.trim().to_lowercase()).collect();
    let at = |name: &str| cols.iter().position(|c| c == name);
    let (Some(date_col), Some(kind_col)) = (at("date"), at("kind")) else {
        return Err(vec![(1, "the first line must name the columns date and kind".into())]);
    };
    let name_col = at("holiday_zh").or(at("name")).or(at("holiday_en"));
    let mut days = Vec::new();
    let mut problems = Vec::new();
    for (line, cells) in lines {
        let cell = |c: usize| cells.get(c).map(|s| s.trim()).unwrap_or("");
        let kind = match cell(kind_col) {
            "holiday" => DayKind::Holiday,
            "adjusted_workday" => DayKind::AdjustedWorkday,
            other => {
                problems.push((*line, format!("kind must be holiday or adjusted_workday, not {other:?}")));
                continue;
            }
        };
        let mut day = HolidayDay {
            date: cell(date_col).to_owned(),
            kind,
            name: name_col.map(cell).filter(|n| !n.is_empty()).map(str::to_owned),
        };
        match crate::records::Validate::check(&mut day) {
            Ok(()) => days.push(day),
            Err(e) => problems.extend(e.0.iter().map(|f| (*line, format!("{}: {}", f.field, f.message)))),
        }
    }
    if days.is_empty() && problems.is_empty() {
        problems.push((1, "the file holds no days".into()));
    }
    if problems.is_empty() { Ok(days) } else { Err(problems) }
}

/// The year whose official days an administrator should add now, if any: the
/// current year when the table lacks it, and from November the next year (the
/// State Council announces it each November or December).
pub fn missing_official_year(today: jiff::civil::Date, known: &[i16]) -> Option<i16> {
    let year = today.year();
    if !known.contains(&year) {
        return Some(year);
    }
    (today.month() >= 11 && !known.contains(&(year + 1))).then_some(year + 1)
}

impl crate::records::Validate for HolidayDay {
    fn check(&mut self) -> Result<(), crate::FieldErrors> {
        let mut e = crate::FieldErrors::new();
        match crate::text::parse_date(&self.date) {
            None => e.add("date", "invalid_date", "date must be a date written YYYY-MM-DD"),
            Some(d)
                if self.kind == DayKind::AdjustedWorkday
                    && !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) =>
            {
                e.add("kind", "not_weekend", "an adjusted working day is a Saturday or Sunday")
            }
            Some(_) => {}
        }
        e.opt_text("name", &mut self.name, 50);
        e.into_result()
    }
}

impl crate::records::Validate for CalendarDef {
    fn check(&mut self) -> Result<(), crate::FieldErrors> {
        let mut e = crate::FieldErrors::new();
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.len() > 50 {
            e.add("name", "required", "name must be 1–50 characters");
        } else if CalendarDef::builtin(&self.name).is_some() {
            e.add("name", "reserved", "5x8 and 7x24 are built in");
        }
        match TimeZone::get(&self.time_zone) {
            Err(_) => e.add("time_zone", "invalid_time_zone", format!("{} is not a known time zone", self.time_zone)),
            Ok(tz) => match self.build(tz, Holidays::default()) {
                Err(CalendarError::Span { field, value }) => {
                    e.add("week", "invalid_span", format!("{field}: {value} is not a span like 09:00-12:00"))
                }
                Err(CalendarError::Order(field)) => {
                    e.add("week", "overlapping", format!("{field}: spans overlap or are out of order"))
                }
                Err(err) => e.add("week", "no_working_time", err.to_string()),
                Ok(_) => {}
            },
        }
        e.into_result()
    }
}

/// Parses a duration written like `4h`, `90m`, `1h30m`, `45s` into seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        any = true;
    }
    (num.is_empty() && any).then_some(total)
}

#[cfg(test)]
mod tests;
