//! An article body for readers: pictures of the media library referenced
//! as `![alt](asset:{id})`, the HTML with those resolved to their URLs, and
//! the document tree in mdast form for native renderers (`formats=ast`).

use std::collections::HashMap;

use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::text;

/// The scheme of references to the media library.
const SCHEME: &str = "asset:";

/// The `asset:` references of a body.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AssetRefs {
    /// Well-formed references, each once, in order.
    pub found: Vec<Uuid>,
    /// References that are not `asset:<uuid>`.
    pub malformed: Vec<String>,
}

/// The pictures of the media library a body refers to.
pub fn asset_refs(markdown: &str) -> AssetRefs {
    let mut refs = AssetRefs::default();
    if !markdown.contains(SCHEME) {
        return refs;
    }
    for event in text::parser(markdown) {
        if let Event::Start(Tag::Image { dest_url, .. }) = event
            && let Some(rest) = dest_url.strip_prefix(SCHEME)
        {
            match Uuid::parse_str(rest) {
                Ok(id) if !refs.found.contains(&id) => refs.found.push(id),
                Ok(_) => {}
                Err(_) => refs.malformed.push(dest_url.to_string()),
            }
        }
    }
    refs
}

/// A picture of the library as a body shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// What native renderers get on `image.asset`: id, size, placeholder…
    pub data: Value,
}

/// The pictures a body's references resolve to.
pub type Pictures = HashMap<Uuid, Picture>;

fn picture_of<'a>(dest: &str, pictures: &'a Pictures) -> Option<&'a Picture> {
    let id = Uuid::parse_str(dest.strip_prefix(SCHEME)?).ok()?;
    pictures.get(&id)
}

