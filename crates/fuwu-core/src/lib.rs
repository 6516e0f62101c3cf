//! The domain core of fuwu: the rules of the after-sales service organisation as
//! data and small pure functions. No I/O, no async, no database.

pub mod access;
pub mod calendar;
pub mod divisions;
pub mod entitlement;
pub mod errors;
pub mod flow;
pub mod i18n;
pub mod ids;
pub mod journal;
pub mod phone;
pub mod plan;
pub mod priority;
pub mod records;
pub mod role;
pub mod routing;
pub mod said;
pub mod sla;
pub mod text;

pub use errors::{FieldError, FieldErrors};
