//! The domain's errors as GraphQL errors: the same table as REST (one enum,
//! `AppError::code`), with the fields at fault in `extensions`.

use async_graphql::{ErrorExtensions, Value};

use crate::error::AppError;

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        let problem = self.problem();
        async_graphql::Error::new(problem.detail.clone()).extend_with(|_, extensions| {
            extensions.set("code", self.code());
            if !problem.errors.is_empty() {
                let fields: Vec<Value> = problem
                    .errors
                    .iter()
                    .map(|e| {
                        let mut map = async_graphql::indexmap::IndexMap::new();
                        map.insert(
                            async_graphql::Name::new("field"),
                            Value::from(e.field.as_str()),
                        );
                        map.insert(
                            async_graphql::Name::new("message"),
                            Value::from(e.message.as_str()),
                        );
                        Value::Object(map)
                    })
                    .collect();
                extensions.set("fields", Value::List(fields));
            }
            if let Some(current) = problem.current_version {
                extensions.set("currentVersion", current);
            }
            if let Some(allowed) = &problem.allowed_actions {
                extensions.set(
                    "allowedActions",
                    Value::List(
                        allowed
                            .iter()
                            .map(|a| Value::from(a.to_ascii_uppercase()))
                            .collect(),
                    ),
                );
            }
            if let Self::TooManyRequests { retry_after } = self {
                extensions.set("retryAfter", *retry_after);
            }
        })
    }
}

/// Turns the domain's `Result` into a GraphQL one with the error's extensions.
pub trait Gql<T> {
    /// The result, its error extended.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> Gql<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|err| err.extend())
    }
}

/// A validation error on one argument.
pub fn invalid(field: &str, message: &str) -> async_graphql::Error {
    AppError::invalid(field, message).extend()
}
