//! Routing: who should take an event. The project's dedicated people first
//! (人员定向化), then the L1 team of the branch covering the site's city, then a
//! partner firm covering that city; within each, product skill and current
//! open load decide. Every candidate carries the reasons of its rank.

use crate::ids::{BranchId, PartnerId, TeamId, UserId};
use crate::role::Tier;
use serde::Serialize;
use utoipa::ToSchema;

/// An engineer as routing sees them.
#[derive(Debug, Clone)]
pub struct EngineerInfo {
    pub id: UserId,
    pub name: String,
    pub tier: Tier,
    pub team: Option<TeamId>,
    pub branch: Option<BranchId>,
    pub skills: Vec<String>,
    pub open_load: i64,
}

/// A branch with the cities its L1 teams cover (its own city included).
#[derive(Debug, Clone)]
pub struct BranchInfo {
    pub id: BranchId,
    pub city_code: String,
    pub covered: Vec<String>,
}

/// An L1 team with its branch.
#[derive(Debug, Clone)]
pub struct TeamInfo {
    pub id: TeamId,
    pub branch: Option<BranchId>,
}

/// A partner firm with the cities it covers.
#[derive(Debug, Clone)]
pub struct PartnerInfo {
    pub id: PartnerId,
    pub name: String,
    pub cities: Vec<String>,
    pub open_load: i64,
}

/// What is known about the event.
#[derive(Debug, Clone, Default)]
pub struct Need {
    /// The site's prefecture-level city code.
    pub city: Option<String>,
    /// Words describing the product (model, kind) to match against skills.
    pub product_terms: Vec<String>,
    pub dedicated_team: Option<TeamId>,
    pub implementation_engineer: Option<UserId>,
    pub project_partner: Option<PartnerId>,
}

/// One ranked candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Candidate {
    /// `engineer` or `partner`.
    pub kind: &'static str,
    pub engineer_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub partner_id: Option<PartnerId>,
    pub name: String,
    pub score: i64,
    pub open_load: i64,
    /// Why it ranks where it does, e.g. `implementation_engineer`, `dedicated_team`, `branch_covers_city`, `skill:备份一体机`, `open_load:3`.
    pub reasons: Vec<String>,
}

pub const W_IMPLEMENTATION: i64 = 100;
pub const W_DEDICATED_TEAM: i64 = 60;
pub const W_PROJECT_PARTNER: i64 = 50;
pub const W_BRANCH_CITY: i64 = 30;
pub const W_PARTNER_CITY: i64 = 20;
pub const W_SKILL: i64 = 15;
pub const W_LOAD: i64 = 5;

fn covers(b: &BranchInfo, city: &str) -> bool {
    b.city_code == city || b.covered.iter().any(|c| c == city)
}

