//! Recording an event: the entitlement snapshot, the priority, the number, the
//! routing ranking, and for a directly called engineer, the event in their hands.

use super::{Channel, Event, EventKind, ServiceMode, act};
use crate::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use fuwu_core::FieldErrors;
use fuwu_core::access::Cap;
use fuwu_core::divisions;
use fuwu_core::entitlement::{self, Entitlement};
use fuwu_core::flow::{self, Entitled, Flow, Target};
use fuwu_core::ids::*;
use fuwu_core::priority::{Impact, Urgency};
use fuwu_core::records::*;
use fuwu_core::role::{Role, TeamKind, Tier};
use fuwu_core::routing::{self, BranchInfo, Candidate, EngineerInfo, Need, PartnerInfo, TeamInfo};
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::{Conn, tables};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// Where to dispatch an event: an engineer, a team or a partner firm.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    #[serde(default)]
    pub engineer_id: Option<UserId>,
    #[serde(default)]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub partner_id: Option<PartnerId>,
    /// Required when overriding the top routing suggestion.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A new event.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// Default by role: hotline (service centre), direct (engineers), portal (customers).
    #[serde(default)]
    pub channel: Option<Channel>,
    pub kind: EventKind,
    #[serde(default)]
    pub service_mode: Option<ServiceMode>,
    /// Taken from the asset, project or contact when not given.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    #[serde(default)]
    pub site_id: Option<SiteId>,
    #[serde(default)]
    pub project_id: Option<ProjectId>,
    #[serde(default)]
    pub asset_id: Option<AssetId>,
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub impact: Impact,
    pub urgency: Urgency,
    /// Dispatch at once (the hotline's one click); `{}` dispatches to the routing's top suggestion.
    #[serde(default)]
    pub dispatch: Option<TargetInput>,
    /// A token the client chooses (a form's, an API client's idempotency key, up to 100
    /// characters): sending the same event again with it returns the event recorded first.
    #[serde(default)]
    pub client_token: Option<String>,
}

async fn get<T: serde::de::DeserializeOwned>(
    conn: &mut Conn,
    def: &'static tables::TableDef,
    id: i64,
) -> Result<Option<Stored<T>>, AppError> {
    match crud::get(conn, def, id).await? {
        Some(m) => Ok(Some(Stored::from_map(m)?)),
        None => Ok(None),
    }
}

pub(crate) async fn all<T: serde::de::DeserializeOwned>(
    conn: &mut Conn,
    def: &'static tables::TableDef,
    filters: Vec<(&str, Val)>,
) -> Result<Vec<Stored<T>>, AppError> {
    let spec = ListSpec {
        filters: filters.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        limit: 10_000,
        no_count: true,
        ..Default::default()
    };
    crud::list(conn, def, &spec).await?.0.into_iter().map(Stored::from_map).collect()
}

/// The contracts of a customer evaluated at a moment.
pub async fn entitlements(conn: &mut Conn, customer: i64, at: jiff::Timestamp) -> Result<Vec<Entitlement>, AppError> {
    let day = entitlement::service_date(at);
    let mut out = Vec::new();
    for (c, l) in fuwu_store::lookup::contracts_with_levels(conn, customer).await? {
        let c: Stored<Contract> = Stored::from_map(c)?;
        let l: Stored<ServiceLevel> = Stored::from_map(l)?;
        out.push(entitlement::evaluate(ContractId(c.id), &c.data, &l.data, day));
    }
    Ok(out)
}

/// What routing needs to know about an event's customer side.
pub struct Placement {
    pub city: Option<String>,
    pub need: Need,
}

/// Works out the city, product and dedicated people of an event.
pub async fn placement(
    conn: &mut Conn,
    site: Option<i64>,
    project: Option<&Project>,
    asset: Option<&Asset>,
) -> Result<Placement, AppError> {
    let site_id = site.or(asset.and_then(|a| a.site_id.map(|s| s.0))).or(project.and_then(|p| p.site_id.map(|s| s.0)));
    let site_city = match site_id {
        Some(s) => get::<Site>(conn, &tables::SITE, s).await?.map(|s| s.data.city_code),
        None => None,
    };
    Ok(placement_at(site_city, project, asset))
}

