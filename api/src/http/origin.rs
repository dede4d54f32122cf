//! Where a request comes from (its peer's address and `User-Agent`),
//! carried with its handling so the audit log can say it
//! (`identity::audit_log::within`), whichever layer writes the entry.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::USER_AGENT;
use actix_web::middleware::Next;

use crate::identity::audit_log::{Origin, within};

/// Middleware: runs the request with its origin.
pub async fn capture(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let ip = req.peer_addr().map(|addr| addr.ip().to_string());
    let agent = req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok());
    let origin = Origin::new(ip, agent);
    within(origin, next.call(req)).await
}
