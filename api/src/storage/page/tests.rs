//! Sorts and cursors, without a database.

use entities::article;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::cursor::{CursorData, decode_cursor};
use super::*;
use uuid::Uuid;

/// A sort over articles' columns, as a content type would define one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArticleSort {
    Id,
    Title,
    PublishedAt,
}

impl SortField for ArticleSort {
    type Entity = article::Entity;
    const ALL: &'static [Self] = &[Self::Id, Self::Title, Self::PublishedAt];
    const ID: Self = Self::Id;

    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Title => "title",
            Self::PublishedAt => "published_at",
        }
    }

    fn column(self) -> article::Column {
        match self {
            Self::Id => article::Column::Id,
            Self::Title => article::Column::Title,
            Self::PublishedAt => article::Column::PublishedAt,
        }
    }

    fn kind(self) -> KeyKind {
        match self {
            Self::Id => KeyKind::Id,
            Self::Title => KeyKind::Text,
            Self::PublishedAt => KeyKind::Time,
        }
    }

    fn nullable(self) -> bool {
        self == Self::PublishedAt
    }

    fn value_of(self, row: &article::Model) -> KeyValue {
        match self {
            Self::Id => KeyValue::Text(row.id.to_string()),
            Self::Title => KeyValue::Text(row.title.clone()),
            Self::PublishedAt => time_key(row.published_at),
        }
    }
}

#[test]
fn sorts_parse_and_always_end_with_the_id() {
    let sort = Sort::<ArticleSort>::parse("-published_at,title").unwrap();
    assert_eq!(sort.to_param(), "-published_at,title,-id");
    assert_eq!(Sort::<ArticleSort>::parse("id").unwrap().to_param(), "id");
    assert!(
        Sort::<ArticleSort>::parse("nope")
            .unwrap_err()
            .contains("sortable: id, title")
    );
    assert!(Sort::<ArticleSort>::parse("title,-title").is_err());
}

#[test]
fn cursors_belong_to_their_sort() {
    let sort = Sort::<ArticleSort>::parse("title").unwrap();
    let data = CursorData {
        s: sort.to_param(),
        v: vec![
            KeyValue::Text("Été".into()),
            KeyValue::Text(Uuid::nil().to_string()),
        ],
    };
    let cursor = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap());
    assert_eq!(decode_cursor(&sort, &cursor).unwrap().len(), 2);
    let other = Sort::<ArticleSort>::parse("-title").unwrap();
    assert!(decode_cursor(&other, &cursor).is_err());
    assert!(decode_cursor(&sort, "not-a-cursor").is_err());
    let wrong_kind = URL_SAFE_NO_PAD.encode(br#"{"s":"title,id","v":["x","not-a-uuid"]}"#);
    assert!(decode_cursor(&sort, &wrong_kind).is_err());
}
