//! `masthead export` and `masthead import`, run as the commands they are,
//! against servers on the databases they read and write.

use std::path::Path;
use std::process::{Command, Output};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, expect_json, id_of, send};
use crate::process::BINARY;

/// Where a command runs: a data folder, and the database URL if not the
/// embedded file.
pub type Site = (std::path::PathBuf, Option<String>);

pub fn of(database: &TestDatabase) -> Site {
    (database.dir.path().to_path_buf(), database.url.clone())
}

/// The site of a running test server, for a command beside it.
fn beside(app: &TestApp) -> Site {
    (app.data_dir(), app.database_url())
}

/// The articles line of an import's report: created, updated, skipped.
pub fn articles_line(report: &str) -> Option<String> {
    report
        .lines()
        .find(|line| line.starts_with("articles"))
        .map(|line| {
            line.split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")
        })
}

/// Runs `masthead <args>` on `site`; its output, whatever the outcome.
pub async fn masthead(args: &[&str], site: &Site) -> Output {
    masthead_with(args, site, &[]).await
}

/// Runs `masthead <args>` on `site` with the settings `env` besides.
pub async fn masthead_with(args: &[&str], (dir, url): &Site, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BINARY);
    command.args(args).current_dir(dir);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("MASTHEAD_")) {
        command.env_remove(key);
    }
    command
        .env("MASTHEAD_DATA_DIR", dir)
        .env("MASTHEAD_LOG", "error");
    if let Some(url) = url {
        command.env("MASTHEAD_DATABASE_URL", url);
    }
    command.envs(env.iter().copied());
    tokio::task::spawn_blocking(move || command.output().expect("masthead runs"))
        .await
        .expect("the command's thread")
}

