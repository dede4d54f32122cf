//! What authors and tags share: both are addressed by id or slug, listed by
//! the same filter, loaded in batches, and deleted only while no article
//! uses them.

use std::collections::HashMap;
use std::future::Future;

use entities::types::{ArticleCopy, ChangeKind, EntityKind, EventVerb};
use sea_orm::sea_query::{BinOper, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, Select,
};
use uuid::Uuid;

use super::history::{self, Versioned, Write};
use super::redirects::{self, Address};
use super::{Ctx, Key, localized, search, slug};
use crate::auth::Principal;
use crate::error::AppError;
use crate::storage::page::{Direction, ListQuery, Page, Sort, SortField, sort_fields};
use crate::storage::{Event, Slugged, WriteTx, record_event};

/// Declares the sort fields of the catalogue types, which sort alike.
macro_rules! catalog_sorts {
    ($( $(#[$doc:meta])* $name:ident for $entity:ident; )+) => {
        $(
            sort_fields! {
                $(#[$doc])*
                pub enum $name for $entity (id Id) {
                    Id = "id": Id(id) as Id,
                    Name = "name": Name(name) as Text,
                    Slug = "slug": Slug(slug) as Text,
                    CreatedAt = "created_at": CreatedAt(created_at) as Time,
                    UpdatedAt = "updated_at": UpdatedAt(updated_at) as Time,
                }
            }
        )+
    };
}

catalog_sorts! {
    /// Fields authors can be sorted by.
    AuthorSort for author;
    /// Fields tags can be sorted by.
    TagSort for tag;
}

/// An author or a tag, as the catalogue routes of both APIs use either.
pub trait Catalog: Versioned {
    /// Its sortable fields.
    type Sort: SortField;
    /// The name field, which lists that ask for no order sort by.
    const BY_NAME: Self::Sort;

    /// The order of lists that ask for none: by name.
    fn default_sort() -> Sort<Self::Sort> {
        Sort::from_keys(vec![(Self::BY_NAME, Direction::Asc)])
    }

    /// Creates one; its slug is generated from the name when not given.
    fn create(
        ctx: &Ctx,
        principal: &Principal,
        input: Self::Input,
    ) -> impl Future<Output = Result<Self, AppError>> + Send;

    /// One by id or slug.
    fn get(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
    ) -> impl Future<Output = Result<Self, AppError>> + Send;

    /// A page of them.
    fn list(
        ctx: &Ctx,
        principal: &Principal,
        query: &ListQuery<NameFilter, Self::Sort>,
    ) -> impl Future<Output = Result<Page<Self>, AppError>> + Send;

    /// Deletes one that no article uses (else 409).
    fn delete(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
    ) -> impl Future<Output = Result<(), AppError>> + Send;
}

/// Which authors or tags a list returns.
#[derive(Debug, Clone, Default)]
pub struct NameFilter {
    /// Only these ids (`None`: any; an empty list matches nothing).
    pub ids: Option<Vec<Uuid>>,
    /// Only this slug.
    pub slug: Option<String>,
    /// Name contains this text (case-insensitive for ASCII).
    pub q: Option<String>,
}

/// What the catalogue engine reads of a stored author or tag.
pub(crate) trait Row: Clone + Send + Sync + 'static {
    /// The id.
    fn id(&self) -> Uuid;
    /// The version (the number of writes).
    fn version(&self) -> i32;
    /// The slug.
    fn slug(&self) -> &str;
    /// The text search matches: the name with its names per locale, and
    /// the bio or description.
    fn indexed(&self) -> (String, Option<String>);
}

/// Both catalogue rows have the columns [`Row`] reads.
macro_rules! rows {
    ($($entity:ident: $about:ident),+) => {
        $(
            impl Row for entities::$entity::Model {
                fn id(&self) -> Uuid {
                    self.id
                }
                fn version(&self) -> i32 {
                    self.version
                }
                fn slug(&self) -> &str {
                    &self.slug
                }
                fn indexed(&self) -> (String, Option<String>) {
                    // A corrupt column is reported where the record is read.
                    let names = localized::from_column(self.names.as_deref(), ("names", self.id))
                        .unwrap_or_default();
                    (localized::joined(&self.name, &names), self.$about.clone())
                }
            }
        )+
    };
}

rows!(author: bio, tag: description);

/// A catalogue table: its slugged identity, the columns an
/// edit never writes, and the slug of a name without letters.
pub(crate) struct Table<E: EntityTrait> {
    /// What its rows are, in revisions, events and redirects.
    pub kind: EntityKind,
    pub store: Slugged<E>,
    /// Identity, creation, and columns written elsewhere (an author's user link).
    pub kept: &'static [E::Column],
    pub fallback: &'static str,
}

impl<E> Table<E>
where
    E: EntityTrait,
    E::Model: Row + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    /// The rows `filter` asks for; `q` goes through the search index.
    pub fn filtered(
        &self,
        ctx: &Ctx,
        filter: &NameFilter,
        kind: EntityKind,
    ) -> Result<Select<E>, AppError> {
        let mut select = E::find();
        if let Some(ids) = &filter.ids {
            select = select.filter(self.store.id.is_in(ids.clone()));
        }
        if let Some(slug) = &filter.slug {
            select = select.filter(self.store.slug.eq(slug.as_str()));
        }
        if let Some(q) = &filter.q {
            let copy = (ArticleCopy::Live, false);
            let (matching, values) = search::ids_matching(ctx, q, kind, copy)?;
            select = select.filter(Expr::col((E::default(), self.store.id)).binary(
                BinOper::In,
                Expr::cust_with_values(format!("({matching})"), values),
            ));
        }
        Ok(select)
    }

    /// Rows by id, in one statement, converted by `convert`.
    pub async fn load<C, T>(
        &self,
        conn: &C,
        ids: &[Uuid],
        convert: impl Fn(E::Model) -> Result<(Uuid, T), AppError>,
    ) -> Result<HashMap<Uuid, T>, AppError>
    where
        C: ConnectionTrait,
    {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        E::find()
            .filter(self.store.id.is_in(ids.to_vec()))
            .all(conn)
            .await?
            .into_iter()
            .map(convert)
            .collect()
    }

    /// The slug of a new row: the one given (409 when taken), or one made
    /// from its name.
    pub async fn new_slug<C: ConnectionTrait>(
        &self,
        conn: &C,
        given: Option<&String>,
        name: &str,
    ) -> Result<String, AppError> {
        let text = (name, self.fallback);
        slug::for_new(conn, &self.store, given, text, Condition::all()).await
    }

    /// The slug of an edited row: the one given when it changes (409 when
    /// taken; the former one then redirects to the row), else the current one.
    pub async fn edit_slug<C: ConnectionTrait>(
        &self,
        conn: &C,
        given: Option<&String>,
        current: &E::Model,
    ) -> Result<String, AppError> {
        let (former, id) = (current.slug(), current.id());
        let slug = slug::for_edit(conn, &self.store, given, former, id, Condition::all()).await?;
        let address = |slug| Address { scope: "", slug };
        redirects::moved(conn, (self.kind, id), address(former), address(&slug)).await?;
        Ok(slug)
    }

    /// The row `key` names, for a read: a former slug is a 301 to the
    /// row's current one (design §15).
    pub async fn find_or_moved<C: ConnectionTrait>(
        &self,
        conn: &C,
        key: &Key,
    ) -> Result<E::Model, AppError> {
        let found = self.store.find(conn, key, false).await;
        let (Err(AppError::NotFound { .. }), Key::Slug { slug, .. }) = (&found, key) else {
            return found;
        };
        let Some(id) = redirects::follow(conn, self.kind, (slug, Some("")), &[]).await? else {
            return found;
        };
        let row = self.store.find(conn, &Key::Id(id), false).await?;
        Err(AppError::Moved {
            id,
            slug: row.slug().to_owned(),
        })
    }

    /// Inserts a new row (version 1) with its history.
    pub async fn insert<T: Versioned>(
        &self,
        tx: &WriteTx,
        row: &E::Model,
        snapshot: &T::Snapshot,
        note: Note<'_>,
    ) -> Result<(), AppError> {
        let written = E::insert(row.clone().into_active_model())
            .exec_without_returning(&**tx)
            .await;
        let write = self.write(row, snapshot, note, ChangeKind::Create);
        history::record_write::<T>(tx, written, || self.taken(row), write).await?;
        let (name, about) = row.indexed();
        let now = search::index::Fts::Now;
        search::index::catalog(tx, (T::KIND, row.id()), &name, about.as_deref(), now).await
    }

    /// Writes an edited row over the stored one (all but the kept columns)
    /// with its history.
    pub async fn overwrite<T: Versioned>(
        &self,
        tx: &WriteTx,
        row: &E::Model,
        snapshot: &T::Snapshot,
        note: Note<'_>,
    ) -> Result<(), AppError> {
        let mut active = row.clone().into_active_model().reset_all();
        for column in self.kept {
            active.not_set(*column);
        }
        let written = E::update_many()
            .set(active)
            .filter(self.store.id.eq(row.id()))
            .exec(&**tx)
            .await
            .map(|done| done.rows_affected);
        let write = self.write(row, snapshot, note, ChangeKind::Update);
        let rows = history::record_write::<T>(tx, written, || self.taken(row), write).await?;
        if rows == 0 {
            // The row is locked by this transaction: it cannot have gone.
            return Err(AppError::Internal(anyhow::anyhow!(
                "{} {} went away under its lock",
                T::KIND,
                row.id()
            )));
        }
        let (name, about) = row.indexed();
        let now = search::index::Fts::Now;
        search::index::catalog(tx, (T::KIND, row.id()), &name, about.as_deref(), now).await
    }

    /// Deletes the row `key` names (for user `who`) when `uses` (the links
    /// that point at it) finds none; else a 409 saying `what` they are.
    /// Either copy of an article counts, so no article changes behind its
    /// editors' backs.
    pub async fn delete_unused<T: Versioned, L>(
        &self,
        tx: &WriteTx,
        (key, who): (&Key, Option<Uuid>),
        uses: impl FnOnce(Uuid) -> Select<L>,
        what: impl FnOnce(u64) -> String,
    ) -> Result<(), AppError>
    where
        L: EntityTrait,
        L::Model: Send + Sync,
    {
        let conn: &sea_orm::DatabaseTransaction = tx;
        let row = self.store.find(conn, key, true).await?;
        let count = uses(row.id()).count(conn).await?;
        if count > 0 {
            return Err(AppError::Conflict {
                detail: what(count),
                errors: Vec::new(),
            });
        }
        E::delete_many()
            .filter(self.store.id.eq(row.id()))
            .exec(conn)
            .await?;
        search::index::remove(tx, row.id(), None).await?;
        redirects::forget(conn, self.kind, row.id()).await?;
        let event = Event {
            entity: T::KIND,
            id: row.id(),
            action: ChangeKind::Delete,
            verb: EventVerb::Deleted,
            version: row.version(),
            locale: None,
            previous_locale: None,
            actor: who,
            public: T::LIVE_WRITES,
        };
        record_event(tx, event);
        Ok(())
    }

    fn write<'a, S>(
        &self,
        row: &E::Model,
        snapshot: &'a S,
        note: Note<'a>,
        change: ChangeKind,
    ) -> Write<'a, S> {
        Write {
            id: row.id(),
            version: row.version(),
            snapshot,
            message: note.message,
            who: note.who,
            change,
            locale: None,
            previous_locale: None,
            public: true,
        }
    }

    fn taken(&self, row: &E::Model) -> AppError {
        self.store.slug_taken(row.slug())
    }
}

/// Who made a write, and the message they gave it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Note<'a> {
    pub message: Option<&'a str>,
    pub who: Option<Uuid>,
}
