//! The type-ahead behind every reference field: records of one kind found by
//! what a person types, each with enough context to tell it from its
//! namesakes (`南京市公安局 · 主数据中心 · 南京市 江宁区`). It reads exactly what
//! the kind's list would show the caller — the same capability, the same
//! customer scope — so a record outside the scope is never offered, and an id
//! asked for that is not visible answers as one that does not exist.

use crate::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::{parse_filters, read_cap};
use fuwu_core::divisions;
use fuwu_store::crud::{self, ListSpec, Word};
use fuwu_store::tables::{self, Link, TableDef};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// One record offered for a reference field.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Choice {
    pub id: i64,
    /// What the record is called: a name, a number, a model and serial.
    pub name: String,
    /// What tells it apart: its customer, city, project, login, …
    pub context: String,
    /// The whole line as the pickers show it: `customer · name · city`.
    pub label: String,
}

/// What the type-ahead asks for.
#[derive(Debug, Clone, Default)]
pub struct ChoiceQuery {
    /// Words typed; each must be found (in the record, its customer's name or its city).
    pub q: Option<String>,
    /// Only these records (to show the names of values already chosen).
    pub ids: Option<Vec<i64>>,
    /// Equality filters, as the kind's list takes them (e.g. `customer_id`).
    pub filters: BTreeMap<String, String>,
    /// 1–50 (default 20); with `ids`, up to 200.
    pub limit: Option<i64>,
}

/// The kinds a reference may name, by the entity of their table description.
pub const KINDS: &[&str] = &[
    "customer",
    "site",
    "contact",
    "project",
    "asset",
    "contract",
    "service_level",
    "branch",
    "team",
    "partner",
    "user",
    "calendar",
];

/// A division shortened for a context line: `南京市 江宁区`, `北京市 海淀区`.
pub fn city_text(code: &str) -> String {
    let full = divisions::full_name(code).unwrap_or_else(|| code.to_owned());
    let parts: Vec<&str> = full.split(' ').collect();
    if parts.len() == 3 { parts[1..].join(" ") } else { full }
}

/// What a person typed as search words: each to be found in the record, its
/// customer's name, or (a city's name) its city.
pub fn words(q: &str) -> Vec<Word> {
    q.split_whitespace()
        .take(4)
        .map(|w| Word {
            needle: w.to_owned(),
            city_prefixes: divisions::search(w, 10)
                .into_iter()
                .filter(|d| d.name.contains(w))
                .map(|d| match d.level {
                    "province" => d.code[..2].to_owned(),
                    "city" => d.code[..4].to_owned(),
                    _ => d.code[..6].to_owned(),
                })
                .collect(),
        })
        .collect()
}

/// Records of `entity` matching the query, as the caller may see them.
pub async fn choices(app: &App, caller: &Caller, entity: &str, q: &ChoiceQuery) -> Result<Vec<Choice>, AppError> {
    let def = KINDS
        .contains(&entity)
        .then(|| tables::by_entity(entity))
        .flatten()
        .ok_or(AppError::NotFound("record kind"))?;
    caller.require(read_cap(def))?;
    let max = if q.ids.is_some() { 200 } else { 50 };
    let limit = q.limit.unwrap_or(20);
    if !(1..=max).contains(&limit) {
        return Err(AppError::bad(format!("limit must be between 1 and {max}"), Some("limit")));
    }
    let words = words(q.q.as_deref().unwrap_or_default());
    let scope = match def.link {
        Link::Itself => Some((caller.scope(), "id")),
        Link::Column => Some((caller.scope(), "customer_id")),
        Link::None => None,
    };
    let spec = ListSpec {
        filters: parse_filters(def, &q.filters, "")?,
        words,
        ids: q.ids.clone(),
        scope,
        sort: def.sortable.first().map(|c| ((*c).to_owned(), false)),
        limit,
        no_count: true,
        ..Default::default()
    };
    let mut conn = app.db.reader().acquire().await?;
    let (rows, _) = crud::list(&mut conn, def, &spec).await?;
    let names = Names::load(&mut conn, def, &rows).await?;
    Ok(rows.iter().map(|m| describe(def, m, &names)).collect())
}

