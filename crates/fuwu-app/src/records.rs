//! The record service: list, get, create and update of every described record,
//! with the caller's capabilities and customer scope applied, references
//! checked, optimistic locking and an audit row in the same transaction.

use crate::caller::Caller;
use crate::error::AppError;
use crate::{App, Page};
use fuwu_core::FieldErrors;
use fuwu_core::access::{Cap, CustomerScope};
use fuwu_core::records::*;
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::tables::{self, Kind, Link, Policy, TableDef};
use fuwu_store::{Conn, lookup};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A stored record: its id, version and times around its fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored<T> {
    pub id: i64,
    /// Incremented by every update; send it back to update.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    #[serde(flatten)]
    pub data: T,
}

impl<T: DeserializeOwned> Stored<T> {
    /// Decodes a stored JSON object.
    pub fn from_map(mut m: Map<String, Value>) -> Result<Stored<T>, AppError> {
        let meta = |m: &mut Map<String, Value>, k: &str| m.remove(k).unwrap_or(Value::Null);
        let id = meta(&mut m, "id").as_i64().unwrap_or_default();
        let version = meta(&mut m, "version").as_i64().unwrap_or_default();
        let created_at = meta(&mut m, "created_at").as_str().unwrap_or_default().to_owned();
        let updated_at = meta(&mut m, "updated_at").as_str().unwrap_or_default().to_owned();
        let data = serde_json::from_value(Value::Object(m))
            .map_err(|e| AppError::Internal(format!("stored record unreadable: {e}")))?;
        Ok(Stored { id, version, created_at, updated_at, data })
    }
}

/// A kind of record the service handles: its validation and its storage description.
pub trait Resource: Validate + Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const DEF: &'static TableDef;
}

macro_rules! resources {
    ($($t:ty => $def:ident),* $(,)?) => {$(
        impl Resource for $t {
            const DEF: &'static TableDef = &tables::$def;
        }
    )*};
}

resources!(
    Branch => BRANCH, Team => TEAM, Partner => PARTNER, User => USER, Customer => CUSTOMER, Site => SITE,
    Contact => CONTACT, Project => PROJECT, Asset => ASSET, ServiceLevel => SERVICE_LEVEL, Contract => CONTRACT,
    fuwu_core::calendar::HolidayDay => HOLIDAY, fuwu_core::calendar::CalendarDef => CALENDAR,
);

/// What a list request asks for, as given by the client.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub q: Option<String>,
    /// A column, `-column` for descending.
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// Equality filters by column name, as text.
    pub filters: BTreeMap<String, String>,
}

pub const MAX_PER_PAGE: i64 = 200;

pub fn read_cap(def: &TableDef) -> Cap {
    match def.policy {
        Policy::Org => Cap::ReadOrg,
        Policy::Customer => Cap::ReadCustomers,
        Policy::Levels => Cap::ReadLevels,
        Policy::Users => Cap::ReadUsers,
        Policy::Events => Cap::ReadEvents,
    }
}

pub fn write_cap(def: &TableDef) -> Cap {
    match def.policy {
        Policy::Org => Cap::ManageOrg,
        Policy::Customer => Cap::WriteCustomers,
        Policy::Levels => Cap::ManageLevels,
        Policy::Users => Cap::ManageUsers,
        // Event records change only through the flow, never through the record service.
        Policy::Events => Cap::ManageSettings,
    }
}

/// The customer a stored record belongs to, if it is a customer-side record.
fn customer_of(def: &TableDef, m: &Map<String, Value>) -> Option<i64> {
    match def.link {
        Link::Itself => m.get("id").and_then(Value::as_i64),
        Link::Column => m.get("customer_id").and_then(Value::as_i64),
        Link::None => None,
    }
}

/// Whether the caller may see this stored record.
async fn visible(conn: &mut Conn, caller: &Caller, def: &TableDef, m: &Map<String, Value>) -> Result<bool, AppError> {
    let scope = caller.scope();
    if scope == CustomerScope::All {
        return Ok(true);
    }
    match customer_of(def, m) {
        Some(c) => Ok(crud::customer_in_scope(conn, &scope, c).await?),
        None => Ok(true),
    }
}

/// One record, or 404 if it does not exist or the caller may not see it.
pub async fn get<R: Resource>(app: &App, caller: &Caller, id: i64) -> Result<Stored<R>, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    Stored::from_map(get_visible(&mut conn, caller, R::DEF, id).await?)
}

