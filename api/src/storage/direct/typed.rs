//! Rows read straight into the entities' models.
//!
//! Through the proxy, each row becomes a map from column names to values,
//! and sea-orm then looks every field up by name and copies its value out:
//! at 100,000 articles that was a third of a list's time. Here a select's
//! columns are matched with the entity's once per statement, and each row's
//! values go into a model in column order, each read once and moved once.
//! The values are the ones the proxy makes ([`super::read`]), so both ways
//! give the same models.

use std::str::FromStr;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};
use sea_orm::sea_query::ColumnType;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, Statement, TryIntoModel, Value};
use uuid::Uuid;

use super::{Direct, bad, bind, read};

/// The id in result column `i`.
fn id_at(row: &Row<'_>, i: usize) -> Result<Uuid, rusqlite::Error> {
    match read(row.get_ref(i)?, Some(&ColumnType::Uuid))? {
        Value::Uuid(Some(id)) => Ok(id),
        _ => Err(bad(format!("result column {i} holds no id"))),
    }
}

/// Where one result column goes: a column of the first entity or of the
/// second (a select of two, whose columns sea-orm names `A_…` and `B_…`).
enum Slot<A: EntityTrait, B: EntityTrait> {
    First(usize, A::Column, ColumnType),
    Second(usize, B::Column, ColumnType),
}

/// The slots of a statement's result columns; a column no entity has is
/// refused (a model would come out without it).
fn layout<A: EntityTrait, B: EntityTrait>(
    names: &[&str],
    paired: bool,
) -> Result<Vec<Slot<A, B>>, rusqlite::Error> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let unknown = || bad(format!("the column `{name}` belongs to no model read here"));
            let first = if paired {
                name.strip_prefix("A_")
            } else {
                Some(*name)
            };
            if let Some(column) = first {
                let column = A::Column::from_str(column).map_err(|_| unknown())?;
                return Ok(Slot::First(
                    i,
                    column,
                    column.def().get_column_type().clone(),
                ));
            }
            let column = name
                .strip_prefix("B_")
                .and_then(|column| B::Column::from_str(column).ok())
                .ok_or_else(unknown)?;
            Ok(Slot::Second(
                i,
                column,
                column.def().get_column_type().clone(),
            ))
        })
        .collect()
}

fn model_of<E: EntityTrait>(model: E::ActiveModel) -> Result<E::Model, rusqlite::Error>
where
    E::ActiveModel: TryIntoModel<E::Model>,
{
    model
        .try_into_model()
        .map_err(|err: DbErr| bad(err.to_string()))
}

fn set<E: EntityTrait>(
    model: &mut E::ActiveModel,
    column: E::Column,
    value: sea_orm::Value,
) -> Result<(), rusqlite::Error> {
    model
        .try_set(column, value)
        .map_err(|err| bad(err.to_string()))
}

/// One row as a model of `A` and, when any of its columns holds a value, one of `B`.
fn pair<A, B>(
    row: &Row<'_>,
    slots: &[Slot<A, B>],
) -> Result<(A::Model, Option<B::Model>), rusqlite::Error>
where
    A: EntityTrait,
    B: EntityTrait,
    A::ActiveModel: TryIntoModel<A::Model>,
    B::ActiveModel: TryIntoModel<B::Model>,
{
    let mut first = <A::ActiveModel as ActiveModelTrait>::default();
    // The second model's values wait until it is known to be there: a
    // left join that found nothing gives NULL in every column, which its
    // required fields would refuse.
    let mut second = Vec::new();
    let mut found = false;
    for slot in slots {
        match slot {
            Slot::First(i, column, kind) => {
                set::<A>(&mut first, *column, read(row.get_ref(*i)?, Some(kind))?)?;
            }
            Slot::Second(i, column, kind) => {
                let value = row.get_ref(*i)?;
                found |= !matches!(value, ValueRef::Null);
                second.push((*column, read(value, Some(kind))?));
            }
        }
    }
    let second = if found {
        let mut model = <B::ActiveModel as ActiveModelTrait>::default();
        for (column, value) in second {
            set::<B>(&mut model, column, value)?;
        }
        Some(model_of::<B>(model)?)
    } else {
        None
    };
    Ok((model_of::<A>(first)?, second))
}

impl Direct {
    /// Runs `statement` (a select of `A`, or of `A` and `B` when `paired`)
    /// and reads its rows as models.
    #[allow(clippy::type_complexity)]
    fn decode<A, B>(
        &self,
        conn: &Connection,
        statement: &Statement,
        paired: bool,
    ) -> Result<Vec<(A::Model, Option<B::Model>)>, rusqlite::Error>
    where
        A: EntityTrait,
        B: EntityTrait,
        A::ActiveModel: TryIntoModel<A::Model>,
        B::ActiveModel: TryIntoModel<B::Model>,
    {
        let mut prepared = conn.prepare_cached(&statement.sql)?;
        bind(&mut prepared, statement)?;
        let names = prepared.column_names();
        let slots = layout::<A, B>(&names, paired)?;
        let mut rows = prepared.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(pair::<A, B>(row, &slots)?);
        }
        Ok(out)
    }

    /// The models of `E` a select of `E` reads.
    pub(in crate::storage) async fn models<E>(
        &self,
        statement: Statement,
    ) -> Result<Vec<E::Model>, DbErr>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        let rows = self
            .patiently(&statement, true, || {
                self.with(|conn| self.decode::<E, E>(conn, &statement, false))
            })
            .await?;
        Ok(rows.into_iter().map(|(model, _)| model).collect())
    }

    /// The pairs of ids a select of two uuid columns reads.
    pub(in crate::storage) async fn id_pairs(
        &self,
        statement: Statement,
    ) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
        self.patiently(&statement, true, || {
            self.with(|conn| {
                let mut prepared = conn.prepare_cached(&statement.sql)?;
                bind(&mut prepared, &statement)?;
                let mut rows = prepared.raw_query();
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push((id_at(row, 0)?, id_at(row, 1)?));
                }
                Ok(out)
            })
        })
        .await
    }

    /// The models a select of `A` and `B` (sea-orm's `SelectTwo`) reads.
    #[allow(clippy::type_complexity)]
    pub(in crate::storage) async fn model_pairs<A, B>(
        &self,
        statement: Statement,
    ) -> Result<Vec<(A::Model, Option<B::Model>)>, DbErr>
    where
        A: EntityTrait,
        B: EntityTrait,
        A::ActiveModel: TryIntoModel<A::Model>,
        B::ActiveModel: TryIntoModel<B::Model>,
    {
        self.patiently(&statement, true, || {
            self.with(|conn| self.decode::<A, B>(conn, &statement, true))
        })
        .await
    }
}
