//! The records of the organisation and of its customers, as the API receives
//! them, with their pure validation and normalisation. Storage adds `id`,
//! `version`, `created_at` and `updated_at` around each.

use crate::divisions;
use crate::errors::FieldErrors;
use crate::ids::*;
use crate::phone::{Phone, normalise_email};
use crate::role::{Language, Role, TeamKind, Tier};
use crate::text::parse_date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Normalises and validates a record in place; the errors name each field.
pub trait Validate {
    fn check(&mut self) -> Result<(), FieldErrors>;
}

fn yes() -> bool {
    true
}

fn city(errs: &mut FieldErrors, field: &str, code: &str) {
    if divisions::city_code(code).is_none() {
        errs.add(field, "unknown_city", format!("{field}: {code} is not a known city or district code"));
    }
}

fn cities(errs: &mut FieldErrors, field: &str, codes: &mut Vec<String>) {
    for (i, c) in codes.iter_mut().enumerate() {
        *c = c.trim().to_owned();
        city(errs, &format!("{field}[{i}]"), c);
    }
    codes.sort();
    codes.dedup();
}

fn opt_date(errs: &mut FieldErrors, field: &str, value: &Option<String>) {
    if let Some(v) = value
        && parse_date(v).is_none()
    {
        errs.add(field, "invalid_date", format!("{field} must be a date written YYYY-MM-DD"));
    }
}

fn opt_phone(errs: &mut FieldErrors, field: &str, value: &mut Option<String>) {
    if let Some(v) = value.as_mut() {
        match Phone::parse(v) {
            Ok(p) => *v = p.number,
            Err(e) => errs.add(field, "invalid_phone", format!("{field}: {e}")),
        }
    }
}

fn opt_email(errs: &mut FieldErrors, field: &str, value: &mut Option<String>) {
    errs.opt_text(field, value, 254);
    if let Some(v) = value.as_mut() {
        match normalise_email(v) {
            Some(e) => *v = e,
            None => errs.add(field, "invalid_email", format!("{field} is not an e-mail address")),
        }
    }
}

/// A branch office (分支机构).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// e.g. `南京分公司`.
    pub name: String,
    /// The city the branch sits in (division code).
    pub city_code: String,
    /// Cities the branch's L1 teams cover (division codes); its own city is always covered.
    #[serde(default)]
    pub covered_city_codes: Vec<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

impl Validate for Branch {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("name", &mut self.name, 100);
        city(&mut e, "city_code", &self.city_code);
        cities(&mut e, "covered_city_codes", &mut self.covered_city_codes);
        e.opt_text("address", &mut self.address, 300);
        opt_phone(&mut e, "phone", &mut self.phone);
        e.into_result()
    }
}

/// A team: a regional L1 project support team, the L2 centre, the L3 expert
/// centre or the service centre.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub name: String,
    pub kind: TeamKind,
    /// The branch of a regional L1 team.
    #[serde(default)]
    pub branch_id: Option<BranchId>,
    /// The team lead, who is told of warnings and breaches.
    #[serde(default)]
    pub lead_user_id: Option<UserId>,
    #[serde(default = "yes")]
    pub active: bool,
}

impl Validate for Team {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("name", &mut self.name, 100);
        if self.kind == TeamKind::L1Project && self.branch_id.is_none() {
            e.add("branch_id", "required", "an L1 project support team belongs to a branch");
        }
        e.into_result()
    }
}

/// A partner firm (合作伙伴) whose engineers cover cities on the vendor's behalf.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    pub name: String,
    /// Cities the firm covers (division codes).
    #[serde(default)]
    pub city_codes: Vec<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

impl Validate for Partner {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("name", &mut self.name, 200);
        cities(&mut e, "city_codes", &mut self.city_codes);
        e.opt_text("contact_name", &mut self.contact_name, 100);
        opt_phone(&mut e, "phone", &mut self.phone);
        opt_email(&mut e, "email", &mut self.email);
        e.into_result()
    }
}

