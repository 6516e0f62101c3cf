use super::*;
use proptest::prelude::*;

const CUSTOMER: CustomerId = CustomerId(7);

fn actor(user: i64, role: Role, tier: Option<Tier>) -> FlowActor {
    FlowActor {
        user: UserId(user),
        role,
        tier,
        partner: if role == Role::PartnerEngineer { Some(PartnerId(5)) } else { None },
        customer: if role == Role::Customer { Some(CUSTOMER) } else { None },
    }
}

fn specialist() -> FlowActor {
    actor(1, Role::Specialist, None)
}
fn manager() -> FlowActor {
    actor(2, Role::Manager, None)
}
fn l1() -> FlowActor {
    actor(10, Role::Engineer, Some(Tier::L1))
}
fn l2() -> FlowActor {
    actor(20, Role::Engineer, Some(Tier::L2))
}
fn l3() -> FlowActor {
    actor(30, Role::Engineer, Some(Tier::L3))
}
fn customer() -> FlowActor {
    actor(40, Role::Customer, None)
}
fn other_customer() -> FlowActor {
    FlowActor { customer: Some(CustomerId(8)), ..customer() }
}

fn entitled(valid: bool, onsite: bool) -> Entitled {
    Entitled { has_contract: true, in_period: valid, onsite_included: onsite }
}

fn new(e: Entitled) -> Flow {
    Flow::recorded(CUSTOMER, Impact::Moderate, Urgency::High, e)
}

fn to_l1() -> Action {
    Action::Assign(Target { team: Some(TeamId(3)), assignee: Some(UserId(10)), partner: None, tier: Tier::L1 })
}

fn step(f: &Flow, a: Action, who: &FlowActor) -> Outcome {
    match decide(f, &a, who) {
        Ok(o) => o,
        Err(e) => panic!("{a:?} by {:?} refused: {e}", who.role),
    }
}

fn go(f: Flow, steps: Vec<(Action, FlowActor)>) -> Flow {
    steps.into_iter().fold(f, |f, (a, who)| step(&f, a, &who).flow)
}

#[test]
fn hotline_event_to_l1_onsite_signed_and_closed() {
    let f = go(new(entitled(true, true)), vec![(to_l1(), specialist()), (Action::Accept, l1())]);
    let o = step(&f, Action::RequestOnsite, &l1());
    assert_eq!(o.flow.state, State::AwaitingApproval, "the specialist checks the entitlement and decides");
    assert_eq!(
        o.effects,
        vec![Effect::ApprovalRequested {
            purpose: Purpose::Onsite,
            approver: Approver::Specialist,
            special_case: false
        }]
    );
    assert!(matches!(
        decide(&o.flow, &Action::Approve { l2: None }, &l1()),
        Err(Refusal::Said { forbidden: true, .. })
    ));
    let f = step(&o.flow, Action::Approve { l2: None }, &specialist()).flow;
    assert_eq!(f.state, State::Onsite);
    assert!(f.had_onsite);
    assert!(
        matches!(decide(&f, &Action::Resolve, &l1()), Err(Refusal::Said { forbidden: false, said }) if said.code == "report_before_resolve")
    );
    let f = go(f, vec![(Action::SubmitReport, l1()), (Action::ConfirmReport, l1()), (Action::Resolve, l1())]);
    assert_eq!(f.state, State::Resolved);
    assert!(
        matches!(decide(&f, &Action::Close, &specialist()), Err(Refusal::Said { forbidden: false, said }) if said.api_text().contains("confirmation"))
    );
    assert!(matches!(decide(&f, &Action::Confirm, &other_customer()), Err(Refusal::Said { forbidden: true, .. })));
    let f = go(f, vec![(Action::Confirm, customer()), (Action::Document, specialist())]);
    assert!(
        matches!(decide(&f, &Action::Close, &l1()), Err(Refusal::Said { forbidden: true, .. })),
        "engineers do not close"
    );
    let f = step(&f, Action::Close, &specialist()).flow;
    assert_eq!(f.state, State::Closed);
    assert!(decide(&f, &Action::Reopen { reason: "again".into() }, &customer()).is_err());
}

#[test]
fn outside_the_period_onsite_is_a_special_case_for_the_manager() {
    let f = go(new(entitled(false, true)), vec![(to_l1(), specialist()), (Action::Accept, l1())]);
    let o = step(&f, Action::RequestOnsite, &l1());
    assert_eq!(o.flow.state, State::AwaitingApproval);
    let p = o.flow.pending.clone().unwrap();
    assert_eq!((p.approver, p.special_case, p.purpose), (Approver::Manager, true, Purpose::Onsite));
    assert!(o.effects.contains(&Effect::NotifyManagers { reason: NotifyReason::ApprovalNeeded }));
    assert!(matches!(
        decide(&o.flow, &Action::Approve { l2: None }, &specialist()),
        Err(Refusal::Said { forbidden: true, .. })
    ));
    let f = step(&o.flow, Action::Approve { l2: None }, &manager()).flow;
    assert_eq!(f.state, State::Onsite);
    assert!(f.pending.is_none());
    // Not included in the level at all: also the manager's.
    let f = go(
        new(entitled(true, false)),
        vec![(to_l1(), specialist()), (Action::Accept, l1()), (Action::RequestOnsite, l1())],
    );
    assert_eq!(f.pending.unwrap().approver, Approver::Manager);
}

