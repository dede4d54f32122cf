//! Liveness and readiness probes.

use crate::http::AppState;
use actix_web::{HttpResponse, get, web};

/// The process is up.
#[utoipa::path(tag = "operations", security(()), responses((status = 200, description = "The process is up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// The database answers; load balancers send traffic only when this is 200.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready to serve"),
        (status = 503, description = "The database does not answer"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.ctx.db.ping().await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "unavailable", "reason": "database"}))
        }
    }
}

/// Counters in the Prometheus text format.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (hits, misses) = state.cache.counts();
    let body = format!(
        "# HELP masthead_db_statements_total SQL statements executed.\n\
         # TYPE masthead_db_statements_total counter\n\
         masthead_db_statements_total {}\n\
         # HELP masthead_password_verifications_total Password hashes verified by sign-ins.\n\
         # TYPE masthead_password_verifications_total counter\n\
         masthead_password_verifications_total {}\n\
         # HELP masthead_public_cache_hits_total Public answers served from the answer cache.\n\
         # TYPE masthead_public_cache_hits_total counter\n\
         masthead_public_cache_hits_total {}\n\
         # HELP masthead_public_cache_misses_total Public answers made because none was cached.\n\
         # TYPE masthead_public_cache_misses_total counter\n\
         masthead_public_cache_misses_total {}\n\
         # HELP masthead_media_variants_made_total Picture variants made (each is made once, then read from the store).\n\
         # TYPE masthead_media_variants_made_total counter\n\
         masthead_media_variants_made_total {}\n",
        state.ctx.db.statement_count(),
        state.identity.password_checks(),
        hits,
        misses,
        state.ctx.media.flights.made(),
    );
    let body = match state.ctx.db.group_commits() {
        Some((writes, commits)) => format!(
            "{body}# HELP masthead_sqlite_writes_total Write transactions committed on SQLite.\n\
             # TYPE masthead_sqlite_writes_total counter\n\
             masthead_sqlite_writes_total {writes}\n\
             # HELP masthead_sqlite_commits_total SQLite commits (one carries a group of writes).\n\
             # TYPE masthead_sqlite_commits_total counter\n\
             masthead_sqlite_commits_total {commits}\n"
        ),
        None => body,
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
