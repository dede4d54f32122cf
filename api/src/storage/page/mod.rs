//! Lists: sort orders, offset and cursor (keyset) pagination, and the page
//! they produce. Every content type lists through [`fetch`]; cursors and
//! the keyset conditions they make are in [`cursor`].

mod cursor;
mod fields;

pub(crate) use fields::sort_fields;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{NullOrdering, Order};
use sea_orm::{
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, TryIntoModel,
};
use serde::{Deserialize, Serialize};

use self::cursor::{after_condition, before_condition, decode_cursor, encode_cursor};
use crate::error::AppError;
use crate::storage::{self, Reader};

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// Page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// Sort direction of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// One value of a sort key, as stored in a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyValue {
    /// A missing value (sorted last in both directions).
    Null,
    /// A whole number.
    Int(i64),
    /// Text, a timestamp (RFC 3339) or an id.
    Text(String),
}

/// What type a sort key's column holds, to turn cursor values back into SQL values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Text column.
    Text,
    /// Timestamp column.
    Time,
    /// Integer column.
    Int,
    /// UUID column.
    Id,
}

/// A field a list can be sorted by.
pub trait SortField: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// The entity whose rows are sorted.
    type Entity: EntityTrait;
    /// Every sortable field.
    const ALL: &'static [Self];
    /// The unique, never-null field that ends every sort order.
    const ID: Self;
    /// Its name in `sort=`.
    fn name(self) -> &'static str;
    /// Its column.
    fn column(self) -> <Self::Entity as EntityTrait>::Column;
    /// The column's type.
    fn kind(self) -> KeyKind;
    /// True when the column may hold NULL.
    fn nullable(self) -> bool {
        false
    }
    /// The value of this field in a row, for cursors.
    fn value_of(self, row: &<Self::Entity as EntityTrait>::Model) -> KeyValue;
}

/// A sort order: keys applied in turn, always ending with the unique id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort<F: SortField> {
    keys: Vec<(F, Direction)>,
}

impl<F: SortField> Sort<F> {
    /// Parses `-published_at,title` (a leading `-` means descending; no
    /// spaces). A field named again is ignored: the first mention decides.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys: Vec<(F, Direction)> = Vec::new();
        for part in text.split(',') {
            let (name, direction) = match part.strip_prefix('-') {
                Some(name) => (name, Direction::Desc),
                None => (part.strip_prefix('+').unwrap_or(part), Direction::Asc),
            };
            let field = F::ALL
                .iter()
                .copied()
                .find(|f| f.name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = F::ALL.iter().map(|f| f.name()).collect();
                    format!(
                        "unknown sort field `{name}`; sortable: {}",
                        names.join(", ")
                    )
                })?;
            // A field named again adds nothing: the rows are already in its order.
            if !keys.iter().any(|(f, _)| *f == field) {
                keys.push((field, direction));
            }
        }
        Ok(Self::from_keys(keys))
    }

    /// A sort order from keys; the id is appended when missing, in the
    /// direction of the first key, so the order is total.
    pub fn from_keys(mut keys: Vec<(F, Direction)>) -> Self {
        if !keys.iter().any(|(f, _)| *f == F::ID) {
            let direction = keys.first().map_or(Direction::Asc, |(_, d)| *d);
            keys.push((F::ID, direction));
        }
        Self { keys }
    }

    /// A sort order from keys given one by one (GraphQL); a field given twice is refused.
    pub fn try_from_keys(keys: Vec<(F, Direction)>) -> Result<Self, String> {
        for (i, (field, _)) in keys.iter().enumerate() {
            if keys[..i].iter().any(|(f, _)| f == field) {
                return Err(format!("`{}` appears twice", field.name()));
            }
        }
        Ok(Self::from_keys(keys))
    }

    /// The keys in order.
    pub fn keys(&self) -> &[(F, Direction)] {
        &self.keys
    }

    /// The canonical `sort=` text of this order.
    pub fn to_param(&self) -> String {
        self.keys
            .iter()
            .map(|(f, d)| match d {
                Direction::Asc => f.name().to_owned(),
                Direction::Desc => format!("-{}", f.name()),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Which slice of the list to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pagination {
    /// Skip `offset` rows, return up to `limit`.
    Offset {
        /// Rows to skip.
        offset: u64,
        /// Rows to return.
        limit: u64,
    },
    /// Rows after the one a cursor points at (from the start without one).
    Cursor {
        /// An opaque cursor from a previous page's `next_cursor`.
        after: Option<String>,
        /// Rows to return.
        limit: u64,
    },
    /// The rows just before the one a cursor points at (the last rows without
    /// one), still returned in the sort order.
    Before {
        /// An opaque cursor of a row.
        before: Option<String>,
        /// Rows to return.
        limit: u64,
    },
}

impl Pagination {
    /// Rows asked for.
    pub fn limit(&self) -> u64 {
        match self {
            Self::Offset { limit, .. }
            | Self::Cursor { limit, .. }
            | Self::Before { limit, .. } => *limit,
        }
    }
}

/// A list request: filter, order and slice.
#[derive(Debug, Clone)]
pub struct ListQuery<Filter, F: SortField> {
    /// Which rows.
    pub filter: Filter,
    /// In which order.
    pub sort: Sort<F>,
    /// Which slice.
    pub page: Pagination,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Rows matching the filter, over all pages.
    pub total: u64,
    /// Cursor for the rows after this page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// With cursor pagination, the cursor of each item.
    pub cursors: Vec<String>,
    /// More rows lie beyond this page in the direction of travel.
    pub has_more: bool,
}

impl<T> Page<T> {
    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next_cursor: self.next_cursor,
            cursors: self.cursors,
            has_more: self.has_more,
        }
    }

    /// The same page with each item converted by a conversion that may fail.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            total: self.total,
            next_cursor: self.next_cursor,
            cursors: self.cursors,
            has_more: self.has_more,
        })
    }
}

