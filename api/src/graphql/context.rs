//! What a request carries into its resolvers.

use async_graphql::Context;

use crate::auth::Principal;
use crate::content::Ctx;
use crate::feed::Feed;
use crate::identity::Identity;

/// The request data every resolver reads.
pub struct Req {
    /// The content domain.
    pub ctx: Ctx,
    /// Accounts and sessions (sign-in over GraphQL).
    pub identity: Identity,
    /// The change feed (sync).
    pub feed: Feed,
    /// Who is asking.
    pub principal: Principal,
    /// The client's address, for sign-in throttling.
    pub address: Option<String>,
}

/// The request data of a resolver (set by the handler on every request).
pub fn req<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Req> {
    ctx.data::<Req>()
}

/// What every operation of a caller runs with: the request data and the
/// loaders of the authors and tags it reads (uncached, so a long-lived
/// subscription never reads stale ones).
pub fn data_for(
    state: &crate::http::AppState,
    principal: Principal,
    address: Option<String>,
) -> async_graphql::Data {
    use async_graphql::dataloader::DataLoader;

    use super::loaders::{AuthorLoader, PictureLoader, TagLoader};

    let ctx = state.ctx.clone();
    let mut data = async_graphql::Data::default();
    data.insert(DataLoader::new(
        AuthorLoader::new(&ctx, &principal),
        tokio::spawn,
    ));
    data.insert(DataLoader::new(
        TagLoader::new(&ctx, &principal),
        tokio::spawn,
    ));
    data.insert(DataLoader::new(
        PictureLoader::new(&ctx, &principal),
        tokio::spawn,
    ));
    data.insert(Req {
        ctx,
        identity: state.identity.clone(),
        feed: state.feed.clone(),
        principal,
        address,
    });
    data
}
