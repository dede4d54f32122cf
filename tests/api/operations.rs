//! Operations: probes, request ids, compression, the binary's start-up,
//! JSON logs, migrations and graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, TestDatabase, expect_json, header, send};

const BINARY: &str = env!("CARGO_BIN_EXE_masthead");

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(
        expect_json(app.get("/healthz").await, 200).await["status"],
        "ok"
    );
    assert_eq!(
        expect_json(app.get("/readyz").await, 200).await["status"],
        "ready"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("masthead_db_statements_total "),
        "{metrics}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let given = send(
        app.request(Method::GET, "/healthz")
            .header("X-Request-Id", "trace-42"),
    )
    .await;
    assert_eq!(header(&given, "x-request-id").as_deref(), Some("trace-42"));
    let made = app.get("/api/v1/nothing").await;
    let id = header(&made, "x-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn().await;
    for encoding in ["br", "gzip"] {
        let response = send(
            app.request(Method::GET, "/openapi.json")
                .header("Accept-Encoding", encoding),
        )
        .await;
        assert_eq!(
            header(&response, "content-encoding").as_deref(),
            Some(encoding)
        );
    }
}

/// A `masthead` process whose standard output is read line by line.
struct Process {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Process {
    fn start(args: &[&str], cwd: &std::path::Path, env: &[(&str, String)]) -> Self {
        let mut command = Command::new(BINARY);
        command
            .args(args)
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("MASTHEAD_")) {
            command.env_remove(key);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start masthead");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// The next JSON log line that satisfies `wanted`, within 30 seconds.
    fn wait_for(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("the expected log line never came");
            let Ok(value) = serde_json::from_str::<Value>(&line) else {
                panic!("a log line is not JSON: {line}");
            };
            if wanted(&value) {
                return value;
            }
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_with_json_logs_and_stops_gracefully_on_sigterm() {
    let database = TestDatabase::create().await;
    let mut env = vec![
        ("MASTHEAD_BIND", "127.0.0.1:0".to_owned()),
        ("MASTHEAD_LOG_FORMAT", "json".to_owned()),
    ];
    if let Some(url) = &database.url {
        env.push(("MASTHEAD_DATABASE_URL", url.clone()));
    }
    // No MASTHEAD_DATA_DIR: the default ./data folder is made in the working directory.
    let mut server = Process::start(&["serve"], database.dir.path(), &env);
    let ready = server.wait_for(|v| v["fields"]["message"] == "masthead is serving");
    let port = ready["fields"]["port"]
        .as_u64()
        .expect("port in the start-up line");
    if !database.is_postgres() {
        let data = database.dir.path().join("data");
        assert!(
            data.join("masthead.db").is_file(),
            "the embedded database is created"
        );
        assert!(
            data.join("masthead.db-wal").is_file(),
            "SQLite runs in WAL mode"
        );
    }

    let client = reqwest::Client::new();
    let response = client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .header("X-Request-Id", "probe-7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let logged = server.wait_for(|v| v["span"]["request_id"] == "probe-7");
    assert_eq!(logged["fields"]["status"], 200);
    assert_eq!(logged["span"]["path"], "/readyz");

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    server.wait_for(|v| v["fields"]["message"] == "masthead stopped");
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "exit status {exit}");
}

#[tokio::test]
async fn migrate_applies_the_schema_and_can_run_again() {
    let database = TestDatabase::create().await;
    let mut env = vec![(
        "MASTHEAD_DATA_DIR",
        database.dir.path().join("d").display().to_string(),
    )];
    if let Some(url) = &database.url {
        env.push(("MASTHEAD_DATABASE_URL", url.clone()));
    }
    env.push(("MASTHEAD_LOG_FORMAT", "json".to_owned()));
    for _ in 0..2 {
        let mut process = Process::start(&["migrate"], database.dir.path(), &env);
        process.wait_for(|v| v["fields"]["message"] == "migrations applied");
        assert!(process.child.wait().unwrap().success());
    }
    if !database.is_postgres() {
        assert!(database.dir.path().join("d/masthead.db").is_file());
    }
}
