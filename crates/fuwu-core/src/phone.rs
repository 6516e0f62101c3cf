//! Telephone numbers as the hotline sees them. A number typed in any common
//! form (`+86 138 0013 8000`, `13800138000`, `010-1234 5678`, `(0755)8888-1234`,
//! `400-820-1234`, `0086 21 6123 4567 转 808`) is normalised to one canonical
//! form, so that the caller lookup finds the contact whichever way it was typed.

use serde::Serialize;

/// A normalised phone number.
///
/// Canonical forms: mainland mobiles as 11 digits (`13800138000`); mainland
/// landlines with their trunk prefix (`01012345678`, `075588881234`); service
/// numbers (`4008201234`); numbers abroad as `+` and digits (`+14155550100`).
/// An extension is kept apart and does not take part in the lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone {
    pub number: String,
    pub extension: Option<String>,
}

/// Why a text is not a phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("the phone number contains characters that are not digits")]
    BadCharacter,
    #[error("the phone number has the wrong number of digits")]
    BadLength,
}

impl Phone {
    /// Parses and normalises a typed phone number.
    pub fn parse(input: &str) -> Result<Phone, PhoneError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (main, extension) = split_extension(text);
        let mut digits = String::with_capacity(main.len());
        let mut plus = false;
        for (i, c) in main.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => {
                    // Full-width digits typed with a Chinese input method.
                    let d = (c as u32 - '０' as u32) as u8;
                    digits.push((b'0' + d) as char);
                }
                '+' | '＋' if i == 0 => plus = true,
                ' ' | '-' | '－' | '.' | '(' | ')' | '（' | '）' | '/' | '\u{3000}' => {}
                _ => return Err(PhoneError::BadCharacter),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        let national = if plus {
            match digits.strip_prefix("86") {
                Some(rest) => rest.to_owned(),
                None => return foreign(&digits, extension),
            }
        } else if let Some(rest) = digits.strip_prefix("0086") {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix("00") {
            return foreign(rest, extension);
        } else if digits.len() == 13 && digits.starts_with("861") {
            digits[2..].to_owned()
        } else {
            digits
        };
        let number = national_form(&national)?;
        Ok(Phone { number, extension })
    }
}

fn foreign(digits: &str, extension: Option<String>) -> Result<Phone, PhoneError> {
    if (7..=15).contains(&digits.len()) {
        Ok(Phone { number: format!("+{digits}"), extension })
    } else {
        Err(PhoneError::BadLength)
    }
}

/// Mainland numbers: a mobile, a landline (with or without the trunk 0), or a
/// 400/800 service number.
fn national_form(d: &str) -> Result<String, PhoneError> {
    let len = d.len();
    if len == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9') {
        return Ok(d.to_owned());
    }
    if len == 10 && (d.starts_with("400") || d.starts_with("800")) {
        return Ok(d.to_owned());
    }
    if d.starts_with('0') && (10..=12).contains(&len) && d.as_bytes()[1] != b'0' {
        return Ok(d.to_owned());
    }
    // A landline written after +86 has lost its trunk 0: 10 1234 5678.
    if !d.starts_with('0') && !d.starts_with('1') && (9..=11).contains(&len) {
        return Ok(format!("0{d}"));
    }
    if d.starts_with("10") && (9..=10).contains(&len) {
        return Ok(format!("0{d}"));
    }
    Err(PhoneError::BadLength)
}

/// Splits off an extension written as `转 808`, `ext. 808`, `x808` or `#808`.
fn split_extension(text: &str) -> (&str, Option<String>) {
    let lower = text.to_ascii_lowercase();
    for marker in ["转", "ext.", "ext", "x", "#"] {
        if let Some(pos) = lower.find(marker) {
            let ext: String = text[pos + marker.len()..].chars().filter(|c| c.is_ascii_digit()).collect();
            if !ext.is_empty() && pos > 0 {
                return (&text[..pos], Some(ext));
            }
        }
    }
    (text, None)
}

