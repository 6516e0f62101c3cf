//! Operations endpoints: liveness, readiness, metrics.

use crate::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok\n"
}

/// The database answers.
async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    match s.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let mut text = s.metrics.render();
    // The e-mail queue by state: a growing `queued` or any `failed` wants an operator.
    if let Ok(mut conn) = s.app.db.reader().acquire().await
        && let Ok(counts) = fuwu_store::mail::counts(&mut conn).await
    {
        text.push_str("# HELP fuwu_mail_messages E-mail notifications by state.\n# TYPE fuwu_mail_messages gauge\n");
        for state in ["queued", "sent", "failed"] {
            let n = counts.iter().find(|(k, _)| k == state).map_or(0, |(_, n)| *n);
            text.push_str(&format!("fuwu_mail_messages{{state=\"{state}\"}} {n}\n"));
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
}
