//! Objects in webhook payloads, as this API returns them: the public's
//! view (a delivery key) for public events, a preview key's for changes of
//! a working copy.

use futures_util::future::BoxFuture;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{KeyKind, Principal};
use crate::content::article::{self, Include, Read};
use crate::content::asset;
use crate::content::author::Author;
use crate::content::tag::Tag;
use crate::content::{Catalog, Ctx, EntityKind, Key};
use crate::error::AppError;
use crate::feed::webhooks::Objects;
use crate::rest::articles::ArticleOut;
use crate::rest::assets::AssetOut;
use crate::rest::authors::AuthorOut;
use crate::rest::tags::TagOut;

/// Renders payload objects with the REST representations.
#[derive(Debug, Clone)]
pub struct ApiObjects {
    ctx: Ctx,
}

impl ApiObjects {
    /// Objects read from `ctx`.
    pub fn new(ctx: Ctx) -> Self {
        Self { ctx }
    }

    async fn render(
        &self,
        entity: EntityKind,
        id: Uuid,
        live: bool,
    ) -> Result<Option<Value>, AppError> {
        let reader = Principal::Key {
            id: Uuid::nil(),
            kind: if live {
                KeyKind::Delivery
            } else {
                KeyKind::Preview
            },
        };
        let key = Key::Id(id);
        let found = match entity {
            EntityKind::Article => {
                let read = Read {
                    include: Include::default(),
                    preview: Some(!live),
                };
                article::get(&self.ctx, &reader, &key, read)
                    .await
                    .map(|a| serde_json::to_value(ArticleOut::from(a)))
            }
            EntityKind::Author => Author::get(&self.ctx, &reader, &key)
                .await
                .map(|a| serde_json::to_value(AuthorOut::from(a))),
            EntityKind::Tag => Tag::get(&self.ctx, &reader, &key)
                .await
                .map(|t| serde_json::to_value(TagOut::from(t))),
            EntityKind::Asset => asset::get(&self.ctx, &reader, &key)
                .await
                .map(|a| serde_json::to_value(AssetOut::from(a))),
        };
        match found {
            Ok(value) => value
                .map(Some)
                .map_err(|err| AppError::Internal(err.into())),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

impl Objects for ApiObjects {
    fn object(
        &self,
        entity: EntityKind,
        id: Uuid,
        live: bool,
    ) -> BoxFuture<'_, Result<Option<Value>, AppError>> {
        Box::pin(self.render(entity, id, live))
    }
}
