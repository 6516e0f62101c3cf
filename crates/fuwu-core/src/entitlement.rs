//! Entitlement: what a customer's contract gives it at a moment — is the moment
//! inside the service period, what does the level include, which contract covers
//! a given asset or project.

use crate::ids::{AssetId, ContractId, ProjectId, ServiceLevelId};
use crate::records::{Contract, Coverage, PriorityTarget, Quotas, ServiceLevel};
use crate::text::parse_date;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;

/// Where a moment falls relative to a contract's service period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    /// 未生效: the period has not begun.
    NotStarted,
    /// 服务期内.
    InPeriod,
    /// 已过期.
    Expired,
}

/// What a contract includes at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Entitlement {
    pub contract_id: ContractId,
    pub contract_number: String,
    pub service_level_id: ServiceLevelId,
    pub level_code: String,
    pub level_name: String,
    pub coverage: Coverage,
    pub start_date: String,
    pub end_date: String,
    pub period: PeriodStatus,
    /// True when the moment is inside the service period (服务期内).
    pub in_period: bool,
    /// Days left in the period, counting the moment's day; 0 when outside it.
    pub days_remaining: i64,
    pub onsite_included: bool,
    /// The business calendar the level's clocks run on (`5x8`, `7x24` or a named one).
    pub calendar: String,
    pub targets: Vec<PriorityTarget>,
    /// Quotas of the period, the level's with the contract's overrides.
    pub quotas: Quotas,
    /// `customer` (covers everything of the customer), or `listed` (only the listed projects and assets).
    pub scope: &'static str,
    pub covered_project_ids: Vec<ProjectId>,
    pub covered_asset_ids: Vec<AssetId>,
}

/// The service day of a moment: contracts are dated in China Standard Time
/// (UTC+8 all year, no daylight saving).
pub fn service_date(at: Timestamp) -> Date {
    at.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date()
}

/// Evaluates a contract under its level on a service day.
pub fn evaluate(id: ContractId, contract: &Contract, level: &ServiceLevel, day: Date) -> Entitlement {
    let start = parse_date(&contract.start_date);
    let end = parse_date(&contract.end_date);
    let period = match (start, end) {
        (Some(s), _) if day < s => PeriodStatus::NotStarted,
        (_, Some(e)) if day > e => PeriodStatus::Expired,
        (Some(_), Some(_)) => PeriodStatus::InPeriod,
        // An unreadable stored date cannot grant service.
        _ => PeriodStatus::Expired,
    };
    let days_remaining = match (period, end) {
        (PeriodStatus::InPeriod, Some(e)) => (e - day).get_days() as i64 + 1,
        _ => 0,
    };
    let listed = !contract.covered_project_ids.is_empty() || !contract.covered_asset_ids.is_empty();
    Entitlement {
        contract_id: id,
        contract_number: contract.number.clone(),
        service_level_id: contract.service_level_id,
        level_code: level.code.clone(),
        level_name: level.name.clone(),
        coverage: level.coverage,
        start_date: contract.start_date.clone(),
        end_date: contract.end_date.clone(),
        period,
        in_period: period == PeriodStatus::InPeriod,
        days_remaining,
        onsite_included: level.onsite_included,
        calendar: level.calendar.clone().unwrap_or_else(|| {
            match level.coverage {
                Coverage::FiveByEight => "5x8",
                Coverage::SevenByTwentyFour => "7x24",
            }
            .to_owned()
        }),
        targets: level.targets.clone(),
        quotas: contract.quota_overrides.apply(&level.quotas),
        scope: if listed { "listed" } else { "customer" },
        covered_project_ids: contract.covered_project_ids.clone(),
        covered_asset_ids: contract.covered_asset_ids.clone(),
    }
}

/// How closely a contract covers the thing asked about; higher is closer.
fn closeness(e: &Entitlement, asset: Option<AssetId>, project: Option<ProjectId>) -> Option<u8> {
    if let Some(a) = asset
        && e.covered_asset_ids.contains(&a)
    {
        return Some(3);
    }
    if let Some(p) = project
        && e.covered_project_ids.contains(&p)
    {
        return Some(2);
    }
    (e.scope == "customer").then_some(1)
}

