//! Articles: the content itself, with ordered authors and tags.

mod model;
mod query;
mod service;

pub use model::{
    Article, ArticleFilter, ArticleInput, ArticleSort, FeaturedImage, FeaturedImageInput, Include,
    Read, Seo, SeoInput, State, View, default_sort,
};
pub use service::{create, delete, get, list, update};
