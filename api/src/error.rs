//! One error type for every layer, rendered as RFC 9457 problem+json.
//!
//! Content functions return [`AppError`]; the REST layer turns it into a
//! `application/problem+json` response through [`actix_web::ResponseError`].
//! The status of each variant is decided here and nowhere else.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, such as `title`, `author_ids[2]` or the query parameter name.
    pub field: String,
    /// What is wrong with it, in plain words.
    pub message: String,
}

impl FieldError {
    /// A field error with the given path and message.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the input cannot be parsed (malformed JSON, wrong type, unknown field, bad query parameter).
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 422: the input parses but breaks a rule (missing title, too long, unknown author id).
    #[error("the input breaks {} rule(s)", .0.len())]
    Validation(Vec<FieldError>),
    /// 401: no credentials where they are needed, or credentials that are refused
    /// (`reason` names what is wrong with a bearer token).
    #[error("authentication required")]
    Unauthenticated { reason: Option<String> },
    /// 401: sign-in with a wrong e-mail address or password (the same answer for both).
    #[error("the e-mail address or the password is wrong")]
    InvalidCredentials,
    /// 403: the caller is known but may not do this.
    #[error("{detail}")]
    Forbidden { detail: String },
    /// 404: no such entity (or route).
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// 409: the request conflicts with stored state (a taken slug, an author still credited).
    #[error("{detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 409: a workflow action that cannot be taken from the article's state.
    #[error("`{action}` cannot be taken from `{from}`")]
    InvalidTransition {
        from: String,
        action: String,
        allowed: Vec<String>,
    },
    /// 412: `If-Match` names a version that is no longer current.
    #[error("version {current} is current")]
    VersionConflict { current: i32 },
    /// 413: the request body is larger than the configured limit.
    #[error("request body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415: a body that is not JSON.
    #[error("expected a body of type application/json")]
    UnsupportedMediaType,
    /// 429: too many attempts; retry after the given number of seconds.
    #[error("too many attempts; retry in {retry_after} seconds")]
    TooManyRequests { retry_after: u64 },
    /// 503: the database is momentarily busy; the client may retry.
    #[error("the database is busy")]
    Unavailable,
    /// 500: anything else. Logged with its cause; the client sees an opaque message.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// 404 for the named kind of entity.
    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    /// 403 with a reason.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden {
            detail: detail.into(),
        }
    }

    /// 401 for a refused bearer token.
    pub fn invalid_token(reason: impl Into<String>) -> Self {
        Self::Unauthenticated {
            reason: Some(reason.into()),
        }
    }

    /// 400 for one bad field or query parameter.
    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Self::BadRequest {
            detail: format!("{}: {}", error.field, error.message),
            errors: vec![error],
        }
    }

    /// 422 for one field that breaks a rule.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// 409 tied to one field.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Self::Conflict {
            detail: error.message.clone(),
            errors: vec![error],
        }
    }

    /// The problem `type` URI, stable for clients to branch on.
    pub fn problem_type(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "urn:masthead:problem:bad-request",
            Self::Validation(_) => "urn:masthead:problem:validation",
            Self::Unauthenticated { .. } => "urn:masthead:problem:unauthenticated",
            Self::InvalidCredentials => "urn:masthead:problem:invalid-credentials",
            Self::Forbidden { .. } => "urn:masthead:problem:forbidden",
            Self::TooManyRequests { .. } => "urn:masthead:problem:too-many-requests",
            Self::NotFound { .. } => "urn:masthead:problem:not-found",
            Self::Conflict { .. } => "urn:masthead:problem:conflict",
            Self::InvalidTransition { .. } => "urn:masthead:problem:invalid-transition",
            Self::VersionConflict { .. } => "urn:masthead:problem:version-conflict",
            Self::PayloadTooLarge { .. } => "urn:masthead:problem:payload-too-large",
            Self::UnsupportedMediaType => "urn:masthead:problem:unsupported-media-type",
            Self::Unavailable => "urn:masthead:problem:unavailable",
            Self::Internal(_) => "urn:masthead:problem:internal",
        }
    }

    /// The machine-readable code shared with GraphQL's `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } | Self::Validation(_) => "VALIDATION",
            Self::Unauthenticated { .. } | Self::InvalidCredentials => "UNAUTHENTICATED",
            Self::Forbidden { .. } => "FORBIDDEN",
            Self::TooManyRequests { .. } => "RATE_LIMITED",
            Self::NotFound { .. } => "NOT_FOUND",
            Self::Conflict { .. } => "CONFLICT",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::VersionConflict { .. } => "VERSION_CONFLICT",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The problem body for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let allowed_actions = match self {
            Self::InvalidTransition { allowed, .. } => Some(allowed.clone()),
            _ => None,
        };
        let (detail, errors, current_version) = match self {
            Self::BadRequest { detail, errors } => (detail.clone(), errors.clone(), None),
            Self::Validation(errors) => (
                match errors.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    _ => format!("{} fields are invalid", errors.len()),
                },
                errors.clone(),
                None,
            ),
            Self::Conflict { detail, errors } => (detail.clone(), errors.clone(), None),
            Self::InvalidTransition {
                from,
                action,
                allowed,
            } => (
                format!(
                    "`{action}` cannot be taken from `{from}`; allowed: {}",
                    if allowed.is_empty() {
                        "none".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
                Vec::new(),
                None,
            ),
            Self::VersionConflict { current } => (
                format!("the resource changed; version {current} is current"),
                Vec::new(),
                Some(*current),
            ),
            Self::Unauthenticated {
                reason: Some(reason),
            } => (
                format!("the bearer token is refused: {reason}"),
                Vec::new(),
                None,
            ),
            Self::Unauthenticated { reason: None } => (
                "sign in, or send an API key, as `Authorization: Bearer …`".to_owned(),
                Vec::new(),
                None,
            ),
            Self::Internal(_) => (
                "an internal error occurred; it has been logged".to_owned(),
                Vec::new(),
                None,
            ),
            other => (other.to_string(), Vec::new(), None),
        };
        Problem {
            problem_type: self.problem_type().to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            errors,
            current_version,
            allowed_actions,
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The fields at fault, when the problem is with the input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// On a version conflict, the version that is current.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i32>,
    /// On an invalid workflow action, the actions the article's state allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated { .. } | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::InvalidTransition { .. } => StatusCode::CONFLICT,
            Self::VersionConflict { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        let problem = self.problem();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::TooManyRequests { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::Unauthenticated {
                reason: Some(reason),
            } => {
                let reason = reason.replace(['"', '\\'], "'");
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    format!("Bearer realm=\"masthead\", error=\"invalid_token\", error_description=\"{reason}\""),
                ));
            }
            Self::Unauthenticated { reason: None } | Self::InvalidCredentials => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"masthead\""));
            }
            _ => {}
        }
        match serde_json::to_vec(&problem) {
            Ok(body) => response.body(body),
            Err(_) => response.finish(),
        }
    }
}

impl From<DbErr> for AppError {
    /// The one place a database error gets a meaning: a unique or foreign-key
    /// violation is a conflict, a busy or serialization failure is retryable,
    /// anything else is internal.
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(constraint)) = err.sql_err() {
            tracing::debug!(%constraint, "unique constraint violated");
            return Self::Conflict {
                detail: "a value that must be unique is already taken".to_owned(),
                errors: Vec::new(),
            };
        }
        if let Some(SqlErr::ForeignKeyConstraintViolation(constraint)) = err.sql_err() {
            // A referenced row went away (or gained a reference) between the
            // check and the write, in a concurrent transaction.
            tracing::debug!(%constraint, "foreign key constraint violated");
            return Self::Conflict {
                detail: "a related record changed at the same time; retry the request".to_owned(),
                errors: Vec::new(),
            };
        }
        if is_busy(&err) {
            tracing::warn!(error = %err, "database busy");
            return Self::Unavailable;
        }
        Self::Internal(anyhow::Error::new(err))
    }
}

/// True when the database refused the statement for a transient reason:
/// SQLite's busy/locked codes, PostgreSQL's serialization or deadlock
/// failures, or no pooled connection free in time.
pub fn is_busy(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error;
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