/// The rows a deferred page is read from, and the key that picks them.
pub type Deferred<E> = (Select<E>, <E as EntityTrait>::Column);

/// Runs a list query: counts the matches, then fetches one page in the sort
/// order (one extra row tells whether a next page exists). Two statements.
/// For large rows, `deferred` chooses the page as keys first (sorted and
/// skipped in an index, without reading rows), then reads only its rows
/// through the deferred select (the rows a key may name, e.g. one copy of
/// each article); still two statements, the keys being a subquery.
pub async fn fetch<F, C>(
    conn: &C,
    select: Select<F::Entity>,
    deferred: Option<Deferred<F::Entity>>,
    sort: &Sort<F>,
    page: &Pagination,
) -> Result<Page<<F::Entity as EntityTrait>::Model>, AppError>
where
    F: SortField,
    C: Reader,
    <F::Entity as EntityTrait>::Model: Send + Sync,
    <F::Entity as EntityTrait>::ActiveModel: TryIntoModel<<F::Entity as EntityTrait>::Model>,
{
    let total = select.clone().count(conn).await?;
    fetch_counted(conn, select, deferred, sort, page, total).await
}

/// [`fetch`] for a list whose `total` is already known (see
/// [`crate::storage::Db::total`]): one statement.
pub async fn fetch_counted<F, C>(
    conn: &C,
    select: Select<F::Entity>,
    deferred: Option<Deferred<F::Entity>>,
    sort: &Sort<F>,
    page: &Pagination,
    total: u64,
) -> Result<Page<<F::Entity as EntityTrait>::Model>, AppError>
where
    F: SortField,
    C: Reader,
    <F::Entity as EntityTrait>::Model: Send + Sync,
    <F::Entity as EntityTrait>::ActiveModel: TryIntoModel<<F::Entity as EntityTrait>::Model>,
{
    let backward = matches!(page, Pagination::Before { .. });
    let query = sliced(select, sort, page)?;
    let query = match deferred {
        None => query,
        Some((rows, key)) => {
            let keys = sea_orm::QueryTrait::into_query(query.select_only().column(key));
            ordered(
                rows.filter(sea_orm::ColumnTrait::in_subquery(&key, keys)),
                sort,
                backward,
            )
        }
    };
    let rows = storage::all(conn, query).await?;
    Ok(finish(rows, total, sort, page))
}

