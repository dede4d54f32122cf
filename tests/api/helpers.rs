//! The test harness: a real server on a random port with a fresh database
//! (a SQLite file in a temporary folder, or a new PostgreSQL database when
//! `MASTHEAD_TEST_DATABASE_URL` is set), and an HTTP client to talk to it.

use std::time::Duration;

use actix_web::web;
use masthead::app::{AppState, Application, Audit};
use masthead::config::{Config, Secret};
use reqwest::{Method, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

/// E-mail of the first admin of every test server.
pub const ADMIN_EMAIL: &str = "admin@masthead.test";
/// Password of that admin.
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// The token signing secret of every test server, to forge tokens with.
pub const JWT_SECRET: &str = "test-signing-secret-of-at-least-32-bytes";

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// A client with no default headers.
    pub client: reqwest::Client,
    /// An access token of the first admin; the convenience methods send it.
    pub admin_token: String,
    state: web::Data<AppState>,
    audit: web::Data<Audit>,
    handle: actix_web::dev::ServerHandle,
    /// Kept for its `Drop`: the database goes when the test ends.
    _database: TestDatabase,
}

/// A fresh database for one test: a temporary data folder (holding the
/// SQLite file), or a new PostgreSQL database when
/// `MASTHEAD_TEST_DATABASE_URL` is set. Both are removed when dropped.
pub struct TestDatabase {
    /// The data folder.
    pub dir: tempfile::TempDir,
    /// `MASTHEAD_DATABASE_URL` for this test; `None` means the embedded SQLite file.
    pub url: Option<String>,
    postgres: Option<PostgresDatabase>,
}

impl TestDatabase {
    /// Makes the folder and, on PostgreSQL, the database.
    pub async fn create() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        match std::env::var("MASTHEAD_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let (postgres, url) = PostgresDatabase::create(&admin_url).await;
                Self {
                    dir,
                    url: Some(url),
                    postgres: Some(postgres),
                }
            }
            _ => Self {
                dir,
                url: None,
                postgres: None,
            },
        }
    }

    /// A database made elsewhere (kept when dropped), with a fresh data folder.
    pub fn at(url: String) -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
            url: Some(url),
            postgres: None,
        }
    }

    /// True when this database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

/// A throw-away PostgreSQL database, dropped with the test.
struct PostgresDatabase {
    admin_url: String,
    name: String,
}

impl PostgresDatabase {
    async fn create(admin_url: &str) -> (Self, String) {
        let name = format!("masthead_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(admin_url)
            .await
            .unwrap_or_else(|err| panic!("cannot reach MASTHEAD_TEST_DATABASE_URL: {err}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|err| panic!("cannot create the test database: {err}"));
        let _ = admin.close().await;
        let mut url = url::Url::parse(admin_url).unwrap_or_else(|err| panic!("bad URL: {err}"));
        url.set_path(&name);
        (
            Self {
                admin_url: admin_url.to_owned(),
                name,
            },
            url.to_string(),
        )
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside any runtime we may block, so use a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|err| panic!("runtime: {err}"));
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

impl TestApp {
    /// Starts a server with the default configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server after letting the test adjust the configuration.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(TestDatabase::create().await, adjust).await
    }

    /// Starts a server on an existing test database.
    pub async fn spawn_on(database: TestDatabase, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            bind: "127.0.0.1:0".to_owned(),
            data_dir: database.dir.path().to_path_buf(),
            database_url: database.url.clone(),
            db_max_connections: 8,
            log: std::env::var("MASTHEAD_TEST_LOG").unwrap_or_else(|_| "warn".to_owned()),
            workers: Some(2),
            admin_email: Some(ADMIN_EMAIL.to_owned()),
            admin_password: Some(Secret::new(ADMIN_PASSWORD)),
            jwt_secret: Some(Secret::new(JWT_SECRET)),
            // No webhook worker unless a test asks for one: its polling
            // would show in the statement counts.
            webhook_interval_ms: 0,
            ..Config::default()
        };
        adjust(&mut config);
        masthead::telemetry::init(&config);
        let app = Application::build(config)
            .await
            .unwrap_or_else(|err| panic!("the server did not start: {err:#}"));
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        let audit = app.audit();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_else(|err| panic!("client: {err}"));
        let mut app = Self {
            address,
            client,
            admin_token: String::new(),
            state,
            audit,
            handle,
            _database: database,
        };
        app.admin_token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await["access_token"]
            .as_str()
            .expect("the first admin can sign in")
            .to_owned();
        app
    }

    /// Signs in and returns the token answer.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        let response = send(
            self.anonymous(Method::POST, "/api/v1/auth/login")
                .json(&json!({"email": email, "password": password})),
        )
        .await;
        expect_json(response, 200).await
    }

