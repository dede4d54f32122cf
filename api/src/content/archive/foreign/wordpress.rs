//! WordPress's export (WXR 1.2), read as a stream twice: first the authors
//! (`wp:author`), the terms (`wp:category`, `wp:tag`, and those items name)
//! and the attachments, then the posts (`wp:post_type` `post`), one at a
//! time. Categories and tags both become tags (a revision message keeps
//! which); `dc:creator` is the first author, Co-Authors Plus terms
//! (`category domain="author"`) the others, in order; `wp:post_date_gmt`
//! gives the dates; `_thumbnail_id` the featured image's address.

use std::collections::{HashMap, HashSet};
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::Utc;
use entities::types::State;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Person, Post, Term, parse_date};

/// What the first reading finds.
#[derive(Debug, Default)]
pub struct Site {
    pub people: Vec<Person>,
    pub terms: Vec<Term>,
    /// Attachment post id → its file's address and alt text.
    attachments: HashMap<String, Attachment>,
    /// The attachments posts show as featured images.
    thumbnails: HashSet<String>,
    /// The channel's language.
    language: Option<String>,
}

/// The fields of one `<item>`.
#[derive(Debug, Default)]
struct Item {
    fields: HashMap<String, String>,
    /// `(domain, nicename, name)` of its `<category>` elements, in order.
    categories: Vec<(String, String, String)>,
    meta: HashMap<String, String>,
    meta_key: Option<String>,
}

impl Item {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// What the reading of a WXR stream holds between events.
#[derive(Default)]
struct Parser {
    stack: Vec<String>,
    text: String,
    /// The child elements of the channel-level block being read.
    block: HashMap<String, String>,
    current: Option<Item>,
    saw_rss: bool,
}

/// The end of an element, as the callers of [`stream`] hear of it.
enum Done {
    Nothing,
    Item(Item),
    Channel(String, HashMap<String, String>),
}

impl Parser {
    fn start(&mut self, start: &BytesStart<'_>) {
        let tag = tag_name(start);
        self.saw_rss |= tag == "rss";
        if tag == "item" {
            self.current = Some(Item::default());
        }
        if tag == "category"
            && let Some(item) = self.current.as_mut()
        {
            let attribute = |key: &str| attribute(start, key).unwrap_or_default();
            item.categories
                .push((attribute("domain"), attribute("nicename"), String::new()));
        }
        self.stack.push(tag);
        self.text.clear();
    }

    fn reference(&mut self, reference: &quick_xml::events::BytesRef<'_>) {
        if let Some(ch) = reference.resolve_char_ref().ok().flatten() {
            self.text.push(ch);
            return;
        }
        let entity = reference.decode().unwrap_or_default();
        self.text.push_str(match entity.as_ref() {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            _ => "",
        });
    }

