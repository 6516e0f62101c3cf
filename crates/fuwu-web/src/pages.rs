//! Login, logout, the start page and the stylesheet. Forms carry a CSRF token:
//! the session's once logged in; before, a token the server signed (HMAC with
//! its secret, valid two hours) sent both as a cookie and as a field. The login page
//! speaks the language of the `lang` parameter, the `fuwu_lang` cookie or the
//! browser (Chinese unless English is asked for).

use crate::AppState;
use crate::api::account_cookie;
use crate::extract::{SESSION_COOKIE, client_ip, cookie, same_secret};
use crate::ui::{self, home_of};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fuwu_app::{AppError, auth};
use fuwu_core::i18n::{self, t};
use fuwu_core::role::Language;
use serde::Deserialize;

const LOGIN_CSRF_COOKIE: &str = "fuwu_login_csrf";
const LANG_COOKIE: &str = "fuwu_lang";
static CSS: &str = include_str!("../static/fuwu.css");

/// The login page's texts.
struct LoginTexts {
    app: &'static str,
    login: &'static str,
    user: &'static str,
    password: &'static str,
    submit: &'static str,
    other: &'static str,
    other_code: &'static str,
}

impl LoginTexts {
    fn of(lang: Language) -> LoginTexts {
        let other = if lang == Language::En { Language::ZhCn } else { Language::En };
        LoginTexts {
            app: t(lang, "app.name"),
            login: t(lang, "login.title"),
            user: t(lang, "login.user"),
            password: t(lang, "login.password"),
            submit: t(lang, "login.submit"),
            other: t(other, "nav.this_language"),
            other_code: i18n::code(other),
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: &'static str,
    t: LoginTexts,
    csrf: String,
    login: String,
    next: String,
    error: Option<String>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_post))
        .route("/logout", axum::routing::post(logout_post))
        .route("/static/fuwu.css", get(css))
}

async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], CSS)
}

fn login_lang(headers: &HeaderMap, asked: Option<&str>) -> Language {
    if let Some(l) = asked {
        return i18n::language(l);
    }
    if let Some(l) = cookie(headers, LANG_COOKIE) {
        return i18n::language(&l);
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("zh-CN");
    i18n::language(accept)
}

/// Only this server's own pages may follow a login (no open redirect). The
/// target is resolved as a browser would resolve it (tabs and newlines dropped,
/// backslashes as slashes, `..` collapsed) against a base of our own; anything
/// that lands on another origin, or is not a path, is dropped. What comes back
/// is the resolved path and query, percent-encoded, so it is always a valid
/// `Location`.
fn safe_next(next: &str) -> String {
    if next.len() >= 512 || !next.starts_with(['/', '\\']) {
        return String::new();
    }
    let Ok(base) = url::Url::parse("http://fuwu.invalid/") else {
        return String::new();
    };
    match base.join(next) {
        Ok(u) if u.origin() == base.origin() && u.username().is_empty() && u.password().is_none() => {
            let local = &u[url::Position::BeforePath..url::Position::AfterQuery];
            // `/.//host` resolves to the path `//host`, which a browser reads as another host.
            if local.starts_with("//") { String::new() } else { local.to_owned() }
        }
        _ => String::new(),
    }
}

async fn login_page(
    state: &AppState,
    lang: Language,
    login: String,
    next: String,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    // Signed by the server (an equal cookie and field made up elsewhere are refused).
    let csrf = match auth::login_form_token(&state.app).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "login form token");
            String::new()
        }
    };
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    let page = LoginPage {
        lang: i18n::code(lang),
        t: LoginTexts::of(lang),
        csrf: csrf.clone(),
        login,
        next,
        error: error.map(|k| t(lang, k).to_owned()),
    };
    let mut resp = ui::render_status(status, &page);
    for c in [
        format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict{secure}"),
        format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}", i18n::code(lang)),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

#[derive(Deserialize)]
struct LoginQuery {
    lang: Option<String>,
    next: Option<String>,
}

async fn login_form(State(s): State<AppState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = login_lang(&headers, q.lang.as_deref());
    login_page(&s, lang, String::new(), safe_next(q.next.as_deref().unwrap_or("")), None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    login: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_post(
    State(s): State<AppState>,
    parts: Parts,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = login_lang(&parts.headers, None);
    let Ok(Form(f)) = form else {
        return login_page(&s, lang, String::new(), String::new(), Some("login.missing"), StatusCode::BAD_REQUEST)
            .await;
    };
    let next = safe_next(&f.next);
    let expected = cookie(&parts.headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let issued = auth::login_form_token_ok(&s.app, &f.csrf).await.unwrap_or(false);
    if expected.is_empty() || !same_secret(&f.csrf, &expected) || !issued {
        return login_page(&s, lang, f.login, next, Some("login.expired"), StatusCode::FORBIDDEN).await;
    }
    match auth::login(&s.app, f.login.trim(), &f.password, &client_ip(&parts, &s.config.trusted_proxies)).await {
        Ok(session) => {
            let to = if next.is_empty() { "/".to_owned() } else { next };
            let mut resp = Redirect::to(&to).into_response();
            resp.headers_mut().insert(header::SET_COOKIE, account_cookie(&s, Some(&session.token)));
            resp
        }
        Err(AppError::TooMany(_)) => {
            login_page(&s, lang, f.login, next, Some("login.too_many"), StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(AppError::Unauthenticated) => {
            login_page(&s, lang, f.login, next, Some("login.wrong"), StatusCode::UNAUTHORIZED).await
        }
        Err(e) => {
            tracing::error!(error = %e, "login failed");
            login_page(&s, lang, f.login, next, Some("error.internal"), StatusCode::INTERNAL_SERVER_ERROR).await
        }
    }
}

/// The start page: each role's own.
async fn home(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = cookie(&headers, SESSION_COOKIE) else {
        return Redirect::to("/login").into_response();
    };
    match auth::session(&s.app, &token).await {
        Ok((c, _)) => Redirect::to(home_of(c.role())).into_response(),
        Err(_) => Redirect::to("/login").into_response(),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout_post(
    State(s): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Some(token) = cookie(&headers, SESSION_COOKIE) else {
        return Redirect::to("/login").into_response();
    };
    let Ok((_, csrf)) = auth::session(&s.app, &token).await else {
        return Redirect::to("/login").into_response();
    };
    let sent = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !same_secret(&sent, &csrf) {
        return (StatusCode::FORBIDDEN, "CSRF 校验失败 / CSRF check failed").into_response();
    }
    if let Err(e) = auth::logout(&s.app, &token).await {
        tracing::error!(error = %e, "logout failed");
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().insert(header::SET_COOKIE, account_cookie(&s, None));
    resp
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_our_own_paths_follow_a_login() {
        assert_eq!(safe_next("/queues?queue=major&page=2"), "/queues?queue=major&page=2");
        assert_eq!(safe_next("/events/7"), "/events/7");
        for evil in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "\\\\evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "evil.example",
            "",
            " //evil.example",
            "/.//evil.example",
            "/a/..//evil.example",
        ] {
            assert_eq!(safe_next(evil), "", "{evil:?}");
        }
        for odd in ["/a\rb", "/a\nb", "/a\u{b}b", "/a\u{c}b", "/a\u{1f}b", "/a b"] {
            let got = safe_next(odd);
            assert!(got.starts_with('/') && !got.starts_with("//"), "{odd:?} → {got:?}");
            assert!(axum::http::HeaderValue::from_str(&got).is_ok(), "{odd:?} → {got:?}");
        }
    }
}
