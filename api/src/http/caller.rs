//! The caller of a request: the principal behind its `Authorization:
//! Bearer` credential (an access token or an API key), or the anonymous
//! principal without one. A refused credential is a 401 whose
//! `WWW-Authenticate` says why — the same answer on every route.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use super::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::identity;

/// The principal behind a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

/// The credential of an `Authorization: Bearer …` header, if any.
pub fn bearer(req: &HttpRequest) -> Result<Option<String>, AppError> {
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

impl Caller {
    /// Authenticates the request's credential (once: the caller found
    /// before routing is kept in the request's extensions).
    pub async fn of(req: &HttpRequest) -> Result<Self, AppError> {
        if let Some(caller) = req.extensions().get::<Caller>() {
            return Ok(caller.clone());
        }
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no application state")))?;
        let credential = bearer(req)?;
        identity::authenticate(&state.identity, credential.as_deref())
            .await
            .map(Caller)
    }
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Caller::of(&req).await })
    }
}
