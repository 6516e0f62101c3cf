//! The web application: server-rendered pages for every role (askama
//! templates compiled into the binary, every string through the catalogue in
//! `core::i18n`, times in the user's zone). Pages call the same application
//! functions as the JSON API; forms carry the session's CSRF token and are
//! turned into the API's input types (`form.rs`), so validation and messages
//! are the API's own.

pub mod account;
pub mod console;
pub mod event;
pub mod form;
pub mod overview;
pub mod plan;
pub mod portal;
pub mod queues;
pub mod records;
pub mod settings;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{SESSION_COOKIE, cookie};
use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use fuwu_app::{AppError, Caller, auth};
use fuwu_core::i18n;
use fuwu_core::role::{Language, Role};
use jiff::tz::TimeZone;
use serde::Serialize;

/// The signed-in user of a page, with what every page shows in its frame.
pub struct Ctx {
    pub caller: Caller,
    pub csrf: String,
    pub lang: Language,
    pub tz: TimeZone,
    pub unread: i64,
    /// The request path, to mark the current navigation entry.
    pub path: String,
}

/// A navigation entry.
pub struct Nav {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

impl Ctx {
    /// The catalogue text of a key in the user's language.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        i18n::t(self.lang, key)
    }

    /// The text of an enumerated value: `label("state", "in_progress")`.
    pub fn label(&self, group: &str, value: &str) -> String {
        let key = format!("{group}.{value}");
        i18n::t(self.lang, &key).to_owned()
    }

    /// The text of an enumerated value given as the value itself (serialised to its code).
    pub fn of<T: Serialize>(&self, group: &str, v: &T) -> String {
        self.label(group, &code(v))
    }

    /// The code of an enumerated value (for CSS classes).
    pub fn code<T: Serialize>(&self, v: &T) -> String {
        code(v)
    }

    pub fn lang_code(&self) -> &'static str {
        i18n::code(self.lang)
    }

    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Language::ZhCn => "en",
            Language::En => "zh-CN",
        }
    }

    pub fn name(&self) -> &str {
        &self.caller.user.data.name
    }

    pub fn role(&self) -> Role {
        self.caller.role()
    }

    pub fn role_label(&self) -> String {
        self.label("role", &code(&self.role()))
    }

    pub fn is_staff(&self) -> bool {
        !matches!(self.role(), Role::Customer)
    }

    pub fn is_customer(&self) -> bool {
        self.role() == Role::Customer
    }

    /// Whether the user records and dispatches in one click (the service centre).
    pub fn may_dispatch(&self) -> bool {
        fuwu_core::flow::dispatches_at_intake(self.role())
    }

    /// A length of working time (a contract's target): hours, never days.
    pub fn work_span(&self, secs: impl std::borrow::Borrow<i64>) -> String {
        work_span_text(self.lang, *secs.borrow())
    }

    /// A stored instant (ms) as local `YYYY-MM-DD HH:MM`.
    pub fn at_ms(&self, ms: i64) -> String {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned_datetime(self.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    /// An RFC 3339 instant as local `YYYY-MM-DD HH:MM`.
    pub fn at(&self, rfc3339: &str) -> String {
        match rfc3339.parse::<jiff::Timestamp>() {
            Ok(t) => t.to_zoned_datetime(self.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string(),
            Err(_) => rfc3339.to_owned(),
        }
    }

    /// A duration in seconds as `2h 05m` / `2小时05分`.
    pub fn span(&self, secs: impl std::borrow::Borrow<i64>) -> String {
        span_text(self.lang, *secs.borrow())
    }

    /// The navigation for the user's role.
    pub fn nav(&self) -> Vec<Nav> {
        let items: &[(&'static str, &'static str)] = match self.role() {
            Role::Specialist => &[
                ("/console", "nav.console"),
                ("/queues", "nav.queues"),
                ("/approvals", "nav.approvals"),
                ("/plan", "nav.plan"),
                ("/records", "nav.records"),
            ],
            Role::Manager => &[
                ("/overview", "nav.overview"),
                ("/queues", "nav.queues"),
                ("/approvals", "nav.approvals"),
                ("/console", "nav.console"),
                ("/plan", "nav.plan"),
                ("/records", "nav.records"),
                ("/settings/sla", "nav.settings"),
            ],
            Role::Admin => &[
                ("/queues", "nav.queues"),
                ("/records", "nav.records"),
                ("/overview", "nav.overview"),
                ("/settings/sla", "nav.settings"),
            ],
            Role::Engineer | Role::PartnerEngineer => {
                &[("/queues", "nav.queues"), ("/plan", "nav.plan"), ("/records", "nav.records")]
            }
            Role::Customer => &[("/portal", "nav.portal"), ("/portal/new", "nav.new_request")],
        };
        items
            .iter()
            .map(|(href, key)| Nav { href, label: i18n::t(self.lang, key), current: self.path.starts_with(href) })
            .collect()
    }
}

/// A duration in seconds as `2小时5分` / `2h 05m`, `15分钟`, `2天` (negative: overdue).
pub fn span_text(lang: Language, secs: i64) -> String {
    let neg = secs < 0;
    let s = secs.abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let text = match lang {
        Language::ZhCn if d > 0 && h > 0 => format!("{d}天{h}小时"),
        Language::ZhCn if d > 0 => format!("{d}天"),
        Language::ZhCn if h > 0 && m > 0 => format!("{h}小时{m}分"),
        Language::ZhCn if h > 0 => format!("{h}小时"),
        Language::ZhCn => format!("{m}分钟"),
        Language::En if d > 0 && h > 0 => format!("{d}d {h}h"),
        Language::En if d > 0 => format!("{d}d"),
        Language::En if h > 0 && m > 0 => format!("{h}h {m:02}m"),
        Language::En if h > 0 => format!("{h}h"),
        Language::En => format!("{m}m"),
    };
    if neg { format!("-{text}") } else { text }
}

/// Working time as `8工作小时`, `1工作小时30分`, `45工作分钟` / `8 working h`: a
/// 5×8 contract's 16 hours are two working days, never "16小时" read as wall time
/// or "2天" read as 48 hours.
pub fn work_span_text(lang: Language, secs: i64) -> String {
    let neg = secs < 0;
    let s = secs.abs();
    let (h, m) = (s / 3600, (s % 3600) / 60);
    let text = match lang {
        Language::ZhCn if h > 0 && m > 0 => format!("{h}工作小时{m}分"),
        Language::ZhCn if h > 0 => format!("{h}工作小时"),
        Language::ZhCn => format!("{m}工作分钟"),
        Language::En if h > 0 && m > 0 => format!("{h}h {m:02}m working"),
        Language::En if h > 0 => format!("{h} working h"),
        Language::En => format!("{m} working min"),
    };
    if neg { format!("-{text}") } else { text }
}

/// The snake_case code of a serialisable enum value.
pub fn code<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Pages answer a missing or expired session with the login page.
pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        // The whole path with its query, percent-encoded, so `&` in it stays in `next`.
        Redirect::to(&format!("/login?next={}", queues::urlencode(&self.0))).into_response()
    }
}

