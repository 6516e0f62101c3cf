//! The one gate every request's text passes before any handler: the query
//! string, JSON bodies and form bodies. Text a database cannot hold (a NUL
//! character: PostgreSQL refuses it, SQLite would keep it, so data could not
//! move between the two) is refused with 422 naming the field; a query
//! parameter given twice is refused with 400 naming it (instead of one of the
//! values silently winning). Handlers and their extractors never see either.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fuwu_app::AppError;
use fuwu_core::i18n;
use fuwu_core::role::Language;
use fuwu_core::text::storable;
use serde_json::Value;
use std::collections::HashSet;

/// Middleware: checks the query string and JSON / form bodies.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if let Some(q) = req.uri().query()
        && let Err(e) = check_query(q)
    {
        return refuse(api, e);
    }
    // An attachment's body is file content, stored as a file: any bytes go.
    if req.uri().path().ends_with("/attachments") {
        return next.run(req).await;
    }
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let kind = if ct.starts_with("application/json") {
        Kind::Json
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        Kind::Form
    } else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.config.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => return refuse(api, AppError::TooLarge(state.config.max_body_bytes)),
    };
    let found = match kind {
        Kind::Json => json_nul(&bytes),
        Kind::Form => form_nul(&bytes),
    };
    if let Some(field) = found {
        return refuse(api, nul_error(&field));
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

enum Kind {
    Json,
    Form,
}

fn nul_error(field: &str) -> AppError {
    let field = if field.is_empty() { "body" } else { field };
    AppError::invalid(field, "unstorable_text", format!("{field}: text must not contain the NUL character (U+0000)"))
}

/// The query string: each parameter at most once (names ending in `[]` are
/// lists), no NUL in names or values.
fn check_query(q: &str) -> Result<(), AppError> {
    let mut seen = HashSet::new();
    for (k, v) in form_urlencoded::parse(q.as_bytes()) {
        if !storable(&k) || !storable(&v) {
            return Err(nul_error(&k.replace('\0', "")));
        }
        if !k.ends_with("[]") && !seen.insert(k.clone()) {
            return Err(AppError::bad(format!("the query parameter {k} is given more than once"), Some(&k)));
        }
    }
    Ok(())
}

/// The path of the first JSON string (or key) holding a NUL. A JSON text can
/// only hold one as the escape `\u0000`, so bodies without it are not parsed.
fn json_nul(bytes: &[u8]) -> Option<String> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    // Malformed JSON is left to the handler's own decoding (400).
    let v: Value = serde_json::from_slice(bytes).ok()?;
    walk(&v, String::new())
}

fn walk(v: &Value, path: String) -> Option<String> {
    match v {
        Value::String(s) => (!storable(s)).then_some(path),
        Value::Array(a) => a.iter().enumerate().find_map(|(i, x)| walk(x, format!("{path}[{i}]"))),
        Value::Object(m) => m.iter().find_map(|(k, x)| {
            let p = if path.is_empty() { k.replace('\0', "") } else { format!("{path}.{}", k.replace('\0', "")) };
            if storable(k) { walk(x, p) } else { Some(p) }
        }),
        _ => None,
    }
}

/// The name of the first form field whose name or value holds a NUL.
fn form_nul(bytes: &[u8]) -> Option<String> {
    if !bytes.contains(&0) && !bytes.windows(3).any(|w| w == b"%00") {
        return None;
    }
    form_urlencoded::parse(bytes).find(|(k, v)| !storable(k) || !storable(v)).map(|(k, _)| k.replace('\0', ""))
}

/// The refusal: the API's JSON error, or a short page in both languages.
fn refuse(api: bool, e: AppError) -> Response {
    let e = ApiError(e);
    if api {
        return e.into_response();
    }
    let (status, detail) = e.parts();
    let field = detail.field.unwrap_or_default();
    let key = if status == StatusCode::BAD_REQUEST { "error.repeated_parameter" } else { "error.unstorable_text" };
    let text = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>{}</title><p>{}: {}</p><p>{}: {}</p>",
        i18n::t(Language::ZhCn, "error.invalid"),
        i18n::t(Language::ZhCn, key),
        escape(&field),
        i18n::t(Language::En, key),
        escape(&field),
    );
    let mut r = (status, text).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_holding_a_nul() {
        assert_eq!(json_nul(br#"{"name": "a\u0000b"}"#).as_deref(), Some("name"));
        assert_eq!(json_nul(br#"{"t": [{"x": 1}, {"x": "\u0000"}]}"#).as_deref(), Some("t[1].x"));
        assert_eq!(json_nul(br#"{"name": "a\\u0000b"}"#), None, "an escaped backslash is not a NUL");
        assert_eq!(json_nul(br#"{"name": "plain"}"#), None);
        assert_eq!(form_nul(b"csrf=x&login=a%00b").as_deref(), Some("login"));
        assert_eq!(form_nul(b"csrf=x&login=ab"), None);
        assert!(check_query("q=a%00").is_err());
        assert!(check_query("page=1&page=2").is_err());
        assert!(check_query("tags[]=a&tags[]=b&page=1").is_ok());
    }
}
