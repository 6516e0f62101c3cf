//! The audit trail: who changed what, when, before and after. Written in the
//! same transaction as the change.

use crate::crud::{Sql, Val};
use crate::{Conn, Result, ms_to_rfc3339};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

/// One audit row.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Records a change.
#[expect(clippy::too_many_arguments, reason = "one audit row has this many facts")]
pub async fn record(
    conn: &mut Conn,
    at: i64,
    actor: Option<i64>,
    entity: &str,
    entity_id: i64,
    action: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<()> {
    let mut sql = Sql::default();
    let marks = [
        sql.arg(Val::Int(Some(at))),
        sql.arg(Val::Int(actor)),
        sql.arg(Val::Text(Some(entity.to_owned()))),
        sql.arg(Val::Int(Some(entity_id))),
        sql.arg(Val::Text(Some(action.to_owned()))),
        sql.arg(Val::Text(before.map(Value::to_string))),
        sql.arg(Val::Text(after.map(Value::to_string))),
    ];
    sql.text = format!(
        "INSERT INTO audit_log (at, actor_id, entity, entity_id, action, before_json, after_json) VALUES ({})",
        marks.join(", ")
    );
    sql.execute(conn).await?;
    Ok(())
}

/// Records several changes in one statement (a generated plan's engagements).
pub async fn record_many(
    conn: &mut Conn,
    at: i64,
    actor: Option<i64>,
    entity: &str,
    action: &str,
    rows: &[(i64, Value)],
) -> Result<()> {
    for chunk in rows.chunks(100) {
        let mut sql = Sql::default();
        let mut tuples = Vec::with_capacity(chunk.len());
        for (id, after) in chunk {
            let marks = [
                sql.arg(Val::Int(Some(at))),
                sql.arg(Val::Int(actor)),
                sql.arg(Val::Text(Some(entity.to_owned()))),
                sql.arg(Val::Int(Some(*id))),
                sql.arg(Val::Text(Some(action.to_owned()))),
                sql.arg(Val::Text(None)),
                sql.arg(Val::Text(Some(after.to_string()))),
            ];
            tuples.push(format!("({})", marks.join(", ")));
        }
        sql.text = format!(
            "INSERT INTO audit_log (at, actor_id, entity, entity_id, action, before_json, after_json) VALUES {}",
            tuples.join(", ")
        );
        sql.execute(conn).await?;
    }
    Ok(())
}

/// Audit rows, newest first, optionally of one entity or record.
pub async fn list(
    conn: &mut Conn,
    entity: Option<&str>,
    entity_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<Vec<AuditEntry>> {
    let mut sql = Sql::default();
    let mut conds = Vec::new();
    if let Some(e) = entity {
        conds.push(format!("entity = {}", sql.arg(Val::Text(Some(e.to_owned())))));
    }
    if let Some(i) = entity_id {
        conds.push(format!("entity_id = {}", sql.arg(Val::Int(Some(i)))));
    }
    let where_ = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let lim = sql.arg(Val::Int(Some(limit)));
    let off = sql.arg(Val::Int(Some(offset)));
    sql.text = format!(
        "SELECT id, at, actor_id, entity, entity_id, action, before_json, after_json FROM audit_log{where_} ORDER BY id DESC LIMIT {lim} OFFSET {off}"
    );
    let parse = |s: Option<String>| s.and_then(|t| serde_json::from_str(&t).ok());
    sql.fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: ms_to_rfc3339(r.try_get("at")?),
                actor_id: r.try_get("actor_id")?,
                entity: r.try_get("entity")?,
                entity_id: r.try_get("entity_id")?,
                action: r.try_get("action")?,
                before: parse(r.try_get("before_json")?),
                after: parse(r.try_get("after_json")?),
            })
        })
        .collect()
}
