//! HTML forms into the API's input types: the form's fields become the JSON the
//! API would have received (dotted names nest, `…_id` and counts become numbers,
//! `…[]` collect into lists, textareas named in `LINES` split into lists, empty
//! fields are left out), then the API's own decoding and validation run.

use super::Ctx;
use crate::error::ApiError;
use crate::extract::same_secret;
use fuwu_app::AppError;
use fuwu_core::role::Language;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A submitted form, fields in order (repeated names kept).
pub type Fields = Vec<(String, String)>;

/// Fields whose text is one list entry per line.
const LINES: &[&str] = &["parts_changed", "versions_changed", "tags", "phones", "emails", "cities", "skills"];
/// Fields that are numbers although their names do not end in `_id`.
const NUMBERS: &[&str] = &["version", "minutes", "warning_percent", "score"];
/// Checkboxes: present means true.
const FLAGS: &[&str] = &["internal", "active", "onsite_included", "official_holidays"];

/// The form's CSRF token must be the session's; refused otherwise (403).
pub fn check_csrf(ctx: &Ctx, f: &Fields) -> Result<(), AppError> {
    let sent = f.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if sent.is_empty() || !same_secret(sent, &ctx.csrf) {
        return Err(AppError::Forbidden("CSRF 校验失败，请刷新页面后重试 / CSRF check failed; reload the page".into()));
    }
    Ok(())
}

/// The token that makes a record form record once, however often it is sent: the
/// one it was sent with, else a fresh one.
pub fn record_token(sent: &Fields) -> String {
    get(sent, "client_token").map_or_else(|| fuwu_app::auth::new_secret("form-")[..37].to_owned(), str::to_owned)
}

/// The first value of a field.
pub fn get<'a>(f: &'a Fields, name: &str) -> Option<&'a str> {
    f.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

fn scalar(name: &str, v: &str) -> Value {
    let leaf = name.rsplit('.').next().unwrap_or(name);
    if (leaf.ends_with("_id") || NUMBERS.contains(&leaf))
        && let Ok(n) = v.parse::<i64>()
    {
        return Value::from(n);
    }
    Value::String(v.to_owned())
}

fn put(obj: &mut Map<String, Value>, path: &[&str], v: Value, list: bool) {
    match path {
        [] => {}
        [leaf] => {
            if list {
                match obj.entry(leaf.to_string()).or_insert_with(|| Value::Array(vec![])) {
                    Value::Array(a) => a.push(v),
                    other => *other = Value::Array(vec![v]),
                }
            } else {
                obj.insert(leaf.to_string(), v);
            }
        }
        [head, rest @ ..] => {
            let inner = obj.entry(head.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            if let Value::Object(m) = inner {
                put(m, rest, v, list);
            }
        }
    }
}

/// The form as the API's JSON (without `csrf` and the names in `skip`).
pub fn to_json(f: &Fields, skip: &[&str]) -> Value {
    let mut obj = Map::new();
    for (k, v) in f {
        if k == "csrf" || skip.contains(&k.as_str()) {
            continue;
        }
        let (name, list) = match k.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (k.as_str(), false),
        };
        let path: Vec<&str> = name.split('.').collect();
        let leaf = path.last().copied().unwrap_or_default();
        if FLAGS.contains(&leaf) {
            put(&mut obj, &path, Value::Bool(matches!(v.as_str(), "on" | "true" | "1")), false);
            continue;
        }
        if LINES.contains(&leaf) {
            let items: Vec<Value> =
                v.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Value::String(l.to_owned())).collect();
            put(&mut obj, &path, Value::Array(items), false);
            continue;
        }
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        put(&mut obj, &path, scalar(leaf, v), list);
    }
    Value::Object(obj)
}

/// Decodes the form into `T`; a mistake names its field (422), as in the API.
pub fn decode<T: DeserializeOwned>(f: &Fields, skip: &[&str]) -> Result<T, AppError> {
    crate::extract::decode(to_json(f, skip)).map_err(|e: ApiError| e.0)
}

/// Messages per field of a refused form, to show beside each field.
#[derive(Debug, Default)]
pub struct Problems {
    pub general: Option<String>,
    pub fields: HashMap<String, String>,
    /// What the user had entered in fields a refused form shows again (choices, reasons).
    pub kept: HashMap<String, String>,
}

/// A field problem in the user's language: the catalogue's text for its code
/// (`problem.<code>`) when there is one, otherwise the API's own message.
fn explain(lang: Language, code: &str, message: &str) -> String {
    let key = format!("problem.{code}");
    if fuwu_core::i18n::has(&key) { fuwu_core::i18n::t(lang, &key).to_owned() } else { message.to_owned() }
}

impl Problems {
    pub fn of(lang: Language, e: &AppError) -> Problems {
        let mut p = Problems::default();
        match e {
            AppError::Invalid(errs) => {
                for fe in errs.0.iter() {
                    p.fields.insert(fe.field.clone(), explain(lang, &fe.code, &fe.message));
                }
                p.general = Some(fuwu_core::i18n::t(lang, "problem.check_fields").to_owned());
            }
            // A record changed meanwhile, or a unique value (name, number, serial) taken.
            AppError::Conflict { field: Some(f), message, .. } => {
                let text = match f.as_str() {
                    "version" => fuwu_core::i18n::t(lang, "problem.stale").to_owned(),
                    _ if message.contains(" is already used by ") => {
                        fuwu_core::i18n::t(lang, "problem.duplicate").to_owned()
                    }
                    _ => message.clone(),
                };
                if f == "version" {
                    p.general = Some(text.clone());
                }
                p.fields.insert(f.clone(), text);
            }
            AppError::BadRequest { message, field: Some(f) } => {
                p.fields.insert(f.clone(), message.clone());
            }
            AppError::Refused { said, field, .. } => {
                if let Some(f) = field {
                    p.fields.insert((*f).to_owned(), said.text(lang));
                }
                p.general = Some(said.text(lang));
            }
            other => p.general = Some(other.to_string()),
        }
        if p.general.is_none() && !p.fields.is_empty() {
            p.general = Some(fuwu_core::i18n::t(lang, "problem.check_fields").to_owned());
        }
        p
    }

    /// Keeps what the user entered in these fields, to show the form as it was sent.
    pub fn keep(mut self, f: &Fields, names: &[&str]) -> Problems {
        for n in names {
            if let Some(v) = get(f, n) {
                self.kept.insert((*n).to_owned(), v.to_owned());
            }
        }
        self
    }

    /// What the user had entered in a field of the refused form ("" if nothing).
    pub fn kept(&self, field: &str) -> &str {
        self.kept.get(field).map(String::as_str).unwrap_or("")
    }

    /// The message for a field, if any.
    pub fn at(&self, field: &str) -> &str {
        self.fields.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn any(&self) -> bool {
        self.general.is_some() || !self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn forms_become_the_apis_json() {
        let v = to_json(
            &f(&[
                ("csrf", "x"),
                ("action", "assign"),
                ("version", "3"),
                ("target.engineer_id", "12"),
                ("reason", ""),
                ("parts_changed", "硬盘 A\n\n控制器 B\n"),
                ("internal", "on"),
                ("ids[]", "4"),
                ("ids[]", "5"),
            ]),
            &[],
        );
        assert_eq!(
            v,
            json!({"action": "assign", "version": 3, "target": {"engineer_id": 12}, "parts_changed": ["硬盘 A", "控制器 B"], "internal": true, "ids": ["4", "5"]})
        );
    }
}
