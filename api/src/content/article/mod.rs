//! Articles: the content itself, with ordered authors and tags, a working
//! and a live copy, and an editorial workflow.
//!
//! `rules` holds the pure rules (field checks, the own-drafts guard, the
//! snapshot); `write`, `read` and `flow` hold the transactions; `query` the
//! SQL they share.

pub mod autosave;
mod flow;
mod linked;
mod model;
mod pictures;
pub mod preview;
mod query;
mod read;
mod retag;
mod rules;
mod schedule;
mod translations;
mod write;

pub use flow::{
    Transition, TransitionInput, TransitionSort, transition, transition_sort, transitions,
};
pub use model::{
    Article, ArticleFilter, ArticleInput, ArticleSort, FeaturedImage, FeaturedImageInput, Include,
    Read, Seo, SeoInput, Source, View, default_sort,
};
pub(crate) use pictures::drop_picture;
pub(crate) use read::{by_ids, view_for};
pub use read::{get, get_localized, list};
pub(crate) use retag::retag;
pub use rules::ArticleSnapshot;
pub(crate) use rules::check_imported;
pub use schedule::run_schedule;
pub use translations::Translation;
pub use write::{create, delete, undelete};
