//! `GET` and `POST /graphql`, as the GraphQL over HTTP specification has
//! them. The request comes in through the HTTP layer (caller, body, shared
//! cache of public answers) like any REST request: the caller is
//! authenticated first, then the parameters are read, a persisted query's
//! hash is resolved, and queries of public readers are answered from the
//! shared cache. Only the execution and the shape of errors are GraphQL's.

mod persisted;
mod request;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensions, ServerError, Variables};
use serde::Serialize;
use utoipa::ToSchema;

use persisted::Document;
pub use persisted::PersistedQueries;
use request::{Media, Params};

use super::Endpoint;
use super::context::data_for;
use crate::auth::Principal;
use crate::error::AppError;
use crate::http::answer::PRIVATE;
use crate::http::body::read_json;
use crate::http::cache::{Served, serve_public};
use crate::http::{AppState, Caller, Rendered, reads};

/// A GraphQL request (the body of a `POST`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code, reason = "only describes the request in OpenAPI")]
pub struct GraphqlRequest {
    /// The document; may be left out when `extensions.persistedQuery` names a known one.
    #[schema(max_length = 65536)]
    query: Option<String>,
    /// Values of the document's variables.
    #[schema(value_type = Option<Object>)]
    variables: Option<serde_json::Value>,
    /// Which operation of the document to run.
    operation_name: Option<String>,
    /// `{"persistedQuery": {"version": 1, "sha256Hash": "…"}}` for a persisted query.
    #[schema(value_type = Option<Object>)]
    extensions: Option<serde_json::Value>,
}

/// Run a GraphQL query with `GET`.
///
/// For queries only (a mutation gets 405): `query`, and `variables` and
/// `extensions` as JSON texts. With `extensions={"persistedQuery":{"version":1,"sha256Hash":"…"}}`
/// the document may be left out once the server has seen it. Public answers
/// are shared and cacheable (`Cache-Control`, `ETag`). A browser asking
/// for `text/html` without parameters gets GraphiQL.
#[utoipa::path(
    tag = "graphql",
    security((), ("bearer" = [])),
    params(
        ("query" = Option<String>, Query, description = "The document (longer ones go by POST)", max_length = 1536),
        ("variables" = Option<String>, Query, description = "Values of the variables, as a JSON object", max_length = 512),
        ("operationName" = Option<String>, Query, description = "Which operation of the document to run", max_length = 64),
        ("extensions" = Option<String>, Query, description = "Protocol extensions, as a JSON object (`persistedQuery`)", max_length = 200),
    ),
    responses(
        (status = 200, description = "`{data, errors}` as GraphQL answers (or GraphiQL, for a browser)",
         content(("application/json"), ("application/graphql-response+json"), ("text/html"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 400, description = "No query, malformed parameters, or (with `application/graphql-response+json`) a document that does not parse or validate",
         content(("application/json"), ("application/graphql-response+json"))),
        (status = 401, description = "A refused bearer credential", content(("application/json"), ("application/graphql-response+json"))),
        (status = 405, description = "A mutation or subscription: use POST", content(("application/json"), ("application/graphql-response+json"))),
    )
)]
#[get("/graphql")]
pub async fn get_graphql(
    state: web::Data<AppState>,
    endpoint: web::Data<Endpoint>,
    req: HttpRequest,
) -> HttpResponse {
    let media = Media::of(&req);
    let params = Params::from_query(req.query_string());
    if request::wants_html(&req) && params.as_ref().is_ok_and(Params::is_empty) {
        return super::graphiql::page();
    }
    let answer = async {
        let caller = Caller::of(&req).await?;
        run(&state, &endpoint, &req, caller.0, params?, media).await
    };
    answer
        .await
        .unwrap_or_else(|err| request_error(&err, media))
}

