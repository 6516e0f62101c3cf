//! Six months of service history for the demo, driven through the real use
//! cases (intake, the flow, work records, reports, signatures, the SLA sweep)
//! at past moments of a settable clock, so every event's journal, clocks,
//! reports and notifications are exactly what the product itself writes.
//!
//! Events are spread over the 180 days before "now"; each has a plan of steps
//! (dispatch, accept, remote work, on-site visit with a signed report, L2 and L3,
//! waiting for the customer, resolution, confirmation, documentation, review,
//! close, or cancellation). Steps that would fall after "now" are not taken, and
//! some recent events stall part-way, so the queues hold open work at every
//! stage: unassigned, at L1, awaiting approval, on site, at L2 with an expert
//! consulted, waiting for the customer, resolved awaiting confirmation, major,
//! and breaching (the sweep records warnings and breaches as it would have).

use fuwu_app::events::{act, intake, queues, sweep, work};
use fuwu_app::records::{ListParams, Stored};
use fuwu_app::{App, AppError, Caller};
use fuwu_core::records::{Asset, Contact, Project, User};
use fuwu_core::role::{Role, Tier};
use fuwu_store::clock::Clock;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

use super::Rng;

/// What the history wrote.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct HistoryStats {
    pub events: usize,
    pub steps: usize,
    /// Steps the flow refused (a plan that did not fit the rules): zero when the demo is right.
    pub refused: Vec<String>,
    pub by_state: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Assign to the routing's second suggestion, with a reason (the first went at intake otherwise).
    Assign,
    Accept,
    Remote,
    Call,
    RequestOnsite,
    Approve,
    Arrive,
    Depart,
    Report,
    Sign,
    FinishOnsite,
    RequestL2,
    ApproveL2,
    ConsultL3,
    Wait,
    Responded,
    Resolve,
    Confirm,
    Rate,
    Document,
    Review,
    Close,
    Cancel,
}

struct Case {
    title: &'static str,
    detail: &'static str,
    solved: &'static str,
    kind: &'static str,
}

const CASES: [Case; 18] = [
    Case {
        title: "阵列控制器告警，业务读写延迟升高",
        detail: "客户反映核心数据库响应变慢，管理界面显示控制器 B 告警。",
        solved: "控制器 B 电池模块老化，更换 BBU 后告警消除，延迟恢复正常。",
        kind: "fault",
    },
    Case {
        title: "硬盘故障（掉盘），RAID 进入降级状态",
        detail: "巡检发现 3 号槽位硬盘离线，RAID6 组降级运行。",
        solved: "更换故障硬盘，RAID6 重建完成，阵列状态正常。",
        kind: "fault",
    },
    Case {
        title: "备份任务连续失败，报错 E2031",
        detail: "夜间全量备份连续两天失败，日志报 E2031 存储池写入失败。",
        solved: "存储池空间不足，清理过期副本并调整保留策略，补做备份成功。",
        kind: "fault",
    },
    Case {
        title: "重删比下降，备份窗口超时",
        detail: "近一周重删比由 12:1 降至 4:1，备份窗口超出 2 小时。",
        solved: "调整重删块大小并开启源端重删，重删比回升到 10:1。",
        kind: "fault",
    },
    Case {
        title: "容灾链路中断，复制延迟超过阈值",
        detail: "主备中心间复制延迟超过 30 分钟，链路状态告警。",
        solved: "运营商链路故障恢复后重新同步，复制延迟恢复到秒级。",
        kind: "fault",
    },
    Case {
        title: "容灾切换后主备角色未恢复",
        detail: "演练切换后回切失败，备中心仍为主。",
        solved: "按操作手册手工回切并校验数据一致性，主备角色恢复。",
        kind: "fault",
    },
    Case {
        title: "管理界面无法登录",
        detail: "浏览器提示证书错误，管理员无法登录管理界面。",
        solved: "管理证书过期，更新证书后登录正常。",
        kind: "fault",
    },
    Case {
        title: "分布式存储节点离线",
        detail: "集群中 1 个节点离线，数据自动迁移中。",
        solved: "节点网卡故障，更换网卡后节点重新加入集群，数据均衡完成。",
        kind: "fault",
    },
    Case {
        title: "归档任务卡住，磁带库机械手报错",
        detail: "归档任务长时间停在 35%，磁带库报机械手错误。",
        solved: "机械手复位并升级固件，归档任务继续完成。",
        kind: "fault",
    },
    Case {
        title: "存储池容量告警（使用率超过 90%）",
        detail: "存储池使用率 92%，客户担心业务受影响。",
        solved: "协助客户迁移冷数据并制定扩容计划，使用率降至 75%。",
        kind: "fault",
    },
    Case {
        title: "数据库备份恢复速度慢",
        detail: "恢复测试中 2TB 数据库恢复耗时 9 小时。",
        solved: "调整并发流数与通道配置，恢复时间缩短到 3 小时。",
        kind: "fault",
    },
    Case {
        title: "快照无法创建",
        detail: "定时快照任务失败，提示空间不足。",
        solved: "快照预留空间不足，调整快照策略与预留比例。",
        kind: "fault",
    },
    Case {
        title: "咨询：V5.3 版本的升级路径",
        detail: "客户计划升级，询问兼容性与停机时间。",
        solved: "提供升级手册与兼容性列表，约定升级窗口。",
        kind: "consultation",
    },
    Case {
        title: "咨询：如何配置异地复制策略",
        detail: "新建异地机房，需要配置复制策略。",
        solved: "远程指导完成复制策略配置并验证。",
        kind: "consultation",
    },
    Case {
        title: "咨询：备份保留策略设置",
        detail: "审计要求备份保留 180 天，询问如何设置。",
        solved: "说明保留策略与容量影响，客户已按建议设置。",
        kind: "consultation",
    },
    Case {
        title: "申请：软件版本升级至 V5.2.3",
        detail: "客户申请在周末窗口升级软件版本。",
        solved: "完成升级，业务验证正常。",
        kind: "service_request",
    },
    Case {
        title: "申请：新增备份客户端接入",
        detail: "新上线业务系统 3 台服务器需要接入备份。",
        solved: "完成客户端安装与备份策略配置，首次备份成功。",
        kind: "service_request",
    },
    Case {
        title: "申请：配合机房搬迁下电",
        detail: "客户机房搬迁，需要厂商配合下电与上电检查。",
        solved: "完成下电、搬迁与上电检查，设备运行正常。",
        kind: "service_request",
    },
];