/// A person who logs in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The login name, unique (letters, digits, `.`, `_`, `-`).
    pub login: String,
    /// Display name, e.g. `王磊`.
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub language: Language,
    /// IANA time zone for showing times, default `Asia/Shanghai`.
    #[serde(default = "default_tz")]
    pub time_zone: String,
    /// Engineers: their tier.
    #[serde(default)]
    pub tier: Option<Tier>,
    #[serde(default)]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub branch_id: Option<BranchId>,
    /// Partner engineers: their firm.
    #[serde(default)]
    pub partner_id: Option<PartnerId>,
    /// Customer contacts: the contact record this login belongs to.
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    /// Product skills, e.g. `["备份一体机", "OceanStor"]`.
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn default_tz() -> String {
    "Asia/Shanghai".to_owned()
}

impl Validate for User {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        self.login = self.login.trim().to_owned();
        if self.login.is_empty() {
            e.add("login", "required", "login must not be empty");
        } else if self.login.len() > 64
            || !self.login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
        {
            e.add("login", "invalid_login", "login may hold only letters, digits and . _ - @ (at most 64)");
        }
        e.text("name", &mut self.name, 100);
        opt_email(&mut e, "email", &mut self.email);
        opt_phone(&mut e, "phone", &mut self.phone);
        if jiff::tz::TimeZone::get(&self.time_zone).is_err() {
            e.add("time_zone", "invalid_time_zone", format!("{} is not a known time zone", self.time_zone));
        }
        match self.role {
            Role::Engineer if self.tier.is_none() => e.add("tier", "required", "an engineer has a tier (L1, L2 or L3)"),
            Role::PartnerEngineer if self.partner_id.is_none() => {
                e.add("partner_id", "required", "a partner engineer belongs to a partner firm")
            }
            Role::Customer if self.contact_id.is_none() => {
                e.add("contact_id", "required", "a customer login belongs to a contact")
            }
            _ => {}
        }
        if self.role != Role::Engineer && self.role != Role::PartnerEngineer && self.tier.is_some() {
            e.add("tier", "not_allowed", "only engineers have a tier");
        }
        if self.role != Role::PartnerEngineer && self.partner_id.is_some() {
            e.add("partner_id", "not_allowed", "only partner engineers belong to a partner firm");
        }
        if self.role != Role::Customer && self.contact_id.is_some() {
            e.add("contact_id", "not_allowed", "only customer logins belong to a contact");
        }
        for s in &mut self.skills {
            *s = s.trim().to_owned();
        }
        self.skills.retain(|s| !s.is_empty());
        e.into_result()
    }
}

/// A customer organisation (客户).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// Full name, e.g. `江苏省人民医院`.
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    /// Industry, e.g. `医疗`, `金融`, `政府`.
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

impl Validate for Customer {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("name", &mut self.name, 200);
        e.opt_text("short_name", &mut self.short_name, 50);
        e.opt_text("industry", &mut self.industry, 50);
        e.opt_text("notes", &mut self.notes, 4000);
        e.into_result()
    }
}

/// A site (地点) of a customer: where its equipment stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub customer_id: CustomerId,
    /// e.g. `主数据中心`.
    pub name: String,
    /// City or district code from China's administrative divisions.
    pub city_code: String,
    #[serde(default)]
    pub address: Option<String>,
}

impl Validate for Site {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("name", &mut self.name, 200);
        city(&mut e, "city_code", &self.city_code);
        e.opt_text("address", &mut self.address, 300);
        e.into_result()
    }
}

/// A person at a customer (联系人).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub customer_id: CustomerId,
    #[serde(default)]
    pub site_id: Option<SiteId>,
    pub name: String,
    /// Job title, e.g. `信息科科长`.
    #[serde(default)]
    pub title: Option<String>,
    /// Phone numbers in any common form; stored normalised.
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl Validate for Contact {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("name", &mut self.name, 100);
        e.opt_text("title", &mut self.title, 100);
        e.opt_text("notes", &mut self.notes, 4000);
        for (i, p) in self.phones.iter_mut().enumerate() {
            match Phone::parse(p) {
                Ok(ph) => {
                    *p = match ph.extension {
                        Some(x) => format!("{} 转 {x}", ph.number),
                        None => ph.number,
                    }
                }
                Err(err) => e.add(format!("phones[{i}]"), "invalid_phone", format!("phones[{i}]: {err}")),
            }
        }
        for (i, m) in self.emails.iter_mut().enumerate() {
            match normalise_email(m) {
                Some(n) => *m = n,
                None => e.add(format!("emails[{i}]"), "invalid_email", format!("emails[{i}] is not an e-mail address")),
            }
        }
        if e.is_empty() {
            self.phones.dedup();
            self.emails.dedup();
        }
        e.into_result()
    }
}