#[test]
fn l1_to_l2_needs_the_specialist_and_a_named_engineer() {
    let f =
        go(new(entitled(true, true)), vec![(to_l1(), specialist()), (Action::Accept, l1()), (Action::RequestL2, l1())]);
    assert_eq!(f.pending.as_ref().unwrap().approver, Approver::Specialist);
    assert!(
        matches!(decide(&f, &Action::Approve { l2: None }, &specialist()), Err(Refusal::Said { forbidden: false, said }) if said.code == "l2_named")
    );
    let target = Target { team: Some(TeamId(50)), assignee: Some(UserId(20)), partner: None, tier: Tier::L2 };
    let o = step(&f, Action::Approve { l2: Some(target) }, &specialist());
    assert_eq!((o.flow.state, o.flow.tier, o.flow.assignee), (State::Assigned, Tier::L2, Some(UserId(20))));
    assert!(o.effects.contains(&Effect::NotifyUser { user: UserId(20), reason: NotifyReason::Assigned }));
    assert!(o.effects.contains(&Effect::NotifyUser { user: UserId(10), reason: NotifyReason::ApprovalDecided }));
    // The L1 engineer no longer holds it; the L2 engineer does.
    assert!(decide(&o.flow, &Action::Accept, &l1()).is_err());
    let f = step(&o.flow, Action::Accept, &l2()).flow;
    assert!(matches!(decide(&f, &Action::RequestL2, &l2()), Err(Refusal::Said { forbidden: false, .. })));
    // An L2 on-site trip needs the manager even under a valid contract.
    let f = step(&f, Action::RequestOnsite, &l2()).flow;
    let p = f.pending.clone().unwrap();
    assert_eq!((p.approver, p.special_case), (Approver::Manager, false));
    assert!(decide(&f, &Action::Approve { l2: None }, &specialist()).is_err());
    assert_eq!(step(&f, Action::Approve { l2: None }, &manager()).flow.state, State::Onsite);
}

#[test]
fn the_specialist_may_refer_to_the_manager_and_invalid_contracts_go_there_directly() {
    let f =
        go(new(entitled(true, true)), vec![(to_l1(), specialist()), (Action::Accept, l1()), (Action::RequestL2, l1())]);
    let f = step(&f, Action::ReferToManager, &specialist()).flow;
    assert_eq!(f.pending.as_ref().unwrap().approver, Approver::Manager);
    assert!(decide(&f, &Action::ReferToManager, &specialist()).is_err());
    let f =
        go(new(Entitled::default()), vec![(to_l1(), specialist()), (Action::Accept, l1()), (Action::RequestL2, l1())]);
    let p = f.pending.unwrap();
    assert_eq!((p.approver, p.special_case), (Approver::Manager, true));
}

#[test]
fn a_rejection_returns_the_event_to_its_holder_with_the_reason() {
    let f =
        go(new(entitled(true, true)), vec![(to_l1(), specialist()), (Action::Accept, l1()), (Action::RequestL2, l1())]);
    assert!(matches!(
        decide(&f, &Action::Reject { reason: " ".into() }, &specialist()),
        Err(Refusal::Said { forbidden: false, .. })
    ));
    let o = step(&f, Action::Reject { reason: "先按手册检查缓存电池".into() }, &specialist());
    assert_eq!((o.flow.state, o.flow.assignee, o.flow.tier), (State::InProgress, Some(UserId(10)), Tier::L1));
    assert!(o.flow.pending.is_none());
    assert!(o.effects.contains(&Effect::NotifyUser { user: UserId(10), reason: NotifyReason::ApprovalDecided }));
}