/// A signature stroke drawn on the pad (a 240×80 PNG), as the printed copy shows it.
const SIGNATURE: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAPAAAABQCAYAAAAnSfh8AAADTElEQVR42u3dSXLjMAxAUR3C6z5J7n8tZN9VqTgWKWJ4i7+1TJOfAwDR1+vf1wWgJn4EgMAACAyAwACBARAYAIEBEBggMAACAyAwQGAABAZAYAAEBggMgMB4jvgPvwmBUVReEhMYxeUlMIFRXGASExgFz70EJnCb1WiKwAJaBHYWbCKwVZjArc6BMWj7PHUVHtXeCZ3XXeJ32jXxKDGizVNm3q4dGgSeHYWftBJ17NB32zNhMP+28yJws5UoBgncfRUem0a7hq1EnSQOAkujEXhGmyfHAQjcMG3QIcjxyXfvLvC48/+01bdLwUc0EzgW9SOBhyXt41Wz+GOFwJG0LTuOBQRuXHVTUeJVu47qudtP0mgEbjCQKxcDrNx1ZOy/HbnttttoNa/1gl0rdxzZc7crt8UEbr76Vtx2Vm7P3RcwTgicbhIgcN1BX30g3hE0Dgic8khl+9xr0FeZkP66wsbiHHiblKPVt9egrzIh3Qk+7cwZf/IdygpcYQB0WoV3Rtwrlb4+HYG/E2j76fNGCxwDBY7X/pTZU+e+WCTwiWenK2WtKFKnbezpZ/7lEoQd5++n+31lociJQNryM/A0ga8HZXoiaBI3mNB/K1NZkV3gKemcHc8/Wc757jNPbGGz32Jy/H3syvnYLimsDHXY7z63QxnnykqvT8s5RwqcKf/WJR/70/fZ1fYq/bdazKgicDRffU8GVCa8u1uhCmx1UUqKQo7dgzH7a3CTBD5RCZX9Gp7VddutBe5QDdbpOp+qbwOtvAivvMCr7qaqNNi7vJNL4L27i6gi8KcH+idyj661OT+BVbgYYcf5fmu7n3wBPhrJm6qcrsAEVmEXFRuORVFN4OuGmBVviZx+tWv1O6lWj7nH31o68cNM/HOxrnczdbhUbleZaFQW+GoubqpyuuQTWKXdVLlxfzWVqmptbcf2T/pz8cf7moC5ams7tn+iwK7UabwK+XfAfpPWsfaRj8DZiiIyR6bTpTvJZxuZsSgio5gpaxXIZxuZNaeaScy06VDizVqFqpwNIwGCWCQeF4GNAohCFxsQBO4t5OgUlQEEUhKYwCAkgQlPQAhiDZhU/K4gMEBgAAQGQGCAwAAIDIDAAAgMEBgAgQEs4RuZDHMMZiyPWgAAAABJRU5ErkJggg==";

