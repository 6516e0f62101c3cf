//! The one application error type. Each variant has an HTTP status (in the web
//! layer); internal errors are logged once and answered without details.

use fuwu_core::FieldErrors;
use fuwu_store::StoreError;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request itself is malformed (bad query parameter, bad JSON).
    #[error("{message}")]
    BadRequest { message: String, field: Option<String> },
    /// 401: no valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// 403: authenticated, but the role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such record, or one the caller may not see.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 410: the record exists but what it points to is gone (an attachment whose
    /// file is missing, e.g. after a restore without the files).
    #[error("{0}")]
    Gone(String),
    /// 409: the record changed meanwhile, or a unique value is taken.
    #[error("{message}")]
    Conflict { message: String, field: Option<String>, current: Option<Value> },
    /// 422: the input is well-formed but invalid; names each field.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// 413: the request body is larger than allowed.
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429: too many attempts.
    #[error("{0}")]
    TooMany(String),
    /// 403 (`forbidden`) or 409: a refusal as a code with parameters; the API
    /// answers its English text, pages show it in the user's language.
    /// `field` names the input it concerns, when there is one.
    #[error("{said}")]
    Refused { forbidden: bool, said: fuwu_core::said::Said, field: Option<&'static str> },
    /// 500: logged, answered without details.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad(message: impl Into<String>, field: Option<&str>) -> AppError {
        AppError::BadRequest { message: message.into(), field: field.map(str::to_owned) }
    }

    /// A coded refusal: 403 when `forbidden`, else 409 (`said.<code>` in the catalogue).
    pub fn refused(forbidden: bool, said: fuwu_core::said::Said) -> AppError {
        AppError::Refused { forbidden, said, field: None }
    }

    /// A 409 refusal about one input (`field`), e.g. a step that cannot be taken now.
    pub fn refused_at(field: &'static str, said: fuwu_core::said::Said) -> AppError {
        AppError::Refused { forbidden: false, said, field: Some(field) }
    }

    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(FieldErrors::one(field, code, message))
    }
}

impl From<fuwu_core::flow::Refusal> for AppError {
    fn from(r: fuwu_core::flow::Refusal) -> Self {
        use fuwu_core::flow::Refusal;
        let Refusal::Said { forbidden, said } = r;
        AppError::Refused { forbidden, said, field: None }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            // The database's own text (constraint and table names) is logged, never answered.
            StoreError::Unique(m) => {
                tracing::info!(detail = %m, "unique constraint met");
                AppError::Conflict {
                    message: "a value that must be unique is already taken (perhaps by a change saved at the same moment); reload and try again".into(),
                    field: None,
                    current: None,
                }
            }
            StoreError::ForeignKey(m) => {
                tracing::info!(detail = %m, "foreign key constraint met");
                AppError::Conflict {
                    message: "the record is referenced elsewhere or refers to a missing record".into(),
                    field: None,
                    current: None,
                }
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<sqlx_error::Error> for AppError {
    fn from(e: sqlx_error::Error) -> Self {
        AppError::from(fuwu_store::classify(e))
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

/// sqlx's error type, re-exported through the store so the app names no driver.
mod sqlx_error {
    pub type Error = fuwu_store::SqlxError;
}
