use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use chrono::{TimeZone, Utc};
use rusqlite::Connection;
use sea_orm::sea_query::{ColumnType, Value};
use sea_orm::{DbBackend, ProxyDatabaseTrait, Statement};

use super::{Direct, MAPPED_BYTES, Proxy, Refusal, file_of, read, refusal, stored, to_db_err};

#[test]
fn the_file_of_a_sqlite_url_and_none_in_memory() {
    assert_eq!(
        file_of("sqlite://data/masthead.db?mode=rwc"),
        Some("data/masthead.db".into())
    );
    assert_eq!(file_of("sqlite:/srv/m.db"), Some("/srv/m.db".into()));
    assert_eq!(file_of("sqlite::memory:"), None);
    assert_eq!(file_of("sqlite://file.db?mode=memory"), None);
    assert_eq!(file_of("postgres://localhost/m"), None);
}

#[test]
fn values_are_written_as_sqlx_writes_them() {
    let at = Utc
        .with_ymd_and_hms(2024, 1, 2, 3, 4, 5)
        .single()
        .map(|t| t + chrono::Duration::microseconds(123_456));
    let text = |v: &Value| match stored(v) {
        Ok(rusqlite::types::Value::Text(t)) => t,
        other => panic!("not text: {other:?}"),
    };
    assert_eq!(
        text(&Value::ChronoDateTimeUtc(at)),
        "2024-01-02T03:04:05.123456+00:00"
    );
    let id = uuid::Uuid::from_u128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
    assert!(matches!(
        stored(&Value::Uuid(Some(id))),
        Ok(rusqlite::types::Value::Blob(b)) if b == id.as_bytes()
    ));
    assert!(matches!(
        stored(&Value::Bool(Some(true))),
        Ok(rusqlite::types::Value::Integer(1))
    ));
    assert!(matches!(
        stored(&Value::String(None)),
        Ok(rusqlite::types::Value::Null)
    ));
}

/// Writes `value` into a column of type `kind` and reads it back.
fn round_trip(value: Value, kind: &ColumnType) -> Value {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE t (v)").unwrap();
    let mut insert = conn.prepare("INSERT INTO t (v) VALUES (?1)").unwrap();
    insert
        .raw_bind_parameter(1, stored(&value).unwrap())
        .unwrap();
    insert.raw_execute().unwrap();
    conn.query_row("SELECT v FROM t", [], |row| {
        read(row.get_ref(0)?, Some(kind))
    })
    .unwrap()
}

#[test]
fn values_read_back_as_the_types_their_columns_hold() {
    let at = Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).single();
    let id = Some(uuid::Uuid::now_v7());
    let json = Some(Box::new(serde_json::json!({"réseau": "« ok »"})));
    for (value, kind) in [
        (
            Value::ChronoDateTimeUtc(at),
            ColumnType::TimestampWithTimeZone,
        ),
        (
            Value::ChronoDateTimeUtc(None),
            ColumnType::TimestampWithTimeZone,
        ),
        (Value::Uuid(id), ColumnType::Uuid),
        (Value::Bool(Some(false)), ColumnType::Boolean),
        (Value::Int(Some(-7)), ColumnType::Integer),
        (Value::BigInt(Some(1 << 60)), ColumnType::BigInteger),
        (Value::Json(json), ColumnType::Json),
        (
            Value::String(Some("Été « à » Zoé".into())),
            ColumnType::Text,
        ),
        (Value::Double(Some(0.5)), ColumnType::Double),
    ] {
        assert_eq!(round_trip(value.clone(), &kind), value, "{kind:?}");
    }
}

#[test]
fn an_integer_too_large_for_its_column_is_an_error_not_a_wrap() {
    let conn = Connection::open_in_memory().unwrap();
    let read_back = conn.query_row("SELECT 1 << 40", [], |row| {
        read(row.get_ref(0)?, Some(&ColumnType::Integer))
    });
    assert!(read_back.is_err());
    // A computed column is typed by what SQLite holds.
    let computed = conn
        .query_row("SELECT 1 << 40", [], |row| read(row.get_ref(0)?, None))
        .unwrap();
    assert_eq!(computed, Value::BigInt(Some(1 << 40)));
}

#[test]
fn timestamps_in_every_form_sqlx_reads() {
    let expected = Value::ChronoDateTimeUtc(Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).single());
    for text in [
        "2024-05-06T07:08:09Z",
        "2024-05-06T07:08:09+00:00",
        "2024-05-06 07:08:09",
        "2024-05-06 07:08:09+00:00",
        "2024-05-06 09:08:09 +02:00",
    ] {
        let value = Value::String(Some(text.to_owned()));
        assert_eq!(
            round_trip(value, &ColumnType::TimestampWithTimeZone),
            expected,
            "{text}"
        );
    }
}

#[test]
fn constraint_failures_keep_their_meaning() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         CREATE TABLE p (id INTEGER PRIMARY KEY, slug TEXT UNIQUE);
         CREATE TABLE c (p INTEGER REFERENCES p (id));
         INSERT INTO p VALUES (1, 'a');",
    )
    .unwrap();
    let unique = conn
        .execute("INSERT INTO p VALUES (2, 'a')", [])
        .unwrap_err();
    assert_eq!(refusal(&to_db_err(&unique)), Some(Refusal::Unique));
    let foreign = conn.execute("INSERT INTO c VALUES (9)", []).unwrap_err();
    assert_eq!(refusal(&to_db_err(&foreign)), Some(Refusal::ForeignKey));
    let other = conn
        .execute("INSERT INTO nowhere VALUES (1)", [])
        .unwrap_err();
    assert_eq!(refusal(&to_db_err(&other)), None);
}

