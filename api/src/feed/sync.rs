//! Delta sync: a client pages through everything it may read once (the
//! initial sync), then asks only for what changed since — the objects as
//! its reads show them now, and tombstones for those it can no longer see.
//! Cursors are opaque and sealed; one older than the kept log is refused
//! with 410, and the client starts over.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::events::{self, EventFilter, PRUNED};
use super::{Feed, FeedEvent};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::article::{self, Article, ArticleFilter, ArticleSort, Include, Read};
use crate::content::asset::{self, Asset, AssetFilter, AssetSort};
use crate::content::author::Author;
use crate::content::page::{Direction, ListQuery, Page, Pagination, Sort, SortField};
use crate::content::tag::Tag;
use crate::content::{Catalog, EntityKind, NameFilter, validate};
use crate::error::AppError;

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u64 = 100;
/// Largest page.
pub const MAX_LIMIT: u64 = 500;

/// The kinds a sync can carry, by their names in `types=`, in sync order.
const KINDS: [(&str, EntityKind); 4] = [
    ("articles", EntityKind::Article),
    ("authors", EntityKind::Author),
    ("tags", EntityKind::Tag),
    ("assets", EntityKind::Asset),
];

/// What a client asks for.
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    /// The `next_cursor` of the previous answer; none starts an initial sync.
    pub cursor: Option<String>,
    /// Kinds by name (`articles`, `authors`, `tags`, `assets`); none means all.
    pub types: Option<Vec<String>>,
    /// Articles in this locale only.
    pub locale: Option<String>,
    /// Items per page (1 to [`MAX_LIMIT`]).
    pub limit: Option<u64>,
}

/// One object, as the caller's reads show it.
#[derive(Debug, Clone)]
pub enum SyncItem {
    Article(Box<Article>),
    Author(Author),
    Tag(Tag),
    Asset(Asset),
}

impl SyncItem {
    /// Its kind.
    pub fn kind(&self) -> EntityKind {
        match self {
            Self::Article(_) => EntityKind::Article,
            Self::Author(_) => EntityKind::Author,
            Self::Tag(_) => EntityKind::Tag,
            Self::Asset(_) => EntityKind::Asset,
        }
    }

    fn id(&self) -> Uuid {
        match self {
            Self::Article(a) => a.id,
            Self::Author(a) => a.id,
            Self::Tag(t) => t.id,
            Self::Asset(a) => a.id,
        }
    }
}

/// Something the caller had and can no longer see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    pub kind: EntityKind,
    pub id: Uuid,
    /// When it went.
    pub at: DateTime<Utc>,
}

/// One answer.
#[derive(Debug, Clone)]
pub struct SyncPage {
    pub items: Vec<SyncItem>,
    pub deleted: Vec<Tombstone>,
    /// Where to go on from; kept for the next sync once `has_more` is false.
    pub next_cursor: String,
    /// More is ready now: ask again at once with `next_cursor`.
    pub has_more: bool,
}

/// Where a sync stands, sealed into its cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    /// Working copies (`true`) or live ones.
    w: bool,
    /// The kinds synced, by name.
    t: Vec<String>,
    /// The locale of articles synced.
    l: Option<String>,
    /// Changes after this event are the delta.
    s: i64,
    /// During the initial sync: the kind being paged (index in `t`) and
    /// the list cursor within it.
    i: Option<(usize, Option<String>)>,
}

