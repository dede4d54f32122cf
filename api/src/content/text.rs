//! Derived text: Markdown rendered to sanitised HTML, plain text, word counts.

use pulldown_cmark::{Event, Options, Parser, TagEnd};

/// Words read per minute for `reading_time_minutes`.
const WORDS_PER_MINUTE: u32 = 230;

/// The Markdown parser every rendering of a body uses (CommonMark with
/// tables, strikethrough and footnotes).
pub(crate) fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES,
    )
}

/// CommonMark rendered to HTML, then sanitised (scripts, event handlers and
/// dangerous URLs removed) so front ends can insert it as is.
pub fn to_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 4);
    pulldown_cmark::html::push_html(&mut html, parser(markdown));
    ammonia::clean(&html)
}

/// The readable text of a Markdown document: markup and raw HTML dropped,
/// blocks separated by blank lines.
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in parser(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableRow,
            ) => {
                let trimmed = text.trim_end_matches([' ', '\n']).len();
                text.truncate(trimmed);
                if !text.is_empty() {
                    text.push_str("\n\n");
                }
            }
            Event::End(TagEnd::TableCell) => text.push('\t'),
            _ => {}
        }
    }
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    text
}

/// Words in a Markdown document's text: runs between white space that hold
/// at least one letter or digit (so « and — do not count).
pub fn word_count(markdown: &str) -> u32 {
    let count = to_text(markdown)
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .count();
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// Minutes to read `words` words, rounded up; zero only for an empty text.
pub fn reading_time_minutes(words: u32) -> u32 {
    words.div_ceil(WORDS_PER_MINUTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_rendered_and_sanitised() {
        let html =
            to_html("# Titre\n\nUn *été* <script>alert(1)</script> [lien](javascript:alert(1))");
        assert!(html.contains("<h1>Titre</h1>"), "{html}");
        assert!(html.contains("<em>été</em>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn text_drops_markup_and_keeps_accents() {
        let text = to_text("# « Ça va »\n\nUn **été** très `chaud`.\n\n- un\n- deux");
        assert_eq!(text, "« Ça va »\n\nUn été très chaud.\n\nun\n\ndeux");
    }

    #[test]
    fn words_ignore_punctuation_marks() {
        assert_eq!(word_count("« Ça va » — l'été, *bien* !"), 4);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn reading_time_rounds_up() {
        assert_eq!(reading_time_minutes(0), 0);
        assert_eq!(reading_time_minutes(1), 1);
        assert_eq!(reading_time_minutes(230), 1);
        assert_eq!(reading_time_minutes(231), 2);
    }
}
