//! Ghost's JSON export (`db[0].data`): `users` become authors, `tags`
//! tags (internal `#tags` are left out), `posts` of type `post` articles
//! (pages are left out), with their authors and tags in the order of
//! `posts_authors` and `posts_tags`, and `posts_meta` for the SEO fields
//! and the featured image's alt text; `settings.locale` is the language of
//! posts without their own. A body is the post's `html`, or its
//! Lexical document, or its Mobiledoc, rendered to HTML. `__GHOST_URL__`
//! (Ghost's stand-in for its own address) becomes `--site-url`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use chrono::Utc;
use entities::types::State;
use serde_json::Value;

use super::{Person, Post, Term, parse_date};

/// Ghost's stand-in for the site's address in stored URLs.
const GHOST_URL: &str = "__GHOST_URL__";

/// What a Ghost export holds, as people, terms and posts.
pub struct Export {
    pub people: Vec<Person>,
    pub terms: Vec<Term>,
    pub posts: Vec<Post>,
    /// Pages and internal tags, left out.
    pub left_out: Vec<String>,
}

/// Reads the export at `path`; `site_url` replaces `__GHOST_URL__`.
pub fn read(path: &Path, site_url: Option<&str>) -> anyhow::Result<Export> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
    let root: Value = serde_json::from_reader(std::io::BufReader::new(file))
        .with_context(|| format!("{name}: not a whole JSON document (cut short or damaged)"))?;
    let data = root
        .pointer("/db/0/data")
        .or_else(|| root.get("data"))
        .with_context(|| format!("{name}: not a Ghost export (no db[0].data)"))?;
    let data = Data { data, site_url };
    let people = data
        .list("users")
        .iter()
        .map(|user| Person {
            key: id(user),
            slug: text(user, "slug").unwrap_or_default(),
            name: text(user, "name").unwrap_or_default(),
            email: text(user, "email"),
            bio: text(user, "bio"),
            website: text(user, "website"),
            avatar_url: text(user, "profile_image").map(|raw| data.url(&raw)),
        })
        .collect();
    let mut left_out = Vec::new();
    let mut terms = Vec::new();
    for tag in data.list("tags") {
        if text(&tag, "visibility").as_deref() == Some("internal") {
            let name = text(&tag, "name").unwrap_or_default();
            left_out.push(format!("internal tag {name}"));
            continue;
        }
        terms.push(Term {
            key: id(&tag),
            slug: text(&tag, "slug").unwrap_or_default(),
            name: text(&tag, "name").unwrap_or_default(),
            description: text(&tag, "description"),
            kind: None,
        });
    }
    let posts = data.posts(&terms, &mut left_out);
    Ok(Export {
        people,
        terms,
        posts,
        left_out,
    })
}

/// The `data` of an export, and the site's address.
struct Data<'a> {
    data: &'a Value,
    site_url: Option<&'a str>,
}