/// The signed-in user of a request, or the way to the login page.
async fn session_ctx(parts: &Parts, state: &AppState, with_unread: bool) -> Result<Ctx, ToLogin> {
    let path = parts.uri.path().to_owned();
    let back = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| path.clone());
    let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(|| ToLogin(back.clone()))?;
    let (caller, csrf, slid) = auth::session_sliding(&state.app, &token).await.map_err(|_| ToLogin(back.clone()))?;
    crate::extract::note_slide(parts, slid);
    let lang = caller.user.data.language;
    let tz = TimeZone::get(&caller.user.data.time_zone).unwrap_or_else(|_| TimeZone::fixed(jiff::tz::offset(8)));
    let unread = if with_unread { fuwu_app::mail::unread(&state.app, &caller).await.unwrap_or(0) } else { 0 };
    Ok(Ctx { caller, csrf, lang, tz, unread, path })
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        session_ctx(parts, state, true).await
    }
}

/// The user of a fragment the pages poll (live lists, the event's version):
/// no page frame, so no unread count to look up every few seconds.
pub struct Lite(pub Ctx);

impl FromRequestParts<AppState> for Lite {
    type Rejection = ToLogin;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        session_ctx(parts, state, false).await.map(Lite)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: &'a Ctx,
    status: u16,
    title: String,
    message: String,
}

/// Renders a template, or the error page when rendering fails.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "page rendering failed").into_response()
        }
    }
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut r = (status, html).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// An application error as a page: the status and the API's message.
pub fn fail(ctx: &Ctx, e: AppError) -> Response {
    // A coded refusal reads in the user's language from the catalogue.
    let said = match &e {
        AppError::Refused { said, .. } => Some(said.text(ctx.lang)),
        _ => None,
    };
    let (status, detail) = ApiError(e).parts();
    let title = match status {
        StatusCode::NOT_FOUND => ctx.t("error.not_found"),
        StatusCode::GONE => ctx.t("error.gone"),
        StatusCode::FORBIDDEN => ctx.t("error.forbidden"),
        StatusCode::CONFLICT => ctx.t("error.conflict"),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => ctx.t("error.invalid"),
        _ => ctx.t("error.internal"),
    };
    let mut message = if status == StatusCode::NOT_FOUND {
        ctx.t("error.not_found_detail").to_owned()
    } else if status == StatusCode::GONE {
        ctx.t("error.gone_detail").to_owned()
    } else if let Some(s) = said {
        s
    } else {
        detail.message.clone()
    };
    for f in &detail.fields {
        let key = format!("field.{}", f.field);
        let name = if i18n::has(&key) { i18n::t(ctx.lang, &key).to_owned() } else { f.field.clone() };
        let problem = format!("problem.{}", f.code);
        let text = if i18n::has(&problem) { i18n::t(ctx.lang, &problem).to_owned() } else { f.message.clone() };
        message.push_str(&format!("；{name}：{text}"));
    }
    render_status(status, &ErrorPage { ctx, status: status.as_u16(), title: title.to_owned(), message })
}

