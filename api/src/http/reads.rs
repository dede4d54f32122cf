//! Where a request's reads go when the database has read replicas (see
//! `Db::reading`): a read request by someone who has not written in
//! the last moments reads from a replica that is alive and fresh; a write
//! request runs on the primary and, once answered, keeps its caller's reads
//! on the primary until a replica has replayed it. GraphQL decides by the
//! operation it runs (queries read, mutations write), after authenticating.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use super::{AppState, Caller};
use crate::auth::Principal;

/// Runs `reads` for `principal` with its reads on a replica when one may
/// serve them (on the primary otherwise).
pub async fn reading<F: Future>(state: &AppState, principal: &Principal, reads: F) -> F::Output {
    state.ctx.db.reading(principal.writer(), reads).await
}

/// Remembers that `principal` has just written (nothing to do without
/// replicas, or for the anonymous).
pub async fn wrote(state: &AppState, principal: &Principal) {
    if let Some(writer) = principal.writer() {
        state.ctx.db.wrote(writer).await;
    }
}

/// Middleware: the reads of a `GET` or `HEAD` request go where
/// [`reading`] sends them; after any other request, its caller's writes
/// are remembered. Requests the gate did not authenticate (GraphQL,
/// probes) pass as they are.
pub async fn route(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let caller = req.extensions().get::<Caller>().cloned();
    let (Some(state), Some(Caller(principal))) = (state, caller) else {
        return next.call(req).await;
    };
    if !state.ctx.db.has_replicas() {
        return next.call(req).await;
    }
    if matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) {
        return reading(&state, &principal, next.call(req)).await;
    }
    let response = next.call(req).await;
    wrote(&state, &principal).await;
    response
}