/// Placement from an already known site city code.
pub fn placement_at(site_city: Option<String>, project: Option<&Project>, asset: Option<&Asset>) -> Placement {
    let city = site_city.as_deref().and_then(divisions::city_code);
    let mut terms = Vec::new();
    if let Some(a) = asset {
        terms.push(a.product_model.clone());
        terms.extend(a.hardware_version.clone());
    }
    Placement {
        city: city.clone(),
        need: Need {
            city,
            product_terms: terms,
            dedicated_team: project.and_then(|p| p.dedicated_team_id),
            implementation_engineer: project.and_then(|p| p.implementation_engineer_id),
            project_partner: project.and_then(|p| p.partner_id),
        },
    }
}

/// The organisation as routing sees it, read at most every few seconds.
#[derive(Debug)]
pub struct RefData {
    engineers: Vec<EngineerInfo>,
    teams: Vec<TeamInfo>,
    branches: Vec<BranchInfo>,
    partners: Vec<PartnerInfo>,
}

/// How long routing may use reference data before reading it again. Routing
/// only suggests; the target of an assignment is always checked against the
/// records themselves.
const REFDATA_TTL: std::time::Duration = std::time::Duration::from_secs(10);

async fn refdata(app: &App, conn: &mut Conn) -> Result<std::sync::Arc<RefData>, AppError> {
    if let Some(data) = app.cache.refdata.get(REFDATA_TTL) {
        return Ok(data);
    }
    let engineers: Vec<Stored<User>> =
        all(conn, &tables::USER, vec![("role", Val::Text(Some("engineer".into()))), ("active", Val::Int(Some(1)))])
            .await?;
    let teams: Vec<Stored<Team>> =
        all(conn, &tables::TEAM, vec![("kind", Val::Text(Some("l1_project".into())))]).await?;
    let branches: Vec<Stored<Branch>> = all(conn, &tables::BRANCH, vec![("active", Val::Int(Some(1)))]).await?;
    let partners: Vec<Stored<Partner>> = all(conn, &tables::PARTNER, vec![("active", Val::Int(Some(1)))]).await?;
    let data = std::sync::Arc::new(RefData {
        engineers: engineers
            .iter()
            .filter_map(|u| {
                Some(EngineerInfo {
                    id: UserId(u.id),
                    name: u.data.name.clone(),
                    tier: u.data.tier?,
                    team: u.data.team_id,
                    branch: u.data.branch_id,
                    skills: u.data.skills.clone(),
                    open_load: 0,
                })
            })
            .collect(),
        teams: teams.iter().map(|t| TeamInfo { id: TeamId(t.id), branch: t.data.branch_id }).collect(),
        branches: branches
            .iter()
            .map(|b| BranchInfo {
                id: BranchId(b.id),
                city_code: b.data.city_code.clone(),
                covered: b.data.covered_city_codes.clone(),
            })
            .collect(),
        partners: partners
            .iter()
            .map(|p| PartnerInfo {
                id: PartnerId(p.id),
                name: p.data.name.clone(),
                cities: p.data.city_codes.clone(),
                open_load: 0,
            })
            .collect(),
    });
    app.cache.refdata.put(data.clone());
    Ok(data)
}