/// Run a GraphQL document.
///
/// The schema is in `schema.graphql` and described in `docs/graphql.md`;
/// errors carry `extensions.code` (`UNAUTHENTICATED`, `FORBIDDEN`,
/// `NOT_FOUND`, `VALIDATION`, `VERSION_CONFLICT`, `INVALID_TRANSITION`, …).
/// Answers are `application/graphql-response+json` when the client accepts
/// it (a request that does not run is then a 4xx), `application/json` otherwise.
#[utoipa::path(
    tag = "graphql",
    security((), ("bearer" = [])),
    request_body = GraphqlRequest,
    responses(
        (status = 200, description = "`{data, errors}` as GraphQL answers", content(("application/json"), ("application/graphql-response+json"))),
        (status = 400, description = "Not a GraphQL request (malformed JSON, no query, document too long), or (with `application/graphql-response+json`) a document that does not parse or validate",
         content(("application/json"), ("application/graphql-response+json"))),
        (status = 401, description = "A refused bearer credential", content(("application/json"), ("application/graphql-response+json"))),
        (status = 413, description = "The request body is over the size limit", content(("application/json"), ("application/graphql-response+json"))),
        (status = 415, description = "The body is not application/json", content(("application/json"), ("application/graphql-response+json"))),
    )
)]
#[post("/graphql")]
pub async fn post_graphql(
    state: web::Data<AppState>,
    endpoint: web::Data<Endpoint>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let media = Media::of(&req);
    let answer = async {
        let caller = Caller::of(&req).await?;
        let body = read_json(&req, payload.into_inner()).await?;
        let params = Params::from_body(&body)?;
        run(&state, &endpoint, &req, caller.0, params, media).await
    };
    answer
        .await
        .unwrap_or_else(|err| request_error(&err, media))
}

/// The type of the operation a request would run, when the document parses
/// and names it unambiguously.
fn operation_type(document: &str, name: Option<&str>) -> Option<OperationType> {
    use async_graphql::parser::types::DocumentOperations;
    let parsed = async_graphql::parser::parse_query(document).ok()?;
    match (&parsed.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| operation.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

async fn run(
    state: &AppState,
    endpoint: &Endpoint,
    req: &HttpRequest,
    principal: Principal,
    params: Params,
    media: Media,
) -> Result<HttpResponse, AppError> {
    if let Some(query) = &params.query {
        endpoint.check_size(query)?;
    }
    let document = endpoint
        .persisted
        .resolve(params.query.as_deref(), params.extensions.as_ref())?;
    let document = match document {
        Some(Document::Query(document)) => document,
        Some(Document::NotFound) => return Ok(persisted_query_not_found(media)),
        None => {
            return Err(AppError::bad_field(
                "query",
                "a GraphQL request needs a query",
            ));
        }
    };
    let kind = operation_type(&document, params.operation_name.as_deref());
    let get = req.method() == actix_web::http::Method::GET;
    if get
        && matches!(
            kind,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        return Err(AppError::method_not_allowed("POST"));
    }
    let key = || {
        let parts = (&*document, &params.variables, &params.operation_name);
        let bytes = serde_json::to_vec(&parts).unwrap_or_default();
        format!("graphql {:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
    };
    let request = request_of(&document, &params);
    let address = req.peer_addr().map(|addr| addr.ip().to_string());
    let mut did_not_run = false;
    let execute = async || {
        let (answer, keep, failed) =
            execute(state, endpoint, request, principal.clone(), address).await;
        did_not_run = failed;
        Ok((answer, keep))
    };
    if kind != Some(OperationType::Query) {
        let (answer, _) = execute().await?;
        reads::wrote(state, &principal).await;
        return Ok(respond(answer.plain(StatusCode::OK), media, did_not_run));
    }
    // Queries of public readers are shared: the same answer for everyone,
    // while content is unchanged.
    let served = reads::reading(
        state,
        &principal,
        serve_public(state, &principal, key, execute),
    );
    match served.await {
        Ok(served) if get => {
            let response = cacheable(state, req, served, did_not_run);
            Ok(respond(response, media, did_not_run))
        }
        Ok(served) => Ok(respond(
            served.answer.plain(StatusCode::OK),
            media,
            did_not_run,
        )),
        // The caller may not read at all: an answer with the error, as a
        // resolver would give it (with its own status when the client
        // accepts graphql-response+json).
        Err(err) => Ok(execution_error(&err, media)),
    }
}

/// The answer to a query sent as `GET`, with its `ETag` and `Cache-Control`:
/// shared when every public reader gets it, private otherwise, or what a
/// resolver asked for (a preview link's article: never kept).
fn cacheable(
    state: &AppState,
    req: &HttpRequest,
    served: Served,
    did_not_run: bool,
) -> HttpResponse {
    let mut answer = served.answer;
    let own = answer
        .headers
        .iter()
        .position(|(name, _)| *name == "cache-control");
    let own = own.map(|i| answer.headers.remove(i).1);
    let control = match &own {
        Some(control) => control.as_str(),
        None if served.shared => state.cache.control(),
        None => PRIVATE,
    };
    if !did_not_run {
        let etag = crate::http::answer::list_etag(&answer.body);
        answer.headers.push(("etag", etag));
    }
    let mut response = answer.respond(req, control);
    response
        .headers_mut()
        .append(header::VARY, header::HeaderValue::from_static("Accept"));
    response
}

/// The async-graphql request for a resolved document and its parameters.
fn request_of(document: &str, params: &Params) -> async_graphql::Request {
    let mut request = async_graphql::Request::new(document);
    if let Some(variables) = &params.variables {
        request = request.variables(Variables::from_json(serde_json::Value::Object(
            variables.clone(),
        )));
    }
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name);
    }
    request
}

/// Sets the answer's media type; with `application/graphql-response+json`,
/// a request that did not run (parse, validation or variable errors) is a 400.
fn respond(mut response: HttpResponse, media: Media, did_not_run: bool) -> HttpResponse {
    if did_not_run && media == Media::GraphqlResponse && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(media.content_type()),
    );
    response
}