#[test]
fn major_incidents_tell_the_manager_and_need_a_review() {
    let f = Flow::recorded(CUSTOMER, Impact::Extensive, Urgency::Critical, entitled(true, false));
    assert!(f.major);
    assert_eq!(intake_effects(&f), vec![Effect::NotifyManagers { reason: NotifyReason::MajorIncident }]);
    let f = go(new(entitled(true, false)), vec![(to_l1(), specialist()), (Action::Accept, l1())]);
    let o = step(&f, Action::Reclassify { impact: Impact::Extensive, urgency: Urgency::High }, &l1());
    assert!(o.flow.major);
    assert_eq!(o.effects, vec![Effect::NotifyManagers { reason: NotifyReason::MajorIncident }]);
    let again = step(&o.flow, Action::Reclassify { impact: Impact::Extensive, urgency: Urgency::Critical }, &l1());
    assert!(again.effects.is_empty(), "told once");
    let f = go(
        o.flow,
        vec![
            (Action::SubmitReport, l1()),
            (Action::Resolve, l1()),
            (Action::Confirm, specialist()),
            (Action::Document, l1()),
        ],
    );
    assert!(
        matches!(decide(&f, &Action::Close, &specialist()), Err(Refusal::Said { forbidden: false, said }) if said.api_text().contains("review"))
    );
    let f = go(f, vec![(Action::Review, specialist()), (Action::Close, specialist())]);
    assert_eq!(f.state, State::Closed);
}

#[test]
fn reopen_after_resolution_and_l3_consultation() {
    let f = go(new(entitled(true, true)), vec![(to_l1(), specialist()), (Action::Accept, l1())]);
    let o = step(&f, Action::ConsultL3 { expert: UserId(30) }, &l1());
    assert_eq!(o.effects, vec![Effect::NotifyUser { user: UserId(30), reason: NotifyReason::Consultation }]);
    assert!(decide(&o.flow, &Action::ConsultL3 { expert: UserId(30) }, &l1()).is_err());
    assert!(decide(&o.flow, &Action::Resolve, &l3()).is_err(), "a consultant advises; the holder resolves");
    let f = go(o.flow, vec![(Action::SubmitReport, l1()), (Action::Resolve, l1())]);
    let o = step(&f, Action::Reopen { reason: "备份任务仍然失败".into() }, &customer());
    assert_eq!(o.flow.state, State::InProgress);
    assert_eq!(o.effects, vec![Effect::NotifyUser { user: UserId(10), reason: NotifyReason::Reopened }]);
}

#[test]
fn partner_engineers_hold_what_their_firm_is_given() {
    let f = new(entitled(true, true));
    let to_partner = Action::Assign(Target { team: None, assignee: None, partner: Some(PartnerId(5)), tier: Tier::L1 });
    let f = step(&f, to_partner, &specialist()).flow;
    let p = actor(60, Role::PartnerEngineer, Some(Tier::L1));
    assert!(available(&f, &p).contains(&ActionKind::Accept));
    let other_firm = FlowActor { partner: Some(PartnerId(6)), ..p.clone() };
    assert!(available(&f, &other_firm).is_empty());
    assert_eq!(step(&f, Action::Accept, &p).flow.state, State::InProgress);
}

#[test]
fn the_table_offers_only_what_may_be_done() {
    let f = go(new(entitled(true, true)), vec![(to_l1(), specialist())]);
    assert_eq!(
        available(&f, &l1()),
        vec![ActionKind::Accept, ActionKind::ConsultL3, ActionKind::Document, ActionKind::Reclassify]
    );
    assert_eq!(available(&f, &customer()), vec![]);
    assert!(available(&f, &specialist()).contains(&ActionKind::Cancel));
    assert!(!available(&f, &specialist()).contains(&ActionKind::Close));
}

proptest! {
    /// What `available` offers is exactly what `decide` would not refuse for the event's own reasons.
    #[test]
    fn available_agrees_with_decide(steps in proptest::collection::vec((any_action(), any_actor()), 0..30), who in any_actor()) {
        let mut f = new(entitled(true, true));
        for (a, w) in steps {
            if let Ok(o) = decide(&f, &a, &w) { f = o.flow; }
        }
        for kind in available(&f, &who) {
            prop_assert!(decide(&f, &probe(kind, &f), &who).is_ok(), "{kind:?} offered but refused");
        }
    }
}

fn any_actor() -> impl Strategy<Value = FlowActor> {
    prop::sample::select(vec![
        specialist(),
        manager(),
        l1(),
        l2(),
        l3(),
        customer(),
        other_customer(),
        actor(60, Role::PartnerEngineer, Some(Tier::L1)),
    ])
}

