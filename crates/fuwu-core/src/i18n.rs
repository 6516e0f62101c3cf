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
mod plan_entries;
pub use entries::ENTRIES;
pub use plan_entries::PLAN;

/// Every entry of the catalogue (the planned services keep theirs apart).
pub fn all() -> impl Iterator<Item = &'static Entry> {
    ENTRIES.iter().chain(PLAN.iter())
}

fn index() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static INDEX: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    INDEX.get_or_init(|| all().map(|(k, zh, en)| (*k, (*zh, *en))).collect())
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
        for (k, zh, en) in all() {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{k} lacks a text");
            assert!(k.contains('.'), "{k}: keys are dotted");
        }
    }

    #[test]
    fn refusals_are_codes_read_in_either_language() {
        use crate::said::Said;
        let close = Said::new("close_missing").with("missing", "confirmation,documentation");
        assert_eq!(close.text(Language::ZhCn), "尚不能关闭，还缺：客户确认、知识沉淀");
        assert_eq!(close.api_text(), "cannot close yet: missing the customer's confirmation, the documentation step");
        let tier = Said::new("l2_from_l1_only").with("tier", "L2");
        assert_eq!(tier.api_text(), "the event is already at L2; only L1 asks for L2");
        assert!(!ENTRIES.iter().any(|(k, _, _)| k.starts_with("refusal.")), "refusals live under said.*");
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
