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
    /// Whatever the caller said: a phone number or its last digits, a serial
    /// number or part of it, a contract or project, a customer's or contact's
    /// name in part, or a customer's pinyin initials (`njgd`).
    pub q: Option<String>,
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
    /// The planned services of each contract in its service period: this
    /// contract year's quota use (delivered / scheduled / remaining per kind).
    pub plan_use: Vec<crate::plan::ContractUse>,
    /// Open events of the customer the caller may see: those of the matched
    /// asset or contact first, then the newest (at most 20).
    pub open_events: Vec<OpenEvent>,
}

/// An open event of a customer, as the hotline card lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenEvent {
    pub id: i64,
    pub number: String,
    pub title: String,
    #[schema(value_type = String)]
    pub state: fuwu_core::flow::State,
    #[schema(value_type = String)]
    pub priority: fuwu_core::records::Priority,
    #[schema(value_type = String)]
    pub tier: fuwu_core::role::Tier,
    pub major: bool,
    pub asset_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub assignee: Option<PersonRef>,
    /// The earliest due time of a running SLA clock (RFC 3339).
    pub due: Option<String>,
    /// True when it concerns the matched asset or contact.
    pub matched: bool,
    /// RFC 3339.
    pub created_at: String,
}

const MAX_OPEN_EVENTS: i64 = 20;

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
        ("q", &q.q),
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
        return Err(AppError::bad("give exactly one of q, phone, customer, project, serial, contract", Some("q")));
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
    let mut kind = given[0];
    if kind == "q" {
        let text = q.q.as_deref().unwrap_or_default().trim();
        let (k, hits, phone) = find_text(&mut conn, text).await?;
        kind = k;
        normalised_phone = phone;
        for (c, m) in hits {
            let e = found.entry(c).or_default();
            e.0.extend(m.0);
            e.1.extend(m.1);
            e.2.extend(m.2);
            note(c);
        }
    }
    // A free text was matched above; the named keys are matched here.
    match if given[0] == "q" { "" } else { kind } {
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
        "contract" => {
            if let Some((c, _)) =
                lookup::contract_by_number(&mut conn, q.contract.as_deref().unwrap_or_default()).await?
            {
                found.entry(c).or_default();
                note(c);
            }
        }
        // Found by the free text above.
        _ => {}
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
        if let Some(mut card) = card(&mut conn, c, kind, contacts, assets, projects, at).await? {
            card.open_events = open_events(&mut conn, caller, &card, at).await?;
            customers.push(card);
        }
    }
    Ok(LookupResult { at: at.to_string(), normalised_phone, customers })
}

/// The customer's open events the caller may see, the matched asset's or contact's first.
async fn open_events(
    conn: &mut Conn,
    caller: &Caller,
    card: &CustomerCard,
    at: jiff::Timestamp,
) -> Result<Vec<OpenEvent>, AppError> {
    if caller.require(Cap::ReadEvents).is_err() {
        return Ok(Vec::new());
    }
    let mut conds = vec![("state NOT IN ('closed', 'cancelled')".to_owned(), vec![])];
    conds.extend(crate::events::event_scope(caller));
    let spec = ListSpec {
        filters: vec![("customer_id".into(), Val::Int(Some(card.customer.id)))],
        conds,
        sort: Some(("created_at".into(), true)),
        limit: 200,
        no_count: true,
        ..Default::default()
    };
    let rows = crud::list(conn, &tables::EVENT, &spec).await?.0;
    let events: Vec<Stored<crate::events::Event>> = rows.into_iter().map(Stored::from_map).collect::<Result<_, _>>()?;
    let mut cals: BTreeMap<String, fuwu_core::calendar::Calendar> = BTreeMap::new();
    let mut out = Vec::new();
    for e in events {
        let d = &e.data;
        let due = match &d.clocks {
            Some(set) => {
                if !cals.contains_key(&set.calendar) {
                    let cal = crate::calendars::calendar(conn, &set.calendar, "calendar").await?;
                    cals.insert(set.calendar.clone(), cal);
                }
                cals.get(&set.calendar).and_then(|cal| set.earliest_due(cal, at)).map(|t| t.to_string())
            }
            None => None,
        };
        let matched = d.asset_id.is_some_and(|a| card.matched_asset_ids.contains(&a.0))
            || d.contact_id.is_some_and(|p| card.matched_contact_ids.contains(&p.0));
        out.push(OpenEvent {
            id: e.id,
            number: d.number.clone(),
            title: d.title.clone(),
            state: d.state,
            priority: d.priority,
            tier: d.tier,
            major: d.major,
            asset_id: d.asset_id.map(|a| a.0),
            contact_id: d.contact_id.map(|p| p.0),
            assignee: person(conn, d.assignee_id.map(|u| u.0)).await?,
            due,
            matched,
            created_at: e.created_at.clone(),
        });
    }
    // The caller's own device or person first; among equals, the newest first (stable sort).
    out.sort_by_key(|o| !o.matched);
    out.truncate(MAX_OPEN_EVENTS as usize);
    Ok(out)
}

