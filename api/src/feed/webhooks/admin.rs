//! Managing webhooks (admins): create with a secret shown once, read, change,
//! delete, rotate the secret, ping, read the delivery log, replay.

use chrono::Duration;
use entities::types::{DeliveryStatus, PayloadKind};
use entities::{webhook, webhook_delivery};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::payload::{self, Objects};
use super::{
    Delivery, Webhook, check_locales, check_patterns, deliveries_of, insert_all, pending, sign,
};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::validate::{self, Errors};
use crate::content::{Choice, Named, Patch};
use crate::error::AppError;
use crate::feed::Feed;
use crate::feed::events::{self, EventFilter, PRUNED};
use crate::identity::audit_log::{Entry, actor_of};
use crate::net::guard;
use crate::storage::page::{self, Direction, ListQuery, Page, Sort, sort_fields};
use crate::storage::{audit_log, now};

/// How long the secret before a rotation keeps signing.
const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Longest description.
const MAX_DESCRIPTION: usize = 500;
/// Events replayed at most by one request.
const MAX_REPLAY: u64 = 10_000;

/// A webhook with its new secret, shown this once.
#[derive(Debug, Clone)]
pub struct Created {
    pub webhook: Webhook,
    pub secret: String,
}

/// What a create or an update takes; on create, `url` is required and the
/// rest defaults to every event, full payloads, enabled.
#[derive(Debug, Clone, Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub description: Patch<String>,
    pub events: Option<Vec<String>>,
    /// `null` (or absent on create): every locale.
    pub locales: Patch<Vec<String>>,
    pub payload: Option<Choice<PayloadKind>>,
    /// Enabling again clears the reason it was disabled; events that
    /// happened meanwhile are not sent (replay them by sequence number).
    pub enabled: Option<bool>,
}

sort_fields! {
    /// Webhooks are listed oldest first.
    pub enum WebhookSort for webhook (id Id) {
        Id = "id": Id(id) as Id,
        CreatedAt = "created_at": CreatedAt(created_at) as Time,
    }
}

sort_fields! {
    /// Deliveries are listed newest first.
    pub enum DeliverySort for webhook_delivery (id Id) {
        Id = "id": Id(id) as Id,
    }
}

/// Which deliveries to list.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only these ids.
    pub ids: Option<Vec<Uuid>>,
    /// Only in this state.
    pub status: Option<DeliveryStatus>,
}

impl WebhookSort {
    /// Oldest first.
    pub fn default_sort() -> Sort<Self> {
        Sort::from_keys(vec![(Self::Id, Direction::Asc)])
    }
}

impl DeliverySort {
    /// Newest first.
    pub fn default_sort() -> Sort<Self> {
        Sort::from_keys(vec![(Self::Id, Direction::Desc)])
    }
}

/// The checked values of an input over `current` (none on create).
async fn resolve(
    feed: &Feed,
    input: WebhookInput,
    current: Option<&webhook::Model>,
) -> Result<webhook::Model, AppError> {
    let mut errors = Errors::default();
    let at = now();
    let mut row = match current {
        Some(row) => row.clone(),
        None => webhook::Model {
            id: Uuid::now_v7(),
            url: String::new(),
            description: None,
            events: "[\"*\"]".to_owned(),
            locales: None,
            payload: PayloadKind::Full,
            enabled: true,
            disabled_reason: None,
            secret: String::new(),
            previous_secret: None,
            previous_secret_until: None,
            cursor_seq: 0,
            version: 0,
            created_at: at,
            updated_at: at,
            created_by: None,
        },
    };
    match input.url {
        Some(url) => match guard::check_url(
            &url,
            feed.settings.allow_private,
            "MASTHEAD_WEBHOOK_ALLOW_PRIVATE",
        )
        .await
        {
            Ok(_) if url.len() > 2048 => errors.push("url", "must be at most 2048 bytes"),
            Ok(_) => row.url = url,
            Err(reason) => errors.push("url", reason),
        },
        None if current.is_none() => errors.push("url", "is required"),
        None => {}
    }
    errors.optional_text("description", input.description.value(), MAX_DESCRIPTION);
    row.description = input.description.apply(row.description);
    if let Some(patterns) = input.events {
        errors.check("events", check_patterns(&patterns));
        row.events = serde_json::to_string(&patterns).unwrap_or_default();
    }
    match input.locales {
        Patch::Missing => {}
        Patch::Null => row.locales = None,
        Patch::Value(locales) => match check_locales(&locales) {
            Ok(locales) if locales.is_empty() => {
                errors.push("filter.locales", "must name a locale, or be null for all");
            }
            Ok(locales) => row.locales = Some(serde_json::to_string(&locales).unwrap_or_default()),
            Err(reason) => errors.push("filter.locales", reason),
        },
    }
    match input.payload {
        None => {}
        Some(Choice::Known(payload)) => row.payload = payload,
        Some(Choice::Unknown(_)) => {
            errors.push(
                "payload",
                format!("must be one of {}", PayloadKind::names()),
            );
        }
    }
    if let Some(enabled) = input.enabled {
        if enabled && !row.enabled {
            row.disabled_reason = None;
        }
        row.enabled = enabled;
    }
    errors.finish()?;
    row.updated_at = at;
    row.version += 1;
    Ok(row)
}