/// The names of the records the rows point at (their customers, projects, teams, branches).
#[derive(Default)]
struct Names(HashMap<(&'static str, i64), String>);

impl Names {
    async fn load(conn: &mut fuwu_store::Conn, def: &TableDef, rows: &[Map<String, Value>]) -> Result<Names, AppError> {
        let wanted: &[(&str, &'static TableDef)] = match def.entity {
            "asset" => &[("customer_id", &tables::CUSTOMER), ("project_id", &tables::PROJECT)],
            "team" => &[("branch_id", &tables::BRANCH)],
            "user" => &[("team_id", &tables::TEAM), ("partner_id", &tables::PARTNER)],
            _ if def.link == Link::Column => &[("customer_id", &tables::CUSTOMER)],
            _ => &[],
        };
        let mut out = Names::default();
        for (col, target) in wanted {
            let mut ids: Vec<i64> = rows.iter().filter_map(|m| m.get(*col).and_then(Value::as_i64)).collect();
            ids.sort_unstable();
            ids.dedup();
            for m in crud::get_many(conn, target, &ids).await? {
                if let (Some(id), Some(name)) = (m.get("id").and_then(Value::as_i64), text(&m, "name")) {
                    out.0.insert((target.entity, id), name);
                }
            }
        }
        Ok(out)
    }

    fn of(&self, entity: &'static str, m: &Map<String, Value>, col: &str) -> Option<String> {
        m.get(col).and_then(Value::as_i64).and_then(|id| self.0.get(&(entity, id)).cloned())
    }
}

fn text(m: &Map<String, Value>, col: &str) -> Option<String> {
    m.get(col).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn describe(def: &TableDef, m: &Map<String, Value>, names: &Names) -> Choice {
    let id = m.get("id").and_then(Value::as_i64).unwrap_or_default();
    let customer = || names.of("customer", m, "customer_id");
    let city = || text(m, "city_code").map(|c| city_text(&c));
    // (the parts before the name, the name, the parts after it)
    let (before, name, after): (Vec<Option<String>>, Option<String>, Vec<Option<String>>) = match def.entity {
        "site" => (vec![customer()], text(m, "name"), vec![city()]),
        "contact" => (
            vec![customer()],
            text(m, "name"),
            vec![
                text(m, "title"),
                m.get("phones").and_then(Value::as_array).and_then(|a| a.first()?.as_str().map(str::to_owned)),
            ],
        ),
        "project" => (vec![customer()], text(m, "name"), vec![text(m, "code")]),
        "asset" => (
            vec![customer()],
            Some(format!(
                "{} {}",
                text(m, "product_model").unwrap_or_default(),
                text(m, "serial_number").unwrap_or_default()
            )),
            vec![names.of("project", m, "project_id")],
        ),
        "contract" => (vec![customer()], text(m, "number"), vec![text(m, "start_date"), text(m, "end_date")]),
        "customer" => (vec![], text(m, "name"), vec![text(m, "short_name"), text(m, "industry")]),
        "service_level" => (vec![], text(m, "name"), vec![text(m, "code")]),
        "branch" => (vec![], text(m, "name"), vec![city()]),
        "team" => (vec![], text(m, "name"), vec![names.of("branch", m, "branch_id")]),
        "partner" => (
            vec![],
            text(m, "name"),
            vec![m.get("city_codes").and_then(Value::as_array).map(|a| {
                let mut cities: Vec<String> = a.iter().filter_map(Value::as_str).take(3).map(city_text).collect();
                if a.len() > 3 {
                    cities.push("…".into());
                }
                cities.join("、")
            })],
        ),
        "user" => (
            vec![],
            text(m, "name"),
            vec![text(m, "login"), names.of("team", m, "team_id").or_else(|| names.of("partner", m, "partner_id"))],
        ),
        _ => (vec![], text(m, "name").or_else(|| text(m, "date")), vec![]),
    };
    let name = name.unwrap_or_else(|| format!("#{id}"));
    let keep = |v: Vec<Option<String>>| v.into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>();
    let (before, after) = (keep(before), keep(after));
    let context: Vec<&str> = before.iter().chain(after.iter()).map(String::as_str).collect();
    let label: Vec<&str> =
        before.iter().map(String::as_str).chain([name.as_str()]).chain(after.iter().map(String::as_str)).collect();
    Choice { id, context: context.join(" · "), label: label.join(" · "), name }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_read_short() {
        assert_eq!(city_text("320115000000"), "南京市 江宁区");
        assert_eq!(city_text("110108000000"), "北京市 海淀区");
        assert_eq!(city_text("320100000000"), "江苏省 南京市");
    }
}