/// Ranks who should take an event; the open load is read only for the candidates.
pub async fn rank(app: &App, conn: &mut Conn, need: &Need) -> Result<(Vec<Candidate>, Option<BranchId>), AppError> {
    let r = refdata(app, conn).await?;
    let first = routing::rank(need, &r.engineers, &r.teams, &r.branches, &r.partners, 32);
    let users: Vec<i64> = first.iter().filter_map(|c| c.engineer_id.map(|u| u.0)).collect();
    let firms: Vec<i64> = first.iter().filter_map(|c| c.partner_id.map(|p| p.0)).collect();
    let (user_loads, firm_loads) = fuwu_store::events::open_loads_of(conn, &users, &firms).await?;
    let load = |list: &[(i64, i64)], id: i64| list.iter().find(|(k, _)| *k == id).map_or(0, |(_, n)| *n);
    let engineers: Vec<EngineerInfo> = r
        .engineers
        .iter()
        .filter(|e| users.contains(&e.id.0))
        .map(|e| EngineerInfo { open_load: load(&user_loads, e.id.0), ..e.clone() })
        .collect();
    let partners: Vec<PartnerInfo> = r
        .partners
        .iter()
        .filter(|p| firms.contains(&p.id.0))
        .map(|p| PartnerInfo { open_load: load(&firm_loads, p.id.0), ..p.clone() })
        .collect();
    let branch = need
        .city
        .as_ref()
        .and_then(|c| r.branches.iter().find(|x| x.city_code == *c || x.covered.contains(c)))
        .map(|x| x.id);
    Ok((routing::rank(need, &engineers, &r.teams, &r.branches, &partners, 8), branch))
}

/// Records an event: every read on a read connection first, then one short
/// write transaction (the number, the event, its journal row, its effects).
pub async fn record(app: &App, c: &Caller, input: NewEvent) -> Result<Stored<Event>, AppError> {
    Ok(super::view_for(c, record_whole(app, c, input).await.map_err(|e| super::view_error_for(c, e))?))
}

async fn record_whole(app: &App, c: &Caller, input: NewEvent) -> Result<Stored<Event>, AppError> {
    c.require(Cap::RecordEvents)?;
    let token = input.client_token.clone();
    if let Some(t) = &token
        && let Some(found) = recorded_with(app, c, t).await?
    {
        return Ok(found);
    }
    let mut conn = app.db.reader().acquire().await?;
    let (event, dispatch) = prepare(app, &mut conn, c, input).await?;
    drop(conn);
    let writer = app.cache.intake_writer.get_or_init(|| super::writer::start(app.db.clone())).clone();
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job = super::writer::Job { caller: c.clone(), event, dispatch, at: app.clock.now(), reply };
    writer.send(job).await.map_err(|_| AppError::Internal("the intake writer has stopped".into()))?;
    match (answer.await.map_err(|_| AppError::Internal("the intake writer dropped a write".into()))?, &token) {
        // Two sends with one token at the same moment: the second meets the first's
        // row (the unique index decides) and answers with it.
        (Err(e @ AppError::Conflict { .. }), Some(t)) => match recorded_with(app, c, t).await? {
            Some(found) => Ok(found),
            None => Err(e),
        },
        (other, _) => other,
    }
}

/// The event a client's token already recorded, as the caller may see it.
async fn recorded_with(app: &App, c: &Caller, token: &str) -> Result<Option<Stored<Event>>, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    match fuwu_store::events::by_client_token(&mut conn, token).await? {
        Some(id) => Ok(Some(super::load(&mut conn, c, id).await?.0)),
        None => Ok(None),
    }
}

