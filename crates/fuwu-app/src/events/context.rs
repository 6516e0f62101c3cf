//! What the engineer needs beside an event, on the desk or driving to site:
//! the customer, the site with its full address, the calling contact with
//! phones, the device with serial and versions, the project with its dedicated
//! people, the contract and what it includes, and other open events of the same
//! device. Read in a fixed number of queries.

use super::Event;
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use fuwu_core::records::{Asset, Contact, Customer, Partner, Project, Site, Team, User};
use fuwu_core::role::Role;
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::{Conn, tables};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A site with its place spelled out.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteView {
    pub id: i64,
    pub name: String,
    /// Province, city and district by name, e.g. `江苏省 南京市 江宁区`.
    pub place: String,
    pub address: Option<String>,
}

/// A person named beside the event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    pub title: Option<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
}

/// The project with its dedicated people (staff only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectContext {
    pub id: i64,
    pub name: String,
    pub code: Option<String>,
    pub dedicated_team: Option<String>,
    pub team_lead: Option<PersonView>,
    pub implementation_engineer: Option<PersonView>,
    pub partner: Option<String>,
}

/// An open event of the same device.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiblingEvent {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub state: String,
}

/// Everything beside an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventContext {
    pub customer: String,
    pub site: Option<SiteView>,
    pub contact: Option<PersonView>,
    #[schema(value_type = Option<Object>)]
    pub asset: Option<Stored<Asset>>,
    pub project: Option<ProjectContext>,
    /// Open events of the same device the caller may see (not this one).
    pub same_asset_open: Vec<SiblingEvent>,
}

async fn one<T: serde::de::DeserializeOwned>(
    conn: &mut Conn,
    def: &'static tables::TableDef,
    id: Option<i64>,
) -> Result<Option<Stored<T>>, AppError> {
    match id {
        Some(id) => crud::get(conn, def, id).await?.map(Stored::from_map).transpose(),
        None => Ok(None),
    }
}

fn person_of_user(u: Stored<User>) -> PersonView {
    PersonView {
        id: u.id,
        name: u.data.name,
        title: None,
        phones: u.data.phone.into_iter().collect(),
        emails: u.data.email.into_iter().collect(),
    }
}

/// The context of a stored event, as the caller may see it.
pub async fn of(conn: &mut Conn, c: &Caller, e: &Stored<Event>) -> Result<EventContext, AppError> {
    of_as(conn, Some(c), e).await
}

/// The context as `viewer` sees it; `None`: the customer's copy of a report
/// (no staff details, no other events).
pub async fn of_as(conn: &mut Conn, viewer: Option<&Caller>, e: &Stored<Event>) -> Result<EventContext, AppError> {
    let d = &e.data;
    let customer: Option<Stored<Customer>> = one(conn, &tables::CUSTOMER, Some(d.customer_id.0)).await?;
    let asset: Option<Stored<Asset>> = one(conn, &tables::ASSET, d.asset_id.map(|a| a.0)).await?;
    let project: Option<Stored<Project>> = one(conn, &tables::PROJECT, d.project_id.map(|p| p.0)).await?;
    let site_id = d
        .site_id
        .map(|s| s.0)
        .or(asset.as_ref().and_then(|a| a.data.site_id.map(|s| s.0)))
        .or(project.as_ref().and_then(|p| p.data.site_id.map(|s| s.0)));
    let site: Option<Stored<Site>> = one(conn, &tables::SITE, site_id).await?;
    let contact: Option<Stored<Contact>> = one(conn, &tables::CONTACT, d.contact_id.map(|x| x.0)).await?;
    let staff = viewer.is_some_and(|c| c.role() != Role::Customer);
    let project = match project {
        Some(p) if staff => {
            let team: Option<Stored<Team>> = one(conn, &tables::TEAM, p.data.dedicated_team_id.map(|t| t.0)).await?;
            let lead: Option<Stored<User>> =
                one(conn, &tables::USER, team.as_ref().and_then(|t| t.data.lead_user_id.map(|u| u.0))).await?;
            let engineer: Option<Stored<User>> =
                one(conn, &tables::USER, p.data.implementation_engineer_id.map(|u| u.0)).await?;
            let partner: Option<Stored<Partner>> = one(conn, &tables::PARTNER, p.data.partner_id.map(|x| x.0)).await?;
            Some(ProjectContext {
                id: p.id,
                name: p.data.name,
                code: p.data.code,
                dedicated_team: team.map(|t| t.data.name),
                team_lead: lead.map(person_of_user),
                implementation_engineer: engineer.map(person_of_user),
                partner: partner.map(|x| x.data.name),
            })
        }
        Some(p) => Some(ProjectContext {
            id: p.id,
            name: p.data.name,
            code: p.data.code,
            dedicated_team: None,
            team_lead: None,
            implementation_engineer: None,
            partner: None,
        }),
        None => None,
    };
    let same_asset_open = match (d.asset_id, viewer) {
        (Some(a), Some(c)) => {
            let mut conds = vec![("state NOT IN ('closed', 'cancelled')".to_owned(), vec![])];
            conds.extend(super::event_scope(c));
            conds.push(("id <> ?".to_owned(), vec![Val::Int(Some(e.id))]));
            let spec = ListSpec {
                filters: vec![("asset_id".into(), Val::Int(Some(a.0)))],
                conds,
                sort: Some(("created_at".into(), true)),
                limit: 10,
                no_count: true,
                ..Default::default()
            };
            crud::list(conn, &tables::EVENT, &spec)
                .await?
                .0
                .into_iter()
                .map(|m| SiblingEvent {
                    id: m.get("id").and_then(Value::as_i64).unwrap_or_default(),
                    number: m.get("number").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    title: m.get("title").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    state: m.get("state").and_then(Value::as_str).unwrap_or_default().to_owned(),
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(EventContext {
        customer: customer.map(|x| x.data.name).unwrap_or_default(),
        site: site.map(|s| SiteView {
            id: s.id,
            place: fuwu_core::divisions::full_name(&s.data.city_code).unwrap_or_default(),
            name: s.data.name,
            address: s.data.address,
        }),
        contact: contact.map(|p| PersonView {
            id: p.id,
            name: p.data.name,
            title: p.data.title,
            phones: p.data.phones,
            emails: p.data.emails,
        }),
        asset,
        project,
        same_asset_open,
    })
}
