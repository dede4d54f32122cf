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
