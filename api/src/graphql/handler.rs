//! `POST /graphql`: the request comes in through the HTTP layer (body,
//! caller, shared cache of public answers) like any REST request; only the
//! execution and the shape of errors are GraphQL's.

use actix_web::{HttpRequest, HttpResponse, post, web};
use async_graphql::{ErrorExtensions, ServerError};
use serde::Serialize;
use utoipa::ToSchema;

use super::Endpoint;
use super::context::data_for;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::body::read_json;
use crate::http::cache::serve_public;
use crate::http::{AppState, Caller, Rendered, parse_json};

/// A GraphQL request.
#[derive(ToSchema)]
#[allow(dead_code, reason = "only describes the request in OpenAPI")]
pub struct GraphqlRequest {
    /// The document.
    query: String,
    /// Values of the document's variables.
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Which operation of the document to run.
    operation_name: Option<String>,
}

/// Run a GraphQL document.
///
/// The schema is in `schema.graphql` and described in `docs/graphql.md`;
/// errors carry `extensions.code` (`UNAUTHENTICATED`, `FORBIDDEN`,
/// `NOT_FOUND`, `VALIDATION`, `VERSION_CONFLICT`, `INVALID_TRANSITION`, …).
#[utoipa::path(
    tag = "graphql",
    security((), ("bearer" = [])),
    request_body = GraphqlRequest,
    responses(
        (status = 200, description = "`{data, errors}` as GraphQL answers", content_type = "application/json"),
        (status = 400, description = "The request is not a GraphQL request (malformed JSON, no query, document too long)"),
        (status = 401, description = "A refused bearer credential"),
        (status = 413, description = "The request body is over the size limit"),
        (status = 415, description = "The body is not application/json"),
    )
)]
#[post("/graphql")]
pub async fn post_graphql(
    state: web::Data<AppState>,
    endpoint: web::Data<Endpoint>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match run(&state, &endpoint, &req, payload.into_inner()).await {
        Ok(answer) => answer,
        Err(err) => request_error(&err),
    }
}

async fn run(
    state: &AppState,
    endpoint: &Endpoint,
    req: &HttpRequest,
    payload: actix_web::dev::Payload,
) -> Result<HttpResponse, AppError> {
    let body = read_json(req, payload).await?;
    let request: async_graphql::Request = parse_json(&body)?;
    endpoint.check_size(&request.query)?;
    let principal = Caller::of(req).await?.0;
    let address = req.peer_addr().map(|addr| addr.ip().to_string());
    let queries = super::only_queries(&request.query);
    let execute = async || Ok(execute(state, endpoint, request, principal.clone(), address).await);
    if !queries {
        let (answer, _) = execute().await?;
        return Ok(answer.plain(actix_web::http::StatusCode::OK));
    }
    // Queries of public readers are shared: the same answer for everyone,
    // while content is unchanged.
    let key = || format!("POST /graphql {:016x}", xxhash_rust::xxh3::xxh3_64(&body));
    match serve_public(state, &principal, key, execute).await {
        Ok(served) => Ok(served.answer.plain(actix_web::http::StatusCode::OK)),
        // The caller may not read at all: an answer with the error, as a
        // resolver would give it.
        Err(err) => Ok(execution_error(&err)),
    }
}

/// Runs the document for `principal`; the answer may be kept when it has no errors.
async fn execute(
    state: &AppState,
    endpoint: &Endpoint,
    mut request: async_graphql::Request,
    principal: Principal,
    address: Option<String>,
) -> (Rendered, bool) {
    request.data = data_for(state, principal, address);
    let response = endpoint.schema.execute(request).await;
    match serde_json::to_vec(&response) {
        Ok(json) => (Rendered::json(json), response.is_ok()),
        Err(err) => {
            let err = AppError::Internal(anyhow::anyhow!("cannot write the answer: {err}"));
            (Rendered::json(error_body(&err)), false)
        }
    }
}

#[derive(Serialize)]
struct Errors {
    errors: [ServerError; 1],
}

/// `{"errors": [error]}`, the error as GraphQL shows it.
fn error_body(err: &AppError) -> Vec<u8> {
    let extended = err.extend();
    let mut error = ServerError::new(extended.message, None);
    error.extensions = extended.extensions;
    serde_json::to_vec(&Errors { errors: [error] })
        .unwrap_or_else(|_| br#"{"errors":[{"message":"an internal error occurred"}]}"#.to_vec())
}

/// A request that did not run: the status and headers the error has on
/// every route, with a GraphQL body.
fn request_error(err: &AppError) -> HttpResponse {
    let status = actix_web::ResponseError::status_code(err);
    let mut response = HttpResponse::build(status);
    for header in err.headers() {
        response.insert_header(header);
    }
    response
        .content_type("application/json")
        .body(error_body(err))
}

/// A request that ran into an error before its fields (the caller may not
/// read at all): `200` with a GraphQL answer holding the error.
fn execution_error(err: &AppError) -> HttpResponse {
    let error = err
        .extend()
        .into_server_error(async_graphql::Pos::default());
    let answer = async_graphql::Response::from_errors(vec![error]);
    HttpResponse::Ok().json(answer)
}
