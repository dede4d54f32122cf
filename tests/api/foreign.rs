//! `masthead import --from ghost|wordpress`, run as the command it is, on
//! exports written here from one French article (with its accents, its
//! « guillemets » and non-breaking spaces, a quotation, six tags and two
//! authors in order) and a draft beside it.

use std::process::Output;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use reqwest::Method;
use serde_json::{Value, json};

use crate::archive::{articles_line, finished, masthead, masthead_with, of, upload};
use crate::helpers::{LocalServer, TestApp, TestDatabase, expect_json, send};

const TITLE: &str = "L’été « caniculaire » à Montréal";
const HTML: &str = "<p>Les «\u{a0}anciens\u{a0}» s’en souviennent : «\u{a0}Il n’a jamais fait aussi chaud.\u{a0}»</p>\
    <blockquote><p>Il fait chaud, très chaud — trop chaud.</p></blockquote>\
    <p>Deuxième paragraphe, avec des accents : é, è, ê, à, ç, œ.</p>";
const MARKDOWN: &str = "Les «\u{a0}anciens\u{a0}» s’en souviennent : «\u{a0}Il n’a jamais fait aussi chaud.\u{a0}»\n\n\
    > Il fait chaud, très chaud — trop chaud.\n\n\
    Deuxième paragraphe, avec des accents : é, è, ê, à, ç, œ.";
const TAGS: [(&str, &str); 6] = [
    ("ete", "Été"),
    ("climat", "Climat"),
    ("montreal", "Montréal"),
    ("societe", "Société"),
    ("sante", "Santé"),
    ("environnement", "Environnement"),
];
const AUTHORS: [(&str, &str); 2] = [
    ("zoe-lemaitre", "Zoé Lemaître"),
    ("eric-duval", "Éric Duval"),
];

/// A Ghost 5 export: the tags and authors listed out of order (their
/// `sort_order` says the order), an internal tag, the SEO fields in
/// `posts_meta`, and a draft whose body is a Lexical document.
fn ghost_export() -> String {
    let lexical = json!({"root": {"type": "root", "children": [
        {"type": "paragraph", "children": [{"type": "text", "text": "La rentrée « approche ».", "format": 0}]}
    ]}});
    let mut tags: Vec<Value> = TAGS
        .iter()
        .enumerate()
        .map(|(i, (slug, name))| json!({"id": format!("t{i}"), "name": name, "slug": slug, "visibility": "public"}))
        .collect();
    tags.push(json!({"id": "internal", "name": "#mise-en-avant", "slug": "hash-mise-en-avant", "visibility": "internal"}));
    let posts_tags: Vec<Value> = (0..6)
        .rev()
        .map(|i| json!({"id": format!("pt{i}"), "post_id": "p1", "tag_id": format!("t{i}"), "sort_order": i}))
        .chain([json!({"id": "pti", "post_id": "p1", "tag_id": "internal", "sort_order": 6})])
        .collect();
    json!({"db": [{"meta": {"exported_on": 1_790_000_000_000_i64, "version": "5.80.0"}, "data": {
        "settings": [{"key": "locale", "value": "fr"}],
        "users": [
            {"id": "u2", "name": AUTHORS[1].1, "slug": AUTHORS[1].0, "email": "eric@journal.example"},
            {"id": "u1", "name": AUTHORS[0].1, "slug": AUTHORS[0].0, "email": "zoe@journal.example",
             "bio": "Journaliste « climat »."}
        ],
        "tags": tags,
        "posts": [
            {"id": "p1", "uuid": "6c6d3c1e-0000-4000-8000-000000000001", "title": TITLE,
             "slug": "l-ete-caniculaire-a-montreal", "html": HTML, "type": "post", "status": "published",
             "custom_excerpt": "Un été « hors norme ».", "feature_image": "__GHOST_URL__/content/images/ete.jpg",
             "created_at": "2026-07-13T20:00:00.000Z", "updated_at": "2026-07-14T08:30:00.000Z",
             "published_at": "2026-07-14T08:30:00.000Z"},
            {"id": "p2", "title": "Brouillon : la rentrée", "slug": "brouillon-la-rentree", "html": null,
             "lexical": lexical.to_string(), "type": "post", "status": "draft",
             "created_at": "2026-08-20T09:00:00.000Z", "updated_at": "2026-08-20T09:00:00.000Z", "published_at": null},
            {"id": "p3", "title": "À propos", "slug": "a-propos", "html": "<p>Page</p>", "type": "page",
             "status": "published", "created_at": "2026-01-01T00:00:00.000Z"}
        ],
        "posts_meta": [{"id": "m1", "post_id": "p1", "meta_title": "L’été caniculaire",
                        "meta_description": "Chaleur record à Montréal.", "feature_image_alt": "Le soleil sur le fleuve"}],
        "posts_tags": posts_tags,
        "posts_authors": [
            {"id": "pa2", "post_id": "p1", "author_id": "u2", "sort_order": 1},
            {"id": "pa1", "post_id": "p1", "author_id": "u1", "sort_order": 0},
            {"id": "pa3", "post_id": "p2", "author_id": "u1", "sort_order": 0}
        ]
    }}]})
    .to_string()
}