/// One event's plan: when it is recorded, what is said, and the steps after.
struct Plan {
    at: Timestamp,
    case: usize,
    asset: usize,
    recorder: usize,
    impact: &'static str,
    urgency: &'static str,
    /// Recorded and dispatched in one click (else assigned as a later step, or left unassigned).
    dispatch: bool,
    /// Dispatch to this target at once (the showcase events for particular logins).
    target: Option<Value>,
    l2: Option<i64>,
    l3: Option<i64>,
    steps: Vec<(Timestamp, Step)>,
}

struct People {
    specialists: Vec<Caller>,
    manager: Caller,
    l2: Vec<i64>,
    l3: Vec<i64>,
    /// An engineer of each partner firm, who holds what is dispatched to the firm.
    partner_engineer: HashMap<i64, i64>,
    /// The customer logins, by their customer.
    customer_login: BTreeMap<i64, Caller>,
}

async fn caller(app: &App, id: i64) -> Result<Caller, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    fuwu_app::users::caller_for(&mut conn, id).await?.ok_or_else(|| AppError::Internal(format!("no demo user {id}")))
}

async fn by_login(app: &App, login: &str) -> Result<Caller, AppError> {
    let u = fuwu_app::auth::user_by_login(app, login)
        .await?
        .ok_or_else(|| AppError::Internal(format!("no demo login {login}")))?;
    caller(app, u.id).await
}

async fn all<R: fuwu_app::records::Resource>(app: &App, c: &Caller) -> Result<Vec<Stored<R>>, AppError> {
    let mut out = Vec::new();
    for page in 1.. {
        let p = ListParams { page: Some(page), per_page: Some(200), ..Default::default() };
        let got = fuwu_app::records::list::<R>(app, c, &p).await?;
        let n = got.items.len();
        out.extend(got.items);
        if n < 200 {
            break;
        }
    }
    Ok(out)
}

fn minutes(r: &mut Rng, lo: i64, hi: i64) -> SignedDuration {
    SignedDuration::from_mins(lo + r.below((hi - lo + 1) as u64) as i64)
}

/// The steps of an event recorded at `at`, after its dispatch.
fn steps_for(r: &mut Rng, at: Timestamp, kind: &str, major: bool, dispatched: bool) -> Vec<(Timestamp, Step)> {
    let mut t = at;
    let mut out = Vec::new();
    let mut push = |t: &mut Timestamp, d: SignedDuration, s: Step| {
        *t = t.saturating_add(d).unwrap_or(*t);
        out.push((*t, s));
    };
    if !dispatched {
        push(&mut t, minutes(r, 3, 40), Step::Assign);
    }
    if r.below(100) < 3 && !major {
        push(&mut t, minutes(r, 5, 60), Step::Cancel);
        return out;
    }
    push(&mut t, minutes(r, 3, 35), Step::Accept);
    push(&mut t, minutes(r, 15, 120), Step::Remote);
    let path = r.below(100);
    let onsite = kind == "fault" && (path < 35 || major);
    let l2 = kind == "fault" && !onsite && path < 50;
    if r.below(100) < 12 {
        push(&mut t, minutes(r, 20, 90), Step::Wait);
        push(&mut t, minutes(r, 120, 2_000), Step::Responded);
    }
    if l2 {
        push(&mut t, minutes(r, 60, 300), Step::RequestL2);
        push(&mut t, minutes(r, 10, 120), Step::ApproveL2);
        push(&mut t, minutes(r, 10, 60), Step::Accept);
        push(&mut t, minutes(r, 30, 240), Step::Remote);
        if r.below(3) == 0 {
            push(&mut t, minutes(r, 30, 240), Step::ConsultL3);
            push(&mut t, minutes(r, 120, 900), Step::Remote);
        }
    }
    if onsite {
        push(&mut t, minutes(r, 20, 180), Step::RequestOnsite);
        push(&mut t, minutes(r, 5, 60), Step::Approve);
        push(&mut t, minutes(r, 50, 230), Step::Arrive);
        push(&mut t, minutes(r, 60, 300), Step::Depart);
        push(&mut t, minutes(r, 5, 30), Step::Report);
        push(&mut t, minutes(r, 1, 10), Step::Sign);
        push(&mut t, minutes(r, 1, 10), Step::FinishOnsite);
    } else {
        if r.below(4) == 0 {
            push(&mut t, minutes(r, 60, 600), Step::Call);
        }
        push(&mut t, minutes(r, 30, 600), Step::Report);
    }
    push(&mut t, minutes(r, 5, 120), Step::Resolve);
    push(&mut t, minutes(r, 60, 1_800), Step::Confirm);
    push(&mut t, minutes(r, 1, 30), Step::Rate);
    push(&mut t, minutes(r, 10, 600), Step::Document);
    if major {
        push(&mut t, minutes(r, 60, 1_440), Step::Review);
    }
    push(&mut t, minutes(r, 10, 240), Step::Close);
    out
}

