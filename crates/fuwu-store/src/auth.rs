//! Accounts: password hashes, sessions, API tokens and login attempts. Only
//! hashes of secrets are stored.

use crate::crud::{Sql, Val};
use crate::{Conn, Result};
use sqlx::Row;

/// The stored password hash and active flag of a login.
pub async fn credentials(conn: &mut Conn, login: &str) -> Result<Option<(i64, Option<String>, bool)>> {
    let row = sqlx::query("SELECT id, password_hash, active FROM users WHERE login = $1")
        .bind(login.to_owned())
        .fetch_optional(conn)
        .await?;
    match row {
        Some(r) => Ok(Some((r.try_get("id")?, r.try_get("password_hash")?, r.try_get::<i64, _>("active")? != 0))),
        None => Ok(None),
    }
}

/// The password hash of a user.
pub async fn password_hash(conn: &mut Conn, user_id: i64) -> Result<Option<String>> {
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_optional(conn).await?;
    Ok(match row {
        Some(r) => r.try_get("password_hash")?,
        None => None,
    })
}

pub async fn set_password_hash(conn: &mut Conn, user_id: i64, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash.to_owned())
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a login attempt.
pub async fn note_attempt(conn: &mut Conn, login: &str, ip: &str, at: i64, ok: bool) -> Result<()> {
    sqlx::query("INSERT INTO login_attempts (login, ip, at, succeeded) VALUES ($1, $2, $3, $4)")
        .bind(login.to_owned())
        .bind(ip.to_owned())
        .bind(at)
        .bind(i64::from(ok))
        .execute(conn)
        .await?;
    Ok(())
}

/// Failed attempts since `since` for this login, and from this address.
pub async fn recent_failures(conn: &mut Conn, login: &str, ip: &str, since: i64) -> Result<(i64, i64)> {
    let by_login: i64 =
        sqlx::query("SELECT COUNT(*) FROM login_attempts WHERE login = $1 AND at >= $2 AND succeeded = 0")
            .bind(login.to_owned())
            .bind(since)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    let by_ip: i64 = sqlx::query("SELECT COUNT(*) FROM login_attempts WHERE ip = $1 AND at >= $2 AND succeeded = 0")
        .bind(ip.to_owned())
        .bind(since)
        .fetch_one(conn)
        .await?
        .try_get(0)?;
    Ok((by_login, by_ip))
}

/// Creates a session.
pub async fn create_session(
    conn: &mut Conn,
    token_hash: &str,
    user_id: i64,
    csrf: &str,
    now: i64,
    expires: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(token_hash.to_owned())
    .bind(user_id)
    .bind(csrf.to_owned())
    .bind(now)
    .bind(expires)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user and CSRF token of a live session.
pub async fn session(conn: &mut Conn, token_hash: &str, now: i64) -> Result<Option<(i64, String, i64)>> {
    let row =
        sqlx::query("SELECT user_id, csrf_token, last_seen_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash.to_owned())
            .bind(now)
            .fetch_optional(conn)
            .await?;
    match row {
        Some(r) => Ok(Some((r.try_get("user_id")?, r.try_get("csrf_token")?, r.try_get("last_seen_at")?))),
        None => Ok(None),
    }
}

/// Ends a session.
pub async fn delete_session(conn: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Ends every session of a user (password change, deactivation).
pub async fn delete_user_sessions(conn: &mut Conn, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Revokes every live API token of a user (password change or reset): a token
/// taken with the old password must not outlive it.
pub async fn revoke_user_tokens(conn: &mut Conn, user_id: i64, now: i64) -> Result<u64> {
    let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

/// Moves a session's expiry (sliding expiry).
pub async fn touch_session(conn: &mut Conn, token_hash: &str, now: i64, expires: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
        .bind(now)
        .bind(expires)
        .bind(token_hash.to_owned())
        .execute(conn)
        .await?;
    Ok(())
}

/// An API token, without its secret.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

fn token_info(r: &sqlx::any::AnyRow) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        created_at: crate::ms_to_rfc3339(r.try_get("created_at")?),
        last_used_at: r.try_get::<Option<i64>, _>("last_used_at")?.map(crate::ms_to_rfc3339),
        revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map(crate::ms_to_rfc3339),
    })
}

const TOKEN_COLS: &str = "id, user_id, name, created_at, last_used_at, revoked_at";

pub async fn create_token(conn: &mut Conn, user_id: i64, name: &str, token_hash: &str, now: i64) -> Result<TokenInfo> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING {TOKEN_COLS}"
    )))
    .bind(user_id)
    .bind(name.to_owned())
    .bind(token_hash.to_owned())
    .bind(now)
    .fetch_one(conn)
    .await?;
    token_info(&row)
}

/// The user of a live (not revoked) token; marks it used.
/// The token id, last use and user record of a live token, in one query.
pub async fn token_with_user(
    conn: &mut Conn,
    token_hash: &str,
) -> Result<Option<(i64, Option<i64>, serde_json::Map<String, serde_json::Value>)>> {
    let text = format!(
        "SELECT {}, t.id AS token_id, t.last_used_at AS token_last_used FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        crate::crud::columns(&crate::tables::USER, "u.")
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(text)).bind(token_hash.to_owned()).fetch_optional(conn).await?;
    match row {
        Some(r) => Ok(Some((
            r.try_get("token_id")?,
            r.try_get("token_last_used")?,
            crate::crud::decode(&crate::tables::USER, &r)?,
        ))),
        None => Ok(None),
    }
}

/// Records a token's use.
pub async fn touch_token(conn: &mut Conn, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(conn).await?;
    Ok(())
}

pub async fn list_tokens(conn: &mut Conn, user_id: Option<i64>) -> Result<Vec<TokenInfo>> {
    let mut sql = Sql::new("");
    let cond = match user_id {
        Some(u) => format!(" WHERE user_id = {}", sql.arg(Val::Int(Some(u)))),
        None => String::new(),
    };
    sql.text = format!("SELECT {TOKEN_COLS} FROM api_tokens{cond} ORDER BY id");
    sql.fetch_all(conn).await?.iter().map(token_info).collect()
}

pub async fn get_token(conn: &mut Conn, id: i64) -> Result<Option<TokenInfo>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(token_info).transpose()
}

pub async fn revoke_token(conn: &mut Conn, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
