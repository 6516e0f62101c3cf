use super::*;
use crate::calendar::{CalendarDef, official};
use proptest::prelude::*;

const CUSTOMER: CustomerId = CustomerId(7);
const TEAM: TeamId = TeamId(3);

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn five_by_eight() -> impl Fn(Date) -> bool {
    let cal = CalendarDef::five_by_eight()
        .build(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap(), official().clone())
        .unwrap();
    move |day| cal.is_working_day(day)
}

fn actor(user: i64, role: Role) -> PlanActor {
    PlanActor {
        user: UserId(user),
        role,
        customer: (role == Role::Customer).then_some(CUSTOMER),
        leads: if user == 11 { vec![TEAM] } else { vec![] },
    }
}
fn specialist() -> PlanActor {
    actor(1, Role::Specialist)
}
fn manager() -> PlanActor {
    actor(2, Role::Manager)
}
/// The engineer assigned in these tests.
fn engineer() -> PlanActor {
    actor(10, Role::Engineer)
}
/// The lead of the engagement's team.
fn lead() -> PlanActor {
    actor(11, Role::Engineer)
}
fn customer() -> PlanActor {
    actor(40, Role::Customer)
}
fn other_customer() -> PlanActor {
    PlanActor { customer: Some(CustomerId(8)), ..customer() }
}

fn planned(over_quota: bool) -> Engagement {
    Engagement {
        kind: Kind::Inspection,
        state: State::Planned,
        customer: CUSTOMER,
        team: Some(TEAM),
        engineer: None,
        year_start: d("2026-01-01"),
        year_end: d("2026-12-31"),
        window_start: d("2026-01-01"),
        window_end: d("2026-03-31"),
        proposed_date: None,
        agreed_date: None,
        over_quota,
        approved: false,
        report_submitted: false,
        customer_confirmed: false,
    }
}

fn step(e: &Engagement, a: Action, who: &PlanActor) -> Engagement {
    match decide(e, &a, who) {
        Ok(n) => n,
        Err(r) => panic!("{a:?} by {:?} refused: {r}", who.role),
    }
}

#[test]
fn four_inspections_a_year_are_one_per_quarter_and_avoid_holidays() {
    let q = Quotas { inspections: 4, dr_drills: 1, standby_days: 5, ..Quotas::default() };
    let plan = slots(d("2026-01-01"), d("2026-12-31"), &q, &five_by_eight());
    let insp: Vec<&Slot> = plan.iter().filter(|s| s.kind == Kind::Inspection).collect();
    assert_eq!(insp.len(), 4);
    let quarters = [
        ("2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026-06-30"),
        ("2026-07-01", "2026-09-30"),
        ("2026-10-01", "2026-12-31"),
    ];
    for (s, (a, b)) in insp.iter().zip(quarters) {
        assert_eq!((s.window_start, s.window_end), (d(a), d(b)));
        assert!(s.suggested >= s.window_start && s.suggested <= s.window_end);
    }
    // The middle of the first quarter is Saturday 14 February 2026, an adjusted
    // working day (调休) before the Spring Festival holiday: it is kept.
    assert_eq!(insp[0].suggested, d("2026-02-14"));
    // A window whose middle falls in the holiday (15–23 February) moves to the nearest working day.
    assert_eq!(suggest(d("2026-02-10"), d("2026-02-28"), &five_by_eight()), d("2026-02-24"));
    // The middle of the fourth quarter (15 November) is a Sunday.
    assert_eq!(insp[3].suggested, d("2026-11-16"));
    assert_eq!(plan.iter().filter(|s| s.kind == Kind::DrDrill).count(), 1);
    assert!(plan.iter().all(|s| s.kind != Kind::Standby), "standby is booked on request, not spread");
    let work = five_by_eight();
    assert!(plan.iter().all(|s| work(s.suggested)));
}

