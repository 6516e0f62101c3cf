//! Refusals as codes with parameters. The catalogue holds each one's sentence
//! (`said.<code>`, with `{name}` for a parameter) in both languages: the API
//! answers the English text, the pages the user's language — no page ever has to
//! recognise an English sentence.

use crate::i18n;
use crate::role::Language;

/// A refusal: its code and named parameters. A parameter whose name is a
/// catalogue group (`role`, `state`, `action`) is a code shown by its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub code: &'static str,
    pub params: Vec<(&'static str, String)>,
}

/// Parameters shown through their catalogue group rather than as given.
const LABELLED: &[&str] = &["role", "state", "action", "plan_state", "plan_action", "plan_kind"];

/// Parameters holding a list of codes (comma-separated) of a catalogue group,
/// shown as their labels in every language, the API's English too.
const LISTS: &[&str] = &["missing"];

impl Said {
    pub fn new(code: &'static str) -> Said {
        Said { code, params: Vec::new() }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Said {
        self.params.push((name, value.into()));
        self
    }

    /// The sentence for a person reading a page in a language (codes shown by their labels).
    pub fn text(&self, lang: Language) -> String {
        self.render(lang, true)
    }

    /// The API's sentence: English, codes as codes (clients may match on them).
    pub fn api_text(&self) -> String {
        self.render(Language::En, false)
    }

    fn render(&self, lang: Language, labels: bool) -> String {
        let mut s = i18n::t(lang, &format!("said.{}", self.code)).to_owned();
        for (name, value) in &self.params {
            let shown = if LISTS.contains(name) {
                let sep = if lang == Language::En { ", " } else { "、" };
                value.split(',').map(|c| i18n::t(lang, &format!("{name}.{c}")).to_owned()).collect::<Vec<_>>().join(sep)
            } else if labels && LABELLED.contains(name) {
                i18n::t(lang, &format!("{name}.{value}")).to_owned()
            } else {
                value.clone()
            };
            s = s.replace(&format!("{{{name}}}"), &shown);
        }
        s
    }
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.api_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_in_each_language_with_its_codes_labelled() {
        let s = Said::new("role_may_not").with("role", "customer");
        assert_eq!(s.api_text(), "the role customer may not do this");
        assert_eq!(s.text(Language::En), "the role Customer contact may not do this");
        assert_eq!(s.text(Language::ZhCn), "客户联系人角色无权执行此操作");
        let n = Said::new("not_now").with("action", "close").with("state", "in_progress");
        assert!(!n.text(Language::ZhCn).contains("in_progress") && !n.text(Language::ZhCn).contains("close"));
    }
}
