//! The e-mail queue's SQL: enqueue in the caller's transaction; claim due rows
//! (leased to one worker, `FOR UPDATE SKIP LOCKED` on PostgreSQL); mark sent,
//! or put back with a later attempt time.

use crate::dialect::Dialect;
use crate::{Conn, Result, classify};
use sqlx::Row;

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub user_id: Option<i64>,
    pub event_id: Option<i64>,
    pub to_addr: &'a str,
    pub lang: &'a str,
    pub kind: &'a str,
    /// What the templates need, as JSON.
    pub payload: &'a str,
    /// Not before this instant (ms): business hours of a 5×8 contract.
    pub not_before: i64,
}

pub async fn enqueue(conn: &mut Conn, m: &NewMail<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO mail_jobs (user_id, event_id, to_addr, lang, kind, payload, state, attempts, not_before, \
         claimed_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $7, 0, $8)",
    )
    .bind(m.user_id)
    .bind(m.event_id)
    .bind(m.to_addr)
    .bind(m.lang)
    .bind(m.kind)
    .bind(m.payload)
    .bind(m.not_before)
    .bind(now)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// A claimed message.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub event_id: Option<i64>,
    pub to_addr: String,
    pub lang: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// Claims up to `limit` due messages for `worker` until `lease_until` (ms). A
/// claimed row is invisible to other workers until it is marked or its lease
/// runs out (a worker that died mid-send).
pub async fn claim(
    conn: &mut Conn,
    dialect: Dialect,
    worker: &str,
    now: i64,
    lease_until: i64,
    limit: i64,
) -> Result<Vec<Job>> {
    let sql = format!(
        "UPDATE mail_jobs SET claimed_by = $1, claimed_until = $2 WHERE id IN (SELECT id FROM mail_jobs \
         WHERE state = 'queued' AND not_before <= $3 AND claimed_until <= $3 ORDER BY id LIMIT $4{}) \
         RETURNING id, event_id, to_addr, lang, kind, payload, attempts",
        dialect.skip_locked()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(worker)
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await
        .map_err(classify)?;
    let mut jobs = rows
        .iter()
        .map(|r| {
            Ok(Job {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                to_addr: r.try_get("to_addr")?,
                lang: r.try_get("lang")?,
                kind: r.try_get("kind")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect::<Result<Vec<Job>>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// The message went out. Only the worker holding the claim may say so.
pub async fn mark_sent(conn: &mut Conn, id: i64, worker: &str, now: i64) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE mail_jobs SET state = 'sent', sent_at = $1, attempts = attempts + 1, claimed_until = 0 \
         WHERE id = $2 AND claimed_by = $3 AND state = 'queued'",
    )
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(r.rows_affected() == 1)
}

/// Sending failed: try again at `retry_at`, or give up (`state = 'failed'`) when `retry_at` is `None`.
pub async fn mark_failed(conn: &mut Conn, id: i64, worker: &str, error: &str, retry_at: Option<i64>) -> Result<()> {
    let state = if retry_at.is_some() { "queued" } else { "failed" };
    sqlx::query(
        "UPDATE mail_jobs SET state = $1, attempts = attempts + 1, not_before = $2, claimed_until = 0, \
         last_error = $3 WHERE id = $4 AND claimed_by = $5 AND state = 'queued'",
    )
    .bind(state)
    .bind(retry_at.unwrap_or(0))
    .bind(error)
    .bind(id)
    .bind(worker)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// Counts of the queue by state, for `fuwu mail status`, metrics and tests.
pub async fn counts(conn: &mut Conn) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM mail_jobs GROUP BY state ORDER BY state")
        .fetch_all(conn)
        .await
        .map_err(classify)?;
    rows.iter().map(|r| Ok((r.try_get("state")?, r.try_get("n")?))).collect()
}

/// One message's state, attempts and last error (tests, operators).
pub async fn status(conn: &mut Conn, id: i64) -> Result<Option<(String, i64, Option<String>, i64)>> {
    let row = sqlx::query("SELECT state, attempts, last_error, not_before FROM mail_jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(classify)?;
    row.map(|r| Ok((r.try_get("state")?, r.try_get("attempts")?, r.try_get("last_error")?, r.try_get("not_before")?)))
        .transpose()
}

/// Ids of the messages queued for an event, oldest first.
pub async fn of_event(conn: &mut Conn, event_id: i64) -> Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query("SELECT id, to_addr, kind FROM mail_jobs WHERE event_id = $1 ORDER BY id")
        .bind(event_id)
        .fetch_all(conn)
        .await
        .map_err(classify)?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("to_addr")?, r.try_get("kind")?))).collect()
}

/// Recipients' e-mail address, language and whether they are active.
pub async fn recipients(conn: &mut Conn, ids: &[i64]) -> Result<Vec<(i64, Option<String>, Option<String>, bool)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT id, email, language, active FROM users WHERE id IN ({})", marks.join(", "));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(conn).await.map_err(classify)?;
    rows.iter()
        .map(|r| {
            Ok((r.try_get("id")?, r.try_get("email")?, r.try_get("language")?, r.try_get::<i64, _>("active")? != 0))
        })
        .collect()
}

/// Puts every failed message back in the queue, due at `now`, with its attempts reset.
pub async fn retry_failed(conn: &mut Conn, now: i64) -> Result<u64> {
    let r = sqlx::query(
        "UPDATE mail_jobs SET state = 'queued', attempts = 0, not_before = $1, claimed_until = 0 WHERE state = 'failed'",
    )
    .bind(now)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(r.rows_affected())
}
