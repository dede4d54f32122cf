//! `GET /graphql/ws`: GraphQL over WebSocket, for subscriptions (and any
//! operation). The `graphql-transport-ws` protocol of the `graphql-ws`
//! library, or the legacy `graphql-ws` one, as the client offers. The
//! credential comes in `connection_init` (`{"authorization": "Bearer …"}`):
//! without one the subscriber is anonymous; a refused one closes the
//! connection with 4403, and so does one refused later (checked every
//! minute: expired, revoked, its user disabled). The server pings every 15 s
//! (`MASTHEAD_GRAPHQL_WS_PING_MS`), drops a client silent for two pings, and
//! closes with 4408 a connection that does not initialise within 10 s.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// The credential is checked again every this many pings (a minute, by default).
const RECHECK_EVERY: u32 = 4;
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
    security(()),
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

/// What the connection's tasks share: the credential `connection_init`
/// gave, and when the client was last heard from.
#[derive(Clone)]
struct Shared {
    credential: Arc<Mutex<Option<String>>>,
    heard: Arc<Mutex<Instant>>,
}

impl Shared {
    fn heard_now(&self) {
        if let Ok(mut heard) = self.heard.lock() {
            *heard = Instant::now();
        }
    }

    fn silent_for(&self) -> Duration {
        self.heard.lock().map(|h| h.elapsed()).unwrap_or_default()
    }

    fn credential(&self) -> Option<String> {
        self.credential.lock().ok().and_then(|c| c.clone())
    }
}

impl Connection {
    async fn serve(self, mut session: Session, incoming: actix_ws::AggregatedMessageStream) {
        let shared = Shared {
            credential: Arc::default(),
            heard: Arc::new(Mutex::new(Instant::now())),
        };
        let (sender, receiver) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
        let reader = actix_web::rt::spawn(read(incoming, sender, session.clone(), shared.clone()));
        let input = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|message| (message, receiver))
        });
        let (state, address, kept) = (self.state.clone(), self.address.clone(), shared.clone());
        let mut graphql =
            WebSocket::new(self.endpoint.schema.clone(), Box::pin(input), self.protocol)
                .on_connection_init(move |payload| async move {
                    init(&state, &payload, address, &kept).await
                });
        let mut ping = tokio::time::interval(self.endpoint.limits.ws_ping);
        ping.tick().await;
        let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
        tokio::pin!(init_deadline);
        let (mut acknowledged, mut pings) = (false, 0_u32);
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
                    pings += 1;
                    if let Some(close) = self.check(&shared, pings % RECHECK_EVERY == 0).await {
                        break close;
                    }
                    if session.ping(b"").await.is_err() {
                        break None;
                    }
                }
                () = &mut init_deadline, if !acknowledged => {
                    break Some(closing(4408, "Connection initialisation timeout"));
                }
            }
        };
        reader.abort();
        let _ = session.close(close).await;
    }

    /// At a ping: a client silent past two pings is gone (`Some(None)`:
    /// close without a frame); with `recheck`, a credential no longer
    /// accepted (expired, revoked, its user disabled) closes with 4403.
    async fn check(&self, shared: &Shared, recheck: bool) -> Option<Option<CloseReason>> {
        if shared.silent_for() > 3 * self.endpoint.limits.ws_ping {
            return Some(None);
        }
        if !recheck {
            return None;
        }
        let credential = shared.credential()?;
        match identity::authenticate(&self.state.identity, Some(&credential)).await {
            Ok(_) | Err(AppError::Unavailable | AppError::Internal(_)) => None,
            Err(err) => Some(Some(closing(
                4403,
                &format!("{REFUSED}{}", err.problem().detail),
            ))),
        }
    }
}

/// Passes the client's messages on to the protocol engine, answers its
/// pings, and notes that it was heard from.
async fn read(
    mut incoming: actix_ws::AggregatedMessageStream,
    sender: tokio::sync::mpsc::Sender<Vec<u8>>,
    mut session: Session,
    shared: Shared,
) {
    while let Some(Ok(message)) = incoming.recv().await {
        shared.heard_now();
        let text = match message {
            AggregatedMessage::Text(text) => text.as_bytes().to_vec(),
            AggregatedMessage::Binary(bytes) => bytes.to_vec(),
            AggregatedMessage::Ping(bytes) => {
                let _ = session.pong(&bytes).await;
                continue;
            }
            AggregatedMessage::Pong(_) => continue,
            AggregatedMessage::Close(_) => break,
        };
        if sender.send(text).await.is_err() {
            break;
        }
    }
}

fn closing(code: u16, reason: &str) -> CloseReason {
    CloseReason {
        code: CloseCode::Other(code),
        description: Some(reason.to_owned()),
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
    shared: &Shared,
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
    if let Ok(mut kept) = shared.credential.lock() {
        *kept = credential;
    }
    Ok(data_for(state, principal, address))
}
