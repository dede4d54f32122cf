//! The audit log (design §15): who did what, from where and when. Entries
//! come from two places: the account operations write theirs ([`record`]),
//! and every content event of the change log gets one, written with the
//! event in the same transaction ([`of_event`], at the commit of a
//! `WriteTx`). Where a request came from (its address and user agent)
//! travels with the request's task ([`within`], set by the HTTP layer), so
//! no layer in between passes it on. Secrets never go in.

use std::future::Future;

use chrono::{DateTime, Utc};
use entities::audit_event::{self, Column, Entity};
use entities::types::Named;
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::changes::{Event, now};
use crate::error::AppError;

/// The longest user agent kept, in characters.
const MAX_USER_AGENT: usize = 512;

tokio::task_local! {
    static ORIGIN: Origin;
}

/// Where a request came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The peer's address.
    pub ip: Option<String>,
    /// Its `User-Agent`, cut to 512 characters.
    pub user_agent: Option<String>,
}

impl Origin {
    /// The origin of a request from `ip` that sent `user_agent`.
    pub fn new(ip: Option<String>, user_agent: Option<&str>) -> Self {
        Self {
            ip,
            user_agent: user_agent.map(|agent| agent.chars().take(MAX_USER_AGENT).collect()),
        }
    }
}

/// Runs `work` (a request's handling) with `origin` as where its entries
/// come from.
pub async fn within<F: Future>(origin: Origin, work: F) -> F::Output {
    ORIGIN.scope(origin, work).await
}

/// Where the current request came from (nothing outside a request: the
/// scheduler, a job, the command line).
fn origin() -> Origin {
    ORIGIN.try_with(Clone::clone).unwrap_or_default()
}

/// Who did it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Actor {
    /// Nobody known: the scheduler, a failed sign-in.
    #[default]
    Nobody,
    /// A signed-in user.
    User(Uuid),
    /// An API key.
    Key(Uuid),
}

/// One entry, as an operation tells it.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    /// What happened, `<object>.<verb>`: `auth.sign_in_failed`, `user.role_changed`…
    pub kind: &'a str,
    pub actor: Actor,
    /// Who it was about when no account is known (the e-mail address a
    /// failed sign-in gave).
    pub subject: Option<&'a str>,
    /// What it was done to: its kind and id.
    pub target: Option<(&'a str, Uuid)>,
    /// Details (never a secret).
    pub detail: Option<serde_json::Value>,
}

/// The row of an entry, stamped with the time and the request's origin.
fn row(entry: Entry<'_>) -> audit_event::ActiveModel {
    let origin = origin();
    let (actor_user, actor_key) = match entry.actor {
        Actor::Nobody => (None, None),
        Actor::User(id) => (Some(id), None),
        Actor::Key(id) => (None, Some(id)),
    };
    audit_event::ActiveModel {
        id: ActiveValue::Set(Uuid::now_v7()),
        at: ActiveValue::Set(now()),
        kind: ActiveValue::Set(entry.kind.to_owned()),
        actor_user: ActiveValue::Set(actor_user),
        actor_key: ActiveValue::Set(actor_key),
        subject: ActiveValue::Set(entry.subject.map(|s| s.chars().take(320).collect())),
        target_kind: ActiveValue::Set(entry.target.map(|(kind, _)| kind.to_owned())),
        target_id: ActiveValue::Set(entry.target.map(|(_, id)| id)),
        ip: ActiveValue::Set(origin.ip),
        user_agent: ActiveValue::Set(origin.user_agent),
        detail: ActiveValue::Set(entry.detail.map(|detail| detail.to_string())),
    }
}

/// Writes an entry now (on `conn`: a transaction's, to go with its work).
pub async fn record<C: ConnectionTrait>(conn: &C, entry: Entry<'_>) -> Result<(), AppError> {
    Entity::insert(row(entry))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The entry of a content event: `article.published`, `tag.deleted`…, by
/// the event's actor, from the current request.
pub(super) fn of_event(event: &Event<'_>) -> audit_event::ActiveModel {
    let kind = format!("{}.{}", event.entity.as_str(), event.verb.as_str());
    let detail = serde_json::json!({"version": event.version, "locale": event.locale});
    row(Entry {
        kind: &kind,
        actor: event.actor.map_or(Actor::Nobody, Actor::User),
        subject: None,
        target: Some((event.entity.as_str(), event.id)),
        detail: Some(detail),
    })
}

/// Forgets the entries older than `before`; how many went.
pub async fn prune<C: ConnectionTrait>(conn: &C, before: DateTime<Utc>) -> Result<u64, AppError> {
    let done = Entity::delete_many()
        .filter(Column::At.lt(before))
        .exec(conn)
        .await?;
    Ok(done.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_entry_carries_the_origin_of_its_request_and_nothing_outside_one() {
        let entry = || Entry {
            kind: "auth.signed_in",
            ..Entry::default()
        };
        let outside = row(entry());
        assert_eq!(outside.ip, ActiveValue::Set(None));
        let long = "a".repeat(2_000);
        let origin = Origin::new(Some("203.0.113.7".to_owned()), Some(&long));
        let inside = within(origin, async { row(entry()) }).await;
        assert_eq!(inside.ip, ActiveValue::Set(Some("203.0.113.7".to_owned())));
        let ActiveValue::Set(Some(agent)) = inside.user_agent else {
            panic!("no user agent");
        };
        assert_eq!(agent.chars().count(), MAX_USER_AGENT);
    }
}