/// Runs `masthead <args>` and fails the test unless it succeeds; its
/// standard output.
async fn succeed(args: &[&str], site: &Site) -> String {
    let output = masthead(args, site).await;
    assert!(
        output.status.success(),
        "masthead {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Every item of a paginated list, as `credential` (or the public) reads it.
async fn all(app: &TestApp, credential: Option<&str>, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    for page in 1.. {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = format!("{path}{separator}per_page=100&page={page}");
        let request = match credential {
            Some(credential) => app.request_as(credential, Method::GET, &url),
            None => app.anonymous(Method::GET, &url),
        };
        let body = expect_json(send(request).await, 200).await;
        let data = body["data"].as_array().expect("a list").clone();
        if data.is_empty() {
            return items;
        }
        items.extend(data);
    }
    unreachable!()
}

/// Status and body of `GET path`.
async fn read(app: &TestApp, credential: Option<&str>, path: &str) -> (u16, Value) {
    let request = match credential {
        Some(credential) => app.request_as(credential, Method::GET, path),
        None => app.anonymous(Method::GET, path),
    };
    let response = send(request).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Asserts that `a` and `b` answer the same for every author, tag and
/// article (both copies, and the history); returns how many articles.
async fn assert_same_answers(a: &TestApp, b: &TestApp) -> usize {
    let (ta, tb) = (a.admin_token.clone(), b.admin_token.clone());
    for list in [
        "/api/v1/authors",
        "/api/v1/tags",
        "/api/v1/articles?include=authors,tags",
    ] {
        assert_eq!(all(a, None, list).await, all(b, None, list).await, "{list}");
    }
    let working = "/api/v1/articles?preview=true&include=authors,tags";
    let articles = all(a, Some(&ta), working).await;
    assert_eq!(articles, all(b, Some(&tb), working).await);
    for article in &articles {
        let path = format!("/api/v1/articles/{}", id_of(article));
        for (credential_a, credential_b, url) in [
            (None, None, path.clone()),
            (
                Some(ta.as_str()),
                Some(tb.as_str()),
                format!("{path}?preview=true"),
            ),
            (
                Some(ta.as_str()),
                Some(tb.as_str()),
                format!("{path}/revisions?per_page=100"),
            ),
            (
                Some(ta.as_str()),
                Some(tb.as_str()),
                format!("{path}/transitions"),
            ),
        ] {
            assert_eq!(
                read(a, credential_a, &url).await,
                read(b, credential_b, &url).await,
                "{url}"
            );
        }
    }
    for kind in ["authors", "tags"] {
        for item in all(a, None, &format!("/api/v1/{kind}")).await {
            let url = format!("/api/v1/{kind}/{}/revisions", id_of(&item));
            assert_eq!(
                read(a, Some(&ta), &url).await,
                read(b, Some(&tb), &url).await,
                "{url}"
            );
        }
    }
    articles.len()
}

#[tokio::test]
async fn an_exported_site_imported_into_an_empty_database_answers_the_same() {
    let articles =
        std::env::var("MASTHEAD_TEST_ROUNDTRIP_ARTICLES").unwrap_or_else(|_| "150".to_owned());
    let source = TestDatabase::create().await;
    let seed = [
        "seed",
        "--articles",
        &articles,
        "--authors",
        "25",
        "--tags",
        "30",
    ];
    succeed(&seed, &of(&source)).await;
    let source = TestApp::spawn_on(source, |_| {}).await;
    // A French article of our own: edited after publication, so its two
    // copies differ.
    let author = id_of(&source.create_author("Amélie Ŀéger").await);
    let article = source
        .create_article(json!({
            "title": "L’été « caniculaire » à Montréal", "locale": "fr",
            "body": "> Il fait chaud, très chaud.\n\nLes « anciens » s’en souviennent.",
            "author_ids": [author]
        }))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    let publish = json!({"action": "publish"});
    expect_json(
        source.post(&format!("{path}/transitions"), &publish).await,
        200,
    )
    .await;
    expect_json(
        source.patch(&path, &json!({"subtitle": "Suite"})).await,
        200,
    )
    .await;

    let folder = tempfile::tempdir().expect("tempdir");
    let file = folder.path().join("site.tar.zst");
    let file = file.to_str().expect("a UTF-8 path");
    let exported = succeed(
        &["export", "--output", file, "--with-accounts"],
        &beside(&source),
    )
    .await;
    assert!(exported.contains("articles"), "{exported}");

    let target = TestDatabase::create().await;
    let imported = succeed(&["import", file], &of(&target)).await;
    assert!(imported.contains("articles"), "{imported}");
    let target = TestApp::spawn_on(target, |_| {}).await;
    let compared = assert_same_answers(&source, &target).await;
    assert!(compared > 150, "only {compared} articles compared");
}

/// A small site's archive, written into `folder`.
async fn small_archive(folder: &Path) -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let authors = [
        id_of(&app.create_author("Zoé Lemaître").await),
        id_of(&app.create_author("Éric Duval").await),
    ];
    let mut tag_ids = Vec::new();
    for name in ["Été", "Société", "Économie"] {
        tag_ids.push(id_of(&app.create_tag(name).await));
    }
    for title in ["Première « une »", "Deuxième « une »"] {
        let body = json!({"title": title, "locale": "fr", "body": "Texte.", "author_ids": authors, "tag_ids": tag_ids});
        app.create_article(body).await;
    }
    let file = folder.join("site.tar.zst").display().to_string();
    let export = ["export", "--output", &file, "--with-accounts"];
    succeed(&export, &beside(&app)).await;
    (app, file)
}

/// Articles a fresh server on `database` holds, working copies included.
async fn count_articles(database: TestDatabase) -> u64 {
    let app = TestApp::spawn_on(database, |_| {}).await;
    let body = expect_json(app.get("/api/v1/articles?preview=true").await, 200).await;
    body["meta"]["total"].as_u64().expect("a total")
}

#[tokio::test]
async fn a_damaged_archive_is_refused_whole_and_says_where() {
    let folder = tempfile::tempdir().expect("tempdir");
    let (_app, file) = small_archive(folder.path()).await;
    let bytes = std::fs::read(&file).expect("the archive");

    // Cut short.
    let cut = folder.path().join("cut.tar.zst");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let target = TestDatabase::create().await;
    let output = masthead(&["import", cut.to_str().unwrap()], &of(&target)).await;
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("cut short"), "{message}");
    assert!(message.contains("nothing was written"), "{message}");

    // Bytes changed in the middle.
    let mut damaged = bytes.clone();
    let middle = damaged.len() / 2;
    for byte in &mut damaged[middle..middle + 16] {
        *byte ^= 0x5a;
    }
    let bad = folder.path().join("damaged.tar.zst");
    std::fs::write(&bad, &damaged).expect("write");
    let output = masthead(&["import", bad.to_str().unwrap()], &of(&target)).await;
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("damaged") || message.contains("cut short"),
        "{message}"
    );
    assert_eq!(count_articles(target).await, 0);
}

