//! `GET /graphql/ws`: GraphQL over WebSocket, for subscriptions (and any
//! operation). The `graphql-transport-ws` protocol of the `graphql-ws`
//! library, or the legacy `graphql-ws` one, as the client offers. The
//! credential comes in `connection_init` (`{"authorization": "Bearer …"}`):
//! without one the subscriber is anonymous; a refused one closes the
//! connection with 4403. The server pings every 15 s and closes with 4408 a
//! connection that does not initialise within 10 s.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, get, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::http::{
    ALL_WEBSOCKET_PROTOCOLS, WebSocket, WebSocketProtocols as Protocols, WsMessage,
};
use futures_util::StreamExt;
use serde_json::Value;

use super::Endpoint;
use super::context::data_for;
use crate::error::AppError;
use crate::http::AppState;
use crate::identity;

/// How often the server pings an open connection.
const PING_EVERY: Duration = Duration::from_secs(15);
/// How long a connection may stay without `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Starts the message of a refused credential (closed with 4403).
const REFUSED: &str = "Forbidden: ";

/// GraphQL over WebSocket (subscriptions).
///
/// Upgrade with `Sec-WebSocket-Protocol: graphql-transport-ws` (the
/// `graphql-ws` library) or the legacy `graphql-ws`. Send the credential in
/// `connection_init`: `{"authorization": "Bearer <access token or API
/// key>"}`; a refused one closes with 4403. Subscribe to `contentChanged`.
#[utoipa::path(
    tag = "graphql",
    responses(
        (status = 101, description = "Switched to the WebSocket protocol"),
        (status = 400, description = "Not a WebSocket upgrade request", content_type = "application/problem+json"),
    )
)]
#[get("/graphql/ws")]
pub async fn graphql_ws(
    state: web::Data<AppState>,
    endpoint: web::Data<Endpoint>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, AppError> {
    let protocol = offered(&req);
    let (response, session, messages) = actix_ws::handle_with_protocols(
        &req,
        body,
        &ALL_WEBSOCKET_PROTOCOLS,
    )
    .map_err(|_| {
        AppError::bad_field(
            "Upgrade",
            "this endpoint speaks GraphQL over WebSocket (graphql-transport-ws): open a WebSocket",
        )
    })?;
    let incoming = messages
        .aggregate_continuations()
        .max_continuation_size(endpoint.limits.max_query_bytes + 4096);
    let address = req.peer_addr().map(|addr| addr.ip().to_string());
    let connection = Connection {
        state: state.into_inner(),
        endpoint: endpoint.into_inner(),
        protocol,
        address,
    };
    actix_web::rt::spawn(connection.serve(session, incoming));
    Ok(response)
}

/// The first protocol the client offers that is spoken here.
fn offered(req: &HttpRequest) -> Protocols {
    req.headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .into_iter()
        .flat_map(|v| v.split(','))
        .find_map(|p| Protocols::from_str(p.trim()).ok())
        .unwrap_or(Protocols::GraphQLWS)
}

struct Connection {
    state: Arc<AppState>,
    endpoint: Arc<Endpoint>,
    protocol: Protocols,
    address: Option<String>,
}

impl Connection {
    async fn serve(self, mut session: Session, mut incoming: actix_ws::AggregatedMessageStream) {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
        let mut ponger = session.clone();
        let reader = actix_web::rt::spawn(async move {
            while let Some(Ok(message)) = incoming.recv().await {
                let text = match message {
                    AggregatedMessage::Text(text) => text.as_bytes().to_vec(),
                    AggregatedMessage::Binary(bytes) => bytes.to_vec(),
                    AggregatedMessage::Ping(bytes) => {
                        let _ = ponger.pong(&bytes).await;
                        continue;
                    }
                    AggregatedMessage::Pong(_) => continue,
                    AggregatedMessage::Close(_) => break,
                };
                if sender.send(text).await.is_err() {
                    break;
                }
            }
        });
        let input = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|message| (message, receiver))
        });
        let (state, address) = (self.state.clone(), self.address.clone());
        let mut graphql =
            WebSocket::new(self.endpoint.schema.clone(), Box::pin(input), self.protocol)
                .on_connection_init(
                    move |payload| async move { init(&state, &payload, address).await },
                );
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let mut acknowledged = false;
        let close = loop {
            tokio::select! {
                message = graphql.next() => match message {
                    Some(WsMessage::Text(text)) => {
                        acknowledged |= text.contains(r#""connection_ack""#);
                        if session.text(text).await.is_err() {
                            break None;
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => break Some(close_reason(code, reason)),
                    None => break None,
                },
                _ = ping.tick() => {
                    if session.ping(b"").await.is_err() {
                        break None;
                    }
                }
                () = &mut init_deadline, if !acknowledged => {
                    break Some(CloseReason {
                        code: CloseCode::Other(4408),
                        description: Some("Connection initialisation timeout".to_owned()),
                    });
                }
            }
        };
        reader.abort();
        let _ = session.close(close).await;
    }
}

/// The close frame for the protocol's `(code, reason)`: a refused
/// credential is 4403 Forbidden, as `graphql-ws` clients expect.
fn close_reason(code: u16, reason: String) -> CloseReason {
    let code = if code == 1002 && reason.starts_with(REFUSED) {
        4403
    } else {
        code
    };
    CloseReason {
        code: CloseCode::from(code),
        description: Some(reason),
    }
}

/// The connection's data from its `connection_init` payload: the caller
/// its `authorization` names (anonymous without one).
async fn init(
    state: &AppState,
    payload: &Value,
    address: Option<String>,
) -> async_graphql::Result<async_graphql::Data> {
    let refuse = |detail: String| async_graphql::Error::new(format!("{REFUSED}{detail}"));
    let header = payload
        .get("authorization")
        .or_else(|| payload.get("Authorization"));
    let credential = match header {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            let (scheme, credential) = text.trim().split_once(' ').unwrap_or((text, ""));
            if !scheme.eq_ignore_ascii_case("bearer") || credential.trim().is_empty() {
                return Err(refuse(
                    "authorization must be `Bearer <token or key>`".to_owned(),
                ));
            }
            Some(credential.trim().to_owned())
        }
        Some(_) => return Err(refuse("authorization must be a string".to_owned())),
    };
    let principal = identity::authenticate(&state.identity, credential.as_deref())
        .await
        .map_err(|err| refuse(err.problem().detail))?;
    Ok(data_for(state, principal, address))
}
