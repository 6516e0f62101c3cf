//! Small text helpers shared by the layers.

/// Lower-cases and trims a search needle; `None` for a blank one.
pub fn needle(q: &str) -> Option<String> {
    let t = q.trim();
    (!t.is_empty()).then(|| t.to_lowercase())
}

/// Checks an ISO date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    if s.len() != 10 {
        return None;
    }
    s.parse::<jiff::civil::Date>().ok()
}

/// Whether both databases can hold the text: PostgreSQL refuses the NUL
/// character in text, so it is refused everywhere (422) rather than stored on
/// SQLite only.
pub fn storable(s: &str) -> bool {
    !s.contains('\0')
}