/// Checks the input and works out everything about the new event.
async fn prepare(
    app: &App,
    conn: &mut Conn,
    c: &Caller,
    mut input: NewEvent,
) -> Result<(Event, Option<TargetInput>), AppError> {
    let mut errs = FieldErrors::new();
    errs.text("title", &mut input.title, 200);
    if let Some(t) = &input.client_token
        && (t.trim().is_empty() || t.chars().count() > 100)
    {
        errs.add("client_token", "invalid_token", "client_token must be 1–100 characters");
    }
    errs.opt_text("description", &mut input.description, 20_000);
    errs.into_result()?;
    if c.role() == Role::Customer {
        input.channel = Some(Channel::Portal);
        if input.customer_id.is_some() && input.customer_id != c.actor.customer_id {
            return Err(AppError::invalid("customer_id", "unknown_id", "customer_id: no such customer"));
        }
        input.customer_id = c.actor.customer_id;
        if input.dispatch.is_some() {
            return Err(AppError::invalid("dispatch", "not_allowed", "the service centre dispatches portal events"));
        }
    }
    let channel = input.channel.unwrap_or(match c.role() {
        Role::Engineer | Role::PartnerEngineer => Channel::Direct,
        Role::Customer => Channel::Portal,
        Role::Specialist | Role::Manager => Channel::Hotline,
        Role::Admin => Channel::Api,
    });
    let unknown = |f: &str, what: &str, id: i64| {
        AppError::invalid(f, "unknown_id", format!("{f}: there is no {what} with id {id}"))
    };
    // The asset, its project and its site's city come in one query.
    let (asset, joined_project, joined_city) = match input.asset_id {
        Some(a) => {
            let (asset, project, city) = fuwu_store::lookup::asset_placement(conn, a.0)
                .await?
                .ok_or_else(|| unknown("asset_id", "asset", a.0))?;
            let project: Option<Stored<Project>> = project.map(Stored::from_map).transpose()?;
            (Some(Stored::<Asset>::from_map(asset)?), project, city)
        }
        None => (None, None, None),
    };
    let project_id = input.project_id.or(asset.as_ref().and_then(|a| a.data.project_id));
    let project = match (project_id, joined_project) {
        (Some(p), Some(j)) if j.id == p.0 => Some(j),
        (Some(p), _) => Some(
            get::<Project>(conn, &tables::PROJECT, p.0).await?.ok_or_else(|| unknown("project_id", "project", p.0))?,
        ),
        (None, _) => None,
    };
    let contact = match input.contact_id {
        Some(x) => Some(
            get::<Contact>(conn, &tables::CONTACT, x.0).await?.ok_or_else(|| unknown("contact_id", "contact", x.0))?,
        ),
        None => None,
    };
    // The site named, if any (its customer is checked with the others below).
    let site = match input.site_id {
        Some(s) => Some(get::<Site>(conn, &tables::SITE, s.0).await?.ok_or_else(|| unknown("site_id", "site", s.0))?),
        None => None,
    };
    // Every reference with its owner: a reference to another customer's record,
    // or to one outside the caller's scope, answers exactly as an absent one
    // (same status, code and message), so ids cannot be probed.
    let refs: Vec<(&str, &str, i64, CustomerId)> = [
        asset.as_ref().map(|a| ("asset_id", "asset", a.id, a.data.customer_id)),
        // A project taken from the asset is the asset's business, not the caller's.
        project
            .as_ref()
            .filter(|_| input.project_id.is_some())
            .map(|p| ("project_id", "project", p.id, p.data.customer_id)),
        contact.as_ref().map(|x| ("contact_id", "contact", x.id, x.data.customer_id)),
        site.as_ref().map(|s| ("site_id", "site", s.id, s.data.customer_id)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let customer = match input.customer_id {
        Some(given) => given,
        None => {
            let Some(&(field, what, id, owner)) = refs.iter().find(|r| r.0 != "site_id") else {
                return Err(AppError::invalid(
                    "customer_id",
                    "required",
                    "name the customer, or an asset, project or contact of it",
                ));
            };
            let scope = c.scope();
            if scope != fuwu_core::access::CustomerScope::All && !crud::customer_in_scope(conn, &scope, owner.0).await?
            {
                return Err(unknown(field, what, id));
            }
            owner
        }
    };
    let scope = c.scope();
    if scope != fuwu_core::access::CustomerScope::All && !crud::customer_in_scope(conn, &scope, customer.0).await? {
        return Err(unknown("customer_id", "customer", customer.0));
    }
    let mut errs = FieldErrors::new();
    for &(field, what, id, owner) in &refs {
        if owner != customer {
            errs.add(field, "unknown_id", format!("{field}: there is no {what} with id {id}"));
        }
    }
    errs.into_result()?;
    // A customer named only by id must exist; one reached through an asset, project or contact does.
    let derived = asset.is_some() || project.is_some() || contact.is_some();
    if !derived && get::<Customer>(conn, &tables::CUSTOMER, customer.0).await?.is_none() {
        return Err(unknown("customer_id", "customer", customer.0));
    }

    let now = app.clock.now();
    let ents = entitlements(conn, customer.0, now).await?;
    let cover = entitlement::covering(&ents, input.asset_id, project_id).cloned();
    let entitled = Entitled {
        has_contract: cover.is_some(),
        in_period: cover.as_ref().is_some_and(|e| e.in_period),
        onsite_included: cover.as_ref().is_some_and(|e| e.onsite_included),
    };
    let matrix = super::cached_matrix(app, conn).await?;
    let priority = matrix.priority(input.impact, input.urgency);
    let site_id =
        input.site_id.or(asset.as_ref().and_then(|a| a.data.site_id)).or(project.as_ref().and_then(|p| p.data.site_id));
    // The joined query already found the city when the site comes from the asset or its own project.
    let joined_site = input.site_id.is_none()
        && asset.as_ref().is_some_and(|a| a.data.site_id.is_some() || a.data.project_id == project_id);
    let place = if joined_site {
        placement_at(joined_city, project.as_ref().map(|p| &p.data), asset.as_ref().map(|a| &a.data))
    } else {
        placement(conn, site_id.map(|s| s.0), project.as_ref().map(|p| &p.data), asset.as_ref().map(|a| &a.data))
            .await?
    };
    let (candidates, branch) = rank(app, conn, &place.need).await?;
    let mut f = Flow::recorded(customer, input.impact, input.urgency, entitled);
    let direct = matches!(c.role(), Role::Engineer | Role::PartnerEngineer) && channel == Channel::Direct;
    if direct {
        let tier = c.actor.tier.unwrap_or(Tier::L1);
        let (team, partner) = match c.role() {
            Role::PartnerEngineer => (None, c.actor.partner_id),
            _ => (c.actor.team_id, None),
        };
        f = flow::taken_directly(f, Target { team, assignee: Some(c.id()), partner, tier });
    }
    let mut event = Event {
        number: String::new(),
        channel,
        kind: input.kind,
        service_mode: input.service_mode.unwrap_or(ServiceMode::Phone),
        customer_id: customer,
        site_id,
        project_id,
        asset_id: input.asset_id,
        contact_id: input.contact_id,
        title: input.title,
        description: input.description,
        impact: input.impact,
        urgency: input.urgency,
        priority,
        state: f.state,
        tier: f.tier,
        team_id: None,
        assignee_id: None,
        partner_id: None,
        branch_id: branch,
        major: f.major,
        contract_id: cover.as_ref().map(|e| e.contract_id),
        entitled: entitled.valid(),
        entitlement: cover.as_ref().and_then(|e| serde_json::to_value(e).ok()),
        flow: f,
        awaiting_approver: None,
        recorded_by: c.id(),
        routing: Some(json!({"at": now.to_string(), "candidates": candidates})),
        documentation: None,
        review: None,
        resolution: None,
        resolved_at: None,
        closed_at: None,
        clocks: None,
        next_check_at: None,
        sla_state: None,
        client_token: input.client_token.clone(),
    };
    // The contract's clocks start now; a directly called engineer has already answered.
    if let (Some(cover), Some(t)) = (cover.as_ref(), event.targets()) {
        event.clocks = Some(fuwu_core::sla::ClockSet::at_intake(cover.calendar.clone(), t, now, direct).0);
    }
    if input.dispatch.is_some() && !flow::dispatches_at_intake(c.role()) {
        return Err(AppError::invalid("dispatch", "not_allowed", "only the service centre dispatches"));
    }
    let dispatch = match input.dispatch {
        // `dispatch: {}`: to the top suggestion, as the specialist sees it ranked.
        Some(t) if t.engineer_id.is_none() && t.team_id.is_none() && t.partner_id.is_none() => {
            let top = event.routing.as_ref().and_then(|r| r.get("candidates")).and_then(|c| c.get(0));
            let id = |k: &str| top.and_then(|c| c.get(k)).and_then(Value::as_i64);
            if top.is_none() {
                return Err(AppError::invalid(
                    "dispatch",
                    "no_suggestion",
                    "there is no suggestion to dispatch to; choose where",
                ));
            }
            Some(TargetInput {
                engineer_id: id("engineer_id").map(UserId),
                team_id: id("team_id").map(TeamId),
                partner_id: if id("engineer_id").is_some() { None } else { id("partner_id").map(PartnerId) },
                reason: None,
            })
        }
        other => other,
    };
    if let Some(t) = &dispatch {
        act::resolve_target(conn, t, None).await?;
    }
    event.sync();
    Ok((event, dispatch))
}

/// Writes a prepared event: its number, the row, the journal's first row, the effects.
pub(crate) async fn write_new(
    conn: &mut Conn,
    at: jiff::Timestamp,
    c: &Caller,
    mut event: Event,
    dispatch: Option<TargetInput>,
    number: Option<(i32, i64)>,
) -> Result<Stored<Event>, AppError> {
    let now = at.as_millisecond();
    let (year, n) = match number {
        Some(yn) => yn,
        None => {
            let year = i32::from(entitlement::service_date(at).year());
            (year, fuwu_store::events::next_number(conn, i64::from(year)).await?)
        }
    };
    event.number = format!("FW-{year}-{n:06}");
    let map = match serde_json::to_value(&event) {
        Ok(Value::Object(m)) => m,
        _ => return Err(AppError::Internal("event did not serialise".into())),
    };
    let id = crud::insert(conn, &tables::EVENT, &map, now).await?;
    let detail = json!({"channel": event.channel, "direct": event.state == fuwu_core::flow::State::InProgress});
    // The record row, then one row per clock started (and stopped, for a direct call), in one statement.
    let row = |seq: i64, action: &str, detail: Value, changes: Value| json!({"event_id": id, "seq": seq, "actor_id": c.id(), "action": action, "detail": detail, "changes": changes});
    let mut rows = vec![row(1, "record", detail, Value::Object(super::fields(&map)))];
    for ec in event.clocks.iter().flat_map(|s| s.clocks.iter()) {
        let changes = if ec.clock.stopped_at.is_some() { vec!["start", "stop"] } else { vec!["start"] };
        for change in changes {
            let d = json!({"change": change, "scope": ec.scope, "kind": ec.clock.kind});
            rows.push(row(rows.len() as i64 + 1, "clock", d, json!({})));
        }
    }
    let rows: Vec<serde_json::Map<String, Value>> =
        rows.into_iter().filter_map(|r| if let Value::Object(m) = r { Some(m) } else { None }).collect();
    crud::insert_many(conn, &tables::JOURNAL, &rows, now).await?;
    for fx in flow::intake_effects(&event.flow) {
        act::apply_effect(conn, at, id, &event, &fx, c.id()).await?;
    }
    if let Some(target) = dispatch {
        return act::assign_in(conn, at, c, id, target, None).await;
    }
    let mut stored = map;
    let stamp = fuwu_store::ms_to_rfc3339(now);
    stored.insert("id".into(), json!(id));
    stored.insert("version".into(), json!(1));
    stored.insert("created_at".into(), json!(stamp));
    stored.insert("updated_at".into(), json!(stamp));
    Stored::from_map(stored)
}

/// The team kind → tier of a team record.
pub fn team_tier(t: &Team) -> Tier {
    t.kind.tier().unwrap_or(match t.kind {
        TeamKind::ServiceCenter => Tier::L1,
        _ => Tier::L1,
    })
}

/// A fresh routing ranking for an event (the service centre and the holder).
pub async fn suggest(app: &App, c: &Caller, id: i64) -> Result<Vec<Candidate>, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let (e, _) = super::load(&mut conn, c, id).await?;
    if c.role() == Role::Customer {
        return Err(AppError::Forbidden("routing is for the service centre".into()));
    }
    let project = match e.data.project_id {
        Some(p) => get::<Project>(&mut conn, &tables::PROJECT, p.0).await?,
        None => None,
    };
    let asset = match e.data.asset_id {
        Some(a) => get::<Asset>(&mut conn, &tables::ASSET, a.0).await?,
        None => None,
    };
    let place = placement(
        &mut conn,
        e.data.site_id.map(|s| s.0),
        project.as_ref().map(|p| &p.data),
        asset.as_ref().map(|a| &a.data),
    )
    .await?;
    Ok(rank(app, &mut conn, &place.need).await?.0)
}

/// Knowledge articles matching a text (staff).
pub async fn knowledge(app: &App, c: &Caller, q: Option<&str>) -> Result<Vec<Value>, AppError> {
    if c.role() == Role::Customer {
        return Err(AppError::refused(true, fuwu_core::said::Said::new("staff_only")));
    }
    let mut conn = app.db.reader().acquire().await?;
    let spec = ListSpec {
        q: q.and_then(fuwu_core::text::needle),
        sort: Some(("id".into(), true)),
        limit: 50,
        ..Default::default()
    };
    Ok(crud::list(&mut conn, &tables::KNOWLEDGE, &spec).await?.0.into_iter().map(Value::Object).collect())
}

/// A caller the records do not know yet, recorded in one step.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnknownCaller {
    /// The caller's organisation (a new customer).
    pub customer_name: String,
    /// The person calling (a new contact of that customer).
    pub contact_name: String,
    /// The number they called from (any common form).
    pub phone: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub impact: Impact,
    pub urgency: Urgency,
    #[serde(default)]
    pub client_token: Option<String>,
}

