//! The library on a real S3-compatible server: the `moto` server (PyPI
//! `moto[server]`, which `.ci/run` installs) on a free port, and the
//! `masthead` binary pointed at it with `MASTHEAD_STORAGE_URL` and the usual
//! `AWS_*` credentials.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Target;
use super::library::{LIMIT, Store, suite};
use crate::helpers::TestDatabase;
use crate::process::{Api, Process, serve_env};

/// A moto server, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!("cannot start moto_server ({err}): install moto[server] from PyPI, as .ci/run does")
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{endpoint}/")).await.is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, endpoint }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_library_on_an_s3_compatible_store() {
    let moto = Moto::start().await;
    let bucket = "masthead-media";
    let created = reqwest::Client::new()
        .put(format!("{}/{bucket}", moto.endpoint))
        .send()
        .await
        .unwrap();
    assert!(
        created.status().is_success(),
        "bucket: {}",
        created.status()
    );

    let database = TestDatabase::create().await;
    let storage = format!(
        "s3://{bucket}/site?endpoint={}&region=us-east-1",
        moto.endpoint
    );
    let limit = LIMIT.to_string();
    let mut env = serve_env(
        &database,
        &[
            ("MASTHEAD_STORAGE_URL", &storage),
            ("MASTHEAD_MAX_UPLOAD_BYTES", &limit),
        ],
    );
    env.push(("AWS_ACCESS_KEY_ID", "masthead-test".to_owned()));
    env.push(("AWS_SECRET_ACCESS_KEY", "masthead-test-secret".to_owned()));
    let (_server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base.clone()).await;
    let target = Target {
        base,
        token: api.token.clone(),
        client: reqwest::Client::new(),
    };
    let store = Store::S3 {
        endpoint: moto.endpoint.clone(),
        bucket: bucket.to_owned(),
    };
    suite(&target, &store).await;
    // Nothing went to the local data folder.
    assert!(!database.dir.path().join("media").join("originals").exists());
}
