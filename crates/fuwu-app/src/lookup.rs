//! The hotline's entitlement lookup: from a phone number, customer name,
//! project, serial number or contract number to everything the specialist needs
//! in one answer.

use crate::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use fuwu_core::access::{Cap, CustomerScope};
use fuwu_core::entitlement::{self, Entitlement};
use fuwu_core::ids::*;
use fuwu_core::phone::Phone;
use fuwu_core::records::*;
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::tables::{self, TableDef};
use fuwu_store::{Conn, lookup};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What to look up: exactly one key, and optionally the moment (default now).
#[derive(Debug, Clone, Default)]
pub struct LookupQuery {
    pub phone: Option<String>,
    pub customer: Option<String>,
    pub project: Option<String>,
    pub serial: Option<String>,
    pub contract: Option<String>,
    pub at: Option<jiff::Timestamp>,
}

/// A person named in the answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
}

/// A team named in the answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamRef {
    pub id: i64,
    pub name: String,
    pub lead: Option<PersonRef>,
}

/// A project with its dedicated people.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    #[schema(value_type = Object)]
    pub project: Stored<Project>,
    pub dedicated_team: Option<TeamRef>,
    pub implementation_engineer: Option<PersonRef>,
    pub partner: Option<PersonRef>,
    /// The contract covering the project now (or at the asked moment).
    pub covering_contract_id: Option<ContractId>,
}

/// An asset with the contract that covers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssetView {
    #[schema(value_type = Object)]
    pub asset: Stored<Asset>,
    pub covering_contract_id: Option<ContractId>,
    /// True when a covering contract is in its service period.
    pub covered_in_period: bool,
}

/// Everything about one customer the hotline needs.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustomerCard {
    #[schema(value_type = Object)]
    pub customer: Stored<Customer>,
    /// Which key found it: `phone`, `customer`, `project`, `serial`, `contract`.
    pub matched_by: &'static str,
    /// The contacts at the phone number asked about, if any.
    pub matched_contact_ids: Vec<i64>,
    pub matched_asset_ids: Vec<i64>,
    pub matched_project_ids: Vec<i64>,
    #[schema(value_type = Vec<Object>)]
    pub sites: Vec<Stored<Site>>,
    #[schema(value_type = Vec<Object>)]
    pub contacts: Vec<Stored<Contact>>,
    pub projects: Vec<ProjectView>,
    pub assets: Vec<AssetView>,
    /// Every contract, evaluated at the moment, in-period ones first.
    pub contracts: Vec<Entitlement>,
    /// True when at least one contract is in its service period.
    pub any_in_period: bool,
    /// Open events of the customer (filled once events exist).
    #[schema(value_type = Vec<Object>)]
    pub open_events: Vec<serde_json::Value>,
}

/// The answer: the matching customers (at most 10), best first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LookupResult {
    /// The moment the contracts were evaluated at (RFC 3339).
    pub at: String,
    /// The normalised phone number, when a phone was asked about.
    pub normalised_phone: Option<String>,
    pub customers: Vec<CustomerCard>,
}

const MAX_CUSTOMERS: usize = 10;

/// What matched within one customer: contacts, assets, projects.
type Matched = (Vec<i64>, Vec<i64>, Vec<i64>);

/// Runs a lookup.
pub async fn lookup(app: &App, caller: &Caller, q: &LookupQuery) -> Result<LookupResult, AppError> {
    caller.require(Cap::Lookup)?;
    let given: Vec<&str> = [
        ("phone", &q.phone),
        ("customer", &q.customer),
        ("project", &q.project),
        ("serial", &q.serial),
        ("contract", &q.contract),
    ]
    .iter()
    .filter(|(_, v)| v.as_deref().is_some_and(|s| !s.trim().is_empty()))
    .map(|(k, _)| *k)
    .collect();
    if given.len() != 1 {
        return Err(AppError::bad("give exactly one of phone, customer, project, serial, contract", Some("q")));
    }
    let at = q.at.unwrap_or_else(|| app.clock.now());
    let mut conn = app.db.reader().acquire().await?;
    let mut normalised_phone = None;
    // customer id → (matched contacts, matched assets, matched projects)
    let mut found: BTreeMap<i64, Matched> = BTreeMap::new();
    let mut order: Vec<i64> = Vec::new();
    let mut note = |c: i64| {
        if !order.contains(&c) {
            order.push(c);
        }
    };
    let kind = given[0];
    match kind {
        "phone" => {
            let raw = q.phone.as_deref().unwrap_or_default();
            let p =
                Phone::parse(raw).map_err(|e| AppError::invalid("phone", "invalid_phone", format!("phone: {e}")))?;
            for contact in lookup::contacts_by_phone(&mut conn, &p.number).await? {
                if let Some(m) = crud::get(&mut conn, &tables::CONTACT, contact).await?
                    && let Some(c) = m.get("customer_id").and_then(serde_json::Value::as_i64)
                {
                    found.entry(c).or_default().0.push(contact);
                    note(c);
                }
            }
            normalised_phone = Some(p.number);
        }
        "customer" => {
            for c in lookup::customers_by_name(&mut conn, q.customer.as_deref().unwrap_or_default().trim(), 50).await? {
                found.entry(c).or_default();
                note(c);
            }
        }
        "project" => {
            for (c, p) in lookup::projects_by_text(&mut conn, q.project.as_deref().unwrap_or_default(), 50).await? {
                found.entry(c).or_default().2.push(p);
                note(c);
            }
        }
        "serial" => {
            for (c, a) in lookup::assets_by_serial(&mut conn, q.serial.as_deref().unwrap_or_default()).await? {
                found.entry(c).or_default().1.push(a);
                note(c);
            }
        }
        _ => {
            if let Some((c, _)) =
                lookup::contract_by_number(&mut conn, q.contract.as_deref().unwrap_or_default()).await?
            {
                found.entry(c).or_default();
                note(c);
            }
        }
    }
    let scope = caller.scope();
    let mut customers = Vec::new();
    for c in order {
        if customers.len() >= MAX_CUSTOMERS {
            break;
        }
        if scope != CustomerScope::All && !crud::customer_in_scope(&mut conn, &scope, c).await? {
            continue;
        }
        let (contacts, assets, projects) = found.remove(&c).unwrap_or_default();
        if let Some(card) = card(&mut conn, c, kind, contacts, assets, projects, at).await? {
            customers.push(card);
        }
    }
    Ok(LookupResult { at: at.to_string(), normalised_phone, customers })
}

