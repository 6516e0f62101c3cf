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
use fuwu_app::choices::ChoiceQuery;
use fuwu_app::records::{ListParams, Resource, Stored};
use fuwu_core::records::*;
use fuwu_core::role::Role;
use fuwu_store::tables::{Col, Kind, TableDef};
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

/// Lists of text a person reads in a list (a contact's phones), unlike other JSON columns.
const LISTED_JSON: &[&str] = &["phones"];

fn columns<R: Resource>() -> Vec<&'static str> {
    R::DEF
        .cols
        .iter()
        .filter(|c| c.kind != Kind::Json || LISTED_JSON.contains(&c.name))
        .map(|c| c.name)
        .take(5)
        .collect()
}

/// Columns holding division codes: one city, or a list of cities.
fn city_col(name: &str) -> Option<bool> {
    match name {
        "city_code" => Some(false),
        "city_codes" | "covered_city_codes" => Some(true),
        _ => None,
    }
}

/// Durations of working time as a person writes them: `4h`, `30m`, `1h30m`,
/// `4小时`, `30分钟`, or bare minutes.
pub fn parse_minutes(text: &str) -> Option<i64> {
    let t = text.trim().to_lowercase().replace(' ', "");
    if t.is_empty() {
        return None;
    }
    if let Ok(n) = t.parse::<i64>() {
        return Some(n);
    }
    let t = t.replace("小时", "h").replace("分钟", "m").replace('分', "m").replace("min", "m");
    fuwu_core::calendar::parse_duration(&t).filter(|s| s % 60 == 0).map(|s| s / 60)
}

/// Minutes of working time as the targets table shows them: `15m`, `4h`, `1h30m`.
pub fn minutes_text(m: i64) -> String {
    match (m / 60, m % 60) {
        (0, r) => format!("{r}m"),
        (h, 0) => format!("{h}h"),
        (h, r) => format!("{h}h{r}m"),
    }
}

const PRIORITIES: [&str; 4] = ["P1", "P2", "P3", "P4"];
const TARGET_COLS: [(&str, &str); 3] = [
    ("response_minutes", "clock.response"),
    ("onsite_minutes", "clock.onsite"),
    ("resolution_minutes", "clock.resolution"),
];
const QUOTAS: [&str; 5] = ["inspections", "standby_days", "trainings", "optimisation_reviews", "dr_drills"];