    /// Creates a user with `role` (as the admin) and returns its id and an access token.
    pub async fn user(&self, role: &str, author_id: Option<&str>) -> (String, String) {
        let email = format!("{role}-{}@masthead.test", uuid::Uuid::new_v4().simple());
        let password = "a-long-enough-password";
        let user = created(
            self.post(
                "/api/v1/users",
                &json!({"email": email, "name": role, "role": role, "password": password, "author_id": author_id}),
            )
            .await,
        )
        .await;
        let token = self.login(&email, password).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        (id_of(&user), token)
    }

    /// Creates an API key of `kind` (as the admin) and returns the key.
    pub async fn api_key(&self, kind: &str) -> String {
        let key = created(
            self.post("/api/v1/api-keys", &json!({"name": kind, "kind": kind}))
                .await,
        )
        .await;
        key["key"].as_str().unwrap().to_owned()
    }

    /// SQL statements the server has executed so far.
    pub fn statements(&self) -> u64 {
        self.state.ctx.db.statement_count()
    }

    /// Prunes the change log now, as the server does every hour.
    pub async fn prune_change_log(&self) -> u64 {
        self.state
            .feed
            .prune()
            .await
            .expect("the change log can be pruned")
    }

    /// Prunes the audit log now, as the server does every hour, keeping `days` days.
    pub async fn prune_audit_log(&self, days: u32) -> u64 {
        masthead::identity::audit_log::prune(&self.state.identity, days)
            .await
            .expect("the audit log can be pruned")
    }

    /// Runs a statement on the server's database, behind its back (to age
    /// a row, say).
    pub async fn run_sql(&self, sql: &str) {
        self.state
            .ctx
            .db
            .pool
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
    }

    /// The server's database URL (`None`: the embedded file).
    pub fn database_url(&self) -> Option<String> {
        self._database.url.clone()
    }

