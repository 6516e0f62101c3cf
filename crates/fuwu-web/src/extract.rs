//! Request extractors: the authenticated caller and JSON bodies whose errors
//! name the field at fault.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, Method, header, request::Parts};
use fuwu_app::{AppError, Caller, auth};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fuwu_session";
/// The header carrying the CSRF token for cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

/// An address or network (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`) whose
/// `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy {
    net: IpAddr,
    prefix: u8,
}

impl TrustedProxy {
    pub fn parse(s: &str) -> Result<TrustedProxy, String> {
        let s = s.trim();
        let (addr, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let net: IpAddr =
            addr.parse().map_err(|_| format!("trusted_proxies: {s:?} is not an IP address or network"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("trusted_proxies: bad prefix in {s:?}"))?,
        };
        Ok(TrustedProxy { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The client's address: the connection's peer, unless the peer is one of the
/// configured trusted proxies — then the nearest `X-Forwarded-For` hop that is
/// not itself a trusted proxy. A header from anyone else is ignored (it would
/// let a client pick its address, defeating the per-address login limit).
pub fn client_ip(parts: &Parts, trusted: &[TrustedProxy]) -> String {
    let Some(peer) = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return "local".to_owned();
    };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.contains(ip));
    let mut client = peer;
    if is_trusted(peer) {
        let hops: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !is_trusted(ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
    client.to_string()
}

/// Put in every request by [`renew_session_cookie`]: set when the request's
/// session slid, so the response renews the cookie's `Max-Age` with it.
#[derive(Debug, Clone, Default)]
pub struct Slid(pub std::sync::Arc<std::sync::atomic::AtomicBool>);

/// Tells the cookie layer that this request's session slid.
pub fn note_slide(parts: &Parts, slid: bool) {
    if slid && let Some(s) = parts.extensions.get::<Slid>() {
        s.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Renews the session cookie (same value, a fresh `Max-Age`) on a response whose
/// request slid its session, unless the response sets the cookie itself (login, logout).
pub async fn renew_session_cookie(
    axum::extract::State(s): axum::extract::State<AppState>,
    mut req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let token = cookie(req.headers(), SESSION_COOKIE);
    let slid = Slid::default();
    req.extensions_mut().insert(slid.clone());
    let mut resp = next.run(req).await;
    let sets_own = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&format!("{SESSION_COOKIE}="))));
    if let Some(t) = token
        && slid.0.load(std::sync::atomic::Ordering::Relaxed)
        && !sets_own
    {
        resp.headers_mut().append(header::SET_COOKIE, crate::api::account_cookie(&s, Some(&t)));
    }
    resp
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The authenticated caller of an API request: a bearer token, or a session
/// cookie (whose writes must carry the session's CSRF token in `X-CSRF-Token`).
pub struct Auth(pub Caller);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
            let token = h.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).ok_or(AppError::Unauthenticated)?;
            return Ok(Auth(auth::bearer(&state.app, token.trim()).await?));
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
        let (caller, csrf, slid) = auth::session_sliding(&state.app, &token).await?;
        note_slide(parts, slid);
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !same_secret(sent, &csrf) {
                return Err(AppError::Forbidden(
                    "missing or wrong CSRF token (send it in the X-CSRF-Token header)".into(),
                )
                .into());
            }
        }
        Ok(Auth(caller))
    }
}

/// Reads a JSON body: 415 if it is not JSON, 413 if too large, 400 if it is
/// malformed, and the raw value otherwise.
pub async fn json_value(req: Request, state: &AppState) -> Result<Value, ApiError> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !ct.starts_with("application/json") {
        return Err(AppError::UnsupportedMediaType("send the body as application/json".into()).into());
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|_| AppError::TooLarge(state.config.max_body_bytes))?;
    serde_json::from_slice(&bytes).map_err(|e| AppError::bad(format!("the body is not valid JSON: {e}"), None).into())
}

/// Deserialises a JSON value into `T`, naming the field at fault (422).
pub fn decode<T: DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.inner().to_string();
        let named = ["unknown field `", "missing field `"].iter().find_map(|p| {
            let rest = msg.split(p).nth(1)?;
            Some(rest.split('`').next()?.to_owned())
        });
        let field = match (named, path.as_str()) {
            (Some(f), ".") => f,
            (Some(f), p) if !p.ends_with(&f) => format!("{p}.{f}"),
            (_, p) => p.to_owned(),
        };
        let code = if msg.starts_with("unknown field") {
            "unknown_field"
        } else if msg.starts_with("missing field") {
            "required"
        } else {
            "wrong_type"
        };
        ApiError(AppError::invalid(&field, code, format!("{field}: {msg}")))
    })
}

/// A JSON body decoded into `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(JsonBody(decode(json_value(req, state).await?)?))
    }
}

/// An update body: the record's fields plus the `version` it was based on.
pub struct Versioned<T> {
    pub version: i64,
    pub data: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Versioned<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut v = json_value(req, state).await?;
        let obj = v.as_object_mut().ok_or_else(|| ApiError(AppError::bad("the body must be a JSON object", None)))?;
        let version = match obj.remove("version") {
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or_default(),
            Some(_) => {
                return Err(AppError::invalid("version", "wrong_type", "version must be an integer").into());
            }
            None => {
                return Err(AppError::invalid("version", "required", "send the version the change is based on").into());
            }
        };
        Ok(Versioned { version, data: decode(v)? })
    }
}

/// A numeric record id from the path; anything else is a 400 in the JSON shape.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(Id(id)),
            Err(_) => Err(AppError::bad("the id in the path must be an integer", Some("id")).into()),
        }
    }
}

/// Two numeric ids from the path (`/events/{id}/reports/{rid}`).
pub struct Ids(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<(i64, i64)>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path((a, b))) => Ok(Ids(a, b)),
            Err(_) => Err(AppError::bad("the ids in the path must be integers", Some("id")).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;

    fn parts(peer: &str, xff: &[&str]) -> Parts {
        let mut b = axum::http::Request::builder();
        for h in xff {
            b = b.header("x-forwarded-for", *h);
        }
        let (mut p, _) = b.body(()).unwrap().into_parts();
        p.extensions.insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 4000)));
        p
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let trusted = [TrustedProxy::parse("10.0.0.0/8").unwrap(), TrustedProxy::parse("::1").unwrap()];
        assert_eq!(client_ip(&parts("203.0.113.7", &["198.51.100.1"]), &trusted), "203.0.113.7");
        assert_eq!(client_ip(&parts("203.0.113.7", &["198.51.100.1"]), &[]), "203.0.113.7");
        assert_eq!(client_ip(&parts("10.1.2.3", &["198.51.100.1"]), &trusted), "198.51.100.1");
        // A client's own forged hops stay to the left of the one our proxy added.
        assert_eq!(client_ip(&parts("10.1.2.3", &["1.1.1.1, 198.51.100.1, 10.9.9.9"]), &trusted), "198.51.100.1");
        assert_eq!(client_ip(&parts("10.1.2.3", &["1.1.1.1", "198.51.100.1"]), &trusted), "198.51.100.1");
        assert_eq!(client_ip(&parts("10.1.2.3", &["garbage"]), &trusted), "10.1.2.3");
        assert_eq!(client_ip(&parts("::1", &["2001:db8::1"]), &trusted), "2001:db8::1");
        assert_eq!(client_ip(&parts("::ffff:10.0.0.1", &["198.51.100.2"]), &trusted), "198.51.100.2");
        assert!(TrustedProxy::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxy::parse("proxy.internal").is_err());
        assert!(TrustedProxy::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
    }
}
