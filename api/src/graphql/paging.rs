//! Relay connections over the domain's keyset pages: `first`/`after`
//! forward, `last`/`before` backward, at most 100 items, with `totalCount`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{OutputType, SimpleObject};

use super::error::invalid;
use crate::content::page::{self, MAX_PAGE_SIZE, Page, Pagination};

/// `totalCount` on every connection.
#[derive(SimpleObject)]
pub struct TotalCount {
    /// Items matching the query, over all pages.
    pub total_count: u64,
}

/// A Relay connection with `totalCount`.
pub type Conn<N> = Connection<String, N, TotalCount>;

/// Relay pagination arguments turned into the domain's: `first`/`after`
/// forward, `last`/`before` backward, at most 100 items.
pub struct Paging {
    pub pagination: Pagination,
    forward: bool,
    from_cursor: bool,
}

impl Paging {
    /// Checks and converts the four Relay arguments.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Self> {
        let size = |name: &str, n: i32| -> async_graphql::Result<u64> {
            u64::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| invalid(name, &format!("must be between 1 and {MAX_PAGE_SIZE}")))
        };
        match (first, last) {
            (Some(_), Some(_)) => Err(invalid("last", "use first/after or last/before, not both")),
            (_, Some(last)) => {
                if after.is_some() {
                    return Err(invalid("after", "goes with first, not last"));
                }
                Ok(Self {
                    from_cursor: before.is_some(),
                    pagination: Pagination::Before {
                        before,
                        limit: size("last", last)?,
                    },
                    forward: false,
                })
            }
            (first, None) => {
                if before.is_some() {
                    return Err(invalid("before", "goes with last, not first"));
                }
                let limit = match first {
                    Some(first) => size("first", first)?,
                    None => page::DEFAULT_PAGE_SIZE,
                };
                Ok(Self {
                    from_cursor: after.is_some(),
                    pagination: Pagination::Cursor { after, limit },
                    forward: true,
                })
            }
        }
    }

    /// The connection of a page of domain items.
    pub fn connection<T, N: OutputType>(&self, page: Page<T>, node: impl Fn(T) -> N) -> Conn<N> {
        let (previous, next) = if self.forward {
            (self.from_cursor, page.has_more)
        } else {
            (page.has_more, self.from_cursor)
        };
        let mut connection = Connection::with_additional_fields(
            previous,
            next,
            TotalCount {
                total_count: page.total,
            },
        );
        connection.edges.extend(
            page.items
                .into_iter()
                .zip(page.cursors)
                .map(|(item, cursor)| Edge::new(cursor, node(item))),
        );
        connection
    }
}
