//! The OpenAPI document, built from the registered routes.

use std::collections::HashSet;

use actix_web::{App, HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
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
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    modifiers(&BearerScheme),
    tags(
        (name = "articles", description = "Articles with ordered authors and tags"),
        (name = "authors", description = "People credited on articles"),
        (name = "tags", description = "Topics articles are filed under"),
        (name = "auth", description = "Signing in: access and refresh tokens"),
        (name = "users", description = "User accounts (admins)"),
        (name = "api-keys", description = "Keys for front ends (admins)"),
        (name = "graphql", description = "The GraphQL endpoint (see schema.graphql)"),
        (name = "operations", description = "Probes, metrics and this document"),
    )
)]
struct ApiDoc;

/// The `bearer` security scheme: an access token from `/auth/login`, or an API key.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login`, or an API key \
                         (`mh_delivery_…`, `mh_preview_…`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 document of every route in [`crate::app::routes`].
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::app::routes)
        .split_for_parts();
    document
}

/// `(METHOD, path)` of every operation in `document`, methods upper-case.
pub fn operations(document: &utoipa::openapi::OpenApi) -> HashSet<(String, String)> {
    let Ok(serde_json::Value::Object(paths)) = serde_json::to_value(&document.paths.paths) else {
        return HashSet::new();
    };
    paths
        .into_iter()
        .flat_map(|(path, item)| {
            let methods: Vec<String> = item
                .as_object()
                .map(|ops| {
                    ops.keys()
                        .filter(|k| {
                            matches!(
                                k.as_str(),
                                "get"
                                    | "put"
                                    | "post"
                                    | "delete"
                                    | "options"
                                    | "head"
                                    | "patch"
                                    | "trace"
                            )
                        })
                        .map(|k| k.to_ascii_uppercase())
                        .collect()
                })
                .unwrap_or_default();
            methods.into_iter().map(move |m| (m, path.clone()))
        })
        .collect()
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
