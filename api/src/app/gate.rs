//! What every documented request passes before a handler reads it: its
//! method is one the route answers (405 with `Allow` otherwise), and its
//! credential is checked first, so a request without valid credentials to
//! an operation that needs them is a 401 whatever else is wrong with it.
//! Both come from the OpenAPI document: the methods and the `security` it
//! declares for each operation are what is enforced.

use std::collections::{BTreeMap, HashMap};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};

use crate::auth::Principal;
use crate::error::AppError;
use crate::http::Caller;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Nothing: the operation does not look at credentials (probes).
    Nothing,
    /// Anyone; a credential, when sent, must be valid.
    Anyone,
    /// A valid credential.
    Credential,
}

/// The documented methods of every path pattern, with who may call them.
#[derive(Debug, Default)]
pub struct Gate {
    routes: HashMap<String, BTreeMap<String, Need>>,
}

impl Gate {
    /// The gate of `document`: an operation whose `security` lists no empty
    /// requirement needs a credential; one that lists only the empty
    /// requirement does not look at credentials.
    pub fn new(document: &utoipa::openapi::OpenApi) -> Self {
        let mut routes: HashMap<String, BTreeMap<String, Need>> = HashMap::new();
        for (method, path, operation) in super::openapi::operation_values(document) {
            routes
                .entry(path)
                .or_default()
                .insert(method, gated(&operation));
        }
        Self { routes }
    }

    /// `Allow` for `pattern`: its documented methods.
    fn allow(methods: &BTreeMap<String, Need>) -> String {
        methods.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// What the gate checks for `operation`. GraphQL operations answer every
/// error in GraphQL's shape, so they authenticate themselves, first thing.
fn gated(operation: &serde_json::Value) -> Need {
    let tags = operation.get("tags").and_then(|t| t.as_array());
    if tags.is_some_and(|tags| tags.iter().any(|t| t == "graphql")) {
        Need::Nothing
    } else {
        need(operation)
    }
}

fn need(operation: &serde_json::Value) -> Need {
    let Some(requirements) = operation.get("security").and_then(|s| s.as_array()) else {
        return Need::Anyone;
    };
    let open = |r: &serde_json::Value| r.as_object().is_some_and(serde_json::Map::is_empty);
    if requirements.iter().all(open) {
        Need::Nothing
    } else if requirements.iter().any(open) {
        Need::Anyone
    } else {
        Need::Credential
    }
}

/// Middleware: 405 for an undocumented method of a documented path, then
/// the caller authenticated once (kept for the handler's [`Caller`]), and
/// 401 for a refused credential, or a missing one where one is needed.
/// Paths outside the document (Swagger UI, GraphiQL's files) pass as they are.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let gate = req.app_data::<web::Data<Gate>>().cloned();
    let methods = gate
        .as_ref()
        .zip(req.match_pattern())
        .and_then(|(gate, pattern)| gate.routes.get(&pattern));
    let Some(methods) = methods else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(&need) = methods.get(req.method().as_str()) else {
        let err = AppError::method_not_allowed(Gate::allow(methods));
        return Ok(refuse(req, &err));
    };
    if need == Need::Nothing {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let caller = match Caller::of(req.request()).await {
        Ok(caller) => caller,
        Err(err) => return Ok(refuse(req, &err)),
    };
    if need == Need::Credential && matches!(caller.0, Principal::Anonymous) {
        return Ok(refuse(req, &AppError::Unauthenticated { reason: None }));
    }
    req.extensions_mut().insert(caller);
    Ok(next.call(req).await?.map_into_left_body())
}

fn refuse<B>(req: ServiceRequest, err: &AppError) -> ServiceResponse<EitherBody<B>> {
    req.into_response(err.error_response())
        .map_into_right_body()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_operation_needs_a_credential_unless_a_requirement_is_empty() {
        assert_eq!(
            need(&json!({"security": [{"bearer": []}]})),
            Need::Credential
        );
        assert_eq!(
            need(&json!({"security": [{}, {"bearer": []}]})),
            Need::Anyone
        );
        assert_eq!(need(&json!({"security": [{}]})), Need::Nothing);
        assert_eq!(need(&json!({"security": []})), Need::Nothing);
        assert_eq!(need(&json!({})), Need::Anyone);
    }

    #[test]
    fn the_application_document_is_read_into_routes() {
        let gate = Gate::new(&super::super::openapi::document());
        let articles = &gate.routes["/api/v1/articles"];
        assert_eq!(articles["GET"], Need::Anyone);
        assert_eq!(articles["POST"], Need::Credential);
        assert_eq!(Gate::allow(articles), "GET, POST");
        assert_eq!(gate.routes["/api/v1/users"]["GET"], Need::Credential);
        assert_eq!(gate.routes["/graphql"]["POST"], Need::Nothing);
    }
}
