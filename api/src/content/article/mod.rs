//! Articles: the content itself, with ordered authors and tags, a working
//! and a live copy, and an editorial workflow.
//!
//! `rules` holds the pure rules (field checks, the own-drafts guard, the
//! snapshot); `write`, `read` and `flow` hold the transactions; `query` the
//! SQL they share.

mod flow;
mod model;
mod pictures;
mod query;
mod read;
mod rules;
mod schedule;
mod write;

pub use flow::{
    Transition, TransitionInput, TransitionSort, transition, transition_sort, transitions,
};
pub use model::{
    Article, ArticleFilter, ArticleInput, ArticleSort, FeaturedImage, FeaturedImageInput, Include,
    Read, Seo, SeoInput, View, default_sort,
};
pub(crate) use pictures::drop_picture;
pub use read::{get, list};
pub use rules::ArticleSnapshot;
pub use schedule::run_schedule;
pub use write::{create, delete, undelete};