/// A moment on day `day_back` days before `now`, mostly in the hotline's busy hours.
fn moment(r: &mut Rng, now: Timestamp, day_back: i64) -> Timestamp {
    // China is UTC+8: 00:00–12:00 UTC is 08:00–20:00 there.
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC);
    let day = now.to_zoned_datetime(tz.clone()).date();
    let d = day.checked_sub(jiff::Span::new().days(day_back)).unwrap_or(day);
    let hour = if r.below(10) == 0 { r.below(24) } else { 8 + r.below(11) } as i8;
    let at = d.at(hour, (r.below(60)) as i8, (r.below(60)) as i8, 0);
    at.to_zoned_datetime(tz).map(|z| z.timestamp()).unwrap_or(now)
}

/// Writes about `count` events over the six months before the app's "now".
pub async fn fill(app: &App, count: usize) -> Result<HistoryStats, AppError> {
    let now = app.clock.now();
    let clock = Clock::fixed(now.saturating_sub(SignedDuration::from_hours(24 * 181)).unwrap_or(now));
    let happ = app.clone().with_clock(clock.clone());
    let admin = by_login(&happ, "admin").await?;
    let users: Vec<Stored<User>> = all(&happ, &admin).await?;
    let mut people = People {
        specialists: Vec::new(),
        manager: by_login(&happ, "manager").await?,
        l2: Vec::new(),
        l3: Vec::new(),
        partner_engineer: HashMap::new(),
        customer_login: BTreeMap::new(),
    };
    for login in ["kefu", "kefu2", "kefu3"] {
        people.specialists.push(by_login(&happ, login).await?);
    }
    let contacts: Vec<Stored<Contact>> = all(&happ, &admin).await?;
    let contact_customer: HashMap<i64, i64> = contacts.iter().map(|c| (c.id, c.data.customer_id.0)).collect();
    for u in users.iter().filter(|u| u.data.active) {
        match (u.data.role, u.data.tier) {
            (Role::Engineer, Some(Tier::L2)) => people.l2.push(u.id),
            (Role::Engineer, Some(Tier::L3)) => people.l3.push(u.id),
            (Role::PartnerEngineer, _) => {
                if let Some(p) = u.data.partner_id {
                    people.partner_engineer.entry(p.0).or_insert(u.id);
                }
            }
            (Role::Customer, _) => {
                if let Some(c) = u.data.contact_id.and_then(|c| contact_customer.get(&c.0)) {
                    people.customer_login.insert(*c, caller(&happ, u.id).await?);
                }
            }
            _ => {}
        }
    }
    people.l2.sort_unstable();
    people.l3.sort_unstable();
    let assets: Vec<Stored<Asset>> = all(&happ, &admin).await?;
    let projects: Vec<Stored<Project>> = all(&happ, &admin).await?;
    if assets.is_empty() || people.l2.is_empty() || people.l3.is_empty() {
        return Err(AppError::Internal("the demo history needs the demo organisation".into()));
    }
    let first_contact: HashMap<i64, &Stored<Contact>> =
        contacts.iter().rev().map(|c| (c.data.customer_id.0, c)).collect();

    let mut r = Rng(0x0dd_ba11_5eed_2026);
    let mut plans: Vec<Plan> = Vec::new();
    for n in 0..count {
        // Older days get fewer events than recent ones would, evenly enough.
        let day_back = (n as i64 * 180) / count as i64 + r.below(2) as i64;
        let at = moment(&mut r, now, 180 - day_back.min(180));
        let case = r.below(CASES.len() as u64) as usize;
        let major = CASES[case].kind == "fault" && r.below(100) < 3;
        let (impact, urgency) = if major {
            ("extensive", "critical")
        } else {
            (
                *r.pick(&["significant", "moderate", "moderate", "minor", "minor"]),
                *r.pick(&["high", "medium", "medium", "low"]),
            )
        };
        let dispatch = r.below(10) != 0;
        let mut steps = steps_for(&mut r, at, CASES[case].kind, major, dispatch);
        // Recent work is still under way: a recent event stops part-way more often than not.
        let age_days = (now.as_second() - at.as_second()) / 86_400;
        if age_days < 24 && r.below(100) < 65 && !steps.is_empty() {
            let keep = r.below(steps.len() as u64) as usize;
            steps.truncate(keep);
        }
        plans.push(Plan {
            at,
            case,
            asset: r.below(assets.len() as u64) as usize,
            recorder: r.below(people.specialists.len() as u64) as usize,
            impact,
            urgency,
            dispatch,
            target: None,
            l2: Some(people.l2[r.below(people.l2.len() as u64) as usize]),
            l3: Some(people.l3[r.below(people.l3.len() as u64) as usize]),
            steps,
        });
    }
    showcase(&mut r, now, &happ, &people, &assets, &projects, &mut plans).await?;

    // Every step of every plan, in the order of time.
    let mut order: Vec<(Timestamp, usize, usize)> = Vec::new();
    for (pi, p) in plans.iter().enumerate() {
        order.push((p.at, pi, usize::MAX));
        for (si, (t, _)) in p.steps.iter().enumerate() {
            order.push((*t, pi, si));
        }
    }
    order.retain(|(t, _, _)| *t < now);
    order.sort_by_key(|(t, pi, si)| (*t, *pi, si.wrapping_add(1)));

    let mut stats = HistoryStats::default();
    let mut ids: Vec<Option<i64>> = vec![None; plans.len()];
    let mut dead = vec![false; plans.len()];
    let mut report_of: HashMap<usize, i64> = HashMap::new();
    let mut last_sweep = Timestamp::UNIX_EPOCH;
    for (t, pi, si) in order {
        if dead[pi] {
            continue;
        }
        if t.as_second() - last_sweep.as_second() >= 3 * 3600 {
            clock.set(t);
            sweep::sweep(&happ, t).await?;
            last_sweep = t;
        }
        clock.set(t);
        let p = &plans[pi];
        if si == usize::MAX {
            let asset = &assets[p.asset];
            let c = &CASES[p.case];
            let mut input = json!({
                "kind": c.kind,
                "asset_id": asset.id,
                "title": c.title,
                "description": c.detail,
                "impact": p.impact,
                "urgency": p.urgency,
            });
            if let Some(contact) = first_contact.get(&asset.data.customer_id.0) {
                input["contact_id"] = json!(contact.id);
            }
            if let Some(target) = &p.target {
                input["dispatch"] = target.clone();
            } else if p.dispatch {
                input["dispatch"] = json!({});
            }
            let input = serde_json::from_value(input).map_err(|e| AppError::Internal(format!("demo event: {e}")))?;
            match intake::record(&happ, &people.specialists[p.recorder], input).await {
                Ok(e) => {
                    ids[pi] = Some(e.id);
                    stats.events += 1;
                }
                Err(e) => stats.refused.push(format!("plan {pi} record: {e}")),
            }
            continue;
        }
        let Some(id) = ids[pi] else { continue };
        let step = p.steps[si].1;
        match take(&happ, &people, p, pi, id, step, &mut report_of).await {
            Ok(()) => stats.steps += 1,
            Err(e) => {
                stats.refused.push(format!("event {id} {step:?}: {e}"));
                dead[pi] = true;
            }
        }
    }
    clock.set(now);
    sweep::sweep(&happ, now).await?;

    let mut conn = happ.db.begin().await?;
    // Nothing of the past is mailed now, and what was told long ago has been read.
    fuwu_store::events::settle_history(&mut conn, now.as_millisecond() - 2 * 86_400_000).await?;
    conn.commit().await?;

    for id in ids.into_iter().flatten() {
        let e = queues::detail(&happ, &admin, id).await?;
        *stats.by_state.entry(e.event.data.state.as_str().to_owned()).or_default() += 1;
    }
    Ok(stats)
}

