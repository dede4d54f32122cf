//! Comparing two revisions: which fields changed, and for long text, which
//! words — ready for a UI to show as is.

use serde_json::{Map, Value};
use similar::{ChangeTag, TextDiff};

/// Fields compared word by word.
pub const LONG_TEXT: [&str; 4] = ["body", "excerpt", "bio", "description"];

/// One run of words in a word diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// `equal`, `delete` or `insert`.
    pub op: &'static str,
    /// The words, with their spacing.
    pub text: String,
}

/// How one field differs.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    /// `changed`, `added` or `removed`.
    pub kind: &'static str,
    pub before: Value,
    pub after: Value,
    /// For long text fields: the word-level diff.
    pub words: Option<Vec<Segment>>,
}

/// The field-level differences between two snapshots (JSON objects), in the
/// order of the newer one's fields, then fields only the older one had.
pub fn snapshots(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for (field, new) in after {
        let old = before.get(field).cloned().unwrap_or(Value::Null);
        if &old == new {
            continue;
        }
        let kind = match (&old, new) {
            (Value::Null, _) => "added",
            (_, Value::Null) => "removed",
            _ => "changed",
        };
        let words = match (&old, new) {
            (Value::String(a), Value::String(b)) if LONG_TEXT.contains(&field.as_str()) => {
                Some(words(a, b))
            }
            (Value::Null, Value::String(b)) if LONG_TEXT.contains(&field.as_str()) => {
                Some(words("", b))
            }
            (Value::String(a), Value::Null) if LONG_TEXT.contains(&field.as_str()) => {
                Some(words(a, ""))
            }
            _ => None,
        };
        changes.push(FieldChange {
            field: field.clone(),
            kind,
            before: old,
            after: new.clone(),
            words,
        });
    }
    for (field, old) in before {
        if !after.contains_key(field) && !old.is_null() {
            changes.push(FieldChange {
                field: field.clone(),
                kind: "removed",
                before: old.clone(),
                after: Value::Null,
                words: None,
            });
        }
    }
    changes
}

/// A word-level diff of two texts: runs of equal, deleted and inserted words.
/// Joining the `equal` and `delete` runs gives the old text; `equal` and
/// `insert`, the new one.
pub fn words(old: &str, new: &str) -> Vec<Segment> {
    let diff = TextDiff::from_words(old, new);
    let mut segments: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => "equal",
            ChangeTag::Delete => "delete",
            ChangeTag::Insert => "insert",
        };
        match segments.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => segments.push(Segment {
                op,
                text: change.value().to_owned(),
            }),
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn join(segments: &[Segment], skip: &str) -> String {
        segments
            .iter()
            .filter(|s| s.op != skip)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn word_diffs_rebuild_both_texts() {
        let old = "Le chat dort sur le canapé.\n\nFin.";
        let new = "Le chien dort sur le tapis rouge.\n\nFin.";
        let segments = words(old, new);
        assert_eq!(join(&segments, "insert"), old);
        assert_eq!(join(&segments, "delete"), new);
        assert!(
            segments
                .iter()
                .any(|s| s.op == "delete" && s.text.contains("chat"))
        );
        assert!(
            segments
                .iter()
                .any(|s| s.op == "insert" && s.text.contains("chien"))
        );
    }

    #[test]
    fn only_changed_fields_are_listed_and_long_text_gets_words() {
        let before =
            json!({"title": "Avant", "body": "un deux trois", "subtitle": null, "tags": ["a"]});
        let after = json!({"title": "Après", "body": "un quatre trois", "subtitle": "Nouveau", "tags": ["a"]});
        let changes = snapshots(before.as_object().unwrap(), after.as_object().unwrap());
        let fields: Vec<(&str, &str)> =
            changes.iter().map(|c| (c.field.as_str(), c.kind)).collect();
        assert_eq!(
            fields,
            [
                ("title", "changed"),
                ("body", "changed"),
                ("subtitle", "added")
            ]
        );
        assert!(changes[0].words.is_none(), "short fields have no word diff");
        assert_eq!(changes[1].words.as_ref().unwrap().len(), 4);
    }
}