async fn children<T: serde::de::DeserializeOwned>(
    conn: &mut Conn,
    def: &'static TableDef,
    customer: i64,
) -> Result<Vec<Stored<T>>, AppError> {
    let spec =
        ListSpec { filters: vec![("customer_id".into(), Val::Int(Some(customer)))], limit: 1000, ..Default::default() };
    let (rows, _) = crud::list(conn, def, &spec).await?;
    rows.into_iter().map(Stored::from_map).collect()
}

async fn person(conn: &mut Conn, id: Option<i64>) -> Result<Option<PersonRef>, AppError> {
    let Some(id) = id else { return Ok(None) };
    Ok(crud::get(conn, &tables::USER, id).await?.map(|m| PersonRef {
        id,
        name: m.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
        phone: m.get("phone").and_then(|v| v.as_str()).map(str::to_owned),
    }))
}

async fn card(
    conn: &mut Conn,
    customer_id: i64,
    matched_by: &'static str,
    matched_contact_ids: Vec<i64>,
    matched_asset_ids: Vec<i64>,
    matched_project_ids: Vec<i64>,
    at: jiff::Timestamp,
) -> Result<Option<CustomerCard>, AppError> {
    let Some(m) = crud::get(conn, &tables::CUSTOMER, customer_id).await? else {
        return Ok(None);
    };
    let customer: Stored<Customer> = Stored::from_map(m)?;
    let sites: Vec<Stored<Site>> = children(conn, &tables::SITE, customer_id).await?;
    let contacts: Vec<Stored<Contact>> = children(conn, &tables::CONTACT, customer_id).await?;
    let projects: Vec<Stored<Project>> = children(conn, &tables::PROJECT, customer_id).await?;
    let assets: Vec<Stored<Asset>> = children(conn, &tables::ASSET, customer_id).await?;
    let contracts: Vec<Stored<Contract>> = children(conn, &tables::CONTRACT, customer_id).await?;

    let level_ids: BTreeSet<i64> = contracts.iter().map(|c| c.data.service_level_id.0).collect();
    let level_ids: Vec<i64> = level_ids.into_iter().collect();
    let mut levels: BTreeMap<i64, ServiceLevel> = BTreeMap::new();
    for m in crud::get_many(conn, &tables::SERVICE_LEVEL, &level_ids).await? {
        let l: Stored<ServiceLevel> = Stored::from_map(m)?;
        levels.insert(l.id, l.data);
    }
    let day = entitlement::service_date(at);
    let mut ents: Vec<Entitlement> = contracts
        .iter()
        .filter_map(|c| {
            levels.get(&c.data.service_level_id.0).map(|l| entitlement::evaluate(ContractId(c.id), &c.data, l, day))
        })
        .collect();
    ents.sort_by(|a, b| (b.in_period, &b.end_date).cmp(&(a.in_period, &a.end_date)));

    let mut project_views = Vec::new();
    for p in projects {
        let team = match p.data.dedicated_team_id {
            Some(t) => match crud::get(conn, &tables::TEAM, t.0).await? {
                Some(tm) => Some(TeamRef {
                    id: t.0,
                    name: tm.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                    lead: person(conn, tm.get("lead_user_id").and_then(serde_json::Value::as_i64)).await?,
                }),
                None => None,
            },
            None => None,
        };
        let partner = match p.data.partner_id {
            Some(pid) => crud::get(conn, &tables::PARTNER, pid.0).await?.map(|m| PersonRef {
                id: pid.0,
                name: m.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                phone: m.get("phone").and_then(|v| v.as_str()).map(str::to_owned),
            }),
            None => None,
        };
        let engineer = person(conn, p.data.implementation_engineer_id.map(|u| u.0)).await?;
        let covering_contract_id = entitlement::covering(&ents, None, Some(ProjectId(p.id))).map(|e| e.contract_id);
        project_views.push(ProjectView {
            project: p,
            dedicated_team: team,
            implementation_engineer: engineer,
            partner,
            covering_contract_id,
        });
    }
    let asset_views = assets
        .into_iter()
        .map(|a| {
            let cover = entitlement::covering(&ents, Some(AssetId(a.id)), a.data.project_id);
            AssetView {
                covering_contract_id: cover.map(|e| e.contract_id),
                covered_in_period: cover.is_some_and(|e| e.in_period),
                asset: a,
            }
        })
        .collect();
    let any_in_period = ents.iter().any(|e| e.in_period);
    Ok(Some(CustomerCard {
        customer,
        matched_by,
        matched_contact_ids,
        matched_asset_ids,
        matched_project_ids,
        sites,
        contacts,
        projects: project_views,
        assets: asset_views,
        contracts: ents,
        any_in_period,
        open_events: Vec::new(),
    }))
}
