//! `/api/v1/audit`: the audit log (admins only).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::docs::{BadRequest, Forbidden, ListOf, ListParams, NotFound, Unauthorized};
use super::list::{self, Collection};
use super::respond;
use crate::content::page::Sort;
use crate::error::AppError;
use crate::http::{AppState, Caller};
use crate::identity::audit_log::{self, AuditEvent, AuditFilter, AuditSort};

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// What happened, `<object>.<verb>`: `auth.signed_in`,
    /// `auth.sign_in_failed`, `auth.sign_in_throttled`, `auth.refresh_refused`,
    /// `auth.password_changed`, `user.created`, `user.updated`,
    /// `user.role_changed`, `user.password_reset`, `api_key.created`,
    /// `api_key.revoked`, `webhook.created`, `webhook.updated`,
    /// `webhook.deleted`, `webhook.secret_rotated`, and every content event
    /// (`article.published`, `tag.deleted`…).
    #[serde(rename = "type")]
    pub kind: String,
    /// The user who did it.
    pub actor_user_id: Option<Uuid>,
    /// The API key that did it.
    pub actor_key_id: Option<Uuid>,
    /// Who it was about when no account is known: the e-mail address a
    /// failed sign-in gave.
    pub subject: Option<String>,
    /// What it was done to: `article`, `author`, `tag`, `asset`, `user`,
    /// `api_key`, `webhook`.
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    /// The address the request came from.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Details: a role's change, a failure's reason, a version. Never a secret.
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

impl From<AuditEvent> for AuditEventOut {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            at: e.at,
            kind: e.kind,
            actor_user_id: e.actor_user,
            actor_key_id: e.actor_key,
            subject: e.subject,
            target_type: e.target_kind,
            target_id: e.target_id,
            ip: e.ip,
            user_agent: e.user_agent,
            detail: e.detail,
        }
    }
}

/// Top-level fields of an entry, for `fields=`.
pub const AUDIT_FIELDS: &[&str] = &[
    "id",
    "at",
    "type",
    "actor_user_id",
    "actor_key_id",
    "subject",
    "target_type",
    "target_id",
    "ip",
    "user_agent",
    "detail",
];

/// How `/audit` reads its query string.
pub struct AuditLog;

impl Collection for AuditLog {
    type Filter = AuditFilter;
    type Sort = AuditSort;
    const NAME: &'static str = "audit";
    const FIELDS: &'static [&'static str] = AUDIT_FIELDS;

    fn default_sort() -> Sort<AuditSort> {
        audit_log::default_sort()
    }

    fn filter(filter: &mut AuditFilter, name: &str, value: &str) -> Result<bool, AppError> {
        let id = |value: &str| {
            Uuid::parse_str(value.trim()).map_err(|_| AppError::bad_field(name, "must be a UUID"))
        };
        match name {
            "actor" => filter.actor = Some(id(value)?),
            "target" => filter.target = Some(id(value)?),
            "type" => {
                let valid = !value.is_empty()
                    && value
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                if !valid {
                    return Err(AppError::bad_field(
                        name,
                        "must be a type such as auth.sign_in_failed, or its first part (auth)",
                    ));
                }
                filter.kinds.push(value.to_owned());
            }
            "since" => filter.since = Some(list::timestamp(name, value)?),
            "until" => filter.until = Some(list::timestamp(name, value)?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Audit-log filters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "only describes the API in OpenAPI")]
struct AuditParams {
    /// Done by this user or API key (its id).
    actor: Option<Uuid>,
    /// Of this type (`auth.sign_in_failed`), or of every type of an object
    /// (`auth`); repeat to match any of several.
    #[param(pattern = "^[a-z_.]+$")]
    r#type: Option<Vec<String>>,
    /// About this article, user, key, webhook… (its id).
    target: Option<Uuid>,
    /// At or after this time (RFC 3339 or a date).
    since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339 or a date).
    until: Option<DateTime<Utc>>,
}

/// Read the audit log (admins only).
///
/// Who did what, from which address and when: sign-ins (successful,
/// failed, throttled), refused token refreshes, password changes, user
/// and role changes, API keys made and revoked, webhook changes, and every
/// content event. Newest first; entries older than
/// `MASTHEAD_AUDIT_RETENTION_DAYS` (365 by default) are dropped.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(ListParams, AuditParams),
    responses(
        (status = 200, description = "A page of entries", body = ListOf<AuditEventOut>,
         headers(("X-Total-Count" = u64), ("Link" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden,
    )
)]
#[get("/audit")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<AuditLog>(req.query_string(), Some(|f| &mut f.ids))?;
    let page = audit_log::list(&state.identity, &caller.0, &request.query)
        .await?
        .map(AuditEventOut::from);
    respond::list(&req, &page, request.answer())
}

/// Read one entry of the audit log (admins only).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry's id")),
    responses(
        (status = 200, description = "The entry", body = AuditEventOut),
        Unauthorized, Forbidden, NotFound,
    )
)]
#[get("/audit/{id}")]
pub async fn get_audit_event(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = Uuid::parse_str(&path).map_err(|_| AppError::not_found("audit entry"))?;
    let entry = audit_log::get(&state.identity, &caller.0, id).await?;
    let out = AuditEventOut::from(entry);
    Ok(respond::private_json(StatusCode::OK, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_names_every_field() {
        crate::rest::wire::check::fields_match::<AuditEventOut>(AUDIT_FIELDS);
    }
}
