//! Queries of the service flow that the generic record code does not cover:
//! event numbers, journal sequence, open loads, settings.

use crate::crud::{Sql, Val};
use crate::{Conn, Result, classify};
use sqlx::Row;

/// The next event number of a year (1, 2, …), race-free on both databases.
pub async fn next_number(conn: &mut Conn, year: i64) -> Result<i64> {
    next_numbers(conn, year, 1).await
}

/// Reserves `k` consecutive numbers of a year; returns the last of them.
pub async fn next_numbers(conn: &mut Conn, year: i64, k: i64) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO event_counters (year, last) VALUES ($1, $2) \
         ON CONFLICT (year) DO UPDATE SET last = event_counters.last + $2 RETURNING last",
    )
    .bind(year)
    .bind(k)
    .fetch_one(conn)
    .await
    .map_err(classify)?;
    Ok(row.try_get(0)?)
}

/// The event recorded with a client's token, if any.
pub async fn by_client_token(conn: &mut Conn, token: &str) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT id FROM events WHERE client_token = $1")
        .bind(token.to_owned())
        .fetch_optional(conn)
        .await
        .map_err(classify)?;
    row.map(|r| Ok(r.try_get::<i64, _>(0)?)).transpose()
}

/// Holds an event's row until the transaction ends, so writers of one event
/// take turns (PostgreSQL `FOR NO KEY UPDATE`; SQLite's one writer already does).
pub async fn lock_event(conn: &mut Conn, event_id: i64) -> Result<()> {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        sqlx::query("SELECT id FROM events WHERE id = $1 FOR NO KEY UPDATE")
            .bind(event_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(classify)?;
    }
    Ok(())
}

/// The work record just like this one (same event, author, kind, text, flag
/// and minutes, no visit times) made at or after `since`: a repeated send.
#[allow(clippy::too_many_arguments)]
pub async fn same_work_since(
    conn: &mut Conn,
    event_id: i64,
    author: i64,
    kind: &str,
    body: &str,
    internal: bool,
    minutes: Option<i64>,
    since: i64,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT id FROM work_records WHERE event_id = $1 AND author_id = $2 AND kind = $3 AND body = $4 \
         AND internal = $5 AND COALESCE(minutes, -1) = $6 AND arrived_at IS NULL AND departed_at IS NULL \
         AND planned_at IS NULL AND created_at >= $7 ORDER BY id DESC LIMIT 1",
    )
    .bind(event_id)
    .bind(author)
    .bind(kind.to_owned())
    .bind(body.to_owned())
    .bind(i64::from(internal))
    .bind(minutes.unwrap_or(-1))
    .bind(since)
    .fetch_optional(conn)
    .await
    .map_err(classify)?;
    row.map(|r| Ok(r.try_get::<i64, _>(0)?)).transpose()
}

/// The next journal sequence number of an event. Two transactions writing to
/// one event at once (two notes, a note and an upload) would both read the same
/// `MAX(seq)`; so the event's row is locked first and the second writer reads
/// after the first committed. PostgreSQL: `SELECT … FOR NO KEY UPDATE` (READ
/// COMMITTED gives the next statement a fresh snapshot; not `FOR UPDATE`, which
/// would deadlock with the key-share locks that inserting the event's child rows
/// already holds); SQLite has one writer at a time, so the read is already
/// exclusive.
pub async fn next_seq(conn: &mut Conn, event_id: i64) -> Result<i64> {
    lock_event(conn, event_id).await?;
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 FROM event_journal WHERE event_id = $1")
        .bind(event_id)
        .fetch_one(conn)
        .await
        .map_err(classify)?;
    Ok(row.try_get(0)?)
}

/// A setting's JSON text.
pub async fn setting(conn: &mut Conn, key: &str) -> Result<Option<String>> {
    let mut sql = Sql::default();
    let m = sql.arg(Val::Text(Some(key.to_owned())));
    sql.text = format!("SELECT value FROM settings WHERE key = {m}");
    match sql.fetch_optional(conn).await? {
        Some(r) => Ok(Some(r.try_get(0)?)),
        None => Ok(None),
    }
}

