//! The demo organisation: 22 branches, the three tiers, a dozen partner firms,
//! about 50 customers with sites, contacts, projects, assets and contracts of
//! several service levels (some expired), and a login for every role. Written
//! through the same validated record service as the API, in one transaction.

use fuwu_app::records::{Stored, create_in};
use fuwu_app::{App, AppError};
use fuwu_core::divisions;
use fuwu_core::ids::*;
use fuwu_core::records::*;
use fuwu_core::role::{Language, Role, TeamKind, Tier};
use jiff::civil::Date;

mod history;
mod plans;
pub use history::HistoryStats;
pub use plans::PlanStats;

/// Moves the demo's planned engagements through every state (`fill` first).
pub async fn fill_plans(app: &App) -> Result<PlanStats, AppError> {
    plans::fill(app).await
}

/// How many events the demo's six months of history hold.
pub const HISTORY_EVENTS: usize = 320;

/// Writes six months of service history over the demo organisation (`fill` first):
/// events in every state, recorded and worked at past moments through the real use cases.
pub async fn fill_history(app: &App, events: usize) -> Result<HistoryStats, AppError> {
    history::fill(app, events).await
}

/// The password of every demo login.
pub const DEMO_PASSWORD: &str = "fuwu-demo-2026";

/// Branch cities (the 16 the organisation names, then six more provincial capitals) and login slugs.
const BRANCHES: [(&str, &str); 22] = [
    ("北京", "bj"),
    ("上海", "sh"),
    ("广州", "gz"),
    ("南京", "nj"),
    ("合肥", "hf"),
    ("武汉", "wh"),
    ("济南", "jn"),
    ("郑州", "zz"),
    ("成都", "cd"),
    ("长沙", "cs"),
    ("西安", "xa"),
    ("兰州", "lz"),
    ("沈阳", "sy"),
    ("哈尔滨", "hrb"),
    ("福州", "fz"),
    ("海口", "hk"),
    ("杭州", "hz"),
    ("南昌", "nc"),
    ("昆明", "km"),
    ("贵阳", "gy"),
    ("太原", "ty"),
    ("石家庄", "sjz"),
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "勇", "军", "杰", "涛", "明", "超", "霞", "平", "刚", "桂英",
    "建华", "志强", "晓东", "海燕", "文博", "思远",
];
const ORG_TYPES: [(&str, &str, &str); 8] = [
    ("{c}市第一人民医院", "医疗", "一院"),
    ("{c}农村商业银行", "金融", "农商行"),
    ("{c}市公安局", "政府", "公安局"),
    ("{c}供电公司", "能源", "供电"),
    ("{c}大学", "教育", "大学"),
    ("{c}市社会保险事业管理中心", "政府", "社保中心"),
    ("{c}地铁集团有限公司", "交通", "地铁"),
    ("{c}广播电视台", "媒体", "广电"),
];
const MODELS: [(&str, &str, &str); 5] = [
    ("DS-8600", "存储阵列", "V5.2.1"),
    ("DB-5200", "备份一体机", "V3.8.0"),
    ("DS-3300", "分布式存储", "V2.6.4"),
    ("DR-9000", "容灾网关", "V1.9.2"),
    ("DA-2100", "数据归档一体机", "V4.0.3"),
];
const PARTNER_NAMES: [&str; 12] = [
    "鼎信科技",
    "华拓数据",
    "云帆信息",
    "博远网络",
    "正元系统",
    "启明星辰服务",
    "恒达智能",
    "汇通数科",
    "天衡信息",
    "睿博科技",
    "安盾数据",
    "中科远景",
];

/// A small deterministic generator, so every demo is the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn person_name(r: &mut Rng) -> String {
    format!("{}{}", r.pick(&SURNAMES), r.pick(&GIVEN))
}

fn mobile(r: &mut Rng) -> String {
    let prefix = *r.pick(&["138", "139", "136", "137", "150", "158", "186", "189", "177"]);
    format!("{prefix}{:08}", r.below(100_000_000))
}

