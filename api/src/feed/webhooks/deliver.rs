//! Delivery attempts. A process claims due deliveries (a lease, taken with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL and in the writer slot on SQLite),
//! so each attempt is made by one process; it posts the body signed with
//! the webhook's secrets, records the outcome, and schedules the next
//! attempt after a failure: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h,
//! 24 h (±10 %, times `MASTHEAD_WEBHOOK_RETRY_SCALE`), or when `Retry-After`
//! says on a 429 or 503. A 410 disables the endpoint, and so does a delivery
//! whose every attempt failed. A process that dies mid-attempt leaves a
//! lease that runs out, and the attempt is made again: at least once.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entities::types::DeliveryStatus;
use entities::{webhook, webhook_delivery};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};
use uuid::Uuid;

use super::sign;
use crate::auth::token::random_bytes;
use crate::error::AppError;
use crate::feed::Feed;
use crate::net::guard::{GuardedResolver, literal_refused};
use crate::storage::now;

/// Waits after the 1st, 2nd, … failed attempt, in seconds.
const SCHEDULE: [u64; 9] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];
/// Attempts of one delivery at most: the first and one per wait.
pub const MAX_ATTEMPTS: i32 = SCHEDULE.len() as i32 + 1;
/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How long a claim lasts: past it, another process may attempt again.
const LEASE: Duration = Duration::from_secs(60);
/// Bytes of an answer kept in the log.
const EXCERPT_BYTES: usize = 1024;
/// Deliveries claimed at a time.
pub const CLAIM_BATCH: u64 = 8;

/// The HTTP client of deliveries: no redirects, a 15 s limit, and the SSRF
/// guard between name resolution and connection.
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    /// A client for `feed`'s settings.
    pub fn new(feed: &Feed) -> anyhow::Result<Self> {
        let allow_private = feed.settings.allow_private;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, past the guard.
            .no_proxy()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .dns_resolver(GuardedResolver { allow_private }.shared())
            .user_agent(concat!("Masthead-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            allow_private,
        })
    }
}

/// A delivery claimed by this process, with its endpoint.
#[derive(Debug, Clone)]
pub struct Claimed {
    delivery: webhook_delivery::Model,
    hook: webhook::Model,
    token: Uuid,
}

/// Claims up to `limit` due deliveries of enabled webhooks.
pub async fn claim(feed: &Feed, limit: u64) -> Result<Vec<Claimed>, AppError> {
    let at = now();
    let enabled = webhook::Entity::find()
        .select_only()
        .column(webhook::Column::Id)
        .filter(webhook::Column::Enabled.eq(true))
        .into_query();
    let due = Condition::all()
        .add(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .add(webhook_delivery::Column::NextAttemptAt.lte(at))
        .add(
            Condition::any()
                .add(webhook_delivery::Column::ClaimedUntil.is_null())
                .add(webhook_delivery::Column::ClaimedUntil.lt(at)),
        )
        .add(webhook_delivery::Column::WebhookId.in_subquery(enabled));
    let conn = feed.ctx.db.conn();
    // Idle most of the time: ask before taking the writer slot.
    if webhook_delivery::Entity::find()
        .filter(due.clone())
        .one(conn)
        .await?
        .is_none()
    {
        return Ok(Vec::new());
    }
    let tx = feed.ctx.begin_write().await?;
    let mut query = webhook_delivery::Entity::find()
        .filter(due)
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(limit);
    if feed.ctx.db.backend() == DatabaseBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = query.all(&*tx).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let token = Uuid::now_v7();
    let until = at + chrono::Duration::from_std(LEASE).unwrap_or_default();
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::ClaimedUntil, Expr::value(until))
        .col_expr(webhook_delivery::Column::ClaimToken, Expr::value(token))
        .filter(webhook_delivery::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(&*tx)
        .await?;
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::Id.is_in(rows.iter().map(|r| r.webhook_id)))
        .all(&*tx)
        .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|delivery| {
            let hook = hooks.iter().find(|h| h.id == delivery.webhook_id)?.clone();
            Some(Claimed {
                delivery,
                hook,
                token,
            })
        })
        .collect())
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    latency_ms: i32,
    excerpt: Option<String>,
    retry_after: Option<Duration>,
}