#[test]
fn every_contract_year_of_the_period_is_planned_and_a_short_last_year_gets_its_share() {
    let q = Quotas { inspections: 4, ..Quotas::default() };
    let years = contract_years(d("2025-07-01"), d("2026-12-31"));
    assert_eq!(years.len(), 2);
    assert_eq!((years[0].start, years[0].end), (d("2025-07-01"), d("2026-06-30")));
    assert_eq!((years[1].start, years[1].end), (d("2026-07-01"), d("2026-12-31")));
    assert!(years[0].whole() && !years[1].whole());
    let plan = slots(d("2025-07-01"), d("2026-12-31"), &q, &five_by_eight());
    assert_eq!(plan.iter().filter(|s| s.year.index == 1).count(), 4);
    assert_eq!(plan.iter().filter(|s| s.year.index == 2).count(), 2, "half a year: half the quota");
    for s in &plan {
        assert!(s.window_start >= s.year.start && s.window_end <= s.year.end, "{s:?}");
        assert!(s.window_start <= s.window_end);
        assert!(s.window_start >= d("2025-07-01") && s.window_end <= d("2026-12-31"));
    }
    // Windows of a year do not overlap and leave no gap.
    let y2: Vec<&Slot> = plan.iter().filter(|s| s.year.index == 2).collect();
    assert_eq!(y2[0].window_end.tomorrow().unwrap(), y2[1].window_start);
    assert_eq!(y2[1].window_end, d("2026-12-31"));
    assert!(slots(d("2026-01-01"), d("2026-01-01"), &q, &five_by_eight()).len() <= 1);
    assert_eq!(contract_years(d("2026-01-01"), d("2099-12-31")).len() as i32, MAX_YEARS);
}

#[test]
fn a_day_with_no_working_day_in_its_window_keeps_the_middle() {
    let never = |_d: Date| false;
    assert_eq!(suggest(d("2026-10-01"), d("2026-10-07"), &never), d("2026-10-04"));
    let work = five_by_eight();
    // National Day week: 1–7 October 2026 off, 8 October a working day.
    assert_eq!(suggest(d("2026-10-01"), d("2026-10-08"), &work), d("2026-10-08"));
}

#[test]
fn the_whole_way_to_closed() {
    let e = planned(false);
    let e = step(&e, Action::Assign { engineer: UserId(10) }, &lead());
    let e = step(&e, Action::ProposeDate { date: d("2026-02-24") }, &specialist());
    assert_eq!(available(&e, &customer()), vec![ActionKind::AcceptDate]);
    assert!(available(&e, &other_customer()).is_empty());
    let e = step(&e, Action::AcceptDate, &customer());
    assert_eq!((e.state, e.agreed_date), (State::DateAgreed, Some(d("2026-02-24"))));
    assert_eq!(available(&e, &engineer()), vec![ActionKind::Start]);
    let e = step(&e, Action::Start, &engineer());
    let e = step(&e, Action::SubmitReport, &engineer());
    assert!(available(&e, &specialist()).iter().all(|k| *k != ActionKind::Close));
    let e = step(&e, Action::Confirm, &customer());
    assert!(e.state.delivered());
    let e = step(&e, Action::Close, &specialist());
    assert_eq!(e.state, State::Closed);
    assert!(available(&e, &manager()).is_empty());
}

#[test]
fn who_may_do_what() {
    let e = planned(false);
    // Only the lead of the engagement's own team plans among engineers.
    assert!(is_planner(&e, &lead()) && !is_planner(&e, &engineer()));
    let refused = decide(&e, &Action::AgreeDate { date: d("2026-03-02") }, &engineer()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { forbidden: true, .. }));
    let refused = decide(&e, &Action::AgreeDate { date: d("2026-03-02") }, &customer()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { forbidden: true, .. }));
    // The customer accepts only a proposed date.
    let refused = decide(&e, &Action::AcceptDate, &customer()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { forbidden: false, ref said } if said.code == "plan_no_proposal"));
    // Not in this state: 409.
    let refused = decide(&e, &Action::Start, &engineer()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { forbidden: true, .. }), "not assigned yet: not theirs");
    let e = step(&e, Action::Assign { engineer: UserId(10) }, &specialist());
    let refused = decide(&e, &Action::Start, &engineer()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { forbidden: false, ref said } if said.code == "plan_not_now"));
    // Dates lie inside the contract year.
    let refused = decide(&e, &Action::AgreeDate { date: d("2027-01-04") }, &specialist()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { ref said, .. } if said.code == "plan_outside_year"));
    let refused =
        decide(&e, &Action::AdjustWindow { start: d("2026-05-01"), end: d("2026-04-01") }, &specialist()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { ref said, .. } if said.code == "plan_window_order"));
    // Postponing and cancelling need a reason.
    let refused = decide(&e, &Action::Postpone { reason: " ".into() }, &specialist()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { ref said, .. } if said.code == "plan_reason_required"));
    let p = step(&e, Action::Postpone { reason: "客户机房搬迁".into() }, &specialist());
    assert_eq!(p.state, State::Postponed);
    let back = step(&p, Action::AgreeDate { date: d("2026-04-07") }, &specialist());
    assert_eq!(back.state, State::DateAgreed);
}