impl Data<'_> {
    fn list(&self, field: &str) -> Vec<Value> {
        self.data
            .get(field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    /// A stored address with `__GHOST_URL__` replaced (when the site's is known).
    fn url(&self, raw: &str) -> String {
        self.site_url.map_or_else(
            || raw.to_owned(),
            |site| raw.replace(GHOST_URL, site.trim_end_matches('/')),
        )
    }

    /// The `other` keys of each post in link table `field`, in `sort_order`.
    fn ordered(&self, field: &str, other: &str) -> HashMap<String, Vec<String>> {
        let mut links: Vec<(String, i64, String)> = self
            .list(field)
            .iter()
            .map(|link| {
                let post = link.get("post_id").map(value_key).unwrap_or_default();
                let order = link.get("sort_order").and_then(Value::as_i64).unwrap_or(0);
                let key = link.get(other).map(value_key).unwrap_or_default();
                (post, order, key)
            })
            .collect();
        links.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut by_post: HashMap<String, Vec<String>> = HashMap::new();
        for (post, _, key) in links {
            by_post.entry(post).or_default().push(key);
        }
        by_post
    }

    /// The posts (pages go to `left_out`), with their authors and the
    /// tags of `terms` in order.
    fn posts(&self, terms: &[Term], left_out: &mut Vec<String>) -> Vec<Post> {
        let mut authors = self.ordered("posts_authors", "author_id");
        let mut tags = self.ordered("posts_tags", "tag_id");
        let known: std::collections::HashSet<&str> = terms.iter().map(|t| t.key.as_str()).collect();
        let meta: HashMap<String, Value> = self
            .list("posts_meta")
            .into_iter()
            .map(|meta| (meta.get("post_id").map(value_key).unwrap_or_default(), meta))
            .collect();
        // The site's language, for posts without a locale of their own.
        let site_locale = self
            .list("settings")
            .iter()
            .find(|setting| text(setting, "key").as_deref() == Some("locale"))
            .and_then(|setting| text(setting, "value"));
        let mut posts = Vec::new();
        for post in self.list("posts") {
            let key = id(&post);
            let title = text(&post, "title").unwrap_or_default();
            if text(&post, "type").is_some_and(|kind| kind != "post") {
                left_out.push(format!("page {key} «{title}»"));
                continue;
            }
            let meta = meta.get(&key);
            let field = |name: &str| text(&post, name).or_else(|| meta.and_then(|m| text(m, name)));
            let date = |name: &str| field(name).as_deref().and_then(parse_date);
            let created_at = date("created_at").unwrap_or_else(Utc::now);
            let mut post_authors = authors.remove(&key).unwrap_or_default();
            if post_authors.is_empty() {
                post_authors.extend(text(&post, "author_id"));
            }
            let post_tags = tags.remove(&key).unwrap_or_default();
            posts.push(Post {
                url: None,
                slug: text(&post, "slug"),
                html: self.url(&body_html(&post)),
                excerpt: text(&post, "custom_excerpt"),
                state: match text(&post, "status").as_deref() {
                    Some("published" | "sent") => State::Published,
                    Some("scheduled") => State::Scheduled,
                    _ => State::Draft,
                },
                published_at: date("published_at"),
                updated_at: date("updated_at").unwrap_or(created_at),
                created_at,
                locale: text(&post, "locale").or_else(|| site_locale.clone()),
                feature_image: text(&post, "feature_image").map(|raw| self.url(&raw)),
                feature_image_alt: field("feature_image_alt"),
                seo_title: field("meta_title"),
                seo_description: field("meta_description"),
                canonical_url: field("canonical_url"),
                authors: post_authors,
                terms: post_tags
                    .into_iter()
                    .filter(|t| known.contains(t.as_str()))
                    .collect(),
                id: key,
                title,
            });
        }
        posts
    }
}

fn text(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn id(value: &Value) -> String {
    value.get("id").map(value_key).unwrap_or_default()
}

/// An id as a string, whether Ghost wrote it as one or as a number.
fn value_key(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The post's HTML: `html` when present, else its Lexical document, else
/// its Mobiledoc.
fn body_html(post: &Value) -> String {
    if let Some(html) = post
        .get("html")
        .and_then(Value::as_str)
        .filter(|h| !h.trim().is_empty())
    {
        return html.to_owned();
    }
    let document = |field: &str| {
        post.get(field)
            .and_then(Value::as_str)
            .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
    };
    if let Some(lexical) = document("lexical") {
        let mut html = String::new();
        lexical_html(lexical.get("root").unwrap_or(&lexical), &mut html);
        return html;
    }
    document("mobiledoc")
        .map(|doc| mobiledoc_html(&doc))
        .unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn markdown_html(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
    html
}

/// Renders a Lexical node (and its children) as HTML.
fn lexical_html(node: &Value, out: &mut String) {
    let text = |field: &str| node.get(field).and_then(Value::as_str).unwrap_or_default();
    let children = |out: &mut String| {
        for child in node
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            lexical_html(child, out);
        }
    };
    let wrap = |tag: &str, out: &mut String| {
        out.push_str(&format!("<{tag}>"));
        children(out);
        out.push_str(&format!("</{tag}>"));
    };
    match text("type") {
        "root" => children(out),
        "paragraph" => wrap("p", out),
        "heading" | "extended-heading" => {
            wrap(node.get("tag").and_then(Value::as_str).unwrap_or("h2"), out)
        }
        "quote" | "extended-quote" | "aside" => wrap("blockquote", out),
        "list" => wrap(
            if text("listType") == "number" {
                "ol"
            } else {
                "ul"
            },
            out,
        ),
        "listitem" => wrap("li", out),
        "link" => {
            out.push_str(&format!("<a href=\"{}\">", escape(text("url"))));
            children(out);
            out.push_str("</a>");
        }
        "text" | "extended-text" => {
            let format = node.get("format").and_then(Value::as_i64).unwrap_or(0);
            let marks = [(1, "strong"), (2, "em"), (4, "s"), (16, "code")];
            let on: Vec<&str> = marks
                .iter()
                .filter(|(bit, _)| format & bit != 0)
                .map(|(_, tag)| *tag)
                .collect();
            on.iter().for_each(|tag| out.push_str(&format!("<{tag}>")));
            out.push_str(&escape(text("text")));
            on.iter()
                .rev()
                .for_each(|tag| out.push_str(&format!("</{tag}>")));
        }
        "linebreak" => out.push_str("<br>"),
        "horizontalrule" => out.push_str("<hr>"),
        "image" => out.push_str(&format!(
            "<img src=\"{}\" alt=\"{}\">",
            escape(text("src")),
            escape(text("alt"))
        )),
        "markdown" => out.push_str(&markdown_html(text("markdown"))),
        "html" => out.push_str(text("html")),
        "codeblock" => out.push_str(&format!("<pre><code>{}</code></pre>", escape(text("code")))),
        _ => children(out),
    }
}

/// Renders a Mobiledoc document as HTML: markup sections, lists, images,
/// and the markdown, html, image and hr cards.
fn mobiledoc_html(doc: &Value) -> String {
    let markups = array(doc.get("markups"));
    let cards = array(doc.get("cards"));
    let mut out = String::new();
    for section in array(doc.get("sections")) {
        let parts = section.as_array().cloned().unwrap_or_default();
        let tag = parts
            .get(1)
            .and_then(Value::as_str)
            .unwrap_or("p")
            .to_lowercase();
        match parts.first().and_then(Value::as_u64) {
            Some(1) => {
                out.push_str(&format!("<{tag}>"));
                mobiledoc_markers(&array(parts.get(2)), &markups, &mut out);
                out.push_str(&format!("</{tag}>"));
            }
            Some(3) => {
                out.push_str(&format!("<{tag}>"));
                for item in array(parts.get(2)) {
                    out.push_str("<li>");
                    mobiledoc_markers(
                        item.as_array().map_or(&[][..], Vec::as_slice),
                        &markups,
                        &mut out,
                    );
                    out.push_str("</li>");
                }
                out.push_str(&format!("</{tag}>"));
            }
            Some(2) => {
                let src = parts.get(1).and_then(Value::as_str).unwrap_or_default();
                out.push_str(&format!("<img src=\"{}\">", escape(src)));
            }
            Some(10) => {
                let index = parts.get(1).and_then(Value::as_u64);
                let card = index.and_then(|i| cards.get(usize::try_from(i).ok()?));
                if let Some(card) = card {
                    mobiledoc_card(card, &mut out);
                }
            }
            _ => {}
        }
    }
    out
}

fn array(value: Option<&Value>) -> Vec<Value> {
    value.and_then(Value::as_array).cloned().unwrap_or_default()
}

/// The text of Mobiledoc markers, with their markups opened and closed.
fn mobiledoc_markers(markers: &[Value], markups: &[Value], out: &mut String) {
    let mut open: Vec<String> = Vec::new();
    for marker in markers {
        let parts = marker.as_array().cloned().unwrap_or_default();
        for index in array(parts.get(1)) {
            let markup = index
                .as_u64()
                .and_then(|i| markups.get(usize::try_from(i).ok()?));
            let tag = markup
                .and_then(|m| m.get(0))
                .and_then(Value::as_str)
                .unwrap_or("span")
                .to_lowercase();
            let attributes = array(markup.and_then(|m| m.get(1)));
            let href = attributes
                .chunks(2)
                .find(|pair| pair.first().and_then(Value::as_str) == Some("href"))
                .and_then(|pair| pair.get(1))
                .and_then(Value::as_str);
            match href {
                Some(href) => out.push_str(&format!("<{tag} href=\"{}\">", escape(href))),
                None => out.push_str(&format!("<{tag}>")),
            }
            open.push(tag);
        }
        out.push_str(&escape(
            parts.get(3).and_then(Value::as_str).unwrap_or_default(),
        ));
        let closed = parts.get(2).and_then(Value::as_u64).unwrap_or(0);
        for _ in 0..closed {
            if let Some(tag) = open.pop() {
                out.push_str(&format!("</{tag}>"));
            }
        }
    }
}

/// A Mobiledoc card: markdown, html, image or hr (others have no text).
fn mobiledoc_card(card: &Value, out: &mut String) {
    let name = card.get(0).and_then(Value::as_str).unwrap_or_default();
    let payload = card.get(1).cloned().unwrap_or(Value::Null);
    let field = |name: &str| {
        payload
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match name {
        "markdown" | "card-markdown" => out.push_str(&markdown_html(&field("markdown"))),
        "html" => out.push_str(&field("html")),
        "image" => {
            let (src, alt) = (escape(&field("src")), escape(&field("alt")));
            out.push_str(&format!("<img src=\"{src}\" alt=\"{alt}\">"));
        }
        "hr" => out.push_str("<hr>"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_documents_become_html() {
        let doc: Value = serde_json::from_str(r#"{"root":{"type":"root","children":[
            {"type":"paragraph","children":[{"type":"text","text":"Les « anciens » ","format":0},{"type":"text","text":"disent","format":1}]},
            {"type":"quote","children":[{"type":"text","text":"Il fait chaud.","format":2}]},
            {"type":"list","listType":"number","children":[{"type":"listitem","children":[{"type":"link","url":"https://a.example/?x=1&y=2","children":[{"type":"text","text":"un","format":0}]}]}]}
        ]}}"#).unwrap();
        let mut html = String::new();
        lexical_html(&doc["root"], &mut html);
        assert_eq!(
            html,
            "<p>Les « anciens » <strong>disent</strong></p><blockquote><em>Il fait chaud.</em></blockquote>\
             <ol><li><a href=\"https://a.example/?x=1&amp;y=2\">un</a></li></ol>"
        );
    }

    #[test]
    fn mobiledoc_documents_become_html() {
        let doc: Value = serde_json::from_str(r#"{"version":"0.3.1","atoms":[],"markups":[["strong"],["a",["href","https://a.example"]]],
            "cards":[["markdown",{"markdown":"> cité"}],["hr",{}]],
            "sections":[[1,"p",[[0,[0],1,"Gras"],[0,[],0," et "],[0,[1],1,"lien"]]],[10,0],[10,1],[3,"ul",[[[0,[],0,"un"]],[[0,[],0,"deux"]]]]]}"#).unwrap();
        assert_eq!(
            mobiledoc_html(&doc),
            "<p><strong>Gras</strong> et <a href=\"https://a.example\">lien</a></p><blockquote>\n<p>cité</p>\n</blockquote>\n<hr><ul><li>un</li><li>deux</li></ul>"
        );
    }
}
