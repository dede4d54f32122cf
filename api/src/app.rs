//! Building the application: state, routes, middleware and the HTTP server.
//! `main` and the tests build it the same way.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, Next, from_fn};
use actix_web::{App, HttpResponse, web};
use anyhow::Context;
use tokio::sync::watch;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use actix_cors::Cors;
use actix_web::http::header;

use crate::auth::jwt::{self, JwtKeys};
use crate::auth::token;
use crate::cache::ResponseCache;
use crate::config::{Config, Secret};
use crate::content::accounts::users;
use crate::content::{Ctx, Settings, article, validate};
use crate::error::AppError;
use crate::{db, graphql, rest, telemetry};

/// What every handler can reach.
pub struct AppState {
    /// The content layer.
    pub ctx: Ctx,
    /// The configuration in effect.
    pub config: Config,
    /// The OpenAPI document, serialised once.
    pub openapi_json: String,
    /// The GraphQL schema.
    pub graphql: graphql::MastheadSchema,
    /// Its limits.
    pub graphql_limits: graphql::Limits,
    /// Answers to public reads, kept while content is unchanged.
    pub cache: ResponseCache,
    /// `(METHOD, path pattern)` of every documented operation.
    documented: HashSet<(String, String)>,
    /// Requests served by a route missing from the OpenAPI document.
    undocumented_requests: AtomicU64,
}

/// Opens and migrates the database and builds the content context: what
/// the server and the command line share.
pub async fn content_context(config: &Config) -> anyhow::Result<Ctx> {
    let default_locale = validate::locale(&config.default_locale)
        .map_err(|m| anyhow::anyhow!("MASTHEAD_DEFAULT_LOCALE {m}"))?;
    let secret = jwt_secret(config)?;
    let db = db::connect(config).await?;
    db::migrate(&db).await?;
    db::optimize(&db).await?;
    let settings = Settings {
        default_locale,
        public_read: config.public_read,
        jwt: JwtKeys::new(
            secret.expose().as_bytes(),
            Duration::from_secs(config.access_token_ttl),
        ),
        refresh_ttl: Duration::from_secs(config.refresh_token_ttl),
        decoy_hash: std::sync::OnceLock::new(),
    };
    Ok(Ctx::new(db, settings))
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("graphql_limits", &self.graphql_limits)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens and migrates the database, creates the first admin if there are
    /// no users, and prepares the state.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let ctx = content_context(&config).await?;
        bootstrap_admin(&ctx, &config).await?;
        let document = rest::openapi::document();
        let limits = config.graphql_limits();
        let cache_entries = config.cache_entries;
        Ok(Self {
            ctx,
            config,
            openapi_json: rest::openapi::document_json(),
            graphql: graphql::build_schema(&limits),
            graphql_limits: limits,
            cache: ResponseCache::new(cache_entries, 1024 * 1024),
            documented: rest::openapi::operations(&document),
            undocumented_requests: AtomicU64::new(0),
        })
    }

    /// Requests so far that a route absent from the OpenAPI document served.
    /// Always zero unless a route was registered outside `rest::routes`.
    pub fn undocumented_requests(&self) -> u64 {
        self.undocumented_requests.load(Ordering::Relaxed)
    }
}

/// Paths served outside the API and deliberately left out of its document:
/// Swagger UI, and GraphiQL with its files (`POST /graphql` is documented).
const UNDOCUMENTED_PREFIXES: [&str; 2] = ["/docs", "/graphql"];

/// Every route the OpenAPI document describes: REST and `POST /graphql`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    rest::routes(cfg);
    cfg.service(graphql::handler::post_graphql);
}

/// Middleware: counts (and logs) requests whose matched route is not in the
/// OpenAPI document, so a route registered beside `rest::routes` cannot go
/// unnoticed; the test suite fails when the count is not zero.
async fn audit_documentation(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    let request = response.request();
    if let (Some(state), Some(pattern)) = (state, request.match_pattern())
        && !UNDOCUMENTED_PREFIXES.iter().any(|p| pattern.starts_with(p))
        && !state
            .documented
            .contains(&(request.method().as_str().to_owned(), pattern.clone()))
    {
        state.undocumented_requests.fetch_add(1, Ordering::Relaxed);
        tracing::error!(method = %request.method(), %pattern, "served a route missing from the OpenAPI document");
    }
    Ok(response)
}

