//! The three conventions a list request may follow: Masthead's own
//! (`page`/`per_page`, `cursor`/`limit`, `sort`, filters), json-server's
//! (`_start`/`_end`/`_sort`/`_order`, repeated `id`, used by
//! `ra-data-json-server` and Refine) and ra-data-simple-rest's
//! (`range`/`sort`/`filter` as JSON). All three become the same domain
//! `ListQuery`; only the shape of the answer differs.

use serde_json::Value;

use super::{
    Collection, IdsOf, ListRequest, ReadOptions, comma_list, id, number, page_size, sort_param,
};
use crate::content::page::{
    DEFAULT_PAGE_SIZE, Direction, ListQuery, MAX_PAGE_SIZE, Pagination, Sort, SortField,
};
use crate::error::AppError;
use crate::http::query;
use crate::rest::respond::ListStyle;

/// Which pagination convention a query string follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Native,
    JsonServer,
    SimpleRest,
}

/// Parameter names that only json-server clients send: its paging and
/// sorting parameters, repeated `id`, record field names used as equality
/// filters, and its filter operators.
fn is_json_server_parameter(name: &str) -> bool {
    matches!(
        name,
        "_start"
            | "_end"
            | "_sort"
            | "_order"
            | "_page"
            | "_limit"
            | "id"
            | "author_id"
            | "author_ids"
            | "tag_id"
            | "tag_ids"
    ) || ["_like", "_gte", "_lte", "_ne"]
        .iter()
        .any(|op| name.ends_with(op))
}

fn style_of(pairs: &[(String, String)]) -> Style {
    let has = |key: &str| pairs.iter().any(|(k, _)| k == key);
    if pairs.iter().any(|(k, _)| is_json_server_parameter(k)) {
        Style::JsonServer
    } else if has("range")
        || has("filter")
        || pairs
            .iter()
            .any(|(k, v)| k == "sort" && v.trim_start().starts_with('['))
    {
        Style::SimpleRest
    } else {
        Style::Native
    }
}

/// Filters and item options as the parameters come, whatever the convention.
struct Filters<C: Collection> {
    filter: C::Filter,
    options: ReadOptions,
    ids: Option<IdsOf<C>>,
}

impl<C: Collection> Filters<C> {
    fn new(ids: Option<IdsOf<C>>) -> Self {
        Self {
            filter: C::Filter::default(),
            options: ReadOptions::default(),
            ids,
        }
    }

    /// An item option (`fields`, `include`…) or a filter; anything else is a 400.
    fn accept(&mut self, name: &str, value: &str) -> Result<(), AppError> {
        if self.options.accept::<C>(name, value)? {
            return Ok(());
        }
        self.filter(name, value)
    }

    /// A filter parameter: `id` (when the collection takes ids) or the collection's own.
    fn filter(&mut self, name: &str, value: &str) -> Result<(), AppError> {
        if name == "id"
            && let Some(ids) = self.ids
        {
            ids(&mut self.filter)
                .get_or_insert_with(Vec::new)
                .push(id(name, value)?);
            return Ok(());
        }
        if C::filter(&mut self.filter, name, value)? {
            Ok(())
        } else {
            Err(query::unknown(name))
        }
    }

    fn finish(self, sort: Sort<C::Sort>, page: Pagination, style: ListStyle) -> ListRequest<C> {
        ListRequest {
            query: ListQuery {
                filter: self.filter,
                sort,
                page,
            },
            style,
            options: self.options,
        }
    }
}

/// Parses a list request in the convention its parameters follow.
pub(super) fn parse<C: Collection>(
    pairs: &[(String, String)],
    ids: Option<IdsOf<C>>,
) -> Result<ListRequest<C>, AppError> {
    let filters = Filters::new(ids);
    match style_of(pairs) {
        Style::Native => native(pairs, filters),
        Style::JsonServer => json_server(pairs, filters),
        Style::SimpleRest => simple_rest(pairs, filters),
    }
}

