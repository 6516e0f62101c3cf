//! Records pages for every kind — list with search and pages, view, create,
//! edit — generated from the same table descriptions and resource types as the
//! JSON API, so they validate (and refuse) exactly as the API does, and show
//! its messages beside the field at fault.

use super::form::{Fields, Problems, check_csrf, get};
use super::{Ctx, fail, render, render_status};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get as get_route;
use fuwu_app::AppError;
use fuwu_app::records::{ListParams, Resource, Stored};
use fuwu_core::records::*;
use fuwu_store::tables::Kind;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The kinds: URL slug and the entity of its table description, in menu order.
pub const KINDS: &[(&str, &str)] = &[
    ("customers", "customer"),
    ("sites", "site"),
    ("contacts", "contact"),
    ("projects", "project"),
    ("assets", "asset"),
    ("contracts", "contract"),
    ("service-levels", "service_level"),
    ("branches", "branch"),
    ("teams", "team"),
    ("partners", "partner"),
    ("users", "user"),
    ("calendars", "calendar"),
    ("holidays", "holiday"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/records", get_route(index))
        .route("/records/{kind}", get_route(list_page).post(create))
        .route("/records/{kind}/new", get_route(new_page))
        .route("/records/{kind}/{id}", get_route(view_page).post(update))
        .route("/records/{kind}/{id}/edit", get_route(edit_page))
}

/// Runs `$body` with `$t` bound to the record type of a slug.
macro_rules! with_kind {
    ($ctx:expr, $slug:expr, |$t:ident| $body:expr) => {
        match $slug {
            "customers" => {
                type $t = Customer;
                $body
            }
            "sites" => {
                type $t = Site;
                $body
            }
            "contacts" => {
                type $t = Contact;
                $body
            }
            "projects" => {
                type $t = Project;
                $body
            }
            "assets" => {
                type $t = Asset;
                $body
            }
            "contracts" => {
                type $t = Contract;
                $body
            }
            "service-levels" => {
                type $t = ServiceLevel;
                $body
            }
            "branches" => {
                type $t = Branch;
                $body
            }
            "teams" => {
                type $t = Team;
                $body
            }
            "partners" => {
                type $t = Partner;
                $body
            }
            "users" => {
                type $t = User;
                $body
            }
            "calendars" => {
                type $t = fuwu_core::calendar::CalendarDef;
                $body
            }
            "holidays" => {
                type $t = fuwu_core::calendar::HolidayDay;
                $body
            }
            _ => fail($ctx, AppError::NotFound("record kind")),
        }
    };
}

#[derive(Template)]
#[template(path = "records_index.html")]
struct IndexPage<'a> {
    ctx: &'a Ctx,
    kinds: Vec<&'static str>,
}

/// The kinds this user may read, and of those the ones they may also create.
async fn index(ctx: Ctx) -> Response {
    let kinds: Vec<&'static str> = KINDS
        .iter()
        .filter(|(_, entity)| {
            fuwu_store::tables::by_entity(entity)
                .is_some_and(|d| ctx.caller.require(fuwu_app::records::read_cap(d)).is_ok())
        })
        .map(|(slug, _)| *slug)
        .collect();
    render(&IndexPage { ctx: &ctx, kinds })
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "records_list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    kind: &'a str,
    may_write: bool,
    q: String,
    columns: Vec<&'static str>,
    rows: Vec<(i64, Vec<String>)>,
    page: i64,
    pages: i64,
    total: i64,
}

