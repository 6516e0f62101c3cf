//! The JSON error shape, one for the whole API:
//!
//! ```json
//! {"error": {"status": 422, "code": "invalid", "message": "…",
//!            "field": "end_date", "fields": [{"field": "end_date", "code": "before_start", "message": "…"}],
//!            "current": { … the record as it is now, on a version conflict … }}}
//! ```

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fuwu_app::AppError;
use fuwu_core::FieldError;
use serde::Serialize;

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status again.
    pub status: u16,
    /// `bad_request`, `unauthenticated`, `forbidden`, `not_found`, `gone`, `conflict`, `invalid`, `too_many_requests`, `internal`.
    pub code: &'static str,
    pub message: String,
    /// The field (or query parameter) at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, for `invalid`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// On a version conflict: the record as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub current: Option<serde_json::Value>,
}

impl ApiError {
    pub fn parts(&self) -> (StatusCode, ErrorDetail) {
        let d = |status: StatusCode, code: &'static str, message: String| ErrorDetail {
            status: status.as_u16(),
            code,
            message,
            field: None,
            fields: Vec::new(),
            current: None,
        };
        match &self.0 {
            AppError::BadRequest { message, field } => {
                let mut e = d(StatusCode::BAD_REQUEST, "bad_request", message.clone());
                e.field = field.clone();
                (StatusCode::BAD_REQUEST, e)
            }
            AppError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                d(StatusCode::UNAUTHORIZED, "unauthenticated", "log in, or send a valid bearer token".into()),
            ),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, d(StatusCode::FORBIDDEN, "forbidden", m.clone())),
            AppError::Refused { forbidden: true, said, .. } => {
                (StatusCode::FORBIDDEN, d(StatusCode::FORBIDDEN, "forbidden", said.to_string()))
            }
            AppError::Refused { forbidden: false, said, field } => {
                let mut e = d(StatusCode::CONFLICT, "conflict", said.to_string());
                e.field = field.map(str::to_owned);
                (StatusCode::CONFLICT, e)
            }
            AppError::NotFound(what) => {
                (StatusCode::NOT_FOUND, d(StatusCode::NOT_FOUND, "not_found", format!("{what} not found")))
            }
            AppError::Gone(m) => (StatusCode::GONE, d(StatusCode::GONE, "gone", m.clone())),
            AppError::Conflict { message, field, current } => {
                let mut e = d(StatusCode::CONFLICT, "conflict", message.clone());
                e.field = field.clone();
                e.current = current.clone();
                (StatusCode::CONFLICT, e)
            }
            AppError::Invalid(errs) => {
                let mut e = d(StatusCode::UNPROCESSABLE_ENTITY, "invalid", errs.to_string());
                e.field = errs.0.first().map(|f| f.field.clone());
                e.fields = errs.0.clone();
                (StatusCode::UNPROCESSABLE_ENTITY, e)
            }
            AppError::TooLarge(n) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                d(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the request body is larger than {n} bytes")),
            ),
            AppError::UnsupportedMediaType(m) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                d(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", m.clone()),
            ),
            AppError::TooMany(m) => {
                (StatusCode::TOO_MANY_REQUESTS, d(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", m.clone()))
            }
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                d(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; it has been logged".into(),
                ),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "internal error");
        }
        let (status, detail) = self.parts();
        (status, axum::Json(ErrorBody { error: detail })).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
