//! Editors' tools (design §15): autosaves.

use async_graphql::{Json, SimpleObject};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::content::article::autosave::Autosave;
use crate::graphql::scalars::Timestamp;

/// A user's autosave of an article: its content, not yet a revision.
#[derive(SimpleObject)]
#[graphql(name = "Autosave")]
pub struct AutosaveGql {
    pub article_id: Uuid,
    /// Whose autosave it is (each user has one per article).
    pub user_id: Uuid,
    /// The article's version the content is based on.
    pub base_version: i32,
    pub saved_at: Timestamp,
    /// The article's content as autosaved (snake_case field names, as a
    /// revision's `snapshot`).
    pub content: Json<Map<String, Value>>,
}

impl From<Autosave> for AutosaveGql {
    fn from(saved: Autosave) -> Self {
        let content = match serde_json::to_value(&saved.content) {
            Ok(Value::Object(content)) => content,
            _ => Map::new(),
        };
        Self {
            article_id: saved.article_id,
            user_id: saved.user_id,
            base_version: saved.base_version,
            saved_at: saved.saved_at.into(),
            content: Json(content),
        }
    }
}
