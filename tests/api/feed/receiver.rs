//! A webhook receiver for tests: a real HTTP server on a random port that
//! records every request and answers as scripted (then `200`).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::helpers::LocalServer;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The path asked for.
    pub path: String,
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    pub at: Instant,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// What the reference library needs to verify it with `secret`.
    pub fn to_verify(&self, secret: &str) -> Value {
        json!({
            "secret": secret,
            "headers": {
                "webhook-id": self.id,
                "webhook-timestamp": self.timestamp,
                "webhook-signature": self.signature,
            },
            "body": self.body,
        })
    }
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<&'static str>,
    /// A `Location` header (for redirects).
    pub location: Option<&'static str>,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            location: None,
        }
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    script: VecDeque<Reply>,
    otherwise: Option<Reply>,
}

/// The running receiver.
pub struct Receiver {
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    /// Stops the receiver when dropped.
    _server: LocalServer,
}

fn header(req: &HttpRequest, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl Receiver {
    /// Starts a receiver.
    pub fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let server = LocalServer::start(
            inner.clone(),
            |req: HttpRequest, body: web::Bytes, state: web::Data<Arc<Mutex<Inner>>>| async move {
                let mut inner = state.lock().unwrap();
                inner.received.push(Received {
                    path: req.path().to_owned(),
                    id: header(&req, "webhook-id"),
                    timestamp: header(&req, "webhook-timestamp"),
                    signature: header(&req, "webhook-signature"),
                    content_type: header(&req, "content-type"),
                    body: String::from_utf8(body.to_vec()).unwrap(),
                    at: Instant::now(),
                });
                let reply = inner
                    .script
                    .pop_front()
                    .or_else(|| inner.otherwise.clone())
                    .unwrap_or(Reply::status(200));
                let mut answer = HttpResponse::build(
                    actix_web::http::StatusCode::from_u16(reply.status).unwrap(),
                );
                if let Some(after) = reply.retry_after {
                    answer.insert_header(("retry-after", after));
                }
                if let Some(location) = reply.location {
                    answer.insert_header(("location", location));
                }
                answer.body(format!("answer {}", reply.status))
            },
        );
        Self {
            url: format!("{}/hook", server.origin),
            inner,
            _server: server,
        }
    }

    /// Answers the next requests with `replies`, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().unwrap().script.extend(replies);
    }

    /// Answers every request without a scripted reply with `reply`.
    pub fn otherwise(&self, reply: Reply) {
        self.inner.lock().unwrap().otherwise = Some(reply);
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// Waits until `count` requests arrived (30 s at most), and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "{count} request(s) expected, {} came: {received:#?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Verifies deliveries with the `standardwebhooks` npm library; returns
/// its verdict on each (`"ok"` or the library's error).
pub async fn verify_with_reference_library(deliveries: &[Value]) -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/feed-client");
    let input = serde_json::to_vec(deliveries).unwrap();
    let mut child = tokio::process::Command::new("node")
        .arg("verify-webhooks.mjs")
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node runs (see .ci/run for the set-up)");
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&input).await.unwrap();
    }
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "the verifier failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
