//! Articles: the content itself, with ordered authors and tags, a working
//! and a live copy, and an editorial workflow.
//!
//! `rules` holds the pure rules (field checks, the own-drafts guard, the
//! snapshot); `write`, `read` and `flow` hold the transactions; `query` the
//! SQL they share.

mod flow;
mod model;
mod query;
mod read;
mod rules;
mod schedule;
mod write;

use uuid::Uuid;

pub use flow::{
    Transition, TransitionInput, TransitionSort, transition, transition_sort, transitions,
};
pub use model::{
    Article, ArticleFilter, ArticleInput, ArticleSort, FeaturedImage, FeaturedImageInput, Include,
    Read, Seo, SeoInput, View, default_sort,
};
pub use read::{get, list};
pub use rules::ArticleSnapshot;
pub use schedule::run_schedule;
pub use write::{create, delete, undelete, update};

use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::history::Versioned;
use crate::content::{Ctx, EntityKind, Key};
use crate::error::AppError;

impl Versioned for Article {
    const KIND: EntityKind = EntityKind::Article;
    const EDIT: Action = Action::EditArticle;
    type Snapshot = ArticleSnapshot;
    type Input = ArticleInput;

    async fn locate(ctx: &Ctx, key: &Key) -> Result<Uuid, AppError> {
        Ok(
            query::find_row(ctx, &ctx.db.conn, key, View::Preview, false)
                .await?
                .id,
        )
    }

    fn restoring(snapshot: ArticleSnapshot, message: String) -> ArticleInput {
        snapshot.into_input(message)
    }

    async fn update(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
        input: ArticleInput,
        expected_version: Option<i32>,
    ) -> Result<Article, AppError> {
        update(ctx, principal, key, input, expected_version).await
    }
}
