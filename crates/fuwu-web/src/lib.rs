//! fuwu's HTTP layer: the JSON API under `/api/v1` with its OpenAPI document,
//! the pages, authentication and operations endpoints. Thin: parse, authorise,
//! call the app, render.

pub mod api;
pub mod error;
pub mod extract;
pub mod input;
pub mod metrics;
pub mod ops;
pub mod pages;
pub mod ui;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use fuwu_app::App;
use std::sync::Arc;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (on unless serving plain HTTP to a non-local network).
    pub cookie_secure: bool,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Peers whose `X-Forwarded-For` names the client (default: none).
    pub trusted_proxies: Vec<extract::TrustedProxy>,
    /// The server's address as users reach it (`https://fuwu.example.com`), for
    /// links handed out; the request's host when unset.
    pub public_url: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { cookie_secure: true, max_body_bytes: 1024 * 1024, trusted_proxies: Vec::new(), public_url: None }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: WebConfig,
    pub metrics: Arc<metrics::Metrics>,
    pub openapi: Arc<serde_json::Value>,
}

/// The production router; tests drive exactly this.
pub fn router(app: App, config: WebConfig) -> Router {
    let (api_routes, doc) = api::routes();
    let state = AppState {
        app,
        config: config.clone(),
        metrics: Arc::new(metrics::Metrics::default()),
        openapi: Arc::new(doc),
    };
    Router::new()
        .merge(api_routes)
        .merge(ops::routes())
        .merge(pages::routes())
        .merge(ui::routes().route_layer(axum::middleware::from_fn_with_state(state.clone(), ui::staff_only)))
        .merge(api::docs_router(&state.openapi))
        .layer(axum::middleware::from_fn_with_state(state.clone(), input::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), extract::renew_session_cookie))
        .layer(axum::middleware::from_fn(ui::headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .with_state(state)
}
