//! Every served route must be in the OpenAPI document: a middleware counts
//! (and logs) requests whose matched route is not, and the test suite fails
//! when the count is not zero.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

/// Paths served outside the API and deliberately left out of its document:
/// Swagger UI, GraphiQL's files (GraphiQL itself is `GET /graphql` for a
/// browser), and an admin app's files (`--admin-dir`).
const UNDOCUMENTED_PREFIXES: [&str; 3] = ["/docs", "/graphql/assets", "/admin"];

/// The documented operations, and the requests served outside them.
#[derive(Debug)]
pub struct Audit {
    /// `(METHOD, path pattern)` of every documented operation.
    documented: HashSet<(String, String)>,
    /// Requests served by a route missing from the OpenAPI document.
    undocumented_requests: AtomicU64,
}

impl Audit {
    /// An audit against `document`.
    pub fn new(document: &utoipa::openapi::OpenApi) -> Self {
        Self {
            documented: super::openapi::operations(document),
            undocumented_requests: AtomicU64::new(0),
        }
    }

    /// Requests so far that a route absent from the OpenAPI document served.
    /// Always zero unless a route was registered outside `rest::routes`.
    pub fn undocumented_requests(&self) -> u64 {
        self.undocumented_requests.load(Ordering::Relaxed)
    }
}

/// Middleware: counts (and logs) requests whose matched route is not in the
/// OpenAPI document, so a route registered beside `rest::routes` cannot go
/// unnoticed.
pub async fn audit_documentation(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let audit = req.app_data::<web::Data<Audit>>().cloned();
    let response = next.call(req).await?;
    let request = response.request();
    // A 405 is the gate refusing an undocumented method, not a route serving it.
    let refused = response.status() == actix_web::http::StatusCode::METHOD_NOT_ALLOWED;
    if let (Some(audit), Some(pattern)) = (audit, request.match_pattern())
        && !refused
        && !UNDOCUMENTED_PREFIXES.iter().any(|p| pattern.starts_with(p))
        && !audit
            .documented
            .contains(&(request.method().as_str().to_owned(), pattern.clone()))
    {
        audit.undocumented_requests.fetch_add(1, Ordering::Relaxed);
        tracing::error!(method = %request.method(), %pattern, "served a route missing from the OpenAPI document");
    }
    Ok(response)
}
