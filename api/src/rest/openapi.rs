//! The OpenAPI document's own parts, and the route that serves it.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Masthead",
        description = "A headless CMS: articles, authors and tags with revisions and an editorial workflow.\n\n\
Errors are `application/problem+json` (RFC 9457) with `errors: [{field, message}]` for input problems.",
        license(name = "MIT"),
    ),
    components(schemas(
        crate::error::Problem,
        crate::error::FieldError,
        crate::rest::webhooks::WebhookEvent,
        crate::rest::webhooks::WebhookEventData,
    )),
    modifiers(&BearerScheme),
    tags(
        (name = "articles", description = "Articles with ordered authors and tags"),
        (name = "authors", description = "People credited on articles"),
        (name = "tags", description = "Topics articles are filed under"),
        (name = "auth", description = "Signing in: access and refresh tokens"),
        (name = "sync", description = "Delta sync: everything once, then only what changed"),
        (name = "users", description = "User accounts (admins)"),
        (name = "api-keys", description = "Keys for front ends (admins)"),
        (name = "webhooks", description = "Endpoints told about content changes (admins); every delivery body is a `WebhookEvent`"),
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

/// The description of the API that every document starts from: title,
/// licence, security scheme, tags and shared schemas. The operations are
/// added from the registered routes (see `app::openapi`).
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The OpenAPI document as served, made once at start.
#[derive(Debug, Clone)]
pub struct Document(pub String);

/// This API's OpenAPI document.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}
