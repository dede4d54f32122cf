//! Sorts and cursors, without a database.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::cursor::{CursorData, decode_cursor};
use super::*;
use uuid::Uuid;

sort_fields! {
    /// A sort over articles' columns, as a content type would define one.
    enum ArticleSort for article (id Id) {
        Id = "id": Id(id) as Id,
        Title = "title": Title(title) as Text,
        PublishedAt = "published_at": PublishedAt(published_at) as OptionalTime,
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
    // A field named again is ignored: the first mention decides.
    assert_eq!(
        Sort::<ArticleSort>::parse("title,-title,title")
            .unwrap()
            .to_param(),
        "title,id"
    );
    assert!(
        Sort::<ArticleSort>::parse("title, id").is_err(),
        "no spaces"
    );
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
