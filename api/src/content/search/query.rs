//! What a reader types into a search box, parsed once and written in each
//! engine's own syntax: words, `"exact phrases"`, `-excluded` words or
//! phrases, and `prefix*`. Words are runs of letters and digits, as both
//! engines split text, so `l'été` is the phrase `l été` and nothing a
//! reader types reaches an engine's syntax unquoted.

/// The longest query accepted, in characters.
pub const MAX_CHARS: usize = 256;
/// The most words and phrases a query may hold.
const MAX_PARTS: usize = 16;

/// One word or phrase of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Its words, in order (one for a plain word).
    pub words: Vec<String>,
    /// The last word is a prefix (`gén*`).
    pub prefix: bool,
    /// The part must not occur (`-word`).
    pub excluded: bool,
}

/// A parsed query: at least one part that must occur.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    parts: Vec<Part>,
}

/// The words of `text`: runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

impl SearchQuery {
    /// Parses `q`, or says what is wrong with it.
    pub fn parse(q: &str) -> Result<Self, String> {
        if q.chars().count() > MAX_CHARS {
            return Err(format!("must be at most {MAX_CHARS} characters"));
        }
        let mut parts = Vec::new();
        let mut rest = q.trim_start();
        while !rest.is_empty() {
            let excluded = rest.starts_with('-');
            if excluded {
                rest = &rest[1..];
            }
            let (text, prefix, after) = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"').unwrap_or(quoted.len());
                let after = quoted.get(end + 1..).unwrap_or("");
                let prefix = after.starts_with('*');
                (&quoted[..end], prefix, after.trim_start_matches('*'))
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '"')
                    .unwrap_or(rest.len());
                let token = &rest[..end];
                (token, token.ends_with('*'), &rest[end..])
            };
            let found = words(text);
            if !found.is_empty() {
                parts.push(Part {
                    words: found,
                    prefix,
                    excluded,
                });
            }
            rest = after.trim_start();
        }
        if parts.len() > MAX_PARTS {
            return Err(format!("must hold at most {MAX_PARTS} words and phrases"));
        }
        if parts.iter().all(|part| part.excluded) {
            return Err("must hold a word to look for".to_owned());
        }
        Ok(Self { parts })
    }

    /// The same query with the last word of every wanted part also matching
    /// longer words, as a filter box narrows while one types (`bern` finds
    /// "Bernard").
    #[must_use]
    pub fn typed_ahead(mut self) -> Self {
        for part in &mut self.parts {
            if !part.excluded {
                part.prefix = true;
            }
        }
        self
    }

    /// The parts that must occur.
    pub fn wanted(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter().filter(|part| !part.excluded)
    }

    /// The parts that must not occur.
    pub fn excluded(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter().filter(|part| part.excluded)
    }

    /// An FTS5 query: every wanted part, none of the excluded ones.
    pub fn fts5(&self) -> String {
        let wanted = Self::fts5_all(self.wanted());
        match self.fts5_excluded() {
            None => wanted,
            Some(excluded) => format!("({wanted}) NOT ({excluded})"),
        }
    }

    /// An FTS5 query matching rows whose `columns` together hold every
    /// wanted part (for ranking and highlights).
    pub fn fts5_in(&self, columns: &[&str]) -> String {
        format!(
            "{{{}}} : ({})",
            columns.join(" "),
            Self::fts5_all(self.wanted())
        )
    }

    /// The excluded parts as one FTS5 disjunction, if there are any.
    pub fn fts5_excluded(&self) -> Option<String> {
        let excluded: Vec<String> = self.excluded().map(fts5_part).collect();
        (!excluded.is_empty()).then(|| excluded.join(" OR "))
    }

    /// The wanted parts as one FTS5 conjunction.
    pub fn fts5_wanted(&self) -> String {
        Self::fts5_all(self.wanted())
    }

    fn fts5_all<'a>(parts: impl Iterator<Item = &'a Part>) -> String {
        parts.map(fts5_part).collect::<Vec<_>>().join(" AND ")
    }

    /// A PostgreSQL `to_tsquery` text: every wanted part, none of the
    /// excluded ones. The configuration it is read with folds case and
    /// accents and stems the words.
    pub fn tsquery(&self) -> String {
        let mut all: Vec<String> = self.wanted().map(tsquery_part).collect();
        all.extend(
            self.excluded()
                .map(|part| format!("!({})", tsquery_part(part))),
        );
        all.join(" & ")
    }

    /// The wanted parts alone, as a `to_tsquery` text.
    pub fn tsquery_wanted(&self) -> String {
        let all: Vec<String> = self.wanted().map(tsquery_part).collect();
        all.join(" & ")
    }
}