    /// The server's data folder.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._database.dir.path().to_path_buf()
    }

    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A request to `path`, signed in as the first admin.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.request_as(&self.admin_token, method, path)
    }

    /// A request to `path` with a bearer credential.
    pub fn request_as(
        &self,
        credential: &str,
        method: Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.anonymous(method, path).bearer_auth(credential)
    }

    /// A request to `path` without credentials.
    pub fn anonymous(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path)).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::POST, path).json(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::PATCH, path).json(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Response {
        send(self.request(Method::PUT, path).json(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Response {
        send(self.request(Method::DELETE, path)).await
    }

    /// Creates an author and returns it.
    pub async fn create_author(&self, name: &str) -> Value {
        created(self.post("/api/v1/authors", &json!({ "name": name })).await).await
    }

    /// Creates a tag and returns it.
    pub async fn create_tag(&self, name: &str) -> Value {
        created(self.post("/api/v1/tags", &json!({ "name": name })).await).await
    }

    /// Creates an article from `body` and returns it.
    pub async fn create_article(&self, body: Value) -> Value {
        created(self.post("/api/v1/articles", &body).await).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let undocumented = self.audit.undocumented_requests();
        if undocumented > 0 && !std::thread::panicking() {
            panic!(
                "{undocumented} request(s) hit a route missing from the OpenAPI document (see the error log)"
            );
        }
        let handle = self.handle.clone();
        // Stopping is async; the server finishes on its own once asked.
        drop(tokio::spawn(async move { handle.stop(false).await }));
    }
}

/// Sends a request, failing the test on a transport error.
pub async fn send(request: reqwest::RequestBuilder) -> Response {
    request
        .send()
        .await
        .unwrap_or_else(|err| panic!("request failed: {err}"))
}

/// The JSON body of a response of the expected status, or a failure that shows the body.
pub async fn expect_json(response: Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("body is not JSON ({err}): {text}"))
}

/// The body of a `201 Created`.
pub async fn created(response: Response) -> Value {
    expect_json(response, 201).await
}

/// A problem+json response of the given status; returns the problem.
pub async fn expect_problem(response: Response, status: u16) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let problem = expect_json(response, status).await;
    assert_eq!(
        content_type, "application/problem+json",
        "problem: {problem}"
    );
    assert_eq!(problem["status"], status, "problem: {problem}");
    problem
}

/// The field names in a problem's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A header as text.
pub fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The id string of a created record.
pub fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

impl TestApp {
    /// Runs a GraphQL document with a bearer credential (or none), returning the HTTP response.
    pub async fn graphql_as(
        &self,
        credential: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Response {
        let request = match credential {
            Some(credential) => self.request_as(credential, Method::POST, "/graphql"),
            None => self.anonymous(Method::POST, "/graphql"),
        };
        send(request.json(&json!({"query": query, "variables": variables}))).await
    }

    /// Runs a GraphQL document as the admin and returns `{data, errors}`.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        expect_json(
            self.graphql_as(Some(&self.admin_token.clone()), query, variables)
                .await,
            200,
        )
        .await
    }

    /// Runs a GraphQL document anonymously and returns `{data, errors}`.
    pub async fn gql_anonymous(&self, query: &str, variables: Value) -> Value {
        expect_json(self.graphql_as(None, query, variables).await, 200).await
    }
}

/// The data of a GraphQL answer that must have no errors.
pub fn data(answer: Value) -> Value {
    assert!(
        answer.get("errors").is_none(),
        "unexpected errors: {answer}"
    );
    answer["data"].clone()
}

/// The `extensions.code` of the first error of a GraphQL answer.
pub fn error_code(answer: &Value) -> String {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {answer}"))
        .to_owned()
}

/// The folder of the Node package `tests/<name>`, installed from its lock
/// file on first use (when `node_modules/<marker>` is missing). No package
/// downloads a browser: the browser test uses the system's Chromium.
pub fn node_package(name: &str, marker: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests")
        .join(name);
    if !dir.join("node_modules").join(marker).is_dir() {
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .env("PUPPETEER_SKIP_DOWNLOAD", "1")
            .current_dir(&dir)
            .status()
            .expect("npm must be installed (Node.js 20+)");
        assert!(status.success(), "npm ci failed in tests/{name}");
    }
    dir
}

/// What a Node script printed, and whether it succeeded.
pub struct NodeRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `node <args>` in `dir` with `env` added.
pub async fn run_node(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> NodeRun {
    let output = tokio::process::Command::new("node")
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .await
        .expect("node must be installed (Node.js 20+)");
    NodeRun {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A small HTTP server of the test's own on a free local port (a webhook
/// receiver, an old site to import from), answering every path with
/// `handler`; it stops when dropped.
pub struct LocalServer {
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
    handle: actix_web::dev::ServerHandle,
}

impl LocalServer {
    /// Starts one worker answering every request with `handler`, which
    /// reads `state` as `web::Data<S>`.
    pub fn start<S, F, Args>(state: S, handler: F) -> Self
    where
        S: Send + Sync + 'static,
        F: actix_web::Handler<Args> + Clone + Send + 'static,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        let state = web::Data::new(state);
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(state.clone())
                .default_service(web::to(handler.clone()))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            origin: format!("http://127.0.0.1:{port}"),
            handle,
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
