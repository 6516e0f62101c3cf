//! The demo's planned services: the engagements the contracts planned when they
//! were written, moved through the real use cases (`app::plan::act`) at
//! moments of a settable clock, so the planner's list, the contracts' quota use
//! and the portal show every state: closed, confirmed, waiting for the
//! customer's confirmation, in progress, a date agreed, a date proposed to the
//! customer, postponed, cancelled, and one beyond the quota waiting for the
//! manager.

use fuwu_app::plan::{self, ActionInput, Engagement, NewEngagement};
use fuwu_app::records::{ListParams, Stored};
use fuwu_app::{App, AppError, Caller};
use fuwu_core::plan::{ActionKind, Kind, State};
use fuwu_store::clock::Clock;
use jiff::civil::Date;
use std::collections::BTreeMap;

/// What the demo's plans hold, by state.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PlanStats {
    pub engagements: usize,
    pub by_state: BTreeMap<String, usize>,
    /// Steps the rules refused (none expected).
    pub refused: Vec<String>,
}

fn input(action: ActionKind) -> ActionInput {
    ActionInput {
        action,
        version: None,
        date: None,
        window_start: None,
        window_end: None,
        engineer_id: None,
        reason: None,
        summary: None,
    }
}

async fn caller(app: &App, id: i64) -> Result<Caller, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    fuwu_app::users::caller_for(&mut conn, id).await?.ok_or_else(|| AppError::Internal(format!("no demo user {id}")))
}

async fn by_login(app: &App, login: &str) -> Result<Option<Caller>, AppError> {
    match fuwu_app::auth::user_by_login(app, login).await? {
        Some(u) => Ok(Some(caller(app, u.id).await?)),
        None => Ok(None),
    }
}

/// 10:00 in China on a day.
fn ten_o_clock(d: Date) -> jiff::Timestamp {
    d.at(10, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC))
        .map(|z| z.timestamp())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn day(s: &str) -> Option<Date> {
    s.parse().ok()
}

/// Engagements beyond the quota of the portal's customer: a training and an
/// optimisation review earlier this year, approved by the manager and delivered
/// (one closed, one confirmed), and one more inspection waiting for approval.
#[expect(clippy::too_many_arguments, reason = "the demo's cast")]
async fn extras(
    papp: &App,
    clock: &Clock,
    now: jiff::Timestamp,
    kefu: &Caller,
    manager: &Caller,
    customer: &Caller,
    engineer: &Caller,
    e: &Stored<Engagement>,
    stats: &mut PlanStats,
) -> Result<(), AppError> {
    let today = super::demo_day(now);
    let (Some(ys), Some(ye)) = (day(&e.data.year_start), day(&e.data.year_end)) else { return Ok(()) };
    let plus = |d: Date, k: i64| d.checked_add(jiff::Span::new().days(k)).unwrap_or(d);
    let wanted = [
        (Kind::Training, ys, plus(ys, 30), "运维人员产品和维护培训（追加）", true),
        (Kind::OptimisationReview, plus(ys, 31), plus(ys, 60), "业务扩容后的系统优化评估（追加）", false),
        (Kind::Inspection, today, ye, "客户新系统上线前加做一次巡检（超出合同额度，收费）", false),
    ];
    for (i, (kind, ws, we, note, close)) in wanted.into_iter().enumerate() {
        let past = i < 2;
        if past && we >= today {
            continue;
        }
        clock.set(ten_o_clock(if past { plus(ws, -5) } else { today }).min(now));
        let extra = NewEngagement {
            contract_id: e.data.contract_id,
            kind,
            window_start: ws.to_string(),
            window_end: we.to_string(),
            units: None,
            notes: Some(note.into()),
        };
        let added = match plan::add(papp, kefu, extra).await {
            Ok(a) => a,
            Err(err) => {
                stats.refused.push(format!("extra {}: {err}", kind.as_str()));
                continue;
            }
        };
        if !past {
            continue;
        }
        let on = plus(ws, 10);
        let mut steps: Vec<(Date, &Caller, ActionInput)> = vec![
            (plus(ws, -4), manager, input(ActionKind::Approve)),
            (plus(ws, -3), kefu, ActionInput { engineer_id: Some(engineer.id()), ..input(ActionKind::Assign) }),
            (plus(ws, -3), kefu, ActionInput { date: Some(on.to_string()), ..input(ActionKind::AgreeDate) }),
            (on, engineer, input(ActionKind::Start)),
            (
                on,
                engineer,
                ActionInput { summary: Some(format!("{note}：已完成。")), ..input(ActionKind::SubmitReport) },
            ),
            (plus(on, 1), customer, input(ActionKind::Confirm)),
        ];
        if close {
            steps.push((plus(on, 2), kefu, input(ActionKind::Close)));
        }
        for (at, who, step) in steps {
            clock.set(ten_o_clock(at).min(now));
            let what = step.action;
            if let Err(err) = plan::act(papp, who, added.id, step).await {
                stats.refused.push(format!("engagement {} {}: {err}", added.id, what.as_str()));
            }
        }
    }
    clock.set(now);
    Ok(())
}