/// Ranks L1 engineers and partner firms for an event; best first, at most `limit`.
pub fn rank(
    need: &Need,
    engineers: &[EngineerInfo],
    teams: &[TeamInfo],
    branches: &[BranchInfo],
    partners: &[PartnerInfo],
    limit: usize,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for e in engineers.iter().filter(|e| e.tier == Tier::L1) {
        let mut score = 0;
        let mut reasons = Vec::new();
        if need.implementation_engineer == Some(e.id) {
            score += W_IMPLEMENTATION;
            reasons.push("implementation_engineer".to_owned());
        }
        if need.dedicated_team.is_some() && e.team == need.dedicated_team {
            score += W_DEDICATED_TEAM;
            reasons.push("dedicated_team".to_owned());
        }
        let branch = e.team.and_then(|t| teams.iter().find(|x| x.id == t)).and_then(|t| t.branch).or(e.branch);
        if let (Some(city), Some(b)) = (&need.city, branch.and_then(|b| branches.iter().find(|x| x.id == b)))
            && covers(b, city)
        {
            score += W_BRANCH_CITY;
            reasons.push("branch_covers_city".to_owned());
        }
        if reasons.is_empty() {
            continue;
        }
        for s in &e.skills {
            if need.product_terms.iter().any(|t| t.contains(s.as_str()) || s.contains(t.as_str())) {
                score += W_SKILL;
                reasons.push(format!("skill:{s}"));
                break;
            }
        }
        score -= W_LOAD * e.open_load;
        reasons.push(format!("open_load:{}", e.open_load));
        out.push(Candidate {
            kind: "engineer",
            engineer_id: Some(e.id),
            team_id: e.team,
            partner_id: None,
            name: e.name.clone(),
            score,
            open_load: e.open_load,
            reasons,
        });
    }
    for p in partners {
        let mut score = 0;
        let mut reasons = Vec::new();
        if need.project_partner == Some(p.id) {
            score += W_PROJECT_PARTNER;
            reasons.push("project_partner".to_owned());
        }
        if let Some(city) = &need.city
            && p.cities.iter().any(|c| c == city)
        {
            score += W_PARTNER_CITY;
            reasons.push("partner_covers_city".to_owned());
        }
        if reasons.is_empty() {
            continue;
        }
        score -= W_LOAD * p.open_load;
        reasons.push(format!("open_load:{}", p.open_load));
        out.push(Candidate {
            kind: "partner",
            engineer_id: None,
            team_id: None,
            partner_id: Some(p.id),
            name: p.name.clone(),
            score,
            open_load: p.open_load,
            reasons,
        });
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.open_load.cmp(&b.open_load)).then(a.name.cmp(&b.name)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eng(id: i64, team: i64, skills: &[&str], load: i64) -> EngineerInfo {
        EngineerInfo {
            id: UserId(id),
            name: format!("e{id}"),
            tier: Tier::L1,
            team: Some(TeamId(team)),
            branch: None,
            skills: skills.iter().map(|s| (*s).to_owned()).collect(),
            open_load: load,
        }
    }

    fn world() -> (Vec<EngineerInfo>, Vec<TeamInfo>, Vec<BranchInfo>, Vec<PartnerInfo>) {
        let engineers = vec![
            eng(1, 10, &["存储阵列"], 4),
            eng(2, 10, &["备份一体机"], 0),
            eng(3, 20, &["备份一体机"], 0),
            eng(4, 30, &[], 0),
        ];
        let teams = vec![
            TeamInfo { id: TeamId(10), branch: Some(BranchId(1)) },
            TeamInfo { id: TeamId(20), branch: Some(BranchId(2)) },
            TeamInfo { id: TeamId(30), branch: Some(BranchId(3)) },
        ];
        let branches = vec![
            BranchInfo { id: BranchId(1), city_code: "320100000000".into(), covered: vec!["320200000000".into()] },
            BranchInfo { id: BranchId(2), city_code: "340100000000".into(), covered: vec![] },
            BranchInfo { id: BranchId(3), city_code: "110000000000".into(), covered: vec![] },
        ];
        let partners = vec![PartnerInfo {
            id: PartnerId(9),
            name: "合肥伙伴".into(),
            cities: vec!["340800000000".into()],
            open_load: 1,
        }];
        (engineers, teams, branches, partners)
    }

    #[test]
    fn the_implementation_engineer_and_dedicated_team_come_first() {
        let (e, t, b, p) = world();
        let need = Need {
            city: Some("320200000000".into()),
            product_terms: vec!["备份一体机".into()],
            dedicated_team: Some(TeamId(10)),
            implementation_engineer: Some(UserId(1)),
            project_partner: None,
        };
        let r = rank(&need, &e, &t, &b, &p, 10);
        assert_eq!(r[0].engineer_id, Some(UserId(1)));
        assert_eq!(
            r[0].reasons,
            vec!["implementation_engineer", "dedicated_team", "branch_covers_city", "open_load:4"]
        );
        assert_eq!(r[1].engineer_id, Some(UserId(2)));
        assert!(r[1].reasons.contains(&"skill:备份一体机".to_owned()));
        assert_eq!(r.len(), 2, "engineers with no tie to the event are not offered");
    }

    #[test]
    fn without_dedication_the_covering_branch_then_partners() {
        let (e, t, b, p) = world();
        let need = Need { city: Some("340100000000".into()), ..Need::default() };
        let r = rank(&need, &e, &t, &b, &p, 10);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].engineer_id, r[0].reasons[0].as_str()), (Some(UserId(3)), "branch_covers_city"));
        let need = Need { city: Some("340800000000".into()), ..Need::default() };
        let r = rank(&need, &e, &t, &b, &p, 10);
        assert_eq!((r[0].kind, r[0].partner_id), ("partner", Some(PartnerId(9))));
        assert_eq!(rank(&Need { city: Some("650100000000".into()), ..Need::default() }, &e, &t, &b, &p, 10), vec![]);
    }

    #[test]
    fn load_breaks_the_tie_between_equals() {
        let (mut e, t, b, p) = world();
        e[1].open_load = 6;
        e[0].open_load = 1;
        let need = Need { city: Some("320100000000".into()), dedicated_team: Some(TeamId(10)), ..Need::default() };
        let r = rank(&need, &e, &t, &b, &p, 10);
        assert_eq!(r.iter().map(|c| c.engineer_id).collect::<Vec<_>>(), vec![Some(UserId(1)), Some(UserId(2))]);
    }
}
