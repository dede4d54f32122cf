//! The REST adapter: actix handlers with their OpenAPI descriptions.
//! Handlers parse, call one `content` function, and map the result.

mod articles;
mod authors;
mod docs;
mod dto;
mod extract;
mod health;
mod list;
pub mod openapi;
mod respond;
mod tags;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub use extract::parse_json;

/// Registers every documented route. Routes registered here appear in the
/// OpenAPI document by construction (utoipa-actix-web reads them).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            .service(articles::list_articles)
            .service(articles::create_article)
            .service(articles::get_article)
            .service(articles::patch_article)
            .service(articles::replace_article)
            .service(articles::delete_article)
            .service(authors::list_authors)
            .service(authors::create_author)
            .service(authors::get_author)
            .service(authors::patch_author)
            .service(authors::replace_author)
            .service(authors::delete_author)
            .service(tags::list_tags)
            .service(tags::create_tag)
            .service(tags::get_tag)
            .service(tags::patch_tag)
            .service(tags::replace_tag)
            .service(tags::delete_tag),
    )
    .service(health::healthz)
    .service(health::readyz)
    .service(health::metrics)
    .service(openapi::openapi_json);
}
