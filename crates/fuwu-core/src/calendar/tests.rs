use super::*;
use proptest::prelude::*;

fn cal(def: CalendarDef) -> Calendar {
    let tz = TimeZone::get(&def.time_zone).unwrap();
    def.build(tz, official().clone()).unwrap()
}

fn five() -> Calendar {
    cal(CalendarDef::five_by_eight())
}

fn seven() -> Calendar {
    cal(CalendarDef::seven_by_twenty_four())
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// RFC 3339 in the calendar's zone.
fn show(c: &Calendar, t: Timestamp) -> String {
    t.to_zoned_datetime(c.tz.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn due(c: &Calendar, start: &str, d: &str) -> String {
    show(c, c.due(ts(start), parse_duration(d).unwrap()).unwrap())
}

const H: i64 = 3600;

#[test]
fn the_official_table_knows_its_days() {
    let o = official();
    assert_eq!(o.kind("2026-02-14".parse().unwrap()), Some(DayKind::AdjustedWorkday));
    assert_eq!(o.kind("2026-10-01".parse().unwrap()), Some(DayKind::Holiday));
    assert_eq!(o.kind("2026-11-25".parse().unwrap()), None);
    assert_eq!(o.years().first(), Some(&2004));
    assert_eq!(o.years().last(), Some(&2026));
}

#[test]
fn friday_before_the_spring_festival_runs_into_the_adjusted_saturday() {
    // Fri 13 Feb 2026 16:00 + 4h: 2h on Friday, then Saturday 14 Feb is an adjusted working day.
    assert_eq!(due(&five(), "2026-02-13T16:00:00+08:00", "4h"), "2026-02-14T11:00:00+08:00");
    // From the adjusted Saturday's evening over the whole festival (15–23 Feb) to Tuesday 24 Feb.
    assert_eq!(due(&five(), "2026-02-14T17:00:00+08:00", "2h"), "2026-02-24T10:00:00+08:00");
}

#[test]
fn across_national_day_week() {
    assert_eq!(due(&five(), "2026-09-30T17:00:00+08:00", "2h"), "2026-10-08T10:00:00+08:00");
    // Friday 9 Oct, then the adjusted working Saturday 10 Oct, to its very end.
    assert_eq!(due(&five(), "2026-10-09T17:00:00+08:00", "10h"), "2026-10-10T18:00:00+08:00");
    assert_eq!(due(&five(), "2026-10-09T17:00:00+08:00", "10h1m"), "2026-10-12T09:01:00+08:00");
}

#[test]
fn across_midnight() {
    assert_eq!(due(&seven(), "2026-03-05T23:30:00+08:00", "1h"), "2026-03-06T00:30:00+08:00");
    assert_eq!(due(&five(), "2026-03-05T17:30:00+08:00", "1h"), "2026-03-06T09:30:00+08:00");
    // Started at night, the clock waits for the morning.
    assert_eq!(due(&five(), "2026-03-05T02:00:00+08:00", "30m"), "2026-03-05T09:30:00+08:00");
    // Started on a Saturday, it waits for Monday.
    assert_eq!(due(&five(), "2026-03-07T10:00:00+08:00", "1h"), "2026-03-09T10:00:00+08:00");
}

#[test]
fn a_customer_in_another_zone_keeps_its_own_hours() {
    let mut def = CalendarDef::five_by_eight();
    def.name = "urumqi".into();
    def.time_zone = "Asia/Urumqi".into();
    let c = cal(def);
    // 09:00 in Beijing is 07:00 in Ürümqi: the clock starts at 09:00 local.
    assert_eq!(due(&c, "2026-03-02T09:00:00+08:00", "1h"), "2026-03-02T10:00:00+06:00");
    // A zone with daylight saving: Berlin's business hours around the March change.
    let berlin = cal(CalendarDef {
        name: "berlin".into(),
        time_zone: "Europe/Berlin".into(),
        official_holidays: false,
        ..CalendarDef::five_by_eight()
    });
    assert_eq!(due(&berlin, "2026-03-27T17:00:00+01:00", "2h"), "2026-03-30T10:00:00+02:00");
    let berlin247 = cal(CalendarDef { time_zone: "Europe/Berlin".into(), ..CalendarDef::seven_by_twenty_four() });
    assert_eq!(due(&berlin247, "2026-03-29T01:30:00+01:00", "1h"), "2026-03-29T03:30:00+02:00");
}

#[test]
fn working_time_across_holidays_is_only_the_working_part() {
    // A clock paused over the Spring Festival counts only Friday's last hour, the adjusted Saturday and Tuesday's first hour.
    let c = five();
    assert_eq!(c.elapsed(ts("2026-02-13T17:00:00+08:00"), ts("2026-02-24T10:00:00+08:00")).unwrap(), 11 * H);
    assert_eq!(c.elapsed(ts("2026-10-01T00:00:00+08:00"), ts("2026-10-08T00:00:00+08:00")).unwrap(), 0);
    assert_eq!(c.elapsed(ts("2026-03-06T10:00:00+08:00"), ts("2026-03-06T09:00:00+08:00")).unwrap(), 0);
}

#[test]
fn a_priority_change_recomputes_from_the_original_start() {
    let c = five();
    let start = ts("2026-03-02T10:00:00+08:00");
    assert_eq!(show(&c, c.due(start, 16 * H).unwrap()), "2026-03-03T17:00:00+08:00");
    assert_eq!(show(&c, c.due(start, 8 * H).unwrap()), "2026-03-02T18:00:00+08:00");
}

#[test]
fn split_days_with_a_lunch_break() {
    let day = || vec!["09:00-12:00".to_owned(), "13:30-18:00".to_owned()];
    let c = cal(CalendarDef {
        name: "lunch".into(),
        week: [day(), day(), day(), day(), day(), vec![], vec![]],
        ..CalendarDef::five_by_eight()
    });
    assert_eq!(due(&c, "2026-03-02T11:30:00+08:00", "1h"), "2026-03-02T14:00:00+08:00");
    // The adjusted Saturday has an ordinary day's hours, lunch included.
    assert_eq!(due(&c, "2026-02-14T11:00:00+08:00", "2h"), "2026-02-14T14:30:00+08:00");
}

#[test]
fn bad_definitions_are_refused() {
    let tz = TimeZone::UTC;
    let mut d = CalendarDef::five_by_eight();
    d.week[0] = vec!["9-18".into()];
    assert!(matches!(d.build(tz.clone(), Holidays::default()), Err(CalendarError::Span { .. })));
    d.week[0] = vec!["13:00-18:00".into(), "09:00-14:00".into()];
    assert!(matches!(d.build(tz.clone(), Holidays::default()), Err(CalendarError::Order(_))));
    d.week = Default::default();
    assert_eq!(d.build(tz, Holidays::default()).unwrap_err(), CalendarError::NoWorkingTime);
    assert_eq!(Span::parse("18:00-09:00"), None);
    assert_eq!(Span::parse("00:00-24:00"), Some(Span { start: 0, end: 86_400 }));
    assert_eq!(Span::parse("24:30-25:00"), None);
}

#[test]
fn durations() {
    assert_eq!(parse_duration("4h"), Some(4 * H));
    assert_eq!(parse_duration("90m"), Some(5400));
    assert_eq!(parse_duration("1h30m"), Some(5400));
    assert_eq!(parse_duration("45s"), Some(45));
    for bad in ["", "4", "h", "4x", "-1h", "1.5h"] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
}

#[test]
fn a_new_year_added_by_an_administrator_counts() {
    let mut h = official().clone();
    h.add("2027-01-01".parse().unwrap(), DayKind::Holiday);
    let c = CalendarDef::five_by_eight().build(TimeZone::get("Asia/Shanghai").unwrap(), h).unwrap();
    assert_eq!(show(&c, c.due(ts("2026-12-31T17:00:00+08:00"), 2 * H).unwrap()), "2027-01-04T10:00:00+08:00");
}

#[test]
fn next_working_instant() {
    let c = five();
    let nw = |t: &str| show(&c, c.next_working(ts(t)).unwrap());
    // Inside working time: the instant itself.
    assert_eq!(nw("2026-11-25T10:15:00+08:00"), "2026-11-25T10:15:00+08:00");
    // Friday evening → Monday morning.
    assert_eq!(nw("2026-11-27T18:00:00+08:00"), "2026-11-30T09:00:00+08:00");
    // Eve of National Day → the first working day after the holiday week.
    assert_eq!(nw("2026-09-30T23:00:00+08:00"), "2026-10-08T09:00:00+08:00");
    // Saturday before the Spring Festival is an adjusted working day.
    assert_eq!(nw("2026-02-14T07:00:00+08:00"), "2026-02-14T09:00:00+08:00");
    assert_eq!(
        show(&seven(), seven().next_working(ts("2026-10-01T03:00:00+08:00")).unwrap()),
        "2026-10-01T03:00:00+08:00"
    );
}

fn any_calendar() -> impl Strategy<Value = Calendar> {
    prop_oneof![Just(five()), Just(seven())]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// due(start, d1 + d2) == due(due(start, d1), d2), and the working time to a due instant is exactly d.
    #[test]
    fn due_is_additive_and_inverse_to_elapsed(c in any_calendar(), start in 1_735_660_800i64..1_830_000_000, d1 in 0i64..300 * 3600, d2 in 0i64..300 * 3600) {
        let s = Timestamp::from_second(start).unwrap();
        let once = c.due(s, d1 + d2).unwrap();
        let twice = c.due(c.due(s, d1).unwrap(), d2).unwrap();
        prop_assert_eq!(once, twice);
        prop_assert_eq!(c.elapsed(s, once).unwrap(), d1 + d2);
    }

    /// The next working instant is never earlier, and nothing of working time lies between.
    #[test]
    fn next_working_skips_only_idle_time(c in any_calendar(), a in 1_735_660_800i64..1_830_000_000) {
        let t = Timestamp::from_second(a).unwrap();
        let n = c.next_working(t).unwrap();
        prop_assert!(n >= t);
        prop_assert_eq!(c.elapsed(t, n).unwrap(), 0);
        prop_assert_eq!(c.elapsed(n, Timestamp::from_second(n.as_second() + 1).unwrap()).unwrap(), 1);
    }

    /// Working time elapsed never decreases as wall time goes on, and never exceeds wall time.
    #[test]
    fn elapsed_is_monotonic(c in any_calendar(), a in 1_735_660_800i64..1_830_000_000, x in 0i64..40 * 86_400, y in 0i64..40 * 86_400) {
        let (lo, hi) = (x.min(y), x.max(y));
        let t = |s: i64| Timestamp::from_second(a + s).unwrap();
        let (e1, e2) = (c.elapsed(t(0), t(lo)).unwrap(), c.elapsed(t(0), t(hi)).unwrap());
        prop_assert!(e1 <= e2);
        prop_assert!(e2 <= hi);
        // Splitting an interval never loses or adds working time (pauses are never counted twice).
        prop_assert_eq!(c.elapsed(t(0), t(lo)).unwrap() + c.elapsed(t(lo), t(hi)).unwrap(), e2);
    }
}

#[test]
fn official_days_read_from_the_data_files_format() {
    let text = "date,weekday,kind,holiday_en,holiday_zh,in_lieu_day\n\
                2027-01-01,Fri,holiday,New Year's Day,元旦,no\n\
                2027-02-07,Sun,adjusted_workday,Spring Festival,春节,no\n";
    let days = parse_official_days(text).unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(
        (days[0].date.as_str(), days[0].kind, days[0].name.as_deref()),
        ("2027-01-01", DayKind::Holiday, Some("元旦"))
    );
    assert_eq!(days[1].kind, DayKind::AdjustedWorkday);
    // Every problem, by line; nothing taken from a file with one.
    let bad = "date,kind\n2027-13-01,holiday\n2027-02-08,adjusted_workday\n2027-02-09,day_off\n";
    let p = parse_official_days(bad).unwrap_err();
    assert_eq!(p.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![2, 3, 4], "{p:?}");
    assert!(parse_official_days("when,what\n").is_err());
    // The file this product ships parses whole.
    let shipped = include_str!("../../data/china-holidays-2004-2026.csv");
    assert!(parse_official_days(shipped).map(|d| d.len() > 500).unwrap_or(false));
}

#[test]
fn an_administrator_is_asked_for_next_years_days_from_november() {
    let d = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
    let known = [2025, 2026];
    assert_eq!(missing_official_year(d("2026-10-31"), &known), None);
    assert_eq!(missing_official_year(d("2026-11-01"), &known), Some(2027));
    assert_eq!(missing_official_year(d("2027-03-01"), &known), Some(2027), "the year itself is missing");
    assert_eq!(missing_official_year(d("2026-12-02"), &[2026, 2027]), None);
}
