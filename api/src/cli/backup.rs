//! `masthead backup` and `masthead restore`: a consistent copy of an
//! embedded (SQLite) installation, taken while it serves, and its return
//! into an empty data folder.
//!
//! The archive is a zstd-compressed tar of the data folder as it would be
//! at one instant: `masthead.db` is a snapshot made with `VACUUM INTO`
//! (one read transaction, so writers go on and the copy is one committed
//! state), followed by the folder's other files (the generated signing
//! secret) and the media library, and last `manifest.json` with the size
//! and SHA-256 of every file. A restore checks every file against the
//! manifest before anything is put in place, then runs SQLite's
//! `integrity_check` on the restored database.
//!
//! Media files are copied after the snapshot, so every picture the
//! snapshot refers to is there, except one deleted during the backup.
//! PostgreSQL has its own tools: these commands say so and fail.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail, ensure};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// What the archive's manifest calls this format.
const FORMAT: &str = "masthead-backup";
/// The database's name inside the archive.
const DATABASE: &str = "masthead.db";
/// The manifest's name inside the archive.
const MANIFEST: &str = "manifest.json";

/// The last file of an archive: what it holds.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    masthead_version: String,
    created_at: chrono::DateTime<chrono::Utc>,
    files: Vec<Entry>,
}

/// One file of an archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Entry {
    path: String,
    bytes: u64,
    sha256: String,
}

/// What a backup or a restore did.
#[derive(Debug)]
pub struct Summary {
    /// Files in the archive, the database included.
    pub files: usize,
    /// Their bytes, uncompressed.
    pub bytes: u64,
}

/// The SQLite file of `config`, or why these commands do not apply.
fn sqlite_path(config: &Config) -> anyhow::Result<PathBuf> {
    let url = config.effective_database_url();
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        bail!(
            "the database is PostgreSQL: back it up with `pg_dump --format=custom` and restore \
             it with `pg_restore`; `masthead backup` and `restore` copy the embedded SQLite database"
        );
    };
    let path = rest.split('?').next().unwrap_or(rest);
    ensure!(
        !path.is_empty() && path != ":memory:",
        "the database is not a file"
    );
    Ok(PathBuf::from(path))
}

/// A read-only connection to the SQLite file at `path`, without a log line
/// per statement (as the server's own connections).
async fn open_read_only(path: &Path) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=ro", path.display()));
    options.sqlx_logging(false);
    Database::connect(options)
        .await
        .with_context(|| format!("cannot open {}", path.display()))
}

/// True for a path of the data folder that is the live database or its journal.
fn is_database_file(name: &str) -> bool {
    name == DATABASE || name.starts_with("masthead.db-")
}

/// A reader that counts and hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    progress: indicatif::ProgressBar,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        self.progress.inc(n as u64);
        Ok(n)
    }
}

/// Removes a file when dropped (the snapshot, whatever happens).
struct Removed(PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Files of `dir` (recursively), as paths relative to `root`, sorted.
fn files_under(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            files_under(root, &path, out)?;
        } else if kind.is_file()
            && let Ok(relative) = path.strip_prefix(root)
        {
            out.push(relative.to_path_buf());
        }
    }
    Ok(())
}

/// What goes into the archive after the database: the data folder's own
/// files (not the live database) and, for a local media library, its folder.
fn other_files(config: &Config, database: &Path) -> io::Result<Vec<PathBuf>> {
    let root = &config.data_dir;
    let mut files = Vec::new();
    if root.is_dir() {
        let mut top: Vec<_> = std::fs::read_dir(root)?.collect::<Result<_, _>>()?;
        top.sort_by_key(std::fs::DirEntry::file_name);
        for entry in top {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if entry.file_type()?.is_file()
                && !is_database_file(&name)
                && path != database
                && !name.starts_with('.')
            {
                files.push(PathBuf::from(name));
            }
        }
    }
    let local_media = config
        .storage_url
        .as_deref()
        .is_none_or(|url| url.trim().is_empty());
    if local_media {
        files_under(root, &root.join("media"), &mut files)?;
    }
    Ok(files)
}