/// The secret that signs access tokens: `MASTHEAD_JWT_SECRET`, or one
/// generated once into `<data_dir>/jwt-secret` (mode 0600) so that restarts
/// keep sessions valid.
fn jwt_secret(config: &Config) -> anyhow::Result<Secret> {
    if let Some(secret) = &config.jwt_secret {
        anyhow::ensure!(
            secret.expose().len() >= jwt::MIN_SECRET_LEN,
            "MASTHEAD_JWT_SECRET must be at least {} bytes long",
            jwt::MIN_SECRET_LEN
        );
        return Ok(secret.clone());
    }
    let path = config.data_dir.join("jwt-secret");
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    let generated = token::generate("")?;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path);
    match created {
        Ok(mut file) => {
            file.write_all(generated.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated the token signing secret");
            Ok(Secret::new(generated))
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            let stored = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let stored = stored.trim().to_owned();
            anyhow::ensure!(
                stored.len() >= jwt::MIN_SECRET_LEN,
                "{} holds a secret shorter than {} bytes",
                path.display(),
                jwt::MIN_SECRET_LEN
            );
            Ok(Secret::new(stored))
        }
        Err(err) => Err(err).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Creates the first admin when the database has no users.
async fn bootstrap_admin(ctx: &Ctx, config: &Config) -> anyhow::Result<()> {
    let created = users::bootstrap_admin(
        ctx,
        config.admin_email.as_deref(),
        config.admin_password.as_ref(),
    )
    .await
    .map_err(|err| anyhow::anyhow!("cannot create the first admin: {err}"))?;
    match created {
        Some((admin, Some(password))) => {
            // Printed this once, on purpose: it is the only way in.
            tracing::warn!(
                email = %admin.email,
                password = %password.expose(),
                "created the first admin with a random password; sign in and change it"
            );
        }
        Some((admin, None)) => tracing::info!(email = %admin.email, "created the first admin"),
        None => {}
    }
    Ok(())
}

/// CORS for the configured origins; none are allowed by default.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            telemetry::REQUEST_ID,
        ])
        .expose_headers(
            rest::EXPOSED_HEADERS
                .split(", ")
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        )
        .max_age(3600);
    for origin in origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// A bound, not yet running server, with its scheduler.
pub struct Application {
    server: Server,
    port: u16,
    state: web::Data<AppState>,
    stop_scheduler: watch::Sender<bool>,
}

/// Runs the workflow scheduler every `interval` until told to stop. Its state
/// is in the database, so a restart loses nothing and several processes can
/// run it at once (see `content::article::run_schedule`).
fn spawn_scheduler(ctx: Ctx, interval: Duration, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => break,
            }
            match article::run_schedule(&ctx).await {
                Ok(0) => {}
                Ok(changed) => {
                    tracing::info!(changed, "the scheduler published or took down articles")
                }
                Err(err) => tracing::warn!(error = %err, "the scheduler could not run"),
            }
        }
    });
}

/// Checkpoints the SQLite log in the background whenever writes were
/// committed since the last time (see `db::checkpoint`).
fn spawn_checkpointer(ctx: Ctx, mut stop: watch::Receiver<bool>) {
    if ctx.group_commits().is_none() {
        return;
    }
    tokio::spawn(async move {
        let mut seen = 0;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(CHECKPOINT_INTERVAL) => {}
                _ = stop.changed() => break,
            }
            let (_, commits) = ctx.group_commits().unwrap_or_default();
            if commits == seen {
                continue;
            }
            seen = commits;
            if let Err(err) = db::checkpoint(&ctx.db).await {
                tracing::warn!(error = %err, "could not checkpoint the database log");
            }
        }
    });
}

/// How often the SQLite log is copied into the database while writes come in.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

async fn no_route() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found("resource"))
}

impl Application {
    /// Builds the state and binds the listener (`MASTHEAD_BIND`; port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let workers = config.workers;
        let scheduler_interval = config.scheduler_interval_ms;
        let cors_origins = config.cors_origins.clone();
        let state = web::Data::new(AppState::build(config).await?);
        let app_state = state.clone();
        let mut server = actix_web::HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(routes)
                .split_for_parts();
            app.app_data(app_state.clone())
                .service(
                    SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", rest::openapi::document()),
                )
                .service(web::redirect("/docs", "/docs/"))
                .service(graphql::handler::graphiql)
                .service(graphql::handler::graphiql_asset)
                .default_service(web::to(no_route))
                .wrap(from_fn(audit_documentation))
                .wrap(Compress::default())
                .wrap(cors(&cors_origins))
                .wrap(from_fn(telemetry::request_span))
        })
        .shutdown_timeout(10)
        .client_request_timeout(Duration::from_secs(30));
        if let Some(workers) = workers {
            server = server.workers(workers.max(1));
        }
        let server = server.listen(listener)?.run();
        let (stop_scheduler, stop) = watch::channel(false);
        spawn_checkpointer(state.ctx.clone(), stop.clone());
        if scheduler_interval > 0 {
            spawn_scheduler(
                state.ctx.clone(),
                Duration::from_millis(scheduler_interval.max(10)),
                stop,
            );
        }
        Ok(Self {
            server,
            port,
            state,
            stop_scheduler,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests read the statement counter from it).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped; SIGTERM and SIGINT stop it
    /// gracefully, letting requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let _ = self.stop_scheduler.send(true);
        result
    }
}
