//! Acting on an event: the input becomes a core `Action`, the transition table
//! decides, and the outcome is written with its journal row, approval records
//! and notifications in one transaction.

use super::intake::{TargetInput, all};
use super::{Event, flow_actor, load, save};
use crate::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::mail::{Notice, notify};
use crate::records::Stored;
use fuwu_core::FieldErrors;
use fuwu_core::flow::{self, Action, ActionKind, Approver, Effect, NotifyReason, Purpose, Refusal, Target};
use fuwu_core::ids::*;
use fuwu_core::priority::{Impact, Urgency};
use fuwu_core::records::{Partner, Team, User};
use fuwu_core::role::{Role, Tier};
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::{Conn, tables};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A knowledge article written as the documentation step.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArticle {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The review (回顾) of a major incident.
#[derive(Debug, Clone, Deserialize, ToSchema, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub cause: String,
    pub timeline: String,
    pub actions: String,
}

/// An action on an event. Which fields matter depends on `action`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    pub action: ActionKind,
    /// The event version the action is based on; a stale one gets 409.
    #[serde(default)]
    pub version: Option<i64>,
    /// Why: required to reject, reopen, cancel, and to override the routing suggestion
    /// (also accepted as `target.reason`); for a request of on-site work or L2, the
    /// requester's reason shown to the approver.
    #[serde(default)]
    pub reason: Option<String>,
    /// `request_onsite`, `request_l2`, `consult_l3`: the handover for whoever takes it
    /// next (what was tried, what to bring), shown to the approver.
    #[serde(default)]
    pub handover: Option<String>,
    /// `assign`: where to; `approve` of an L2 request: the named L2 engineer.
    #[serde(default)]
    pub target: Option<TargetInput>,
    /// `consult_l3`: the L3 expert.
    #[serde(default)]
    pub expert_id: Option<UserId>,
    /// `reclassify`.
    #[serde(default)]
    pub impact: Option<Impact>,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    /// `resolve`: what solved it.
    #[serde(default)]
    pub resolution: Option<String>,
    /// `document`: one of an existing article, a new article, or why none is needed.
    #[serde(default)]
    pub article_id: Option<i64>,
    #[serde(default)]
    pub new_article: Option<NewArticle>,
    #[serde(default)]
    pub no_article_reason: Option<String>,
    /// `review`.
    #[serde(default)]
    pub review: Option<ReviewInput>,
}

fn refusal(r: Refusal) -> AppError {
    AppError::from(r)
}

fn reason_of(input: &ActionInput) -> Result<String, AppError> {
    match input.reason.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => Ok(r.to_owned()),
        _ => Err(AppError::invalid("reason", "required", "a reason is required")),
    }
}

/// Resolves a dispatch target against the records.
pub async fn resolve_target(conn: &mut Conn, t: &TargetInput, want_tier: Option<Tier>) -> Result<Target, AppError> {
    if let Some(e) = t.engineer_id {
        let u: Stored<User> = crud::get(conn, &tables::USER, e.0)
            .await?
            .map(Stored::from_map)
            .transpose()?
            .filter(|u: &Stored<User>| u.data.active && matches!(u.data.role, Role::Engineer | Role::PartnerEngineer))
            .ok_or_else(|| {
                AppError::invalid("target.engineer_id", "unknown_id", "target.engineer_id: no such active engineer")
            })?;
        let tier = u.data.tier.unwrap_or(Tier::L1);
        if let Some(w) = want_tier
            && w != tier
        {
            return Err(AppError::invalid(
                "target.engineer_id",
                "wrong_tier",
                format!("target.engineer_id must be an {w:?} engineer"),
            ));
        }
        return Ok(Target {
            team: t.team_id.or(u.data.team_id),
            assignee: Some(UserId(u.id)),
            partner: u.data.partner_id,
            tier,
        });
    }
    if let Some(p) = t.partner_id {
        let _: Stored<Partner> =
            crud::get(conn, &tables::PARTNER, p.0).await?.map(Stored::from_map).transpose()?.ok_or_else(|| {
                AppError::invalid("target.partner_id", "unknown_id", "target.partner_id: no such partner firm")
            })?;
        return Ok(Target { team: None, assignee: None, partner: Some(p), tier: Tier::L1 });
    }
    if let Some(team) = t.team_id {
        let tm: Stored<Team> = crud::get(conn, &tables::TEAM, team.0)
            .await?
            .map(Stored::from_map)
            .transpose()?
            .ok_or_else(|| AppError::invalid("target.team_id", "unknown_id", "target.team_id: no such team"))?;
        let tier = tm.data.kind.tier().unwrap_or(Tier::L1);
        if want_tier.is_some_and(|w| w != tier) {
            return Err(AppError::invalid("target.engineer_id", "required", "name the engineer"));
        }
        return Ok(Target { team: Some(team), assignee: None, partner: None, tier });
    }
    Err(AppError::invalid("target", "required", "name an engineer, a team or a partner firm"))
}