/// A checked e-mail address (lower-cased domain).
pub fn normalise_email(input: &str) -> Option<String> {
    let t = input.trim();
    let (local, domain) = t.rsplit_once('@')?;
    let ok_local = !local.is_empty() && local.len() <= 64 && !local.contains(char::is_whitespace);
    let ok_domain = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    (ok_local && ok_domain && t.len() <= 254).then(|| format!("{local}@{}", domain.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        match Phone::parse(s) {
            Ok(p) => p.number,
            Err(e) => format!("ERR {e:?}"),
        }
    }

    #[test]
    fn mobiles_in_every_common_form_become_one() {
        for typed in [
            "13800138000",
            "+86 138 0013 8000",
            "+8613800138000",
            "0086 138-0013-8000",
            "8613800138000",
            "138 0013 8000",
            "１３８００１３８０００",
        ] {
            assert_eq!(n(typed), "13800138000", "{typed}");
        }
    }

    #[test]
    fn landlines_keep_their_trunk_prefix() {
        assert_eq!(n("010-1234 5678"), "01012345678");
        assert_eq!(n("(010) 12345678"), "01012345678");
        assert_eq!(n("+86 10 1234 5678"), "01012345678");
        assert_eq!(n("+86 21 6123 4567"), "02161234567");
        assert_eq!(n("0755-8888 1234"), "075588881234");
        assert_eq!(n("+86 755 8888 1234"), "075588881234");
        assert_eq!(n("（0571）8765-4321"), "057187654321");
    }

    #[test]
    fn extensions_are_kept_apart() {
        let p = Phone::parse("021-6123 4567 转 808").unwrap();
        assert_eq!(p.number, "02161234567");
        assert_eq!(p.extension.as_deref(), Some("808"));
        assert_eq!(Phone::parse("010 1234 5678 ext. 12").unwrap().extension.as_deref(), Some("12"));
    }

    #[test]
    fn service_and_foreign_numbers() {
        assert_eq!(n("400-820-1234"), "4008201234");
        assert_eq!(n("+1 415 555 0100"), "+14155550100");
        assert_eq!(n("00852 2123 4567"), "+85221234567");
    }

    #[test]
    fn things_that_are_not_numbers_are_refused() {
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("abc"), Err(PhoneError::BadCharacter));
        assert_eq!(Phone::parse("12345"), Err(PhoneError::BadLength));
        assert_eq!(Phone::parse("1380013800"), Err(PhoneError::BadLength));
        assert_eq!(Phone::parse("138001380001234"), Err(PhoneError::BadLength));
        assert_eq!(Phone::parse("12800138000"), Err(PhoneError::BadLength));
    }

    #[test]
    fn emails() {
        assert_eq!(normalise_email(" Wang.Li@Example.COM "), Some("Wang.Li@example.com".into()));
        assert_eq!(normalise_email("no-at-sign"), None);
        assert_eq!(normalise_email("a@b"), None);
        assert_eq!(normalise_email("a b@c.cn"), None);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// However a mobile number is spaced, dashed or prefixed, it normalises to the same 11 digits.
        #[test]
        fn any_spelling_of_a_mobile_finds_the_same_number(
            second in 3u8..=9,
            rest in proptest::collection::vec(0u8..=9, 9),
            seps in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("-"), Just(".")], 11),
            prefix in prop_oneof![Just(""), Just("+86"), Just("+86 "), Just("0086"), Just("86")],
        ) {
            let digits: String = std::iter::once(1u8).chain(std::iter::once(second)).chain(rest).map(|d| char::from(b'0' + d)).collect();
            let mut typed = prefix.to_owned();
            for (c, sep) in digits.chars().zip(&seps) {
                typed.push(c);
                typed.push_str(sep);
            }
            let typed = typed.trim_end_matches(['-', '.']).to_owned();
            prop_assert_eq!(Phone::parse(&typed).map(|p| p.number), Ok(digits));
        }

        /// Parsing never panics, whatever is typed.
        #[test]
        fn parsing_never_panics(s in "\\PC{0,30}") {
            let _ = Phone::parse(&s);
        }
    }
}