/// `page`/`per_page` or `cursor`/`limit`, `sort=-published_at,title`.
fn native<C: Collection>(
    pairs: &[(String, String)],
    mut filters: Filters<C>,
) -> Result<ListRequest<C>, AppError> {
    let (mut page, mut per_page, mut cursor, mut limit, mut sort) = (None, None, None, None, None);
    for (name, value) in pairs {
        match name.as_str() {
            "page" => {
                let n = number(name, value)?;
                if n == 0 {
                    return Err(AppError::bad_field(name, "pages are numbered from 1"));
                }
                if i64::try_from(n).is_err() {
                    return Err(AppError::bad_field(name, "is past the last possible page"));
                }
                page = Some(n);
            }
            "per_page" => per_page = Some(page_size(name, value)?),
            "cursor" => cursor = Some(value.clone()),
            "limit" => limit = Some(page_size(name, value)?),
            "sort" => sort = Some(sort_param(name, value)?),
            _ => filters.accept(name, value)?,
        }
    }
    // Each parameter is well-formed; together they break a rule: 422.
    if (page.is_some() || per_page.is_some()) && (cursor.is_some() || limit.is_some()) {
        return Err(AppError::invalid(
            "cursor",
            "use either page and per_page, or cursor and limit, not both",
        ));
    }
    let sort = sort.unwrap_or_else(C::default_sort);
    if cursor.is_some() || limit.is_some() {
        let pagination = Pagination::Cursor {
            after: cursor,
            limit: limit.unwrap_or(DEFAULT_PAGE_SIZE),
        };
        return Ok(filters.finish(sort, pagination, ListStyle::Envelope { page: None }));
    }
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(DEFAULT_PAGE_SIZE);
    let pagination = Pagination::Offset {
        offset: (page - 1).saturating_mul(per_page),
        limit: per_page,
    };
    Ok(filters.finish(sort, pagination, ListStyle::Envelope { page: Some(page) }))
}

/// `_start`/`_end` (or `_page`/`_limit`), `_sort`/`_order`, filters by field name.
fn json_server<C: Collection>(
    pairs: &[(String, String)],
    mut filters: Filters<C>,
) -> Result<ListRequest<C>, AppError> {
    let (mut start, mut end, mut page, mut limit) = (None, None, None, None);
    let (mut sort_fields, mut orders): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for (name, value) in pairs {
        match name.as_str() {
            "_start" => start = Some(number(name, value)?),
            "_end" => end = Some(number(name, value)?),
            "_page" => page = Some(number(name, value)?.max(1)),
            "_limit" => limit = Some(page_size(name, value)?),
            "_sort" => sort_fields.extend(comma_list(value).map(str::to_owned)),
            "_order" => orders.extend(comma_list(value).map(str::to_ascii_lowercase)),
            _ => filters.accept(name, value)?,
        }
    }
    let sort = json_server_sort::<C::Sort>(&sort_fields, &orders)?.unwrap_or_else(C::default_sort);
    let (offset, limit) = match (start, end, page, limit) {
        (Some(start), Some(end), _, _) => {
            if end < start {
                return Err(AppError::bad_field(
                    "_end",
                    "must not be smaller than _start",
                ));
            }
            if end - start > MAX_PAGE_SIZE {
                return Err(AppError::bad_field(
                    "_end",
                    format!("_end - _start must be at most {MAX_PAGE_SIZE}"),
                ));
            }
            (start, end - start)
        }
        (Some(start), None, _, limit) => (start, limit.unwrap_or(MAX_PAGE_SIZE)),
        (None, Some(end), _, _) => (0, end.min(MAX_PAGE_SIZE)),
        (None, None, Some(page), limit) => {
            let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
            ((page - 1).saturating_mul(limit), limit)
        }
        (None, None, None, limit) => (0, limit.unwrap_or(MAX_PAGE_SIZE)),
    };
    let pagination = Pagination::Offset { offset, limit };
    Ok(filters.finish(sort, pagination, ListStyle::JsonServer))
}

/// `range=[0,9]`, `sort=["title","ASC"]`, `filter={"q":"x","id":[…]}`.
fn simple_rest<C: Collection>(
    pairs: &[(String, String)],
    mut filters: Filters<C>,
) -> Result<ListRequest<C>, AppError> {
    let (mut offset, mut limit, mut sort) = (0, MAX_PAGE_SIZE, None);
    for (name, value) in pairs {
        match name.as_str() {
            "range" => (offset, limit) = range(name, value)?,
            "sort" => {
                let [field, order]: [String; 2] = serde_json::from_str(value).map_err(|_| {
                    AppError::bad_field(name, "must be a JSON pair [\"field\", \"ASC\"|\"DESC\"]")
                })?;
                sort = json_server_sort::<C::Sort>(&[field], &[order.to_ascii_lowercase()])?;
            }
            "filter" => {
                let object: serde_json::Map<String, Value> = serde_json::from_str(value)
                    .map_err(|_| AppError::bad_field(name, "must be a JSON object"))?;
                for (key, value) in object {
                    if key == "id"
                        && let Some(ids) = filters.ids
                    {
                        // `{"id": []}` asks for no rows, not for all of them.
                        ids(&mut filters.filter).get_or_insert_with(Vec::new);
                    }
                    for text in filter_values(&key, value)? {
                        filters.filter(&key, &text)?;
                    }
                }
            }
            _ => filters.accept(name, value)?,
        }
    }
    let sort = sort.unwrap_or_else(C::default_sort);
    let pagination = Pagination::Offset { offset, limit };
    Ok(filters.finish(sort, pagination, ListStyle::SimpleRest { start: offset }))
}

