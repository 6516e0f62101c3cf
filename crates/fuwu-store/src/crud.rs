//! Generic storage of the records described in [`crate::tables`]: insert,
//! optimistic-locked update, get and list with filters, search, sort and pages.
//! Records travel as JSON objects; the app turns them into typed records.

use crate::tables::{Kind, Link, TableDef};
use crate::{Conn, Result, StoreError, classify, ms_to_rfc3339};
use fuwu_core::access::CustomerScope;
use serde_json::{Map, Value};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A bound parameter value. Nulls keep their type so PostgreSQL accepts them.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(Option<i64>),
    Text(Option<String>),
}

/// SQL text with its `$N` parameters, built up piece by piece.
#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Val>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql { text: text.to_owned(), args: Vec::new() }
    }

    pub fn push(&mut self, s: &str) -> &mut Sql {
        self.text.push_str(s);
        self
    }

    /// Adds a parameter and returns its placeholder.
    pub fn arg(&mut self, v: Val) -> String {
        self.args.push(v);
        format!("${}", self.args.len())
    }

    pub fn query(&self) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Val::Int(v) => q.bind(*v),
                Val::Text(v) => q.bind(v.clone()),
            };
        }
        q
    }

    pub async fn fetch_all(&self, conn: &mut Conn) -> Result<Vec<AnyRow>> {
        self.query().fetch_all(conn).await.map_err(classify)
    }

    pub async fn fetch_optional(&self, conn: &mut Conn) -> Result<Option<AnyRow>> {
        self.query().fetch_optional(conn).await.map_err(classify)
    }

    pub async fn execute(&self, conn: &mut Conn) -> Result<u64> {
        Ok(self.query().execute(conn).await.map_err(classify)?.rows_affected())
    }
}

/// Converts one field of a record to its stored value.
fn to_val(kind: Kind, v: Option<&Value>) -> Result<Val> {
    let bad = |what: &str| StoreError::Decode(format!("expected {what}, found {v:?}"));
    Ok(match kind {
        Kind::Int => match v {
            None | Some(Value::Null) => Val::Int(None),
            Some(Value::Number(n)) => Val::Int(Some(n.as_i64().ok_or_else(|| bad("an integer"))?)),
            _ => return Err(bad("an integer")),
        },
        Kind::Bool => match v {
            None | Some(Value::Null) => Val::Int(None),
            Some(Value::Bool(b)) => Val::Int(Some(i64::from(*b))),
            _ => return Err(bad("a boolean")),
        },
        Kind::Text => match v {
            None | Some(Value::Null) => Val::Text(None),
            Some(Value::String(s)) => Val::Text(Some(s.clone())),
            _ => return Err(bad("a text")),
        },
        Kind::Json => Val::Text(Some(match v {
            None | Some(Value::Null) => "null".to_owned(),
            Some(other) => other.to_string(),
        })),
    })
}

/// Reads one stored column back into JSON.
fn from_row(kind: Kind, row: &AnyRow, name: &str) -> Result<Value> {
    Ok(match kind {
        Kind::Int => row.try_get::<Option<i64>, _>(name)?.map_or(Value::Null, Value::from),
        Kind::Bool => row.try_get::<Option<i64>, _>(name)?.map_or(Value::Null, |b| Value::Bool(b != 0)),
        Kind::Text => row.try_get::<Option<String>, _>(name)?.map_or(Value::Null, Value::String),
        Kind::Json => match row.try_get::<Option<String>, _>(name)? {
            None => Value::Null,
            Some(s) => serde_json::from_str(&s).map_err(|e| StoreError::Decode(format!("{name}: {e}")))?,
        },
    })
}

/// The columns every record has besides its own.
const META: &str = "id, version, created_at, updated_at";

fn select_list(def: &TableDef) -> String {
    columns(def, "")
}

/// The select list of a record's columns, each prefixed (`u.`) for joins.
pub fn columns(def: &TableDef, prefix: &str) -> String {
    let mut names: Vec<&str> = META.split(", ").collect();
    names.extend(def.cols.iter().map(|c| c.name));
    names.iter().map(|n| format!("{prefix}{n}")).collect::<Vec<_>>().join(", ")
}

/// Decodes a row into `{id, version, created_at, updated_at, …fields}`.
pub fn decode(def: &TableDef, row: &AnyRow) -> Result<Map<String, Value>> {
    decode_prefixed(def, row, "")
}