/// Whether a target is the routing's first suggestion.
fn is_top_suggestion(e: &Event, t: &Target) -> bool {
    let top = e.routing.as_ref().and_then(|r| r.get("candidates")).and_then(|c| c.get(0));
    let Some(top) = top else { return true };
    let engineer = top.get("engineer_id").and_then(Value::as_i64);
    let partner = top.get("partner_id").and_then(Value::as_i64);
    match (t.assignee, t.partner) {
        (Some(u), _) => engineer == Some(u.0),
        (None, Some(p)) => partner == Some(p.0),
        _ => false,
    }
}

/// Dispatches an event inside a transaction (intake's one click, or the assign action).
pub async fn assign_in(
    conn: &mut Conn,
    now: Timestamp,
    c: &Caller,
    id: i64,
    t: TargetInput,
    version: Option<i64>,
) -> Result<Stored<Event>, AppError> {
    let input = ActionInput {
        action: ActionKind::Assign,
        version,
        reason: t.reason.clone(),
        handover: None,
        target: Some(t),
        expert_id: None,
        impact: None,
        urgency: None,
        resolution: None,
        article_id: None,
        new_article: None,
        no_article_reason: None,
        review: None,
    };
    act_in(conn, now, c, id, input).await
}

/// Takes an action on an event.
pub async fn act(app: &App, c: &Caller, id: i64, input: ActionInput) -> Result<Stored<Event>, AppError> {
    let mut tx = app.db.begin().await?;
    let out = act_in(&mut tx, app.clock.now(), c, id, input).await.map_err(|e| super::view_error_for(c, e))?;
    tx.commit().await?;
    Ok(super::view_for(c, out))
}