/// A part as an FTS5 string (a phrase when it has several words).
fn fts5_part(part: &Part) -> String {
    // Words hold letters and digits only, so no quote can close the string.
    let star = if part.prefix { "*" } else { "" };
    format!("\"{}\"{star}", part.words.join(" "))
}

/// A part as a `to_tsquery` expression (`<->` between the words of a phrase).
fn tsquery_part(part: &Part) -> String {
    let last = part.words.len() - 1;
    let words: Vec<String> = part
        .words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            // Letters and digits only: nothing of the tsquery syntax.
            if part.prefix && i == last {
                format!("'{word}':*")
            } else {
                format!("'{word}'")
            }
        })
        .collect();
    format!("({})", words.join(" <-> "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(words: &[&str], prefix: bool, excluded: bool) -> Part {
        Part {
            words: words.iter().map(|w| (*w).to_owned()).collect(),
            prefix,
            excluded,
        }
    }

    #[test]
    fn words_phrases_exclusions_and_prefixes_are_told_apart() {
        let query =
            SearchQuery::parse(r#"  Été "secrétaire général" -sport gén* -"coupe du monde" "#)
                .unwrap();
        assert_eq!(
            query.parts,
            vec![
                part(&["Été"], false, false),
                part(&["secrétaire", "général"], false, false),
                part(&["sport"], false, true),
                part(&["gén"], true, false),
                part(&["coupe", "du", "monde"], false, true),
            ]
        );
    }

    #[test]
    fn punctuation_inside_a_word_makes_a_phrase() {
        let query = SearchQuery::parse("l'été « Ça-va » 2026").unwrap();
        assert_eq!(
            query.parts,
            vec![
                part(&["l", "été"], false, false),
                part(&["Ça", "va"], false, false),
                part(&["2026"], false, false),
            ]
        );
    }

    #[test]
    fn syntax_of_the_engines_never_passes_through() {
        let query = SearchQuery::parse("a OR b) NEAR(c -d:* 'e' & !f | <->").unwrap();
        assert_eq!(
            query.fts5(),
            r#"("a" AND "OR" AND "b" AND "NEAR c" AND "e" AND "f") NOT ("d"*)"#
        );
        assert_eq!(
            query.tsquery(),
            "('a') & ('OR') & ('b') & ('NEAR' <-> 'c') & ('e') & ('f') & !(('d':*))"
        );
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end() {
        let query = SearchQuery::parse(r#"x "le monde"#).unwrap();
        assert_eq!(
            query.parts,
            vec![
                part(&["x"], false, false),
                part(&["le", "monde"], false, false)
            ]
        );
    }

    #[test]
    fn engine_syntax_is_written_per_part() {
        let query = SearchQuery::parse(r#""secrétaire gén"* -sport ete"#).unwrap();
        assert_eq!(
            query.fts5(),
            r#"("secrétaire gén"* AND "ete") NOT ("sport")"#
        );
        assert_eq!(
            query.fts5_in(&["subtitle", "excerpt"]),
            r#"{subtitle excerpt} : ("secrétaire gén"* AND "ete")"#
        );
        assert_eq!(
            query.tsquery(),
            "('secrétaire' <-> 'gén':*) & ('ete') & !(('sport'))"
        );
        assert_eq!(
            query.tsquery_wanted(),
            "('secrétaire' <-> 'gén':*) & ('ete')"
        );
    }

    #[test]
    fn typing_ahead_makes_wanted_parts_prefixes() {
        let query = SearchQuery::parse(r#"bern "le mon" -sport"#)
            .unwrap()
            .typed_ahead();
        assert_eq!(query.fts5(), r#"("bern"* AND "le mon"*) NOT ("sport")"#);
        assert_eq!(
            query.tsquery(),
            "('bern':*) & ('le' <-> 'mon':*) & !(('sport'))"
        );
    }

    #[test]
    fn a_query_needs_a_wanted_word_and_a_bounded_size() {
        assert!(SearchQuery::parse("").is_err());
        assert!(SearchQuery::parse(" -- ' * ").is_err());
        assert!(SearchQuery::parse("-sport -\"le monde\"").is_err());
        assert!(SearchQuery::parse(&"a".repeat(MAX_CHARS + 1)).is_err());
        assert!(SearchQuery::parse(&"a ".repeat(MAX_PARTS + 1)).is_err());
        assert!(SearchQuery::parse(&"a ".repeat(MAX_PARTS)).is_ok());
    }
}
