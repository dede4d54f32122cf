//! Nothing acknowledged is lost: a `kill -9` in the middle of concurrent
//! writes, a graceful stop with a slow request in flight, and a backup
//! taken under load then restored.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestDatabase};
use crate::process::{Api, BINARY, Process, serve_env};

/// Every acknowledged version of every article: id → [(version, title)].
type Acknowledged = Arc<Mutex<BTreeMap<String, Vec<(i64, String)>>>>;

/// Writers that create articles and edit each once, recording each write
/// the server acknowledged, until the server stops answering or `stop` is set.
fn spawn_writers(
    base: &str,
    token: &str,
    author: &str,
    writers: usize,
    acknowledged: &Acknowledged,
    stop: &Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..writers)
        .map(|writer| {
            let (base, token, author) = (base.to_owned(), token.to_owned(), author.to_owned());
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(20))
                    .build()
                    .unwrap();
                for round in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    let title = format!("« Dépêche » {writer}-{round}");
                    let Ok(response) = client
                        .post(format!("{base}/api/v1/articles"))
                        .bearer_auth(&token)
                        .json(&json!({
                            "title": title,
                            "author_ids": [author],
                            "body": "Un texte « accentué » — long.",
                        }))
                        .send()
                        .await
                    else {
                        return;
                    };
                    if response.status() != 201 {
                        return;
                    }
                    let Ok(created) = response.json::<Value>().await else {
                        return;
                    };
                    let id = created["id"].as_str().unwrap().to_owned();
                    acknowledged
                        .lock()
                        .unwrap()
                        .entry(id.clone())
                        .or_default()
                        .push((created["version"].as_i64().unwrap(), title));
                    let edited = format!("« Dépêche » {writer}-{round}, mise à jour");
                    let Ok(response) = client
                        .patch(format!("{base}/api/v1/articles/{id}"))
                        .bearer_auth(&token)
                        .json(&json!({"title": edited}))
                        .send()
                        .await
                    else {
                        return;
                    };
                    if response.status() != 200 {
                        return;
                    }
                    let Ok(updated) = response.json::<Value>().await else {
                        return;
                    };
                    acknowledged
                        .lock()
                        .unwrap()
                        .entry(id)
                        .or_default()
                        .push((updated["version"].as_i64().unwrap(), edited));
                }
            })
        })
        .collect()
}

