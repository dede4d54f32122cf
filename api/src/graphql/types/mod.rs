//! GraphQL output types over the domain models, one module per kind of
//! object. Resolvers call `content` (and `identity`) functions only.

mod account;
mod article;
mod asset;
mod catalog;
mod editing;
mod feed;
mod history;
mod search;

use async_graphql::{Context, Enum, Union};

pub use account::{Tokens, UserGql};
pub use article::{ArticleGql, ArticleStateGql};
pub use asset::{AssetGql, FocalPointGql};
pub use catalog::{AuthorGql, TagGql};
pub use editing::AutosaveGql;
pub use feed::{SyncPageGql, SyncType};
pub use search::{SearchConn, SearchType};
pub(crate) use search::{connection as search_connection, offset_of as search_offset};

use super::error::Gql;
use crate::content::Key;
use crate::content::article::{Include, Read};
use crate::error::AppError;

/// `Ok(None)` for a 404, the error otherwise.
pub fn not_found_as_none<T>(result: Result<T, AppError>) -> async_graphql::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(AppError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err).gql(),
    }
}

/// A read that may have found a former slug ([`AppError::Moved`]): then the
/// entity read `again` by its id, with its current slug (`redirectTo`);
/// otherwise the outcome as it is. `null` for a 404.
pub async fn followed<T, N>(
    found: Result<T, AppError>,
    again: impl AsyncFnOnce(Key) -> Result<T, AppError>,
    node: fn(T, Option<String>) -> N,
) -> async_graphql::Result<Option<N>> {
    match found {
        Err(AppError::Moved { id, slug }) => {
            not_found_as_none(again(Key::Id(id)).await.map(|t| node(t, Some(slug))))
        }
        other => not_found_as_none(other.map(|t| node(t, None))),
    }
}

/// What a revision restore returns.
#[derive(Union)]
pub enum Revisable {
    Article(Box<ArticleGql>),
    Author(AuthorGql),
    Tag(TagGql),
    Asset(AssetGql),
}

/// What kind of entity a revision belongs to.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionType {
    Article,
    Author,
    Tag,
    Asset,
}

/// How a read of articles should load them: the view asked for, and the
/// relations the query selects (loaded with the page, in one statement each).
pub fn read_of(ctx: &Context<'_>, preview: Option<bool>, connection: bool) -> Read {
    let look = ctx.look_ahead();
    let nodes = if connection {
        vec![look.field("edges").field("node"), look.field("nodes")]
    } else {
        vec![look]
    };
    Read {
        include: Include {
            authors: nodes.iter().any(|n| n.field("authors").exists()),
            tags: nodes.iter().any(|n| n.field("tags").exists()),
            pictures: nodes
                .iter()
                .any(|n| n.field("bodyHtml").exists() || n.field("bodyAst").exists()),
        },
        preview,
    }
}
