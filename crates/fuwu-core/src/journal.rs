//! The event journal's arithmetic: each journal row stores what an action
//! changed (a field-level diff of the event record); replaying the rows in
//! order rebuilds the record. Tests and audits rely on this being exact.

use serde_json::{Map, Value};

/// The fields of `after` that differ from `before` (a removed field becomes null).
pub fn diff(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in after {
        if before.get(k) != Some(v) {
            out.insert(k.clone(), v.clone());
        }
    }
    for k in before.keys() {
        if !after.contains_key(k) {
            out.insert(k.clone(), Value::Null);
        }
    }
    out
}

/// Applies the changes of each row in order, starting from nothing.
pub fn replay<'a>(changes: impl IntoIterator<Item = &'a Map<String, Value>>) -> Map<String, Value> {
    let mut state = Map::new();
    for c in changes {
        for (k, v) in c {
            if v.is_null() {
                state.remove(k);
            } else {
                state.insert(k.clone(), v.clone());
            }
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn diff_names_only_what_changed() {
        let a = obj(json!({"state": "assigned", "tier": "L1", "x": 1}));
        let b = obj(json!({"state": "in_progress", "tier": "L1"}));
        assert_eq!(Value::Object(diff(&a, &b)), json!({"state": "in_progress", "x": null}));
    }

    proptest! {
        /// Replaying the diffs of any sequence of records rebuilds the last one (nulls dropped).
        #[test]
        fn replay_rebuilds_the_last_state(states in proptest::collection::vec(proptest::collection::btree_map("[a-e]", prop_oneof![Just(Value::Null), any::<i64>().prop_map(Value::from), "[a-z]{0,3}".prop_map(Value::from)], 0..5), 1..10)) {
            let maps: Vec<Map<String, Value>> = states.into_iter().map(|m| m.into_iter().filter(|(_, v)| !v.is_null()).collect()).collect();
            let mut prev = Map::new();
            let mut rows = Vec::new();
            for m in &maps {
                rows.push(diff(&prev, m));
                prev = m.clone();
            }
            prop_assert_eq!(replay(&rows), maps.last().cloned().unwrap_or_default());
        }
    }
}