/// A stored value as text for a table cell or a form field.
pub fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => {
            if *b {
                "✓".into()
            } else {
                "✗".into()
            }
        }
        Some(Value::Array(a)) if a.iter().all(|x| x.is_string() || x.is_number()) => {
            a.iter().map(|x| show(Some(x))).collect::<Vec<_>>().join("\n")
        }
        // Lists of lists of text (a calendar's week): a line each, items by commas.
        Some(Value::Array(a)) if a.iter().all(|x| x.as_array().is_some_and(|i| i.iter().all(Value::is_string))) => a
            .iter()
            .map(|x| {
                x.as_array()
                    .map(|i| i.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Some(other) => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn columns<R: Resource>() -> Vec<&'static str> {
    R::DEF.cols.iter().filter(|c| c.kind != Kind::Json).map(|c| c.name).take(5).collect()
}

async fn list_of<R: Resource>(s: &AppState, ctx: &Ctx, kind: &str, q: ListQuery) -> Response {
    let p = ListParams {
        q: q.q.clone().filter(|x| !x.trim().is_empty()),
        sort: None,
        page: q.page,
        per_page: Some(25),
        filters: BTreeMap::new(),
    };
    let refs = match references(s, ctx, R::DEF).await {
        Ok(r) => r,
        Err(e) => return fail(ctx, e),
    };
    match fuwu_app::records::list::<R>(&s.app, &ctx.caller, &p).await {
        Ok(page) => {
            let cols = columns::<R>();
            let rows = page
                .items
                .iter()
                .map(|it| {
                    let v = serde_json::to_value(&it.data).unwrap_or(Value::Null);
                    (it.id, cols.iter().map(|c| named(&refs, c, v.get(*c))).collect())
                })
                .collect();
            let pages = ((page.total + page.per_page - 1) / page.per_page.max(1)).max(1);
            render(&ListPage {
                ctx,
                kind,
                may_write: ctx.caller.require(fuwu_app::records::write_cap(R::DEF)).is_ok(),
                q: q.q.unwrap_or_default(),
                columns: cols,
                rows,
                page: page.page,
                pages,
                total: page.total,
            })
        }
        Err(e) => fail(ctx, e),
    }
}

async fn list_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    with_kind!(&ctx, kind.as_str(), |T| list_of::<T>(&s, &ctx, &kind, q).await)
}

#[derive(Template)]
#[template(path = "records_view.html")]
struct ViewPage<'a> {
    ctx: &'a Ctx,
    kind: &'a str,
    may_write: bool,
    id: i64,
    fields: Vec<(&'static str, String)>,
    updated: String,
}

async fn view_of<R: Resource>(s: &AppState, ctx: &Ctx, kind: &str, id: i64) -> Response {
    let refs = match references(s, ctx, R::DEF).await {
        Ok(r) => r,
        Err(e) => return fail(ctx, e),
    };
    match fuwu_app::records::get::<R>(&s.app, &ctx.caller, id).await {
        Ok(it) => {
            let v = serde_json::to_value(&it.data).unwrap_or(Value::Null);
            let fields = R::DEF.cols.iter().map(|c| (c.name, named(&refs, c.name, v.get(c.name)))).collect();
            let may_write = ctx.caller.require(fuwu_app::records::write_cap(R::DEF)).is_ok();
            render(&ViewPage { ctx, kind, may_write, id, fields, updated: ctx.at(&it.updated_at) })
        }
        Err(e) => fail(ctx, e),
    }
}

async fn view_page(State(s): State<AppState>, ctx: Ctx, Path((kind, id)): Path<(String, i64)>) -> Response {
    with_kind!(&ctx, kind.as_str(), |T| view_of::<T>(&s, &ctx, &kind, id).await)
}

/// One field of a record form.
pub struct FieldView {
    pub name: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub checked: bool,
    pub problem: String,
    /// A reference: the records it may name (for users who see them all).
    pub options: Option<Vec<(i64, String)>>,
    /// How to fill it in (`hint.<field>` in the catalogue), if it needs saying.
    pub hint: Option<String>,
}

/// What a record is called in a list: its name, number, serial or login.
fn label_of(m: &Map<String, Value>) -> Option<String> {
    ["name", "number", "serial_number", "login", "date"].iter().find_map(|k| m.get(*k)?.as_str().map(str::to_owned))
}

/// The names behind each single reference column of `def`, for users who see
/// every customer (service centre, managers, administrators); empty otherwise,
/// so nobody learns a name through a drop-down.
async fn references(
    s: &AppState,
    ctx: &Ctx,
    def: &'static fuwu_store::tables::TableDef,
) -> Result<BTreeMap<&'static str, Vec<(i64, String)>>, AppError> {
    let mut out = BTreeMap::new();
    if fuwu_core::access::customer_scope(&ctx.caller.actor) != fuwu_core::access::CustomerScope::All || !ctx.is_staff()
    {
        return Ok(out);
    }
    let mut conn = s.app.db.reader().acquire().await?;
    for c in def.cols {
        let Some(r) = c.refs.filter(|r| !r.many) else { continue };
        let Some(target) = fuwu_store::tables::by_entity(r.entity) else { continue };
        let spec = fuwu_store::crud::ListSpec { limit: 2000, no_count: true, ..Default::default() };
        let (rows, _) = fuwu_store::crud::list(&mut conn, target, &spec).await?;
        let mut opts: Vec<(i64, String)> =
            rows.iter().filter_map(|m| Some((m.get("id")?.as_i64()?, label_of(m).unwrap_or_default()))).collect();
        opts.sort_by(|a, b| a.1.cmp(&b.1));
        out.insert(c.name, opts);
    }
    Ok(out)
}

