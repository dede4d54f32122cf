//! Query-string parsing for reads and lists: pagination (page numbers,
//! cursors, and the json-server and ra-data-simple-rest conventions of admin
//! UIs), sorting, filters, `fields=`, `include=` and `formats=`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::respond::ListStyle;
use crate::content::page::{
    DEFAULT_PAGE_SIZE, Direction, ListQuery, MAX_PAGE_SIZE, Pagination, Sort, SortField,
};
use crate::content::validate;
use crate::error::AppError;

/// What a collection accepts in its query strings.
pub trait Collection {
    /// Domain filter of the collection.
    type Filter: Default;
    /// Sortable fields of the collection.
    type Sort: SortField;
    /// Collection name, as in the path.
    const NAME: &'static str;
    /// Top-level fields of one item, for `fields=`.
    const FIELDS: &'static [&'static str];
    /// Relations `include=` may expand.
    const INCLUDES: &'static [&'static str] = &[];
    /// Derived formats `formats=` may add.
    const FORMATS: &'static [&'static str] = &[];
    /// True when items have a locale, so a slug read may name one.
    const LOCALIZED: bool = false;
    /// True when reads may ask for working copies with `preview=`.
    const PREVIEWABLE: bool = false;
    /// The order when none is asked for.
    fn default_sort() -> Sort<Self::Sort>;
    /// Applies one filter parameter; `Ok(false)` when `name` is not a filter.
    fn filter(filter: &mut Self::Filter, name: &str, value: &str) -> Result<bool, AppError>;
}

/// Options of a read that shape each item.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Sparse field set: only these top-level fields.
    pub fields: Option<Vec<String>>,
    /// Relations to expand.
    pub include: Vec<&'static str>,
    /// Derived formats to add.
    pub formats: Vec<&'static str>,
    /// Locale to look a slug up in.
    pub locale: Option<String>,
    /// `preview=true|false`, when given.
    pub preview: Option<bool>,
}

impl ReadOptions {
    /// True when `include=` named `name`.
    pub fn includes(&self, name: &str) -> bool {
        self.include.contains(&name)
    }

    /// True when `formats=` named `name`.
    pub fn wants(&self, name: &str) -> bool {
        self.formats.contains(&name)
    }

    fn accept<C: Collection>(&mut self, name: &str, value: &str) -> Result<bool, AppError> {
        match name {
            "fields" => {
                let mut fields = Vec::new();
                for field in comma_list(value) {
                    if !C::FIELDS.contains(&field) {
                        return Err(AppError::bad_field(
                            "fields",
                            format!("unknown field `{field}`; fields: {}", C::FIELDS.join(", ")),
                        ));
                    }
                    fields.push(field.to_owned());
                }
                self.fields = Some(fields);
            }
            "include" => self.include = pick("include", value, C::INCLUDES)?,
            "formats" => self.formats = pick("formats", value, C::FORMATS)?,
            "preview" if C::PREVIEWABLE => {
                self.preview = Some(match value {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(AppError::bad_field("preview", "must be true or false")),
                });
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn comma_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty())
}

fn pick(
    param: &str,
    value: &str,
    allowed: &'static [&'static str],
) -> Result<Vec<&'static str>, AppError> {
    comma_list(value)
        .map(|name| {
            allowed.iter().copied().find(|a| *a == name).ok_or_else(|| {
                AppError::bad_field(
                    param,
                    if allowed.is_empty() {
                        format!("`{param}` is not supported here")
                    } else {
                        format!("unknown value `{name}`; one of: {}", allowed.join(", "))
                    },
                )
            })
        })
        .collect()
}

fn query_pairs(query_string: &str) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(query_string)
        .map_err(|err| AppError::bad_field("query", format!("cannot be decoded: {err}")))
}

fn unknown_parameter(name: &str) -> AppError {
    AppError::bad_field(name, "unknown query parameter")
}

/// Parses the query string of a single-item read.
pub fn read_options<C: Collection>(query_string: &str) -> Result<ReadOptions, AppError> {
    let mut options = ReadOptions::default();
    for (name, value) in query_pairs(query_string)? {
        if name == "locale" && C::LOCALIZED {
            let locale = validate::locale(&value).map_err(|m| AppError::bad_field("locale", m))?;
            options.locale = Some(locale);
        } else if !options.accept::<C>(&name, &value)? {
            return Err(unknown_parameter(&name));
        }
    }
    Ok(options)
}

