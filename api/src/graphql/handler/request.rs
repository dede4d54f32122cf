//! A GraphQL-over-HTTP request as it arrives: its parameters from a `GET`
//! query string or a `POST` body, each checked for its type, and the media
//! type of the answer the client accepts.

use actix_web::HttpRequest;
use actix_web::http::header;
use serde_json::{Map, Value};

use crate::error::AppError;
use crate::http::parse_json;

/// The longest value of each `GET` parameter, in characters.
pub const GET_LIMITS: [(&str, usize); 4] = [
    ("query", 1536),
    ("variables", 512),
    ("operationName", 64),
    ("extensions", 200),
];

/// The parameters of a request (GraphQL over HTTP, "Request Parameters").
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Params {
    /// The document; absent when a persisted query's hash stands for it.
    pub query: Option<String>,
    /// Values of the document's variables.
    pub variables: Option<Map<String, Value>>,
    /// Which operation of the document to run.
    pub operation_name: Option<String>,
    /// Protocol extensions (`persistedQuery`).
    pub extensions: Option<Map<String, Value>>,
}

fn text(value: Option<Value>, field: &str) -> Result<Option<String>, AppError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(AppError::bad_field(field, "must be a string")),
    }
}

fn map(value: Option<Value>, field: &str) -> Result<Option<Map<String, Value>>, AppError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(AppError::bad_field(field, "must be an object")),
    }
}

impl Params {
    /// From a `POST` body: a JSON object; other members are ignored.
    pub fn from_body(body: &[u8]) -> Result<Self, AppError> {
        let Value::Object(mut object) = parse_json::<Value>(body)? else {
            return Err(AppError::bad_field(
                "body",
                "a GraphQL request is a JSON object",
            ));
        };
        Ok(Self {
            query: text(object.remove("query"), "query")?,
            variables: map(object.remove("variables"), "variables")?,
            operation_name: text(object.remove("operationName"), "operationName")?,
            extensions: map(object.remove("extensions"), "extensions")?,
        })
    }

    /// From a `GET` query string, where `variables` and `extensions` are JSON
    /// texts. An empty value counts as absent; each value has a length
    /// limit (in characters, see [`GET_LIMITS`]) that keeps the address
    /// within what servers and caches on the way accept: longer documents
    /// go by `POST`, or as persisted queries.
    pub fn from_query(query_string: &str) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query_string)
            .map_err(|err| AppError::bad_field("query string", err.to_string()))?;
        let mut params = Self::default();
        for (name, value) in pairs {
            if value.is_empty() {
                continue;
            }
            if let Some((_, limit)) = GET_LIMITS.iter().find(|(n, _)| *n == name)
                && value.chars().count() > *limit
            {
                return Err(AppError::bad_field(
                    name,
                    format!("is over {limit} characters in a GET; send it with POST"),
                ));
            }
            let json = |field: &str| {
                let parsed = serde_json::from_str::<Value>(&value).map_err(|err| {
                    AppError::bad_field(field, format!("must be a JSON object: {err}"))
                })?;
                map(Some(parsed), field)
            };
            let taken = match name.as_str() {
                "query" => params.query.replace(value).is_some(),
                "operationName" => params.operation_name.replace(value).is_some(),
                "variables" => params
                    .variables
                    .replace(json("variables")?.unwrap_or_default())
                    .is_some(),
                "extensions" => params
                    .extensions
                    .replace(json("extensions")?.unwrap_or_default())
                    .is_some(),
                _ => false,
            };
            if taken {
                return Err(AppError::bad_field(name, "is given more than once"));
            }
        }
        Ok(params)
    }

    /// True when a `GET` carries no GraphQL parameter at all (a browser
    /// opening the address).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The media type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/graphql-response+json`: the status code tells a request
    /// that did not run (4xx) from one that did (2xx).
    GraphqlResponse,
    /// `application/json`: every well-formed request answers 200, as
    /// clients written before the specification expect.
    Json,
}

impl Media {
    /// The type the request's `Accept` prefers (by q-value, then order):
    /// `application/json` when it names neither, or has no `Accept` at all.
    pub fn of(req: &HttpRequest) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for value in req.headers().get_all(header::ACCEPT) {
            let Ok(value) = value.to_str() else { continue };
            for range in value.split(',') {
                let mut parts = range.split(';');
                let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let media = match essence.as_str() {
                    "application/graphql-response+json" => Self::GraphqlResponse,
                    "application/json" => Self::Json,
                    _ => continue,
                };
                let quality = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                    best = Some((quality, media));
                }
            }
        }
        best.map_or(Self::Json, |(_, media)| media)
    }

    /// Its `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// True when a browser asks for a page (`text/html` before any JSON type).
pub fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            let html = accept.find("text/html");
            let json = accept.find("json");
            html.is_some_and(|h| json.is_none_or(|j| h < j))
        })
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;
    use serde_json::json;

    use super::*;

    #[test]
    fn post_parameters_are_checked_for_their_types() {
        let body = json!({"query": "{ a }", "variables": null, "operationName": "A", "extra": 1});
        let params = Params::from_body(body.to_string().as_bytes()).unwrap();
        assert_eq!(params.query.as_deref(), Some("{ a }"));
        assert_eq!(params.operation_name.as_deref(), Some("A"));
        for bad in [
            json!({"query": 1}),
            json!({"query": "{ a }", "variables": "{}"}),
            json!({"query": "{ a }", "variables": []}),
            json!({"query": "{ a }", "operationName": {}}),
            json!({"query": "{ a }", "extensions": "x"}),
            json!(["{ a }"]),
        ] {
            assert!(
                Params::from_body(bad.to_string().as_bytes()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn get_parameters_carry_json_texts() {
        let params = Params::from_query(
            "query=query%20Q(%24n%3AInt)%7Ba%7D&variables=%7B%22n%22%3A1%7D&operationName=Q",
        )
        .unwrap();
        assert_eq!(params.query.as_deref(), Some("query Q($n:Int){a}"));
        assert_eq!(params.variables.unwrap()["n"], 1);
        assert!(Params::from_query("").unwrap().is_empty());
        assert!(Params::from_query("query=a&query=b").is_err());
        assert!(Params::from_query("query=a&variables=nope").is_err());
        assert!(Params::from_query("query=a&variables=%5B%5D").is_err());
    }

    #[test]
    fn the_answer_type_follows_accept() {
        let media = |accept: Option<&str>| {
            let mut req = TestRequest::default();
            if let Some(accept) = accept {
                req = req.insert_header((header::ACCEPT, accept));
            }
            Media::of(&req.to_http_request())
        };
        assert_eq!(media(None), Media::Json);
        assert_eq!(media(Some("*/*")), Media::Json);
        assert_eq!(
            media(Some("application/graphql-response+json")),
            Media::GraphqlResponse
        );
        assert_eq!(
            media(Some(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Media::GraphqlResponse
        );
        assert_eq!(
            media(Some(
                "application/json, application/graphql-response+json;q=0.5"
            )),
            Media::Json
        );
        assert_eq!(
            media(Some("application/graphql-response+json;q=0")),
            Media::Json
        );
    }
}
