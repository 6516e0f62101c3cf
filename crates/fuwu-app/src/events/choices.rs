//! Whom work can be handed to, as the pages' pickers show them: every active
//! engineer with team, tier, open load and skills; the L1 teams; the partner
//! firms with their load. The routing suggestion ranks a few; these are all.

use super::intake::all;
use crate::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use fuwu_core::access::Cap;
use fuwu_core::records::{Partner, Team, User};
use fuwu_core::role::{Role, TeamKind, Tier};
use fuwu_store::crud::Val;
use fuwu_store::{Conn, tables};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An engineer to pick.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EngineerChoice {
    pub id: i64,
    pub name: String,
    pub tier: Option<Tier>,
    /// The engineer's team, or partner firm for a partner engineer.
    pub team: Option<String>,
    pub partner: bool,
    /// Open events held now.
    pub open_load: i64,
    pub skills: Vec<String>,
}

/// A team or partner firm to pick.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupChoice {
    pub id: i64,
    pub name: String,
    pub open_load: i64,
}

/// Everyone an event may be dispatched to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DispatchChoices {
    pub engineers: Vec<EngineerChoice>,
    pub teams: Vec<GroupChoice>,
    pub partners: Vec<GroupChoice>,
}

fn staff(c: &Caller) -> Result<(), AppError> {
    c.require(Cap::ReadEvents)?;
    if c.role() == Role::Customer {
        return Err(AppError::Forbidden("dispatch choices are for staff".into()));
    }
    Ok(())
}

async fn engineers_in(conn: &mut Conn, tier: Option<Tier>) -> Result<Vec<EngineerChoice>, AppError> {
    let users: Vec<Stored<User>> = all(conn, &tables::USER, vec![("active", Val::Int(Some(1)))]).await?;
    let users: Vec<Stored<User>> = users
        .into_iter()
        .filter(|u| matches!(u.data.role, Role::Engineer | Role::PartnerEngineer))
        .filter(|u| tier.is_none_or(|t| u.data.tier.unwrap_or(Tier::L1) == t && u.data.role == Role::Engineer))
        .collect();
    let teams: BTreeMap<i64, String> =
        all::<Team>(conn, &tables::TEAM, vec![]).await?.into_iter().map(|t| (t.id, t.data.name)).collect();
    let firms: BTreeMap<i64, String> =
        all::<Partner>(conn, &tables::PARTNER, vec![]).await?.into_iter().map(|p| (p.id, p.data.name)).collect();
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let loads: BTreeMap<i64, i64> = fuwu_store::events::open_loads_of(conn, &ids, &[]).await?.0.into_iter().collect();
    let mut out: Vec<EngineerChoice> = users
        .into_iter()
        .map(|u| EngineerChoice {
            id: u.id,
            open_load: loads.get(&u.id).copied().unwrap_or(0),
            team: match (u.data.partner_id, u.data.team_id) {
                (Some(p), _) => firms.get(&p.0).cloned(),
                (None, Some(t)) => teams.get(&t.0).cloned(),
                _ => None,
            },
            partner: u.data.role == Role::PartnerEngineer,
            tier: u.data.tier,
            skills: u.data.skills,
            name: u.data.name,
        })
        .collect();
    out.sort_by(|a, b| (a.tier, &a.team, &a.name).cmp(&(b.tier, &b.team, &b.name)));
    Ok(out)
}

/// Active engineers of one tier (staff engineers only), with load and skills,
/// for the L2 approval's and the L3 consultation's pickers.
pub async fn engineers(app: &App, c: &Caller, tier: Tier) -> Result<Vec<EngineerChoice>, AppError> {
    staff(c)?;
    let mut conn = app.db.reader().acquire().await?;
    let mut out = engineers_in(&mut conn, Some(tier)).await?;
    out.sort_by(|a, b| (a.open_load, &a.name).cmp(&(b.open_load, &b.name)));
    Ok(out)
}

/// Every engineer, L1 team and partner firm an event may be dispatched to.
pub async fn dispatch(app: &App, c: &Caller) -> Result<DispatchChoices, AppError> {
    staff(c)?;
    let mut conn = app.db.reader().acquire().await?;
    let engineers = engineers_in(&mut conn, None).await?;
    let teams: Vec<Stored<Team>> = all(&mut conn, &tables::TEAM, vec![("active", Val::Int(Some(1)))]).await?;
    let firms: Vec<Stored<Partner>> = all(&mut conn, &tables::PARTNER, vec![("active", Val::Int(Some(1)))]).await?;
    let firm_ids: Vec<i64> = firms.iter().map(|p| p.id).collect();
    let firm_loads: BTreeMap<i64, i64> =
        fuwu_store::events::open_loads_of(&mut conn, &[], &firm_ids).await?.1.into_iter().collect();
    let teams = teams
        .into_iter()
        .filter(|t| t.data.kind == TeamKind::L1Project)
        .map(|t| GroupChoice { id: t.id, name: t.data.name, open_load: 0 })
        .collect();
    let partners = firms
        .into_iter()
        .map(|p| GroupChoice { id: p.id, open_load: firm_loads.get(&p.id).copied().unwrap_or(0), name: p.data.name })
        .collect();
    Ok(DispatchChoices { engineers, teams, partners })
}