/// The lookup keys of a stored contact phone (`13800138000 转 12` → `13800138000`).
pub fn phone_key(stored: &str) -> &str {
    stored.split(' ').next().unwrap_or(stored)
}

/// A project (项目): an installation at a customer with its dedicated people.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub customer_id: CustomerId,
    pub name: String,
    /// The project number, e.g. `PRJ-2024-0311`.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub site_id: Option<SiteId>,
    /// The dedicated L1 team (人员定向化).
    #[serde(default)]
    pub dedicated_team_id: Option<TeamId>,
    /// The engineer who installed it (实施工程师); customers often call them directly.
    #[serde(default)]
    pub implementation_engineer_id: Option<UserId>,
    /// A partner firm serving this project on the vendor's behalf.
    #[serde(default)]
    pub partner_id: Option<PartnerId>,
    #[serde(default)]
    pub go_live_date: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

impl Validate for Project {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("name", &mut self.name, 200);
        e.opt_text("code", &mut self.code, 50);
        opt_date(&mut e, "go_live_date", &self.go_live_date);
        e.opt_text("notes", &mut self.notes, 4000);
        e.into_result()
    }
}

/// An installed product (资产).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    pub customer_id: CustomerId,
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    #[serde(default)]
    pub site_id: Option<SiteId>,
    /// Product model, e.g. `DS-8600`.
    pub product_model: String,
    /// Serial number, unique per product model.
    pub serial_number: String,
    #[serde(default)]
    pub hardware_version: Option<String>,
    #[serde(default)]
    pub software_version: Option<String>,
    #[serde(default)]
    pub config_notes: Option<String>,
    #[serde(default)]
    pub installed_date: Option<String>,
}

impl Validate for Asset {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("product_model", &mut self.product_model, 100);
        e.text("serial_number", &mut self.serial_number, 100);
        self.serial_number = self.serial_number.to_uppercase();
        e.opt_text("hardware_version", &mut self.hardware_version, 100);
        e.opt_text("software_version", &mut self.software_version, 100);
        e.opt_text("config_notes", &mut self.config_notes, 8000);
        opt_date(&mut e, "installed_date", &self.installed_date);
        e.into_result()
    }
}

/// Event priority, from the ITIL impact × urgency matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

/// Coverage hours of a service level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Coverage {
    /// Working days 09:00–18:00 on the official calendar.
    #[serde(rename = "5x8")]
    FiveByEight,
    /// Around the clock.
    #[serde(rename = "7x24")]
    SevenByTwentyFour,
}

/// Target times for one priority, in minutes of the level's coverage time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityTarget {
    pub priority: Priority,
    /// First engineer response.
    pub response_minutes: i64,
    /// Engineer on site, for on-site events.
    #[serde(default)]
    pub onsite_minutes: Option<i64>,
    /// Service restored.
    pub resolution_minutes: i64,
}

/// Yearly quotas of the planned services (per service period).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    /// 巡检 inspections.
    #[serde(default)]
    pub inspections: i64,
    /// 现场值守 on-site standby days.
    #[serde(default)]
    pub standby_days: i64,
    /// 培训 trainings.
    #[serde(default)]
    pub trainings: i64,
    /// 系统优化 optimisation reviews.
    #[serde(default)]
    pub optimisation_reviews: i64,
    /// 灾难演练 disaster-recovery drills.
    #[serde(default)]
    pub dr_drills: i64,
}

/// Per-contract overrides of a level's quotas; a missing value keeps the level's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaOverrides {
    #[serde(default)]
    pub inspections: Option<i64>,
    #[serde(default)]
    pub standby_days: Option<i64>,
    #[serde(default)]
    pub trainings: Option<i64>,
    #[serde(default)]
    pub optimisation_reviews: Option<i64>,
    #[serde(default)]
    pub dr_drills: Option<i64>,
}