/// Takes an action inside a transaction.
pub async fn act_in(
    conn: &mut Conn,
    now: Timestamp,
    c: &Caller,
    id: i64,
    input: ActionInput,
) -> Result<Stored<Event>, AppError> {
    let (stored, before) = load(conn, c, id).await?;
    if let Some(v) = input.version
        && v != stored.version
    {
        return Err(AppError::Conflict {
            message: format!("the event is now at version {}; reload and try again", stored.version),
            field: Some("version".into()),
            current: Some(Value::Object(before)),
        });
    }
    let mut event = stored.data.clone();
    let mut detail = json!({});
    let action = match input.action {
        ActionKind::Assign => {
            let t =
                input.target.as_ref().ok_or_else(|| AppError::invalid("target", "required", "name where to assign"))?;
            let target = resolve_target(conn, t, None).await?;
            if !is_top_suggestion(&event, &target) {
                let r = t
                    .reason
                    .as_deref()
                    .or(input.reason.as_deref())
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| {
                        AppError::invalid("reason", "required", "overriding the routing suggestion needs a reason")
                    })?;
                detail = json!({"override_reason": r});
            }
            detail["target"] = json!({"team_id": target.team, "engineer_id": target.assignee, "partner_id": target.partner, "tier": target.tier});
            Action::Assign(target)
        }
        ActionKind::Accept => Action::Accept,
        ActionKind::RequestOnsite => Action::RequestOnsite,
        ActionKind::RequestL2 => Action::RequestL2,
        ActionKind::ReferToManager => Action::ReferToManager,
        ActionKind::Approve => {
            let l2 = match &event.flow.pending {
                Some(p) if p.purpose == Purpose::EscalateL2 => {
                    let t = input.target.as_ref().filter(|t| t.engineer_id.is_some()).ok_or_else(|| {
                        AppError::invalid(
                            "target.engineer_id",
                            "required",
                            "approving an L2 request names the L2 engineer",
                        )
                    })?;
                    let target = resolve_target(conn, t, Some(Tier::L2)).await?;
                    detail = json!({"l2_engineer_id": target.assignee});
                    Some(target)
                }
                _ => None,
            };
            Action::Approve { l2 }
        }
        ActionKind::Reject => Action::Reject { reason: reason_of(&input)? },
        ActionKind::ConsultL3 => {
            let e = input.expert_id.ok_or_else(|| AppError::invalid("expert_id", "required", "name the L3 expert"))?;
            let expert: Option<Stored<User>> =
                crud::get(conn, &tables::USER, e.0).await?.map(Stored::from_map).transpose()?;
            if !expert.is_some_and(|u| u.data.active && u.data.role == Role::Engineer && u.data.tier == Some(Tier::L3))
            {
                return Err(AppError::invalid("expert_id", "wrong_tier", "expert_id must be an active L3 engineer"));
            }
            Action::ConsultL3 { expert: e }
        }
        ActionKind::FinishOnsite => Action::FinishOnsite,
        ActionKind::WaitForCustomer => Action::WaitForCustomer,
        ActionKind::CustomerResponded => Action::CustomerResponded,
        ActionKind::Resolve => Action::Resolve,
        ActionKind::SubmitReport | ActionKind::ConfirmReport => {
            return Err(AppError::invalid(
                "action",
                "use_reports",
                "service reports are submitted and confirmed through the reports endpoints",
            ));
        }
        ActionKind::Confirm => Action::Confirm,
        ActionKind::Reopen => Action::Reopen { reason: reason_of(&input)? },
        ActionKind::Document => Action::Document,
        ActionKind::Review => Action::Review,
        ActionKind::Reclassify => {
            if input.impact.is_none() && input.urgency.is_none() {
                return Err(AppError::invalid("impact", "required", "give the new impact or urgency"));
            }
            Action::Reclassify {
                impact: input.impact.unwrap_or(event.impact),
                urgency: input.urgency.unwrap_or(event.urgency),
            }
        }
        ActionKind::Close => Action::Close,
        ActionKind::Cancel => Action::Cancel { reason: reason_of(&input)? },
    };
    // An override's reason is already recorded as such: once in the journal.
    if let Some(r) = input.reason.as_deref().filter(|r| !r.trim().is_empty())
        && detail.get("override_reason").is_none()
    {
        detail["reason"] = json!(r.trim());
    }
    let mut errs = FieldErrors::new();
    let mut handover = input.handover.clone();
    errs.opt_text("handover", &mut handover, 20_000);
    let mut reason = input.reason.clone();
    errs.opt_text("reason", &mut reason, 20_000);
    errs.into_result()?;
    if let Some(h) = &handover {
        detail["handover"] = json!(h);
    }
    let outcome = flow::decide(&event.flow, &action, &flow_actor(c)).map_err(refusal)?;
    // Inputs whose content is checked only once the flow allows the action.
    match &action {
        Action::Document => event.documentation = Some(documentation(conn, now, c, id, &input).await?),
        Action::Review => {
            let r = input
                .review
                .clone()
                .ok_or_else(|| AppError::invalid("review", "required", "a review names cause, timeline and actions"))?;
            let mut errs = FieldErrors::new();
            for (f, v) in [("review.cause", &r.cause), ("review.timeline", &r.timeline), ("review.actions", &r.actions)]
            {
                if v.trim().is_empty() {
                    errs.add(f, "required", format!("{f} must not be empty"));
                }
            }
            errs.into_result()?;
            event.review = Some(
                json!({"cause": r.cause, "timeline": r.timeline, "actions": r.actions, "by": c.id(), "at": now.to_string()}),
            );
        }
        Action::Resolve => {
            event.resolution = input.resolution.clone().filter(|r| !r.trim().is_empty());
            event.resolved_at = Some(now.as_millisecond());
        }
        Action::Reopen { .. } => event.resolved_at = None,
        Action::Close => event.closed_at = Some(now.as_millisecond()),
        Action::Reclassify { impact, urgency } => {
            event.priority = super::matrix(conn).await?.priority(*impact, *urgency);
        }
        _ => {}
    }
    let mut clock_notes = Vec::new();
    if let (Some(t), Some(set)) = (event.targets(), event.clocks.as_mut()) {
        clock_notes = set.on_transition(&stored.data.flow, &outcome.flow, input.action, t, now);
    }
    event.flow = outcome.flow;
    let kind = serde_json::to_value(input.action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let saved = save(conn, now, &before, &mut event, Some(c.id()), &kind, detail.clone()).await?;
    super::journal_clocks(conn, now, id, Some(c.id()), &clock_notes).await?;
    for fx in &outcome.effects {
        apply_effect(conn, now, id, &saved.data, fx, c.id()).await?;
    }
    let requested = outcome.effects.iter().any(|fx| matches!(fx, Effect::ApprovalRequested { .. }));
    if requested {
        update_approval(conn, now.as_millisecond(), id, |a| {
            a.insert("request_reason".into(), json!(reason));
            a.insert("handover".into(), json!(handover));
        })
        .await?;
    } else if let Some(r) = detail.get("reason").and_then(Value::as_str) {
        note_decision_reason(conn, now, id, r).await?;
    }
    Ok(saved)
}

