//! Logins, sessions and API tokens. Passwords are hashed with Argon2id; session
//! and API tokens are random 256-bit values of which only the SHA-256 is stored.

use crate::caller::Caller;
use crate::error::AppError;
use crate::records::{Stored, load_raw};
use crate::{App, users};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use fuwu_core::access::Cap;
use fuwu_store::auth::{self as store, TokenInfo};
use fuwu_store::tables;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Minimum password length.
pub const MIN_PASSWORD: usize = 8;

/// A new random secret with a readable prefix.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The stored form of a secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hashes a password with Argon2id (on a blocking thread: it takes tens of ms).
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        Argon2::default()
            .hash_password_with_salt(pw.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn verify_password(password: &str, hash: &str) -> bool {
    let (pw, h) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&h).is_ok_and(|parsed| Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Checks a new password against the policy.
pub fn check_password(field: &str, pw: &str) -> Result<(), AppError> {
    if pw.chars().count() < MIN_PASSWORD {
        return Err(AppError::invalid(
            field,
            "too_short",
            format!("{field} must have at least {MIN_PASSWORD} characters"),
        ));
    }
    if pw.len() > 1024 {
        return Err(AppError::invalid(field, "too_long", format!("{field} is too long")));
    }
    Ok(())
}

/// A new browser session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value (shown once, never stored).
    pub token: String,
    pub csrf: String,
    pub caller: Caller,
}

/// Logs in with a password. Refused with 429 after too many failures for the
/// login or from the address within the window, even with the right password.
pub async fn login(app: &App, login: &str, password: &str, ip: &str) -> Result<NewSession, AppError> {
    let now = app.clock.now_ms();
    let cfg = &app.config;
    let since = now - cfg.login_window_minutes * 60_000;
    let mut conn = app.db.reader().acquire().await?;
    let (by_login, by_ip) = store::recent_failures(&mut conn, login, ip, since).await?;
    if by_login >= cfg.login_max_failures || by_ip >= cfg.login_max_failures_per_ip {
        return Err(AppError::TooMany(format!(
            "too many failed logins; try again in {} minutes",
            cfg.login_window_minutes
        )));
    }
    let creds = store::credentials(&mut conn, login).await?;
    drop(conn);
    let ok = match &creds {
        Some((_, Some(hash), true)) => verify_password(password, hash).await,
        _ => {
            // Spend the same time as a real check, so timing does not reveal logins.
            let _ = verify_password(password, DUMMY_HASH).await;
            false
        }
    };
    let mut tx = app.db.begin().await?;
    store::note_attempt(&mut tx, login, ip, now, ok).await?;
    let Some((user_id, _, _)) = creds.filter(|_| ok) else {
        tx.commit().await?;
        return Err(AppError::Unauthenticated);
    };
    let token = new_secret("s_");
    let csrf = new_secret("");
    let expires = now + cfg.session_idle_minutes * 60_000;
    store::create_session(&mut tx, &digest(&token), user_id, &csrf, now, expires).await?;
    let caller = users::caller_for(&mut tx, user_id).await?.ok_or(AppError::Unauthenticated)?;
    tx.commit().await?;
    Ok(NewSession { token, csrf, caller })
}

/// How long a login form may be sent after it was shown.
pub const LOGIN_FORM_TTL_MS: i64 = 2 * 3600 * 1000;

/// HMAC-SHA-256 (RFC 2104).
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let (mut ipad, mut opad) = ([0x36u8; 64], [0x5cu8; 64]);
    for i in 0..64 {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let inner = Sha256::new().chain_update(ipad).chain_update(msg).finalize();
    Sha256::new().chain_update(opad).chain_update(inner).finalize().into()
}

/// The server's secret for signing login forms: made once, kept in the
/// settings, shared by every server on the database.
async fn form_secret(app: &App) -> Result<String, AppError> {
    if let Some(s) = app.cache.form_secret.get() {
        return Ok(s.clone());
    }
    let mut tx = app.db.begin().await?;
    let s = fuwu_store::events::setting_or_insert(&mut tx, "login_form_secret", &new_secret(""), app.clock.now_ms())
        .await?;
    tx.commit().await?;
    Ok(app.cache.form_secret.get_or_init(|| s).clone())
}

/// A login form's CSRF token, `<nonce>.<valid until, ms>.<HMAC of both>`: only
/// a token this server issued, within [`LOGIN_FORM_TTL_MS`], is accepted — an
/// equal cookie and field made up by someone else are not.
pub async fn login_form_token(app: &App) -> Result<String, AppError> {
    let secret = form_secret(app).await?;
    let body = format!("{}.{}", new_secret(""), app.clock.now_ms() + LOGIN_FORM_TTL_MS);
    Ok(format!("{body}.{}", hex::encode(hmac_sha256(secret.as_bytes(), body.as_bytes()))))
}

/// Whether a login form's token is one this server issued and still valid.
pub async fn login_form_token_ok(app: &App, token: &str) -> Result<bool, AppError> {
    let Some((body, mac)) = token.rsplit_once('.') else { return Ok(false) };
    let Some(until) = body.split_once('.').and_then(|(_, u)| u.parse::<i64>().ok()) else { return Ok(false) };
    let secret = form_secret(app).await?;
    let want = hex::encode(hmac_sha256(secret.as_bytes(), body.as_bytes()));
    Ok(app.clock.now_ms() <= until && constant_eq(mac, &want))
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An Argon2id hash of a random password, verified against for unknown logins.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$V4ImKUZ2yq5F5sQQ2v4E9O5lKc7Jm1mFJgqQbSxmkFc";

/// How often a session's expiry is moved at most: every request a minute or
/// more after the last move slides it, so an active session never expires and
/// reads in a burst do not each become a write.
pub const SLIDE_EVERY_MS: i64 = 60_000;

/// The caller and CSRF token of a live session; slides its expiry.
pub async fn session(app: &App, token: &str) -> Result<(Caller, String), AppError> {
    session_sliding(app, token).await.map(|(c, csrf, _)| (c, csrf))
}

/// [`session`], and whether this request moved its expiry (the cookie's
/// `Max-Age` is then renewed with it).
pub async fn session_sliding(app: &App, token: &str) -> Result<(Caller, String, bool), AppError> {
    let now = app.clock.now_ms();
    let hash = digest(token);
    let mut conn = app.db.reader().acquire().await?;
    let (user_id, csrf, last_seen) = store::session(&mut conn, &hash, now).await?.ok_or(AppError::Unauthenticated)?;
    let caller = users::caller_for(&mut conn, user_id).await?.ok_or(AppError::Unauthenticated)?;
    drop(conn);
    let expires = now + app.config.session_idle_minutes * 60_000;
    let slide = now - last_seen >= SLIDE_EVERY_MS.min(app.config.session_idle_minutes * 60_000 / 2);
    if slide {
        let mut tx = app.db.begin().await?;
        sqlx_touch(&mut tx, &hash, now, expires).await?;
        tx.commit().await?;
    }
    Ok((caller, csrf, slide))
}

async fn sqlx_touch(conn: &mut fuwu_store::Conn, hash: &str, now: i64, expires: i64) -> Result<(), AppError> {
    store::touch_session(conn, hash, now, expires).await?;
    Ok(())
}

/// Ends a session.
pub async fn logout(app: &App, token: &str) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    store::delete_session(&mut tx, &digest(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// The caller behind an API bearer token.
pub async fn bearer(app: &App, token: &str) -> Result<Caller, AppError> {
    let hash = digest(token);
    let now = app.clock.now_ms();
    let mut conn = app.db.reader().acquire().await?;
    let (id, last_used, user) = store::token_with_user(&mut conn, &hash).await?.ok_or(AppError::Unauthenticated)?;
    let caller = users::caller_from(&mut conn, user).await?.ok_or(AppError::Unauthenticated)?;
    drop(conn);
    // Record the use at most once a minute, so reads do not become writes.
    if last_used.is_none_or(|l| now - l > 60_000) {
        let mut tx = app.db.begin().await?;
        store::touch_token(&mut tx, id, now).await?;
        tx.commit().await?;
    }
    Ok(caller)
}

/// A new API token: the secret is shown once.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NewToken {
    /// The bearer token; it cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Creates an API token for the caller, or (admins) for another user.
pub async fn create_token(app: &App, caller: Option<&Caller>, user_id: i64, name: &str) -> Result<NewToken, AppError> {
    if let Some(c) = caller
        && c.id().0 != user_id
    {
        c.require(Cap::ManageUsers)?;
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "required", "name must be 1–100 characters"));
    }
    let mut tx = app.db.begin().await?;
    let user = load_raw(&mut tx, &tables::USER, user_id)
        .await
        .map_err(|_| AppError::invalid("user_id", "unknown_id", format!("there is no user with id {user_id}")))?;
    let _ = user;
    let token = new_secret("fuwu_");
    let now = app.clock.now_ms();
    let info = store::create_token(&mut tx, user_id, name, &digest(&token), now).await?;
    fuwu_store::audit::record(
        &mut tx,
        now,
        caller.map(|c| c.id().0),
        "api_token",
        info.id,
        "create",
        None,
        Some(&serde_json::json!({"user_id": user_id, "name": name})),
    )
    .await?;
    tx.commit().await?;
    Ok(NewToken { token, info })
}

/// Tokens of the caller (admins: of everyone, or of one user).
pub async fn list_tokens(app: &App, caller: &Caller, user_id: Option<i64>) -> Result<Vec<TokenInfo>, AppError> {
    let who = match user_id {
        Some(u) if u != caller.id().0 => {
            caller.require(Cap::ManageUsers)?;
            Some(u)
        }
        None if caller.can(Cap::ManageUsers) => None,
        _ => Some(caller.id().0),
    };
    let mut conn = app.db.reader().acquire().await?;
    Ok(store::list_tokens(&mut conn, who).await?)
}

/// Revokes a token of the caller's own (admins: anyone's).
pub async fn revoke_token(app: &App, caller: &Caller, id: i64) -> Result<TokenInfo, AppError> {
    let mut tx = app.db.begin().await?;
    let t = store::get_token(&mut tx, id).await?.ok_or(AppError::NotFound("api_token"))?;
    if t.user_id != caller.id().0 && !caller.can(Cap::ManageUsers) {
        return Err(AppError::NotFound("api_token"));
    }
    let now = app.clock.now_ms();
    store::revoke_token(&mut tx, id, now).await?;
    fuwu_store::audit::record(&mut tx, now, Some(caller.id().0), "api_token", id, "revoke", None, None).await?;
    let t = store::get_token(&mut tx, id).await?.ok_or(AppError::NotFound("api_token"))?;
    tx.commit().await?;
    Ok(t)
}

/// Changes the caller's own password; ends every session and revokes every API token of the user.
pub async fn change_password(app: &App, caller: &Caller, current: &str, new: &str) -> Result<(), AppError> {
    check_password("new_password", new)?;
    let mut conn = app.db.reader().acquire().await?;
    let hash = store::password_hash(&mut conn, caller.id().0).await?;
    drop(conn);
    if !matches!(&hash, Some(h) if verify_password(current, h).await) {
        return Err(AppError::invalid("current_password", "wrong_password", "the current password is not right"));
    }
    let new_hash = hash_password(new).await?;
    let mut tx = app.db.begin().await?;
    let now = app.clock.now_ms();
    store::set_password_hash(&mut tx, caller.id().0, &new_hash).await?;
    store::delete_user_sessions(&mut tx, caller.id().0).await?;
    let revoked = store::revoke_user_tokens(&mut tx, caller.id().0, now).await?;
    fuwu_store::audit::record(
        &mut tx,
        now,
        Some(caller.id().0),
        "user",
        caller.id().0,
        "change_password",
        None,
        Some(&serde_json::json!({"tokens_revoked": revoked})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads a user as a `Stored<User>` (for the CLI).
pub async fn user_by_login(app: &App, login: &str) -> Result<Option<Stored<fuwu_core::records::User>>, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let Some((id, _, _)) = store::credentials(&mut conn, login).await? else {
        return Ok(None);
    };
    Ok(Some(Stored::from_map(load_raw(&mut conn, &tables::USER, id).await?)?))
}
