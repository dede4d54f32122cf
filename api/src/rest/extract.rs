//! Request extractors that turn raw HTTP input into typed values or a
//! problem response: JSON bodies, `If-Match`, the calling actor.

use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::app::AppState;
use crate::auth::Principal;
use crate::content::accounts;
use crate::error::AppError;

/// A JSON request body parsed strictly: the right media type, within the
/// size limit, and every parse error reported with the path of its field.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    /// The parsed body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(text) = value.to_str() else {
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

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(4 * 1024 * 1024, |state| state.config.max_body_bytes);
        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|len| len > limit) {
                return Err(AppError::PayloadTooLarge { limit });
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|err| AppError::bad_field("body", err.to_string()))?;
                if body.len() + chunk.len() > limit {
                    return Err(AppError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            if !json {
                return Err(AppError::UnsupportedMediaType);
            }
            if body.is_empty() {
                return Err(AppError::bad_field(
                    "body",
                    "the request body is empty; send a JSON object",
                ));
            }
            parse_json::<Object<T>>(&body).map(|object| JsonBody(object.0))
        })
    }
}

/// The principal behind a request, from its `Authorization: Bearer`
/// credential (an access token or an API key); none is the anonymous
/// principal. A refused credential is a 401 with `WWW-Authenticate`.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// The credential of an `Authorization: Bearer …` header.
fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| AppError::invalid_token("the Authorization header is not readable text"))?;
    let (scheme, credential) = text.trim().split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AppError::invalid_token("use the Bearer scheme"));
    }
    let credential = credential.trim();
    if credential.is_empty() {
        return Err(AppError::invalid_token("the bearer credential is empty"));
    }
    Ok(Some(credential.to_owned()))
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credential = bearer(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no application state")))?;
            let credential = credential?;
            accounts::authenticate(&state.ctx, credential.as_deref())
                .await
                .map(Caller)
        })
    }
}

/// The version an `If-Match` header names, if the request has one.
/// `*` (any version) counts as none; an ETag this API did not issue is a 412.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return ready(Ok(Self(None)));
        };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return ready(Ok(Self(None)));
        }
        ready(match super::respond::version_of_etag(text) {
            Some(version) => Ok(Self(Some(version))),
            None => Err(AppError::bad_field(
                "If-Match",
                "must be an ETag returned by this API (or *)",
            )),
        })
    }
}