/// The documentation step's record.
async fn documentation(
    conn: &mut Conn,
    now: Timestamp,
    c: &Caller,
    event_id: i64,
    input: &ActionInput,
) -> Result<Value, AppError> {
    let given = [
        input.article_id.is_some(),
        input.new_article.is_some(),
        input.no_article_reason.as_deref().is_some_and(|r| !r.trim().is_empty()),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(AppError::invalid(
            "article_id",
            "choose_one",
            "give exactly one of article_id, new_article, no_article_reason",
        ));
    }
    let at = now.to_string();
    if let Some(a) = input.article_id {
        if crud::get(conn, &tables::KNOWLEDGE, a).await?.is_none() {
            return Err(AppError::invalid("article_id", "unknown_id", format!("article_id: there is no article {a}")));
        }
        return Ok(json!({"article_id": a, "by": c.id(), "at": at}));
    }
    if let Some(n) = &input.new_article {
        let mut errs = FieldErrors::new();
        let (mut title, mut body) = (n.title.clone(), n.body.clone());
        errs.text("new_article.title", &mut title, 200);
        errs.text("new_article.body", &mut body, 100_000);
        errs.into_result()?;
        let row = json!({"title": title, "body": body, "tags": n.tags, "author_id": c.id(), "event_id": event_id});
        let Value::Object(m) = row else { return Err(AppError::Internal("article".into())) };
        let id = crud::insert(conn, &tables::KNOWLEDGE, &m, now.as_millisecond()).await?;
        return Ok(json!({"article_id": id, "created": true, "by": c.id(), "at": at}));
    }
    Ok(json!({"no_article_reason": input.no_article_reason.as_deref().map(str::trim), "by": c.id(), "at": at}))
}

async fn open_approval(conn: &mut Conn, event_id: i64) -> Result<Option<serde_json::Map<String, Value>>, AppError> {
    let spec = ListSpec {
        filters: vec![("event_id".into(), Val::Int(Some(event_id)))],
        conds: vec![("decision IS NULL".into(), vec![])],
        sort: Some(("id".into(), true)),
        limit: 1,
        ..Default::default()
    };
    Ok(crud::list(conn, &tables::APPROVAL, &spec).await?.0.into_iter().next())
}

async fn update_approval(
    conn: &mut Conn,
    now: i64,
    event_id: i64,
    change: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Result<(), AppError> {
    if let Some(mut a) = open_approval(conn, event_id).await? {
        let id = a.get("id").and_then(Value::as_i64).unwrap_or_default();
        let version = a.get("version").and_then(Value::as_i64).unwrap_or_default();
        change(&mut a);
        crud::update(conn, &tables::APPROVAL, id, version, &a, now).await?;
    }
    Ok(())
}

/// Records the reason on the approval just decided (rejections carry one).
async fn note_decision_reason(conn: &mut Conn, now: Timestamp, event_id: i64, reason: &str) -> Result<(), AppError> {
    let spec = ListSpec {
        filters: vec![("event_id".into(), Val::Int(Some(event_id)))],
        sort: Some(("id".into(), true)),
        limit: 1,
        ..Default::default()
    };
    if let Some(mut a) = crud::list(conn, &tables::APPROVAL, &spec).await?.0.into_iter().next()
        && a.get("decision").is_some_and(|d| !d.is_null())
        && a.get("decision_reason").is_none_or(Value::is_null)
    {
        let id = a.get("id").and_then(Value::as_i64).unwrap_or_default();
        let version = a.get("version").and_then(Value::as_i64).unwrap_or_default();
        a.insert("decision_reason".into(), json!(reason));
        crud::update(conn, &tables::APPROVAL, id, version, &a, now.as_millisecond()).await?;
    }
    Ok(())
}

fn purpose_key(p: Purpose) -> &'static str {
    match p {
        Purpose::Onsite => "notice.purpose.onsite",
        Purpose::EscalateL2 => "notice.purpose.escalate_l2",
    }
}