#[tokio::test]
async fn a_record_breaking_a_rule_is_named_by_file_line_and_field() {
    let folder = tempfile::tempdir().expect("tempdir");
    let (_app, file) = small_archive(folder.path()).await;
    // The same archive with one title blanked, its manifest made to agree.
    let rewritten = folder.path().join("blank.tar.zst");
    rewrite(Path::new(&file), &rewritten, |path, bytes| {
        if path == "articles/000001.jsonl" {
            let text = String::from_utf8(bytes).unwrap();
            text.replacen("\"title\":\"Première « une »\"", "\"title\":\"  \"", 1)
                .into_bytes()
        } else {
            bytes
        }
    });
    let target = TestDatabase::create().await;
    let output = masthead(&["import", rewritten.to_str().unwrap()], &of(&target)).await;
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("articles/000001.jsonl line")
            && message.contains("title: must not be blank"),
        "{message}"
    );
    assert_eq!(count_articles(target).await, 0);
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_imports_run_again_make_no_duplicates() {
    let folder = tempfile::tempdir().expect("tempdir");
    let (source, file) = small_archive(folder.path()).await;
    let target = TestDatabase::create().await;
    let planned = succeed(&["import", &file, "--dry-run"], &of(&target)).await;
    assert!(
        planned.contains("would be") && planned.contains("nothing was written"),
        "{planned}"
    );
    assert_eq!(articles_line(&planned).as_deref(), Some("2 0 0"));

    let created = succeed(&["import", &file], &of(&target)).await;
    assert_eq!(articles_line(&created).as_deref(), Some("2 0 0"));
    let again = succeed(&["import", &file], &of(&target)).await;
    assert_eq!(articles_line(&again).as_deref(), Some("0 0 2"));
    let upserted = succeed(&["import", &file, "--mode", "upsert"], &of(&target)).await;
    assert_eq!(articles_line(&upserted).as_deref(), Some("0 2 0"));
    let upserted = succeed(&["import", &file, "--mode", "upsert"], &of(&target)).await;
    assert_eq!(articles_line(&upserted).as_deref(), Some("0 2 0"));
    let replaced = succeed(&["import", &file, "--mode", "replace"], &of(&target)).await;
    assert_eq!(articles_line(&replaced).as_deref(), Some("2 0 0"));
    let target = TestApp::spawn_on(target, |_| {}).await;
    assert_same_answers(&source, &target).await;
}

