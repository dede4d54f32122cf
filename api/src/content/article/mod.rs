//! Articles: the content itself, with ordered authors and tags.

mod model;
mod query;
mod service;

pub use model::{
    Article, ArticleFilter, ArticleInput, ArticleSort, FeaturedImage, FeaturedImageInput, Include,
    Seo, SeoInput, State, default_sort,
};
pub use service::{create, delete, get, list, update};
