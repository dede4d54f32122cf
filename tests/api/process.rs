//! The `masthead` binary as a process of its own, for tests of start-up,
//! shutdown, restarts and several processes on one database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, TestDatabase};

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_masthead");

/// A `masthead` process whose standard output is read line by line.
pub struct Process {
    pub child: Child,
    pub lines: mpsc::Receiver<String>,
}

impl Process {
    pub fn start(args: &[&str], cwd: &std::path::Path, env: &[(&str, String)]) -> Self {
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
    pub fn wait_for(&self, wanted: impl Fn(&Value) -> bool) -> Value {
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

/// The environment of `masthead serve` on `database`: a free port, JSON
/// logs, the test admin and signing secret, and `extra`.
pub fn serve_env(
    database: &TestDatabase,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("MASTHEAD_BIND", "127.0.0.1:0".to_owned()),
        ("MASTHEAD_LOG_FORMAT", "json".to_owned()),
        (
            "MASTHEAD_DATA_DIR",
            database.dir.path().display().to_string(),
        ),
        ("MASTHEAD_ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
        ("MASTHEAD_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
        ("MASTHEAD_JWT_SECRET", JWT_SECRET.to_owned()),
    ];
    if let Some(url) = &database.url {
        env.push(("MASTHEAD_DATABASE_URL", url.clone()));
    }
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    env
}

impl Process {
    /// `masthead serve` on `database` with `env`, once it serves; and the
    /// address of its API (`http://127.0.0.1:<port>`).
    pub fn serve(database: &TestDatabase, env: &[(&str, String)]) -> (Self, String) {
        let process = Self::start(&["serve"], database.dir.path(), env);
        let port = process.wait_for(|v| v["fields"]["message"] == "masthead is serving")["fields"]
            ["port"]
            .clone();
        (process, format!("http://127.0.0.1:{port}"))
    }
}

/// A signed-in client of one process's API.
pub struct Api {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The first admin's access token.
    pub token: String,
    client: reqwest::Client,
}

impl Api {
    /// Signs in as the first admin.
    pub async fn sign_in(base: String) -> Self {
        let client = reqwest::Client::new();
        let tokens: Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            base,
            token: tokens["access_token"].as_str().unwrap().to_owned(),
            client,
        }
    }

    /// `POST /api/v1{path}` as the admin; the answer must be a success.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// `GET /api/v1{path}` as the admin.
    pub async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The status of an anonymous `GET /api/v1{path}`.
    pub async fn public_status(&self, path: &str) -> u16 {
        self.client
            .get(format!("{}/api/v1{path}", self.base))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}