/// Decodes the columns selected with [`aliased`] under a prefix; `None` when
/// the record is absent (a LEFT JOIN found nothing).
pub fn decode_optional(def: &TableDef, row: &AnyRow, prefix: &str) -> Result<Option<Map<String, Value>>> {
    if row.try_get::<Option<i64>, _>(format!("{prefix}id").as_str())?.is_none() {
        return Ok(None);
    }
    decode_prefixed(def, row, prefix).map(Some)
}

fn decode_prefixed(def: &TableDef, row: &AnyRow, prefix: &str) -> Result<Map<String, Value>> {
    let name = |n: &str| format!("{prefix}{n}");
    let mut m = Map::new();
    m.insert("id".into(), row.try_get::<i64, _>(name("id").as_str())?.into());
    m.insert("version".into(), row.try_get::<i64, _>(name("version").as_str())?.into());
    m.insert("created_at".into(), ms_to_rfc3339(row.try_get::<i64, _>(name("created_at").as_str())?).into());
    m.insert("updated_at".into(), ms_to_rfc3339(row.try_get::<i64, _>(name("updated_at").as_str())?).into());
    for c in def.cols {
        m.insert(c.name.to_owned(), from_row(c.kind, row, &name(c.name))?);
    }
    Ok(m)
}

/// A select list of a joined table's columns, `t.col AS t_col`, for [`decode_optional`].
pub fn aliased(def: &TableDef, alias: &str) -> String {
    let mut names: Vec<&str> = META.split(", ").collect();
    names.extend(def.cols.iter().map(|c| c.name));
    names.iter().map(|n| format!("{alias}.{n} AS {alias}_{n}")).collect::<Vec<_>>().join(", ")
}

/// Inserts a record; returns its id.
pub async fn insert(conn: &mut Conn, def: &TableDef, data: &Map<String, Value>, now: i64) -> Result<i64> {
    let mut sql = Sql::default();
    let mut names = vec!["version", "created_at", "updated_at"];
    let mut marks = vec![sql.arg(Val::Int(Some(1))), sql.arg(Val::Int(Some(now))), sql.arg(Val::Int(Some(now)))];
    for c in def.cols {
        names.push(c.name);
        marks.push(sql.arg(to_val(c.kind, data.get(c.name))?));
    }
    sql.text = format!("INSERT INTO {} ({}) VALUES ({}) RETURNING id", def.table, names.join(", "), marks.join(", "));
    let row = sql.query().fetch_one(conn).await.map_err(classify)?;
    Ok(row.try_get::<i64, _>(0)?)
}

/// Inserts several records in one statement (ids not returned).
pub async fn insert_many(conn: &mut Conn, def: &TableDef, rows: &[Map<String, Value>], now: i64) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::default();
    let mut names = vec!["version", "created_at", "updated_at"];
    names.extend(def.cols.iter().map(|c| c.name));
    let mut tuples = Vec::with_capacity(rows.len());
    for data in rows {
        let mut marks = vec![sql.arg(Val::Int(Some(1))), sql.arg(Val::Int(Some(now))), sql.arg(Val::Int(Some(now)))];
        for c in def.cols {
            marks.push(sql.arg(to_val(c.kind, data.get(c.name))?));
        }
        tuples.push(format!("({})", marks.join(", ")));
    }
    sql.text = format!("INSERT INTO {} ({}) VALUES {}", def.table, names.join(", "), tuples.join(", "));
    sql.execute(conn).await?;
    Ok(())
}

/// Updates a record if it is still at `version`; returns false when it is not
/// (changed meanwhile, or gone).
pub async fn update(
    conn: &mut Conn,
    def: &TableDef,
    id: i64,
    version: i64,
    data: &Map<String, Value>,
    now: i64,
) -> Result<bool> {
    let mut sql = Sql::default();
    let mut sets = vec![format!("updated_at = {}", sql.arg(Val::Int(Some(now)))), "version = version + 1".to_owned()];
    for c in def.cols {
        let mark = sql.arg(to_val(c.kind, data.get(c.name))?);
        sets.push(format!("{} = {mark}", c.name));
    }
    let id_mark = sql.arg(Val::Int(Some(id)));
    let v_mark = sql.arg(Val::Int(Some(version)));
    sql.text = format!("UPDATE {} SET {} WHERE id = {id_mark} AND version = {v_mark}", def.table, sets.join(", "));
    Ok(sql.execute(conn).await? == 1)
}

/// One record by id.
pub async fn get(conn: &mut Conn, def: &TableDef, id: i64) -> Result<Option<Map<String, Value>>> {
    let mut sql = Sql::default();
    let mark = sql.arg(Val::Int(Some(id)));
    sql.text = format!("SELECT {} FROM {} WHERE id = {mark}", select_list(def), def.table);
    match sql.fetch_optional(conn).await? {
        Some(row) => Ok(Some(decode(def, &row)?)),
        None => Ok(None),
    }
}

