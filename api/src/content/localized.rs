//! Text per locale (design §13): the names of tags and authors, and the bios
//! of authors, beside their default `name` and `bio`. Stored as a JSON
//! object (`{"en": "Economy", "fr": "Économie"}`), keyed by canonical BCP 47
//! locales.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::validate::{self, Errors};
use crate::error::AppError;

/// Text by locale, ordered by locale.
pub type Localized = BTreeMap<String, String>;

/// Most locales one field may hold.
const MAX_LOCALES: usize = 50;

/// The text of a stored column; a column that is not such an object is
/// corrupt, and said to be.
pub fn from_column(text: Option<&str>, (what, id): (&str, Uuid)) -> Result<Localized, AppError> {
    match text {
        None => Ok(Localized::new()),
        Some(text) => serde_json::from_str(text).map_err(|err| {
            AppError::Internal(anyhow::anyhow!(
                "{what} of {id} is not an object of texts by locale: {err}"
            ))
        }),
    }
}

/// The column of a value (`None` when empty).
pub fn to_column(value: &Localized) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    serde_json::to_string(value).ok()
}

/// Checks `value` (`field.<locale>` names what is wrong) and returns it with
/// its locales in canonical case. Texts must not be blank when `required`.
pub fn check(
    field: &str,
    value: Localized,
    (max_chars, required): (usize, bool),
    errors: &mut Errors,
) -> Localized {
    if value.len() > MAX_LOCALES {
        errors.push(field, format!("must hold at most {MAX_LOCALES} locales"));
    }
    let mut checked = Localized::new();
    for (locale, text) in value {
        let at = format!("{field}.{locale}");
        match validate::locale(&locale) {
            Ok(canonical) => {
                errors.text(&at, &text, max_chars, required);
                checked.insert(canonical, text);
            }
            Err(message) => errors.push(at, message),
        }
    }
    checked
}

/// All the texts, the default first, joined by spaces (for the search index).
pub fn joined(default: &str, value: &Localized) -> String {
    let mut all = default.to_owned();
    for text in value.values() {
        all.push(' ');
        all.push_str(text);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_checked_and_made_canonical() {
        let mut errors = Errors::default();
        let value = Localized::from([
            ("fr-ca".to_owned(), "Économie".to_owned()),
            ("en".to_owned(), "Economy".to_owned()),
        ]);
        let checked = check("names", value, (200, true), &mut errors);
        assert!(errors.finish().is_ok());
        assert_eq!(checked.keys().collect::<Vec<_>>(), ["en", "fr-CA"]);
        let mut errors = Errors::default();
        let bad = Localized::from([
            ("not a locale".to_owned(), "x".to_owned()),
            ("de".to_owned(), "  ".to_owned()),
        ]);
        check("names", bad, (200, true), &mut errors);
        let problem = errors.finish().unwrap_err().problem();
        let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["names.de", "names.not a locale"]);
    }

    #[test]
    fn columns_round_trip_and_corrupt_ones_are_said() {
        let value = Localized::from([("fr".to_owned(), "« Été »".to_owned())]);
        let column = to_column(&value);
        let id = Uuid::nil();
        assert_eq!(
            from_column(column.as_deref(), ("names", id)).unwrap(),
            value
        );
        assert_eq!(to_column(&Localized::new()), None);
        assert!(from_column(Some("[1]"), ("names", id)).is_err());
        assert_eq!(joined("Eté", &value), "Eté « Été »");
    }
}
