//! The user's own page: notifications (mark read), change password, language.

use super::form::{Fields, Problems, check_csrf, get};
use super::{Ctx, fail, render, render_status};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get as get_route, post};
use fuwu_app::AppError;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get_route(page))
        .route("/account/password", post(password))
        .route("/account/language", post(language))
        .route("/account/notifications/read", post(read_all))
}

pub struct NoticeRow {
    pub id: i64,
    pub event_id: i64,
    pub title: String,
    pub at: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    ctx: &'a Ctx,
    notices: Vec<NoticeRow>,
    problems: Problems,
    done: bool,
}

async fn notices(s: &AppState, ctx: &Ctx) -> Result<Vec<NoticeRow>, AppError> {
    let (rows, _) = fuwu_app::mail::inbox(&s.app, &ctx.caller, 50, 0).await?;
    Ok(rows
        .into_iter()
        .map(|m| NoticeRow {
            id: m.get("id").and_then(Value::as_i64).unwrap_or_default(),
            event_id: m.get("event_id").and_then(Value::as_i64).unwrap_or_default(),
            title: m.get("title").and_then(Value::as_str).unwrap_or_default().to_owned(),
            at: m.get("created_at").and_then(Value::as_str).map(|t| ctx.at(t)).unwrap_or_default(),
            read: m.get("read").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect())
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Response {
    match notices(&s, &ctx).await {
        Ok(n) => render(&AccountPage { ctx: &ctx, notices: n, problems: Problems::default(), done: false }),
        Err(e) => fail(&ctx, e),
    }
}

async fn password(State(s): State<AppState>, ctx: Ctx, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let (current, new) = (get(&f, "current_password").unwrap_or_default(), get(&f, "new_password").unwrap_or_default());
    let outcome = if get(&f, "repeat").unwrap_or_default() != new {
        Err(AppError::invalid("repeat", "mismatch", ctx.t("account.mismatch")))
    } else {
        fuwu_app::auth::change_password(&s.app, &ctx.caller, current, new).await
    };
    let notices = notices(&s, &ctx).await.unwrap_or_default();
    match outcome {
        Ok(()) => render(&AccountPage { ctx: &ctx, notices, problems: Problems::default(), done: true }),
        Err(e) => {
            let problems = Problems::of(ctx.lang, &e);
            let status = crate::error::ApiError(e).parts().0;
            render_status(status, &AccountPage { ctx: &ctx, notices, problems, done: false })
        }
    }
}

async fn language(State(s): State<AppState>, ctx: Ctx, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let lang = fuwu_core::i18n::language(get(&f, "language").unwrap_or("zh-CN"));
    match fuwu_app::users::set_language(&s.app, &ctx.caller, lang).await {
        Ok(()) => (StatusCode::SEE_OTHER, [("location", "/account")]).into_response(),
        Err(e) => fail(&ctx, e),
    }
}

async fn read_all(State(s): State<AppState>, ctx: Ctx, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    match fuwu_app::mail::mark_read(&s.app, &ctx.caller, &[]).await {
        Ok(_) => Redirect::to("/account").into_response(),
        Err(e) => fail(&ctx, e),
    }
}
