//! Request bodies: a JSON media type (`application/json` or any `+json`
//! type), within the size limit, parsed strictly with the path of the
//! failing field in the error. REST bodies and GraphQL requests both come in
//! through [`read_json`].

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::AppState;
use crate::error::AppError;

/// Bodies allowed when no state says otherwise.
const DEFAULT_LIMIT: usize = 4 * 1024 * 1024;

/// True when the request says its body is JSON.
fn is_json(req: &HttpRequest) -> bool {
    let Some(text) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads a JSON request's body: 413 past the configured limit (as soon as a
/// `Content-Length` or the bytes so far say so), 415 for another media
/// type, 400 for an empty or unreadable body.
pub async fn read_json(req: &HttpRequest, mut payload: Payload) -> Result<Bytes, AppError> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map_or(DEFAULT_LIMIT, |state| state.config.max_body_bytes);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| AppError::bad_field("body", err.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    if !is_json(req) {
        return Err(AppError::UnsupportedMediaType);
    }
    if body.is_empty() {
        return Err(AppError::bad_field(
            "body",
            "the request body is empty; send a JSON object",
        ));
    }
    Ok(body.freeze())
}

/// Parses JSON, naming the field at fault (`author_ids[1]`, `seo.title`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        // Drop serde's "at line 1 column 7": the field path says where.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        if inner.is_syntax() || inner.is_eof() {
            AppError::bad_field("body", format!("malformed JSON: {message}"))
        } else if path == "." || path == "?" {
            AppError::bad_field("body", message)
        } else {
            AppError::bad_field(path, message)
        }
    })?;
    deserializer
        .end()
        .map_err(|err| AppError::bad_field("body", format!("malformed JSON: {err}")))?;
    Ok(value)
}

/// A value that must be a JSON object. Serde's derived structs also accept
/// arrays (fields by position); the API does not, so bodies and nested
/// objects go through this wrapper, which keeps field paths in errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
        }

        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

/// A JSON request body parsed strictly into `T` (see [`read_json`]).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    /// The parsed body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let body = read_json(&req, payload).await?;
            parse_json::<Object<T>>(&body).map(|object| JsonBody(object.0))
        })
    }
}