/// Records a call from someone the records do not know: the customer, the
/// contact with the phone and the event, in one transaction. The event has no
/// contract, so on-site work or L2 for it are special cases for the manager.
pub async fn record_unknown_caller(app: &App, c: &Caller, u: UnknownCaller) -> Result<Stored<Event>, AppError> {
    c.require(Cap::RecordEvents)?;
    c.require(Cap::WriteCustomers)?;
    if let Some(t) = &u.client_token
        && let Some(found) = recorded_with(app, c, t).await?
    {
        return Ok(found);
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let customer = crate::records::create_in(
        &mut tx,
        now,
        Some(c),
        fuwu_core::records::Customer {
            name: u.customer_name,
            short_name: None,
            industry: None,
            notes: None,
            active: true,
        },
    )
    .await
    .map_err(|e| match e {
        AppError::Invalid(mut errs) => {
            for f in errs.0.iter_mut().filter(|f| f.field == "name") {
                f.field = "customer_name".into();
            }
            AppError::Invalid(errs)
        }
        AppError::Conflict { message, field: Some(f), current } if f == "name" => {
            AppError::Conflict { message, field: Some("customer_name".into()), current }
        }
        other => other,
    })?;
    let contact = crate::records::create_in(
        &mut tx,
        now,
        Some(c),
        fuwu_core::records::Contact {
            customer_id: CustomerId(customer.id),
            site_id: None,
            name: u.contact_name,
            title: None,
            phones: vec![u.phone],
            emails: vec![],
            notes: None,
        },
    )
    .await
    .map_err(|e| match e {
        // The contact's fields, named as this form names them.
        AppError::Invalid(mut errs) => {
            for f in errs.0.iter_mut() {
                f.field = match f.field.as_str() {
                    "name" => "contact_name".into(),
                    p if p.starts_with("phones") => "phone".into(),
                    other => other.to_owned(),
                };
            }
            AppError::Invalid(errs)
        }
        other => other,
    })?;
    let input = NewEvent {
        channel: None,
        kind: EventKind::Fault,
        service_mode: None,
        customer_id: Some(CustomerId(customer.id)),
        site_id: None,
        project_id: None,
        asset_id: None,
        contact_id: Some(ContactId(contact.id)),
        title: u.title,
        description: u.description,
        impact: u.impact,
        urgency: u.urgency,
        dispatch: None,
        client_token: u.client_token,
    };
    let (event, _) = prepare(app, &mut tx, c, input).await?;
    let saved = write_new(&mut tx, now, c, event, None, None).await?;
    tx.commit().await?;
    Ok(saved)
}