async fn get_visible(
    conn: &mut Conn,
    caller: &Caller,
    def: &'static TableDef,
    id: i64,
) -> Result<Map<String, Value>, AppError> {
    let not_found = AppError::NotFound(def.entity);
    if !caller.can(read_cap(def)) {
        return Err(not_found);
    }
    let Some(m) = crud::get(conn, def, id).await? else {
        return Err(not_found);
    };
    if !visible(conn, caller, def, &m).await? {
        return Err(not_found);
    }
    Ok(m)
}

/// A page of records the caller may see.
pub async fn list<R: Resource>(app: &App, caller: &Caller, params: &ListParams) -> Result<Page<Stored<R>>, AppError> {
    let def = R::DEF;
    caller.require(read_cap(def))?;
    let spec = list_spec(caller, def, params)?;
    let mut conn = app.db.reader().acquire().await?;
    let (rows, total) = crud::list(&mut conn, def, &spec).await?;
    let items = rows.into_iter().map(Stored::from_map).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, page: spec.offset / spec.limit + 1, per_page: spec.limit, total })
}

/// A page of records the caller may see, found the way a person searches:
/// every word typed in the record, its customer's name or its city (the
/// records pages' search box; `params.q` holds the words).
pub async fn search<R: Resource>(app: &App, caller: &Caller, params: &ListParams) -> Result<Page<Stored<R>>, AppError> {
    let def = R::DEF;
    caller.require(read_cap(def))?;
    let mut spec = list_spec(caller, def, params)?;
    spec.words = crate::choices::words(params.q.as_deref().unwrap_or_default());
    spec.q = None;
    let mut conn = app.db.reader().acquire().await?;
    let (rows, total) = crud::list(&mut conn, def, &spec).await?;
    let items = rows.into_iter().map(Stored::from_map).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, page: spec.offset / spec.limit + 1, per_page: spec.limit, total })
}

/// Turns client list parameters into a checked list specification.
/// Checks `page` and `per_page`; returns (page, per_page).
pub fn page_bounds(p: &ListParams) -> Result<(i64, i64), AppError> {
    let per_page = p.per_page.unwrap_or(50);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(AppError::bad(format!("per_page must be between 1 and {MAX_PER_PAGE}"), Some("per_page")));
    }
    let page = p.page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::bad("page must be 1 or more", Some("page")));
    }
    Ok((page, per_page))
}

/// Turns `name=value` query parameters into typed equality filters on the
/// columns a record declares filterable; anything else is a 400 naming it.
pub fn parse_filters<'a>(
    def: &TableDef,
    given: impl IntoIterator<Item = (&'a String, &'a String)>,
    also: &str,
) -> Result<Vec<(String, Val)>, AppError> {
    let mut filters = Vec::new();
    for (name, value) in given {
        let col = def.col(name).filter(|_| def.filters.contains(&name.as_str())).ok_or_else(|| {
            AppError::bad(
                format!("unknown parameter {name}; {} lists filter on: {also}{}", def.table, def.filters.join(", ")),
                Some(name),
            )
        })?;
        let v = match col.kind {
            Kind::Int => Val::Int(Some(
                value.parse().map_err(|_| AppError::bad(format!("{name} must be an integer"), Some(name)))?,
            )),
            Kind::Bool => Val::Int(Some(match value.as_str() {
                "true" | "1" => 1,
                "false" | "0" => 0,
                _ => return Err(AppError::bad(format!("{name} must be true or false"), Some(name))),
            })),
            Kind::Text | Kind::Json => Val::Text(Some(value.clone())),
        };
        filters.push((name.clone(), v));
    }
    Ok(filters)
}

fn list_spec(caller: &Caller, def: &'static TableDef, p: &ListParams) -> Result<ListSpec, AppError> {
    let (page, per_page) = page_bounds(p)?;
    let filters = parse_filters(def, &p.filters, "")?;
    let sort = match p.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let (col, desc) = match s.strip_prefix('-') {
                Some(c) => (c, true),
                None => (s, false),
            };
            let allowed = ["id", "created_at", "updated_at"].contains(&col) || def.sortable.contains(&col);
            if !allowed {
                return Err(AppError::bad(
                    format!(
                        "cannot sort by {col}; {} sort by: id, created_at, updated_at, {}",
                        def.table,
                        def.sortable.join(", ")
                    ),
                    Some("sort"),
                ));
            }
            Some((col.to_owned(), desc))
        }
    };
    let scope = match def.link {
        Link::Itself => Some((caller.scope(), "id")),
        Link::Column => Some((caller.scope(), "customer_id")),
        Link::None => None,
    };
    Ok(ListSpec {
        conds: Vec::new(),
        filters,
        q: p.q.as_deref().and_then(fuwu_core::text::needle),
        scope,
        sort,
        limit: per_page,
        offset: (page - 1).saturating_mul(per_page),
        no_count: false,
        ..Default::default()
    })
}

