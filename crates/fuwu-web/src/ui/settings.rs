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
use fuwu_app::vendor::VendorSettings;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/sla", get_route(page).post(save))
        .route("/settings/holidays/import", axum::routing::post(import_days))
        .route("/settings/vendor", axum::routing::post(save_vendor))
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
    vendor: VendorSettings,
    vendor_saved: bool,
}

async fn show(s: &AppState, ctx: &Ctx, p: Preview, problems: Problems, saved: bool) -> Response {
    shown(s, ctx, p, problems, saved, None, None).await
}

async fn shown(
    s: &AppState,
    ctx: &Ctx,
    p: Preview,
    problems: Problems,
    saved: bool,
    imported: Option<fuwu_app::calendars::OfficialDaysImport>,
    vendor_form: Option<(VendorSettings, bool)>,
) -> Response {
    let missing_year = match fuwu_app::calendars::missing_official_year(&s.app).await {
        Ok(y) => y,
        Err(e) => return fail(ctx, e),
    };
    let settings = match s.app.db.reader().acquire().await {
        Ok(mut conn) => match fuwu_app::sla::settings(&mut conn).await {
            Ok(sla) => fuwu_app::vendor::settings(&mut conn).await.map(|v| (sla, v)),
            Err(e) => Err(e),
        },
        Err(e) => Err(AppError::from(e)),
    };
    let (settings, vendor) = match settings {
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
            vendor_saved: vendor_form.as_ref().is_some_and(|x| x.1),
            vendor: vendor_form.map(|x| x.0).unwrap_or(vendor),
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
    let file = match file {
        Some(f) if !f.iter().all(u8::is_ascii_whitespace) => f,
        _ => {
            let e = AppError::invalid("file", "required", "choose the file to import");
            return shown(&s, &ctx, Preview::default(), Problems::of(ctx.lang, &e), false, None, None).await;
        }
    };
    match fuwu_app::calendars::import_official_days(&s.app, &ctx.caller, &file).await {
        Ok(done) => shown(&s, &ctx, Preview::default(), Problems::default(), false, Some(done), None).await,
        Err(e @ (AppError::Forbidden(_) | AppError::Refused { forbidden: true, .. })) => fail(&ctx, e),
        Err(e) => shown(&s, &ctx, Preview::default(), Problems::of(ctx.lang, &e), false, None, None).await,
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

/// The vendor header (multipart: the logo is a file).
async fn save_vendor(State(s): State<AppState>, ctx: Ctx, mut m: axum::extract::Multipart) -> Response {
    let mut f: Fields = Vec::new();
    let mut logo: Option<(String, Vec<u8>)> = None;
    loop {
        match m.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                if name == "logo" {
                    let file = field.file_name().unwrap_or_default().to_owned();
                    match field.bytes().await {
                        Ok(b) if !b.is_empty() => logo = Some((file, b.to_vec())),
                        Ok(_) => {}
                        Err(_) => return fail(&ctx, AppError::TooLarge(fuwu_app::vendor::MAX_LOGO_BYTES)),
                    }
                } else {
                    let v = field.text().await.unwrap_or_default();
                    f.push((name, v));
                }
            }
            Ok(None) => break,
            Err(e) => return fail(&ctx, AppError::bad(format!("form: {e}"), Some("logo"))),
        }
    }
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let current = match s.app.db.reader().acquire().await {
        Ok(mut conn) => fuwu_app::vendor::settings(&mut conn).await,
        Err(e) => Err(AppError::from(e)),
    };
    let current = match current {
        Ok(c) => c,
        Err(e) => return fail(&ctx, e),
    };
    let text = |k: &str| get(&f, k).unwrap_or_default().to_owned();
    let mut v =
        VendorSettings { name: text("name"), hotline: text("hotline"), address: text("address"), logo: current.logo };
    if get(&f, "logo_remove").is_some() {
        v.logo = None;
    }
    let r = match logo {
        Some((file, bytes)) if bytes.len() > fuwu_app::vendor::MAX_LOGO_BYTES => {
            let _ = file;
            Err(AppError::invalid("logo", "too_large", ctx.t("vendor.logo")))
        }
        Some((file, bytes)) => match fuwu_app::vendor::logo_url(&file, &bytes) {
            Ok(url) => {
                v.logo = Some(url);
                Ok(())
            }
            Err(e) => Err(e),
        },
        None => Ok(()),
    };
    let r = match r {
        Ok(()) => fuwu_app::vendor::set_settings(&s.app, &ctx.caller, v.clone()).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(saved) => shown(&s, &ctx, Preview::default(), Problems::default(), false, None, Some((saved, true))).await,
        Err(e @ (AppError::Forbidden(_) | AppError::Refused { forbidden: true, .. })) => fail(&ctx, e),
        Err(e) => shown(&s, &ctx, Preview::default(), Problems::of(ctx.lang, &e), false, None, Some((v, false))).await,
    }
}
