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
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::content::{Ctx, Settings, validate};
use crate::error::AppError;
use crate::{db, rest, telemetry};

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// The content layer.
    pub ctx: Ctx,
    /// The configuration in effect.
    pub config: Config,
    /// The OpenAPI document, serialised once.
    pub openapi_json: String,
    /// `(METHOD, path pattern)` of every documented operation.
    documented: HashSet<(String, String)>,
    /// Requests served by a route missing from the OpenAPI document.
    undocumented_requests: AtomicU64,
}

impl AppState {
    /// Opens and migrates the database and prepares the state.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let default_locale = validate::locale(&config.default_locale)
            .map_err(|m| anyhow::anyhow!("MASTHEAD_DEFAULT_LOCALE {m}"))?;
        let db = db::connect(&config).await?;
        db::migrate(&db).await?;
        let ctx = Ctx::new(db, Settings { default_locale });
        let document = rest::openapi::document();
        Ok(Self {
            ctx,
            config,
            openapi_json: rest::openapi::document_json(),
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

/// Paths served outside the API and deliberately left out of its document.
const UNDOCUMENTED_PREFIXES: [&str; 1] = ["/docs"];

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

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    port: u16,
    state: web::Data<AppState>,
}

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
        let state = web::Data::new(AppState::build(config).await?);
        let app_state = state.clone();
        let mut server = actix_web::HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(rest::routes)
                .split_for_parts();
            app.app_data(app_state.clone())
                .service(
                    SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", rest::openapi::document()),
                )
                .service(web::redirect("/docs", "/docs/"))
                .default_service(web::to(no_route))
                .wrap(from_fn(audit_documentation))
                .wrap(Compress::default())
                .wrap(from_fn(telemetry::request_span))
        })
        .shutdown_timeout(10)
        .client_request_timeout(Duration::from_secs(30));
        if let Some(workers) = workers {
            server = server.workers(workers.max(1));
        }
        let server = server.listen(listener)?.run();
        Ok(Self {
            server,
            port,
            state,
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
        self.server.await
    }
}
