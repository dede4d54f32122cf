//! `GET /`: what this server is, for a person who opens it in a browser (a
//! small page) or a client that asks for JSON: the version, and where the
//! API, its OpenAPI document, Swagger UI and GraphiQL are.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

/// The places the page links to: (name, path, what it is).
const LINKS: [(&str, &str, &str); 4] = [
    (
        "api",
        "/api/v1/articles",
        "the REST API (articles, authors, tags, …)",
    ),
    ("openapi", "/openapi.json", "its OpenAPI 3.1 document"),
    ("docs", "/docs/", "Swagger UI, to read and try it"),
    ("graphql", "/graphql", "GraphiQL, to query the GraphQL API"),
];

/// The home page as JSON.
#[derive(Serialize, ToSchema)]
pub struct HomeOut {
    /// `Masthead`.
    name: &'static str,
    version: &'static str,
    /// Where things are: `api`, `openapi`, `docs` (Swagger UI), `graphql` (GraphiQL).
    links: BTreeMap<String, String>,
}

/// What this server is.
///
/// A small HTML page naming the version and linking the API, this
/// document, Swagger UI and GraphiQL; with `Accept: application/json`, the
/// same as JSON (`name`, `version`, `links`).
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "The home page",
        content((String = "text/html"), (HomeOut = "application/json"))))
)]
#[get("/")]
pub async fn get_home(req: HttpRequest) -> HttpResponse {
    let version = env!("CARGO_PKG_VERSION");
    if prefers_json(&req) {
        let links = LINKS
            .iter()
            .map(|(name, path, _)| ((*name).to_owned(), (*path).to_owned()))
            .collect();
        return HttpResponse::Ok()
            .insert_header((header::VARY, "Accept"))
            .json(HomeOut {
                name: "Masthead",
                version,
                links,
            });
    }
    let items: String = LINKS
        .iter()
        .map(|(_, path, what)| {
            format!("<li><a href=\"{path}\"><code>{path}</code></a>: {what}</li>\n")
        })
        .collect();
    let page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Masthead {version}</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}}\
         code{{font-size:0.95em}}</style>\n</head>\n<body>\n\
         <h1>Masthead {version}</h1>\n\
         <p>A headless CMS: articles, authors and tags with revisions and an editorial workflow, \
         over REST and GraphQL.</p>\n<ul>\n{items}</ul>\n</body>\n</html>\n"
    );
    HttpResponse::Ok()
        .insert_header((header::VARY, "Accept"))
        .content_type("text/html; charset=utf-8")
        .body(page)
}

/// Whether `Accept` names JSON and not HTML.
fn prefers_json(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    accept.contains("json") && !accept.contains("text/html")
}