/// A setting, written with `value` first if it is not there yet (the first
/// writer wins; every server then reads the same value).
pub async fn setting_or_insert(conn: &mut Conn, key: &str, value: &str, now: i64) -> Result<String> {
    sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING")
        .bind(key.to_owned())
        .bind(value.to_owned())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(classify)?;
    Ok(setting(conn, key).await?.unwrap_or_else(|| value.to_owned()))
}

pub async fn put_setting(conn: &mut Conn, key: &str, value: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key.to_owned())
    .bind(value.to_owned())
    .bind(now)
    .execute(conn)
    .await
    .map_err(classify)?;
    Ok(())
}

/// The condition for notifications a user may see by now (`?` is now).
pub const VISIBLE: &str = "(deliver_at IS NULL OR deliver_at <= ?)";

/// Unread notifications of a user, as far as they are visible by now.
pub async fn unread_count(conn: &mut Conn, user_id: i64, now: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read = 0 AND (deliver_at IS NULL OR deliver_at <= $2)",
    )
    .bind(user_id)
    .bind(now)
        .fetch_one(conn)
        .await
        .map_err(classify)?;
    Ok(row.try_get(0)?)
}

/// The active portal users of a customer: logins of its contacts.
pub async fn portal_users_of(conn: &mut Conn, customer_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT u.id FROM users u JOIN contacts k ON k.id = u.contact_id \
         WHERE u.role = 'customer' AND u.active = 1 AND k.customer_id = $1 ORDER BY u.id",
    )
    .bind(customer_id)
    .fetch_all(conn)
    .await
    .map_err(classify)?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
}

/// For history written after the fact (the demo): what was told before `before`
/// has been read, and no mail of it is waiting to go out.
pub async fn settle_history(conn: &mut Conn, before: i64) -> Result<()> {
    let mut sql = Sql::default();
    let b = sql.arg(Val::Int(Some(before)));
    sql.text = format!("UPDATE notifications SET read = 1 WHERE created_at < {b}");
    sql.execute(&mut *conn).await?;
    let sql = Sql { text: "DELETE FROM mail_jobs".into(), ..Default::default() };
    sql.execute(conn).await?;
    Ok(())
}

/// Marks notifications read (all of the user's when `ids` is empty).
pub async fn mark_read(conn: &mut Conn, user_id: i64, ids: &[i64], now: i64) -> Result<u64> {
    let mut sql = Sql::default();
    let n = sql.arg(Val::Int(Some(now)));
    let u = sql.arg(Val::Int(Some(user_id)));
    // Only what the user can see: a notice still waiting for working hours stays unread.
    let mut text = format!(
        "UPDATE notifications SET read = 1, updated_at = {n} WHERE user_id = {u} AND read = 0 \
         AND (deliver_at IS NULL OR deliver_at <= {n})"
    );
    if !ids.is_empty() {
        let marks: Vec<String> = ids.iter().map(|i| sql.arg(Val::Int(Some(*i)))).collect();
        text.push_str(&format!(" AND id IN ({})", marks.join(", ")));
    }
    sql.text = text;
    sql.execute(conn).await
}

/// Users of a role (active), e.g. every department manager to notify.
pub async fn users_with_role(conn: &mut Conn, role: &str) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id FROM users WHERE role = $1 AND active = 1 ORDER BY id")
        .bind(role.to_owned())
        .fetch_all(conn)
        .await
        .map_err(classify)?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
}

/// Open events of the given assignees and partner firms, in one query:
/// (assignee loads, partner loads).
pub async fn open_loads_of(
    conn: &mut Conn,
    users: &[i64],
    firms: &[i64],
) -> Result<(Vec<(i64, i64)>, Vec<(i64, i64)>)> {
    if users.is_empty() && firms.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let open = "state NOT IN ('closed', 'cancelled')";
    let mut sql = Sql::default();
    let mut parts = Vec::new();
    for (kind, col, ids) in [(0, "assignee_id", users), (1, "partner_id", firms)] {
        if ids.is_empty() {
            continue;
        }
        let marks: Vec<String> = ids.iter().map(|i| sql.arg(Val::Int(Some(*i)))).collect();
        parts.push(format!(
            "SELECT {kind} AS k, {col} AS who, COUNT(*) AS n FROM events WHERE {col} IN ({}) AND {open} GROUP BY {col}",
            marks.join(", ")
        ));
    }
    sql.text = parts.join(" UNION ALL ");
    let (mut u, mut p) = (Vec::new(), Vec::new());
    for r in sql.fetch_all(conn).await? {
        let pair = (r.try_get::<i64, _>("who")?, r.try_get::<i64, _>("n")?);
        if r.try_get::<i64, _>("k")? == 0 { u.push(pair) } else { p.push(pair) }
    }
    Ok((u, p))
}