fn named(refs: &BTreeMap<&'static str, Vec<(i64, String)>>, col: &str, v: Option<&Value>) -> String {
    if let (Some(opts), Some(id)) = (refs.get(col), v.and_then(Value::as_i64))
        && let Some((_, name)) = opts.iter().find(|(i, _)| *i == id)
    {
        return name.clone();
    }
    show(v)
}

#[derive(Template)]
#[template(path = "records_form.html")]
struct FormPage<'a> {
    ctx: &'a Ctx,
    kind: &'a str,
    id: Option<i64>,
    version: i64,
    fields: Vec<FieldView>,
    general: Option<String>,
    password: bool,
}

fn form_fields<R: Resource>(
    current: &Value,
    problems: &Problems,
    refs: &BTreeMap<&'static str, Vec<(i64, String)>>,
) -> Vec<FieldView> {
    R::DEF
        .cols
        .iter()
        .map(|c| {
            let v = current.get(c.name);
            let problem = problems
                .fields
                .iter()
                .filter(|(k, _)| {
                    *k == c.name || k.starts_with(&format!("{}.", c.name)) || k.starts_with(&format!("{}[", c.name))
                })
                .map(|(_, m)| m.clone())
                .collect::<Vec<_>>()
                .join("；");
            FieldView {
                name: c.name,
                kind: match c.kind {
                    Kind::Int => "number",
                    Kind::Text => "text",
                    Kind::Bool => "checkbox",
                    Kind::Json => "json",
                },
                checked: v.and_then(Value::as_bool).unwrap_or(false),
                value: show(v),
                problem,
                options: refs.get(c.name).cloned(),
                hint: {
                    let key = format!("hint.{}", c.name);
                    fuwu_core::i18n::has(&key).then_some(key)
                },
            }
        })
        .collect()
}

/// The form's fields as the record's JSON: numbers, booleans, lists by line,
/// nested values as JSON text (a mistake there names the field).
fn form_to_record<R: Resource>(f: &Fields) -> Result<Value, AppError> {
    let mut m = Map::new();
    for c in R::DEF.cols {
        let raw = get(f, c.name);
        let v = match c.kind {
            Kind::Bool => Value::Bool(raw.is_some_and(|x| matches!(x, "on" | "true" | "1"))),
            Kind::Int => match raw {
                None => continue,
                Some(x) => match x.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => Value::String(x.to_owned()),
                },
            },
            Kind::Text => match raw {
                None => continue,
                Some(x) => Value::String(x.to_owned()),
            },
            // A week: seven lines, Monday first, each with its spans separated by commas.
            Kind::Json if c.name == "week" && raw.is_some_and(|x| !x.starts_with('[')) => {
                let text = raw.unwrap_or_default();
                let mut days: Vec<Value> = text
                    .lines()
                    .map(|l| {
                        Value::Array(
                            l.split([',', '，', ';'])
                                .map(str::trim)
                                .filter(|x| !x.is_empty())
                                .map(|x| Value::String(x.to_owned()))
                                .collect(),
                        )
                    })
                    .collect();
                days.resize(7, Value::Array(vec![]));
                Value::Array(days)
            }
            Kind::Json => match raw {
                None => continue,
                Some(x) if x.starts_with('{') || x.starts_with('[') => serde_json::from_str(x)
                    .map_err(|e| AppError::invalid(c.name, "invalid_json", format!("{}: {e}", c.name)))?,
                Some(x) => {
                    let items: Vec<Value> = x
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|l| match l.parse::<i64>() {
                            Ok(n) if c.refs.is_some() => Value::from(n),
                            _ => Value::String(l.to_owned()),
                        })
                        .collect();
                    Value::Array(items)
                }
            },
        };
        m.insert(c.name.to_owned(), v);
    }
    Ok(Value::Object(m))
}

