//! Login, logout, the caller's own record and password, API tokens.

use super::doc::{Doc, Op, path_param};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Id, JsonBody, SESSION_COOKIE, client_ip, cookie};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use fuwu_app::records::Stored;
use fuwu_app::{AppError, Caller, auth};
use fuwu_core::access::{Cap, role_caps};
use fuwu_core::records::User;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Login credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub login: String,
    pub password: String,
}

/// Who the caller is and what it may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[schema(value_type = Object)]
    pub user: Stored<User>,
    #[schema(value_type = Vec<String>)]
    pub capabilities: Vec<Cap>,
    /// For session logins: the token to send in X-CSRF-Token with writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// A token request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// What the token is for, e.g. `监控告警接入`.
    pub name: String,
    /// Admins: create it for another user.
    #[serde(default)]
    pub user_id: Option<i64>,
}

pub fn me_of(c: &Caller, csrf: Option<String>) -> Me {
    Me { user: c.user.clone(), capabilities: role_caps(c.role()).to_vec(), csrf_token: csrf }
}

/// The Set-Cookie header of a session (or of its removal, with `None`).
pub fn session_cookie(state: &AppState, token: Option<&str>) -> HeaderValue {
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    let v = match token {
        Some(t) => format!(
            "{SESSION_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            state.app.config.session_idle_minutes * 60
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn login(State(s): State<AppState>, parts: Parts, JsonBody(input): JsonBody<LoginInput>) -> ApiResult<Response> {
    let session =
        auth::login(&s.app, input.login.trim(), &input.password, &client_ip(&parts, &s.config.trusted_proxies)).await?;
    let mut resp = Json(me_of(&session.caller, Some(session.csrf))).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&s, Some(&session.token)));
    Ok(resp)
}

async fn logout(State(s): State<AppState>, Auth(_c): Auth, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        auth::logout(&s.app, &t).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&s, None));
    Ok(resp)
}

async fn me(State(s): State<AppState>, Auth(c): Auth, headers: HeaderMap) -> ApiResult<Json<Me>> {
    let csrf = match cookie(&headers, SESSION_COOKIE) {
        Some(t) if headers.get(header::AUTHORIZATION).is_none() => {
            auth::session(&s.app, &t).await.ok().map(|(_, csrf)| csrf)
        }
        _ => None,
    };
    Ok(Json(me_of(&c, csrf)))
}

async fn change_password(
    State(s): State<AppState>,
    Auth(c): Auth,
    JsonBody(p): JsonBody<PasswordChange>,
) -> ApiResult<Response> {
    auth::change_password(&s.app, &c, &p.current_password, &p.new_password).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&s, None));
    Ok(resp)
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    user_id: Option<i64>,
}

async fn list_tokens(
    State(s): State<AppState>,
    Auth(c): Auth,
    q: Result<Query<TokenQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<serde_json::Value>> {
    let Query(q) = q.map_err(|e| ApiError(AppError::bad(format!("malformed query: {e}"), Some("user_id"))))?;
    let items = auth::list_tokens(&s.app, &c, q.user_id).await?;
    Ok(Json(json!({ "items": items })))
}

async fn create_token(
    State(s): State<AppState>,
    Auth(c): Auth,
    JsonBody(t): JsonBody<TokenInput>,
) -> ApiResult<(StatusCode, Json<auth::NewToken>)> {
    let user = t.user_id.unwrap_or(c.id().0);
    Ok((StatusCode::CREATED, Json(auth::create_token(&s.app, Some(&c), user, &t.name).await?)))
}

async fn revoke_token(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
) -> ApiResult<Json<fuwu_store::auth::TokenInfo>> {
    Ok(Json(auth::revoke_token(&s.app, &c, id).await?))
}

pub fn routes(r: Router<AppState>, doc: &mut Doc) -> Router<AppState> {
    let login_in = doc.schema::<LoginInput>();
    let me_s = doc.schema::<Me>();
    let pw = doc.schema::<PasswordChange>();
    let tok_in = doc.schema::<TokenInput>();
    let tok = doc.schema::<fuwu_store::auth::TokenInfo>();
    let new_tok = doc.schema::<auth::NewToken>();
    let t = "Accounts";
    doc.op(Op {
        method: "post",
        path: "/api/v1/auth/login",
        tag: t,
        summary: "Log in; sets the session cookie and returns the CSRF token",
        params: vec![],
        body: Some(login_in),
        ok_status: 200,
        ok: Some(me_s.clone()),
        errors: &[422, 429],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/auth/logout",
        tag: t,
        summary: "End the session",
        params: vec![],
        body: None,
        ok_status: 204,
        ok: None,
        errors: &[403],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/me",
        tag: t,
        summary: "The caller, its capabilities (and CSRF token for sessions)",
        params: vec![],
        body: None,
        ok_status: 200,
        ok: Some(me_s),
        errors: &[],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/me/password",
        tag: t,
        summary: "Change the caller's password (ends its sessions)",
        params: vec![],
        body: Some(pw),
        ok_status: 204,
        ok: None,
        errors: &[422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/tokens",
        tag: t,
        summary: "API tokens of the caller (admins: everyone's, or ?user_id=)",
        params: vec![super::doc::query_param("user_id", "integer", "admins: one user's tokens")],
        body: None,
        ok_status: 200,
        ok: Some(json!({"type": "object", "properties": {"items": {"type": "array", "items": tok.clone()}}})),
        errors: &[403],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/tokens",
        tag: t,
        summary: "Create an API token; the secret is shown once",
        params: vec![],
        body: Some(tok_in),
        ok_status: 201,
        ok: Some(new_tok),
        errors: &[403, 422],
    });
    doc.op(Op {
        method: "delete",
        path: "/api/v1/tokens/{id}",
        tag: t,
        summary: "Revoke an API token",
        params: vec![path_param("id", "integer")],
        body: None,
        ok_status: 200,
        ok: Some(tok),
        errors: &[404],
    });
    r.route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/password", post(change_password))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
}