/// A webhook's address as the audit log keeps it: without the user
/// information or query that may carry a credential.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        Err(_) => String::new(),
    }
}

/// The audit entry of a change `principal` made to webhook `id`.
fn noted<'a>(
    kind: &'a str,
    principal: &Principal,
    id: Uuid,
    detail: Option<serde_json::Value>,
) -> Entry<'a> {
    Entry {
        kind,
        actor: actor_of(principal),
        target: Some(("webhook", id)),
        detail,
        ..Entry::default()
    }
}

/// Creates a webhook; its secret is in the answer and never shown again.
/// It is told about events from now on.
pub async fn create(
    feed: &Feed,
    principal: &Principal,
    input: WebhookInput,
) -> Result<Created, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    let mut row = resolve(feed, input, None).await?;
    let secret = sign::new_secret()?;
    row.secret.clone_from(&secret);
    row.created_by = principal.user_id();
    let tx = feed.ctx.begin_write().await?;
    row.cursor_seq = events::last_seq(&*tx).await?;
    webhook::Entity::insert(webhook::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await?;
    let entry = noted(
        "webhook.created",
        principal,
        row.id,
        Some(json!({"url": shown(&row.url)})),
    );
    audit_log::record(&*tx, entry).await?;
    tx.commit().await?;
    Ok(Created {
        webhook: Webhook::of(&row)?,
        secret,
    })
}

async fn find<C: sea_orm::ConnectionTrait>(conn: &C, id: Uuid) -> Result<webhook::Model, AppError> {
    webhook::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("webhook"))
}

/// One webhook.
pub async fn get(feed: &Feed, principal: &Principal, id: Uuid) -> Result<Webhook, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    Webhook::of(&find(feed.ctx.db.conn(), id).await?)
}

/// A page of webhooks.
pub async fn list(
    feed: &Feed,
    principal: &Principal,
    query: &ListQuery<Option<Vec<Uuid>>, WebhookSort>,
) -> Result<Page<Webhook>, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    let mut select = webhook::Entity::find();
    if let Some(ids) = &query.filter {
        select = select.filter(webhook::Column::Id.is_in(ids.clone()));
    }
    let page = page::fetch(feed.ctx.db.conn(), select, None, &query.sort, &query.page).await?;
    page.try_map(|row| Webhook::of(&row))
}

/// Changes a webhook (412 when `expected_version` is not current). Enabled
/// again, it goes on from the events of now.
pub async fn update(
    feed: &Feed,
    principal: &Principal,
    id: Uuid,
    input: WebhookInput,
    expected_version: Option<i32>,
) -> Result<Webhook, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    let current = find(feed.ctx.db.conn(), id).await?;
    validate::check_version(expected_version, current.version)?;
    let mut row = resolve(feed, input, Some(&current)).await?;
    let tx = feed.ctx.begin_write().await?;
    if row.enabled && !current.enabled {
        row.cursor_seq = events::last_seq(&*tx).await?;
    }
    let mut active = row.clone().into_active_model().reset_all();
    active.secret = ActiveValue::NotSet;
    active.previous_secret = ActiveValue::NotSet;
    active.previous_secret_until = ActiveValue::NotSet;
    active.created_at = ActiveValue::NotSet;
    active.created_by = ActiveValue::NotSet;
    if row.enabled == current.enabled {
        // The dispatcher moves it meanwhile.
        active.cursor_seq = ActiveValue::NotSet;
    }
    let written = webhook::Entity::update_many()
        .set(active)
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::Version.eq(current.version))
        .exec(&*tx)
        .await?;
    if written.rows_affected == 0 {
        let now_current = find(&*tx, id).await?.version;
        return Err(AppError::VersionConflict {
            current: now_current,
        });
    }
    let entry = noted(
        "webhook.updated",
        principal,
        id,
        Some(json!({"url": shown(&row.url), "enabled": row.enabled})),
    );
    audit_log::record(&*tx, entry).await?;
    tx.commit().await?;
    Webhook::of(&row)
}

/// Deletes a webhook with its delivery log.
pub async fn delete(feed: &Feed, principal: &Principal, id: Uuid) -> Result<(), AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    let tx = feed.ctx.begin_write().await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(id))
        .exec(&*tx)
        .await?;
    let deleted = webhook::Entity::delete_by_id(id).exec(&*tx).await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("webhook"));
    }
    let entry = noted("webhook.deleted", principal, id, None);
    audit_log::record(&*tx, entry).await?;
    tx.commit().await
}