/// Moves the demo's engagements of the contract years in force on the demo's day.
pub async fn fill(app: &App) -> Result<PlanStats, AppError> {
    let now = app.clock.now();
    let today = super::demo_day(now);
    let clock = Clock::fixed(now);
    let papp = app.clone().with_clock(clock.clone());
    let kefu = by_login(app, "kefu").await?.ok_or_else(|| AppError::Internal("no demo login kefu".into()))?;
    let manager = by_login(app, "manager").await?.ok_or_else(|| AppError::Internal("no demo login manager".into()))?;
    let mut customers: BTreeMap<i64, Caller> = BTreeMap::new();
    for login in ["customer", "customer2"] {
        if let Some(c) = by_login(app, login).await?
            && let Some(id) = c.actor.customer_id
        {
            customers.insert(id.0, c);
        }
    }
    let mut stats = PlanStats::default();
    let mut all: Vec<Stored<Engagement>> = Vec::new();
    for page in 1.. {
        let p = ListParams { page: Some(page), per_page: Some(200), ..Default::default() };
        let got = plan::list(app, &kefu, &p).await?;
        let n = got.items.len();
        all.extend(got.items);
        if n < 200 {
            break;
        }
    }
    let mut n = 0usize;
    let mut extra_added = false;
    for e in &all {
        let (Some(ys), Some(ye), Some(ws), Some(we)) =
            (day(&e.data.year_start), day(&e.data.year_end), day(&e.data.window_start), day(&e.data.window_end))
        else {
            continue;
        };
        if !(ys <= today && today <= ye) || e.data.kind == Kind::Standby {
            continue;
        }
        n += 1;
        let customer = customers.get(&e.data.customer_id.0);
        let detail = plan::detail(app, &kefu, e.id).await?;
        let Some(engineer) = detail.engineers.first().map(|c| c.id) else { continue };
        let engineer = caller(app, engineer.0).await?;
        let agreed = detail.engagement.data.suggested_date.as_deref().and_then(day).unwrap_or(ws);
        let mut steps: Vec<(Date, &Caller, ActionInput)> = Vec::new();
        let assign = ActionInput { engineer_id: Some(engineer.id()), ..input(ActionKind::Assign) };
        let agree = |d: Date| ActionInput { date: Some(d.to_string()), ..input(ActionKind::AgreeDate) };
        let report = ActionInput {
            summary: Some(format!(
                "{}完成：设备运行正常，已记录发现并提出优化建议。",
                fuwu_core::i18n::t(fuwu_core::role::Language::ZhCn, &format!("plan_kind.{}", e.data.kind.as_str()))
            )),
            ..input(ActionKind::SubmitReport)
        };
        let back = |d: Date, k: i64| d.checked_sub(jiff::Span::new().days(k)).unwrap_or(d);
        if we < today {
            // The window has passed: delivered where the customer can confirm, else
            // waiting for its confirmation; one in five was postponed, one in nine cancelled.
            if n.is_multiple_of(9) {
                let reason = ActionInput {
                    reason: Some("客户业务调整，本次取消".into()), ..input(ActionKind::Cancel)
                };
                steps.push((back(ws, 3), &kefu, reason));
            } else if n.is_multiple_of(5) {
                steps.push((back(ws, 7), &kefu, assign));
                let reason =
                    ActionInput { reason: Some("客户机房改造，延期".into()), ..input(ActionKind::Postpone) };
                steps.push((back(agreed, 2), &kefu, reason));
            } else {
                steps.push((back(agreed, 10), &kefu, assign));
                steps.push((back(agreed, 7), &kefu, agree(agreed)));
                steps.push((agreed, &engineer, input(ActionKind::Start)));
                steps.push((agreed, &engineer, report));
                if let Some(c) = customer {
                    steps.push((agreed.tomorrow().unwrap_or(agreed), c, input(ActionKind::Confirm)));
                    if n.is_multiple_of(2) {
                        steps.push((agreed.tomorrow().unwrap_or(agreed), &kefu, input(ActionKind::Close)));
                    }
                }
            }
        } else if ws <= today {
            // The current window: agreed (and under way for every other one), or proposed to the customer.
            steps.push((back(today, 5), &kefu, assign));
            let date = if agreed >= today { agreed } else { today };
            if customer.is_some() && !n.is_multiple_of(2) {
                steps.push((
                    back(today, 2),
                    &kefu,
                    ActionInput { date: Some(date.to_string()), ..input(ActionKind::ProposeDate) },
                ));
            } else {
                steps.push((back(today, 3), &kefu, agree(date)));
                if n.is_multiple_of(2) && date == today {
                    steps.push((today, &engineer, input(ActionKind::Start)));
                }
            }
        } else if n.is_multiple_of(3) {
            // A later window: an engineer is named already.
            steps.push((back(today, 1), &kefu, assign));
        }
        for (at, who, step) in steps {
            clock.set(ten_o_clock(at).min(now));
            let what = step.action;
            if let Err(err) = plan::act(&papp, who, e.id, step).await {
                stats.refused.push(format!("engagement {} {}: {err}", e.id, what.as_str()));
            }
        }
        if !extra_added
            && let Some(c) = customer
            && ws <= today
            && today <= we
        {
            extra_added = true;
            extras(&papp, &clock, now, &kefu, &manager, c, &engineer, e, &mut stats).await?;
        }
    }
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for page in 1.. {
        let p = ListParams { page: Some(page), per_page: Some(200), ..Default::default() };
        let got = plan::list(app, &kefu, &p).await?;
        let k = got.items.len();
        for e in &got.items {
            *by_state.entry(e.data.state.as_str().to_owned()).or_default() += 1;
        }
        stats.engagements += k;
        if k < 200 {
            break;
        }
    }
    for s in State::ALL {
        by_state.entry(s.as_str().to_owned()).or_default();
    }
    stats.by_state = by_state;
    Ok(stats)
}