/// Runs a list query whose page is chosen in another table: `links` (rows
/// of `K`, e.g. the links of one tag, which carry the sort keys in an
/// index; `total` of them) are sorted and skipped, and the rows of `F`
/// their `link_key` names are read through `rows` (matched on `row_key`).
/// The two sorts name the same fields, so a cursor of either continues the
/// other. One statement, the keys being a subquery.
pub async fn fetch_through<F, K, C>(
    conn: &C,
    (links, link_key, link_sort): (
        Select<K::Entity>,
        <K::Entity as EntityTrait>::Column,
        &Sort<K>,
    ),
    (rows, row_key): Deferred<F::Entity>,
    (sort, page): (&Sort<F>, &Pagination),
    total: u64,
) -> Result<Page<<F::Entity as EntityTrait>::Model>, AppError>
where
    F: SortField,
    K: SortField,
    C: Reader,
    <F::Entity as EntityTrait>::Model: Send + Sync,
    <K::Entity as EntityTrait>::Model: Send + Sync,
    <F::Entity as EntityTrait>::ActiveModel: TryIntoModel<<F::Entity as EntityTrait>::Model>,
{
    debug_assert_eq!(link_sort.to_param(), sort.to_param());
    let backward = matches!(page, Pagination::Before { .. });
    let keys = sliced(links, link_sort, page)?;
    let keys = sea_orm::QueryTrait::into_query(keys.select_only().column(link_key));
    let rows = ordered(
        rows.filter(sea_orm::ColumnTrait::in_subquery(&row_key, keys)),
        sort,
        backward,
    );
    let rows = storage::all(conn, rows).await?;
    Ok(finish(rows, total, sort, page))
}

/// `select` cut to the slice `page` asks for, in the sort order (reversed
/// for a backward page), with one row more than asked for.
fn sliced<F: SortField>(
    mut query: Select<F::Entity>,
    sort: &Sort<F>,
    page: &Pagination,
) -> Result<Select<F::Entity>, AppError> {
    // Backward pages read the order reversed from the cursor, then turn the rows round.
    let backward = matches!(page, Pagination::Before { .. });
    match page {
        // Any offset past the last row gives an empty page; the cap keeps it a valid SQL integer.
        Pagination::Offset { offset, .. } => {
            query = query.offset(Ord::min(*offset, i64::MAX as u64))
        }
        Pagination::Cursor {
            after: Some(cursor),
            ..
        } => {
            let values = decode_cursor(sort, cursor)?;
            query = query.filter(after_condition(sort, values));
        }
        Pagination::Before {
            before: Some(cursor),
            ..
        } => {
            let values = decode_cursor(sort, cursor)?;
            query = query.filter(before_condition(sort, values));
        }
        Pagination::Cursor { after: None, .. } | Pagination::Before { before: None, .. } => {}
    }
    Ok(ordered(query, sort, backward).limit(page.limit() + 1))
}

/// The page made of `rows` (read in the order of travel, one more than
/// asked for when more follow): its cursors and whether more follow.
fn finish<F: SortField>(
    mut rows: Vec<<F::Entity as EntityTrait>::Model>,
    total: u64,
    sort: &Sort<F>,
    page: &Pagination,
) -> Page<<F::Entity as EntityTrait>::Model> {
    let limit = page.limit();
    let backward = matches!(page, Pagination::Before { .. });
    let has_more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if backward {
        rows.reverse();
    }
    let cursors = match page {
        Pagination::Offset { .. } => Vec::new(),
        _ => rows.iter().map(|row| encode_cursor(sort, row)).collect(),
    };
    let next_cursor = match rows.last() {
        Some(last) if has_more && !backward => Some(encode_cursor(sort, last)),
        _ => None,
    };
    Page {
        items: rows,
        total,
        next_cursor,
        cursors,
        has_more,
    }
}

/// `query` in the sort order (reversed for a backward page).
fn ordered<F: SortField>(
    mut query: Select<F::Entity>,
    sort: &Sort<F>,
    backward: bool,
) -> Select<F::Entity> {
    for (field, direction) in &sort.keys {
        let (order, nulls) = match (direction, backward) {
            (Direction::Asc, false) => (Order::Asc, NullOrdering::Last),
            (Direction::Desc, false) => (Order::Desc, NullOrdering::Last),
            (Direction::Asc, true) => (Order::Desc, NullOrdering::First),
            (Direction::Desc, true) => (Order::Asc, NullOrdering::First),
        };
        query = if field.nullable() {
            query.order_by_with_nulls(field.column(), order, nulls)
        } else {
            query.order_by(field.column(), order)
        };
    }
    query
}

/// A timestamp as a cursor value.
pub fn time_key(value: Option<DateTime<Utc>>) -> KeyValue {
    value.map_or(KeyValue::Null, |t| {
        KeyValue::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    })
}

#[cfg(test)]
mod tests;