/// `[first, last]` as an offset and a limit.
fn range(name: &str, value: &str) -> Result<(u64, u64), AppError> {
    let [first, last]: [u64; 2] = serde_json::from_str(value)
        .map_err(|_| AppError::bad_field(name, "must be a JSON pair [first, last]"))?;
    if last < first || last - first >= MAX_PAGE_SIZE {
        return Err(AppError::bad_field(
            name,
            format!("must be [first, last] with at most {MAX_PAGE_SIZE} rows"),
        ));
    }
    Ok((first, last - first + 1))
}

/// `_sort=title,published_at&_order=asc,desc` as a sort order.
fn json_server_sort<S: SortField>(
    fields: &[String],
    orders: &[String],
) -> Result<Option<Sort<S>>, AppError> {
    if fields.is_empty() {
        return Ok(None);
    }
    let mut text = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let direction = match orders.get(i).or(orders.first()).map(String::as_str) {
            None | Some("asc") => Direction::Asc,
            Some("desc") => Direction::Desc,
            Some(other) => {
                return Err(AppError::bad_field(
                    "_order",
                    format!("`{other}` is neither asc nor desc"),
                ));
            }
        };
        text.push(match direction {
            Direction::Asc => field.clone(),
            Direction::Desc => format!("-{field}"),
        });
    }
    sort_param("_sort", &text.join(",")).map(Some)
}

/// A `filter` JSON value as the parameter values it stands for.
fn filter_values(key: &str, value: Value) -> Result<Vec<String>, AppError> {
    let scalar = |value: Value| match value {
        Value::String(text) => Ok(text),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(AppError::bad_field(
            format!("filter.{key}"),
            "must be a string, a number, a boolean or a list of them",
        )),
    };
    match value {
        Value::Array(items) if items.len() as u64 > MAX_PAGE_SIZE => Err(AppError::bad_field(
            format!("filter.{key}"),
            format!("may list at most {MAX_PAGE_SIZE} values"),
        )),
        Value::Array(items) => items.into_iter().map(scalar).collect(),
        other => scalar(other).map(|v| vec![v]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::article::ArticleSort;

    fn pairs(text: &str) -> Vec<(String, String)> {
        query::pairs(text).unwrap()
    }

    #[test]
    fn the_convention_follows_the_parameters() {
        assert_eq!(style_of(&pairs("page=2&sort=-title&tag=x")), Style::Native);
        assert_eq!(style_of(&pairs("_start=0&_end=10")), Style::JsonServer);
        assert_eq!(style_of(&pairs("id=a&id=b")), Style::JsonServer);
        assert_eq!(style_of(&pairs("author_ids=a")), Style::JsonServer);
        assert_eq!(style_of(&pairs("title_like=x")), Style::JsonServer);
        assert_eq!(style_of(&pairs("range=%5B0%2C9%5D")), Style::SimpleRest);
        assert_eq!(
            style_of(&pairs("sort=%5B%22title%22%2C%22ASC%22%5D")),
            Style::SimpleRest
        );
    }

    #[test]
    fn json_server_sorts_pair_fields_with_orders() {
        let sort = json_server_sort::<ArticleSort>(
            &["title".into(), "published_at".into()],
            &["asc".into(), "desc".into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(sort.to_param(), "title,-published_at,id");
        assert!(json_server_sort::<ArticleSort>(&["title".into()], &["up".into()]).is_err());
        assert!(json_server_sort::<ArticleSort>(&[], &[]).unwrap().is_none());
    }

    #[test]
    fn ranges_are_inclusive_and_bounded() {
        assert_eq!(range("range", "[10,19]").unwrap(), (10, 10));
        assert!(range("range", "[5,4]").is_err());
        assert!(range("range", "[0,100]").is_err());
    }
}
