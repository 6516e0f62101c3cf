//! Housekeeping's SQL: a lease per periodic job (so several servers run it
//! once per period between them), and the deletes of what has outlived its use,
//! in bounded batches so a large backlog never holds the write lock for long.

use crate::{Conn, Result, classify};

/// Claims the job `name` for `holder` until `until` (ms) if nobody holds it at
/// `now`: true when this caller won. The lease row is created on first use;
/// afterwards one conditional update decides, so two servers never both win.
pub async fn claim_lease(conn: &mut Conn, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
    let row = sqlx::query(
        "INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = $2, until = $3 WHERE job_leases.until <= $4 RETURNING name",
    )
    .bind(name.to_owned())
    .bind(holder.to_owned())
    .bind(until)
    .bind(now)
    .fetch_optional(conn)
    .await
    .map_err(classify)?;
    Ok(row.is_some())
}

/// What one batch may delete at most.
pub const BATCH: i64 = 5_000;

/// Deletes up to [`BATCH`] sessions that expired at or before `now`.
pub async fn delete_expired_sessions(conn: &mut Conn, now: i64) -> Result<u64> {
    let r = sqlx::query(
        "DELETE FROM sessions WHERE token_hash IN \
         (SELECT token_hash FROM sessions WHERE expires_at <= $1 LIMIT $2)",
    )
    .bind(now)
    .bind(BATCH)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(r.rows_affected())
}

/// Deletes up to [`BATCH`] login attempts made before `before` (they no longer count).
pub async fn delete_login_attempts(conn: &mut Conn, before: i64) -> Result<u64> {
    let r =
        sqlx::query("DELETE FROM login_attempts WHERE id IN (SELECT id FROM login_attempts WHERE at < $1 LIMIT $2)")
            .bind(before)
            .bind(BATCH)
            .execute(conn)
            .await
            .map_err(classify)?;
    Ok(r.rows_affected())
}

/// Deletes up to [`BATCH`] mails sent before `before` (queued and failed ones stay).
pub async fn delete_sent_mail(conn: &mut Conn, before: i64) -> Result<u64> {
    let r = sqlx::query(
        "DELETE FROM mail_jobs WHERE id IN \
         (SELECT id FROM mail_jobs WHERE state = 'sent' AND sent_at < $1 LIMIT $2)",
    )
    .bind(before)
    .bind(BATCH)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(r.rows_affected())
}

/// Deletes up to [`BATCH`] read notifications created before `before` (unread ones stay).
pub async fn delete_read_notifications(conn: &mut Conn, before: i64) -> Result<u64> {
    let r = sqlx::query(
        "DELETE FROM notifications WHERE id IN \
         (SELECT id FROM notifications WHERE read = 1 AND created_at < $1 LIMIT $2)",
    )
    .bind(before)
    .bind(BATCH)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(r.rows_affected())
}
