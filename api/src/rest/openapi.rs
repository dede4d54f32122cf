//! The OpenAPI document, built from the registered routes.

use actix_web::{App, HttpResponse, get, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Masthead",
        description = "A headless CMS: articles, authors and tags with revisions and an editorial workflow.\n\n\
Errors are `application/problem+json` (RFC 9457) with `errors: [{field, message}]` for input problems.",
        license(name = "MIT"),
    ),
    tags(
        (name = "articles", description = "Articles with ordered authors and tags"),
        (name = "authors", description = "People credited on articles"),
        (name = "tags", description = "Topics articles are filed under"),
        (name = "operations", description = "Probes, metrics and this document"),
    )
)]
struct ApiDoc;

/// The OpenAPI 3.1 document of every route in [`super::routes`].
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::routes)
        .split_for_parts();
    document
}

/// The document as pretty JSON with a final newline, as committed in `docs/openapi.json`.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

/// This API's OpenAPI document.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.openapi_json.clone())
}
