//! Changes to SQLite's full-text indexes that wait for their group's commit.
//!
//! FTS5 gathers the words a transaction adds and takes out in memory, and
//! writes them out as a new segment of its index whenever a savepoint ends,
//! and whenever a row id is not above the last one it was given. Each
//! writer of a commit group works in a savepoint of its own (see
//! [`super::write`]), so moving a document's words as each writer goes
//! wrote one segment per writer and per index, and made FTS5 merge them
//! again and again: at 32 connections about an eighth of all the server's
//! time. The moves are kept instead, one per index and row id, and run in
//! row id order just before the group commits: one segment per index and
//! group, in the same transaction as the documents they index.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// One row of one index: the words to take out (with the text the index
/// holds) and the words to put in, each a single-row statement.
#[derive(Debug, Default)]
struct Move {
    out: Option<Statement>,
    put: Option<Statement>,
}

/// Index moves, at most one out and one in per index and row id.
#[derive(Debug, Default)]
pub struct Moves {
    rows: BTreeMap<(&'static str, i64), Move>,
}

impl Moves {
    /// Takes a row's words out of `index`; `statement` names the text the
    /// row has now, as the moves so far leave it. Words still waiting to go
    /// in are simply dropped; otherwise the index holds that text, and it is
    /// what goes out.
    pub fn take_out(&mut self, index: &'static str, rowid: i64, statement: Statement) {
        let row = self.rows.entry((index, rowid)).or_insert_with(|| Move {
            out: Some(statement),
            put: None,
        });
        row.put = None;
    }

    /// Puts a row's words into `index` (the row holds none now).
    pub fn put_in(&mut self, index: &'static str, rowid: i64, statement: Statement) {
        self.rows.entry((index, rowid)).or_default().put = Some(statement);
    }

    /// Adds the moves of a later writer.
    pub fn extend(&mut self, later: Moves) {
        for ((index, rowid), row) in later.rows {
            if let Some(out) = row.out {
                self.take_out(index, rowid, out);
            }
            if let Some(put) = row.put {
                self.put_in(index, rowid, put);
            }
        }
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Runs the moves, index by index in row id order, so that FTS5 writes
    /// each index's words out once.
    pub async fn run<C: ConnectionTrait>(self, conn: &C) -> Result<(), DbErr> {
        for row in self.rows.into_values() {
            if let Some(out) = row.out {
                conn.execute_raw(out).await?;
            }
            if let Some(put) = row.put {
                conn.execute_raw(put).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::DatabaseBackend;

    use super::*;

    fn statement(text: &str) -> Statement {
        Statement::from_string(DatabaseBackend::Sqlite, text)
    }

    fn plan(moves: &Moves) -> Vec<String> {
        moves
            .rows
            .values()
            .flat_map(|row| [&row.out, &row.put])
            .flatten()
            .map(|s| s.sql.clone())
            .collect()
    }

    #[test]
    fn a_row_edited_twice_takes_out_what_the_index_holds_and_puts_in_the_last_text() {
        let mut moves = Moves::default();
        moves.take_out("fts", 7, statement("out A"));
        moves.put_in("fts", 7, statement("in B"));
        moves.take_out("fts", 7, statement("out B"));
        moves.put_in("fts", 7, statement("in C"));
        assert_eq!(plan(&moves), ["out A", "in C"]);
    }

    #[test]
    fn a_row_put_in_then_taken_out_moves_nothing_but_keeps_an_earlier_out() {
        let mut moves = Moves::default();
        moves.put_in("fts", 3, statement("in A"));
        moves.take_out("fts", 3, statement("out A"));
        assert_eq!(plan(&moves), Vec::<String>::new());
        moves.take_out("fts", 4, statement("out X"));
        moves.put_in("fts", 4, statement("in Y"));
        moves.take_out("fts", 4, statement("out Y"));
        assert_eq!(plan(&moves), ["out X"]);
    }

    #[test]
    fn later_writers_extend_in_order_and_rows_run_by_index_then_row_id() {
        let mut group = Moves::default();
        group.take_out("fts", 9, statement("out 9 A"));
        group.put_in("fts", 9, statement("in 9 B"));
        let mut later = Moves::default();
        later.take_out("fts", 9, statement("out 9 B"));
        later.put_in("fts", 9, statement("in 9 C"));
        later.put_in("fts", 2, statement("in 2"));
        later.put_in("titles", 1, statement("titles in 1"));
        group.extend(later);
        assert_eq!(plan(&group), ["in 2", "out 9 A", "in 9 C", "titles in 1"]);
    }
}