impl QuotaOverrides {
    /// The quotas in force: the level's, with these overrides applied.
    pub fn apply(&self, base: &Quotas) -> Quotas {
        Quotas {
            inspections: self.inspections.unwrap_or(base.inspections),
            standby_days: self.standby_days.unwrap_or(base.standby_days),
            trainings: self.trainings.unwrap_or(base.trainings),
            optimisation_reviews: self.optimisation_reviews.unwrap_or(base.optimisation_reviews),
            dr_drills: self.dr_drills.unwrap_or(base.dr_drills),
        }
    }
}

/// A service level (服务等级) of the admin-editable catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevel {
    /// Short code, unique, e.g. `GOLD`.
    pub code: String,
    /// e.g. `金牌服务 7×24`.
    pub name: String,
    pub coverage: Coverage,
    /// Whether on-site service (现场服务) is included.
    pub onsite_included: bool,
    /// One target per priority P1–P4.
    pub targets: Vec<PriorityTarget>,
    #[serde(default)]
    pub quotas: Quotas,
    /// The business calendar its clocks run on (default: by coverage).
    #[serde(default)]
    pub calendar: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

impl Validate for ServiceLevel {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        self.code = self.code.trim().to_uppercase();
        if self.code.is_empty()
            || self.code.len() > 20
            || !self.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            e.add("code", "invalid_code", "code must be 1–20 letters, digits, _ or -");
        }
        e.text("name", &mut self.name, 100);
        self.targets.sort_by_key(|t| t.priority);
        for p in [Priority::P1, Priority::P2, Priority::P3, Priority::P4] {
            match self.targets.iter().filter(|t| t.priority == p).count() {
                0 => e.add("targets", "missing_priority", format!("targets must name priority {p:?}")),
                1 => {}
                _ => e.add("targets", "duplicate_priority", format!("targets name priority {p:?} more than once")),
            }
        }
        for (i, t) in self.targets.iter().enumerate() {
            if t.response_minutes <= 0 {
                e.add(format!("targets[{i}].response_minutes"), "not_positive", "response time must be positive");
            }
            if t.resolution_minutes < t.response_minutes {
                e.add(
                    format!("targets[{i}].resolution_minutes"),
                    "too_small",
                    "resolution time cannot be shorter than response time",
                );
            }
            if let Some(o) = t.onsite_minutes
                && o <= 0
            {
                e.add(format!("targets[{i}].onsite_minutes"), "not_positive", "on-site time must be positive");
            }
        }
        let q = &self.quotas;
        for (f, v) in [
            ("quotas.inspections", q.inspections),
            ("quotas.standby_days", q.standby_days),
            ("quotas.trainings", q.trainings),
            ("quotas.optimisation_reviews", q.optimisation_reviews),
            ("quotas.dr_drills", q.dr_drills),
        ] {
            e.non_negative(f, v);
        }
        e.opt_text("calendar", &mut self.calendar, 50);
        e.into_result()
    }
}

/// A service contract (服务合同).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    /// Contract number, unique, e.g. `HT-2025-00417`.
    pub number: String,
    pub customer_id: CustomerId,
    pub service_level_id: ServiceLevelId,
    /// First day of the service period (YYYY-MM-DD).
    pub start_date: String,
    /// Last day of the service period, inclusive (YYYY-MM-DD).
    pub end_date: String,
    /// Projects it covers; with no projects and no assets it covers the whole customer.
    #[serde(default)]
    pub covered_project_ids: Vec<ProjectId>,
    #[serde(default)]
    pub covered_asset_ids: Vec<AssetId>,
    #[serde(default)]
    pub quota_overrides: QuotaOverrides,
    #[serde(default)]
    pub notes: Option<String>,
}

