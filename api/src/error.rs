//! One error type for every layer, rendered as RFC 9457 problem+json.
//!
//! Every layer returns [`AppError`]. The status, problem type, GraphQL code
//! and response headers of each variant are decided here and nowhere else;
//! the HTTP layer (`http::problem`) renders them as `application/problem+json`,
//! and the GraphQL adapter as GraphQL errors. What a database error means
//! is decided in `storage`.

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
    /// 301: a former slug of an entity (design §15): `slug` is its current
    /// one and `id` its id. REST answers with `Location`; GraphQL reads the
    /// entity and says `redirectTo`.
    #[error("moved permanently to `{slug}`")]
    Moved { id: uuid::Uuid, slug: String },
    /// 405: the resource exists but does not answer this method.
    #[error("this resource answers only {allow}")]
    MethodNotAllowed { allow: String },
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
    /// 410: a change-feed cursor older than the kept log: start over with
    /// an initial sync.
    #[error(
        "the cursor is older than the change log kept ({detail}); start a new sync without a cursor"
    )]
    ResyncRequired { detail: String },
    /// 412: `If-Match` names a version that is no longer current.
    #[error("version {current} is current")]
    VersionConflict { current: i32 },
    /// 413: the request body is larger than the configured limit.
    #[error("request body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415: a body that is not JSON.
    #[error("expected a body of type application/json")]
    UnsupportedMediaType,
    /// 415: an uploaded file of a type the site does not accept (told from its bytes).
    #[error("{detail}")]
    UnsupportedFile { detail: String },
    /// 416: a `Range` outside the file (of `size` bytes).
    #[error("the range is outside the file's {size} bytes")]
    RangeNotSatisfiable { size: u64 },
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
    /// What is wrong, in words: each field's problem (`field: reason`) for
    /// a validation error, else the error's own sentence.
    pub fn reasons(&self) -> Vec<String> {
        match self {
            Self::Validation(errors) => errors
                .iter()
                .map(|error| format!("{}: {}", error.field, error.message))
                .collect(),
            other => vec![other.to_string()],
        }
    }

    /// 405 for a method the resource does not answer; `allow` lists those it does.
    pub fn method_not_allowed(allow: impl Into<String>) -> Self {
        Self::MethodNotAllowed {
            allow: allow.into(),
        }
    }

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

    /// 415 for an uploaded file of a type the site does not accept.
    pub fn unsupported_file(detail: impl Into<String>) -> Self {
        Self::UnsupportedFile {
            detail: detail.into(),
        }
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
            Self::Moved { .. } => "urn:masthead:problem:moved",
            Self::MethodNotAllowed { .. } => "urn:masthead:problem:method-not-allowed",
            Self::Conflict { .. } => "urn:masthead:problem:conflict",
            Self::InvalidTransition { .. } => "urn:masthead:problem:invalid-transition",
            Self::VersionConflict { .. } => "urn:masthead:problem:version-conflict",
            Self::ResyncRequired { .. } => "urn:masthead:problem:resync-required",
            Self::PayloadTooLarge { .. } => "urn:masthead:problem:payload-too-large",
            Self::UnsupportedMediaType | Self::UnsupportedFile { .. } => {
                "urn:masthead:problem:unsupported-media-type"
            }
            Self::RangeNotSatisfiable { .. } => "urn:masthead:problem:range-not-satisfiable",
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
            Self::Moved { .. } => "MOVED",
            Self::MethodNotAllowed { .. } => "METHOD_NOT_ALLOWED",
            Self::Conflict { .. } => "CONFLICT",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::VersionConflict { .. } => "VERSION_CONFLICT",
            Self::ResyncRequired { .. } => "RESYNC_REQUIRED",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType | Self::UnsupportedFile { .. } => "UNSUPPORTED_MEDIA_TYPE",
            Self::RangeNotSatisfiable { .. } => "RANGE_NOT_SATISFIABLE",
            Self::Unavailable => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::Validation(_) => 422,
            Self::Unauthenticated { .. } | Self::InvalidCredentials => 401,
            Self::Forbidden { .. } => 403,
            Self::TooManyRequests { .. } => 429,
            Self::NotFound { .. } => 404,
            Self::Moved { .. } => 301,
            Self::MethodNotAllowed { .. } => 405,
            Self::Conflict { .. } | Self::InvalidTransition { .. } => 409,
            Self::VersionConflict { .. } => 412,
            Self::ResyncRequired { .. } => 410,
            Self::PayloadTooLarge { .. } => 413,
            Self::UnsupportedMediaType | Self::UnsupportedFile { .. } => 415,
            Self::RangeNotSatisfiable { .. } => 416,
            Self::Unavailable => 503,
            Self::Internal(_) => 500,
        }
    }

    /// The short name of the status, as a problem's `title`.
    fn title(&self) -> &'static str {
        match self.status() {
            301 => "Moved Permanently",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            409 => "Conflict",
            410 => "Gone",
            412 => "Precondition Failed",
            413 => "Payload Too Large",
            415 => "Unsupported Media Type",
            416 => "Range Not Satisfiable",
            422 => "Unprocessable Entity",
            429 => "Too Many Requests",
            503 => "Service Unavailable",
            _ => "Internal Server Error",
        }
    }

    /// Response headers the error comes with, whatever the protocol: when
    /// to retry, and the bearer challenge of a refused or missing credential.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Unavailable => vec![("retry-after", "1".to_owned())],
            Self::MethodNotAllowed { allow } => vec![("allow", allow.clone())],
            // Relative to the entity's own path (`…/articles/old` → `…/articles/new`).
            Self::Moved { slug, .. } => vec![("location", slug.clone())],
            Self::RangeNotSatisfiable { size } => {
                vec![("content-range", format!("bytes */{size}"))]
            }
            Self::TooManyRequests { retry_after } => {
                vec![("retry-after", retry_after.to_string())]
            }
            Self::Unauthenticated {
                reason: Some(reason),
            } => {
                let reason = reason.replace(['"', '\\'], "'");
                vec![(
                    "www-authenticate",
                    format!(
                        "Bearer realm=\"masthead\", error=\"invalid_token\", error_description=\"{reason}\""
                    ),
                )]
            }
            Self::Unauthenticated { reason: None } | Self::InvalidCredentials => {
                vec![("www-authenticate", "Bearer realm=\"masthead\"".to_owned())]
            }
            _ => Vec::new(),
        }
    }

    /// Logs an internal error with its cause chain (the client sees an
    /// opaque message); other errors are the client's business.
    pub fn log(&self) {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
    }

    /// The problem body for this error.
    pub fn problem(&self) -> Problem {
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
            title: self.title().to_owned(),
            status: self.status(),
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
