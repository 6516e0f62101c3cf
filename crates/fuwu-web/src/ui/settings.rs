//! SLA settings for administrators: the warning share, a due-time preview on
//! any calendar (what `fuwu sla due` prints), and links to the calendars and
//! the official days (holidays, adjusted working days) they maintain.

use super::form::{Fields, Problems, check_csrf, get};
use super::{Ctx, fail, render_status};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get as get_route;
use fuwu_app::AppError;
use fuwu_app::sla::SlaSettings;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/settings/sla", get_route(page).post(save))
}

#[derive(Deserialize, Default)]
struct Preview {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    duration: Option<String>,
    #[serde(default)]
    calendar: Option<String>,
}

#[derive(Template)]
#[template(path = "settings_sla.html")]
struct SettingsPage<'a> {
    ctx: &'a Ctx,
    warning_percent: i64,
    start: String,
    duration: String,
    calendar: String,
    due: Option<String>,
    problems: Problems,
    saved: bool,
}

async fn show(s: &AppState, ctx: &Ctx, p: Preview, problems: Problems, saved: bool) -> Response {
    let settings = match s.app.db.reader().acquire().await {
        Ok(mut conn) => fuwu_app::sla::settings(&mut conn).await,
        Err(e) => Err(AppError::from(e)),
    };
    let settings = match settings {
        Ok(x) => x,
        Err(e) => return fail(ctx, e),
    };
    let start = p.start.filter(|x| !x.trim().is_empty()).unwrap_or_else(|| {
        s.app.clock.now().to_zoned_datetime(ctx.tz.clone()).strftime("%Y-%m-%dT%H:%M:00%:z").to_string()
    });
    let duration = p.duration.filter(|x| !x.trim().is_empty()).unwrap_or_else(|| "4h".into());
    let calendar = p.calendar.filter(|x| !x.trim().is_empty()).unwrap_or_else(|| "5x8".into());
    let mut problems = problems;
    let due = match fuwu_app::calendars::preview(&s.app, Some(&ctx.caller), &calendar, &start, &duration).await {
        Ok(d) => Some(d),
        Err(e) => {
            let p2 = Problems::of(ctx.lang, &e);
            problems.fields.extend(p2.fields);
            if problems.general.is_none() {
                problems.general = p2.general;
            }
            None
        }
    };
    let status = if problems.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(
        status,
        &SettingsPage {
            ctx,
            warning_percent: settings.warning_percent,
            start,
            duration,
            calendar,
            due,
            problems,
            saved,
        },
    )
}

async fn page(State(s): State<AppState>, ctx: Ctx, Query(p): Query<Preview>) -> Response {
    show(&s, &ctx, p, Problems::default(), false).await
}

async fn save(State(s): State<AppState>, ctx: Ctx, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let pct = get(&f, "warning_percent").and_then(|v| v.parse::<i64>().ok()).unwrap_or(-1);
    match fuwu_app::sla::set_settings(&s.app, &ctx.caller, SlaSettings { warning_percent: pct }).await {
        Ok(_) => show(&s, &ctx, Preview::default(), Problems::default(), true).await,
        Err(e @ (AppError::Forbidden(_) | AppError::Refused { forbidden: true, .. })) => fail(&ctx, e),
        Err(e) => show(&s, &ctx, Preview::default(), Problems::of(ctx.lang, &e), false).await,
    }
}
