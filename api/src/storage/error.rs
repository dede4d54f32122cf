//! The one place a database error gets a meaning: a unique or foreign-key
//! violation is a conflict, a busy or serialization failure is retryable,
//! anything else is internal.

use sea_orm::{DbErr, RuntimeErr, SqlErr};

use super::direct::{Refusal, refusal};
use crate::error::AppError;

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        let violation = match refusal(&err) {
            Some(Refusal::Unique) => Some(SqlErr::UniqueConstraintViolation(err.to_string())),
            Some(Refusal::ForeignKey) => {
                Some(SqlErr::ForeignKeyConstraintViolation(err.to_string()))
            }
            _ => err.sql_err(),
        };
        match violation {
            Some(SqlErr::UniqueConstraintViolation(constraint)) => {
                tracing::debug!(%constraint, "unique constraint violated");
                return Self::Conflict {
                    detail: "a value that must be unique is already taken".to_owned(),
                    errors: Vec::new(),
                };
            }
            Some(SqlErr::ForeignKeyConstraintViolation(constraint)) => {
                // A referenced row went away (or gained a reference) between
                // the check and the write, in a concurrent transaction.
                tracing::debug!(%constraint, "foreign key constraint violated");
                return Self::Conflict {
                    detail: "a related record changed at the same time; retry the request"
                        .to_owned(),
                    errors: Vec::new(),
                };
            }
            _ => {}
        }
        if is_busy(&err) {
            tracing::warn!(error = %err, "database busy");
            return Self::Unavailable;
        }
        Self::Internal(anyhow::Error::new(err))
    }
}

/// True when a unique constraint refused the statement.
pub fn is_unique_violation(err: &DbErr) -> bool {
    refusal(err) == Some(Refusal::Unique)
        || matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// True when the database refused the statement for a transient reason:
/// SQLite's busy/locked codes, PostgreSQL's serialization or deadlock
/// failures, or no pooled connection free in time.
pub fn is_busy(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error;
    if let Some(refused) = refusal(err) {
        return refused == Refusal::Busy;
    }
    let (DbErr::Exec(RuntimeErr::SqlxError(inner))
    | DbErr::Query(RuntimeErr::SqlxError(inner))
    | DbErr::Conn(RuntimeErr::SqlxError(inner))) = err
    else {
        return matches!(err, DbErr::ConnectionAcquire(_));
    };
    match &**inner {
        Error::PoolTimedOut => true,
        Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite primary codes 5 (BUSY) and 6 (LOCKED) with their extended forms.
            let sqlite_busy = code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
            sqlite_busy || code == "40001" || code == "40P01"
        }
        _ => false,
    }
}