/// Checks references, same-customer rules and unique keys against the database.
/// Calendars are named, not numbered: a service level may only name one that
/// exists (built in, or defined), and a calendar a level uses keeps its name.
async fn calendar_names(
    conn: &mut Conn,
    def: &TableDef,
    data: &Map<String, Value>,
    exclude: Option<i64>,
    errs: &mut FieldErrors,
) -> Result<(), AppError> {
    if def.table == tables::SERVICE_LEVEL.table
        && let Some(name) = data.get("calendar").and_then(Value::as_str)
        && fuwu_core::calendar::CalendarDef::builtin(name).is_none()
        && !fuwu_store::events::calendar_exists(conn, name).await?
    {
        errs.add("calendar", "unknown_calendar", format!("calendar: there is no calendar named {name}"));
    }
    if def.table == tables::CALENDAR.table
        && let Some(id) = exclude
        && let Some(old) = crud::get(conn, def, id).await?
        && let Some(old_name) = old.get("name").and_then(Value::as_str)
        && data.get("name").and_then(Value::as_str) != Some(old_name)
    {
        let used = fuwu_store::events::levels_on_calendar(conn, old_name).await?;
        if used > 0 {
            return Err(AppError::refused_at("name", fuwu_core::said::Said::new("calendar_in_use")));
        }
    }
    Ok(())
}

async fn check_against_db(
    conn: &mut Conn,
    def: &TableDef,
    data: &Map<String, Value>,
    exclude: Option<i64>,
) -> Result<(), AppError> {
    let mut errs = FieldErrors::new();
    let own_customer = data.get("customer_id").and_then(Value::as_i64);
    for col in def.cols {
        let Some(r) = col.refs else { continue };
        let Some(target) = tables::by_entity(r.entity) else {
            continue;
        };
        let ids: Vec<(String, i64)> = match data.get(col.name) {
            Some(Value::Number(n)) => n.as_i64().map(|i| vec![(col.name.to_owned(), i)]).unwrap_or_default(),
            Some(Value::Array(a)) if r.many => a
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.as_i64().map(|id| (format!("{}[{i}]", col.name), id)))
                .collect(),
            _ => vec![],
        };
        for (field, id) in ids {
            // Another customer's record answers exactly as an absent one: the
            // same code and message, so ids of other customers cannot be probed.
            let found = match crud::owner_of(conn, target.table, target.has_customer(), id).await? {
                Some(owner) => !(r.same_customer && owner.is_some() && owner != own_customer),
                None => false,
            };
            if !found {
                errs.add(&field, "unknown_id", format!("{field}: there is no {} with id {id}", r.entity));
            }
        }
    }
    calendar_names(conn, def, data, exclude, &mut errs).await?;
    errs.into_result()?;
    for (cols, field) in def.uniques {
        if let Some(other) = crud::find_duplicate(conn, def, cols, data, exclude).await? {
            return Err(AppError::Conflict {
                message: format!("{field} is already used by {} {other}", def.entity),
                field: Some((*field).to_owned()),
                current: None,
            });
        }
    }
    Ok(())
}

fn to_map<R: Serialize>(r: &R) -> Result<Map<String, Value>, AppError> {
    match serde_json::to_value(r) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(AppError::Internal("record did not serialise to an object".into())),
    }
}

/// Writes that belong with a record: the phone index of a contact.
async fn side_tables(conn: &mut Conn, def: &TableDef, id: i64, data: &Map<String, Value>) -> Result<(), AppError> {
    if def.entity == "contact" {
        let phones: Vec<String> = data
            .get("phones")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        lookup::set_contact_phones(conn, id, &phones).await?;
    }
    Ok(())
}

