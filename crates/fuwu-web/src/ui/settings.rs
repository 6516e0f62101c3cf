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
    Router::new()
        .route("/settings/sla", get_route(page).post(save))
        .route("/settings/holidays/import", axum::routing::post(import_days))
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
    /// The year whose official days should be added now, if any.
    missing_year: Option<i16>,
    /// What an import of official days just did.
    imported: Option<fuwu_app::calendars::OfficialDaysImport>,
}

async fn show(s: &AppState, ctx: &Ctx, p: Preview, problems: Problems, saved: bool) -> Response {
    shown(s, ctx, p, problems, saved, None).await
}

async fn shown(
    s: &AppState,
    ctx: &Ctx,
    p: Preview,
    problems: Problems,
    saved: bool,
    imported: Option<fuwu_app::calendars::OfficialDaysImport>,
) -> Response {
    let missing_year = match fuwu_app::calendars::missing_official_year(&s.app).await {
        Ok(y) => y,
        Err(e) => return fail(ctx, e),
    };
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
            missing_year,
            imported,
        },
    )
}

/// An administrator imports a year's official days from the published file.
async fn import_days(State(s): State<AppState>, ctx: Ctx, mut m: axum::extract::Multipart) -> Response {
    let (mut csrf, mut file) = (String::new(), None);
    loop {
        match m.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "csrf" => csrf = field.text().await.unwrap_or_default(),
                "file" => file = field.bytes().await.ok(),
                _ => {}
            },
            Ok(None) => break,
            Err(e) => return fail(&ctx, AppError::bad(format!("upload: {e}"), Some("file"))),
        }
    }
    if let Err(e) = check_csrf(&ctx, &vec![("csrf".into(), csrf)]) {
        return fail(&ctx, e);
    }
    let text = match file.as_deref().map(std::str::from_utf8) {
        Some(Ok(t)) if !t.trim().is_empty() => t.to_owned(),
        Some(Err(_)) => {
            let e = AppError::invalid("file", "not_utf8", "the file must be UTF-8 text (CSV)");
            return shown(&s, &ctx, Preview::default(), Problems::of(ctx.lang, &e), false, None).await;
        }
        _ => {
            let e = AppError::invalid("file", "required", "choose the file to import");
            return shown(&s, &ctx, Preview::default(), Problems::of(ctx.lang, &e), false, None).await;
        }
    };
    match fuwu_app::calendars::import_official_days(&s.app, &ctx.caller, &text).await {
        Ok(done) => shown(&s, &ctx, Preview::default(), Problems::default(), false, Some(done)).await,
        Err(e @ (AppError::Forbidden(_) | AppError::Refused { forbidden: true, .. })) => fail(&ctx, e),
        Err(e) => shown(&s, &ctx, Preview::default(), Problems::of(ctx.lang, &e), false, None).await,
    }
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