/// A parsed list request.
#[derive(Debug)]
pub struct ListRequest<C: Collection> {
    /// Filter, order and slice for the domain.
    pub query: ListQuery<C::Filter, C::Sort>,
    /// Shape of the answer.
    pub style: ListStyle,
    /// Item options.
    pub options: ReadOptions,
}

/// Parses a number parameter.
pub fn number(name: &str, value: &str) -> Result<u64, AppError> {
    value
        .trim()
        .parse::<u64>()
        .map_err(|_| AppError::bad_field(name, "must be a whole number of 0 or more"))
}

fn page_size(name: &str, value: &str) -> Result<u64, AppError> {
    let size = number(name, value)?;
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(AppError::bad_field(
            name,
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    Ok(size)
}

/// A timestamp parameter: RFC 3339, or a date meaning its midnight UTC.
pub fn timestamp(name: &str, value: &str) -> Result<DateTime<Utc>, AppError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(midnight) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(midnight.and_utc());
    }
    Err(AppError::bad_field(
        name,
        "must be an RFC 3339 timestamp (2026-01-31T08:00:00Z) or a date (2026-01-31)",
    ))
}

/// An id parameter.
pub fn id(name: &str, value: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(value.trim()).map_err(|_| AppError::bad_field(name, "must be a UUID"))
}

fn sort_param<S: SortField>(name: &str, text: &str) -> Result<Sort<S>, AppError> {
    Sort::parse(text).map_err(|message| AppError::bad_field(name, message))
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

/// Which pagination convention a query string follows.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Native,
    JsonServer,
    SimpleRest,
}

/// Where a collection's filter keeps the ids of `id=` (json-server's "get many").
pub type IdsOf<C> = fn(&mut <C as Collection>::Filter) -> &mut Option<Vec<Uuid>>;