fn any_action() -> impl Strategy<Value = Action> {
    let targets = prop::sample::select(vec![
        Target { team: Some(TeamId(3)), assignee: Some(UserId(10)), partner: None, tier: Tier::L1 },
        Target { team: Some(TeamId(50)), assignee: Some(UserId(20)), partner: None, tier: Tier::L2 },
        Target { team: None, assignee: None, partner: Some(PartnerId(5)), tier: Tier::L1 },
    ]);
    prop_oneof![
        targets.clone().prop_map(Action::Assign),
        Just(Action::Accept),
        Just(Action::RequestOnsite),
        Just(Action::RequestL2),
        Just(Action::ReferToManager),
        prop::option::of(targets).prop_map(|l2| Action::Approve { l2 }),
        Just(Action::Reject { reason: "no".into() }),
        Just(Action::ConsultL3 { expert: UserId(30) }),
        Just(Action::FinishOnsite),
        Just(Action::WaitForCustomer),
        Just(Action::CustomerResponded),
        Just(Action::Resolve),
        Just(Action::SubmitReport),
        Just(Action::ConfirmReport),
        Just(Action::Confirm),
        Just(Action::Reopen { reason: "again".into() }),
        Just(Action::Document),
        Just(Action::Review),
        prop::sample::select(Impact::ALL.to_vec())
            .prop_map(|impact| Action::Reclassify { impact, urgency: Urgency::High }),
        Just(Action::Close),
        Just(Action::Cancel { reason: "duplicate".into() }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// No sequence of actions by any mix of roles reaches `closed` without every guard holding,
    /// and the flow never holds an approval outside `awaiting_approval`.
    #[test]
    fn closed_only_when_the_process_was_followed(
        valid in any::<bool>(), onsite in any::<bool>(), has in any::<bool>(),
        steps in proptest::collection::vec((any_action(), any_actor()), 0..60),
    ) {
        let mut f = new(Entitled { has_contract: has, in_period: valid, onsite_included: onsite });
        for (a, who) in steps {
            if let Ok(o) = decide(&f, &a, &who) {
                if matches!(a, Action::Approve { .. }) && f.pending.as_ref().is_some_and(|p| p.approver == Approver::Manager) {
                    prop_assert_eq!(who.role, Role::Manager);
                }
                if let Some(p) = &o.flow.pending
                    && p.special_case
                {
                    prop_assert_eq!(p.approver, Approver::Manager);
                }
                // Nobody goes on site without a person's approval; a specialist approves only
                // an entitled L1 request, anything else is the manager's.
                if o.flow.state == State::Onsite && f.state != State::Onsite {
                    prop_assert!(matches!(a, Action::Approve { .. }), "{:?} went on site", a);
                    if f.pending.as_ref().is_some_and(|p| p.approver == Approver::Specialist) {
                        prop_assert!(f.entitled.valid() && f.entitled.onsite_included && f.tier == Tier::L1);
                    }
                }
                f = o.flow;
            }
            prop_assert_eq!(f.pending.is_some(), f.state == State::AwaitingApproval);
            if f.state == State::Closed {
                prop_assert!(f.customer_confirmed && f.documented && f.report >= ReportState::Submitted);
                prop_assert!(!f.had_onsite || f.report == ReportState::Confirmed);
                prop_assert!(!f.major || f.reviewed);
            }
        }
    }
}

#[test]
fn who_adds_which_work() {
    let f = go(new(entitled(true, true)), vec![(to_l1(), specialist()), (Action::Accept, l1())]);
    assert_eq!(may_add_work(&f, &customer(), WorkKind::Note), Ok(false), "a customer's note is never internal");
    assert_eq!(may_add_work(&f, &customer(), WorkKind::Call), Err(WorkRefusal::CustomersAddNotes));
    assert_eq!(may_add_work(&f, &l1(), WorkKind::Visit), Err(WorkRefusal::NotOnsiteHolder), "no on-site approval yet");
    let asked = step(&f, Action::RequestOnsite, &l1()).flow;
    let onsite = step(&asked, Action::Approve { l2: None }, &specialist()).flow;
    assert_eq!(may_add_work(&onsite, &l1(), WorkKind::Visit), Ok(true));
    assert_eq!(may_add_work(&onsite, &l2(), WorkKind::Visit), Err(WorkRefusal::NotOnsiteHolder));
    assert_eq!(may_add_work(&onsite, &specialist(), WorkKind::Note), Ok(true));
    let cancelled = step(&f, Action::Cancel { reason: "重复".into() }, &specialist()).flow;
    assert_eq!(may_add_work(&cancelled, &l1(), WorkKind::Note), Err(WorkRefusal::Closed));
    assert!(may_send_confirmation_link(&onsite, &l1()) && may_send_confirmation_link(&onsite, &specialist()));
    assert!(!may_send_confirmation_link(&onsite, &l2()) && !may_send_confirmation_link(&onsite, &customer()));
}

#[test]
fn visit_times_hours_ahead_are_implausible() {
    let now: jiff::Timestamp = "2026-03-02T10:00:00+08:00".parse().unwrap();
    let later = |s: i64| now.checked_add(jiff::SignedDuration::from_secs(s)).unwrap();
    assert!(visit_time_plausible(now, now));
    assert!(visit_time_plausible(later(-3 * 3600), now), "entered afterwards");
    assert!(visit_time_plausible(later(4 * 60), now), "a phone's clock a little ahead");
    assert!(!visit_time_plausible(later(3 * 3600), now));
    assert_eq!(visit_minutes(now, later(95 * 60 + 30)), 95);
    assert_eq!(visit_minutes(later(60), now), 0);
}