/// Makes the claimed attempt and records it.
pub async fn attempt(feed: &Feed, sender: &Sender, claimed: Claimed) -> Result<(), AppError> {
    let outcome = post(sender, &claimed).await;
    record(feed, &claimed, &outcome).await
}

async fn post(sender: &Sender, claimed: &Claimed) -> Outcome {
    let (delivery, hook) = (&claimed.delivery, &claimed.hook);
    let started = Instant::now();
    let failed = |error: String| Outcome {
        status: None,
        error: Some(error),
        latency_ms: 0,
        excerpt: None,
        retry_after: None,
    };
    if let Some(why) = literal_refused(&hook.url, sender.allow_private) {
        return failed(why);
    }
    let mut secrets = vec![hook.secret.as_str()];
    if let (Some(previous), Some(until)) = (&hook.previous_secret, hook.previous_secret_until)
        && until > Utc::now()
    {
        secrets.push(previous);
    }
    let id = delivery.id.to_string();
    let timestamp = Utc::now().timestamp();
    let signature = sign::signature(&secrets, &id, timestamp, delivery.body.as_bytes());
    let sent = sender
        .client
        .post(&hook.url)
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .header("content-type", "application/json")
        .body(delivery.body.clone())
        .send()
        .await;
    let mut response = match sent {
        Ok(response) => response,
        Err(err) => {
            let mut outcome = failed(crate::net::describe(&err, TIMEOUT));
            outcome.latency_ms = millis(started);
            return outcome;
        }
    };
    let status = response.status().as_u16();
    let retry_after = matches!(status, 429 | 503)
        .then(|| response.headers().get("retry-after"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    Outcome {
        status: Some(status),
        error: None,
        latency_ms: millis(started),
        excerpt: (!bytes.is_empty()).then(|| excerpt(&bytes)),
        retry_after,
    }
}

fn millis(started: Instant) -> i32 {
    i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)
}

/// At most [`EXCERPT_BYTES`] of an answer, cut at a character boundary.
fn excerpt(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(EXCERPT_BYTES)];
    match std::str::from_utf8(cut) {
        Ok(text) => text.to_owned(),
        // The cut fell inside a character: end before it.
        Err(err) if err.error_len().is_none() => {
            String::from_utf8_lossy(&cut[..err.valid_up_to()]).into_owned()
        }
        // Not text: shown as well as it can be, within the limit.
        Err(_) => {
            let text = String::from_utf8_lossy(cut).into_owned();
            let mut end = text.len().min(EXCERPT_BYTES);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_owned()
        }
    }
}

/// `Retry-After` as seconds or an HTTP date, at most a day away.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let seconds = match value.parse::<u64>() {
        Ok(seconds) => seconds,
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value)
                .ok()?
                .with_timezone(&Utc);
            u64::try_from((at - Utc::now()).num_seconds()).unwrap_or(0)
        }
    };
    Some(Duration::from_secs(seconds.min(86_400)))
}

/// The wait after `failures` failed attempts, with ±10 % jitter, scaled.
pub fn backoff(failures: i32, scale: f64, jitter: f64) -> Duration {
    let index = usize::try_from(failures.max(1) - 1)
        .unwrap_or(0)
        .min(SCHEDULE.len() - 1);
    let seconds = SCHEDULE[index] as f64 * scale.max(0.0) * (0.9 + 0.2 * jitter.clamp(0.0, 1.0));
    Duration::from_secs_f64(seconds.min(86_400.0 * 2.0))
}

/// A number in [0, 1) from the operating system's randomness.
fn jitter() -> f64 {
    let bytes = random_bytes(4).unwrap_or_else(|_| vec![0; 4]);
    let value = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    f64::from(value) / (f64::from(u32::MAX) + 1.0)
}