/// Whether the text is dialled digits (a whole number, maybe with an extension).
pub fn phone_like(q: &str) -> bool {
    let digits = q.chars().filter(char::is_ascii_digit).count();
    digits >= 7 && q.chars().all(|c| c.is_ascii_digit() || " +-()#转ext".contains(c))
}

/// Hits of a free-text search: customer → (contacts, assets, projects).
type Hits = Vec<(i64, Matched)>;

/// Tries the text as each kind of key, most exact first; the first kind that
/// finds anything answers (with its name as `matched_by`).
async fn find_text(conn: &mut Conn, text: &str) -> Result<(&'static str, Hits, Option<String>), AppError> {
    const LIMIT: i64 = 50;
    let hit = |pairs: Vec<(i64, i64)>, slot: usize| -> Hits {
        pairs
            .into_iter()
            .map(|(c, x)| {
                let mut m: Matched = Default::default();
                match slot {
                    0 => m.0.push(x),
                    1 => m.1.push(x),
                    _ => m.2.push(x),
                }
                (c, m)
            })
            .collect()
    };
    if text.is_empty() {
        return Ok(("q", Vec::new(), None));
    }
    let digits_only = text.chars().all(|c| c.is_ascii_digit());
    if phone_like(text)
        && let Ok(p) = Phone::parse(text)
    {
        let mut hits = Vec::new();
        for contact in lookup::contacts_by_phone(conn, &p.number).await? {
            if let Some(m) = crud::get(conn, &tables::CONTACT, contact).await?
                && let Some(c) = m.get("customer_id").and_then(serde_json::Value::as_i64)
            {
                hits.push((c, (vec![contact], vec![], vec![])));
            }
        }
        if !hits.is_empty() {
            return Ok(("phone", hits, Some(p.number)));
        }
    }
    if digits_only && (4..=11).contains(&text.len()) {
        let hits = hit(lookup::contacts_by_phone_suffix(conn, text, LIMIT).await?, 0);
        if !hits.is_empty() {
            return Ok(("phone_suffix", hits, None));
        }
    }
    let hits = hit(lookup::assets_by_serial(conn, text).await?, 1);
    if !hits.is_empty() {
        return Ok(("serial", hits, None));
    }
    if let Some((c, _)) = lookup::contract_by_number(conn, text).await? {
        return Ok(("contract", vec![(c, Default::default())], None));
    }
    let hits = hit(lookup::projects_by_text(conn, text, LIMIT).await?, 2);
    if !hits.is_empty() {
        return Ok(("project", hits, None));
    }
    let hits: Hits =
        lookup::customers_by_name(conn, text, LIMIT).await?.into_iter().map(|c| (c, Default::default())).collect();
    if !hits.is_empty() {
        return Ok(("customer", hits, None));
    }
    let hits = hit(lookup::contacts_by_name(conn, text, LIMIT).await?, 0);
    if !hits.is_empty() {
        return Ok(("contact", hits, None));
    }
    if text.chars().count() >= 3 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        let hits = hit(lookup::assets_by_serial_part(conn, &text.replace('-', ""), LIMIT).await?, 1);
        if !hits.is_empty() {
            return Ok(("serial_part", hits, None));
        }
    }
    if fuwu_core::text::looks_like_initials(text) {
        let want = text.to_ascii_lowercase();
        let hits: Hits = lookup::customer_names(conn)
            .await?
            .into_iter()
            .filter(|(_, name, short)| {
                fuwu_core::text::initials(name).contains(&want)
                    || short.as_deref().is_some_and(|s| fuwu_core::text::initials(s).contains(&want))
            })
            .take(LIMIT as usize)
            .map(|(c, _, _)| (c, Default::default()))
            .collect();
        if !hits.is_empty() {
            return Ok(("initials", hits, None));
        }
    }
    Ok(("q", Vec::new(), None))
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
    let in_period: Vec<i64> = ents.iter().filter(|e| e.in_period).map(|e| e.contract_id.0).collect();
    let plan_use = crate::plan::use_on(conn, &in_period, day).await?;
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
        plan_use,
        open_events: Vec::new(),
    }))
}
