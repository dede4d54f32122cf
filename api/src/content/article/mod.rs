//! Articles: the content itself, with ordered authors and tags.

mod flow;
mod history;
mod model;
mod query;
mod service;

pub use flow::{
    Transition, TransitionInput, TransitionSort, run_schedule, transition, transition_sort,
    transitions,
};
pub use history::{diff, restore, revision, revisions};
pub use model::{
    Article, ArticleFilter, ArticleInput, ArticleSort, FeaturedImage, FeaturedImageInput, Include,
    LIVE, Read, Seo, SeoInput, State, View, WORKING, default_sort,
};
pub(crate) use service::snapshot;
pub use service::{create, delete, get, list, undelete, update};