/// Appends `reader` as `name`, returning its manifest entry.
fn append<W: Write>(
    builder: &mut tar::Builder<W>,
    name: &str,
    len: u64,
    reader: impl Read,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<Entry> {
    let mut header = tar::Header::new_gnu();
    header.set_size(len);
    header.set_mode(0o600);
    header.set_mtime(chrono::Utc::now().timestamp().max(0).unsigned_abs());
    let mut hashing = Hashing {
        inner: reader.take(len),
        hasher: Sha256::new(),
        bytes: 0,
        progress: progress.clone(),
    };
    builder
        .append_data(&mut header, name, &mut hashing)
        .with_context(|| format!("cannot write {name} into the archive"))?;
    ensure!(
        hashing.bytes == len,
        "{name} changed size while it was copied"
    );
    Ok(Entry {
        path: name.to_owned(),
        bytes: len,
        sha256: hex(&hashing.hasher.finalize()),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The archive path of a file relative to the data folder (`/`-separated).
fn archive_name(relative: &Path) -> String {
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `masthead backup --output FILE`: a consistent copy of the installation
/// while it runs. Refuses to overwrite `output`.
pub async fn backup(
    config: &Config,
    output: &Path,
    progress: indicatif::ProgressBar,
) -> anyhow::Result<Summary> {
    let database = sqlite_path(config)?;
    ensure!(
        database.is_file(),
        "no database at {}: nothing to back up",
        database.display()
    );
    let file = File::create_new(output)
        .with_context(|| format!("cannot create {} (it must not exist)", output.display()))?;
    let mut partial = Partial {
        path: output.to_path_buf(),
        finished: false,
    };
    let snapshot = output.with_file_name(format!(
        ".{}.snapshot",
        output.file_name().unwrap_or_default().to_string_lossy()
    ));
    let snapshot = Removed(snapshot);
    let db = open_read_only(&database).await?;
    let target = snapshot.0.display().to_string().replace('\'', "''");
    db.execute_unprepared("PRAGMA busy_timeout = 30000").await?;
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await
        .context("cannot snapshot the database")?;
    db.close().await?;

    let config = config.clone();
    let snapshot_path = snapshot.0.clone();
    let summary = tokio::task::spawn_blocking(move || -> anyhow::Result<Summary> {
        let others = other_files(&config, &database)?;
        let mut total = std::fs::metadata(&snapshot_path)?.len();
        for relative in &others {
            total += std::fs::metadata(config.data_dir.join(relative)).map_or(0, |m| m.len());
        }
        progress.set_length(total);
        let encoder = zstd::Encoder::new(file, 3)?;
        let mut builder = tar::Builder::new(encoder);
        let mut entries = Vec::new();
        let len = std::fs::metadata(&snapshot_path)?.len();
        let db_file = File::open(&snapshot_path)?;
        entries.push(append(&mut builder, DATABASE, len, db_file, &progress)?);
        for relative in others {
            let path = config.data_dir.join(&relative);
            // A media file deleted since the listing is left out.
            let Ok(file) = File::open(&path) else {
                continue;
            };
            let len = file.metadata()?.len();
            let name = archive_name(&relative);
            entries.push(append(&mut builder, &name, len, file, &progress)?);
        }
        let manifest = Manifest {
            format: FORMAT.to_owned(),
            masthead_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at: chrono::Utc::now(),
            files: entries.clone(),
        };
        let json = serde_json::to_vec_pretty(&manifest)?;
        let hidden = indicatif::ProgressBar::hidden();
        append(
            &mut builder,
            MANIFEST,
            json.len() as u64,
            &json[..],
            &hidden,
        )?;
        let file = builder.into_inner()?.finish()?;
        file.sync_all()?;
        progress.finish_and_clear();
        Ok(Summary {
            files: entries.len(),
            bytes: entries.iter().map(|e| e.bytes).sum(),
        })
    })
    .await??;
    partial.finished = true;
    Ok(summary)
}

/// Removes a half-written archive unless it was finished.
struct Partial {
    path: PathBuf,
    finished: bool,
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A relative, `/`-separated archive path with no `..`, absolute or empty part.
fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    let ok = !name.is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)));
    ok.then(|| path.to_path_buf())
}

/// True when `dir` is missing or holds nothing.
fn is_empty_dir(dir: &Path) -> io::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(err) => Err(err),
    }
}

