//! Field-level validation errors shared by every layer: the API answers them as
//! 422 (or 409) naming the field, the pages show them beside the field.

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field at fault, as the client named it (`phones[1]`, `end_date`).
    pub field: String,
    /// A stable machine code, e.g. `required`, `invalid_phone`, `duplicate`.
    pub code: String,
    /// A human explanation (English; the pages translate `code`).
    pub message: String,
}

/// A collection of field errors; empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), code: code.to_owned(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when no error was added.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// A single-error collection.
    pub fn one(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, code, message);
        e
    }

    /// Requires a non-blank text of at most `max` characters; trims it in place.
    pub fn text(&mut self, field: &str, value: &mut String, max: usize) {
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            *value = trimmed.to_owned();
        }
        if value.is_empty() {
            self.add(field, "required", format!("{field} must not be empty"));
        } else if value.chars().count() > max {
            self.add(field, "too_long", format!("{field} must be at most {max} characters"));
        }
    }

    /// An optional text: trimmed, blank becomes `None`, at most `max` characters.
    pub fn opt_text(&mut self, field: &str, value: &mut Option<String>, max: usize) {
        if let Some(v) = value {
            let t = v.trim().to_owned();
            if t.is_empty() {
                *value = None;
            } else if t.chars().count() > max {
                self.add(field, "too_long", format!("{field} must be at most {max} characters"));
            } else {
                *v = t;
            }
        }
    }

    /// A count that may not be negative.
    pub fn non_negative(&mut self, field: &str, value: i64) {
        if value < 0 {
            self.add(field, "negative", format!("{field} must not be negative"));
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}