/// One page of a sync for `principal`.
pub async fn sync(
    feed: &Feed,
    principal: &Principal,
    request: SyncRequest,
) -> Result<SyncPage, AppError> {
    let ctx = &feed.ctx;
    let working = reads_working(feed, principal)?;
    let limit = match request.limit {
        None => DEFAULT_LIMIT,
        Some(limit @ 1..=MAX_LIMIT) => limit,
        Some(_) => {
            return Err(AppError::bad_field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
    };
    let types = request.types.map(|t| kind_names(&t)).transpose()?;
    let locale = request
        .locale
        .map(|l| {
            validate::locale_filter(&l).map_err(|reason| AppError::bad_field("locale", reason))
        })
        .transpose()?;
    let position = match request.cursor {
        Some(cursor) => {
            let position = open(feed, &cursor, "cursor")?;
            check_same(&position, working, types.as_ref(), locale.as_ref())?;
            if position.s < events::mark(ctx.db.conn(), PRUNED).await? {
                return Err(AppError::ResyncRequired {
                    detail: format!(
                        "events up to the cursor's position {} were pruned",
                        position.s
                    ),
                });
            }
            position
        }
        None => Position {
            w: working,
            t: match types {
                Some(types) => types,
                None => kind_names_or_all(None)?,
            },
            l: locale,
            s: events::last_seq(ctx.db.conn()).await?,
            i: Some((0, None)),
        },
    };
    let reader = Reader {
        feed,
        principal,
        working,
        locale: position.l.clone(),
    };
    if position.i.is_some() {
        initial(&reader, position, limit).await
    } else {
        delta(&reader, position, limit).await
    }
}

/// Whether `principal` reads working copies (preview keys, signed-in
/// users) or live ones, after checking they may read at all.
pub(super) fn reads_working(feed: &Feed, principal: &Principal) -> Result<bool, AppError> {
    let working = feed.ctx.allows(principal, Action::ReadPreview);
    if !working {
        feed.ctx.require(principal, Action::ReadLive)?;
    }
    Ok(working)
}

/// The kinds `names` name (all when none), in sync order.
pub(super) fn kind_names_or_all(names: Option<&[String]>) -> Result<Vec<String>, AppError> {
    match names {
        Some(names) => kind_names(names),
        None => Ok(KINDS.iter().map(|(n, _)| (*n).to_owned()).collect()),
    }
}

/// The kinds of `names`.
pub(super) fn kinds_of(names: &[String]) -> Result<Vec<EntityKind>, AppError> {
    names.iter().map(|name| kind_of(name)).collect()
}

/// The position in the log a cursor of `working`'s reader holds (the
/// cursor given as `field`).
pub(super) fn position_in(
    feed: &Feed,
    cursor: &str,
    field: &str,
    working: bool,
) -> Result<i64, AppError> {
    let position = open(feed, cursor, field)?;
    check_same(&position, working, None, None)?;
    Ok(position.s)
}

/// A delta cursor at `seq` for a reader of `types`.
pub(super) fn cursor_at(feed: &Feed, working: bool, types: &[String], seq: i64) -> String {
    feed.cursors.seal(&Position {
        w: working,
        t: types.to_vec(),
        l: None,
        s: seq,
        i: None,
    })
}

/// The kinds `names` name, in sync order; 400 for an unknown one.
fn kind_names(names: &[String]) -> Result<Vec<String>, AppError> {
    let mut kinds = Vec::new();
    for name in names {
        if !KINDS.iter().any(|(n, _)| n == name) {
            let known: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
            return Err(AppError::bad_field(
                "types",
                format!("`{name}` is not one of {}", known.join(", ")),
            ));
        }
    }
    for (name, _) in KINDS {
        if names.iter().any(|n| n == name) {
            kinds.push(name.to_owned());
        }
    }
    if kinds.is_empty() {
        return Err(AppError::bad_field("types", "names no kind"));
    }
    Ok(kinds)
}

fn kind_of(name: &str) -> Result<EntityKind, AppError> {
    KINDS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, kind)| *kind)
        .ok_or_else(|| AppError::invalid("cursor", "is not a cursor of this server"))
}

/// The position sealed in `cursor`; a 422 on `field` for anything else.
fn open(feed: &Feed, cursor: &str, field: &str) -> Result<Position, AppError> {
    feed.cursors.open::<Position>(cursor).ok_or_else(|| {
        AppError::invalid(
            field,
            "is not a cursor of this server (send a next_cursor back unchanged)",
        )
    })
}

/// A cursor goes on with the request it was made for.
fn check_same(
    position: &Position,
    working: bool,
    types: Option<&Vec<String>>,
    locale: Option<&String>,
) -> Result<(), AppError> {
    if position.w != working {
        return Err(AppError::invalid(
            "cursor",
            "belongs to a reader who sees other copies; start a sync of your own",
        ));
    }
    if types.is_some_and(|t| *t != position.t) {
        return Err(AppError::invalid(
            "types",
            "differs from the sync the cursor belongs to; send the cursor alone",
        ));
    }
    if locale.is_some_and(|l| Some(l) != position.l.as_ref()) {
        return Err(AppError::invalid(
            "locale",
            "differs from the sync the cursor belongs to; send the cursor alone",
        ));
    }
    Ok(())
}

/// Reads objects as the caller does.
struct Reader<'a> {
    feed: &'a Feed,
    principal: &'a Principal,
    working: bool,
    locale: Option<String>,
}

impl Reader<'_> {
    /// A page of objects of `kind` by id, optionally only `ids`.
    async fn list(
        &self,
        kind: EntityKind,
        ids: Option<Vec<Uuid>>,
        page: Pagination,
    ) -> Result<Page<SyncItem>, AppError> {
        let ctx = &self.feed.ctx;
        Ok(match kind {
            EntityKind::Article => {
                let query = ListQuery {
                    filter: ArticleFilter {
                        ids,
                        locale: self.locale.clone(),
                        ..ArticleFilter::default()
                    },
                    sort: by_id::<ArticleSort>(),
                    page,
                };
                let read = Read {
                    include: Include::default(),
                    preview: Some(self.working),
                };
                article::list(ctx, self.principal, &query, read)
                    .await?
                    .map(|a| SyncItem::Article(Box::new(a)))
            }
            EntityKind::Author => Author::list(ctx, self.principal, &catalog_query(ids, page))
                .await?
                .map(SyncItem::Author),
            EntityKind::Tag => Tag::list(ctx, self.principal, &catalog_query(ids, page))
                .await?
                .map(SyncItem::Tag),
            EntityKind::Asset => {
                let query = ListQuery {
                    filter: AssetFilter {
                        ids,
                        ..AssetFilter::default()
                    },
                    sort: by_id::<AssetSort>(),
                    page,
                };
                asset::list(ctx, self.principal, &query)
                    .await?
                    .map(SyncItem::Asset)
            }
        })
    }
}