/// Records by ids (order not kept).
pub async fn get_many(conn: &mut Conn, def: &TableDef, ids: &[i64]) -> Result<Vec<Map<String, Value>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::default();
    let marks: Vec<String> = ids.iter().map(|i| sql.arg(Val::Int(Some(*i)))).collect();
    sql.text = format!("SELECT {} FROM {} WHERE id IN ({})", select_list(def), def.table, marks.join(", "));
    sql.fetch_all(conn).await?.iter().map(|r| decode(def, r)).collect()
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListSpec {
    /// Equality filters on declared filter columns.
    pub filters: Vec<(String, Val)>,
    /// A text that one of the search columns must contain (case-insensitive).
    pub q: Option<String>,
    /// Further conditions, each with `?` placeholders and their values.
    pub conds: Vec<(String, Vec<Val>)>,
    /// The caller's customer scope, applied to this column (`id` for customers, else `customer_id`).
    pub scope: Option<(CustomerScope, &'static str)>,
    /// Column to sort by, and whether descending; ties break on id.
    pub sort: Option<(String, bool)>,
    pub limit: i64,
    pub offset: i64,
    /// Skip counting all matches (`total` is then the page's length).
    pub no_count: bool,
    /// Words that must each be found (the type-ahead's search): in a search
    /// column, in the name of the record's customer, or as the city (a site's
    /// or branch's `city_code` under one of the division code prefixes).
    pub words: Vec<Word>,
    /// Only these ids.
    pub ids: Option<Vec<i64>>,
}

/// One word of a type-ahead search.
#[derive(Debug, Clone, Default)]
pub struct Word {
    pub needle: String,
    /// Division code prefixes of the cities the word names (`3201` for 南京).
    pub city_prefixes: Vec<String>,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
pub fn like_pattern(needle: &str) -> String {
    let mut s = String::from("%");
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// A page of records and the total that match.
pub async fn list(conn: &mut Conn, def: &TableDef, spec: &ListSpec) -> Result<(Vec<Map<String, Value>>, i64)> {
    let mut sql = Sql::default();
    let mut conds: Vec<String> = Vec::new();
    for (col, v) in &spec.filters {
        let mark = sql.arg(v.clone());
        conds.push(format!("{col} = {mark}"));
    }
    if let Some(q) = &spec.q
        && !def.search.is_empty()
    {
        let mark = sql.arg(Val::Text(Some(like_pattern(&q.to_lowercase()))));
        let ors: Vec<String> = def.search.iter().map(|c| format!("lower({c}) LIKE {mark} ESCAPE '\\'")).collect();
        conds.push(format!("({})", ors.join(" OR ")));
    }
    for w in &spec.words {
        let mark = sql.arg(Val::Text(Some(like_pattern(&w.needle.to_lowercase()))));
        let mut ors: Vec<String> = def.search.iter().map(|c| format!("lower({c}) LIKE {mark} ESCAPE '\\'")).collect();
        if def.link == Link::Column {
            ors.push(format!(
                "customer_id IN (SELECT id FROM customers WHERE lower(name) LIKE {mark} ESCAPE '\\' \
                 OR lower(short_name) LIKE {mark} ESCAPE '\\')"
            ));
        }
        if def.col("city_code").is_some() {
            for p in w.city_prefixes.iter().take(20) {
                let m = sql
                    .arg(Val::Text(Some(format!("{}%", p.chars().filter(char::is_ascii_digit).collect::<String>()))));
                ors.push(format!("city_code LIKE {m}"));
            }
        }
        conds.push(format!("({})", ors.join(" OR ")));
    }
    if let Some(ids) = &spec.ids {
        if ids.is_empty() {
            conds.push("1 = 0".to_owned());
        } else {
            let marks: Vec<String> = ids.iter().map(|i| sql.arg(Val::Int(Some(*i)))).collect();
            conds.push(format!("id IN ({})", marks.join(", ")));
        }
    }
    for (text, vals) in &spec.conds {
        let mut rendered = String::new();
        let mut vals = vals.iter();
        for ch in text.chars() {
            if ch == '?' {
                rendered.push_str(&sql.arg(vals.next().cloned().unwrap_or(Val::Int(None))));
            } else {
                rendered.push(ch);
            }
        }
        conds.push(format!("({rendered})"));
    }
    if let Some((scope, col)) = &spec.scope
        && let Some(cond) = scope_condition(&mut sql, scope, col)
    {
        conds.push(cond);
    }
    let where_ = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let total: i64 = if spec.no_count {
        -1
    } else {
        let count_sql = Sql { text: format!("SELECT COUNT(*) FROM {}{where_}", def.table), args: sql.args.clone() };
        count_sql.query().fetch_one(&mut *conn).await.map_err(classify)?.try_get(0)?
    };
    let order = match &spec.sort {
        Some((col, desc)) => {
            format!("{col} {}, id {}", if *desc { "DESC" } else { "ASC" }, if *desc { "DESC" } else { "ASC" })
        }
        None => "id ASC".to_owned(),
    };
    let lim = sql.arg(Val::Int(Some(spec.limit)));
    let off = sql.arg(Val::Int(Some(spec.offset)));
    sql.text =
        format!("SELECT {} FROM {}{where_} ORDER BY {order} LIMIT {lim} OFFSET {off}", select_list(def), def.table);
    let rows = sql.fetch_all(conn).await?;
    let items = rows.iter().map(|r| decode(def, r)).collect::<Result<Vec<_>>>()?;
    let total = if total < 0 { items.len() as i64 } else { total };
    Ok((items, total))
}

/// Whether a row exists, and its `customer_id` when the table has one.
pub async fn owner_of(conn: &mut Conn, table: &str, has_customer: bool, id: i64) -> Result<Option<Option<i64>>> {
    let col = if has_customer { "customer_id" } else { "NULL AS customer_id" };
    let mut sql = Sql::default();
    let mark = sql.arg(Val::Int(Some(id)));
    sql.text = format!("SELECT {col} FROM {table} WHERE id = {mark}");
    match sql.fetch_optional(conn).await? {
        Some(row) => Ok(Some(if has_customer { Some(row.try_get::<i64, _>(0)?) } else { None })),
        None => Ok(None),
    }
}

/// The id of another record holding the same values in `cols`, if any.
pub async fn find_duplicate(
    conn: &mut Conn,
    def: &TableDef,
    cols: &[&str],
    data: &Map<String, Value>,
    exclude: Option<i64>,
) -> Result<Option<i64>> {
    let mut sql = Sql::default();
    let mut conds = Vec::new();
    for name in cols {
        let Some(c) = def.cols.iter().find(|c| c.name == *name) else {
            continue;
        };
        let v = to_val(c.kind, data.get(*name))?;
        if matches!(v, Val::Int(None) | Val::Text(None)) {
            return Ok(None);
        }
        let mark = sql.arg(v);
        conds.push(format!("{name} = {mark}"));
    }
    if let Some(x) = exclude {
        let mark = sql.arg(Val::Int(Some(x)));
        conds.push(format!("id <> {mark}"));
    }
    if conds.is_empty() {
        return Ok(None);
    }
    sql.text = format!("SELECT id FROM {} WHERE {} LIMIT 1", def.table, conds.join(" AND "));
    match sql.fetch_optional(conn).await? {
        Some(row) => Ok(Some(row.try_get::<i64, _>(0)?)),
        None => Ok(None),
    }
}

/// The SQL condition that keeps `col` (a customer id) inside a scope; `None`
/// when the scope is everything.
pub fn scope_condition(sql: &mut Sql, scope: &CustomerScope, col: &str) -> Option<String> {
    match scope {
        CustomerScope::All => None,
        CustomerScope::Nothing => Some("1 = 0".to_owned()),
        CustomerScope::Customer(c) => {
            let m = sql.arg(Val::Int(Some(c.0)));
            Some(format!("{col} = {m}"))
        }
        CustomerScope::Partner(p) => {
            let m = sql.arg(Val::Int(Some(p.0)));
            Some(format!("{col} IN (SELECT customer_id FROM projects WHERE partner_id = {m})"))
        }
        CustomerScope::Team { team, engineer } => {
            let e = sql.arg(Val::Int(Some(engineer.0)));
            let t = sql.arg(Val::Int(team.map(|t| t.0)));
            Some(format!(
                "{col} IN (SELECT customer_id FROM projects WHERE implementation_engineer_id = {e} OR dedicated_team_id = {t})"
            ))
        }
    }
}

/// Whether a customer lies inside a scope.
pub async fn customer_in_scope(conn: &mut Conn, scope: &CustomerScope, customer: i64) -> Result<bool> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Int(Some(customer)));
    let cond = scope_condition(&mut sql, scope, "id");
    sql.text = match cond {
        Some(c) => format!("SELECT 1 FROM customers WHERE id = {m} AND {c}"),
        None => format!("SELECT 1 FROM customers WHERE id = {m}"),
    };
    Ok(sql.fetch_optional(conn).await?.is_some())
}
