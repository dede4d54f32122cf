//! Read replicas, against a real PostgreSQL streaming replica: a primary
//! and a replica made with the machine's own PostgreSQL binaries (`initdb`,
//! `pg_basebackup -R`) in a temporary folder, each on a port of its own,
//! started and stopped by the test (as the `postgres` user when the suite
//! runs as root). They run with the PostgreSQL suite
//! (`MASTHEAD_TEST_DATABASE_URL` set).
//!
//! Replaying on the replica is paused to tell where a read was answered:
//! what the primary has and the replica has not yet replayed.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase, data, expect_json, id_of, send};

/// A primary and its streaming replica, stopped when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    primary_port: u16,
    replica_port: u16,
}

impl Cluster {
    /// Starts both servers, or `None` outside the PostgreSQL suite.
    fn start() -> Option<Self> {
        let suite = std::env::var("MASTHEAD_TEST_DATABASE_URL").unwrap_or_default();
        if !suite.starts_with("postgres") {
            return None;
        }
        let bin = postgres_bin();
        let dir = tempfile::tempdir().expect("tempdir");
        if as_root() {
            run(Command::new("chown").arg("postgres:").arg(dir.path()));
        }
        let cluster = Self {
            bin,
            primary_port: free_port(),
            replica_port: free_port(),
            dir,
        };
        let primary = cluster.path("primary");
        cluster.pg(
            "initdb",
            &[
                "-D", &primary, "-U", "postgres", "-A", "trust", "-E", "UTF8",
            ],
            &["--locale=C", "--no-sync"],
        );
        cluster.start_server("primary", cluster.primary_port);
        cluster.pg(
            "pg_basebackup",
            &["-h", "127.0.0.1", "-p", &cluster.primary_port.to_string()],
            &[
                "-U",
                "postgres",
                "-D",
                &cluster.path("replica"),
                "-R",
                "-X",
                "stream",
                "--no-sync",
            ],
        );
        cluster.start_server("replica", cluster.replica_port);
        Some(cluster)
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn start_server(&self, name: &str, port: u16) {
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.dir.path().display()
        );
        self.pg(
            "pg_ctl",
            &["-D", &self.path(name), "-o", &options],
            &["-l", &self.path(&format!("{name}.log")), "-w", "start"],
        );
    }

    fn stop_server(&self, name: &str) {
        self.pg(
            "pg_ctl",
            &["-D", &self.path(name), "-m", "immediate", "-w"],
            &["stop"],
        );
    }

    /// Runs a PostgreSQL program as the user that owns the folder.
    fn pg(&self, program: &str, args: &[&str], more: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        run(command.args(args).args(more).current_dir(self.dir.path()));
    }

    fn url(&self, port: u16, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{database}")
    }

    /// A database made on the primary, once the replica has it too.
    async fn database(&self) -> TestDatabase {
        let admin = Database::connect(self.url(self.primary_port, "postgres"))
            .await
            .expect("the primary answers");
        admin
            .execute_unprepared("CREATE DATABASE masthead")
            .await
            .expect("a database on the primary");
        let replica = self.url(self.replica_port, "masthead");
        eventually("the replica to have the new database", async || {
            Database::connect(&replica).await.is_ok()
        })
        .await;
        TestDatabase::at(self.url(self.primary_port, "masthead"))
    }

    async fn replica(&self) -> DatabaseConnection {
        Database::connect(self.url(self.replica_port, "masthead"))
            .await
            .expect("the replica answers")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for name in ["replica", "primary"] {
            let pid = self.dir.path().join(name).join("postmaster.pid");
            if pid.exists() {
                self.stop_server(name);
            }
        }
    }
}