/// The body as sanitised HTML, library pictures at their URLs with their
/// size; a reference to a picture that is gone leaves its alt text.
pub fn to_html(markdown: &str, pictures: &Pictures) -> String {
    if !markdown.contains(SCHEME) {
        return text::to_html(markdown);
    }
    let mut events = Vec::new();
    // For each image open: whether it was dropped (a reference that
    // resolves to nothing keeps its text only).
    let mut open_images: Vec<bool> = Vec::new();
    let mut alt: Option<(Picture, String, String)> = None;
    for event in text::parser(markdown) {
        if let Some((picture, title, text)) = alt.as_mut() {
            // Inside a resolved picture: only its text counts, as its alt.
            match event {
                Event::End(TagEnd::Image) => {
                    events.push(Event::Html(img_tag(picture, text, title).into()));
                    alt = None;
                }
                Event::Text(t) | Event::Code(t) => text.push_str(&t),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) if dest_url.starts_with(SCHEME) => match picture_of(&dest_url, pictures) {
                Some(picture) => alt = Some((picture.clone(), title.to_string(), String::new())),
                None => open_images.push(true),
            },
            Event::Start(Tag::Image { .. }) => {
                open_images.push(false);
                events.push(event);
            }
            Event::End(TagEnd::Image) => {
                if open_images.pop() != Some(true) {
                    events.push(event);
                }
            }
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 4);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    ammonia::clean(&html)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn img_tag(picture: &Picture, alt: &str, title: &str) -> String {
    let mut tag = format!(
        "<img src=\"{}\" alt=\"{}\"",
        escape(&picture.url),
        escape(alt)
    );
    if let Some(width) = picture.width {
        tag.push_str(&format!(" width=\"{width}\""));
    }
    if let Some(height) = picture.height {
        tag.push_str(&format!(" height=\"{height}\""));
    }
    if !title.is_empty() {
        tag.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    tag.push_str(" />");
    tag
}

/// The body as an mdast tree (`root`, `paragraph`, `heading{depth}`,
/// `text`, `emphasis`, `strong`, `delete`, `link{url}`,
/// `image{url, alt, asset}`, `list{ordered}`, `listItem`, `blockquote`,
/// `code{lang}`, `inlineCode`, `thematicBreak`, `break`, `html`, and the
/// GFM table and footnote nodes).
pub fn to_ast(markdown: &str, pictures: &Pictures) -> Value {
    let mut stack: Vec<Map<String, Value>> = vec![parent("root")];
    for event in text::parser(markdown) {
        match event {
            Event::Start(tag) => stack.push(open(&tag, pictures)),
            Event::End(_) => {
                let Some(mut done) = stack.pop() else { break };
                if done.get("type") == Some(&json!("image")) {
                    let alt = plain_text(done.get("children"));
                    done.remove("children");
                    done.insert("alt".into(), Value::String(alt));
                }
                if done.get("type") == Some(&json!("code")) {
                    let value = plain_text(done.get("children"));
                    done.remove("children");
                    done.insert("value".into(), Value::String(value));
                }
                match stack.last_mut() {
                    Some(parent) => push_child(parent, Value::Object(done)),
                    None => break,
                }
            }
            Event::Text(t) => push_text(&mut stack, &t),
            Event::SoftBreak => push_text(&mut stack, "\n"),
            Event::HardBreak => push_leaf(&mut stack, node("break")),
            Event::Code(t) => push_leaf(&mut stack, leaf("inlineCode", &t)),
            Event::Html(t) | Event::InlineHtml(t) => push_leaf(&mut stack, leaf("html", &t)),
            Event::Rule => push_leaf(&mut stack, node("thematicBreak")),
            Event::FootnoteReference(label) => {
                let mut reference = node("footnoteReference");
                reference.insert("identifier".into(), Value::String(label.to_string()));
                push_leaf(&mut stack, reference);
            }
            Event::TaskListMarker(checked) => {
                if let Some(item) = stack.last_mut() {
                    item.insert("checked".into(), Value::Bool(checked));
                }
            }
            _ => {}
        }
    }
    stack
        .into_iter()
        .next()
        .map_or_else(|| Value::Object(parent("root")), Value::Object)
}

fn node(kind: &str) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("type".into(), Value::String(kind.to_owned()));
    map
}

fn leaf(kind: &str, value: &str) -> Map<String, Value> {
    let mut map = node(kind);
    map.insert("value".into(), Value::String(value.to_owned()));
    map
}

fn parent(kind: &str) -> Map<String, Value> {
    let mut map = node(kind);
    map.insert("children".into(), Value::Array(Vec::new()));
    map
}

/// The node a tag opens.
fn open(tag: &Tag<'_>, pictures: &Pictures) -> Map<String, Value> {
    match tag {
        Tag::Paragraph => parent("paragraph"),
        Tag::Heading { level, .. } => {
            let mut map = parent("heading");
            map.insert("depth".into(), json!(*level as u8));
            map
        }
        Tag::BlockQuote(_) => parent("blockquote"),
        Tag::CodeBlock(kind) => {
            let mut map = parent("code");
            let lang = match kind {
                CodeBlockKind::Fenced(info) => info.split_whitespace().next().map(str::to_owned),
                CodeBlockKind::Indented => None,
            };
            map.insert("lang".into(), lang.map_or(Value::Null, Value::String));
            map
        }
        Tag::List(start) => {
            let mut map = parent("list");
            map.insert("ordered".into(), Value::Bool(start.is_some()));
            if let Some(start) = start {
                map.insert("start".into(), json!(start));
            }
            map
        }
        Tag::Item => parent("listItem"),
        Tag::Emphasis => parent("emphasis"),
        Tag::Strong => parent("strong"),
        Tag::Strikethrough => parent("delete"),
        Tag::Link {
            dest_url, title, ..
        } => {
            let mut map = parent("link");
            map.insert("url".into(), Value::String(dest_url.to_string()));
            if !title.is_empty() {
                map.insert("title".into(), Value::String(title.to_string()));
            }
            map
        }
        Tag::Image {
            dest_url, title, ..
        } => {
            let mut map = parent("image");
            let picture = dest_url
                .starts_with(SCHEME)
                .then(|| picture_of(dest_url, pictures))
                .flatten();
            let url = match (picture, dest_url.starts_with(SCHEME)) {
                (Some(picture), _) => Value::String(picture.url.clone()),
                (None, true) => Value::Null,
                (None, false) => Value::String(dest_url.to_string()),
            };
            map.insert("url".into(), url);
            if !title.is_empty() {
                map.insert("title".into(), Value::String(title.to_string()));
            }
            map.insert(
                "asset".into(),
                picture.map_or(Value::Null, |p| p.data.clone()),
            );
            map
        }
        Tag::Table(_) => parent("table"),
        Tag::TableHead | Tag::TableRow => parent("tableRow"),
        Tag::TableCell => parent("tableCell"),
        Tag::FootnoteDefinition(label) => {
            let mut map = parent("footnoteDefinition");
            map.insert("identifier".into(), Value::String(label.to_string()));
            map
        }
        _ => parent("html"),
    }
}

fn push_child(parent: &mut Map<String, Value>, child: Value) {
    if let Some(Value::Array(children)) = parent.get_mut("children") {
        children.push(child);
    }
}

fn push_leaf(stack: &mut [Map<String, Value>], leaf: Map<String, Value>) {
    if let Some(top) = stack.last_mut() {
        push_child(top, Value::Object(leaf));
    }
}

/// Text joins the text node just before it, as in mdast.
fn push_text(stack: &mut [Map<String, Value>], text: &str) {
    let Some(top) = stack.last_mut() else { return };
    if let Some(Value::Array(children)) = top.get_mut("children") {
        if let Some(Value::Object(last)) = children.last_mut()
            && last.get("type") == Some(&json!("text"))
            && let Some(Value::String(value)) = last.get_mut("value")
        {
            value.push_str(text);
            return;
        }
        children.push(Value::Object(leaf("text", text)));
    }
}

/// The text inside nodes, joined.
fn plain_text(children: Option<&Value>) -> String {
    let mut out = String::new();
    if let Some(Value::Array(children)) = children {
        for child in children {
            if let Some(Value::String(value)) = child.get("value") {
                out.push_str(value);
            }
            out.push_str(&plain_text(child.get("children")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pictures(id: Uuid) -> Pictures {
        HashMap::from([(
            id,
            Picture {
                url: format!("/media/{id}/photo.jpg"),
                width: Some(640),
                height: Some(480),
                data: json!({"id": id.to_string(), "width": 640}),
            },
        )])
    }

    #[test]
    fn references_are_found_once_and_bad_ones_named() {
        let id = Uuid::now_v7();
        let body =
            format!("![a](asset:{id}) ![b](asset:{id}) ![c](asset:nope) ![d](https://x/y.png)");
        let refs = asset_refs(&body);
        assert_eq!(refs.found, vec![id]);
        assert_eq!(refs.malformed, vec!["asset:nope".to_owned()]);
    }

    #[test]
    fn html_resolves_pictures_and_keeps_the_alt_of_missing_ones() {
        let id = Uuid::now_v7();
        let gone = Uuid::now_v7();
        let body =
            format!("Voici « ça » ![Le *port*](asset:{id} \"Titre\")\n\n![Parti](asset:{gone})");
        let html = to_html(&body, &pictures(id));
        assert!(
            html.contains(&format!("<img src=\"/media/{id}/photo.jpg\" alt=\"Le port\" width=\"640\" height=\"480\" title=\"Titre\"")),
            "{html}"
        );
        assert!(html.contains("<p>Parti</p>"), "{html}");
        assert!(!html.contains("asset:"), "{html}");
    }

    #[test]
    fn the_tree_has_the_mdast_shape() {
        let id = Uuid::now_v7();
        let body = format!(
            "# Titre\n\nUn *été* **chaud** et `code` [lien](https://x.fr).  \nfin\n\n![Photo](asset:{id})\n\n1. un\n2. deux\n\n> cité\n\n```rust\nfn x() {{}}\n```\n\n---"
        );
        let ast = to_ast(&body, &pictures(id));
        assert_eq!(ast["type"], "root");
        let children = ast["children"].as_array().cloned().unwrap_or_default();
        let kinds: Vec<&str> = children.iter().filter_map(|c| c["type"].as_str()).collect();
        assert_eq!(
            kinds,
            [
                "heading",
                "paragraph",
                "paragraph",
                "list",
                "blockquote",
                "code",
                "thematicBreak"
            ]
        );
        assert_eq!(children[0]["depth"], 1);
        let inline: Vec<&str> = children[1]["children"]
            .as_array()
            .map(|c| c.iter().filter_map(|n| n["type"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            inline,
            [
                "text",
                "emphasis",
                "text",
                "strong",
                "text",
                "inlineCode",
                "text",
                "link",
                "text",
                "break",
                "text"
            ]
        );
        let image = &children[2]["children"][0];
        assert_eq!(image["type"], "image");
        assert_eq!(image["alt"], "Photo");
        assert_eq!(image["url"], format!("/media/{id}/photo.jpg"));
        assert_eq!(image["asset"]["width"], 640);
        assert_eq!(children[3]["ordered"], true);
        assert_eq!(children[3]["children"][0]["type"], "listItem");
        assert_eq!(children[5]["lang"], "rust");
        assert_eq!(children[5]["value"], "fn x() {}\n");
    }
}
