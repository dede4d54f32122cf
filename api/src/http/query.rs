//! Query strings, decoded once: every handler that reads parameters goes
//! through [`pairs`], so a string that cannot be decoded is the same 400
//! everywhere.

use crate::error::AppError;

/// The `name=value` pairs of a query string, in order.
/// An empty value (`?q=`) is a 400: a parameter is given a value or left out.
pub fn pairs(query_string: &str) -> Result<Vec<(String, String)>, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
        .map_err(|err| AppError::bad_field("query", format!("cannot be decoded: {err}")))?;
    if let Some((name, _)) = pairs.iter().find(|(_, value)| value.is_empty()) {
        return Err(AppError::bad_field(
            name.as_str(),
            "is empty; give it a value or leave it out",
        ));
    }
    Ok(pairs)
}

/// A boolean parameter: `true` or `false`.
pub fn boolean(name: &str, value: &str) -> Result<bool, AppError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AppError::bad_field(name, "must be true or false")),
    }
}

/// The 400 for a parameter the operation does not take.
pub fn unknown(name: &str) -> AppError {
    AppError::bad_field(name, "unknown query parameter")
}