/// Checks that every acknowledged version is stored, with its title, and
/// that each article's history has no gap.
async fn check_acknowledged(api: &Api, acknowledged: &BTreeMap<String, Vec<(i64, String)>>) {
    for (id, versions) in acknowledged {
        let article = api.get(&format!("/articles/{id}")).await;
        let (last, _) = versions.last().unwrap();
        assert!(
            article["version"].as_i64().unwrap() >= *last,
            "{id}: version {} is stored, {last} was acknowledged",
            article["version"]
        );
        let history = api
            .get(&format!("/articles/{id}/revisions?per_page=100"))
            .await;
        let mut stored: Vec<i64> = history["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["version"].as_i64().unwrap())
            .collect();
        stored.sort_unstable();
        let current = article["version"].as_i64().unwrap();
        assert_eq!(stored, (1..=current).collect::<Vec<_>>(), "{id}: history");
        for (version, title) in versions {
            let revision = api
                .get(&format!("/articles/{id}/revisions/{version}"))
                .await;
            assert_eq!(revision["snapshot"]["title"], *title, "{id} v{version}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_write_survives_a_kill_9() {
    let database = TestDatabase::create().await;
    let env = serve_env(&database, &[]);
    let (mut server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base.clone()).await;
    let acknowledged = Acknowledged::default();
    let stop = Arc::default();
    let author = api.post("/authors", json!({"name": "Rédaction"})).await;
    let author = author["id"].as_str().unwrap();
    let writers = spawn_writers(&base, &api.token, author, 8, &acknowledged, &stop);
    // Let the writers get going, then kill the server in the middle of them.
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if acknowledged.lock().unwrap().len() >= 40 {
            break;
        }
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 40,
        "the writers wrote {} articles",
        acknowledged.len()
    );

    let (_server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base).await;
    check_acknowledged(&api, &acknowledged).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_in_flight_when_sigterm_arrives_is_finished() {
    let database = TestDatabase::create().await;
    let env = serve_env(&database, &[]);
    let (mut server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base.clone()).await;
    let author = api.post("/authors", json!({"name": "Rédaction"})).await;
    let author = author["id"].as_str().unwrap().to_owned();

    // A body sent slowly over a raw connection: the request is in flight
    // across the signal.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://").to_owned();
    let (head, tail) = (
        r#"{"title": "Arrivée lente", "#.as_bytes(),
        format!(r#""body": "« fin »", "author_ids": ["{author}"]}}"#).into_bytes(),
    );
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "POST /api/v1/articles HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        api.token,
        head.len() + tail.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(head).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // The server stops taking new connections...
    let mut refused = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused,
        "the server still takes new connections after SIGTERM"
    );
    // ...and finishes the request it has.
    stream.write_all(&tail).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    let created: Value = serde_json::from_str(body).unwrap();
    server.wait_for(|v| v["fields"]["message"] == "masthead stopped");
    assert!(server.child.wait().unwrap().success());

    // Started again, the write is there.
    let (_server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base).await;
    let stored = api
        .get(&format!("/articles/{}", created["id"].as_str().unwrap()))
        .await;
    assert_eq!(stored["title"], "Arrivée lente");
    assert_eq!(stored["body"], "« fin »");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let database = TestDatabase::create().await;
    let env = serve_env(&database, &[]);
    let archive = database.dir.path().join("backup.tar.zst");
    if database.is_postgres() {
        // PostgreSQL has its own tools; the command says which and fails.
        let output = Command::new(BINARY)
            .args(["backup", "--output", archive.to_str().unwrap()])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("pg_dump"));
        assert!(!archive.exists());
        return;
    }
    let (_server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base.clone()).await;
    let acknowledged = Acknowledged::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let author = api.post("/authors", json!({"name": "Rédaction"})).await;
    let author = author["id"].as_str().unwrap();
    let writers = spawn_writers(&base, &api.token, author, 4, &acknowledged, &stop);
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if acknowledged.lock().unwrap().len() >= 20 {
            break;
        }
    }
    // Everything acknowledged before the backup starts must be in it.
    let before = acknowledged.lock().unwrap().clone();
    let output = tokio::task::spawn_blocking({
        let (archive, env) = (archive.clone(), env.clone());
        move || {
            Command::new(BINARY)
                .args(["backup", "--output", archive.to_str().unwrap()])
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The writers were still writing when the backup ended.
    assert!(
        writers.iter().all(|writer| !writer.is_finished()),
        "a writer stopped during the backup"
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    // The archive cannot be written twice over.
    let again = Command::new(BINARY)
        .args(["backup", "--output", archive.to_str().unwrap()])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(!again.status.success());

    // Restore into an empty folder, then serve from it.
    let restored = TestDatabase::create().await;
    let restored_env = serve_env(&restored, &[]);
    let output = Command::new(BINARY)
        .args(["restore", archive.to_str().unwrap()])
        .envs(restored_env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains("integrity check: ok"), "{printed}");
    let integrity = sqlite_integrity(&restored.dir.path().join("masthead.db")).await;
    assert_eq!(integrity, ["ok"]);
    // A second restore into the now full folder is refused.
    let twice = Command::new(BINARY)
        .args(["restore", archive.to_str().unwrap()])
        .envs(restored_env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert!(!twice.status.success());

    let (_restored_server, base) = Process::serve(&restored, &restored_env);
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the restored admin signs in");
    let api = Api::sign_in(base).await;
    check_acknowledged(&api, &before).await;
}

/// `PRAGMA integrity_check` of a SQLite file.
async fn sqlite_integrity(path: &std::path::Path) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Database, DatabaseBackend, Statement};
    let db = Database::connect(format!("sqlite://{}?mode=ro", path.display()))
        .await
        .unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect()
}
