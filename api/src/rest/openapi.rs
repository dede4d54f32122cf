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
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The server this document is served from")),
    components(schemas(
        crate::error::Problem,
        crate::error::FieldError,
        crate::rest::webhooks::WebhookEvent,
        crate::rest::webhooks::WebhookEventData,
    )),
    modifiers(&BearerScheme, &Webhooks),
    tags(
        (name = "articles", description = "Articles with ordered authors and tags"),
        (name = "authors", description = "People credited on articles"),
        (name = "tags", description = "Topics articles are filed under"),
        (name = "auth", description = "Signing in: access and refresh tokens"),
        (name = "sync", description = "Delta sync: everything once, then only what changed"),
        (name = "users", description = "User accounts (admins)"),
        (name = "api-keys", description = "Keys for front ends (admins)"),
        (name = "audit", description = "Who did what, from where and when (admins)"),
        (name = "webhooks", description = "Endpoints told about content changes (admins); every delivery body is a `WebhookEvent`"),
        (name = "transfers", description = "Imports and exports as background jobs (admins)"),
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

/// The deliveries Masthead posts to webhook endpoints (OpenAPI `webhooks`):
/// what a receiver must accept, and what its answers mean.
struct Webhooks;

impl Modify for Webhooks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{
            HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
        };
        use utoipa::openapi::request_body::RequestBodyBuilder;
        use utoipa::openapi::security::SecurityRequirement;
        use utoipa::openapi::{
            ContentBuilder, ObjectBuilder, PathsBuilder, Ref, Required, ResponseBuilder, Type,
        };
        let header = |name: &str, description: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build()
        };
        let body = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("WebhookEvent")))
            .build();
        let operation = OperationBuilder::new()
            .operation_id(Some("contentChanged"))
            .summary(Some("A content change, posted to a webhook endpoint"))
            .description(Some(
                "Posted once per event and endpoint, retried from 5 s to 24 h until a 2xx; \
                 verify `webhook-signature` with the endpoint's `whsec_` secret (Standard Webhooks).",
            ))
            .tag("webhooks")
            .security(SecurityRequirement::default())
            .parameter(header("webhook-id", "The delivery's id, the same on every attempt"))
            .parameter(header("webhook-timestamp", "Unix seconds of this attempt"))
            .parameter(header(
                "webhook-signature",
                "`v1,<base64 HMAC-SHA256(secret, \"{id}.{timestamp}.{body}\")>`, space-separated",
            ))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", body)
                    .required(Some(Required::True))
                    .build(),
            ))
            .response("200", ResponseBuilder::new().description("Any 2xx: delivered"))
            .response(
                "410",
                ResponseBuilder::new().description("Gone: Masthead disables the endpoint"),
            )
            .response(
                "429",
                ResponseBuilder::new()
                    .description("Any other answer is retried; `Retry-After` is honoured"),
            )
            .build();
        openapi.webhooks = Some(
            PathsBuilder::new()
                .path("contentChanged", PathItem::new(HttpMethod::Post, operation))
                .build(),
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
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn openapi_json(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}