/// `masthead restore FILE`: the archive into an empty data folder. Every
/// file is checked against the manifest before any is put in place; the
/// restored database must pass `PRAGMA integrity_check`.
pub async fn restore(
    config: &Config,
    input: &Path,
    progress: indicatif::ProgressBar,
) -> anyhow::Result<Summary> {
    let database = sqlite_path(config)?;
    let root = config.data_dir.clone();
    ensure!(
        is_empty_dir(&root)?,
        "{} is not empty: restore into an empty data folder",
        root.display()
    );
    ensure!(
        !database.exists(),
        "{} exists: restore never overwrites a database",
        database.display()
    );
    std::fs::create_dir_all(&root)?;
    let staging = root.join(".restoring");
    let input = input.to_path_buf();
    let staged = {
        let staging = staging.clone();
        tokio::task::spawn_blocking(move || unpack(&input, &staging, &progress)).await?
    };
    let manifest = match staged {
        Ok(manifest) => manifest,
        Err(err) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(err);
        }
    };
    for entry in &manifest.files {
        let from = staging.join(&entry.path);
        let to = if entry.path == DATABASE {
            database.clone()
        } else {
            root.join(&entry.path)
        };
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(&from, &to)
            .with_context(|| format!("cannot move {} into place", entry.path))?;
    }
    std::fs::remove_dir_all(&staging)?;
    let db = open_read_only(&database).await?;
    let rows = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?;
    let verdicts: Vec<String> = rows
        .iter()
        .filter_map(|row| row.try_get_by_index::<String>(0).ok())
        .collect();
    db.close().await?;
    ensure!(
        verdicts == ["ok"],
        "the restored database fails its integrity check: {}",
        verdicts.join("; ")
    );
    Ok(Summary {
        files: manifest.files.len(),
        bytes: manifest.files.iter().map(|e| e.bytes).sum(),
    })
}

/// Unpacks the archive into `staging` and checks it against its manifest.
fn unpack(
    input: &Path,
    staging: &Path,
    progress: &indicatif::ProgressBar,
) -> anyhow::Result<Manifest> {
    let file = File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    progress.set_length(file.metadata()?.len());
    let decoder =
        zstd::Decoder::new(progress.wrap_read(file)).context("not a Masthead backup (zstd)")?;
    let mut archive = tar::Archive::new(decoder);
    std::fs::create_dir_all(staging)?;
    let mut found = Vec::new();
    let mut manifest = None;
    for entry in archive.entries().context("not a Masthead backup (tar)")? {
        let mut entry = entry.context("the archive is damaged")?;
        let name = entry.path()?.to_string_lossy().into_owned();
        ensure!(
            entry.header().entry_type().is_file(),
            "{name}: only files belong in a backup"
        );
        let relative = safe_relative(&name).with_context(|| format!("{name}: not a safe path"))?;
        ensure!(manifest.is_none(), "{name}: found after the manifest");
        if name == MANIFEST {
            let mut json = Vec::new();
            entry.read_to_end(&mut json)?;
            manifest = Some(
                serde_json::from_slice::<Manifest>(&json)
                    .context("manifest.json is not a Masthead manifest")?,
            );
            continue;
        }
        let target = staging.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut out = File::create_new(&target)
            .with_context(|| format!("{name}: appears twice in the archive"))?;
        let mut hashing = Hashing {
            inner: &mut entry,
            hasher: Sha256::new(),
            bytes: 0,
            progress: indicatif::ProgressBar::hidden(),
        };
        io::copy(&mut hashing, &mut out)?;
        out.sync_all()?;
        found.push(Entry {
            path: name,
            bytes: hashing.bytes,
            sha256: hex(&hashing.hasher.finalize()),
        });
    }
    let manifest = manifest.context("the archive has no manifest.json: it is incomplete")?;
    ensure!(
        manifest.format == FORMAT,
        "manifest.json names the format {:?}, not {FORMAT}",
        manifest.format
    );
    ensure!(
        manifest.files.first().is_some_and(|e| e.path == DATABASE),
        "the archive has no database"
    );
    for expected in &manifest.files {
        let Some(actual) = found.iter().find(|f| f.path == expected.path) else {
            bail!(
                "{} is in the manifest but not in the archive",
                expected.path
            );
        };
        ensure!(
            actual == expected,
            "{}: its size or SHA-256 differs from the manifest's",
            expected.path
        );
    }
    ensure!(
        found.len() == manifest.files.len(),
        "the archive holds files its manifest does not list"
    );
    progress.finish_and_clear();
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_unpacked() {
        assert!(safe_relative("media/ab/cd.jpg").is_some());
        assert!(safe_relative("masthead.db").is_some());
        for bad in ["", "/etc/passwd", "../x", "media/../../x", "./x"] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn postgres_installations_are_sent_to_their_own_tools() {
        let config = Config {
            database_url: Some("postgres://postgres@127.0.0.1/masthead".to_owned()),
            ..Config::default()
        };
        let err = sqlite_path(&config).unwrap_err().to_string();
        assert!(err.contains("pg_dump"), "{err}");
        let config = Config {
            database_url: Some("sqlite:///srv/masthead/site.db?mode=rwc".to_owned()),
            ..Config::default()
        };
        assert_eq!(
            sqlite_path(&config).unwrap(),
            PathBuf::from("/srv/masthead/site.db")
        );
    }
}
