//! GraphiQL, served from the binary (so it works offline), to explore the
//! schema in a browser.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

use crate::error::AppError;

const GRAPHIQL_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Masthead GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
<link rel="stylesheet" href="/graphql/assets/masthead-graphiql.css">
</head>
<body>
<div id="graphiql">Loading…</div>
<script src="/graphql/assets/react.production.min.js"></script>
<script src="/graphql/assets/react-dom.production.min.js"></script>
<script src="/graphql/assets/graphiql.min.js"></script>
<script src="/graphql/assets/masthead-graphiql.js"></script>
</body>
</html>
"#;

/// What GraphiQL's page may load: its own scripts and styles from this
/// server (no inline script), inline style attributes (React sets them),
/// fonts embedded as data, and requests to this server only.
pub const GRAPHIQL_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// GraphiQL, to explore the schema in a browser (`GET /graphql` from a
/// browser). A token stored in `localStorage["masthead-token"]` is sent as
/// `Authorization: Bearer`.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, GRAPHIQL_POLICY))
        .insert_header((header::VARY, "Accept"))
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
        "masthead-graphiql.js" => (
            include_bytes!("../../assets/graphiql/masthead-graphiql.js"),
            "text/javascript",
        ),
        "masthead-graphiql.css" => (
            include_bytes!("../../assets/graphiql/masthead-graphiql.css"),
            "text/css",
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