/// A WXR 1.2 file: the terms as categories and tags (one slug
/// percent-encoded), the second author as a Co-Authors Plus term, the
/// featured image as an attachment listed after the post, and a draft.
fn wordpress_export() -> String {
    let cdata = |text: &str| format!("<![CDATA[{text}]]>");
    let mut terms = String::new();
    let mut item_terms = String::new();
    for (i, (slug, name)) in TAGS.iter().enumerate() {
        let (domain, slug) = if i % 2 == 0 {
            (
                "category",
                if *slug == "montreal" {
                    "montr%c3%a9al"
                } else {
                    slug
                },
            )
        } else {
            ("post_tag", *slug)
        };
        if domain == "category" {
            terms.push_str(&format!(
                "<wp:category><wp:term_id>{i}</wp:term_id><wp:category_nicename>{}</wp:category_nicename><wp:cat_name>{}</wp:cat_name></wp:category>\n",
                cdata(slug), cdata(name)
            ));
        } else {
            terms.push_str(&format!(
                "<wp:tag><wp:term_id>{i}</wp:term_id><wp:tag_slug>{}</wp:tag_slug><wp:tag_name>{}</wp:tag_name></wp:tag>\n",
                cdata(slug), cdata(name)
            ));
        }
        item_terms.push_str(&format!(
            "<category domain=\"{domain}\" nicename=\"{slug}\">{}</category>\n",
            cdata(name)
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Le Journal</title>
<link>https://journal.example</link>
<language>fr-FR</language>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login>{zoe}</wp:author_login><wp:author_email>{zoe_mail}</wp:author_email><wp:author_display_name>{zoe_name}</wp:author_display_name></wp:author>
<wp:author><wp:author_id>2</wp:author_id><wp:author_login>{eric}</wp:author_login><wp:author_email>{eric_mail}</wp:author_email><wp:author_display_name>{eric_name}</wp:author_display_name></wp:author>
{terms}
<item>
<title>L&#8217;été « caniculaire » à Montréal</title>
<link>https://journal.example/2026/07/14/l-ete-caniculaire-a-montreal/</link>
<dc:creator>{zoe}</dc:creator>
<content:encoded>{html}</content:encoded>
<excerpt:encoded>{excerpt}</excerpt:encoded>
<wp:post_id>42</wp:post_id>
<wp:post_date>2026-07-14 10:30:00</wp:post_date>
<wp:post_date_gmt>2026-07-14 08:30:00</wp:post_date_gmt>
<wp:post_name>l-ete-caniculaire-a-montreal</wp:post_name>
<wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>
{item_terms}<category domain="author" nicename="cap-eric">{eric_name}</category>
<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>7</wp:meta_value></wp:postmeta>
</item>
<item>
<title>Brouillon : la rentrée</title>
<dc:creator>{zoe}</dc:creator>
<content:encoded>{draft}</content:encoded>
<wp:post_id>43</wp:post_id>
<wp:post_date>2026-08-20 11:00:00</wp:post_date>
<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>
<wp:post_name></wp:post_name>
<wp:status>draft</wp:status>
<wp:post_type>post</wp:post_type>
</item>
<item>
<title>ete.jpg</title>
<wp:post_id>7</wp:post_id>
<wp:post_type>attachment</wp:post_type>
<wp:attachment_url>https://journal.example/wp-content/uploads/ete.jpg</wp:attachment_url>
</item>
</channel>
</rss>
"#,
        zoe = cdata("zoe"),
        zoe_mail = cdata("zoe@journal.example"),
        zoe_name = cdata(AUTHORS[0].1),
        eric = cdata("eric"),
        eric_mail = cdata("eric@journal.example"),
        eric_name = cdata(AUTHORS[1].1),
        html = cdata(HTML),
        excerpt = cdata("Un été « hors norme »."),
        draft = cdata("<p>La rentrée « approche ».</p>"),
    )
}

/// Runs `masthead import <args>` on `database`.
async fn import(args: &[&str], database: &TestDatabase) -> Output {
    let args: Vec<&str> = std::iter::once("import")
        .chain(args.iter().copied())
        .collect();
    masthead(&args, &of(database)).await
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "the import failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a server on `database` says of the imported site.
async fn check_site(database: TestDatabase, system: &str, locale: &str, feature_image: &str) {
    let app = TestApp::spawn_on(database, |_| {}).await;
    let working = expect_json(
        app.get("/api/v1/articles?preview=true&sort=title").await,
        200,
    )
    .await;
    assert_eq!(working["meta"]["total"], 2, "{working}");
    let public = app.anonymous(Method::GET, "/api/v1/articles?include=authors,tags");
    let listed = expect_json(send(public).await, 200).await;
    assert_eq!(
        listed["meta"]["total"], 1,
        "only the published one is public: {listed}"
    );
    let article = &listed["data"][0];
    assert_eq!(article["title"], TITLE);
    assert_eq!(article["body"], MARKDOWN, "the text, byte for byte");
    assert_eq!(article["excerpt"], "Un été « hors norme ».");
    assert_eq!(article["locale"], locale);
    assert_eq!(article["state"], "published");
    assert_eq!(article["published_at"], "2026-07-14T08:30:00Z");
    assert_eq!(article["source"]["system"], system);
    assert_eq!(article["featured_image"]["url"], feature_image);
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&article["authors"]),
        AUTHORS.map(|(_, name)| name.to_owned())
    );
    assert_eq!(
        names(&article["tags"]),
        TAGS.map(|(_, name)| name.to_owned())
    );
    let slugs: Vec<&str> = article["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, TAGS.map(|(slug, _)| slug));
    let draft = working["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["state"] == "draft")
        .expect("the draft");
    assert_eq!(draft["title"], "Brouillon : la rentrée");
    assert_eq!(draft["body"], "La rentrée « approche ».");
    let path = format!("/api/v1/articles/{}", draft["id"].as_str().unwrap());
    assert_eq!(send(app.anonymous(Method::GET, &path)).await.status(), 404);
    let tags = expect_json(app.get("/api/v1/tags").await, 200).await;
    assert_eq!(tags["meta"]["total"], 6, "{tags}");
    // The search index was made for the imported site.
    let found = send(app.anonymous(Method::GET, "/api/v1/search?q=caniculaire")).await;
    let found = expect_json(found, 200).await;
    assert_eq!(found["data"][0]["id"], article["id"], "{found}");
    let authors = expect_json(app.get("/api/v1/authors").await, 200).await;
    assert_eq!(authors["meta"]["total"], 2, "{authors}");
}

async fn imports_keep_text_order_dates_and_states(
    system: &str,
    export: String,
    locale: &str,
    image: &str,
) {
    let folder = tempfile::tempdir().expect("tempdir");
    let file = folder.path().join("export");
    std::fs::write(&file, &export).expect("write the export");
    let file = file.to_str().unwrap();
    let database = TestDatabase::create().await;
    let site = ["--site-url", "https://journal.example"];
    let dry = stdout_of(
        &import(
            &[file, "--from", system, "--dry-run", site[0], site[1]],
            &database,
        )
        .await,
    );
    assert_eq!(articles_line(&dry).as_deref(), Some("2 0 0"), "{dry}");
    assert!(dry.contains("nothing was written"));
    let first = stdout_of(&import(&[file, "--from", system, site[0], site[1]], &database).await);
    assert_eq!(articles_line(&first).as_deref(), Some("2 0 0"), "{first}");
    for _ in 0..2 {
        let again = import(
            &[file, "--from", system, "--mode", "upsert", site[0], site[1]],
            &database,
        )
        .await;
        assert_eq!(articles_line(&stdout_of(&again)).as_deref(), Some("0 2 0"));
    }
    check_site(database, system, locale, image).await;

    // Cut short, the export is refused, saying where, and nothing is written.
    let cut = folder.path().join("cut");
    std::fs::write(&cut, &export.as_bytes()[..export.len() * 2 / 3]).expect("write");
    let empty = TestDatabase::create().await;
    let refused = import(
        &[cut.to_str().unwrap(), "--from", system, site[0], site[1]],
        &empty,
    )
    .await;
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("cut short"), "{message}");
    let app = TestApp::spawn_on(empty, |_| {}).await;
    let none = expect_json(app.get("/api/v1/articles?preview=true").await, 200).await;
    assert_eq!(none["meta"]["total"], 0);
}

#[tokio::test]
async fn a_ghost_export_imports_with_its_text_order_dates_and_states() {
    let image = "https://journal.example/content/images/ete.jpg";
    imports_keep_text_order_dates_and_states("ghost", ghost_export(), "fr", image).await;
}

#[tokio::test]
async fn a_wordpress_export_imports_with_its_text_order_dates_and_states() {
    let image = "https://journal.example/wp-content/uploads/ete.jpg";
    imports_keep_text_order_dates_and_states("wordpress", wordpress_export(), "fr-FR", image).await;
}

#[tokio::test]
async fn a_record_breaking_a_rule_is_named_by_its_source() {
    let export = ghost_export().replace(TITLE, "");
    let folder = tempfile::tempdir().expect("tempdir");
    let file = folder.path().join("ghost.json");
    std::fs::write(&file, export).expect("write");
    let database = TestDatabase::create().await;
    let output = import(
        &[
            file.to_str().unwrap(),
            "--from",
            "ghost",
            "--site-url",
            "https://j.example",
        ],
        &database,
    )
    .await;
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("post p1") && message.contains("title: must not be blank"),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");
}

/// What the old site keeps: the paths asked for, and its picture.
type Shelf = (Arc<Mutex<Vec<String>>>, Vec<u8>);

/// The old site's picture server: `ete.jpg` anywhere is a 64×48 JPEG,
/// `notes.txt` text, anything else a 404; it counts what it is asked.
struct OldSite {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
    jpeg: Vec<u8>,
    /// Stops the site when dropped.
    _server: LocalServer,
}

impl OldSite {
    fn start() -> Self {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let jpeg = crate::media::jpeg(64, 48);
        let server = LocalServer::start(
            (asked.clone(), jpeg.clone()),
            |req: HttpRequest, state: web::Data<Shelf>| async move {
                state.0.lock().unwrap().push(req.path().to_owned());
                if req.path().ends_with("/ete.jpg") {
                    HttpResponse::Ok()
                        .content_type("image/jpeg")
                        .body(state.1.clone())
                } else if req.path().ends_with("/notes.txt") {
                    HttpResponse::Ok()
                        .content_type("image/jpeg")
                        .body("pas une image")
                } else {
                    HttpResponse::NotFound().finish()
                }
            },
        );
        Self {
            url: server.origin.clone(),
            asked,
            jpeg,
            _server: server,
        }
    }

    fn asked(&self) -> usize {
        self.asked.lock().unwrap().len()
    }
}

/// The Ghost export with its draft showing a picture the old site lost.
fn ghost_export_with_pictures() -> String {
    let mut export: Value = serde_json::from_str(&ghost_export()).unwrap();
    let posts = export["db"][0]["data"]["posts"].as_array_mut().unwrap();
    posts[1]["feature_image"] = json!("__GHOST_URL__/content/images/perdue.jpg");
    export.to_string()
}

/// The article of `app` whose title starts with `title`, as editors read it.
async fn article_titled(app: &TestApp, title: &str) -> Value {
    let all = expect_json(app.get("/api/v1/articles?preview=true").await, 200).await;
    all["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with(title))
        .cloned()
        .unwrap_or_else(|| panic!("no article «{title}»: {all}"))
}

/// The line of a report naming `part`: created, updated, skipped.
fn part_line(report: &str, part: &str) -> Option<String> {
    report
        .lines()
        .find(|line| line.split_whitespace().next() == Some(part))
        .map(|line| {
            line.split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")
        })
}

#[tokio::test]
async fn featured_images_are_fetched_into_the_media_library_when_they_can_be() {
    let old = OldSite::start();
    let folder = tempfile::tempdir().expect("tempdir");
    let file = folder.path().join("ghost.json");
    std::fs::write(&file, ghost_export_with_pictures()).expect("write the export");
    let file = file.to_str().unwrap();
    let args = [file, "--from", "ghost", "--site-url", old.url.as_str()];
    let allow = [("MASTHEAD_IMPORT_ALLOW_PRIVATE", "true")];

    // The server's own network is refused unless allowed: nothing is asked,
    // and the pictures stay at their addresses.
    let guarded = TestDatabase::create().await;
    let report = stdout_of(
        &masthead_with(
            &["import", args[0], args[1], args[2], args[3], args[4]],
            &of(&guarded),
            &[],
        )
        .await,
    );
    assert_eq!(old.asked(), 0, "the guard stops before any connection");
    assert!(
        report.contains("loopback") && report.contains("MASTHEAD_IMPORT_ALLOW_PRIVATE"),
        "{report}"
    );
    let assets = part_line(&report, "assets");
    assert!(
        matches!(assets.as_deref(), None | Some("0 0 0")),
        "{report}"
    );
    let app = TestApp::spawn_on(guarded, |_| {}).await;
    let kept = article_titled(&app, "L’été").await;
    let ete = format!("{}/content/images/ete.jpg", old.url);
    assert_eq!(kept["featured_image"]["url"], ete.as_str());
    assert_eq!(kept["featured_image"]["asset_id"], Value::Null);
    drop(app);

    // Asked not to, it fetches nothing even where it may.
    let kept = TestDatabase::create().await;
    let mut keep_args = args.to_vec();
    keep_args.insert(0, "import");
    keep_args.push("--keep-picture-urls");
    stdout_of(&masthead_with(&keep_args, &of(&kept), &allow).await);
    assert_eq!(old.asked(), 0);

    // Allowed: the picture is fetched once into the library; the lost one
    // stays at its address, and the report says why.
    let database = TestDatabase::create().await;
    let mut import_args = args.to_vec();
    import_args.insert(0, "import");
    let report = stdout_of(&masthead_with(&import_args, &of(&database), &allow).await);
    assert_eq!(
        part_line(&report, "assets").as_deref(),
        Some("1 0 0"),
        "{report}"
    );
    let lost = format!("{}/content/images/perdue.jpg", old.url);
    assert!(
        report.contains(&format!("left out: featured image {lost} from the media library (the server answered 404 Not Found): shown from its address")),
        "{report}"
    );
    assert_eq!(old.asked(), 2, "each picture asked for once");
    let mut upsert_args = import_args.clone();
    upsert_args.extend(["--mode", "upsert"]);
    let again = stdout_of(&masthead_with(&upsert_args, &of(&database), &allow).await);
    assert_eq!(
        part_line(&again, "assets").as_deref(),
        Some("0 1 0"),
        "{again}"
    );
    assert_eq!(articles_line(&again).as_deref(), Some("0 2 0"), "{again}");

    let app = TestApp::spawn_on(database, |_| {}).await;
    let assets = expect_json(app.get("/api/v1/assets").await, 200).await;
    assert_eq!(assets["meta"]["total"], 1, "no duplicate: {assets}");
    let asset = &assets["data"][0];
    assert_eq!(asset["filename"], "ete.jpg");
    assert_eq!(asset["width"], 64);
    assert_eq!(asset["height"], 48);
    let article = article_titled(&app, "L’été").await;
    let image = &article["featured_image"];
    assert_eq!(image["asset_id"], asset["id"], "{article}");
    let path = format!("/media/{}/ete.jpg", asset["id"].as_str().unwrap());
    assert_eq!(image["url"], path.as_str());
    assert_eq!(image["alt"], "Le soleil sur le fleuve");
    assert_eq!(
        (image["width"].clone(), image["height"].clone()),
        (json!(64), json!(48))
    );
    // Shown by a published article, the picture is public, byte for byte.
    let served = send(app.anonymous(Method::GET, &path)).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.bytes().await.unwrap().to_vec(), old.jpeg);
    let usage = format!("/api/v1/assets/{}/usage", asset["id"].as_str().unwrap());
    let usage = expect_json(app.get(&usage).await, 200).await;
    assert!(
        usage.to_string().contains(article["id"].as_str().unwrap()),
        "{usage}"
    );
    let draft = article_titled(&app, "Brouillon").await;
    assert_eq!(draft["featured_image"]["url"], lost.as_str());
    assert_eq!(draft["featured_image"]["asset_id"], Value::Null);
}

#[tokio::test]
async fn an_import_job_fetches_wordpress_featured_images_with_their_alt_text() {
    let old = OldSite::start();
    let address = format!("{}/wp-content/uploads/ete.jpg", old.url);
    let export = wordpress_export()
        .replace("https://journal.example/wp-content/uploads/ete.jpg", &address)
        .replace(
            "<wp:post_type>attachment</wp:post_type>",
            "<wp:post_type>attachment</wp:post_type>\n<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key><wp:meta_value><![CDATA[Le fleuve « au soleil »]]></wp:meta_value></wp:postmeta>",
        )
        // The draft shows an attachment that is no picture.
        .replace(
            "<wp:status>draft</wp:status>\n<wp:post_type>post</wp:post_type>\n",
            "<wp:status>draft</wp:status>\n<wp:post_type>post</wp:post_type>\n<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>8</wp:meta_value></wp:postmeta>\n",
        )
        .replace(
            "</channel>",
            &format!("<item><title>notes</title><wp:post_id>8</wp:post_id><wp:post_type>attachment</wp:post_type><wp:attachment_url>{}/wp-content/uploads/notes.txt</wp:attachment_url></item>\n</channel>", old.url),
        );
    let app = TestApp::spawn_with(|config| config.import_allow_private = true).await;
    let admin = app.admin_token.clone();
    let bytes = export.into_bytes();
    let refused = upload(
        &app,
        &admin,
        bytes.clone(),
        &[("from", "wordpress"), ("fetch_pictures", "peut-être")],
    )
    .await;
    crate::helpers::expect_problem(refused, 400).await;
    let mut last_notes = String::new();
    for round in 0..2 {
        let fields = [("from", "wordpress"), ("mode", "upsert")];
        let job = expect_json(upload(&app, &admin, bytes.clone(), &fields).await, 202).await;
        assert_eq!(job["options"]["fetch_pictures"], true, "{job}");
        let job = finished(&app, "imports", job["id"].as_str().unwrap()).await;
        assert_eq!(job["state"], "succeeded", "{job}");
        last_notes = job["report"]["left_out"].to_string();
        let assets = &job["report"]["parts"]["assets"];
        let expected = if round == 0 {
            json!({"created": 1, "updated": 0, "skipped": 0})
        } else {
            json!({"created": 0, "updated": 1, "skipped": 0})
        };
        assert_eq!(assets, &expected, "{job}");
    }
    assert_eq!(old.asked(), 4, "each picture once per import");
    let notes = last_notes;
    assert!(
        notes.contains("notes.txt from the media library (")
            && notes.contains("shown from its address"),
        "{notes}"
    );
    let article = article_titled(&app, "L’été").await;
    let image = &article["featured_image"];
    assert!(image["asset_id"].is_string(), "{article}");
    assert_eq!(image["alt"], "Le fleuve « au soleil »");
    let asset = format!("/api/v1/assets/{}", image["asset_id"].as_str().unwrap());
    let asset = expect_json(app.get(&asset).await, 200).await;
    assert_eq!(asset["alt"], "Le fleuve « au soleil »");
    assert_eq!(asset["size"], old.jpeg.len());
}