/// Carries out one effect of a transition.
pub async fn apply_effect(
    conn: &mut Conn,
    at: Timestamp,
    event_id: i64,
    e: &Event,
    fx: &Effect,
    actor: UserId,
) -> Result<(), AppError> {
    let now = at.as_millisecond();
    match fx {
        Effect::ApprovalRequested { purpose, approver, special_case } => {
            let row = json!({
                "event_id": event_id, "purpose": purpose, "approver": approver, "special_case": special_case,
                "requested_by": actor, "entitlement": e.entitlement, "referred": false,
            });
            if let Value::Object(m) = row {
                crud::insert(conn, &tables::APPROVAL, &m, now).await?;
            }
            if *approver == Approver::Specialist {
                let specialists = fuwu_store::events::users_with_role(conn, "specialist").await?;
                let n = Notice::new("approval_needed", "notice.approval_needed", event_id, &e.number, &e.title)
                    .with_extra(purpose_key(*purpose));
                notify(conn, at, &specialists, &n).await?;
            }
        }
        Effect::ApprovalGranted { .. } | Effect::ApprovalRejected { .. } => {
            let decision = if matches!(fx, Effect::ApprovalGranted { .. }) { "approved" } else { "rejected" };
            update_approval(conn, now, event_id, |a| {
                a.insert("decision".into(), json!(decision));
                a.insert("decided_by".into(), json!(actor));
                a.insert("decided_at".into(), json!(now));
            })
            .await?;
        }
        Effect::ApprovalReferred => {
            update_approval(conn, now, event_id, |a| {
                a.insert("approver".into(), json!("manager"));
                a.insert("referred".into(), json!(true));
            })
            .await?;
        }
        Effect::NotifyManagers { reason } => {
            let managers = fuwu_store::events::users_with_role(conn, "manager").await?;
            let (kind, label) = match reason {
                NotifyReason::MajorIncident => ("major_incident", "notice.major_incident"),
                _ => ("approval_needed", "notice.manager_approval_needed"),
            };
            notify(conn, at, &managers, &Notice::new(kind, label, event_id, &e.number, &e.title)).await?;
        }
        Effect::NotifyUser { user, reason } => {
            let kind = match reason {
                NotifyReason::Assigned => "assigned",
                NotifyReason::ApprovalDecided => "approval_decided",
                NotifyReason::Consultation => "consultation",
                NotifyReason::Reopened => "reopened",
                NotifyReason::Resolved => "resolved",
                NotifyReason::MajorIncident => "major_incident",
                NotifyReason::ApprovalNeeded => "approval_needed",
            };
            let n = Notice::new(kind, &format!("notice.{kind}"), event_id, &e.number, &e.title);
            notify(conn, at, &[user.0], &n).await?;
        }
        Effect::NotifyCustomer { .. } => {
            // The mail's link opens the event in the portal: confirm the resolution, then rate.
            let people = fuwu_store::events::portal_users_of(conn, e.customer_id.0).await?;
            let n = Notice::new("resolved", "notice.resolved", event_id, &e.number, &e.title);
            notify(conn, at, &people, &n).await?;
        }
    }
    Ok(())
}

/// Approvals of an event, oldest first.
pub async fn approvals(conn: &mut Conn, event_id: i64) -> Result<Vec<Value>, AppError> {
    let spec =
        ListSpec { filters: vec![("event_id".into(), Val::Int(Some(event_id)))], limit: 1000, ..Default::default() };
    Ok(crud::list(conn, &tables::APPROVAL, &spec).await?.0.into_iter().map(Value::Object).collect())
}

/// Everyone told of a major incident, and when.
pub async fn told_of_major(conn: &mut Conn, event_id: i64) -> Result<Vec<Value>, AppError> {
    let spec = ListSpec {
        filters: vec![
            ("event_id".into(), Val::Int(Some(event_id))),
            ("kind".into(), Val::Text(Some("major_incident".into()))),
        ],
        limit: 1000,
        ..Default::default()
    };
    let rows = crud::list(conn, &tables::NOTIFICATION, &spec).await?.0;
    Ok(rows.into_iter().map(|n| json!({"user_id": n.get("user_id"), "at": n.get("created_at")})).collect())
}

/// Teams of a tier (for L2 routing choices).
pub async fn l2_engineers(app: &App) -> Result<Vec<Stored<User>>, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    all(
        &mut conn,
        &tables::USER,
        vec![
            ("role", Val::Text(Some("engineer".into()))),
            ("tier", Val::Text(Some("L2".into()))),
            ("active", Val::Int(Some(1))),
        ],
    )
    .await
}
