//! Query-string parsing for reads and lists: pagination (page numbers,
//! cursors, and the json-server and ra-data-simple-rest conventions of admin
//! UIs, see [`conventions`]), sorting, filters, `fields=`, `include=` and
//! `formats=`.

mod conventions;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::respond::{ListAnswer, ListStyle};
use crate::content::page::{ListQuery, MAX_PAGE_SIZE, Sort, SortField};
use crate::content::validate;
use crate::error::AppError;
use crate::http::query;

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
    /// True when a single-item read may carry a preview link's `preview_token`.
    const SHAREABLE: bool = false;
    /// True when `q=` searches the collection.
    const SEARCHABLE: bool = false;
    /// Filters that take one of a closed set of names, with the names.
    fn enums() -> Vec<(&'static str, Vec<&'static str>)> {
        Vec::new()
    }
    /// The order when none is asked for.
    fn default_sort() -> Sort<Self::Sort>;
    /// Applies one filter parameter; `Ok(false)` when `name` is not a filter.
    fn filter(filter: &mut Self::Filter, name: &str, value: &str) -> Result<bool, AppError>;
}

/// What a collection's `fields`, `sort`, `include` and `formats` accept,
/// for the OpenAPI document (`app::openapi` turns it into patterns).
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// Names `fields=` takes.
    pub fields: &'static [&'static str],
    /// Names `sort=` takes (each may start with `-` or `+`).
    pub sorts: Vec<&'static str>,
    /// Names `include=` takes.
    pub includes: &'static [&'static str],
    /// Names `formats=` takes.
    pub formats: &'static [&'static str],
    /// Whether the operation takes `q` (a search; for media, the quality).
    pub takes_q: bool,
    /// Parameters that take one of a closed set of values.
    pub enums: Vec<(&'static str, Vec<serde_json::Value>)>,
}

impl Vocabulary {
    /// The vocabulary of collection `C`.
    pub fn of<C: Collection>() -> Self {
        Self {
            fields: C::FIELDS,
            sorts: <C::Sort as SortField>::ALL
                .iter()
                .map(|f| f.name())
                .collect(),
            includes: C::INCLUDES,
            formats: C::FORMATS,
            takes_q: C::SEARCHABLE,
            enums: C::enums()
                .into_iter()
                .map(|(name, values)| (name, values.into_iter().map(Into::into).collect()))
                .collect(),
        }
    }
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
    /// The locale a read asks for (`auto`: the best of `Accept-Language`).
    pub locale: Option<String>,
    /// `fallback=false`: answer in the asked-for locale or not at all.
    pub fallback: Option<bool>,
    /// `preview=true|false`, when given.
    pub preview: Option<bool>,
    /// The token of a preview link (single-item reads of articles).
    pub preview_token: Option<String>,
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

    pub(super) fn accept<C: Collection>(
        &mut self,
        name: &str,
        value: &str,
    ) -> Result<bool, AppError> {
        match name {
            "fields" => {
                let mut fields = Vec::new();
                for field in names("fields", value)? {
                    if !C::FIELDS.contains(&field) {
                        return Err(AppError::bad_field(
                            "fields",
                            format!("unknown field `{field}`; fields: {}", C::FIELDS.join(", ")),
                        ));
                    }
                    fields.push(field.to_owned());
                }
                if fields.is_empty() {
                    return Err(AppError::bad_field(
                        "fields",
                        format!("name at least one field: {}", C::FIELDS.join(", ")),
                    ));
                }
                self.fields = Some(fields);
            }
            "include" => self.include = pick("include", value, C::INCLUDES)?,
            "formats" => self.formats = pick("formats", value, C::FORMATS)?,
            "preview" if C::PREVIEWABLE => {
                self.preview = Some(match value {
                    "1" => true,
                    "0" => false,
                    _ => query::boolean("preview", value)?,
                });
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A json-server list (`_sort=title, id`): spaces and empty items are skipped.
pub(super) fn comma_list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty())
}

/// A list of names as the OpenAPI document's patterns state it: separated
/// by commas, nothing empty, no spaces.
fn names<'a>(param: &str, value: &'a str) -> Result<Vec<&'a str>, AppError> {
    let names: Vec<&str> = value.split(',').collect();
    if names.iter().any(|n| n.is_empty() || n.trim() != *n) {
        return Err(AppError::bad_field(
            param,
            "must be names separated by commas, without spaces or empty items",
        ));
    }
    Ok(names)
}

fn pick(
    param: &str,
    value: &str,
    allowed: &'static [&'static str],
) -> Result<Vec<&'static str>, AppError> {
    names(param, value)?
        .into_iter()
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

/// Parses the query string of a single-item read.
pub fn read_options<C: Collection>(query_string: &str) -> Result<ReadOptions, AppError> {
    let mut options = ReadOptions::default();
    for (name, value) in query::pairs(query_string)? {
        if name == "locale" && C::LOCALIZED {
            let locale = if value == "auto" {
                value
            } else {
                validate::locale_filter(&value).map_err(|m| AppError::bad_field("locale", m))?
            };
            options.locale = Some(locale);
        } else if name == "fallback" && C::LOCALIZED {
            options.fallback = Some(query::boolean("fallback", &value)?);
        } else if name == "preview_token" && C::SHAREABLE {
            options.preview_token = Some(value);
        } else if !options.accept::<C>(&name, &value)? {
            return Err(query::unknown(&name));
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

impl<C: Collection> ListRequest<C> {
    /// How to answer the request: its style, page size and field set.
    pub fn answer(&self) -> ListAnswer<'_> {
        ListAnswer {
            resource: C::NAME,
            style: self.style.clone(),
            limit: self.query.page.limit(),
            fields: self.options.fields.as_deref(),
        }
    }
}

/// Parses a number parameter.
pub fn number(name: &str, value: &str) -> Result<u64, AppError> {
    value
        .trim()
        .parse::<u64>()
        .map_err(|_| AppError::bad_field(name, "must be a whole number of 0 or more"))
}

pub(super) fn page_size(name: &str, value: &str) -> Result<u64, AppError> {
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

pub(super) fn sort_param<S: SortField>(name: &str, text: &str) -> Result<Sort<S>, AppError> {
    Sort::parse(text).map_err(|message| AppError::bad_field(name, message))
}

/// Where a collection's filter keeps the ids of `id=` (json-server's "get many").
pub type IdsOf<C> = fn(&mut <C as Collection>::Filter) -> &mut Option<Vec<Uuid>>;

/// Parses the query string of a list request in any of the three
/// conventions (see [`conventions`]).
pub fn list_request<C: Collection>(
    query_string: &str,
    ids: Option<IdsOf<C>>,
) -> Result<ListRequest<C>, AppError> {
    let pairs = query::pairs(query_string)?;
    let mut repeats: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
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
    conventions::parse(&pairs, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

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
