//! Operations: probes, request ids, compression, the binary's start-up,
//! JSON logs, migrations and graceful shutdown.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, TestDatabase, expect_json, header, send,
};
use crate::process::{Api, BINARY, Process, serve_env};

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(
        expect_json(app.get("/healthz").await, 200).await["status"],
        "ok"
    );
    assert_eq!(
        expect_json(app.get("/readyz").await, 200).await["status"],
        "ready"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("masthead_db_statements_total "),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_home_page_names_the_version_and_links_the_api_and_its_documents() {
    let app = TestApp::spawn().await;
    let browser = app
        .anonymous(Method::GET, "/")
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    let page = send(browser).await;
    assert_eq!(page.status(), 200);
    assert!(
        header(&page, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(header(&page, "content-security-policy").is_some());
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("Masthead {}", env!("CARGO_PKG_VERSION"))),
        "{html}"
    );
    let json = send(
        app.anonymous(Method::GET, "/")
            .header("accept", "application/json"),
    )
    .await;
    let json = expect_json(json, 200).await;
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    let links = json["links"].as_object().unwrap();
    assert_eq!(links.len(), 4, "{json}");
    // Every link is on the page and answers.
    for (name, path) in links {
        let path = path.as_str().unwrap();
        assert!(html.contains(&format!("href=\"{path}\"")), "{name}: {html}");
        let followed = send(
            app.anonymous(Method::GET, path)
                .header("accept", "text/html"),
        )
        .await;
        assert_eq!(followed.status(), 200, "{name} at {path}");
    }
    let posted = send(app.anonymous(Method::POST, "/")).await;
    assert_eq!(posted.status(), 405);
    assert_eq!(header(&posted, "allow").as_deref(), Some("GET"));
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    // HTML pages allow only what they load from this server.
    {
        let app = TestApp::spawn().await;
        for (path, accept) in [("/docs/", "text/html"), ("/graphql", "text/html")] {
            let page = send(app.anonymous(Method::GET, path).header("accept", accept)).await;
            assert_eq!(page.status(), 200, "{path}");
            let policy = header(&page, "content-security-policy").expect(path);
            assert!(
                policy.starts_with("default-src 'none'; script-src 'self';"),
                "{path}: {policy}"
            );
            assert!(
                !policy.contains("script-src 'self' 'unsafe"),
                "{path}: {policy}"
            );
        }
    }
    let app = TestApp::spawn().await;
    for path in [
        "/healthz",
        "/api/v1/articles",
        "/api/v1/nothing",
        "/docs/",
        "/graphql",
        "/openapi.json",
    ] {
        let response = send(app.anonymous(Method::GET, path)).await;
        assert_eq!(
            header(&response, "x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            header(&response, "referrer-policy").as_deref(),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
        assert_eq!(
            header(&response, "strict-transport-security"),
            None,
            "{path}: not behind TLS"
        );
    }
    let tls = TestApp::spawn_with(|c| c.hsts_max_age = 31_536_000).await;
    let response = send(tls.anonymous(Method::GET, "/api/v1/users")).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "strict-transport-security").as_deref(),
        Some("max-age=31536000; includeSubDomains")
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let given = send(
        app.request(Method::GET, "/healthz")
            .header("X-Request-Id", "trace-42"),
    )
    .await;
    assert_eq!(header(&given, "x-request-id").as_deref(), Some("trace-42"));
    let made = app.get("/api/v1/nothing").await;
    let id = header(&made, "x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn().await;
    for encoding in ["br", "gzip"] {
        let response = send(
            app.request(Method::GET, "/openapi.json")
                .header("Accept-Encoding", encoding),
        )
        .await;
        assert_eq!(
            header(&response, "content-encoding").as_deref(),
            Some(encoding)
        );
    }
}

#[tokio::test]
async fn the_binary_serves_with_json_logs_and_stops_gracefully_on_sigterm() {
    let database = TestDatabase::create().await;
    let mut env = vec![
        ("MASTHEAD_BIND", "127.0.0.1:0".to_owned()),
        ("MASTHEAD_LOG_FORMAT", "json".to_owned()),
    ];
    if let Some(url) = &database.url {
        env.push(("MASTHEAD_DATABASE_URL", url.clone()));
    }
    // No MASTHEAD_DATA_DIR: the default ./data folder is made in the working directory.
    let mut server = Process::start(&["serve"], database.dir.path(), &env);
    let admin = server.wait_for(|v| {
        v["fields"]["message"]
            == "created the first admin with a random password; sign in and change it"
    });
    let password = admin["fields"]["password"]
        .as_str()
        .expect("the password is printed once")
        .to_owned();
    assert_eq!(admin["fields"]["email"], "admin@masthead.local");
    let ready = server.wait_for(|v| v["fields"]["message"] == "masthead is serving");
    let port = ready["fields"]["port"]
        .as_u64()
        .expect("port in the start-up line");
    if !database.is_postgres() {
        let data = database.dir.path().join("data");
        assert!(
            data.join("masthead.db").is_file(),
            "the embedded database is created"
        );
        assert!(
            data.join("masthead.db-wal").is_file(),
            "SQLite runs in WAL mode"
        );
    }

    let client = reqwest::Client::new();
    let login = client
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "admin@masthead.local", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the printed password signs in");
    let response = client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .header("X-Request-Id", "probe-7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let logged = server.wait_for(|v| v["span"]["request_id"] == "probe-7");
    assert_eq!(logged["fields"]["status"], 200);
    assert_eq!(logged["span"]["path"], "/readyz");

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    server.wait_for(|v| v["fields"]["message"] == "masthead stopped");
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "exit status {exit}");
}

#[tokio::test]
async fn migrate_applies_the_schema_and_can_run_again() {
    let database = TestDatabase::create().await;
    let mut env = vec![(
        "MASTHEAD_DATA_DIR",
        database.dir.path().join("d").display().to_string(),
    )];
    if let Some(url) = &database.url {
        env.push(("MASTHEAD_DATABASE_URL", url.clone()));
    }
    env.push(("MASTHEAD_LOG_FORMAT", "json".to_owned()));
    for _ in 0..2 {
        let mut process = Process::start(&["migrate"], database.dir.path(), &env);
        process.wait_for(|v| v["fields"]["message"] == "migrations applied");
        assert!(process.child.wait().unwrap().success());
    }
    if !database.is_postgres() {
        assert!(database.dir.path().join("d/masthead.db").is_file());
    }
}

/// Everything a process printed, once it has stopped.
fn drain(process: &mut Process) -> String {
    let _ = Command::new("kill")
        .args(["-TERM", &process.child.id().to_string()])
        .status();
    let _ = process.child.wait();
    let mut all = String::new();
    while let Ok(line) = process.lines.try_recv() {
        all.push_str(&line);
        all.push('\n');
    }
    if let Some(mut stderr) = process.child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut stderr, &mut all);
    }
    all
}

#[tokio::test]
async fn no_password_token_or_key_reaches_a_log_line_or_an_error_body() {
    let database = TestDatabase::create().await;
    let admin_password = "log-test-admin-password-7";
    let mut env = vec![
        ("MASTHEAD_BIND", "127.0.0.1:0".to_owned()),
        ("MASTHEAD_LOG_FORMAT", "json".to_owned()),
        ("MASTHEAD_LOG", "debug".to_owned()),
        (
            "MASTHEAD_DATA_DIR",
            database.dir.path().display().to_string(),
        ),
        ("MASTHEAD_ADMIN_EMAIL", "chief@masthead.test".to_owned()),
        ("MASTHEAD_ADMIN_PASSWORD", admin_password.to_owned()),
    ];
    if let Some(url) = &database.url {
        env.push(("MASTHEAD_DATABASE_URL", url.clone()));
    }
    let mut server = Process::start(&["serve"], database.dir.path(), &env);
    let ready = server.wait_for(|v| v["fields"]["message"] == "masthead is serving");
    let base = format!("http://127.0.0.1:{}/api/v1", ready["fields"]["port"]);
    let client = reqwest::Client::new();
    let mut secrets = vec![
        admin_password.to_owned(),
        "wrong-password-guess-3".to_owned(),
    ];
    let mut bodies = String::new();

    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut request = client.post(format!("{base}{path}")).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
    };
    let wrong = post(
        "/auth/login",
        None,
        serde_json::json!({"email": "chief@masthead.test", "password": "wrong-password-guess-3"}),
    )
    .send()
    .await
    .unwrap();
    bodies.push_str(&wrong.text().await.unwrap());
    let tokens: serde_json::Value = post(
        "/auth/login",
        None,
        serde_json::json!({"email": "chief@masthead.test", "password": admin_password}),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let renewed: serde_json::Value = post(
        "/auth/refresh",
        None,
        serde_json::json!({"refresh_token": refresh}),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let renewed_refresh = renewed["refresh_token"].as_str().unwrap().to_owned();
    // Reusing the spent token is logged (as theft) and must not log the token.
    let reused = post(
        "/auth/refresh",
        None,
        serde_json::json!({"refresh_token": refresh}),
    )
    .send()
    .await
    .unwrap();
    bodies.push_str(&reused.text().await.unwrap());
    let key: serde_json::Value = post(
        "/api-keys",
        Some(&access),
        serde_json::json!({"name": "site", "kind": "delivery"}),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let api_key = key["key"].as_str().unwrap().to_owned();
    let read = client
        .get(format!("{base}/articles"))
        .bearer_auth(&api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let revoke = client
        .delete(format!("{base}/api-keys/{}", key["id"].as_str().unwrap()))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);
    let refused = client
        .get(format!("{base}/articles"))
        .bearer_auth(&api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    bodies.push_str(&refused.text().await.unwrap());
    let garbage = client
        .get(format!("{base}/auth/me"))
        .bearer_auth(format!("{access}x"))
        .send()
        .await
        .unwrap();
    bodies.push_str(&garbage.text().await.unwrap());
    let out = post(
        "/auth/logout",
        None,
        serde_json::json!({"refresh_token": renewed_refresh}),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(out.status(), 204);
    secrets.extend([
        access.clone(),
        refresh,
        renewed_refresh,
        renewed["access_token"].as_str().unwrap().to_owned(),
        api_key,
    ]);

    let logs = drain(&mut server);
    assert!(
        logs.contains("request completed"),
        "the logs were captured: {logs}"
    );
    assert!(
        logs.contains("spent refresh token was presented again"),
        "the reuse was logged"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret reached the logs: {secret}"
        );
        assert!(
            !bodies.contains(secret.as_str()),
            "a secret reached an error body: {secret}"
        );
        // Not even a long piece of it.
        let middle = &secret[secret.len() / 4..secret.len() / 4 + 16];
        assert!(!logs.contains(middle), "part of a secret reached the logs");
    }
}

/// Runs `masthead user create` on a test database with `password` on stdin.
fn create_user(
    database: &TestDatabase,
    email: &str,
    role: &str,
    password: &str,
) -> std::process::Output {
    let mut command = Command::new(BINARY);
    command
        .args([
            "user",
            "create",
            "--email",
            email,
            "--role",
            role,
            "--password-stdin",
        ])
        .env("MASTHEAD_DATA_DIR", database.dir.path())
        .env("MASTHEAD_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = &database.url {
        command.env("MASTHEAD_DATABASE_URL", url);
    }
    let mut child = command.spawn().unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        format!("{password}\n").as_bytes(),
    )
    .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn user_create_on_the_command_line_reads_the_password_from_stdin() {
    let database = TestDatabase::create().await;
    let admin = create_user(&database, ADMIN_EMAIL, "admin", ADMIN_PASSWORD);
    assert!(
        admin.status.success(),
        "{}",
        String::from_utf8_lossy(&admin.stderr)
    );
    let output = create_user(
        &database,
        "script@masthead.test",
        "editor",
        "piped-password-123",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "prints the new user's id: {id}"
    );

    let weak = create_user(&database, "weak@masthead.test", "viewer", "short");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("password: must be at least 10 characters")
    );
    let twice = create_user(
        &database,
        "SCRIPT@masthead.test",
        "viewer",
        "piped-password-123",
    );
    assert!(
        !twice.status.success(),
        "e-mail addresses are unique whatever their case"
    );

    let app = TestApp::spawn_on(database, |_| {}).await;
    let tokens = app
        .login("script@masthead.test", "piped-password-123")
        .await;
    let me = send(app.request_as(
        tokens["access_token"].as_str().unwrap(),
        reqwest::Method::GET,
        "/api/v1/auth/me",
    ))
    .await;
    assert_eq!(crate::helpers::expect_json(me, 200).await["role"], "editor");
}

#[tokio::test]
async fn two_processes_on_one_database_publish_each_scheduled_article_exactly_once() {
    let database = TestDatabase::create().await;
    let env = serve_env(&database, &[("MASTHEAD_SCHEDULER_INTERVAL_MS", "25")]);
    let (first, base) = Process::serve(&database, &env);
    let (second, _) = Process::serve(&database, &env);
    let api = Api::sign_in(base).await;

    let author = api.post("/authors", json!({"name": "Planifiée"})).await;
    let publish_at = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let mut articles = Vec::new();
    for n in 0..12 {
        let article = api
            .post(
                "/articles",
                json!({"title": format!("Planifié {n}"), "author_ids": [author["id"]]}),
            )
            .await;
        let id = article["id"].as_str().unwrap().to_owned();
        for step in [
            json!({"action": "submit"}),
            json!({"action": "approve"}),
            json!({"action": "schedule", "publish_at": publish_at}),
        ] {
            api.post(&format!("/articles/{id}/transitions"), step).await;
        }
        articles.push(id);
    }

    let deadline = Instant::now() + Duration::from_secs(30);
    for id in &articles {
        while api.public_status(&format!("/articles/{id}")).await != 200 {
            assert!(
                Instant::now() < deadline,
                "article {id} was not published in time"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Both schedulers keep running a while longer: nothing may happen twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for id in &articles {
        let history = api.get(&format!("/articles/{id}/transitions")).await;
        let publications = history["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["action"] == "publish")
            .count();
        assert_eq!(publications, 1, "article {id}: {history}");
        let revisions = api.get(&format!("/articles/{id}/revisions")).await;
        assert_eq!(
            revisions["meta"]["total"], 1,
            "publishing writes no revision"
        );
    }
    drop(first);
    drop(second);
}

#[tokio::test]
async fn a_schedule_survives_a_restart() {
    let database = TestDatabase::create().await;
    let env = serve_env(&database, &[("MASTHEAD_SCHEDULER_INTERVAL_MS", "50")]);
    let (mut first, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base).await;
    let author = api.post("/authors", json!({"name": "Patiente"})).await;
    let article = api
        .post(
            "/articles",
            json!({"title": "Après redémarrage", "author_ids": [author["id"]]}),
        )
        .await;
    let id = article["id"].as_str().unwrap().to_owned();
    let publish_at = chrono::Utc::now() + chrono::Duration::seconds(2);
    for step in [
        json!({"action": "submit"}),
        json!({"action": "approve"}),
        json!({"action": "schedule", "publish_at": publish_at.to_rfc3339()}),
    ] {
        api.post(&format!("/articles/{id}/transitions"), step).await;
    }
    // Stopped before the time comes; started again after it has passed.
    drain(&mut first);
    while chrono::Utc::now() < publish_at {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_second, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while api.public_status(&format!("/articles/{id}")).await != 200 {
        assert!(
            Instant::now() < deadline,
            "the restarted server did not publish the scheduled article"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn seed_writes_a_consistent_data_set_and_refuses_to_mix_with_content() {
    let database = TestDatabase::create().await;
    let seed = |articles: &str| {
        let mut command = Command::new(BINARY);
        command
            .args([
                "seed",
                "--articles",
                articles,
                "--authors",
                "12",
                "--tags",
                "20",
            ])
            .env("MASTHEAD_DATA_DIR", database.dir.path())
            .env("MASTHEAD_LOG", "warn")
            .env("CI", "true");
        if let Some(url) = &database.url {
            command.env("MASTHEAD_DATABASE_URL", url);
        }
        command.output().unwrap()
    };
    let output = seed("260");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stdout.is_empty() && !String::from_utf8_lossy(&output.stderr).contains('█'),
        "no progress bar when piped or under CI"
    );
    let again = seed("10");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has articles"));

    let app = TestApp::spawn_on(database, |_| {}).await;
    let public = expect_json(
        send(app.anonymous(
            reqwest::Method::GET,
            "/api/v1/articles?per_page=100&include=authors,tags",
        ))
        .await,
        200,
    )
    .await;
    let published = public["meta"]["total"].as_u64().unwrap();
    let all = expect_json(app.get("/api/v1/articles?per_page=1").await, 200).await["meta"]["total"]
        .as_u64()
        .unwrap();
    assert_eq!(all, 260);
    assert!(
        (150..=240).contains(&published),
        "most articles are published: {published}"
    );
    let first = &public["data"][0];
    assert!(first["body"].as_str().unwrap().len() >= 3_000);
    assert!((1..=3).contains(&first["authors"].as_array().unwrap().len()));
    assert!((3..=6).contains(&first["tags"].as_array().unwrap().len()));
    let id = first["id"].as_str().unwrap();
    let revisions = expect_json(
        app.get(&format!("/api/v1/articles/{id}/revisions")).await,
        200,
    )
    .await;
    assert!(revisions["meta"]["total"].as_u64().unwrap() >= 2);
    let working = expect_json(app.get(&format!("/api/v1/articles/{id}")).await, 200).await;
    assert_eq!(first["version"], working["published_version"]);
    let by_slug = expect_json(
        send(app.anonymous(
            reqwest::Method::GET,
            &format!("/api/v1/articles/{}", first["slug"].as_str().unwrap()),
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(by_slug["id"], first["id"]);
    let drafts_with_newer = expect_json(
        app.get("/api/v1/articles?state=draft&per_page=100").await,
        200,
    )
    .await;
    assert!(
        drafts_with_newer["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| !a["published_version"].is_null()),
        "some published articles have newer working copies"
    );
    let tags = expect_json(
        send(app.anonymous(reqwest::Method::GET, "/api/v1/tags?per_page=100")).await,
        200,
    )
    .await;
    let counted: u64 = tags["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["article_count"].as_u64().unwrap())
        .sum();
    assert!(
        (3 * published..=6 * published).contains(&counted),
        "each published article counts under its 3 to 6 tags: {counted}"
    );

    // A share shows a picture of the media library, served to the public.
    let pictured: Vec<&Value> = public["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["featured_image"]["asset_id"].is_null())
        .collect();
    assert!(
        (10..=60).contains(&pictured.len()),
        "about 30% of the articles have a library picture: {}",
        pictured.len()
    );
    let image = &pictured[0]["featured_image"];
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(960), Some(640))
    );
    let bytes = send(app.anonymous(reqwest::Method::GET, image["url"].as_str().unwrap()))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    let variant = send(app.anonymous(
        reqwest::Method::GET,
        &format!("{}?w=320&format=webp", image["url"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(variant.status(), 200);
}
