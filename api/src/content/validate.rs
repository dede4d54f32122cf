//! Field rules shared by every content type. Rules collect every problem of
//! an input so the client can fix them all at once.

use language_tags::LanguageTag;
use uuid::Uuid;

use crate::content::Patch;
use crate::error::{AppError, FieldError};

/// Collected field errors for one input.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// Records a problem with a field.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Text of at most `max_chars` characters; `required` also refuses blank text.
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize, required: bool) {
        if required && value.trim().is_empty() {
            self.push(field, "must not be blank");
        } else if value.chars().count() > max_chars {
            self.push(field, format!("must be at most {max_chars} characters"));
        }
    }

    /// Optional text of at most `max_chars` characters.
    pub fn optional_text(&mut self, field: &str, value: Option<&String>, max_chars: usize) {
        if let Some(value) = value {
            self.text(field, value, max_chars, false);
        }
    }

    /// An absolute `http` or `https` URL of at most 2,048 bytes.
    pub fn url(&mut self, field: &str, value: &str) {
        if let Err(message) = check_url(value) {
            self.push(field, message);
        }
    }

    /// An optional URL (see [`Errors::url`]).
    pub fn optional_url(&mut self, field: &str, value: Option<&String>) {
        if let Some(value) = value {
            self.url(field, value);
        }
    }

    /// Records the problem named by a failed check.
    pub fn check(&mut self, field: &str, result: Result<(), impl Into<String>>) {
        if let Err(message) = result {
            self.push(field, message);
        }
    }

    /// The value of a field that may change but never be cleared: the one
    /// sent, or `current` when it was not sent (or sent as null, which is
    /// recorded as a problem).
    pub fn required<T: Clone>(&mut self, field: &str, patch: Patch<T>, current: &T) -> T {
        match patch {
            Patch::Value(value) => value,
            Patch::Null => {
                self.push(field, "must not be null");
                current.clone()
            }
            Patch::Missing => current.clone(),
        }
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when no problem was recorded, else a 422 listing them all.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

/// 412 unless `expected` (from `If-Match` or `expectedVersion`), when
/// given, is the current version.
pub fn check_version(expected: Option<i32>, current: i32) -> Result<(), AppError> {
    match expected {
        Some(expected) if expected != current => Err(AppError::VersionConflict { current }),
        _ => Ok(()),
    }
}

/// Checks the `id` sent back in a body: none on create, the record's own on update.
pub fn check_sent_id(sent: Option<Uuid>, record: Option<Uuid>) -> Result<(), AppError> {
    match (sent, record) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(AppError::invalid("id", "is assigned by the server")),
        (Some(sent), Some(record)) if sent == record => Ok(()),
        (Some(_), Some(_)) => Err(AppError::invalid(
            "id",
            "differs from the id of the addressed record",
        )),
    }
}

/// Checks an absolute `http`/`https` URL.
pub fn check_url(value: &str) -> Result<(), String> {
    if value.len() > 2048 {
        return Err("must be at most 2048 bytes".to_owned());
    }
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(()),
        Ok(_) => Err("must be an http or https URL".to_owned()),
        Err(err) => Err(format!("must be an absolute URL ({err})")),
    }
}

/// Checks an e-mail address: one `@` between a local part and a domain with a
/// dot, no spaces, at most 254 bytes.
pub fn check_email(value: &str) -> Result<(), &'static str> {
    let valid = value.len() <= 254
        && !value.chars().any(char::is_whitespace)
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(())
    } else {
        Err("must be an e-mail address such as name@example.com")
    }
}

/// Checks a BCP 47 language tag against the IANA registry and returns it in
/// its canonical letter case (`fr-ca` → `fr-CA`; tags are case-insensitive).
pub fn locale(tag: &str) -> Result<String, String> {
    if tag.len() > 35 {
        return Err("must be a BCP 47 language tag of at most 35 characters".to_owned());
    }
    let parsed = LanguageTag::parse(tag)
        .map_err(|err| format!("must be a BCP 47 language tag such as `fr` or `en-GB` ({err})"))?;
    parsed
        .validate()
        .map_err(|err| format!("is not a registered BCP 47 language tag ({err})"))?;
    Ok(parsed.into_string())
}

/// The locales a filter or a lookup takes: a language, then optionally a
/// script and a region (`fr`, `fr-CA`, `zh-Hant-TW`, `es-419`).
pub const LOCALE_FILTER_PATTERN: &str = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$";

/// A locale to filter or look up by (see [`LOCALE_FILTER_PATTERN`]), in
/// its canonical case. Unlike [`locale`] it need not be registered: a
/// locale nothing is written in simply matches nothing.
pub fn locale_filter(tag: &str) -> Result<String, String> {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or("");
    let alpha = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
    };
    let mut ok = alpha(language, 2..=3);
    let mut rest: Vec<&str> = parts.collect();
    if rest.first().is_some_and(|s| alpha(s, 4..=4)) {
        rest.remove(0);
    }
    match rest.as_slice() {
        [] => {}
        [region] => {
            ok &= alpha(region, 2..=2)
                || (region.len() == 3 && region.bytes().all(|b| b.is_ascii_digit()));
        }
        _ => ok = false,
    }
    if !ok {
        return Err(
            "must be a language, then optionally a script and a region, such as `fr` or `fr-CA`"
                .to_owned(),
        );
    }
    LanguageTag::parse(tag)
        .map(LanguageTag::into_string)
        .map_err(|err| format!("must be a BCP 47 language tag ({err})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_locales_follow_their_pattern() {
        assert_eq!(locale_filter("fr-ca").as_deref(), Ok("fr-CA"));
        assert_eq!(locale_filter("zh-hant-tw").as_deref(), Ok("zh-Hant-TW"));
        assert_eq!(locale_filter("es-419").as_deref(), Ok("es-419"));
        assert_eq!(
            locale_filter("xx").as_deref(),
            Ok("xx"),
            "unregistered matches nothing"
        );
        for bad in ["", "0", "f", "fr_FR", "fr-", "en-GB-oed", "fr-CA-x", "abcd"] {
            assert!(locale_filter(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn locales_are_checked_and_case_normalised() {
        assert_eq!(locale("fr").as_deref(), Ok("fr"));
        assert_eq!(locale("fr-ca").as_deref(), Ok("fr-CA"));
        assert_eq!(locale("zh-hant-tw").as_deref(), Ok("zh-Hant-TW"));
        for bad in ["", "french", "xx-YY", "fr_FR", "en-", "12"] {
            assert!(locale(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(check_url("https://example.com/a.png").is_ok());
        for bad in [
            "/relative",
            "ftp://x.org/f",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert!(check_url(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_domain() {
        assert!(check_email("zoé@exemple.fr").is_ok());
        for bad in ["", "plain", "@x.org", "a@b", "a b@c.org", "a@b@c.org"] {
            assert!(check_email(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let mut errors = Errors::default();
        errors.text("title", &"é".repeat(300), 300, true);
        assert!(errors.is_empty());
        errors.text("title", &"é".repeat(301), 300, true);
        errors.text("name", "   ", 10, true);
        assert_eq!(errors.0.len(), 2);
    }
}
