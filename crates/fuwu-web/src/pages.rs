//! Server-rendered pages: login, logout and the start page. Forms carry a CSRF
//! token: the session's once logged in, a double-submit cookie before.

use crate::AppState;
use crate::api::account_cookie;
use crate::extract::{SESSION_COOKIE, client_ip, cookie, same_secret};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fuwu_app::{AppError, auth};
use serde::Deserialize;

const LOGIN_CSRF_COOKIE: &str = "fuwu_login_csrf";
static CSS: &str = include_str!("../static/fuwu.css");

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    login: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    name: String,
    role: &'static str,
    csrf: String,
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

fn login_page(state: &AppState, login: String, error: Option<String>, status: StatusCode) -> Response {
    let csrf = auth::new_secret("");
    let secure = if state.config.cookie_secure { "; Secure" } else { "" };
    let mut resp = (status, LoginPage { csrf: csrf.clone(), login, error }).into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict{secure}"))
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn login_form(State(s): State<AppState>) -> Response {
    login_page(&s, String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    login: String,
    password: String,
}

async fn login_post(
    State(s): State<AppState>,
    parts: Parts,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return login_page(&s, String::new(), Some("请填写用户名和密码".into()), StatusCode::BAD_REQUEST);
    };
    let expected = cookie(&parts.headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same_secret(&f.csrf, &expected) {
        return login_page(&s, f.login, Some("表单已过期，请重试（CSRF 校验失败）".into()), StatusCode::FORBIDDEN);
    }
    match auth::login(&s.app, f.login.trim(), &f.password, &client_ip(&parts)).await {
        Ok(session) => {
            let mut resp = Redirect::to("/").into_response();
            resp.headers_mut().insert(header::SET_COOKIE, account_cookie(&s, Some(&session.token)));
            resp
        }
        Err(AppError::TooMany(_)) => {
            login_page(&s, f.login, Some("登录失败次数过多，请稍后再试".into()), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(AppError::Unauthenticated) => {
            login_page(&s, f.login, Some("用户名或密码错误".into()), StatusCode::UNAUTHORIZED)
        }
        Err(e) => {
            tracing::error!(error = %e, "login failed");
            login_page(&s, f.login, Some("系统错误，请稍后再试".into()), StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

async fn home(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = cookie(&headers, SESSION_COOKIE) else {
        return Redirect::to("/login").into_response();
    };
    match auth::session(&s.app, &token).await {
        Ok((c, csrf)) => HomePage { name: c.user.data.name.clone(), role: c.role().label_zh(), csrf }.into_response(),
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
