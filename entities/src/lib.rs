//! Database entities for Masthead: columns and relations only.
//!
//! Business rules live in `masthead::content`; these types are the storage
//! shape and nothing else, so a column can change without changing the API.

pub mod api_key;
pub mod article;
pub mod article_author;
pub mod article_tag;
pub mod asset;
pub mod asset_use;
pub mod audit_event;
pub mod author;
pub mod autosave;
pub mod change;
pub mod feed_mark;
pub mod job;
pub mod login_failure;
pub mod preview_link;
pub mod refresh_token;
pub mod revision;
pub mod search_document;
pub mod slug_redirect;
pub mod tag;
pub mod transition;
pub mod types;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;

pub mod prelude {
    //! The entity types under short names.
    pub use crate::article::Entity as Article;
    pub use crate::article_author::Entity as ArticleAuthor;
    pub use crate::article_tag::Entity as ArticleTag;
    pub use crate::author::Entity as Author;
    pub use crate::tag::Entity as Tag;
    pub use crate::user::Entity as User;
}