/// Open work for each demo login a newcomer tries first, so every queue has something.
async fn showcase(
    r: &mut Rng,
    now: Timestamp,
    app: &App,
    people: &People,
    assets: &[Stored<Asset>],
    projects: &[Stored<Project>],
    plans: &mut Vec<Plan>,
) -> Result<(), AppError> {
    let hours = |h: i64| now.saturating_sub(SignedDuration::from_hours(h)).unwrap_or(now);
    let mins = |t: Timestamp, m: i64| t.saturating_add(SignedDuration::from_mins(m)).unwrap_or(t);
    let asset_of = |pred: &dyn Fn(&Stored<Asset>) -> bool| assets.iter().position(pred);
    let nj1 = fuwu_app::auth::user_by_login(app, "l1.nj1").await?.map(|u| u.id);
    let partner1 = fuwu_app::auth::user_by_login(app, "partner1").await?;
    let l2_1 = fuwu_app::auth::user_by_login(app, "l2.1").await?.map(|u| u.id);
    let l3_1 = fuwu_app::auth::user_by_login(app, "l3.1").await?.map(|u| u.id);
    let mut add = |asset: usize,
                   case: usize,
                   at: Timestamp,
                   target: Option<Value>,
                   steps: Vec<(Timestamp, Step)>,
                   impact: &'static str,
                   urgency: &'static str| {
        plans.push(Plan {
            at,
            case,
            asset,
            recorder: 0,
            impact,
            urgency,
            dispatch: target.is_none(),
            target,
            l2: l2_1,
            l3: l3_1,
            steps,
        });
    };
    // The Nanjing L1 engineer: one on site now, one just assigned.
    if let Some(nj1) = nj1 {
        let nj_projects: Vec<i64> = projects
            .iter()
            .filter(|p| p.data.implementation_engineer_id.map(|u| u.0) == Some(nj1))
            .map(|p| p.id)
            .collect();
        if let Some(a) = asset_of(&|a| a.data.project_id.is_some_and(|p| nj_projects.contains(&p.0))) {
            let t = hours(5);
            add(
                a,
                1,
                t,
                Some(json!({"engineer_id": nj1, "reason": "项目实施工程师，熟悉现场"})),
                vec![
                    (mins(t, 10), Step::Accept),
                    (mins(t, 40), Step::RequestOnsite),
                    (mins(t, 55), Step::Approve),
                    (mins(t, 190), Step::Arrive),
                ],
                "significant",
                "high",
            );
            let t = hours(1);
            add(
                a,
                2,
                t,
                Some(json!({"engineer_id": nj1, "reason": "项目实施工程师，熟悉现场"})),
                vec![],
                "moderate",
                "medium",
            );
        }
    }
    // A partner firm's engineer holds one.
    if let Some(p) = partner1.as_ref().and_then(|u| u.data.partner_id) {
        let served: Vec<i64> = projects.iter().filter(|pr| pr.data.partner_id == Some(p)).map(|pr| pr.id).collect();
        if let Some(a) = asset_of(&|a| a.data.project_id.is_some_and(|pr| served.contains(&pr.0))) {
            let t = hours(26);
            add(
                a,
                7,
                t,
                Some(json!({"partner_id": p.0, "reason": "合作伙伴驻场服务该项目"})),
                vec![(mins(t, 25), Step::Accept), (mins(t, 70), Step::Remote)],
                "significant",
                "medium",
            );
        }
    }
    // The customer logins: one resolved awaiting their confirmation, one asking for an engineer.
    for (n, (cust, _)) in people.customer_login.iter().enumerate() {
        if let Some(a) = asset_of(&|a| a.data.customer_id.0 == *cust) {
            let t = hours(30 + 20 * n as i64);
            let steps = if n == 0 {
                vec![
                    (mins(t, 15), Step::Accept),
                    (mins(t, 60), Step::Remote),
                    (mins(t, 120), Step::Report),
                    (mins(t, 130), Step::Resolve),
                ]
            } else {
                vec![(mins(t, 15), Step::Accept), (mins(t, 50), Step::Remote), (mins(t, 90), Step::Wait)]
            };
            add(a, 3 + n, t, None, steps, "moderate", "high");
        }
    }
    // At L2 with an expert consulted, and a request waiting for the manager's approval.
    let a = r.below(assets.len() as u64) as usize;
    let t = hours(50);
    add(
        a,
        4,
        t,
        None,
        vec![
            (mins(t, 10), Step::Accept),
            (mins(t, 60), Step::Remote),
            (mins(t, 120), Step::RequestL2),
            (mins(t, 150), Step::ApproveL2),
            (mins(t, 170), Step::Accept),
            (mins(t, 300), Step::ConsultL3),
        ],
        "significant",
        "high",
    );
    let a = r.below(assets.len() as u64) as usize;
    let t = hours(3);
    add(a, 5, t, None, vec![(mins(t, 10), Step::Accept), (mins(t, 40), Step::RequestL2)], "significant", "high");
    // A major incident under way, and one nobody has taken yet.
    let a = r.below(assets.len() as u64) as usize;
    let t = hours(2);
    add(a, 0, t, None, vec![(mins(t, 5), Step::Accept), (mins(t, 20), Step::Remote)], "extensive", "critical");
    let a = r.below(assets.len() as u64) as usize;
    let t = now.saturating_sub(SignedDuration::from_mins(20)).unwrap_or(now);
    plans.push(Plan {
        at: t,
        case: 6,
        asset: a,
        recorder: 1,
        impact: "minor",
        urgency: "medium",
        dispatch: false,
        target: None,
        l2: l2_1,
        l3: l3_1,
        steps: vec![],
    });
    Ok(())
}