/// Records the attempt on the delivery (if this process still holds the
/// claim), schedules the next one or closes it, and disables the endpoint
/// after a 410 or a last failure.
async fn record(feed: &Feed, claimed: &Claimed, outcome: &Outcome) -> Result<(), AppError> {
    let delivery = &claimed.delivery;
    let attempts = delivery.attempts + 1;
    let succeeded = outcome.status.is_some_and(|s| (200..300).contains(&s));
    let gone = outcome.status == Some(410);
    let at = now();
    let (status, next, disable) = if succeeded {
        (DeliveryStatus::Succeeded, None, None)
    } else if gone {
        let why = "the endpoint answered 410 Gone".to_owned();
        (DeliveryStatus::Failed, None, Some(why))
    } else if attempts >= MAX_ATTEMPTS {
        let why = format!(
            "every one of the {MAX_ATTEMPTS} attempts of delivery {} ({}) failed",
            delivery.id, delivery.event_type
        );
        (DeliveryStatus::Failed, None, Some(why))
    } else {
        let wait = outcome
            .retry_after
            .unwrap_or_else(|| backoff(attempts, feed.settings.retry_scale, jitter()));
        let next = at + chrono::Duration::from_std(wait).unwrap_or_default();
        (DeliveryStatus::Pending, Some(next), None)
    };
    let tx = feed.ctx.begin_write().await?;
    let written = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            webhook_delivery::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(
            webhook_delivery::Column::ClaimToken,
            Expr::value(None::<Uuid>),
        )
        .col_expr(
            webhook_delivery::Column::LastStatus,
            Expr::value(outcome.status.map(i32::from)),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(outcome.error.clone()),
        )
        .col_expr(
            webhook_delivery::Column::LastLatencyMs,
            Expr::value(outcome.latency_ms),
        )
        .col_expr(
            webhook_delivery::Column::ResponseExcerpt,
            Expr::value(outcome.excerpt.clone()),
        )
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(at))
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .filter(webhook_delivery::Column::ClaimToken.eq(claimed.token))
        .exec(&*tx)
        .await?;
    if written.rows_affected == 0 {
        // The claim ran out and another process took the delivery over.
        return Ok(());
    }
    if let Some(reason) = disable {
        tracing::warn!(webhook = %claimed.hook.id, %reason, "webhook disabled");
        webhook::Entity::update_many()
            .col_expr(webhook::Column::Enabled, Expr::value(false))
            .col_expr(webhook::Column::DisabledReason, Expr::value(reason))
            // An admin's change made from the state before is then refused (412).
            .col_expr(
                webhook::Column::Version,
                sea_orm::sea_query::ExprTrait::add(Expr::col(webhook::Column::Version), 1),
            )
            .col_expr(webhook::Column::UpdatedAt, Expr::value(at))
            .filter(webhook::Column::Id.eq(claimed.hook.id))
            .exec(&*tx)
            .await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_has_jitter_and_scale() {
        assert_eq!(MAX_ATTEMPTS, 10);
        assert_eq!(backoff(1, 1.0, 0.5), Duration::from_secs(5));
        assert_eq!(backoff(1, 1.0, 0.0), Duration::from_secs_f64(4.5));
        assert_eq!(backoff(3, 1.0, 0.5), Duration::from_secs(1_800));
        assert_eq!(backoff(9, 1.0, 0.5), Duration::from_secs(86_400));
        assert_eq!(backoff(2, 0.01, 0.5), Duration::from_secs(3));
        let upper = backoff(2, 1.0, 0.999_999).as_secs_f64();
        assert!(upper < 330.0 && upper > 329.0, "{upper}");
        assert!((0..1000).map(|_| jitter()).all(|j| (0.0..1.0).contains(&j)));
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        assert_eq!(parse_retry_after("120"), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("999999"),
            Some(Duration::from_secs(86_400))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn excerpts_stop_at_a_kibibyte_on_a_character() {
        let text = format!("a{}", "é".repeat(600));
        let cut = excerpt(text.as_bytes());
        assert_eq!(
            cut.len(),
            EXCERPT_BYTES - 1,
            "the cut character is left out"
        );
        assert!(cut.chars().skip(1).all(|c| c == 'é'), "no broken character");
        let binary = excerpt(&[0xff; 2000]);
        assert!(binary.len() <= EXCERPT_BYTES);
        assert_eq!(excerpt(b"ok"), "ok");
    }
}
