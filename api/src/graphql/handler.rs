//! `/graphql`: `POST` runs a document, `GET` serves GraphiQL (from the
//! binary, so it works offline).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use async_graphql::dataloader::DataLoader;
use futures_util::StreamExt;
use serde::Serialize;
use utoipa::ToSchema;

use super::types::{AuthorLoader, Req, TagLoader};
use crate::app::AppState;
use crate::cache::{Cached, Lookup};
use crate::content::{accounts, changes};
use crate::error::AppError;

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

#[derive(Serialize)]
struct ErrorBody<'a> {
    errors: [ErrorEntry<'a>; 1],
}

#[derive(Serialize)]
struct ErrorEntry<'a> {
    message: &'a str,
    extensions: Extensions<'a>,
}

#[derive(Serialize)]
struct Extensions<'a> {
    code: &'a str,
}

/// A request-level GraphQL error (the document did not run).
fn request_error(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    let body = ErrorBody {
        errors: [ErrorEntry {
            message,
            extensions: Extensions { code },
        }],
    };
    HttpResponse::build(status).json(body)
}

/// The bearer credential of a request, as REST reads it.
fn credential(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| AppError::invalid_token("the Authorization header is not readable text"))?;
    match text.trim().split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(AppError::invalid_token("use the Bearer scheme")),
    }
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
    req: HttpRequest,
    mut payload: web::Payload,
) -> HttpResponse {
    let limit = state.config.max_body_bytes;
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        });
    if !json {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "send the request as application/json",
        );
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return request_error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request body could not be read",
            );
        };
        if body.len() + chunk.len() > limit {
            return request_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BAD_REQUEST",
                "the request body is over the size limit",
            );
        }
        body.extend_from_slice(&chunk);
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            let message = format!("not a GraphQL request: {err}");
            return request_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
        }
    };
    if request.query.len() > state.graphql_limits.max_query_bytes {
        let message = format!(
            "the document is over {} bytes",
            state.graphql_limits.max_query_bytes
        );
        return request_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &message);
    }
    let principal = match credential(&req) {
        Ok(credential) => accounts::authenticate(&state.ctx, credential.as_deref()).await,
        Err(err) => Err(err),
    };
    let principal = match principal {
        Ok(principal) => principal,
        Err(err) => {
            let problem = err.problem();
            let mut response = request_error(StatusCode::UNAUTHORIZED, err.code(), &problem.detail);
            if let Ok(value) = header::HeaderValue::from_str(&format!(
                "Bearer realm=\"masthead\", error=\"invalid_token\", error_description=\"{}\"",
                problem.detail.replace('"', "'")
            )) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
            return response;
        }
    };
    // Queries of public readers are shared: the same answer for everyone, while content is unchanged.
    let generation = if state.cache.enabled() && only_queries(&request.query) {
        match changes::public_generation(&state.ctx, &principal).await {
            Ok(generation) => generation,
            Err(err) => {
                let error = async_graphql::ErrorExtensions::extend(&err);
                let response = async_graphql::Response::from_errors(vec![
                    error.into_server_error(async_graphql::Pos::default()),
                ]);
                return HttpResponse::Ok().json(response);
            }
        }
    } else {
        None
    };
    let key = format!("POST /graphql {:016x}", xxhash_rust::xxh3::xxh3_64(&body));
    let filling = match generation {
        Some(generation) => match state.cache.lookup(&key, generation).await {
            Lookup::Hit(hit) => return answer(hit.body),
            Lookup::Miss(filling) => Some(filling),
        },
        None => None,
    };

    let ctx = state.ctx.clone();
    let authors = DataLoader::new(
        AuthorLoader {
            ctx: ctx.clone(),
            principal: principal.clone(),
        },
        tokio::spawn,
    );
    let tags = DataLoader::new(
        TagLoader {
            ctx: ctx.clone(),
            principal: principal.clone(),
        },
        tokio::spawn,
    );
    let address = req.peer_addr().map(|addr| addr.ip().to_string());
    let request = request
        .data(Req {
            ctx,
            principal,
            address,
        })
        .data(authors)
        .data(tags);
    let response = state.graphql.execute(request).await;
    let Ok(json) = serde_json::to_vec(&response) else {
        return request_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "the answer could not be written",
        );
    };
    let json = web::Bytes::from(json);
    if let Some(generation) = generation
        && response.is_ok()
    {
        state.cache.put(
            key,
            Cached {
                generation,
                body: json.clone(),
                headers: Vec::new(),
            },
        );
    }
    drop(filling);
    answer(json)
}

fn answer(json: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json)
}

/// True when the document parses and holds only queries (no mutation or subscription).
fn only_queries(document: &str) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(parsed) = async_graphql::parser::parse_query(document) else {
        return false;
    };
    match &parsed.operations {
        DocumentOperations::Single(operation) => operation.node.ty == OperationType::Query,
        DocumentOperations::Multiple(operations) => operations
            .values()
            .all(|operation| operation.node.ty == OperationType::Query),
    }
}

const GRAPHIQL_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Masthead GraphiQL</title>
<link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
<style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading…</div>
<script src="/graphql/assets/react.production.min.js"></script>
<script src="/graphql/assets/react-dom.production.min.js"></script>
<script src="/graphql/assets/graphiql.min.js"></script>
<script>
  const token = () => localStorage.getItem("masthead-token");
  const fetcher = GraphiQL.createFetcher({
    url: "/graphql",
    headers: token() ? { Authorization: "Bearer " + token() } : {},
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
  );
</script>
</body>
</html>
"#;

/// GraphiQL, to explore the schema in a browser. A token stored in
/// `localStorage["masthead-token"]` is sent as `Authorization: Bearer`.
#[get("/graphql")]
pub async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GRAPHIQL_PAGE)
}

/// The GraphiQL files, shipped in the binary.
#[get("/graphql/assets/{file}")]
pub async fn graphiql_asset(file: web::Path<String>) -> HttpResponse {
    let (body, content_type): (&'static [u8], &str) = match file.as_str() {
        "graphiql.min.js" => (
            include_bytes!("../../assets/graphiql/graphiql.min.js"),
            "text/javascript",
        ),
        "graphiql.min.css" => (
            include_bytes!("../../assets/graphiql/graphiql.min.css"),
            "text/css",
        ),
        "react.production.min.js" => (
            include_bytes!("../../assets/graphiql/react.production.min.js"),
            "text/javascript",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
            "text/javascript",
        ),
        _ => return actix_web::ResponseError::error_response(&AppError::not_found("asset")),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(body)
}
