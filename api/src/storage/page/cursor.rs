//! Cursors: the sort-key values of a row and the sort they were made for,
//! in opaque URL-safe text, and the keyset conditions that continue a list
//! after (or before) the row they name.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;
use sea_orm::sea_query::{Expr, ExprTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Direction, KeyKind, KeyValue, Sort, SortField};
use crate::error::AppError;

#[derive(Serialize, Deserialize)]
pub(super) struct CursorData {
    /// The sort order the cursor was made for.
    pub s: String,
    /// The sort-key values of the last row returned.
    pub v: Vec<KeyValue>,
}

pub(super) fn encode_cursor<F: SortField>(
    sort: &Sort<F>,
    row: &<F::Entity as EntityTrait>::Model,
) -> String {
    let data = CursorData {
        s: sort.to_param(),
        v: sort.keys.iter().map(|(f, _)| f.value_of(row)).collect(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap_or_default())
}

pub(super) fn decode_cursor<F: SortField>(
    sort: &Sort<F>,
    cursor: &str,
) -> Result<Vec<sea_orm::Value>, AppError> {
    // Any string is a well-formed opaque cursor; one this API did not issue
    // (or issued for another order) breaks a rule: 422.
    let bad = |why: &str| AppError::invalid("cursor", why.to_owned());
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad("is not a cursor returned by this API"))?;
    let data: CursorData =
        serde_json::from_slice(&bytes).map_err(|_| bad("is not a cursor returned by this API"))?;
    if data.s != sort.to_param() {
        return Err(bad(&format!(
            "was made for sort `{}`, not `{}`; keep the sort of the first page",
            data.s,
            sort.to_param()
        )));
    }
    if data.v.len() != sort.keys.len() {
        return Err(bad("is not a cursor returned by this API"));
    }
    sort.keys
        .iter()
        .zip(data.v)
        .map(|((field, _), value)| sql_value(field.kind(), field.nullable(), value))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad("is not a cursor returned by this API"))
}

fn sql_value(kind: KeyKind, nullable: bool, value: KeyValue) -> Option<sea_orm::Value> {
    Some(match (kind, value) {
        (_, KeyValue::Null) if nullable => return Some(null_of(kind)),
        (KeyKind::Int, KeyValue::Int(n)) => n.into(),
        (KeyKind::Text, KeyValue::Text(s)) => s.into(),
        (KeyKind::Time, KeyValue::Text(s)) => DateTime::parse_from_rfc3339(&s)
            .ok()?
            .with_timezone(&Utc)
            .into(),
        (KeyKind::Id, KeyValue::Text(s)) => Uuid::parse_str(&s).ok()?.into(),
        _ => return None,
    })
}

fn null_of(kind: KeyKind) -> sea_orm::Value {
    match kind {
        KeyKind::Int => sea_orm::Value::BigInt(None),
        KeyKind::Text => sea_orm::Value::String(None),
        KeyKind::Time => sea_orm::Value::ChronoDateTimeUtc(None),
        KeyKind::Id => sea_orm::Value::Uuid(None),
    }
}

fn is_null(value: &sea_orm::Value) -> bool {
    matches!(
        value,
        sea_orm::Value::BigInt(None)
            | sea_orm::Value::String(None)
            | sea_orm::Value::ChronoDateTimeUtc(None)
            | sea_orm::Value::Uuid(None)
    )
}

/// The keyset condition "row comes after the cursor row" for a sort whose
/// NULLs come last in both directions:
/// `k1 after v1 OR (k1 = v1 AND (k2 after v2 OR (k2 = v2 AND …)))`.
pub(super) fn after_condition<F: SortField>(sort: &Sort<F>, values: Vec<sea_orm::Value>) -> Expr {
    let mut condition: Option<Expr> = None;
    for ((field, direction), value) in sort.keys.iter().zip(values).rev() {
        let column = Expr::col((F::Entity::default(), field.column()));
        let (after, equal) = if is_null(&value) {
            // Nothing sorts after NULL but other NULLs with a later tie-breaker.
            (Expr::cust("1 = 0"), column.is_null())
        } else {
            let beyond = match direction {
                Direction::Asc => column.clone().gt(value.clone()),
                Direction::Desc => column.clone().lt(value.clone()),
            };
            let after = if field.nullable() {
                beyond.or(column.clone().is_null())
            } else {
                beyond
            };
            (after, column.eq(value))
        };
        condition = Some(match condition {
            None => after,
            Some(rest) => after.or(equal.and(rest)),
        });
    }
    condition.unwrap_or_else(|| Expr::cust("1 = 1"))
}

/// The keyset condition "row comes before the cursor row" in the same order
/// (NULLs last): `k1 before v1 OR (k1 = v1 AND (k2 before v2 OR …))`.
pub(super) fn before_condition<F: SortField>(sort: &Sort<F>, values: Vec<sea_orm::Value>) -> Expr {
    let mut condition: Option<Expr> = None;
    for ((field, direction), value) in sort.keys.iter().zip(values).rev() {
        let column = Expr::col((F::Entity::default(), field.column()));
        let (before, equal) = if is_null(&value) {
            // Every value comes before NULL.
            (column.clone().is_not_null(), column.is_null())
        } else {
            let before = match direction {
                Direction::Asc => column.clone().lt(value.clone()),
                Direction::Desc => column.clone().gt(value.clone()),
            };
            (before, column.eq(value))
        };
        condition = Some(match condition {
            None => before,
            Some(rest) => before.or(equal.and(rest)),
        });
    }
    condition.unwrap_or_else(|| Expr::cust("1 = 1"))
}