#[test]
fn an_engagement_beyond_the_quota_needs_the_managers_approval() {
    let e = planned(true);
    let e = step(&e, Action::Assign { engineer: UserId(10) }, &specialist());
    let e = step(&e, Action::AgreeDate { date: d("2026-03-02") }, &specialist());
    assert!(available(&e, &engineer()).is_empty(), "no start before approval");
    let refused = decide(&e, &Action::Start, &engineer()).unwrap_err();
    assert!(matches!(refused, Refusal::Said { forbidden: false, ref said } if said.code == "plan_needs_approval"));
    assert!(decide(&e, &Action::Approve, &specialist()).is_err(), "the manager approves");
    let e = step(&e, Action::Approve, &manager());
    assert!(decide(&e, &Action::Approve, &manager()).is_err(), "once");
    let e = step(&e, Action::Start, &engineer());
    assert_eq!(e.state, State::InProgress);
    assert!(decide(&planned(false), &Action::Approve, &manager()).is_err(), "nothing to approve within the quota");
}

#[test]
fn quota_use_counts_delivered_scheduled_and_remaining() {
    let c = |state, units, over_quota| Counted { state, units, over_quota };
    let items = [
        c(State::Closed, 1, false),
        c(State::Confirmed, 1, false),
        c(State::DateAgreed, 1, false),
        c(State::Cancelled, 1, false),
        c(State::Planned, 1, true),
    ];
    let u = usage(Kind::Inspection, 4, &items);
    assert_eq!((u.delivered, u.scheduled, u.remaining, u.chargeable), (2, 2, 2, 1));
    assert!(over_quota(4, &items, 1), "four held (the cancelled one gives its place back)");
    assert!(!over_quota(5, &items, 1));
    let u = usage(Kind::Standby, 3, &[c(State::Closed, 5, false)]);
    assert_eq!(u.remaining, 0, "never negative");
}

fn any_actor() -> impl Strategy<Value = PlanActor> {
    prop::sample::select(vec![
        specialist(),
        manager(),
        engineer(),
        lead(),
        customer(),
        other_customer(),
        actor(12, Role::Engineer),
        actor(13, Role::PartnerEngineer),
    ])
}

fn any_date() -> impl Strategy<Value = Date> {
    (0i32..500).prop_map(|k| add_days(d("2025-10-01"), k))
}