#[derive(Serialize)]
struct Errors {
    errors: Vec<ServerError>,
}

/// Runs the document for `principal`: the answer, whether it may be kept
/// (no errors), and whether the request did not run at all (the document
/// did not parse or validate, or its variables did not fit), in which case
/// the answer has no `data`.
async fn execute(
    state: &AppState,
    endpoint: &Endpoint,
    mut request: async_graphql::Request,
    principal: Principal,
    address: Option<String>,
) -> (Rendered, bool, bool) {
    request.data = data_for(state, principal, address);
    let response = endpoint.schema.execute(request).await;
    let did_not_run = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    let json = if did_not_run {
        serde_json::to_vec(&Errors {
            errors: response.errors.clone(),
        })
    } else {
        serde_json::to_vec(&response)
    };
    // A resolver that read something private to its caller (a preview
    // link's article) says so with its own `Cache-Control`: never kept.
    let private = response
        .http_headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match json {
        Ok(json) => {
            let mut answer = Rendered::json(json);
            let keep = response.is_ok() && private.is_none();
            if let Some(control) = private {
                answer.headers.push(("cache-control", control));
            }
            (answer, keep, did_not_run)
        }
        Err(err) => {
            let err = AppError::Internal(anyhow::anyhow!("cannot write the answer: {err}"));
            (Rendered::json(error_body(&err)), false, false)
        }
    }
}

/// `{"errors": [error]}`, the error as GraphQL shows it.
fn error_body(err: &AppError) -> Vec<u8> {
    let extended = err.extend();
    let mut error = ServerError::new(extended.message, None);
    error.extensions = extended.extensions;
    serde_json::to_vec(&Errors {
        errors: vec![error],
    })
    .unwrap_or_else(|_| br#"{"errors":[{"message":"an internal error occurred"}]}"#.to_vec())
}

/// A request that did not run: the status and headers the error has on
/// every route, with a GraphQL body.
fn request_error(err: &AppError, media: Media) -> HttpResponse {
    err.log();
    let status = actix_web::ResponseError::status_code(err);
    let mut response = HttpResponse::build(status);
    for header in err.headers() {
        response.insert_header(header);
    }
    response
        .content_type(media.content_type())
        .body(error_body(err))
}

/// A request that ran into an error before its fields (the caller may not
/// read at all): with `application/json`, `200` and a GraphQL answer
/// holding the error, as a resolver would give it; with
/// `application/graphql-response+json`, the error's own status.
fn execution_error(err: &AppError, media: Media) -> HttpResponse {
    if media == Media::GraphqlResponse {
        return request_error(err, media);
    }
    let error = err
        .extend()
        .into_server_error(async_graphql::Pos::default());
    let answer = async_graphql::Response::from_errors(vec![error]);
    HttpResponse::Ok()
        .content_type(media.content_type())
        .json(answer)
}

/// The answer to a persisted query's hash this process does not know, as
/// Apollo clients expect it (200, so they send the document next).
fn persisted_query_not_found(media: Media) -> HttpResponse {
    let mut error = ServerError::new("PersistedQueryNotFound", None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", "PERSISTED_QUERY_NOT_FOUND");
    error.extensions = Some(extensions);
    let body = serde_json::to_vec(&Errors {
        errors: vec![error],
    })
    .unwrap_or_default();
    HttpResponse::Ok()
        .content_type(media.content_type())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}