/// Whether the suite runs as root (PostgreSQL's servers refuse to).
fn as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // `/proc/self` belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// The folder of the newest PostgreSQL server binaries on the machine
/// (`MASTHEAD_TEST_PG_BIN` overrides).
fn postgres_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("MASTHEAD_TEST_PG_BIN") {
        return PathBuf::from(bin);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries in /usr/lib/postgresql (or MASTHEAD_TEST_PG_BIN)")
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_basebackup").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("a PostgreSQL version with pg_basebackup")
        .1
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn run(command: &mut Command) {
    let output = command.output().expect("the program starts");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Waits up to 20 seconds for `check` to hold.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "waited too long for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn replay(replica: &DatabaseConnection, paused: bool) {
    let call = if paused {
        "SELECT pg_wal_replay_pause()"
    } else {
        "SELECT pg_wal_replay_resume()"
    };
    replica
        .execute_unprepared(call)
        .await
        .expect("replay control");
}

/// The title the public reads at `path`.
async fn public_title(app: &TestApp, path: &str) -> Option<String> {
    let response = send(app.anonymous(Method::GET, path)).await;
    if response.status() != 200 {
        return None;
    }
    let body: Value = response.json().await.expect("JSON");
    body["title"].as_str().map(str::to_owned)
}

/// The working copy's title as `token`'s holder reads it.
async fn working_title(app: &TestApp, token: &str, path: &str) -> String {
    let response = send(app.request_as(token, Method::GET, &format!("{path}?preview=true"))).await;
    expect_json(response, 200).await["title"]
        .as_str()
        .expect("a title")
        .to_owned()
}

/// Starts a server on `database` reading from the cluster's replica.
async fn server(cluster: &Cluster, database: TestDatabase, lag_ms: u64) -> TestApp {
    let replica = cluster.url(cluster.replica_port, "masthead");
    TestApp::spawn_on(database, move |config| {
        config.database_read_urls = vec![replica];
        config.replica_max_lag_ms = lag_ms;
    })
    .await
}

#[tokio::test]
async fn reads_go_to_the_replica_and_a_writer_reads_their_own_writes() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let database = cluster.database().await;
    let primary_url = database.url.clone().expect("a PostgreSQL URL");
    let app = server(&cluster, database, 600_000).await;
    let replica = cluster.replica().await;
    let (_, editor) = app.user("editor", None).await;

    let author = id_of(&app.create_author("Élise Réplique").await);
    let article = app
        .create_article(json!({"title": "Avant la réplique", "body": "Un texte « suivi ».", "author_ids": [author]}))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    let publish = json!({"action": "publish"});
    expect_json(
        app.post(&format!("{path}/transitions"), &publish).await,
        200,
    )
    .await;
    eventually("the public to read the published article", async || {
        public_title(&app, &path).await.as_deref() == Some("Avant la réplique")
    })
    .await;
    eventually("the editor to read it", async || {
        working_title(&app, &editor, &path).await == "Avant la réplique"
    })
    .await;

    // With replay paused, the primary has the new title and the replica not.
    replay(&replica, true).await;
    let edit = json!({"title": "Après la réplique"});
    expect_json(app.patch(&path, &edit).await, 200).await;
    expect_json(
        app.post(&format!("{path}/transitions"), &publish).await,
        200,
    )
    .await;

    // The writer reads their write, over REST and GraphQL…
    assert_eq!(
        working_title(&app, &app.admin_token, &path).await,
        "Après la réplique"
    );
    let query = "query($id: UUID!) { article(id: $id) { title } }";
    let answer = data(app.gql(query, json!({"id": id_of(&article)})).await);
    assert_eq!(answer["article"]["title"], "Après la réplique");
    // …while the public and an editor who did not write read the replica.
    for _ in 0..5 {
        assert_eq!(
            public_title(&app, &path).await.as_deref(),
            Some("Avant la réplique")
        );
        assert_eq!(
            working_title(&app, &editor, &path).await,
            "Avant la réplique"
        );
    }
    let answer = data(
        app.gql_anonymous(query, json!({"id": id_of(&article)}))
            .await,
    );
    assert_eq!(answer["article"]["title"], "Avant la réplique");

    // A second process over the same database allowing 300 ms of lag stops
    // reading from the paused replica once it is that far behind.
    let impatient = server(&cluster, TestDatabase::at(primary_url), 300).await;
    eventually("reads to leave a replica that fell behind", async || {
        public_title(&impatient, &path).await.as_deref() == Some("Après la réplique")
    })
    .await;
    assert_eq!(
        public_title(&app, &path).await.as_deref(),
        Some("Avant la réplique")
    );

    // Replay resumed, everyone reads the new title.
    replay(&replica, false).await;
    eventually("the public to read the new title", async || {
        public_title(&app, &path).await.as_deref() == Some("Après la réplique")
    })
    .await;
    assert_eq!(
        working_title(&app, &editor, &path).await,
        "Après la réplique"
    );

    // A replica that stops answering is left within a poll's patience (half
    // a second): reads go on, from the primary.
    drop(replica);
    cluster.stop_server("replica");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let edit = json!({"title": "Sans réplique"});
    expect_json(app.patch(&path, &edit).await, 200).await;
    expect_json(
        app.post(&format!("{path}/transitions"), &publish).await,
        200,
    )
    .await;
    for _ in 0..10 {
        assert_eq!(
            public_title(&app, &path).await.as_deref(),
            Some("Sans réplique")
        );
        assert_eq!(working_title(&app, &editor, &path).await, "Sans réplique");
    }
}

#[tokio::test]
async fn a_read_url_must_be_a_replica_of_a_postgresql_primary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = |database_url: Option<String>, read_url: &str| masthead::config::Config {
        data_dir: dir.path().to_path_buf(),
        database_url,
        database_read_urls: vec![read_url.to_owned()],
        log: "warn".to_owned(),
        ..masthead::config::Config::default()
    };
    let refusal = |result: anyhow::Result<masthead::app::AppState>| {
        format!("{:#}", result.expect_err("the server refuses to start"))
    };
    // Beside the embedded SQLite file.
    let sqlite = masthead::app::AppState::build(config(None, "postgres://127.0.0.1/x")).await;
    let message = refusal(sqlite);
    assert!(message.contains("needs a PostgreSQL"), "{message}");

    // Another cluster than the primary's.
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let database = cluster.database().await;
    let suite = std::env::var("MASTHEAD_TEST_DATABASE_URL").expect("the PostgreSQL suite");
    let other = masthead::app::AppState::build(config(database.url.clone(), &suite)).await;
    let message = refusal(other);
    assert!(
        message.contains("is not a replica of the primary"),
        "{message}"
    );
    let replica = cluster.url(cluster.replica_port, "masthead");
    let state = masthead::app::AppState::build(config(database.url.clone(), &replica)).await;
    assert!(state.is_ok(), "{:?}", state.err());
}