fn any_action() -> impl Strategy<Value = Action> {
    let reason = prop::sample::select(vec!["".to_owned(), "客户要求".to_owned()]);
    let engineer = prop::sample::select(vec![UserId(10), UserId(12), UserId(13)]);
    prop_oneof![
        (any_date(), any_date()).prop_map(|(start, end)| Action::AdjustWindow { start, end }),
        any_date().prop_map(|date| Action::ProposeDate { date }),
        Just(Action::AcceptDate),
        any_date().prop_map(|date| Action::AgreeDate { date }),
        engineer.prop_map(|engineer| Action::Assign { engineer }),
        Just(Action::Approve),
        Just(Action::Start),
        Just(Action::SubmitReport),
        Just(Action::Confirm),
        Just(Action::Close),
        reason.clone().prop_map(|reason| Action::Postpone { reason }),
        reason.prop_map(|reason| Action::Cancel { reason }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No sequence of actions by any mix of people reaches `closed` (or counts
    /// as delivered) without a submitted report the customer confirmed, and an
    /// engagement beyond the quota is never started or delivered unapproved.
    #[test]
    fn nothing_is_delivered_without_the_process(
        over in any::<bool>(),
        steps in proptest::collection::vec((any_action(), any_actor()), 0..60),
    ) {
        let mut e = planned(over);
        let mut confirmed_by_customer = false;
        for (a, who) in steps {
            if let Ok(n) = decide(&e, &a, &who) {
                if a.kind() == ActionKind::Confirm {
                    prop_assert_eq!(who.role, Role::Customer);
                    prop_assert_eq!(who.customer, Some(CUSTOMER));
                    confirmed_by_customer = true;
                }
                if a.kind() == ActionKind::SubmitReport {
                    confirmed_by_customer = false;
                }
                e = n;
            }
            if e.state == State::Closed {
                prop_assert!(e.report_submitted && e.customer_confirmed && confirmed_by_customer);
            }
            if e.state.delivered() {
                prop_assert!(e.report_submitted && e.customer_confirmed);
            }
            if e.over_quota && matches!(e.state, State::InProgress | State::ReportSubmitted | State::Confirmed | State::Closed) {
                prop_assert!(e.approved, "over quota and unapproved in {:?}", e.state);
            }
            prop_assert!(e.agreed_date.is_none_or(|x| x >= e.year_start && x <= e.year_end));
            prop_assert!(e.window_start <= e.window_end);
        }
    }

    /// What `available` offers is what `decide` accepts.
    #[test]
    fn available_agrees_with_decide(
        over in any::<bool>(),
        steps in proptest::collection::vec((any_action(), any_actor()), 0..40),
        who in any_actor(),
    ) {
        let mut e = planned(over);
        for (a, w) in steps {
            if let Ok(n) = decide(&e, &a, &w) { e = n; }
        }
        for kind in available(&e, &who) {
            prop_assert!(decide(&e, &probe(kind, &e), &who).is_ok(), "{:?} offered but refused", kind);
        }
    }

    /// Quota accounting never goes negative, its parts add up, and what is
    /// booked beyond the quota is exactly what `over_quota` flags.
    #[test]
    fn quota_accounting_never_goes_negative(
        quota in 0i64..20,
        items in proptest::collection::vec((prop::sample::select(State::ALL.to_vec()), 0i64..5, any::<bool>()), 0..30),
    ) {
        let items: Vec<Counted> = items.into_iter().map(|(state, units, over_quota)| Counted { state, units, over_quota }).collect();
        let u = usage(Kind::Inspection, quota, &items);
        prop_assert!(u.delivered >= 0 && u.scheduled >= 0 && u.remaining >= 0 && u.chargeable >= 0);
        prop_assert!(u.remaining <= u.quota);
        let cancelled: i64 = items.iter().filter(|c| c.state == State::Cancelled).map(|c| c.units).sum();
        let all: i64 = items.iter().map(|c| c.units).sum();
        prop_assert_eq!(u.delivered + u.scheduled + cancelled, all);
        // Booking one at a time, flagging each that does not fit, never
        // leaves more unflagged units held than the quota.
        let mut booked: Vec<Counted> = Vec::new();
        for c in &items {
            let over_quota = over_quota(quota, &booked, c.units);
            booked.push(Counted { over_quota, ..*c });
        }
        let within: i64 = booked.iter().filter(|c| !c.over_quota && c.state != State::Cancelled).map(|c| c.units).sum();
        prop_assert!(within <= quota);
    }

    /// Generated plans stay inside the period, their windows inside their year,
    /// each kind's count is its quota in a whole year, suggested days are working days when the window has one.
    #[test]
    fn plans_stay_inside_the_period(
        start in 0i32..900, len in 0i32..1200,
        insp in 0i64..14, drills in 0i64..3, trainings in 0i64..400,
    ) {
        let s = add_days(d("2024-01-01"), start);
        let e = add_days(s, len);
        let q = Quotas { inspections: insp, dr_drills: drills, trainings, ..Quotas::default() };
        let work = five_by_eight();
        let plan = slots(s, e, &q, &work);
        for slot in &plan {
            prop_assert!(slot.window_start >= s && slot.window_end <= e);
            prop_assert!(slot.window_start >= slot.year.start && slot.window_end <= slot.year.end);
            prop_assert!(slot.window_start <= slot.suggested && slot.suggested <= slot.window_end);
        }
        for y in contract_years(s, e) {
            if y.whole() {
                let n = plan.iter().filter(|x| x.year.index == y.index && x.kind == Kind::Inspection).count() as i64;
                prop_assert_eq!(n, insp);
            }
            let t = plan.iter().filter(|x| x.year.index == y.index && x.kind == Kind::Training).count() as i64;
            prop_assert!(t <= i64::from(y.days()));
        }
    }
}