/// The contract that covers an asset (or project) of the customer: a contract in
/// its period beats one outside it; then the closest cover (asset, project,
/// whole customer); then the one that runs longest. `None` when no contract
/// covers it at all.
pub fn covering(
    entitlements: &[Entitlement],
    asset: Option<AssetId>,
    project: Option<ProjectId>,
) -> Option<&Entitlement> {
    entitlements
        .iter()
        .filter_map(|e| closeness(e, asset, project).map(|c| (e, c)))
        .max_by(|(a, ca), (b, cb)| (a.in_period, ca, &a.end_date).cmp(&(b.in_period, cb, &b.end_date)))
        .map(|(e, _)| e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CustomerId;
    use crate::records::{Priority, QuotaOverrides};

    fn level(onsite: bool) -> ServiceLevel {
        ServiceLevel {
            code: "GOLD".into(),
            name: "金牌".into(),
            coverage: Coverage::SevenByTwentyFour,
            onsite_included: onsite,
            targets: vec![PriorityTarget {
                priority: Priority::P1,
                response_minutes: 15,
                onsite_minutes: Some(240),
                resolution_minutes: 480,
            }],
            quotas: Quotas { inspections: 4, standby_days: 2, trainings: 1, optimisation_reviews: 1, dr_drills: 1 },
            calendar: None,
            active: true,
        }
    }

    fn contract(start: &str, end: &str, projects: Vec<i64>, assets: Vec<i64>) -> Contract {
        Contract {
            number: format!("HT-{start}"),
            customer_id: CustomerId(1),
            service_level_id: ServiceLevelId(1),
            start_date: start.into(),
            end_date: end.into(),
            covered_project_ids: projects.into_iter().map(ProjectId).collect(),
            covered_asset_ids: assets.into_iter().map(AssetId).collect(),
            quota_overrides: QuotaOverrides { inspections: Some(6), ..Default::default() },
            notes: None,
        }
    }

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_period_includes_both_end_days() {
        let c = contract("2026-01-01", "2026-12-31", vec![], vec![]);
        let l = level(true);
        assert_eq!(evaluate(ContractId(1), &c, &l, day("2025-12-31")).period, PeriodStatus::NotStarted);
        let first = evaluate(ContractId(1), &c, &l, day("2026-01-01"));
        assert!(first.in_period);
        assert_eq!(first.days_remaining, 365);
        assert_eq!(evaluate(ContractId(1), &c, &l, day("2026-12-31")).days_remaining, 1);
        let after = evaluate(ContractId(1), &c, &l, day("2027-01-01"));
        assert_eq!(after.period, PeriodStatus::Expired);
        assert!(!after.in_period);
        assert_eq!(after.days_remaining, 0);
    }

    #[test]
    fn overrides_change_only_what_they_name() {
        let e = evaluate(
            ContractId(1),
            &contract("2026-01-01", "2026-12-31", vec![], vec![]),
            &level(true),
            day("2026-06-01"),
        );
        assert_eq!(e.quotas.inspections, 6);
        assert_eq!(e.quotas.standby_days, 2);
    }

    #[test]
    fn service_day_is_china_time() {
        // 2026-06-30T17:00Z is already 1 July in Beijing.
        let ts: Timestamp = "2026-06-30T17:00:00Z".parse().unwrap();
        assert_eq!(service_date(ts), day("2026-07-01"));
    }

    #[test]
    fn the_closest_valid_contract_covers() {
        let l = level(true);
        let d = day("2026-06-01");
        let whole = evaluate(ContractId(1), &contract("2026-01-01", "2026-12-31", vec![], vec![]), &l, d);
        let proj = evaluate(ContractId(2), &contract("2026-01-01", "2026-12-31", vec![7], vec![]), &l, d);
        let expired_asset = evaluate(ContractId(3), &contract("2024-01-01", "2025-12-31", vec![], vec![9]), &l, d);
        let all = vec![whole.clone(), proj.clone(), expired_asset.clone()];
        assert_eq!(covering(&all, Some(AssetId(9)), Some(ProjectId(7))).map(|e| e.contract_id), Some(ContractId(2)));
        assert_eq!(covering(&all, Some(AssetId(5)), None).map(|e| e.contract_id), Some(ContractId(1)));
        let only_expired = vec![expired_asset, proj];
        assert_eq!(covering(&only_expired, Some(AssetId(9)), None).map(|e| e.contract_id), Some(ContractId(3)));
        assert_eq!(covering(&only_expired, Some(AssetId(1)), None), None);
    }
}