/// Gives a webhook a new secret, shown this once; the old one keeps signing
/// beside it for 24 hours, so receivers can switch without losing a delivery.
pub async fn rotate_secret(
    feed: &Feed,
    principal: &Principal,
    id: Uuid,
) -> Result<Created, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    let secret = sign::new_secret()?;
    let tx = feed.ctx.begin_write().await?;
    let mut row = find(&*tx, id).await?;
    let until = now() + Duration::hours(ROTATION_OVERLAP_HOURS);
    let rotated = webhook::Entity::update_many()
        .col_expr(
            webhook::Column::PreviousSecret,
            Expr::value(row.secret.clone()),
        )
        .col_expr(webhook::Column::PreviousSecretUntil, Expr::value(until))
        .col_expr(webhook::Column::Secret, Expr::value(secret.clone()))
        .col_expr(webhook::Column::Version, Expr::value(row.version + 1))
        .col_expr(webhook::Column::UpdatedAt, Expr::value(now()))
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::Version.eq(row.version))
        .exec(&*tx)
        .await?;
    if rotated.rows_affected == 0 {
        return Err(AppError::Conflict {
            detail: "the webhook changed meanwhile (another rotation?); rotate again".to_owned(),
            errors: Vec::new(),
        });
    }
    let entry = noted("webhook.secret_rotated", principal, id, None);
    audit_log::record(&*tx, entry).await?;
    tx.commit().await?;
    row.previous_secret_until = Some(until);
    row.version += 1;
    Ok(Created {
        webhook: Webhook::of(&row)?,
        secret,
    })
}

/// Queues a `ping` to the webhook, due now.
pub async fn test(feed: &Feed, principal: &Principal, id: Uuid) -> Result<Delivery, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    let row = find(feed.ctx.db.conn(), id).await?;
    let delivery = pending(
        row.id,
        None,
        "ping".to_owned(),
        payload::ping_body(row.id),
        None,
    );
    insert(feed, vec![delivery.clone()]).await?;
    Ok(delivery.into())
}

async fn insert(feed: &Feed, deliveries: Vec<webhook_delivery::Model>) -> Result<(), AppError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let tx = feed.ctx.begin_write().await?;
    insert_all(&tx, deliveries).await?;
    tx.commit().await
}

/// A page of a webhook's deliveries, newest first.
pub async fn deliveries(
    feed: &Feed,
    principal: &Principal,
    webhook_id: Uuid,
    query: &ListQuery<DeliveryFilter, DeliverySort>,
) -> Result<Page<Delivery>, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    find(feed.ctx.db.conn(), webhook_id).await?;
    let mut select =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
    if let Some(ids) = &query.filter.ids {
        select = select.filter(webhook_delivery::Column::Id.is_in(ids.clone()));
    }
    if let Some(status) = query.filter.status {
        select = select.filter(webhook_delivery::Column::Status.eq(status));
    }
    let page = page::fetch(feed.ctx.db.conn(), select, None, &query.sort, &query.page).await?;
    Ok(page.map(Delivery::from))
}

/// Sends a delivery again, as a new delivery (with its own `webhook-id`)
/// carrying the same body.
pub async fn replay_delivery(
    feed: &Feed,
    principal: &Principal,
    webhook_id: Uuid,
    delivery_id: Uuid,
) -> Result<Delivery, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    let original = webhook_delivery::Entity::find_by_id(delivery_id)
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .one(feed.ctx.db.conn())
        .await?
        .ok_or_else(|| AppError::not_found("delivery"))?;
    let delivery = pending(
        webhook_id,
        original.seq,
        original.event_type,
        original.body,
        Some(original.id),
    );
    insert(feed, vec![delivery.clone()]).await?;
    Ok(delivery.into())
}

/// Sends again every event after `since_seq` the webhook wants (up to
/// where it has got), as new deliveries made now; returns how many.
pub async fn replay_since(
    feed: &Feed,
    principal: &Principal,
    webhook_id: Uuid,
    since_seq: i64,
    objects: &dyn Objects,
) -> Result<u64, AppError> {
    feed.ctx.require(principal, Action::ManageWebhooks)?;
    let conn = feed.ctx.db.conn();
    let row = find(conn, webhook_id).await?;
    let hook = Webhook::of(&row)?;
    let pruned = events::mark(conn, PRUNED).await?;
    if since_seq < pruned {
        return Err(AppError::invalid(
            "since_seq",
            format!("events up to {pruned} are no longer kept; replay from {pruned} or later"),
        ));
    }
    let mut deliveries = Vec::new();
    let mut position = since_seq;
    loop {
        let batch = events::after(conn, position, &EventFilter::default(), 500).await?;
        let Some(last) = batch.last() else { break };
        position = last.seq;
        deliveries.extend(deliveries_of(&hook, &batch, row.cursor_seq, objects).await?);
        if position >= row.cursor_seq || deliveries.len() as u64 >= MAX_REPLAY {
            break;
        }
    }
    let count = deliveries.len() as u64;
    insert(feed, deliveries).await?;
    Ok(count)
}
