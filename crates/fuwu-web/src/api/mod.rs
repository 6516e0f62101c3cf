//! The JSON API under `/api/v1`, and its OpenAPI 3.1 document built from the
//! same registration that builds the routes (schemas derived from the types).
//!
//! Conventions: lists take `q` (text search), `sort` (`name`, `-created_at`),
//! `page` (from 1) and `per_page` (1–200, default 50) plus equality filters
//! named after fields, and answer `{items, page, per_page, total}`. Updates are
//! `PUT` with the whole record and the `version` it was based on; a stale
//! version gets 409 with the current record. Errors share one shape (`ErrorBody`).

mod account;
mod choices;
mod doc;
pub(crate) mod events;
mod hotline;
mod plan;
mod records;

pub use account::session_cookie as account_cookie;
pub use doc::Doc;

use crate::AppState;
use axum::Router;
use fuwu_core::records::*;
use serde_json::Value;

/// The API routes and the OpenAPI document describing them.
pub fn routes() -> (Router<AppState>, Value) {
    let mut doc = Doc::new();
    let mut r = Router::new();
    r = records::resource::<Branch>(r, &mut doc, "branches", "Organisation");
    r = records::resource::<Team>(r, &mut doc, "teams", "Organisation");
    r = records::resource::<Partner>(r, &mut doc, "partners", "Organisation");
    r = records::users(r, &mut doc);
    r = records::resource::<Customer>(r, &mut doc, "customers", "Customers");
    r = records::resource::<Site>(r, &mut doc, "sites", "Customers");
    r = records::resource::<Contact>(r, &mut doc, "contacts", "Customers");
    r = records::resource::<Project>(r, &mut doc, "projects", "Customers");
    r = records::resource::<Asset>(r, &mut doc, "assets", "Customers");
    r = records::resource::<Contract>(r, &mut doc, "contracts", "Customers");
    r = records::resource::<ServiceLevel>(r, &mut doc, "service-levels", "Service levels");
    r = records::resource::<fuwu_core::calendar::CalendarDef>(r, &mut doc, "calendars", "SLA");
    r = records::resource::<fuwu_core::calendar::HolidayDay>(r, &mut doc, "holidays", "SLA");
    r = account::routes(r, &mut doc);
    r = hotline::routes(r, &mut doc);
    r = events::routes(r, &mut doc);
    r = choices::routes(r, &mut doc);
    r = plan::routes(r, &mut doc);
    (r, doc.finish())
}

/// `/api/openapi.json` and the Swagger UI viewer at `/api/docs`, served from the binary.
pub fn docs_router(doc: &Value) -> Router<AppState> {
    match serde_json::from_value::<utoipa::openapi::OpenApi>(doc.clone()) {
        Ok(api) => Router::from(utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/openapi.json", api)),
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not parse; serving it raw");
            let raw = doc.clone();
            Router::new().route("/api/openapi.json", axum::routing::get(move || async move { axum::Json(raw) }))
        }
    }
}
