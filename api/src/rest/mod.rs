//! The REST adapter: actix handlers with their OpenAPI descriptions.
//! Handlers parse, call one `content` function, and map the result.

mod api_keys;
mod articles;
pub mod assets;
mod audit_log;
mod auth;
mod authors;
mod catalog;
mod docs;
mod edit;
mod health;
mod history;
mod home;
mod list;
mod media;
pub mod openapi;
mod respond;
mod search;
mod sync;
mod tags;
mod transfers;
mod users;
pub mod webhooks;
mod wire;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub use list::Vocabulary;

/// The shaping vocabulary of every list and item path that reads a query
/// string through `list`, for the OpenAPI document.
pub fn vocabularies() -> Vec<(&'static str, Vocabulary)> {
    let history = Vocabulary::of::<history::Revisions>();
    vec![
        ("/api/v1/articles", Vocabulary::of::<articles::Articles>()),
        (
            "/api/v1/articles/{id}",
            Vocabulary::of::<articles::Articles>(),
        ),
        (
            "/api/v1/articles/{id}/transitions",
            Vocabulary::of::<articles::Transitions>(),
        ),
        ("/api/v1/articles/{id}/revisions", history.clone()),
        ("/api/v1/search", Vocabulary::of::<articles::Articles>()),
        ("/api/v1/authors", Vocabulary::of::<authors::Authors>()),
        ("/api/v1/authors/{id}", Vocabulary::of::<authors::Authors>()),
        ("/api/v1/authors/{id}/revisions", history.clone()),
        ("/api/v1/tags", Vocabulary::of::<tags::Tags>()),
        ("/api/v1/tags/{id}", Vocabulary::of::<tags::Tags>()),
        ("/api/v1/tags/{id}/revisions", history.clone()),
        ("/api/v1/assets", Vocabulary::of::<assets::Assets>()),
        ("/api/v1/assets/{id}", Vocabulary::of::<assets::Assets>()),
        ("/api/v1/assets/{id}/revisions", history),
        ("/api/v1/users", Vocabulary::of::<users::Users>()),
        ("/api/v1/api-keys", Vocabulary::of::<api_keys::ApiKeys>()),
        ("/api/v1/audit", Vocabulary::of::<audit_log::AuditLog>()),
        ("/api/v1/webhooks", Vocabulary::of::<webhooks::Webhooks>()),
        (
            "/api/v1/webhooks/{id}/deliveries",
            Vocabulary::of::<webhooks::Deliveries>(),
        ),
        ("/media/{id}/{filename}", media::vocabulary()),
    ]
}

/// The operations that write a whole record (create, and `PUT` which
/// clears what it does not send), with the fields their body must hold: the
/// shared write schemas cannot mark them required, since `PATCH` may leave
/// them out. The document gives these operations a copy that does.
pub fn whole_bodies() -> Vec<(&'static str, &'static [&'static str])> {
    const ARTICLE: &[&str] = &["title", "author_ids"];
    const NAMED: &[&str] = &["name"];
    vec![
        ("create_article", ARTICLE),
        ("replace_article", ARTICLE),
        ("create_author", NAMED),
        ("replace_author", NAMED),
        ("create_tag", NAMED),
        ("replace_tag", NAMED),
    ]
}

/// Registers every documented route. Routes registered here appear in the
/// OpenAPI document by construction (utoipa-actix-web reads them).
#[allow(clippy::too_many_lines, reason = "a table: one line per route")]
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            .service(articles::list_articles)
            .service(articles::create_article)
            .service(articles::get_article)
            .service(articles::patch_article)
            .service(articles::replace_article)
            .service(articles::delete_article)
            .service(articles::restore_article)
            .service(articles::transition_article)
            .service(articles::list_article_transitions)
            .service(articles::list_article_revisions)
            .service(articles::get_article_revision)
            .service(articles::restore_article_revision)
            .service(articles::diff_article)
            .service(articles::get_article_autosave)
            .service(articles::create_preview_link)
            .service(articles::list_preview_links)
            .service(articles::revoke_preview_link)
            .service(authors::list_authors)
            .service(authors::create_author)
            .service(authors::get_author)
            .service(authors::patch_author)
            .service(authors::replace_author)
            .service(authors::delete_author)
            .service(authors::list_author_revisions)
            .service(authors::get_author_revision)
            .service(authors::restore_author_revision)
            .service(authors::diff_author)
            .service(tags::list_tags)
            .service(tags::create_tag)
            .service(tags::get_tag)
            .service(tags::patch_tag)
            .service(tags::replace_tag)
            .service(tags::delete_tag)
            .service(tags::merge_tag)
            .service(tags::list_tag_revisions)
            .service(tags::get_tag_revision)
            .service(tags::restore_tag_revision)
            .service(tags::diff_tag)
            .service(assets::list_assets)
            .service(assets::create_asset)
            .service(assets::get_asset)
            .service(assets::patch_asset)
            .service(assets::replace_asset)
            .service(assets::delete_asset)
            .service(assets::get_asset_usage)
            .service(assets::list_asset_revisions)
            .service(assets::get_asset_revision)
            .service(assets::restore_asset_revision)
            .service(assets::diff_asset)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(auth::me)
            .service(auth::change_password)
            .service(search::search_content)
            .service(sync::sync)
            .service(users::list_users)
            .service(users::create_user)
            .service(users::get_user)
            .service(users::patch_user)
            .service(users::reset_user_password)
            .service(api_keys::list_api_keys)
            .service(api_keys::create_api_key)
            .service(api_keys::get_api_key)
            .service(api_keys::revoke_api_key)
            .service(audit_log::list_audit_events)
            .service(audit_log::get_audit_event)
            .service(webhooks::list_webhooks)
            .service(webhooks::create_webhook)
            .service(webhooks::get_webhook)
            .service(webhooks::patch_webhook)
            .service(webhooks::delete_webhook)
            .service(webhooks::rotate_webhook_secret)
            .service(webhooks::test_webhook)
            .service(webhooks::list_webhook_deliveries)
            .service(webhooks::replay_webhook_delivery)
            .service(webhooks::replay_webhook)
            .service(transfers::create_import)
            .service(transfers::get_import)
            .service(transfers::create_export)
            .service(transfers::get_export)
            .service(transfers::delete_export)
            .service(transfers::get_export_archive),
    )
    .service(media::get_media)
    .service(home::get_home)
    .service(health::healthz)
    .service(health::readyz)
    .service(health::metrics)
    .service(openapi::openapi_json);
}