/// A user record with the defaults every new login gets.
pub fn user(login: &str, name: &str, role: Role) -> User {
    User {
        login: login.into(),
        name: name.into(),
        role,
        email: None,
        phone: None,
        language: Language::ZhCn,
        time_zone: "Asia/Shanghai".into(),
        tier: None,
        team_id: None,
        branch_id: None,
        partner_id: None,
        contact_id: None,
        skills: vec![],
        active: true,
    }
}

fn level(
    code: &str,
    name: &str,
    coverage: Coverage,
    onsite: bool,
    minutes: [(i64, i64, i64); 4],
    quotas: Quotas,
) -> ServiceLevel {
    let ps = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];
    ServiceLevel {
        code: code.into(),
        name: name.into(),
        coverage,
        onsite_included: onsite,
        targets: ps
            .iter()
            .zip(minutes)
            .map(|(p, (resp, onsite_m, res))| PriorityTarget {
                priority: *p,
                response_minutes: resp,
                onsite_minutes: onsite.then_some(onsite_m),
                resolution_minutes: res,
            })
            .collect(),
        quotas,
        calendar: None,
        active: true,
    }
}

/// The demo's "today": the date in China at `now`.
pub fn demo_day(now: jiff::Timestamp) -> Date {
    now.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC)).date()
}

/// The first day of the month `months` before `day`'s month.
fn months_before(day: Date, months: i64) -> Date {
    let first = day.first_of_month();
    first.checked_sub(jiff::Span::new().months(months)).unwrap_or(first)
}

/// A contract year from `start`: to the day before its anniversary.
fn year_from(start: Date) -> (Date, Date) {
    let end = start
        .checked_add(jiff::Span::new().years(1))
        .and_then(|d| d.checked_sub(jiff::Span::new().days(1)))
        .unwrap_or(start);
    (start, end)
}

/// The service period of the `i`-th customer's contract, relative to the day the
/// demo is written: most are in force (begun one to eight months ago), one in
/// seven has expired five months ago, and one in seven ends within the next 30
/// days (the console marks it).
fn period_of(today: Date, i: usize) -> (Date, Date) {
    match i % 7 {
        5 => year_from(months_before(today, 17)),
        6 => {
            let end = today.checked_add(jiff::Span::new().days(8 + (i as i64 % 20))).unwrap_or(today);
            let start = end
                .checked_sub(jiff::Span::new().years(1))
                .and_then(|d| d.checked_add(jiff::Span::new().days(1)))
                .unwrap_or(end);
            (start, end)
        }
        _ => year_from(months_before(today, 1 + (i as i64 % 8))),
    }
}