/// Parses the query string of a list request in any of the three conventions.
pub fn list_request<C: Collection>(
    query_string: &str,
    ids: Option<IdsOf<C>>,
) -> Result<ListRequest<C>, AppError> {
    let pairs = query_pairs(query_string)?;
    let mut repeats: HashMap<&str, u64> = HashMap::new();
    for (name, _) in &pairs {
        let count = repeats.entry(name.as_str()).or_default();
        *count += 1;
        if *count > MAX_PAGE_SIZE {
            return Err(AppError::bad_field(
                name.as_str(),
                format!("may be repeated at most {MAX_PAGE_SIZE} times"),
            ));
        }
    }
    let mut filter = C::Filter::default();
    let mut options = ReadOptions::default();
    let apply_filter = |filter: &mut C::Filter, name: &str, value: &str| -> Result<(), AppError> {
        if name == "id"
            && let Some(ids) = ids
        {
            ids(filter)
                .get_or_insert_with(Vec::new)
                .push(id(name, value)?);
            return Ok(());
        }
        if C::filter(filter, name, value)? {
            Ok(())
        } else {
            Err(unknown_parameter(name))
        }
    };

    match style_of(&pairs) {
        Style::Native => {
            let (mut page, mut per_page, mut cursor, mut limit, mut sort) =
                (None, None, None, None, None);
            for (name, value) in &pairs {
                match name.as_str() {
                    "page" => {
                        let n = number(name, value)?;
                        if n == 0 {
                            return Err(AppError::bad_field(name, "pages are numbered from 1"));
                        }
                        page = Some(n);
                    }
                    "per_page" => per_page = Some(page_size(name, value)?),
                    "cursor" => cursor = Some(value.clone()),
                    "limit" => limit = Some(page_size(name, value)?),
                    "sort" => sort = Some(sort_param(name, value)?),
                    _ if options.accept::<C>(name, value)? => {}
                    _ => apply_filter(&mut filter, name, value)?,
                }
            }
            if (page.is_some() || per_page.is_some()) && (cursor.is_some() || limit.is_some()) {
                return Err(AppError::bad_field(
                    "cursor",
                    "use either page and per_page, or cursor and limit, not both",
                ));
            }
            let sort = sort.unwrap_or_else(C::default_sort);
            let (pagination, style) = if cursor.is_some() || limit.is_some() {
                (
                    Pagination::Cursor {
                        after: cursor,
                        limit: limit.unwrap_or(DEFAULT_PAGE_SIZE),
                    },
                    ListStyle::Envelope { page: None },
                )
            } else {
                let page = page.unwrap_or(1);
                let per_page = per_page.unwrap_or(DEFAULT_PAGE_SIZE);
                (
                    Pagination::Offset {
                        offset: (page - 1).saturating_mul(per_page),
                        limit: per_page,
                    },
                    ListStyle::Envelope { page: Some(page) },
                )
            };
            Ok(ListRequest {
                query: ListQuery {
                    filter,
                    sort,
                    page: pagination,
                },
                style,
                options,
            })
        }
        Style::JsonServer => {
            let (mut start, mut end, mut page, mut limit) = (None, None, None, None);
            let (mut sort_fields, mut orders): (Vec<String>, Vec<String>) =
                (Vec::new(), Vec::new());
            for (name, value) in &pairs {
                match name.as_str() {
                    "_start" => start = Some(number(name, value)?),
                    "_end" => end = Some(number(name, value)?),
                    "_page" => page = Some(number(name, value)?.max(1)),
                    "_limit" => limit = Some(page_size(name, value)?),
                    "_sort" => sort_fields.extend(comma_list(value).map(str::to_owned)),
                    "_order" => orders.extend(comma_list(value).map(str::to_ascii_lowercase)),
                    _ if options.accept::<C>(name, value)? => {}
                    _ => apply_filter(&mut filter, name, value)?,
                }
            }
            let sort =
                json_server_sort::<C::Sort>(&sort_fields, &orders)?.unwrap_or_else(C::default_sort);
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
            Ok(ListRequest {
                query: ListQuery {
                    filter,
                    sort,
                    page: Pagination::Offset { offset, limit },
                },
                style: ListStyle::JsonServer,
                options,
            })
        }
        Style::SimpleRest => {
            let (mut offset, mut limit, mut sort) = (0, MAX_PAGE_SIZE, None);
            for (name, value) in &pairs {
                match name.as_str() {
                    "range" => {
                        let [first, last]: [u64; 2] =
                            serde_json::from_str(value).map_err(|_| {
                                AppError::bad_field(name, "must be a JSON pair [first, last]")
                            })?;
                        if last < first || last - first >= MAX_PAGE_SIZE {
                            return Err(AppError::bad_field(
                                name,
                                format!("must be [first, last] with at most {MAX_PAGE_SIZE} rows"),
                            ));
                        }
                        (offset, limit) = (first, last - first + 1);
                    }
                    "sort" => {
                        let [field, order]: [String; 2] =
                            serde_json::from_str(value).map_err(|_| {
                                AppError::bad_field(
                                    name,
                                    "must be a JSON pair [\"field\", \"ASC\"|\"DESC\"]",
                                )
                            })?;
                        sort =
                            json_server_sort::<C::Sort>(&[field], &[order.to_ascii_lowercase()])?;
                    }
                    "filter" => {
                        let object: serde_json::Map<String, Value> = serde_json::from_str(value)
                            .map_err(|_| AppError::bad_field(name, "must be a JSON object"))?;
                        for (key, value) in object {
                            if key == "id"
                                && let Some(ids) = ids
                            {
                                // `{"id": []}` asks for no rows, not for all of them.
                                ids(&mut filter).get_or_insert_with(Vec::new);
                            }
                            for text in filter_values(&key, value)? {
                                apply_filter(&mut filter, &key, &text)?;
                            }
                        }
                    }
                    _ if options.accept::<C>(name, value)? => {}
                    _ => apply_filter(&mut filter, name, value)?,
                }
            }
            Ok(ListRequest {
                query: ListQuery {
                    filter,
                    sort: sort.unwrap_or_else(C::default_sort),
                    page: Pagination::Offset { offset, limit },
                },
                style: ListStyle::SimpleRest { start: offset },
                options,
            })
        }
    }
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

    fn pairs(query: &str) -> Vec<(String, String)> {
        query_pairs(query).unwrap()
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
    fn timestamps_accept_rfc3339_and_dates() {
        assert_eq!(
            timestamp("t", "2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            timestamp("t", "2026-01-31T10:00:00+02:00")
                .unwrap()
                .to_rfc3339(),
            "2026-01-31T08:00:00+00:00"
        );
        assert!(timestamp("t", "31/01/2026").is_err());
    }
}
