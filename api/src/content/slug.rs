//! Slugs: generated from a title or name by ASCII transliteration, and checked
//! when given explicitly.

use sea_orm::{Condition, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::error::AppError;
use crate::storage::Slugged;

/// Longest slug a client may send.
pub const MAX_LEN: usize = 200;
/// Generated slugs are cut at a word boundary below this length.
const GENERATED_MAX_LEN: usize = 80;

/// Turns any text into a slug: transliterate to ASCII, lower-case, and join
/// the runs of letters and digits with single dashes.
/// `L'été où Zoë a créé « Ça Va »` becomes `l-ete-ou-zoe-a-cree-ca-va`.
/// Text with no letters or digits at all gives `fallback`.
pub fn slugify(text: &str, fallback: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if slug.len() > GENERATED_MAX_LEN {
        let cut = slug[..GENERATED_MAX_LEN]
            .rfind('-')
            .unwrap_or(GENERATED_MAX_LEN);
        slug.truncate(cut);
    }
    if slug.is_empty() {
        fallback.to_owned()
    } else {
        slug
    }
}

/// Checks an explicit slug: lower-case ASCII letters and digits in runs joined
/// by single dashes, at most [`MAX_LEN`] long, and not shaped like an id.
pub fn check(slug: &str) -> Result<(), &'static str> {
    if slug.is_empty() {
        return Err("must not be empty");
    }
    if slug.len() > MAX_LEN {
        return Err("must be at most 200 characters");
    }
    let well_formed = slug.split('-').all(|run| {
        !run.is_empty()
            && run
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !well_formed {
        return Err("must be lower-case letters a-z and digits, in words joined by single dashes");
    }
    if uuid::Uuid::parse_str(slug).is_ok() {
        return Err("must not have the shape of an id (a UUID)");
    }
    Ok(())
}

/// The slug of a new entity: the one given (409 when taken within
/// `scope`), or one made from `text` (`fallback` when it has no letters)
/// and made free with `-2`, `-3`…
pub(crate) async fn for_new<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    store: &Slugged<E>,
    given: Option<&String>,
    (text, fallback): (&str, &str),
    scope: Condition,
) -> Result<String, AppError> {
    match given {
        Some(slug) => {
            store.ensure_free(conn, slug, scope, None).await?;
            Ok(slug.clone())
        }
        None => store.free_slug(conn, &slugify(text, fallback), scope).await,
    }
}

/// The slug of an edited entity: the one given, if it changes (409 when
/// another entity has it within `scope`), else the current one.
pub(crate) async fn for_edit<E: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    store: &Slugged<E>,
    given: Option<&String>,
    current: &str,
    id: Uuid,
    scope: Condition,
) -> Result<String, AppError> {
    match given {
        Some(slug) if slug != current => {
            store.ensure_free(conn, slug, scope, Some(id)).await?;
            Ok(slug.clone())
        }
        _ => Ok(current.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_title_is_transliterated() {
        assert_eq!(
            slugify("L'été où Zoë a créé « Ça Va »", "x"),
            "l-ete-ou-zoe-a-cree-ca-va"
        );
    }

    #[test]
    fn punctuation_and_spacing_collapse_to_single_dashes() {
        assert_eq!(
            slugify("  Hello,   World!! -- 2026 ", "x"),
            "hello-world-2026"
        );
        assert_eq!(slugify("“Curly” quotes’ test", "x"), "curly-quotes-test");
        assert_eq!(slugify("Straße über Größe", "x"), "strasse-uber-grosse");
    }

    #[test]
    fn text_without_letters_uses_the_fallback() {
        assert_eq!(slugify("!!! ???", "article"), "article");
        assert_eq!(slugify("", "tag"), "tag");
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let slug = slugify(&"word ".repeat(40), "x");
        assert!(slug.len() <= 80, "{slug}");
        assert!(slug.ends_with("word"), "{slug}");
    }

    #[test]
    fn explicit_slugs_are_checked() {
        assert!(check("a-good-slug-2").is_ok());
        for bad in [
            "",
            "Upper",
            "two--dashes",
            "-lead",
            "trail-",
            "sp ace",
            "é",
            "0190a0d4-5b7c-7def-8abc-0123456789ab",
        ] {
            assert!(check(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(check(&"a".repeat(201)).is_err());
    }
}
