//! DataLoaders: the authors, tags and body pictures of many articles in
//! one statement per request, for the articles whose page did not load
//! them already.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::Loader;
use uuid::Uuid;

use crate::auth::Principal;
use crate::content::asset;
use crate::content::author::Author;
use crate::content::body::Picture;
use crate::content::tag::Tag;
use crate::content::{Ctx, kept};
use crate::error::AppError;

/// Batches author look-ups of one request into one statement.
pub struct AuthorLoader {
    ctx: Ctx,
    principal: Principal,
}

impl AuthorLoader {
    /// A loader reading as `principal`.
    pub fn new(ctx: &Ctx, principal: &Principal) -> Self {
        Self {
            ctx: ctx.clone(),
            principal: principal.clone(),
        }
    }
}

impl Loader<Uuid> for AuthorLoader {
    type Value = Author;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Author>, Self::Error> {
        kept::visible_authors(&self.ctx, &self.principal, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Batches tag look-ups of one request into one statement.
pub struct TagLoader {
    ctx: Ctx,
    principal: Principal,
}

impl TagLoader {
    /// A loader reading as `principal`.
    pub fn new(ctx: &Ctx, principal: &Principal) -> Self {
        Self {
            ctx: ctx.clone(),
            principal: principal.clone(),
        }
    }
}

impl Loader<Uuid> for TagLoader {
    type Value = Tag;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Tag>, Self::Error> {
        kept::visible_tags(&self.ctx, &self.principal, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Batches the library pictures that the bodies of one request refer to
/// into one statement.
pub struct PictureLoader {
    ctx: Ctx,
    principal: Principal,
}

impl PictureLoader {
    /// A loader reading as `principal`.
    pub fn new(ctx: &Ctx, principal: &Principal) -> Self {
        Self {
            ctx: ctx.clone(),
            principal: principal.clone(),
        }
    }
}

impl Loader<Uuid> for PictureLoader {
    type Value = Picture;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Picture>, Self::Error> {
        asset::pictures(&self.ctx, &self.principal, keys)
            .await
            .map_err(Arc::new)
    }
}

/// The values of `ids` that were found, in the order of `ids`.
pub fn loaded<T: Clone>(ids: &[Uuid], found: HashMap<Uuid, T>) -> Vec<T> {
    ids.iter().filter_map(|id| found.get(id).cloned()).collect()
}

/// A loader's error as a GraphQL error.
pub fn loader_error(err: Arc<AppError>) -> async_graphql::Error {
    err.extend()
}