impl Validate for Contract {
    fn check(&mut self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        e.text("number", &mut self.number, 50);
        let start = parse_date(&self.start_date);
        let end = parse_date(&self.end_date);
        if start.is_none() {
            e.add("start_date", "invalid_date", "start_date must be a date written YYYY-MM-DD");
        }
        if end.is_none() {
            e.add("end_date", "invalid_date", "end_date must be a date written YYYY-MM-DD");
        }
        if let (Some(s), Some(en)) = (start, end)
            && en < s
        {
            e.add("end_date", "before_start", "end_date must not be before start_date");
        }
        let o = &self.quota_overrides;
        for (f, v) in [
            ("quota_overrides.inspections", o.inspections),
            ("quota_overrides.standby_days", o.standby_days),
            ("quota_overrides.trainings", o.trainings),
            ("quota_overrides.optimisation_reviews", o.optimisation_reviews),
            ("quota_overrides.dr_drills", o.dr_drills),
        ] {
            if let Some(v) = v {
                e.non_negative(f, v);
            }
        }
        self.covered_project_ids.sort();
        self.covered_project_ids.dedup();
        self.covered_asset_ids.sort();
        self.covered_asset_ids.dedup();
        e.opt_text("notes", &mut self.notes, 4000);
        e.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(start: &str, end: &str) -> Contract {
        Contract {
            number: " HT-1 ".into(),
            customer_id: CustomerId(1),
            service_level_id: ServiceLevelId(1),
            start_date: start.into(),
            end_date: end.into(),
            covered_project_ids: vec![ProjectId(3), ProjectId(1), ProjectId(3)],
            covered_asset_ids: vec![],
            quota_overrides: QuotaOverrides::default(),
            notes: Some("  ".into()),
        }
    }

    #[test]
    fn a_contract_may_not_end_before_it_starts() {
        let err = contract("2026-05-01", "2026-04-30").check().unwrap_err();
        assert_eq!(err.0[0].field, "end_date");
        assert_eq!(err.0[0].code, "before_start");
        let mut ok = contract("2026-05-01", "2026-05-01");
        ok.check().unwrap();
        assert_eq!(ok.number, "HT-1");
        assert_eq!(ok.notes, None);
        assert_eq!(ok.covered_project_ids, vec![ProjectId(1), ProjectId(3)]);
    }

    #[test]
    fn bad_dates_are_named() {
        let err = contract("2026-13-01", "tomorrow").check().unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["start_date", "end_date"]);
    }

    #[test]
    fn contact_phones_are_normalised_and_bad_ones_named() {
        let mut c = Contact {
            customer_id: CustomerId(1),
            site_id: None,
            name: "李娜".into(),
            title: None,
            phones: vec!["+86 138 0013 8000".into(), "010-1234 5678 转 12".into()],
            emails: vec!["Li.Na@Hospital.CN".into()],
            notes: None,
        };
        c.check().unwrap();
        assert_eq!(c.phones, vec!["13800138000", "01012345678 转 12"]);
        assert_eq!(phone_key(&c.phones[1]), "01012345678");
        assert_eq!(c.emails, vec!["Li.Na@hospital.cn"]);
        c.phones.push("hello".into());
        let err = c.check().unwrap_err();
        assert_eq!(err.0[0].field, "phones[2]");
    }

    #[test]
    fn a_level_names_every_priority_once() {
        let t =
            |p, r, s| PriorityTarget { priority: p, response_minutes: r, onsite_minutes: None, resolution_minutes: s };
        let mut l = ServiceLevel {
            code: "gold".into(),
            name: "金牌".into(),
            coverage: Coverage::SevenByTwentyFour,
            onsite_included: true,
            targets: vec![t(Priority::P1, 15, 240), t(Priority::P2, 30, 480), t(Priority::P3, 60, 30)],
            quotas: Quotas { inspections: -1, ..Quotas::default() },
            calendar: None,
            active: true,
        };
        let err = l.check().unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["targets", "targets[2].resolution_minutes", "quotas.inspections"]);
        assert_eq!(l.code, "GOLD");
    }

    #[test]
    fn role_specific_user_fields() {
        let mut u = User {
            login: "wang.lei".into(),
            name: "王磊".into(),
            role: Role::Engineer,
            email: None,
            phone: Some("139 1000 2000".into()),
            language: Language::ZhCn,
            time_zone: "Asia/Shanghai".into(),
            tier: None,
            team_id: None,
            branch_id: None,
            partner_id: Some(PartnerId(1)),
            contact_id: None,
            skills: vec![],
            active: true,
        };
        let err = u.check().unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["tier", "partner_id"]);
        u.tier = Some(Tier::L1);
        u.partner_id = None;
        u.check().unwrap();
        assert_eq!(u.phone.as_deref(), Some("13910002000"));
    }
}