fn action(v: Value) -> Result<act::ActionInput, AppError> {
    serde_json::from_value(v).map_err(|e| AppError::Internal(format!("demo action: {e}")))
}

/// The engineer who holds the event now (its assignee, or the partner firm's engineer).
async fn holder(app: &App, people: &People, id: i64) -> Result<Caller, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let (e, _) = fuwu_app::events::load_raw(&mut conn, id).await?;
    drop(conn);
    if let Some(u) = e.data.assignee_id {
        return caller(app, u.0).await;
    }
    if let Some(p) = e.data.partner_id
        && let Some(u) = people.partner_engineer.get(&p.0)
    {
        return caller(app, *u).await;
    }
    Err(AppError::Internal(format!("event {id} has nobody holding it")))
}

async fn take(
    app: &App,
    people: &People,
    p: &Plan,
    pi: usize,
    id: i64,
    step: Step,
    report_of: &mut HashMap<usize, i64>,
) -> Result<(), AppError> {
    let kefu = &people.specialists[p.recorder];
    let c = &CASES[p.case];
    match step {
        Step::Assign => {
            let ranked = intake::suggest(app, kefu, id).await?;
            let pick = ranked.iter().filter(|c| c.engineer_id.is_some()).nth(1).or_else(|| ranked.first());
            let Some(pick) = pick else { return Err(AppError::Internal("no suggestion".into())) };
            let target =
                json!({"engineer_id": pick.engineer_id, "partner_id": pick.partner_id, "team_id": pick.team_id});
            let target: Value = target
                .as_object()
                .map(|m| m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            act::act(
                app,
                kefu,
                id,
                action(json!({"action": "assign", "target": target, "reason": "首选工程师正在其他现场，改派"}))?,
            )
            .await?;
        }
        Step::Accept => {
            let h = holder(app, people, id).await?;
            act::act(app, &h, id, action(json!({"action": "accept"}))?).await?;
        }
        Step::Remote | Step::Call => {
            let h = holder(app, people, id).await?;
            let (kind, body) = if step == Step::Call {
                ("call", "电话回访客户，说明处理进展")
            } else {
                ("remote", "远程登录设备收集日志，分析告警与性能数据")
            };
            let w = json!({"kind": kind, "body": body, "minutes": 30});
            let w = serde_json::from_value(w).map_err(|e| AppError::Internal(format!("demo work: {e}")))?;
            work::add_work(app, &h, id, w).await?;
        }
        Step::RequestOnsite => {
            let h = holder(app, people, id).await?;
            let a = json!({"action": "request_onsite", "reason": "远程无法定位，需要现场检查", "handover": "已收集日志，备件已申请"});
            act::act(app, &h, id, action(a)?).await?;
        }
        Step::Approve => {
            let a = action(json!({"action": "approve"}))?;
            if act::act(app, kefu, id, a.clone()).await.is_err() {
                act::act(app, &people.manager, id, a).await?;
            }
        }
        Step::Arrive | Step::Depart => {
            let h = holder(app, people, id).await?;
            let v = json!({"step": if step == Step::Arrive { "arrive" } else { "depart" }});
            let v = serde_json::from_value(v).map_err(|e| AppError::Internal(format!("demo visit: {e}")))?;
            work::visit_step(app, &h, id, v).await?;
        }
        Step::Report => {
            let h = holder(app, people, id).await?;
            let r = json!({"kind": "service", "findings": c.detail, "actions_taken": c.solved});
            let r = serde_json::from_value(r).map_err(|e| AppError::Internal(format!("demo report: {e}")))?;
            let rep = work::submit_report(app, &h, id, r).await?;
            if let Some(rid) = rep.get("id").and_then(Value::as_i64) {
                report_of.insert(pi, rid);
            }
        }
        Step::Sign => {
            let h = holder(app, people, id).await?;
            let Some(rid) = report_of.get(&pi) else { return Err(AppError::Internal("no report to sign".into())) };
            let signer = {
                let mut conn = app.db.reader().acquire().await?;
                let (e, _) = fuwu_app::events::load_raw(&mut conn, id).await?;
                e.data.contact_id.map(|c| c.0)
            };
            let name = match signer {
                Some(cid) => fuwu_app::records::get::<Contact>(app, kefu, cid)
                    .await
                    .map(|c| c.data.name)
                    .unwrap_or_else(|_| "客户".into()),
                None => "客户".into(),
            };
            let s = json!({"signer_name": name, "signature": SIGNATURE});
            let s = serde_json::from_value(s).map_err(|e| AppError::Internal(format!("demo signature: {e}")))?;
            work::sign_report(app, &h, id, *rid, s).await?;
        }
        Step::FinishOnsite => {
            let h = holder(app, people, id).await?;
            act::act(app, &h, id, action(json!({"action": "finish_onsite"}))?).await?;
        }
        Step::RequestL2 => {
            let h = holder(app, people, id).await?;
            let a = json!({"action": "request_l2", "reason": "L1 已排查配置与日志，疑似软件缺陷", "handover": "日志与配置已上传附件"});
            act::act(app, &h, id, action(a)?).await?;
        }
        Step::ApproveL2 => {
            let a = action(json!({"action": "approve", "target": {"engineer_id": p.l2}}))?;
            if act::act(app, kefu, id, a.clone()).await.is_err() {
                act::act(app, &people.manager, id, a).await?;
            }
        }
        Step::ConsultL3 => {
            let h = holder(app, people, id).await?;
            let a = json!({"action": "consult_l3", "expert_id": p.l3, "reason": "需要研发专家分析核心转储", "handover": "已复现问题，转储文件已上传"});
            act::act(app, &h, id, action(a)?).await?;
        }
        Step::Wait => {
            let h = holder(app, people, id).await?;
            act::act(app, &h, id, action(json!({"action": "wait_for_customer"}))?).await?;
        }
        Step::Responded => {
            act::act(app, kefu, id, action(json!({"action": "customer_responded"}))?).await?;
        }
        Step::Resolve => {
            let h = holder(app, people, id).await?;
            act::act(app, &h, id, action(json!({"action": "resolve", "resolution": c.solved}))?).await?;
        }
        Step::Confirm => {
            let cust = customer_of(app, id).await?;
            let who = people.customer_login.get(&cust).unwrap_or(kefu);
            act::act(app, who, id, action(json!({"action": "confirm"}))?).await?;
        }
        Step::Rate => {
            let cust = customer_of(app, id).await?;
            if let Some(who) = people.customer_login.get(&cust) {
                let score = 3 + (id % 3);
                let r =
                    json!({"score": score, "comment": if score == 5 { "响应及时，处理专业" } else { "问题已解决" }});
                let r = serde_json::from_value(r).map_err(|e| AppError::Internal(format!("demo rating: {e}")))?;
                work::rate(app, who, id, r).await?;
            }
        }
        Step::Document => {
            let a = json!({"action": "document", "no_article_reason": "已有知识文章覆盖此类问题"});
            act::act(app, kefu, id, action(a)?).await?;
        }
        Step::Review => {
            let a = json!({"action": "review", "review": {"cause": c.detail, "timeline": "接报后 5 分钟内通知部门经理，现场处置并恢复业务", "actions": "加强巡检中对该项的检查，更新应急预案"}});
            act::act(app, kefu, id, action(a)?).await?;
        }
        Step::Close => {
            act::act(app, kefu, id, action(json!({"action": "close"}))?).await?;
        }
        Step::Cancel => {
            act::act(app, kefu, id, action(json!({"action": "cancel", "reason": "客户重复报障，已在另一事件处理"}))?)
                .await?;
        }
    }
    Ok(())
}

async fn customer_of(app: &App, id: i64) -> Result<i64, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let (e, _) = fuwu_app::events::load_raw(&mut conn, id).await?;
    Ok(e.data.customer_id.0)
}