    fn end(&mut self) -> Done {
        let Some(tag) = self.stack.pop() else {
            return Done::Nothing;
        };
        let parent = self.stack.last().map(String::as_str).unwrap_or_default();
        let value = std::mem::take(&mut self.text);
        match (parent, tag.as_str(), self.current.as_mut()) {
            (_, "item", Some(_)) => return self.current.take().map_or(Done::Nothing, Done::Item),
            ("item", "category", Some(item)) => {
                if let Some(last) = item.categories.last_mut() {
                    last.2 = value.trim().to_owned();
                }
            }
            ("wp:postmeta", "wp:meta_key", Some(item)) => item.meta_key = Some(value),
            ("wp:postmeta", "wp:meta_value", Some(item)) => {
                if let Some(key) = item.meta_key.take() {
                    item.meta.insert(key, value);
                }
            }
            ("item", field, Some(item)) => {
                item.fields.insert(field.to_owned(), value);
            }
            ("wp:author" | "wp:category" | "wp:tag", field, None) => {
                self.block.insert(field.to_owned(), value.trim().to_owned());
            }
            ("channel", "wp:author" | "wp:category" | "wp:tag", None) => {
                return Done::Channel(tag.clone(), std::mem::take(&mut self.block));
            }
            ("channel", "language", None) => {
                let fields = HashMap::from([(String::new(), value.trim().to_owned())]);
                return Done::Channel("language".to_owned(), fields);
            }
            _ => {}
        }
        Done::Nothing
    }
}

/// Reads `path` as a WXR stream, calling `item` at the end of every item
/// and `channel` for the channel's own blocks (`wp:author`, `wp:category`,
/// `wp:tag` as maps of their child elements, and `language`).
fn stream(
    path: &Path,
    mut channel: impl FnMut(&str, HashMap<String, String>),
    mut item: impl FnMut(Item) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
    let mut reader = Reader::from_reader(BufReader::new(file));
    let mut buf = Vec::new();
    let mut parser = Parser::default();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|err| {
            anyhow::anyhow!(
                "{name}: not well-formed XML near byte {} (cut short or damaged): {err}",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(start) => parser.start(&start),
            Event::Text(part) => parser
                .text
                .push_str(&part.xml10_content().unwrap_or_default()),
            Event::CData(part) => parser.text.push_str(&part.decode().unwrap_or_default()),
            Event::GeneralRef(reference) => parser.reference(&reference),
            Event::End(_) => match parser.end() {
                Done::Item(done) => item(done)?,
                Done::Channel(kind, fields) => channel(&kind, fields),
                Done::Nothing => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !parser.saw_rss {
        bail!("{name}: not a WordPress export (no <rss> element)");
    }
    if let Some(open) = parser.stack.last() {
        bail!(
            "{name}: cut short inside <{open}> at byte {}",
            reader.buffer_position()
        );
    }
    Ok(())
}

fn tag_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.name().as_ref()).into_owned()
}

fn attribute(start: &BytesStart<'_>, key: &str) -> Option<String> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key.as_bytes())
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::default())
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A file of the media library.
#[derive(Debug, Clone)]
struct Attachment {
    url: String,
    alt: Option<String>,
}

impl Site {
    /// The featured images of the posts, with their alt text.
    pub fn pictures(&self) -> Vec<(String, Option<String>)> {
        let mut pictures: Vec<(String, Option<String>)> = self
            .thumbnails
            .iter()
            .filter_map(|id| self.attachments.get(id))
            .map(|found| (found.url.clone(), found.alt.clone()))
            .collect();
        pictures.sort();
        pictures
    }
}

/// The first reading: people, terms, attachments and the language.
pub fn scan(path: &Path) -> anyhow::Result<Site> {
    let mut site = Site::default();
    let mut creators: Vec<String> = Vec::new();
    let mut item_terms: Vec<Term> = Vec::new();
    let mut blocks: Vec<(String, HashMap<String, String>)> = Vec::new();
    stream(
        path,
        |kind, fields| blocks.push((kind.to_owned(), fields)),
        |item| {
            scan_item(&item, &mut site, &mut creators, &mut item_terms);
            Ok(())
        },
    )?;
    for (kind, fields) in blocks {
        channel_block(&kind, &fields, &mut site);
    }
    for login in creators {
        let (key, name) = login
            .split_once('\u{0}')
            .map_or((login.clone(), login.clone()), |(k, n)| {
                (k.to_owned(), n.to_owned())
            });
        if !site.people.iter().any(|p| p.key == key) {
            site.people.push(Person {
                slug: key.clone(),
                key,
                name,
                ..Person::default()
            });
        }
    }
    for term in item_terms {
        if !site.terms.iter().any(|t| t.key == term.key) {
            site.terms.push(term);
        }
    }
    Ok(site)
}

/// An author, a category, a tag or the language, declared by the channel.
fn channel_block(kind: &str, fields: &HashMap<String, String>, site: &mut Site) {
    let get = |key: &str| fields.get(key).cloned().unwrap_or_default();
    match kind {
        "wp:author" => site.people.push(Person {
            key: get("wp:author_login"),
            slug: get("wp:author_login"),
            name: Some(get("wp:author_display_name"))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| get("wp:author_login")),
            email: fields.get("wp:author_email").cloned(),
            ..Person::default()
        }),
        "wp:category" => site.terms.push(Term {
            key: format!("category:{}", get("wp:category_nicename")),
            slug: get("wp:category_nicename"),
            name: get("wp:cat_name"),
            description: fields.get("wp:category_description").cloned(),
            kind: Some("category".to_owned()),
        }),
        "wp:tag" => site.terms.push(Term {
            key: format!("post_tag:{}", get("wp:tag_slug")),
            slug: get("wp:tag_slug"),
            name: get("wp:tag_name"),
            description: fields.get("wp:tag_description").cloned(),
            kind: Some("post_tag".to_owned()),
        }),
        _ => site.language = fields.get("").cloned(),
    }
}

/// What an item tells the first reading: an attachment's address, or the
/// authors and terms a post names.
fn scan_item(item: &Item, site: &mut Site, creators: &mut Vec<String>, terms: &mut Vec<Term>) {
    if item.get("wp:post_type") == Some("attachment") {
        let url = item.get("wp:attachment_url").or(item.get("guid"));
        if let (Some(id), Some(url)) = (item.get("wp:post_id"), url) {
            let alt = item.meta.get("_wp_attachment_image_alt");
            let found = Attachment {
                url: url.trim().to_owned(),
                alt: alt
                    .map(|alt| alt.trim().to_owned())
                    .filter(|alt| !alt.is_empty()),
            };
            site.attachments.insert(id.to_owned(), found);
        }
        return;
    }
    if item.get("wp:post_type").unwrap_or("post") == "post"
        && !skipped_status(item.get("wp:status"))
    {
        site.thumbnails.extend(
            item.meta
                .get("_thumbnail_id")
                .map(|id| id.trim().to_owned()),
        );
    }
    creators.extend(item.get("dc:creator").map(str::to_owned));
    for (domain, nicename, name) in &item.categories {
        if domain == "category" || domain == "post_tag" {
            terms.push(Term {
                key: format!("{domain}:{nicename}"),
                slug: nicename.clone(),
                name: name.clone(),
                description: None,
                kind: Some(domain.clone()),
            });
        } else if domain == "author" {
            creators.push(co_author(nicename, name));
        }
    }
}

/// A Co-Authors Plus author: its login (`cap-<login>`) and name, joined by
/// a NUL for [`scan`].
fn co_author(nicename: &str, name: &str) -> String {
    let login = nicename.strip_prefix("cap-").unwrap_or(nicename);
    format!("{login}\u{0}{name}")
}

/// The second reading: every post, in order, through `each`; returns what
/// was left out (pages, attachments aside, trashed posts).
pub fn posts(
    path: &Path,
    site: &Site,
    mut each: impl FnMut(Post) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<String>> {
    let mut left_out = Vec::new();
    stream(
        path,
        |_, _| {},
        |item| {
            let kind = item.get("wp:post_type").unwrap_or("post");
            let id = item.get("wp:post_id").unwrap_or_default().to_owned();
            let title = item.get("title").unwrap_or_default().to_owned();
            let status = item.get("wp:status").unwrap_or("draft");
            if kind == "attachment" {
                return Ok(());
            }
            if kind != "post" || skipped_status(Some(status)) {
                left_out.push(format!("{kind} {id} «{title}» ({status})"));
                return Ok(());
            }
            each(post(item, site, id, title))
        },
    )?;
    Ok(left_out)
}

/// Whether a post of this status is left out.
fn skipped_status(status: Option<&str>) -> bool {
    matches!(status, Some("trash" | "auto-draft" | "inherit"))
}

fn post(item: Item, site: &Site, id: String, title: String) -> Post {
    let date = |gmt: &str, local: &str| {
        item.get(gmt)
            .and_then(parse_date)
            .or_else(|| item.get(local).and_then(parse_date))
    };
    let created_at = date("wp:post_date_gmt", "wp:post_date").unwrap_or_else(Utc::now);
    let state = match item.get("wp:status") {
        Some("publish") => State::Published,
        Some("future") => State::Scheduled,
        Some("pending") => State::InReview,
        _ => State::Draft,
    };
    let mut authors: Vec<String> = item
        .get("dc:creator")
        .map(str::to_owned)
        .into_iter()
        .collect();
    let mut terms = Vec::new();
    for (domain, nicename, name) in &item.categories {
        match domain.as_str() {
            "category" | "post_tag" => terms.push(format!("{domain}:{nicename}")),
            "author" => {
                let key = co_author(nicename, name);
                let key = key.split('\u{0}').next().unwrap_or_default().to_owned();
                if !authors.contains(&key) {
                    authors.push(key);
                }
            }
            _ => {}
        }
    }
    let feature_image = item
        .meta
        .get("_thumbnail_id")
        .and_then(|id| site.attachments.get(id.trim()));
    Post {
        url: item.get("link").map(str::to_owned),
        slug: item.get("wp:post_name").map(str::to_owned),
        html: item.get("content:encoded").unwrap_or_default().to_owned(),
        excerpt: item.get("excerpt:encoded").map(|e| e.trim().to_owned()),
        state,
        published_at: matches!(state, State::Published | State::Scheduled).then_some(created_at),
        updated_at: date("wp:post_modified_gmt", "wp:post_modified").unwrap_or(created_at),
        created_at,
        locale: site.language.clone(),
        feature_image: feature_image.map(|found| found.url.clone()),
        feature_image_alt: feature_image.and_then(|found| found.alt.clone()),
        seo_title: item.meta.get("_yoast_wpseo_title").cloned(),
        seo_description: item.meta.get("_yoast_wpseo_metadesc").cloned(),
        canonical_url: item.meta.get("_yoast_wpseo_canonical").cloned(),
        authors,
        terms,
        id,
        title,
    }
}
