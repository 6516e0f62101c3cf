//! The one translation catalogue: every string a user reads (pages, e-mails,
//! notifications) is a key here with its Chinese (first) and English text.
//! A key missing from the catalogue is shown as itself, so a page test that
//! looks for dotted keys in the rendered text finds every omission.

use crate::role::Language;
use std::collections::HashMap;
use std::sync::OnceLock;

/// `(key, zh-CN, en)`.
pub type Entry = (&'static str, &'static str, &'static str);

mod entries;
pub use entries::ENTRIES;

fn index() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static INDEX: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    INDEX.get_or_init(|| ENTRIES.iter().map(|(k, zh, en)| (*k, (*zh, *en))).collect())
}

/// The text of `key` in `lang`; the key itself when the catalogue lacks it.
pub fn t(lang: Language, key: &str) -> &str {
    match index().get(key) {
        Some((zh, en)) => match lang {
            Language::ZhCn => zh,
            Language::En => en,
        },
        None => key,
    }
}

/// Whether the catalogue has `key`.
pub fn has(key: &str) -> bool {
    index().contains_key(key)
}

/// A message the core or the app wrote in English (the API's language), in
/// `lang`: the catalogue entry whose English text it is, or the closing guard's
/// list of missing steps piece by piece; the English text when there is none.
pub fn from_english(lang: Language, text: &str) -> String {
    if lang == Language::En {
        return text.to_owned();
    }
    static BY_EN: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let by_en = BY_EN.get_or_init(|| {
        ENTRIES.iter().filter(|(k, _, _)| k.starts_with("refusal.")).map(|(_, zh, en)| (*en, *zh)).collect()
    });
    if let Some(zh) = by_en.get(text) {
        return (*zh).to_owned();
    }
    if let Some(rest) = text.strip_prefix("cannot close yet: missing ") {
        let parts: Vec<String> =
            rest.split(", ").map(|p| by_en.get(p).map_or(p.to_owned(), |z| (*z).to_owned())).collect();
        return format!("{}{}", t(lang, "refusal.close_missing"), parts.join("、"));
    }
    if text.starts_with("cannot ") && text.contains(" while the event is ") {
        return t(lang, "refusal.not_now").to_owned();
    }
    if text.contains(" may not ") && text.ends_with(" this event") {
        return t(lang, "refusal.not_yours").to_owned();
    }
    text.to_owned()
}

/// The language from a tag such as `zh-CN`, `zh`, `en-US` (Chinese unless English).
pub fn language(tag: &str) -> Language {
    if tag.trim().to_ascii_lowercase().starts_with("en") { Language::En } else { Language::ZhCn }
}

/// The catalogue's code for a language.
pub fn code(lang: Language) -> &'static str {
    match lang {
        Language::ZhCn => "zh-CN",
        Language::En => "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in ENTRIES {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{k} lacks a text");
            assert!(k.contains('.'), "{k}: keys are dotted");
        }
    }

    #[test]
    fn the_flows_refusals_read_in_chinese() {
        for text in [
            "a reason is required",
            "a review (回顾) is held for major incidents",
            "an approval is already pending",
            "approving an L2 request routes it to a named L2 engineer",
            "name a team, an engineer or a partner firm",
            "no approval is pending",
            "on-site work needs a submitted service report before the event is resolved",
            "on-site work needs the customer's signature on the service report first",
            "only an approval awaiting the specialist can be referred to the manager",
            "that expert is already consulted",
            "the customer has already confirmed",
            "the event is already with L3",
            "the service report is already confirmed",
            "there is no submitted service report to confirm",
            "cannot Resolve while the event is awaiting_approval",
            "engineer may not Close this event",
        ] {
            let zh = from_english(Language::ZhCn, text);
            assert_ne!(zh, text, "{text} has no Chinese");
            assert_eq!(from_english(Language::En, text), text);
        }
        assert_eq!(
            from_english(
                Language::ZhCn,
                "cannot close yet: missing the customer's confirmation, the documentation step"
            ),
            "尚不能关闭，还缺：客户确认、知识沉淀"
        );
    }

    #[test]
    fn lookups() {
        assert_eq!(t(Language::ZhCn, "notice.major_incident"), "重大事件");
        assert_eq!(t(Language::En, "notice.major_incident"), "Major incident");
        assert_eq!(t(Language::En, "no.such.key"), "no.such.key");
        assert_eq!(language("en-US"), Language::En);
        assert_eq!(language("zh-CN,zh;q=0.9"), Language::ZhCn);
    }
}