/// Copies the archive at `from` to `to` with each file passed through
/// `change`, and a manifest that agrees with the result.
fn rewrite(from: &Path, to: &Path, change: impl Fn(&str, Vec<u8>) -> Vec<u8>) {
    use std::io::Read;
    let reader = zstd::Decoder::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut archive = tar::Archive::new(reader);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.push((path.clone(), change(&path, bytes)));
    }
    let (_, manifest) = files.pop().expect("a manifest");
    let mut manifest: Value = serde_json::from_slice(&manifest).unwrap();
    for entry in manifest["files"].as_array_mut().unwrap() {
        let (_, bytes) = files
            .iter()
            .find(|(path, _)| entry["path"] == *path)
            .unwrap();
        entry["bytes"] = json!(bytes.len());
        entry["sha256"] = json!(sha256(bytes));
    }
    files.push((
        "manifest.json".to_owned(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    let writer = zstd::Encoder::new(std::fs::File::create(to).unwrap(), 3).unwrap();
    let mut builder = tar::Builder::new(writer);
    for (path, bytes) in &files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, path, bytes.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap();
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Waits for the job at `/api/v1/{kind}/{id}` to end; the job.
pub async fn finished(app: &TestApp, kind: &str, id: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let job = expect_json(app.get(&format!("/api/v1/{kind}/{id}")).await, 200).await;
        if job["state"] != "running" {
            return job;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job never ended: {job}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Starts an import of `bytes` over the API as `credential`.
pub async fn upload(
    app: &TestApp,
    credential: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("site.tar.zst"),
    );
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    send(
        app.request_as(credential, Method::POST, "/api/v1/imports")
            .multipart(form),
    )
    .await
}

#[tokio::test]
async fn admins_export_and_import_through_background_jobs() {
    let folder = tempfile::tempdir().expect("tempdir");
    let (source, _) = small_archive(folder.path()).await;
    let started = source
        .post("/api/v1/exports", &json!({"with_accounts": true}))
        .await;
    assert_eq!(started.status(), 202);
    let location = crate::helpers::header(&started, "location").expect("a Location");
    let job: Value = started.json().await.unwrap();
    let id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/exports/{id}"));
    let job = finished(&source, "exports", &id).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["report"]["counts"]["articles"], 2, "{job}");
    let download = source.get(&format!("/api/v1/exports/{id}/archive")).await;
    assert_eq!(download.status(), 200);
    let archive = download.bytes().await.unwrap().to_vec();
    assert_eq!(&archive[..4], &[0x28, 0xb5, 0x2f, 0xfd], "a zstd stream");
    // Deleted, the job and its archive are gone.
    let path = format!("/api/v1/exports/{id}");
    assert_eq!(source.delete(&path).await.status(), 204);
    assert_eq!(source.get(&path).await.status(), 404);
    let gone = source.get(&format!("{path}/archive")).await;
    assert_eq!(gone.status(), 404);
    let stored = source
        .data_dir()
        .join("exports")
        .join(format!("{id}.tar.zst"));
    assert!(!stored.exists(), "the archive's file is removed");

    let target = TestApp::spawn().await;
    let (_, editor) = target.user("editor", None).await;
    assert_eq!(
        upload(&target, &editor, archive.clone(), &[])
            .await
            .status(),
        403
    );
    let refused = upload(
        &target,
        &target.admin_token,
        archive.clone(),
        &[("colour", "blue")],
    )
    .await;
    crate::helpers::expect_problem(refused, 400).await;

    let admin = target.admin_token.clone();
    let dry = expect_json(
        upload(&target, &admin, archive.clone(), &[("dry_run", "true")]).await,
        202,
    )
    .await;
    let dry = finished(&target, "imports", dry["id"].as_str().unwrap()).await;
    assert_eq!(dry["report"]["parts"]["articles"]["created"], 2, "{dry}");
    let none = expect_json(target.get("/api/v1/articles?preview=true").await, 200).await;
    assert_eq!(none["meta"]["total"], 0, "a dry run writes nothing");

    let job = expect_json(
        upload(&target, &admin, archive.clone(), &[("mode", "upsert")]).await,
        202,
    )
    .await;
    let job = finished(&target, "imports", job["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["report"]["parts"]["articles"]["created"], 2, "{job}");
    let two = expect_json(target.get("/api/v1/articles?preview=true").await, 200).await;
    assert_eq!(two["meta"]["total"], 2);

    // A damaged upload fails, saying where, and writes nothing more.
    let cut = archive[..archive.len() / 2].to_vec();
    let job = expect_json(
        upload(&target, &admin, cut, &[("mode", "replace")]).await,
        202,
    )
    .await;
    let job = finished(&target, "imports", job["id"].as_str().unwrap()).await;
    assert_eq!(job["state"], "failed", "{job}");
    let errors = job["errors"].to_string();
    assert!(errors.contains("cut short"), "{errors}");
    let still = expect_json(target.get("/api/v1/articles?preview=true").await, 200).await;
    assert_eq!(still["meta"]["total"], 2);
}

/// Articles the database at `site` holds (both copies counted once).
async fn stored_articles(site: &Site) -> i64 {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let url = match &site.1 {
        Some(url) => url.clone(),
        None => format!("sqlite://{}?mode=ro", site.0.join("masthead.db").display()),
    };
    let Ok(db) = Database::connect(&url).await else {
        return 0;
    };
    let backend = db.get_database_backend();
    let sql = "SELECT COUNT(*) AS n FROM articles WHERE copy = 'working'";
    let row = db.query_one_raw(Statement::from_string(backend, sql)).await;
    let count = row
        .ok()
        .flatten()
        .and_then(|row| row.try_get::<i64>("", "n").ok())
        .unwrap_or(0);
    let _ = db.close().await;
    count
}

#[tokio::test]
async fn an_import_killed_half_way_finishes_when_run_again() {
    let source = TestDatabase::create().await;
    succeed(
        &[
            "seed",
            "--articles",
            "1200",
            "--authors",
            "20",
            "--tags",
            "20",
        ],
        &of(&source),
    )
    .await;
    let source = TestApp::spawn_on(source, |_| {}).await;
    let folder = tempfile::tempdir().expect("tempdir");
    let file = folder.path().join("site.tar.zst").display().to_string();
    succeed(
        &["export", "--output", &file, "--with-accounts"],
        &beside(&source),
    )
    .await;

    let target = TestDatabase::create().await;
    let site = of(&target);
    succeed(&["migrate"], &site).await;
    let mut command = Command::new(BINARY);
    command.args(["import", &file]).current_dir(&site.0);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("MASTHEAD_")) {
        command.env_remove(key);
    }
    command
        .env("MASTHEAD_DATA_DIR", &site.0)
        .env("MASTHEAD_LOG", "error");
    if let Some(url) = &site.1 {
        command.env("MASTHEAD_DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("masthead import starts");
    // Killed as soon as some articles are written, before all are.
    let mut partial = 0;
    while child.try_wait().expect("the import's state").is_none() {
        partial = stored_articles(&site).await;
        if partial > 0 {
            child.kill().expect("kill -9");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let _ = child.wait();
    assert!(
        partial > 0 && partial < 1200,
        "killed after {partial} of 1,200 articles"
    );

    let again = succeed(&["import", &file], &site).await;
    assert!(again.contains("articles"), "{again}");
    let target = TestApp::spawn_on(target, |_| {}).await;
    assert_eq!(assert_same_answers(&source, &target).await, 1200);
}