/// The names of the records behind reference values, as the caller may see
/// them (through the same type-ahead the forms use): `(entity, id) → label`.
#[derive(Default)]
struct Labels(BTreeMap<(&'static str, i64), (String, String)>);

impl Labels {
    async fn load(s: &AppState, ctx: &Ctx, def: &'static TableDef, records: &[&Value]) -> Labels {
        let mut out = Labels::default();
        for c in def.cols {
            let Some(r) = c.refs else { continue };
            let mut ids: Vec<i64> = records
                .iter()
                .filter_map(|v| v.get(c.name))
                .flat_map(|v| match v {
                    Value::Array(a) => a.iter().filter_map(Value::as_i64).collect::<Vec<_>>(),
                    other => other.as_i64().into_iter().collect(),
                })
                .filter(|id| !out.0.contains_key(&(r.entity, *id)))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids.truncate(200);
            if ids.is_empty() {
                continue;
            }
            let q = ChoiceQuery { limit: Some(ids.len() as i64), ids: Some(ids), ..Default::default() };
            // A kind the caller may not read shows its ids as they are.
            if let Ok(found) = fuwu_app::choices::choices(&s.app, &ctx.caller, r.entity, &q).await {
                for ch in found {
                    out.0.insert((r.entity, ch.id), (ch.name, ch.label));
                }
            }
        }
        out
    }

    fn name(&self, entity: &'static str, id: i64) -> String {
        self.0.get(&(entity, id)).map_or_else(|| format!("#{id}"), |(n, _)| n.clone())
    }

    fn label(&self, entity: &'static str, id: i64) -> String {
        self.0.get(&(entity, id)).map_or_else(|| format!("#{id}"), |(_, l)| l.clone())
    }
}

/// A stored value as a person reads it: names for references and cities,
/// the targets and quotas spelled out, `full` with each reference's context.
fn display(ctx: &Ctx, col: &Col, v: Option<&Value>, labels: &Labels, full: bool) -> String {
    let name = |entity, id| if full { labels.label(entity, id) } else { labels.name(entity, id) };
    match (col.refs, v) {
        (Some(r), Some(Value::Number(n))) => return n.as_i64().map(|id| name(r.entity, id)).unwrap_or_default(),
        (Some(r), Some(Value::Array(a))) => {
            return a.iter().filter_map(Value::as_i64).map(|id| name(r.entity, id)).collect::<Vec<_>>().join("\n");
        }
        _ => {}
    }
    let city = |c: &str| fuwu_core::divisions::full_name(c).unwrap_or_else(|| c.to_owned());
    match (city_col(col.name), v) {
        (Some(false), Some(Value::String(c))) => return city(c),
        (Some(true), Some(Value::Array(a))) => {
            return a.iter().filter_map(Value::as_str).map(city).collect::<Vec<_>>().join("\n");
        }
        _ => {}
    }
    match (col.name, v) {
        ("targets", Some(Value::Array(rows))) => rows
            .iter()
            .map(|t| {
                let cell = |k: &str| t.get(k).and_then(Value::as_i64).map_or_else(|| "–".to_owned(), minutes_text);
                let mut line = t.get("priority").and_then(Value::as_str).unwrap_or_default().to_owned();
                for (k, label) in TARGET_COLS {
                    line.push_str(&format!(" · {} {}", ctx.t(label), cell(k)));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n"),
        ("quotas" | "quota_overrides", Some(Value::Object(q))) => QUOTAS
            .iter()
            .filter_map(|k| Some(format!("{} {}", ctx.label("quota", k), q.get(*k)?.as_i64()?)))
            .collect::<Vec<_>>()
            .join(" · "),
        ("role", Some(Value::String(x))) => ctx.label("role", x),
        ("tier", Some(Value::String(x))) => ctx.label("tier", x),
        ("coverage", Some(Value::String(x))) => ctx.label("coverage", x),
        ("kind" | "language", Some(Value::String(x))) if fuwu_core::i18n::has(&format!("pick.{x}")) => {
            ctx.label("pick", x)
        }
        _ => show(v),
    }
}

async fn list_of<R: Resource>(s: &AppState, ctx: &Ctx, kind: &str, q: ListQuery) -> Response {
    let p = ListParams {
        q: q.q.clone().filter(|x| !x.trim().is_empty()),
        sort: None,
        page: q.page,
        per_page: Some(25),
        filters: BTreeMap::new(),
    };
    match fuwu_app::records::search::<R>(&s.app, &ctx.caller, &p).await {
        Ok(page) => {
            let cols = columns::<R>();
            let values: Vec<Value> =
                page.items.iter().map(|it| serde_json::to_value(&it.data).unwrap_or(Value::Null)).collect();
            let labels = Labels::load(s, ctx, R::DEF, &values.iter().collect::<Vec<_>>()).await;
            let rows = page
                .items
                .iter()
                .zip(&values)
                .map(|(it, v)| {
                    let cells = cols
                        .iter()
                        .filter_map(|c| R::DEF.col(c))
                        .map(|c| display(ctx, c, v.get(c.name), &labels, false))
                        .collect();
                    (it.id, cells)
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
    /// Each field's parts: text, and the record it links to (or empty).
    fields: Vec<(&'static str, Vec<(String, String)>)>,
    updated: String,
    /// A contract's plan and quota use.
    plan: Option<super::plan::PlanSection>,
}

async fn view_of<R: Resource>(s: &AppState, ctx: &Ctx, kind: &str, id: i64) -> Response {
    match fuwu_app::records::get::<R>(&s.app, &ctx.caller, id).await {
        Ok(it) => {
            let v = serde_json::to_value(&it.data).unwrap_or(Value::Null);
            let labels = Labels::load(s, ctx, R::DEF, &[&v]).await;
            // References link to the record they name (when the reader may open it).
            let fields = R::DEF
                .cols
                .iter()
                .map(|c| {
                    let links: Vec<(String, String)> = match c.refs {
                        Some(r) => {
                            let ids: Vec<i64> = match v.get(c.name) {
                                Some(Value::Array(a)) => a.iter().filter_map(Value::as_i64).collect(),
                                Some(x) => x.as_i64().into_iter().collect(),
                                None => vec![],
                            };
                            let slug = KINDS.iter().find(|(_, e)| *e == r.entity).map(|(s, _)| *s);
                            ids.into_iter()
                                .map(|id| {
                                    let known = labels.0.contains_key(&(r.entity, id));
                                    let href = slug.filter(|_| known).map(|s| format!("/records/{s}/{id}"));
                                    (labels.label(r.entity, id), href.unwrap_or_default())
                                })
                                .collect()
                        }
                        None => vec![(display(ctx, c, v.get(c.name), &labels, true), String::new())],
                    };
                    (c.name, links)
                })
                .collect();
            let may_write = ctx.caller.require(fuwu_app::records::write_cap(R::DEF)).is_ok();
            let plan = if R::DEF.entity == "contract" { super::plan::section(s, ctx, id).await } else { None };
            render(&ViewPage { ctx, kind, may_write, id, fields, updated: ctx.at(&it.updated_at), plan })
        }
        Err(e) => fail(ctx, e),
    }
}

async fn view_page(State(s): State<AppState>, ctx: Ctx, Path((kind, id)): Path<(String, i64)>) -> Response {
    with_kind!(&ctx, kind.as_str(), |T| view_of::<T>(&s, &ctx, &kind, id).await)
}

/// One input of a compound field (a cell of the targets table, a quota).
pub struct Cell {
    pub name: String,
    pub label: String,
    pub value: String,
    pub problem: String,
}

/// One field of a record form.
pub struct FieldView {
    pub name: &'static str,
    /// `text`, `number`, `checkbox`, `lines`, `json`, `select`, `ref` (one record), `fixed` (shown, kept),
    /// `refs` (a list of records), `city`, `cities`, `targets`, `quotas`.
    pub kind: &'static str,
    pub value: String,
    pub checked: bool,
    pub problem: String,
    /// Pickers: the type-ahead's URL.
    pub pick: String,
    /// Pickers: the field of this form that narrows the choices (`customer_id`).
    pub scope: &'static str,
    /// Pickers: what is chosen now, `(value, name)`.
    pub chosen: Vec<(String, String)>,
    /// Selects: `(value, text)`.
    pub options: Vec<(String, String)>,
    /// The targets table: a priority and its three cells per row; quotas: one row.
    pub rows: Vec<(&'static str, Vec<Cell>)>,
    /// How to fill it in (a catalogue key), if it needs saying.
    pub hint: Option<String>,
    /// What the value means, always shown (a catalogue key).
    pub note: Option<&'static str>,
}

/// The fixed choices of a field, `(value, catalogue key or text)`, if it has them.
async fn select_options(s: &AppState, ctx: &Ctx, entity: &str, col: &str) -> Option<Vec<(String, String)>> {
    let keyed = |group: &str, vals: &[&str]| {
        vals.iter().map(|v| ((*v).to_owned(), ctx.label(group, v))).collect::<Vec<(String, String)>>()
    };
    Some(match (entity, col) {
        // No role is chosen for a person by default (least of all administrator).
        ("user", "role") => std::iter::once((String::new(), ctx.t("pick.choose").to_owned()))
            .chain(Role::ALL.iter().map(|r| (r.as_str().to_owned(), ctx.label("role", r.as_str()))))
            .collect(),
        ("user", "tier") => {
            let mut o = vec![(String::new(), ctx.t("common.none").to_owned())];
            o.extend(keyed("tier", &["L1", "L2", "L3"]));
            o
        }
        ("user", "language") => keyed("pick", &["zh-CN", "en"]),
        ("team", "kind") => keyed("pick", &["l1_project", "l2_center", "l3_expert", "service_center"]),
        ("holiday", "kind") => keyed("pick", &["holiday", "adjusted_workday"]),
        ("service_level", "coverage") => keyed("coverage", &["5x8", "7x24"]),
        ("service_level", "calendar") => {
            let mut o = vec![(String::new(), ctx.t("pick.calendar_default").to_owned())];
            o.extend(["5x8", "7x24"].map(|c| (c.to_owned(), c.to_owned())));
            let q = ChoiceQuery { limit: Some(50), ..Default::default() };
            if let Ok(found) = fuwu_app::choices::choices(&s.app, &ctx.caller, "calendar", &q).await {
                o.extend(
                    found.into_iter().filter(|c| c.name != "5x8" && c.name != "7x24").map(|c| (c.name.clone(), c.name)),
                );
            }
            o
        }
        _ => return None,
    })
}

/// The type-ahead URL of a kind of record (`/api/v1/choices/sites`).
fn pick_url(entity: &str) -> String {
    KINDS.iter().find(|(_, e)| *e == entity).map(|(slug, _)| format!("/api/v1/choices/{slug}")).unwrap_or_default()
}

/// The form's fields: from the record (`current`), or as sent (`raw`) when the
/// form comes back with problems, each with its problems and its choices.
async fn form_fields(
    s: &AppState,
    ctx: &Ctx,
    def: &'static TableDef,
    current: &Value,
    raw: Option<&Fields>,
    problems: &Problems,
    editing: bool,
) -> Vec<FieldView> {
    // The ids chosen now, as sent or as stored, to name them.
    let mut chosen_values = current.clone();
    if let (Some(f), Value::Object(m)) = (raw, &mut chosen_values) {
        for c in def.cols.iter().filter(|c| c.refs.is_some()) {
            let ids: Vec<Value> =
                values(f, c.name).iter().filter_map(|x| x.parse::<i64>().ok()).map(Value::from).collect();
            m.insert(c.name.to_owned(), Value::Array(ids));
        }
    }
    let labels = Labels::load(s, ctx, def, &[&chosen_values]).await;
    let problem_at = |name: &str| {
        problems
            .fields
            .iter()
            .filter(|(k, _)| *k == name || k.starts_with(&format!("{name}.")) || k.starts_with(&format!("{name}[")))
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join("；")
    };
    let own = |name: &str| problems.fields.get(name).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for c in def.cols {
        let v = current.get(c.name);
        let sent = raw.map(|f| values(f, c.name));
        let text = sent.as_ref().map_or_else(|| show(v), |x| x.join("\n"));
        let mut fv = FieldView {
            name: c.name,
            kind: match c.kind {
                Kind::Int => "number",
                Kind::Text => "text",
                Kind::Bool => "checkbox",
                Kind::Json => "json",
            },
            checked: match raw {
                Some(f) => get(f, c.name).is_some_and(|x| matches!(x, "on" | "true" | "1")),
                None => v.and_then(Value::as_bool).unwrap_or(false),
            },
            value: text.clone(),
            problem: problem_at(c.name),
            pick: String::new(),
            scope: "",
            chosen: Vec::new(),
            options: Vec::new(),
            rows: Vec::new(),
            hint: None,
            note: (def.entity == "contract" && c.name == "covered_project_ids").then_some("pick.note.coverage"),
        };
        // A customer's site, project, asset or contact is chosen among that customer's.
        let scoped = |r: &fuwu_store::tables::Ref| {
            let customers = fuwu_store::tables::by_entity(r.entity).is_some_and(TableDef::has_customer);
            if customers && def.col("customer_id").is_some() { "customer_id" } else { "" }
        };
        if let Some(r) = c.refs {
            fv.kind = if r.many { "refs" } else { "ref" };
            fv.pick = pick_url(r.entity);
            fv.scope = scoped(&r);
            let ids: Vec<i64> = chosen_values
                .get(c.name)
                .map(|x| match x {
                    Value::Array(a) => a.iter().filter_map(Value::as_i64).collect(),
                    other => other.as_i64().into_iter().collect(),
                })
                .unwrap_or_default();
            // Among one customer's records the customer goes without saying.
            let short = |l: String| match l.split_once(" · ") {
                Some((_, rest)) if !fv.scope.is_empty() => rest.to_owned(),
                _ => l,
            };
            fv.chosen = ids.iter().map(|id| (id.to_string(), short(labels.label(r.entity, *id)))).collect();
            fv.value = ids.iter().map(i64::to_string).collect::<Vec<_>>().join("\n");
            fv.hint = Some(format!("pick.hint.{}", fv.kind));
            // A record is never moved to another customer: its customer is shown, not offered.
            if editing && c.name == "customer_id" && def.has_customer() {
                fv.kind = "fixed";
                fv.pick.clear();
                fv.hint = None;
            }
        } else if let Some(many) = city_col(c.name) {
            fv.kind = if many { "cities" } else { "city" };
            fv.pick = "/api/v1/divisions?pickable=true".into();
            let lines: Vec<String> = match &sent {
                Some(x) => x
                    .iter()
                    .flat_map(|l| l.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned))
                    .collect(),
                None => match v {
                    Some(Value::String(x)) => vec![x.clone()],
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                    _ => vec![],
                },
            };
            fv.chosen = lines
                .iter()
                .map(|l| match fuwu_core::divisions::resolve(l) {
                    Some(d) => {
                        (d.code.clone(), fuwu_core::divisions::full_name(&d.code).unwrap_or_else(|| d.name.clone()))
                    }
                    None => (l.clone(), l.clone()),
                })
                .collect();
            fv.value = fv.chosen.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>().join("\n");
            fv.hint = Some(format!("pick.hint.{}", fv.kind));
        } else if let Some(opts) = select_options(s, ctx, def.entity, c.name).await {
            fv.kind = "select";
            if !fv.value.is_empty() && !opts.iter().any(|(o, _)| *o == fv.value) {
                fv.options.push((fv.value.clone(), fv.value.clone()));
            }
            fv.options.extend(opts);
        } else if c.name == "targets" {
            fv.kind = "targets";
            fv.hint = Some("pick.hint.targets".into());
            for (i, p) in PRIORITIES.iter().enumerate() {
                let stored = v
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().find(|t| t.get("priority") == Some(&Value::from(*p))));
                let cells = TARGET_COLS
                    .iter()
                    .map(|(k, label)| {
                        let name = format!("targets.{p}.{k}");
                        let value = match raw {
                            Some(f) => get(f, &name).unwrap_or_default().to_owned(),
                            None => stored
                                .and_then(|t| t.get(*k))
                                .and_then(Value::as_i64)
                                .map(minutes_text)
                                .unwrap_or_default(),
                        };
                        Cell {
                            problem: own(&format!("targets[{i}].{k}")),
                            label: format!("{p} · {}", ctx.t(label)),
                            name,
                            value,
                        }
                    })
                    .collect();
                fv.rows.push((p, cells));
            }
            fv.problem = own("targets");
        } else if c.name == "quotas" || c.name == "quota_overrides" {
            fv.kind = "quotas";
            fv.hint = (c.name == "quota_overrides").then(|| "pick.hint.quota_overrides".to_owned());
            let cells = QUOTAS
                .iter()
                .map(|k| {
                    let name = format!("{}.{k}", c.name);
                    let value = match raw {
                        Some(f) => get(f, &name).unwrap_or_default().to_owned(),
                        None => {
                            v.and_then(|q| q.get(*k)).and_then(Value::as_i64).map(|n| n.to_string()).unwrap_or_default()
                        }
                    };
                    Cell { problem: own(&name), label: ctx.label("quota", k), name, value }
                })
                .collect();
            fv.rows.push(("", cells));
            fv.problem = own(c.name);
        } else {
            if matches!(c.name, "phones" | "emails" | "skills") {
                fv.kind = "lines";
            }
            let key = format!("hint.{}", c.name);
            fv.hint = fuwu_core::i18n::has(&key).then_some(key);
        }
        out.push(fv);
    }
    out
}

/// Every value sent for a field (repeated names kept, blanks left out).
fn values(f: &Fields, name: &str) -> Vec<String> {
    f.iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// The form's fields as the record's JSON: numbers, booleans, lists by line,
/// cities by name or code, the targets table in minutes, quotas as numbers
/// (a mistake names the field, or the cell).
fn form_to_record<R: Resource>(f: &Fields) -> Result<Value, AppError> {
    let mut m = Map::new();
    let mut errs = fuwu_core::FieldErrors::new();
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
            Kind::Text if city_col(c.name).is_some() => match raw {
                None => continue,
                Some(x) => {
                    Value::String(fuwu_core::divisions::resolve(x).map_or_else(|| x.to_owned(), |d| d.code.clone()))
                }
            },
            Kind::Text => match raw {
                None => continue,
                Some(x) => Value::String(x.to_owned()),
            },
            Kind::Json if city_col(c.name).is_some() => Value::Array(
                values(f, c.name)
                    .iter()
                    .map(|l| {
                        Value::String(fuwu_core::divisions::resolve(l).map_or_else(|| l.clone(), |d| d.code.clone()))
                    })
                    .collect(),
            ),
            Kind::Json if c.name == "targets" && raw.is_none() => {
                let mut rows = Vec::new();
                for (i, p) in PRIORITIES.iter().enumerate() {
                    let mut row = Map::new();
                    for (k, _) in TARGET_COLS {
                        let Some(text) = get(f, &format!("targets.{p}.{k}")) else { continue };
                        match parse_minutes(text) {
                            Some(n) => {
                                row.insert(k.to_owned(), Value::from(n));
                            }
                            None => errs.add(
                                format!("targets[{i}].{k}"),
                                "invalid_duration",
                                format!("{p} {k}: write a working time like 30m, 4h or 1h30m"),
                            ),
                        }
                    }
                    if !row.is_empty() {
                        row.insert("priority".into(), Value::from(*p));
                        rows.push(Value::Object(row));
                    }
                }
                Value::Array(rows)
            }
            Kind::Json if (c.name == "quotas" || c.name == "quota_overrides") && raw.is_none() => {
                let mut q = Map::new();
                for k in QUOTAS {
                    let name = format!("{}.{k}", c.name);
                    let Some(text) = get(f, &name) else { continue };
                    match text.parse::<i64>() {
                        Ok(n) => {
                            q.insert(k.to_owned(), Value::from(n));
                        }
                        Err(_) => errs.add(&name, "not_a_number", format!("{name} must be a whole number")),
                    }
                }
                Value::Object(q)
            }
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
            Kind::Json if c.refs.is_some() => Value::Array(
                values(f, c.name)
                    .iter()
                    .map(|l| l.parse::<i64>().map_or_else(|_| Value::String(l.clone()), Value::from))
                    .collect(),
            ),
            Kind::Json => match raw {
                None => continue,
                Some(x) if x.starts_with('{') || x.starts_with('[') => serde_json::from_str(x)
                    .map_err(|e| AppError::invalid(c.name, "invalid_json", format!("{}: {e}", c.name)))?,
                Some(_) => Value::Array(values(f, c.name).into_iter().map(Value::String).collect()),
            },
        };
        m.insert(c.name.to_owned(), v);
    }
    errs.into_result()?;
    Ok(Value::Object(m))
}

/// What a new record starts as: active, in China's time zone.
fn fresh(def: &TableDef) -> Value {
    let mut m = Map::new();
    for c in def.cols {
        if c.kind == Kind::Bool && matches!(c.name, "active" | "official_holidays") {
            m.insert(c.name.to_owned(), Value::Bool(true));
        }
        if c.name == "time_zone" {
            m.insert(c.name.to_owned(), Value::from("Asia/Shanghai"));
        }
    }
    Value::Object(m)
}

async fn form_of<R: Resource>(s: &AppState, ctx: &Ctx, kind: &str, id: Option<i64>) -> Response {
    // A form nobody could save is not offered: refused as the save would be.
    if id.is_some()
        && let Err(e) = ctx.caller.require(fuwu_app::records::write_cap(R::DEF))
    {
        return fail(ctx, e);
    }
    let (current, version) = match id {
        Some(id) => match fuwu_app::records::get::<R>(&s.app, &ctx.caller, id).await {
            Ok(it) => (serde_json::to_value(&it.data).unwrap_or(Value::Null), it.version),
            Err(e) => return fail(ctx, e),
        },
        None => {
            if let Err(e) = ctx.caller.require(fuwu_app::records::write_cap(R::DEF)) {
                return fail(ctx, e);
            }
            (fresh(R::DEF), 0)
        }
    };
    let fields = form_fields(s, ctx, R::DEF, &current, None, &Problems::default(), id.is_some()).await;
    let password = (id.is_none() && kind == "users").then(String::new);
    render(&FormPage { ctx, kind, id, version, fields, general: None, password })
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
    /// A new user's password field, with its problem (if any).
    password: Option<String>,
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
            let fields = form_fields(s, ctx, R::DEF, &Value::Null, Some(&f), &problems, id.is_some()).await;
            render_status(
                status,
                &FormPage {
                    ctx,
                    kind,
                    id,
                    version,
                    fields,
                    password: (id.is_none() && kind == "users").then(|| problems.at("password").to_owned()),
                    general: problems.general,
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

#[cfg(test)]
mod tests {
    use super::{minutes_text, parse_minutes};

    #[test]
    fn working_times_as_people_write_them() {
        for (text, minutes) in
            [("15m", 15), ("4h", 240), ("1h30m", 90), ("30", 30), ("4小时", 240), ("30分钟", 30), (" 2 h ", 120)]
        {
            assert_eq!(parse_minutes(text), Some(minutes), "{text}");
        }
        for bad in ["", "很快", "4d", "30s", "1h30"] {
            assert_eq!(parse_minutes(bad), None, "{bad}");
        }
        assert_eq!([15, 60, 90, 2880].map(minutes_text), ["15m", "1h", "1h30m", "48h"]);
    }
}