/// Events the SLA sweeper must look at by `now`, earliest first.
pub async fn due_for_check(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id FROM events WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2")
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await
        .map_err(classify)?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
}

/// Whether an administrator has defined a calendar of this name.
pub async fn calendar_exists(conn: &mut Conn, name: &str) -> Result<bool> {
    let r = sqlx::query("SELECT COUNT(*) FROM calendars WHERE name = $1")
        .bind(name.to_owned())
        .fetch_one(conn)
        .await
        .map_err(classify)?;
    Ok(r.try_get::<i64, _>(0)? > 0)
}

/// How many service levels run on the calendar of this name.
pub async fn levels_on_calendar(conn: &mut Conn, name: &str) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) FROM service_levels WHERE calendar = $1")
        .bind(name.to_owned())
        .fetch_one(conn)
        .await
        .map_err(classify)?;
    Ok(r.try_get::<i64, _>(0)?)
}

/// Puts an event's next SLA check off until `at` (it could not be checked now).
pub async fn postpone_check(conn: &mut Conn, id: i64, at: i64) -> Result<()> {
    sqlx::query("UPDATE events SET next_check_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(conn)
        .await
        .map_err(classify)?;
    Ok(())
}

/// Every event with a pending check is looked at by the next sweep (after the
/// warning share was lowered).
pub async fn recheck_all(conn: &mut Conn, now: i64) -> Result<u64> {
    let r = sqlx::query("UPDATE events SET next_check_at = $1 WHERE next_check_at > $1")
        .bind(now)
        .execute(conn)
        .await
        .map_err(classify)?;
    Ok(r.rows_affected())
}

/// Active engineers of a tier (`L1`, `L2`, `L3`), by name: (id, name).
pub async fn engineers_of_tier(conn: &mut Conn, tier: &str) -> Result<Vec<(i64, String)>> {
    let rows =
        sqlx::query("SELECT id, name FROM users WHERE role = 'engineer' AND tier = $1 AND active = 1 ORDER BY name")
            .bind(tier.to_owned())
            .fetch_all(conn)
            .await
            .map_err(classify)?;
    rows.iter().map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?))).collect()
}

/// Open events counted by one column (`priority`, `tier`, `branch_id`, `state`),
/// largest group first. The column comes from a fixed list, never from input.
pub async fn open_counts_by(conn: &mut Conn, column: &str) -> Result<Vec<(String, i64)>> {
    let col = match column {
        "priority" => "priority",
        "tier" => "tier",
        "branch_id" => "branch_id",
        "state" => "state",
        _ => return Ok(vec![]),
    };
    let sql = format!(
        "SELECT COALESCE(CAST({col} AS TEXT), '') AS k, COUNT(*) AS n FROM events \
         WHERE state NOT IN ('closed', 'cancelled') GROUP BY {col} ORDER BY n DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await.map_err(classify)?;
    rows.iter().map(|r| Ok((r.try_get::<String, _>("k")?, r.try_get::<i64, _>("n")?))).collect()
}

/// What a restored copy holds: its number of events and the stored file name
/// of every attachment (to check each against the files folder).
pub async fn backup_census(conn: &mut Conn) -> Result<(i64, Vec<String>)> {
    let events: i64 =
        sqlx::query("SELECT COUNT(*) FROM events").fetch_one(&mut *conn).await.map_err(classify)?.try_get(0)?;
    let rows =
        sqlx::query("SELECT stored_name FROM attachments ORDER BY id").fetch_all(conn).await.map_err(classify)?;
    let names = rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((events, names))
}