/// Fills an empty database; returns (login, role, who) of the logins to try.
pub async fn fill(app: &App) -> Result<Vec<(String, String, String)>, AppError> {
    if fuwu_app::users::any_user(app).await? {
        return Err(AppError::Conflict {
            message: "the database already has users; the demo fills only an empty one".into(),
            field: None,
            current: None,
        });
    }
    let hash = fuwu_app::auth::hash_password(DEMO_PASSWORD).await?;
    let now = app.clock.now();
    let today = demo_day(now);
    let mut tx = app.db.begin().await?;
    let conn = &mut *tx;
    let mut r = Rng(0x5eed_f00d_cafe_b0a7);
    let mut logins = Vec::new();
    let mut users_made: Vec<i64> = Vec::new();

    // Service levels.
    let catalogue = [
        level(
            "PLATINUM",
            "白金服务 7×24",
            Coverage::SevenByTwentyFour,
            true,
            [(10, 120, 240), (15, 240, 480), (30, 480, 1440), (60, 1440, 4320)],
            Quotas { inspections: 12, standby_days: 10, trainings: 4, optimisation_reviews: 4, dr_drills: 2 },
        ),
        level(
            "GOLD",
            "金牌服务 7×24",
            Coverage::SevenByTwentyFour,
            true,
            [(15, 240, 480), (30, 480, 960), (60, 960, 2880), (120, 2880, 5760)],
            Quotas { inspections: 4, standby_days: 4, trainings: 2, optimisation_reviews: 2, dr_drills: 1 },
        ),
        level(
            "SILVER",
            "银牌服务 5×8",
            Coverage::FiveByEight,
            true,
            [(30, 480, 960), (60, 960, 1920), (120, 1920, 4800), (240, 2880, 9600)],
            Quotas { inspections: 2, standby_days: 1, trainings: 1, optimisation_reviews: 1, dr_drills: 0 },
        ),
        level(
            "BASIC",
            "标准服务 5×8（不含现场）",
            Coverage::FiveByEight,
            false,
            [(60, 0, 1920), (120, 0, 2880), (240, 0, 4800), (480, 0, 9600)],
            Quotas { inspections: 1, ..Quotas::default() },
        ),
    ];
    let mut lv = Vec::new();
    for l in catalogue {
        lv.push(create_in(conn, now, None, l).await?);
    }

    // Branches and their L1 teams.
    let mut branches: Vec<(Stored<Branch>, &str, &str)> = Vec::new();
    for (city, slug) in BRANCHES {
        let c = divisions::city_by_name(city).ok_or_else(|| AppError::Internal(format!("unknown demo city {city}")))?;
        let covered: Vec<String> = divisions::cities_in_province(&c.code).into_iter().map(|d| d.code.clone()).collect();
        let b = create_in(
            conn,
            now,
            None,
            Branch {
                name: format!("{city}分公司"),
                city_code: c.code.clone(),
                covered_city_codes: covered,
                address: Some(format!("{city}市高新区科技路{}号", 10 + r.below(190))),
                phone: Some(format!("400-820-{:04}", 1000 + r.below(9000))),
                active: true,
            },
        )
        .await?;
        branches.push((b, city, slug));
    }
    let center = create_in(
        conn,
        now,
        None,
        Team {
            name: "服务中心（400热线）".into(),
            kind: TeamKind::ServiceCenter,
            branch_id: Some(BranchId(branches[0].0.id)),
            lead_user_id: None,
            active: true,
        },
    )
    .await?;
    let l2 = create_in(
        conn,
        now,
        None,
        Team {
            name: "二线服务支持中心".into(),
            kind: TeamKind::L2Center,
            branch_id: Some(BranchId(branches[0].0.id)),
            lead_user_id: None,
            active: true,
        },
    )
    .await?;
    let l3 = create_in(
        conn,
        now,
        None,
        Team {
            name: "专家支持中心".into(),
            kind: TeamKind::L3Expert,
            branch_id: Some(BranchId(branches[0].0.id)),
            lead_user_id: None,
            active: true,
        },
    )
    .await?;

    let mut add_user = |u: User| u;
    let _ = &mut add_user;
    // Service centre people.
    let mut mk = Vec::new();
    let with_mail = |mut u: User| {
        u.email = Some(format!("{}@fuwu.example.cn", u.login));
        u
    };
    mk.push((user("admin", "李明", Role::Admin), "系统管理员"));
    let mut m = user("manager", "张伟", Role::Manager);
    m.team_id = Some(TeamId(center.id));
    mk.push((m, "部门经理"));
    for (login, name) in [("kefu", "王芳"), ("kefu2", "刘洋"), ("kefu3", "陈静")] {
        let mut s = user(login, name, Role::Specialist);
        s.team_id = Some(TeamId(center.id));
        mk.push((s, "客服专员"));
    }
    for (u, label) in mk.into_iter().map(|(u, l)| (with_mail(u), l)) {
        let login = u.login.clone();
        let name = u.name.clone();
        let s = create_in(conn, now, None, u).await?;
        users_made.push(s.id);
        if matches!(login.as_str(), "admin" | "manager" | "kefu") {
            logins.push((login, label.to_owned(), name));
        }
    }

    // L1 teams and engineers per branch.
    let skills_pool = ["存储阵列", "备份一体机", "分布式存储", "容灾网关", "数据归档", "数据库备份", "虚拟化备份"];
    let mut l1_teams: Vec<(i64, Vec<i64>)> = Vec::new();
    for (b, city, slug) in &branches {
        let team = create_in(
            conn,
            now,
            None,
            Team {
                name: format!("{city}项目支持服务小组"),
                kind: TeamKind::L1Project,
                branch_id: Some(BranchId(b.id)),
                lead_user_id: None,
                active: true,
            },
        )
        .await?;
        let mut members = Vec::new();
        for n in 1..=2 {
            let name = person_name(&mut r);
            let mut e = user(&format!("l1.{slug}{n}"), &name, Role::Engineer);
            e.tier = Some(Tier::L1);
            e.team_id = Some(TeamId(team.id));
            e.branch_id = Some(BranchId(b.id));
            e.phone = Some(mobile(&mut r));
            e.skills = vec![(*r.pick(&skills_pool)).to_owned(), (*r.pick(&skills_pool)).to_owned()];
            let s = create_in(conn, now, None, e).await?;
            users_made.push(s.id);
            if *slug == "nj" && n == 1 {
                logins.push((
                    s.data.login.clone(),
                    "一线工程师 L1".into(),
                    format!("{} · {city}项目支持服务小组", s.data.name),
                ));
            }
            members.push(s.id);
        }
        set_lead(conn, now, &team, members[0]).await?;
        l1_teams.push((team.id, members));
    }
    for (team, tier, prefix, count, label) in
        [(&l2, Tier::L2, "l2.", 5, "二线工程师 L2"), (&l3, Tier::L3, "l3.", 3, "专家 L3")]
    {
        let mut first = None;
        for n in 1..=count {
            let mut e = user(&format!("{prefix}{n}"), &person_name(&mut r), Role::Engineer);
            e.tier = Some(tier);
            e.team_id = Some(TeamId(team.id));
            e.phone = Some(mobile(&mut r));
            e.skills = skills_pool.iter().take(4).map(|s| (*s).to_owned()).collect();
            let s = create_in(conn, now, None, e).await?;
            users_made.push(s.id);
            if n == 1 {
                logins.push((s.data.login.clone(), label.into(), s.data.name.clone()));
                first = Some(s.id);
            }
        }
        if let Some(f) = first {
            set_lead(conn, now, team, f).await?;
        }
    }

    // Partner firms, each covering cities of one province away from the branch city.
    let mut partners: Vec<Stored<Partner>> = Vec::new();
    for (i, pname) in PARTNER_NAMES.iter().enumerate() {
        let (b, city, _) = &branches[i % branches.len()];
        let cities: Vec<String> = divisions::cities_in_province(&b.data.city_code)
            .into_iter()
            .map(|d| d.code.clone())
            .filter(|c| *c != b.data.city_code)
            .take(6)
            .collect();
        let p = create_in(
            conn,
            now,
            None,
            Partner {
                name: format!("{city}{pname}有限公司"),
                city_codes: if cities.is_empty() { vec![b.data.city_code.clone()] } else { cities },
                contact_name: Some(person_name(&mut r)),
                phone: Some(mobile(&mut r)),
                email: Some(format!("service{}@partner{}.example.cn", i + 1, i + 1)),
                active: true,
            },
        )
        .await?;
        let mut e = user(&format!("partner{}", i + 1), &person_name(&mut r), Role::PartnerEngineer);
        e.partner_id = Some(PartnerId(p.id));
        e.tier = Some(Tier::L1);
        e.phone = Some(mobile(&mut r));
        let s = create_in(conn, now, None, e).await?;
        users_made.push(s.id);
        if i == 0 {
            logins.push((s.data.login.clone(), "合作伙伴工程师".into(), format!("{} · {}", s.data.name, p.data.name)));
        }
        partners.push(p);
    }

    // Customers.
    let mut serial = 21_020_000u64;
    let mut project_no = 0;
    let mut contract_no = 0;
    let mut customer_logins = 0;
    for i in 0..50usize {
        let bi = i % branches.len();
        let (branch, city, _) = &branches[bi];
        let (pattern, industry, short) = ORG_TYPES[(i / branches.len() + i) % ORG_TYPES.len()];
        let cust = create_in(
            conn,
            now,
            None,
            Customer {
                name: pattern.replace("{c}", city),
                short_name: Some(format!("{city}{short}")),
                industry: Some(industry.into()),
                notes: None,
                active: true,
            },
        )
        .await?;
        let cid = CustomerId(cust.id);
        let districts = divisions::districts_of(&branch.data.city_code);
        let district = districts
            .get(r.below(districts.len().max(1) as u64) as usize)
            .map_or(branch.data.city_code.clone(), |d| d.code.clone());
        let main_site = create_in(
            conn,
            now,
            None,
            Site {
                customer_id: cid,
                name: "主数据中心".into(),
                city_code: district.clone(),
                address: Some(format!(
                    "{}{}路{}号",
                    divisions::full_name(&district).unwrap_or_default().replace(' ', ""),
                    r.pick(&["中山", "人民", "解放", "建设", "和平"]),
                    1 + r.below(300)
                )),
            },
        )
        .await?;
        let dr_site = if i % 3 == 0 {
            Some(
                create_in(
                    conn,
                    now,
                    None,
                    Site {
                        customer_id: cid,
                        name: "同城灾备中心".into(),
                        city_code: branch.data.city_code.clone(),
                        address: Some(format!("{city}市经济开发区数据园{}栋", 1 + r.below(9))),
                    },
                )
                .await?,
            )
        } else {
            None
        };
        let mut contacts = Vec::new();
        for (k, title) in ["信息中心主任", "系统管理员"].iter().enumerate() {
            let mut phones = vec![mobile(&mut r)];
            if k == 0 {
                phones.push(format!("0{}-{:08}", 10 + r.below(89), r.below(100_000_000)));
            }
            let c = create_in(
                conn,
                now,
                None,
                Contact {
                    customer_id: cid,
                    site_id: Some(SiteId(main_site.id)),
                    name: person_name(&mut r),
                    title: Some((*title).into()),
                    phones,
                    emails: vec![format!("it{}@customer{}.example.cn", k + 1, i + 1)],
                    notes: None,
                },
            )
            .await;
            match c {
                Ok(c) => contacts.push(c),
                // A generated landline can be implausible; keep the mobile alone then.
                Err(AppError::Invalid(_)) => {
                    let c = create_in(
                        conn,
                        now,
                        None,
                        Contact {
                            customer_id: cid,
                            site_id: Some(SiteId(main_site.id)),
                            name: person_name(&mut r),
                            title: Some((*title).into()),
                            phones: vec![mobile(&mut r)],
                            emails: vec![],
                            notes: None,
                        },
                    )
                    .await?;
                    contacts.push(c);
                }
                Err(e) => return Err(e),
            }
        }
        let (team, members) = &l1_teams[bi];
        let with_partner = i % 4 == 3;
        let mut project_ids = Vec::new();
        let mut asset_ids = Vec::new();
        for pj in 0..(1 + (i % 2)) {
            project_no += 1;
            let kind = ["容灾备份建设项目", "存储扩容项目", "数据中心升级项目"][(i + pj) % 3];
            let p = create_in(
                conn,
                now,
                None,
                Project {
                    customer_id: cid,
                    name: format!("{}{kind}", cust.data.short_name.clone().unwrap_or_default()),
                    code: Some(format!("PRJ-{}-{:04}", 2022 + (project_no % 4), project_no)),
                    site_id: Some(SiteId(if pj == 1 {
                        dr_site.as_ref().map_or(main_site.id, |s| s.id)
                    } else {
                        main_site.id
                    })),
                    dedicated_team_id: Some(TeamId(*team)),
                    implementation_engineer_id: Some(UserId(members[pj % members.len()])),
                    partner_id: with_partner.then(|| PartnerId(partners[(i / 4) % partners.len()].id)),
                    go_live_date: Some(format!(
                        "{}-{:02}-{:02}",
                        2022 + (project_no % 4),
                        1 + r.below(12),
                        1 + r.below(28)
                    )),
                    notes: None,
                },
            )
            .await?;
            project_ids.push(ProjectId(p.id));
            for _ in 0..(1 + r.below(3)) {
                let (model, kind, sw) = *r.pick(&MODELS);
                serial += 1 + r.below(97);
                let a = create_in(
                    conn,
                    now,
                    None,
                    Asset {
                        customer_id: cid,
                        project_id: Some(ProjectId(p.id)),
                        site_id: p.data.site_id,
                        product_model: model.into(),
                        serial_number: format!("{model}-{serial}").replace("-", "").to_uppercase(),
                        hardware_version: Some(format!("V{}.0", 1 + r.below(3))),
                        software_version: Some(sw.into()),
                        config_notes: Some(format!(
                            "{kind}：{}控制器，{} 块 {}TB 硬盘，RAID6",
                            2 + r.below(3) * 2,
                            12 + r.below(36),
                            [4, 8, 16][r.below(3) as usize]
                        )),
                        installed_date: p.data.go_live_date.clone(),
                    },
                )
                .await?;
                asset_ids.push(AssetId(a.id));
            }
        }
        // Contracts: most in force this year, some expired, some covering one project only.
        let lvl = &lv[i % lv.len()];
        contract_no += 1;
        let (start, end) = period_of(today, i);
        create_in(
            conn,
            now,
            None,
            Contract {
                number: format!("HT-{}-{:05}", start.year(), contract_no),
                customer_id: cid,
                service_level_id: ServiceLevelId(lvl.id),
                start_date: start.to_string(),
                end_date: end.to_string(),
                covered_project_ids: if i % 5 == 4 { vec![project_ids[0]] } else { vec![] },
                covered_asset_ids: vec![],
                quota_overrides: if i % 6 == 0 {
                    QuotaOverrides { inspections: Some(lvl.data.quotas.inspections + 2), ..Default::default() }
                } else {
                    QuotaOverrides::default()
                },
                notes: None,
            },
        )
        .await?;
        if i % 5 == 4 && project_ids.len() > 1 {
            contract_no += 1;
            let extension = year_from(months_before(today, 4));
            create_in(
                conn,
                now,
                None,
                Contract {
                    number: format!("HT-{}-{contract_no:05}", extension.0.year()),
                    customer_id: cid,
                    service_level_id: ServiceLevelId(lv[3].id),
                    start_date: extension.0.to_string(),
                    end_date: extension.1.to_string(),
                    covered_project_ids: vec![project_ids[1]],
                    covered_asset_ids: vec![],
                    quota_overrides: QuotaOverrides::default(),
                    notes: Some("扩容部分单独签约".into()),
                },
            )
            .await?;
        }
        // Customer logins for two customers (one in force, one expired).
        if (i == 3 || i == 5) && customer_logins < 2 {
            customer_logins += 1;
            let login = if customer_logins == 1 { "customer".to_owned() } else { "customer2".to_owned() };
            let mut u = user(&login, &contacts[0].data.name, Role::Customer);
            u.contact_id = Some(ContactId(contacts[0].id));
            let s = create_in(conn, now, None, u).await?;
            users_made.push(s.id);
            logins.push((login, "客户联系人".into(), format!("{} · {}", s.data.name, cust.data.name)));
        }
    }
    for id in &users_made {
        fuwu_store::auth::set_password_hash(conn, *id, &hash).await?;
    }
    tx.commit().await?;
    Ok(logins)
}

async fn set_lead(
    conn: &mut fuwu_store::Conn,
    now: jiff::Timestamp,
    team: &Stored<Team>,
    lead: i64,
) -> Result<(), AppError> {
    let before = fuwu_app::records::load_raw(conn, &fuwu_store::tables::TEAM, team.id).await?;
    let version = before.get("version").and_then(serde_json::Value::as_i64).unwrap_or(1);
    let mut t = team.data.clone();
    t.lead_user_id = Some(UserId(lead));
    fuwu_app::records::update_in(conn, now, None, team.id, version, before, t).await?;
    Ok(())
}
