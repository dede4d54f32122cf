//! The domain: articles, authors and tags, and the rules they obey.
//!
//! The REST and GraphQL adapters call these functions and never hold SQL or
//! business rules, so both get the same validation, errors and behaviour.
//! Functions look like `(&Ctx, &Principal, Input) -> Result<Domain,
//! AppError>`; each owns its transaction. The domain builds on `storage`
//! and `auth`, and knows nothing of HTTP, GraphQL or the accounts
//! (`identity`).

pub mod archive;
pub mod article;
pub mod asset;
pub mod author;
pub mod body;
mod catalog;
mod ctx;
pub mod history;
pub mod kept;
pub mod locales;
pub mod localized;
mod redirects;
pub mod search;
pub mod slug;
pub mod tag;
pub mod text;
pub mod validate;
pub mod workflow;

pub use crate::storage::{Key, WriteTx, now, page};
pub use catalog::{Catalog, NameFilter};
pub use ctx::{Choice, Ctx, Patch, Settings};
pub use entities::types::{ArticleCopy, ChangeKind, EntityKind, Named, State};
