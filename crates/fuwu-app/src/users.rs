//! Users: creation with a password, the caller's own record.

use crate::App;
use crate::auth::{check_password, hash_password};
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::{Stored, create_in, load_raw};
use fuwu_core::access::{Actor, Cap};
use fuwu_core::ids::*;
use fuwu_core::records::User;
use fuwu_store::{Conn, tables};
use serde_json::Value;

/// Builds the caller for a user id; `None` for an unknown or deactivated user.
pub async fn caller_for(conn: &mut Conn, user_id: i64) -> Result<Option<Caller>, AppError> {
    let Some(m) = fuwu_store::crud::get(conn, &tables::USER, user_id).await? else {
        return Ok(None);
    };
    caller_from(conn, m).await
}

/// Builds the caller from a stored user record; `None` when deactivated.
pub async fn caller_from(conn: &mut Conn, m: serde_json::Map<String, Value>) -> Result<Option<Caller>, AppError> {
    let user: Stored<User> = Stored::from_map(m)?;
    if !user.data.active {
        return Ok(None);
    }
    let customer_id = match user.data.contact_id {
        Some(c) => fuwu_store::crud::get(conn, &tables::CONTACT, c.0)
            .await?
            .and_then(|m| m.get("customer_id").and_then(Value::as_i64))
            .map(CustomerId),
        None => None,
    };
    let actor = Actor {
        user_id: UserId(user.id),
        role: user.data.role,
        tier: user.data.tier,
        team_id: user.data.team_id,
        partner_id: user.data.partner_id,
        customer_id,
    };
    Ok(Some(Caller { user, actor }))
}

/// Creates a user with a password. `caller` is `None` for the CLI.
pub async fn create_user(
    app: &App,
    caller: Option<&Caller>,
    user: User,
    password: &str,
) -> Result<Stored<User>, AppError> {
    if let Some(c) = caller {
        c.require(Cap::ManageUsers)?;
    }
    check_password("password", password)?;
    let hash = hash_password(password).await?;
    let mut tx = app.db.begin().await?;
    let stored = create_in(&mut tx, app.clock.now(), caller, user).await?;
    fuwu_store::auth::set_password_hash(&mut tx, stored.id, &hash).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Sets another user's password (admins), ending that user's sessions and revoking its API tokens.
pub async fn set_password(app: &App, caller: Option<&Caller>, user_id: i64, password: &str) -> Result<(), AppError> {
    if let Some(c) = caller {
        c.require(Cap::ManageUsers)?;
    }
    check_password("password", password)?;
    let hash = hash_password(password).await?;
    let mut tx = app.db.begin().await?;
    load_raw(&mut tx, &tables::USER, user_id).await?;
    let now = app.clock.now_ms();
    fuwu_store::auth::set_password_hash(&mut tx, user_id, &hash).await?;
    fuwu_store::auth::delete_user_sessions(&mut tx, user_id).await?;
    let revoked = fuwu_store::auth::revoke_user_tokens(&mut tx, user_id, now).await?;
    fuwu_store::audit::record(
        &mut tx,
        now,
        caller.map(|c| c.id().0),
        "user",
        user_id,
        "set_password",
        None,
        Some(&serde_json::json!({"tokens_revoked": revoked})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether any user exists (a fresh database has none).
pub async fn any_user(app: &App) -> Result<bool, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let (_, total) = fuwu_store::crud::list(
        &mut conn,
        &tables::USER,
        &fuwu_store::crud::ListSpec { limit: 1, ..Default::default() },
    )
    .await?;
    Ok(total > 0)
}

/// A user changes their own UI language (`zh-CN` or `en`).
pub async fn set_language(app: &App, caller: &Caller, lang: fuwu_core::role::Language) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let id = caller.id().0;
    let before = crate::records::load_raw(&mut tx, &tables::USER, id).await?;
    let mut after = before.clone();
    after.insert("language".into(), serde_json::json!(fuwu_core::i18n::code(lang)));
    let version = before.get("version").and_then(Value::as_i64).unwrap_or(1);
    let now = app.clock.now_ms();
    if !fuwu_store::crud::update(&mut tx, &tables::USER, id, version, &after, now).await? {
        return Err(AppError::Conflict {
            message: "the account changed meanwhile; try again".into(),
            field: None,
            current: None,
        });
    }
    let (b, a) = (Value::Object(before), Value::Object(after));
    fuwu_store::audit::record(&mut tx, now, Some(id), "user", id, "set_language", Some(&b), Some(&a)).await?;
    tx.commit().await?;
    Ok(())
}