async fn form_of<R: Resource>(s: &AppState, ctx: &Ctx, kind: &str, id: Option<i64>) -> Response {
    let (current, version) = match id {
        Some(id) => match fuwu_app::records::get::<R>(&s.app, &ctx.caller, id).await {
            Ok(it) => (serde_json::to_value(&it.data).unwrap_or(Value::Null), it.version),
            Err(e) => return fail(ctx, e),
        },
        None => (Value::Null, 0),
    };
    let refs = match references(s, ctx, R::DEF).await {
        Ok(r) => r,
        Err(e) => return fail(ctx, e),
    };
    let fields = form_fields::<R>(&current, &Problems::default(), &refs);
    render(&FormPage { ctx, kind, id, version, fields, general: None, password: id.is_none() && kind == "users" })
}

async fn new_page(State(s): State<AppState>, ctx: Ctx, Path(kind): Path<String>) -> Response {
    with_kind!(&ctx, kind.as_str(), |T| form_of::<T>(&s, &ctx, &kind, None).await)
}

async fn edit_page(State(s): State<AppState>, ctx: Ctx, Path((kind, id)): Path<(String, i64)>) -> Response {
    with_kind!(&ctx, kind.as_str(), |T| form_of::<T>(&s, &ctx, &kind, Some(id)).await)
}

async fn save_of<R: Resource>(s: &AppState, ctx: &Ctx, kind: &str, id: Option<i64>, f: Fields) -> Response {
    if let Err(e) = check_csrf(ctx, &f) {
        return fail(ctx, e);
    }
    let version = get(&f, "version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let outcome = async {
        let v = form_to_record::<R>(&f)?;
        let input: R = crate::extract::decode(v).map_err(|e| e.0)?;
        let saved: Stored<R> = match id {
            Some(id) => fuwu_app::records::update::<R>(&s.app, &ctx.caller, id, version, input).await?,
            None if kind == "users" => {
                let user: User = serde_json::from_value(
                    serde_json::to_value(&input).map_err(|e| AppError::Internal(e.to_string()))?,
                )
                .map_err(|e| AppError::Internal(e.to_string()))?;
                let u =
                    fuwu_app::users::create_user(&s.app, Some(&ctx.caller), user, get(&f, "password").unwrap_or(""))
                        .await?;
                return Ok(u.id);
            }
            None => fuwu_app::records::create::<R>(&s.app, &ctx.caller, input).await?,
        };
        Ok::<_, AppError>(saved.id)
    }
    .await;
    match outcome {
        Ok(new_id) => Redirect::to(&format!("/records/{kind}/{new_id}")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. } | AppError::Conflict { .. })) => {
            let problems = Problems::of(ctx.lang, &e);
            let status = crate::error::ApiError(e).parts().0;
            let sent = form_to_record::<R>(&f).unwrap_or(Value::Null);
            let refs = references(s, ctx, R::DEF).await.unwrap_or_default();
            let mut fields = form_fields::<R>(&sent, &problems, &refs);
            for fv in &mut fields {
                if let Some(raw) = get(&f, fv.name)
                    && fv.kind != "checkbox"
                {
                    fv.value = raw.to_owned();
                }
            }
            render_status(
                status,
                &FormPage {
                    ctx,
                    kind,
                    id,
                    version,
                    fields,
                    general: problems.general,
                    password: id.is_none() && kind == "users",
                },
            )
        }
        Err(e) => fail(ctx, e),
    }
}

async fn create(State(s): State<AppState>, ctx: Ctx, Path(kind): Path<String>, Form(f): Form<Fields>) -> Response {
    with_kind!(&ctx, kind.as_str(), |T| save_of::<T>(&s, &ctx, &kind, None, f).await)
}

async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Path((kind, id)): Path<(String, i64)>,
    Form(f): Form<Fields>,
) -> Response {
    with_kind!(&ctx, kind.as_str(), |T| save_of::<T>(&s, &ctx, &kind, Some(id), f).await)
}
