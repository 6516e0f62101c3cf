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

/// The pinyin initials of a text, as the hotline types a customer's name in
/// short (南京供电 → `njgd`): a Han character gives its reading's first letter,
/// letters and digits stay (lower-cased), everything else is dropped.
pub fn initials(s: &str) -> String {
    use pinyin::ToPinyin;
    s.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else {
                c.to_pinyin().and_then(|p| p.first_letter().chars().next())
            }
        })
        .collect()
}

/// Whether a search text looks like pinyin initials (2–12 Latin letters).
pub fn looks_like_initials(q: &str) -> bool {
    (2..=12).contains(&q.len()) && q.chars().all(|c| c.is_ascii_alphabetic())
}

/// Whether a character changes the direction text is shown in without being
/// visible itself (U+202E RIGHT-TO-LEFT OVERRIDE makes `report\u{202e}fdp.exe`
/// read as `reportexe.pdf`), or is another invisible format mark (zero-width
/// space, byte-order mark). File names never keep these.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    #[test]
    fn direction_overrides_are_invisible_format_marks() {
        let name = "report\u{202e}fdp.exe";
        let kept: String = name.chars().filter(|c| !super::is_invisible_format(*c)).collect();
        assert_eq!(kept, "reportfdp.exe");
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{200e}',
            '\u{200f}', '\u{61c}', '\u{feff}',
        ] {
            assert!(super::is_invisible_format(c), "{c:?}");
        }
        for c in ['a', '报', '.', '-', ' ', '\u{5d0}'] {
            assert!(!super::is_invisible_format(c), "{c:?}");
        }
    }

    use super::*;

    #[test]
    fn initials_of_customer_names() {
        assert_eq!(initials("南京供电公司"), "njgdgs");
        assert_eq!(initials("南京供电"), "njgd");
        assert_eq!(initials("DS-8600 存储"), "ds8600cc");
        assert!(initials("南京市第一人民医院").contains("njs"));
        assert!(looks_like_initials("njgd") && !looks_like_initials("n") && !looks_like_initials("南京"));
    }
}