/// A contract's plan of engagements is generated when it is created and
/// completed when it changes (a longer period, another level, a higher
/// override), in the same transaction: reminders and quota use need the plan
/// to exist whether or not anyone has looked at the contract yet.
async fn plan_contract(
    conn: &mut Conn,
    at: jiff::Timestamp,
    caller: Option<&Caller>,
    def: &TableDef,
    id: i64,
) -> Result<(), AppError> {
    if def.entity == tables::CONTRACT.entity {
        crate::plan::generate_in(conn, at, caller, id, None).await?;
    }
    Ok(())
}

/// Creates a record inside a transaction the caller already holds; returns it.
pub async fn create_in<R: Resource>(
    conn: &mut Conn,
    at: jiff::Timestamp,
    caller: Option<&Caller>,
    mut input: R,
) -> Result<Stored<R>, AppError> {
    let def = R::DEF;
    input.check()?;
    let data = to_map(&input)?;
    check_against_db(conn, def, &data, None).await?;
    let now = at.as_millisecond();
    let id = crud::insert(conn, def, &data, now).await?;
    side_tables(conn, def, id, &data).await?;
    let stored = crud::get(conn, def, id).await?.ok_or(AppError::NotFound(def.entity))?;
    fuwu_store::audit::record(
        conn,
        now,
        caller.map(|c| c.id().0),
        def.entity,
        id,
        "create",
        None,
        Some(&Value::Object(stored.clone())),
    )
    .await?;
    plan_contract(conn, at, caller, def, id).await?;
    Stored::from_map(stored)
}

/// Creates a record.
pub async fn create<R: Resource>(app: &App, caller: &Caller, input: R) -> Result<Stored<R>, AppError> {
    caller.require(write_cap(R::DEF))?;
    let mut tx = app.db.begin().await?;
    let stored = create_in(&mut tx, app.clock.now(), Some(caller), input).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Replaces a record's fields, if it is still at `version`; otherwise 409 with
/// the current record.
pub async fn update<R: Resource>(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    input: R,
) -> Result<Stored<R>, AppError> {
    let def = R::DEF;
    let mut tx = app.db.begin().await?;
    let before = get_visible(&mut tx, caller, def, id).await?;
    caller.require(write_cap(def))?;
    let stored = update_in(&mut tx, app.clock.now(), Some(caller), id, version, before, input).await?;
    tx.commit().await?;
    Ok(stored)
}

/// The update inside a transaction, from the record as it was read.
pub async fn update_in<R: Resource>(
    conn: &mut Conn,
    at: jiff::Timestamp,
    caller: Option<&Caller>,
    id: i64,
    version: i64,
    before: Map<String, Value>,
    mut input: R,
) -> Result<Stored<R>, AppError> {
    let def = R::DEF;
    let current_version = before.get("version").and_then(Value::as_i64).unwrap_or_default();
    if current_version != version {
        return Err(AppError::Conflict {
            message: format!(
                "the {} was changed by someone else (now version {current_version}); reload and apply your change again",
                def.entity
            ),
            field: Some("version".into()),
            current: Some(Value::Object(before)),
        });
    }
    input.check()?;
    let data = to_map(&input)?;
    if def.has_customer() && data.get("customer_id") != before.get("customer_id") {
        return Err(AppError::invalid("customer_id", "immutable", "a record cannot be moved to another customer"));
    }
    check_against_db(conn, def, &data, Some(id)).await?;
    let now = at.as_millisecond();
    if !crud::update(conn, def, id, version, &data, now).await? {
        let current = crud::get(conn, def, id).await?.map(Value::Object);
        return Err(AppError::Conflict {
            message: format!("the {} was changed by someone else", def.entity),
            field: Some("version".into()),
            current,
        });
    }
    side_tables(conn, def, id, &data).await?;
    let after = crud::get(conn, def, id).await?.ok_or(AppError::NotFound(def.entity))?;
    fuwu_store::audit::record(
        conn,
        now,
        caller.map(|c| c.id().0),
        def.entity,
        id,
        "update",
        Some(&Value::Object(before)),
        Some(&Value::Object(after.clone())),
    )
    .await?;
    plan_contract(conn, at, caller, def, id).await?;
    Stored::from_map(after)
}

/// Reads a record for an update inside a transaction (no visibility check: for the CLI).
pub async fn load_raw(conn: &mut Conn, def: &'static TableDef, id: i64) -> Result<Map<String, Value>, AppError> {
    crud::get(conn, def, id).await?.ok_or(AppError::NotFound(def.entity))
}