#[tokio::test]
async fn rows_answer_by_name_and_by_position_in_column_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (zeta INTEGER, alpha TEXT); INSERT INTO t VALUES (1, 'un');")
        .unwrap();
    let statements = Arc::new(AtomicU64::new(0));
    let direct = Proxy(Arc::new(Direct::new(path, statements.clone())));
    let statement = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT zeta, alpha FROM t WHERE zeta = ?",
        [Value::BigInt(Some(1))],
    );
    let rows = direct.query(statement).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = sea_orm::QueryResult::from(rows[0].clone());
    // By name, and as a tuple: the first column first, though "alpha"
    // sorts before "zeta".
    assert_eq!(row.try_get::<String>("", "alpha").unwrap(), "un");
    let (zeta, alpha): (i64, String) =
        sea_orm::TryGetableMany::try_get_many_by_index(&row).unwrap();
    assert_eq!((zeta, alpha.as_str()), (1, "un"));
    assert_eq!(statements.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[tokio::test]
async fn models_read_directly_are_those_sea_orm_reads() {
    use entities::{article_tag, tag};
    use sea_orm::{Database, EntityTrait, QueryOrder, QuerySelect};

    use crate::storage::reader::{ReadConn, all, all_pairs};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let (tag_id, missing, article) = (
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
    );
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE tags (id BLOB PRIMARY KEY, slug TEXT, name TEXT, description TEXT, \
         names TEXT, version INTEGER, created_at TEXT, updated_at TEXT, created_by BLOB, \
         updated_by BLOB);
         CREATE TABLE article_tags (article_id BLOB, copy TEXT, tag_id BLOB, position INTEGER, \
         published_at TEXT, deleted_at TEXT);",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO tags VALUES (?1, 'ete', '« Été » à Zoë', NULL, '{\"fr\":\"Été\"}', 3, \
         '2026-12-01T09:00:00.123456Z', '2026-12-01 10:00:00', NULL, ?1)",
        [tag_id.as_bytes().to_vec()],
    )
    .unwrap();
    // The second link names a tag that is not there: its tag is none.
    for (position, tag) in [(0, tag_id), (1, missing)] {
        conn.execute(
            "INSERT INTO article_tags VALUES (?1, 'live', ?2, ?3, '2026-12-01T08:00:00Z', NULL)",
            rusqlite::params![
                article.as_bytes().to_vec(),
                tag.as_bytes().to_vec(),
                position
            ],
        )
        .unwrap();
    }
    let direct = Arc::new(Direct::new(path, Arc::new(AtomicU64::new(0))));
    let proxy: Box<dyn ProxyDatabaseTrait> = Box::new(Proxy(direct.clone()));
    let proxied = Database::connect_proxy(DbBackend::Sqlite, Arc::new(proxy))
        .await
        .unwrap();
    let reader = ReadConn::new(proxied.clone(), Some(direct));

    let tags = tag::Entity::find();
    let read = all(&reader, tags.clone()).await.unwrap();
    assert_eq!(read, tags.all(&proxied).await.unwrap());
    assert_eq!(read[0].name, "« Été » à Zoë");
    assert_eq!(read[0].updated_by, Some(tag_id));

    let links = article_tag::Entity::find()
        .order_by_asc(article_tag::Column::Position)
        .find_also_related(tag::Entity);
    let pairs = all_pairs(&reader, links.clone()).await.unwrap();
    assert_eq!(pairs, links.all(&proxied).await.unwrap());
    assert_eq!(pairs[0].1.as_ref().map(|tag| tag.id), Some(tag_id));
    assert!(pairs[1].1.is_none());

    // A column that no model has is refused, not dropped.
    let odd = tag::Entity::find().expr_as(sea_orm::sea_query::Expr::val(1), "odd");
    let err = all(&reader, odd).await.unwrap_err();
    assert!(err.to_string().contains("odd"), "{err}");
}

#[test]
fn connections_map_as_much_of_the_file_as_they_are_told() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    Connection::open(&path).unwrap();
    let mapped = |direct: &Direct| {
        direct
            .with(|conn| conn.query_row("PRAGMA mmap_size", [], |row| row.get::<_, i64>(0)))
            .unwrap()
    };
    // The default (64 GiB) is past the 2 GiB a stock SQLite allows: the
    // build's own limit is raised.
    let statements = Arc::new(AtomicU64::new(0));
    let direct = Direct::new(path.clone(), statements.clone());
    assert_eq!(mapped(&direct), i64::try_from(MAPPED_BYTES).unwrap());
    const { assert!(MAPPED_BYTES > 0x7fff_0000) };
    assert_eq!(mapped(&Direct::new(path, statements).mapping(0)), 0);
}

#[tokio::test]
async fn a_value_of_another_type_is_an_error_not_a_null() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    Connection::open(&path).unwrap();
    let direct = Proxy(Arc::new(Direct::new(path, Arc::new(AtomicU64::new(0)))));
    let statement = Statement::from_string(
        DbBackend::Sqlite,
        "SELECT 'quinze' AS word, NULL AS absent, 15 AS number",
    );
    let rows = direct.query(statement).await.unwrap();
    let row = sea_orm::QueryResult::from(rows[0].clone());
    // Text read as a number: an error, where sea-orm 2.0.4 read `None`.
    assert!(row.try_get::<Option<i64>>("", "word").is_err());
    assert!(row.try_get::<Option<i64>>("", "missing").is_err());
    assert_eq!(row.try_get::<Option<i64>>("", "absent").unwrap(), None);
    assert_eq!(row.try_get::<Option<i64>>("", "number").unwrap(), Some(15));
}
