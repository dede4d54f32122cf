//! Building the application: state, routes, middleware and the HTTP server.
//! `main` and the tests build it the same way. This is the one place that
//! knows every layer; no layer imports it.

mod admin;
mod audit;
mod gate;
pub mod openapi;
mod state;
mod workers;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, web};
use anyhow::Context;
use tokio::sync::watch;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

pub use crate::http::AppState;
pub use audit::Audit;
pub use state::{Opened, open};

use crate::config::Config;
use crate::error::AppError;
use crate::feed::webhooks::deliver::Sender;
use crate::{graphql, http, rest, telemetry};

/// Every route the OpenAPI document describes: REST and `POST /graphql`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    rest::routes(cfg);
    cfg.service(graphql::handler::get_graphql);
    cfg.service(graphql::handler::post_graphql);
    cfg.service(graphql::ws::graphql_ws);
}

/// Headers every answer carries unless it sets its own: no content-type
/// sniffing, no full URLs in `Referer` to other sites, and, when the server
/// is reached over TLS (`MASTHEAD_HSTS_MAX_AGE` > 0), Strict-Transport-Security.
fn security_headers(hsts_max_age: u32) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("x-content-type-options", "nosniff"))
        .add(("referrer-policy", "strict-origin-when-cross-origin"));
    if hsts_max_age > 0 {
        headers.add((
            "strict-transport-security",
            format!("max-age={hsts_max_age}; includeSubDomains"),
        ))
    } else {
        headers
    }
}

/// What an HTML page served without a policy of its own (Swagger UI) may
/// load: its scripts, styles and data-URL images and fonts from this
/// server, inline style attributes, and requests to this server only.
const HTML_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Middleware: a restrictive Content-Security-Policy on every HTML answer
/// that has none (GraphiQL sets its own).
async fn html_policy(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(HTML_POLICY),
        );
    }
    Ok(response)
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
            http::EXPOSED_HEADERS
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

async fn no_route() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found("resource"))
}

/// A path segment that does not parse (`/revisions/abc`): problem+json
/// naming it, not the framework's plain text.
fn path_error(err: actix_web::error::PathError, _: &actix_web::HttpRequest) -> actix_web::Error {
    let message = match err {
        actix_web::error::PathError::Deserialize(err) => err.to_string(),
        other => other.to_string(),
    };
    AppError::bad_field("path", message).into()
}

/// Starts the background workers of a server; the sender stops them.
fn spawn_workers(
    state: &AppState,
    webhook_interval: u64,
    scheduler_interval: u64,
) -> anyhow::Result<watch::Sender<bool>> {
    let (stop_workers, stop) = watch::channel(false);
    workers::spawn_statistics(state.ctx.db.clone());
    workers::spawn_checkpointer(state.ctx.db.clone(), stop.clone());
    let audit_days = state.config.audit_retention_days;
    workers::spawn_pruner(
        state.feed.clone(),
        (state.identity.clone(), audit_days),
        stop.clone(),
    );
    workers::spawn_live(state.feed.clone(), stop.clone());
    if webhook_interval > 0 {
        let sender = Sender::new(&state.feed).context("cannot make the webhook client")?;
        let objects = Arc::new(rest::webhooks::ApiObjects::new(state.ctx.clone()));
        let interval = Duration::from_millis(webhook_interval.max(10));
        workers::spawn_webhooks(state.feed.clone(), sender, objects, interval, stop.clone());
    }
    if scheduler_interval > 0 {
        let interval = Duration::from_millis(scheduler_interval.max(10));
        workers::spawn_scheduler(state.ctx.clone(), interval, stop);
    }
    Ok(stop_workers)
}

/// A bound, not yet running server, with its background workers.
pub struct Application {
    server: Server,
    port: u16,
    state: web::Data<AppState>,
    audit: web::Data<Audit>,
    stop_workers: watch::Sender<bool>,
}

impl Application {
    /// Builds the state and binds the listener (`MASTHEAD_BIND`; port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.bind)
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let (workers, scheduler_interval) = (config.workers, config.scheduler_interval_ms);
        let webhook_interval = config.webhook_interval_ms;
        anyhow::ensure!(
            config.webhook_retry_scale.is_finite() && config.webhook_retry_scale >= 0.0,
            "MASTHEAD_WEBHOOK_RETRY_SCALE must be a number of 0 or more"
        );
        let cors_origins = config.cors_origins.clone();
        let admin_dir = config.admin_dir.clone();
        let hsts_max_age = config.hsts_max_age;
        let endpoint = web::Data::new(graphql::Endpoint::new(graphql::Limits::from(&config)));
        let state = web::Data::new(AppState::build(config).await?);
        let document = openapi::document();
        let audit = web::Data::new(Audit::new(&document));
        let gate = web::Data::new(gate::Gate::new(&document));
        let served = web::Data::new(rest::openapi::Document(openapi::json(&document)));
        let (app_state, app_audit) = (state.clone(), audit.clone());
        let mut server = actix_web::HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(routes)
                .split_for_parts();
            app.app_data(app_state.clone())
                .app_data(endpoint.clone())
                .app_data(served.clone())
                .app_data(app_audit.clone())
                .app_data(gate.clone())
                .app_data(web::PathConfig::default().error_handler(path_error))
                .service(
                    SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::from("/openapi.json")),
                )
                .service(web::redirect("/docs", "/docs/"))
                .service(graphql::graphiql::graphiql_asset)
                .configure(|cfg| {
                    if let Some(dir) = &admin_dir {
                        admin::configure(cfg, dir.clone());
                    }
                })
                .default_service(web::to(no_route))
                .wrap(from_fn(http::origin::capture))
                .wrap(from_fn(http::reads::route))
                .wrap(from_fn(gate::gate))
                .wrap(from_fn(audit::audit_documentation))
                .wrap(security_headers(hsts_max_age))
                .wrap(from_fn(html_policy))
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
        let stop_workers = spawn_workers(&state, webhook_interval, scheduler_interval)?;
        Ok(Self {
            server,
            port,
            state,
            audit,
            stop_workers,
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

    /// The documentation audit (tests check nothing undocumented was served).
    pub fn audit(&self) -> web::Data<Audit> {
        self.audit.clone()
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped; SIGTERM and SIGINT stop it
    /// gracefully, letting requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        let _ = self.stop_workers.send(true);
        result
    }
}