fn by_id<F: SortField>() -> Sort<F> {
    Sort::from_keys(vec![(F::ID, Direction::Asc)])
}

fn catalog_query<F: SortField>(
    ids: Option<Vec<Uuid>>,
    page: Pagination,
) -> ListQuery<NameFilter, F> {
    ListQuery {
        filter: NameFilter {
            ids,
            ..NameFilter::default()
        },
        sort: by_id::<F>(),
        page,
    }
}

/// A page of the initial sync: the next objects of the kind being paged,
/// then of the kinds after it while the page has room.
async fn initial(
    reader: &Reader<'_>,
    mut position: Position,
    limit: u64,
) -> Result<SyncPage, AppError> {
    let mut items = Vec::new();
    while let Some((index, after)) = position.i.take() {
        let room = limit - items.len() as u64;
        if room == 0 {
            position.i = Some((index, after));
            break;
        }
        let name = position
            .t
            .get(index)
            .ok_or_else(|| AppError::bad_field("cursor", "is not a cursor of this server"))?;
        let page = reader
            .list(
                kind_of(name)?,
                None,
                Pagination::Cursor { after, limit: room },
            )
            .await?;
        items.extend(page.items);
        position.i = match page.next_cursor {
            Some(next) if page.has_more => Some((index, Some(next))),
            _ if index + 1 < position.t.len() => Some((index + 1, None)),
            _ => None,
        };
    }
    let has_more = position.i.is_some();
    Ok(SyncPage {
        items,
        deleted: Vec::new(),
        next_cursor: reader.feed.cursors.seal(&position),
        has_more,
    })
}

/// A page of changes: each object changed after the cursor once, as it is
/// now, or a tombstone when the caller cannot see it any more.
async fn delta(
    reader: &Reader<'_>,
    mut position: Position,
    limit: u64,
) -> Result<SyncPage, AppError> {
    let conn = reader.feed.ctx.db.conn();
    let filter = EventFilter {
        kinds: kinds_of(&position.t)?,
        locale: position.l.clone(),
        public_only: !position.w,
    };
    // Events are numbered in commit order: all up to `last` can be read now.
    let last = events::last_seq(conn).await?;
    let mut events = events::after(conn, position.s, &filter, limit + 1).await?;
    let has_more = events.len() as u64 > limit;
    events.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    position.s = match events.last() {
        Some(event) if has_more => event.seq,
        _ => last.max(position.s),
    };
    let (items, deleted) = current(reader, &events).await?;
    Ok(SyncPage {
        items,
        deleted,
        next_cursor: reader.feed.cursors.seal(&position),
        has_more,
    })
}

/// Each entity `events` name once, in the order of its last event: as the
/// caller reads it now, or a tombstone when it cannot.
async fn current(
    reader: &Reader<'_>,
    events: &[FeedEvent],
) -> Result<(Vec<SyncItem>, Vec<Tombstone>), AppError> {
    let mut last: HashMap<(EntityKind, Uuid), usize> = HashMap::new();
    for (at, event) in events.iter().enumerate() {
        last.insert((event.entity, event.id), at);
    }
    let mut found: HashMap<(EntityKind, Uuid), SyncItem> = HashMap::new();
    for (_, kind) in KINDS {
        let ids: Vec<Uuid> = last.keys().filter(|k| k.0 == kind).map(|k| k.1).collect();
        if ids.is_empty() {
            continue;
        }
        let page = Pagination::Offset {
            offset: 0,
            limit: ids.len() as u64,
        };
        for item in reader.list(kind, Some(ids), page).await?.items {
            found.insert((kind, item.id()), item);
        }
    }
    let (mut items, mut deleted) = (Vec::new(), Vec::new());
    for (at, event) in events.iter().enumerate() {
        let key = (event.entity, event.id);
        if last.get(&key) != Some(&at) {
            continue;
        }
        match found.remove(&key) {
            Some(item) => items.push(item),
            None => deleted.push(Tombstone {
                kind: event.entity,
                id: event.id,
                at: event.at,
            }),
        }
    }
    Ok((items, deleted))
}