/// The pages of the organisation's staff: the one list, applied to every page
/// by [`staff_only`] (a customer's pages are the portal, its events and its account).
/// (`/queues/rows` is not one: the portal's list refreshes through it, under the
/// events' own visibility.)
pub fn staff_page(path: &str) -> bool {
    let under = |p: &str| path == p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/'));
    ["/console", "/queues", "/approvals", "/plan", "/events/new-caller"].contains(&path)
        || ["/overview", "/records", "/settings"].iter().any(|p| under(p))
}

/// Customers on a staff page, reading or posting: 403 (the page's frame leads to the portal).
pub async fn staff_only(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !staff_page(req.uri().path()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match session_ctx(&parts, &s, false).await {
        // The page frame's navigation leads the customer back to the portal.
        Ok(ctx) if ctx.is_customer() => fail(&ctx, AppError::refused(true, fuwu_core::said::Said::new("staff_page"))),
        _ => next.run(axum::extract::Request::from_parts(parts, body)).await,
    }
}

/// The security headers of every page: no inline script, no framing.
pub async fn headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let html_page = !req.uri().path().starts_with("/api/");
    let mut r = next.run(req).await;
    if html_page {
        let h = r.headers_mut();
        h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; object-src 'none'; \
             base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ));
        h.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
        h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    }
    r
}

/// The start page of each role.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Specialist => "/console",
        Role::Manager => "/overview",
        Role::Customer => "/portal",
        _ => "/queues",
    }
}

static JS: &str = include_str!("../../static/fuwu.js");
/// The size of the one script every page loads.
pub const JS_BYTES: usize = include_str!("../../static/fuwu.js").len();
/// The size of the one stylesheet.
pub const CSS_BYTES: usize = include_str!("../../static/fuwu.css").len();
static ICON: &str = include_str!("../../static/icon.svg");

async fn icon() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], ICON)
}

async fn js() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], JS)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/fuwu.js", axum::routing::get(js))
        .route("/static/icon.svg", axum::routing::get(icon))
        .route("/favicon.ico", axum::routing::get(icon))
        .merge(account::routes())
        .merge(console::routes())
        .merge(queues::routes())
        .merge(event::routes())
        .merge(portal::routes())
        .merge(plan::routes())
        .merge(overview::routes())
        .merge(records::routes())
        .merge(settings::routes())
}

#[cfg(test)]
mod tests {
    use super::{span_text, work_span_text};
    use fuwu_core::role::Language;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(span_text(Language::ZhCn, 15 * 60), "15分钟");
        assert_eq!(span_text(Language::ZhCn, 8 * 3600), "8小时");
        assert_eq!(span_text(Language::ZhCn, 90 * 60), "1小时30分");
        assert_eq!(span_text(Language::ZhCn, 2 * 86_400), "2天");
        assert_eq!(span_text(Language::En, 26 * 3600), "1d 2h");
        assert_eq!(span_text(Language::En, -5 * 60), "-5m");
        assert_eq!(work_span_text(Language::ZhCn, 32 * 3600), "32工作小时", "working time never reads as days");
        assert_eq!(work_span_text(Language::ZhCn, 90 * 60), "1工作小时30分");
        assert_eq!(work_span_text(Language::ZhCn, 30 * 60), "30工作分钟");
        assert_eq!(work_span_text(Language::En, 8 * 3600), "8 working h");
    }
    /// Every literal key the pages look up is in the catalogue.
    #[test]
    fn every_literal_key_is_in_the_catalogue() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = Vec::new();
        for dir in ["templates", "src/ui", "src"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if !path.is_file() {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in ["ctx.t(\"", " t(lang, \"", "(self.lang, \"", "i18n::t(lang, \""] {
                    for part in text.split(marker).skip(1) {
                        let key = part.split('"').next().unwrap_or_default();
                        let dotted = key.contains('.') && !key.contains(' ') && !key.contains('{');
                        if dotted && !fuwu_core::i18n::has(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from the catalogue: {missing:#?}");
    }

    /// Every refusal code written anywhere (a literal given to `Said::new`) reads from the catalogue.
    #[test]
    fn every_refusal_code_is_in_the_catalogue() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut missing = Vec::new();
        let mut seen = 0;
        let mut dirs = vec![crates.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if !path.ends_with("target") {
                        dirs.push(path);
                    }
                    continue;
                }
                if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("Said::new(\"").skip(1) {
                    let code = part.split('"').next().unwrap_or_default();
                    seen += 1;
                    if !fuwu_core::i18n::has(&format!("said.{code}")) {
                        missing.push(format!("{}: {code}", path.display()));
                    }
                }
            }
        }
        assert!(seen > 20, "the scan found the refusals ({seen})");
        assert!(missing.is_empty(), "refusal codes missing from the catalogue: {missing:#?}");
    }
}
