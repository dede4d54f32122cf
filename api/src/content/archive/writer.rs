//! Writing an archive: chunks of records and files into a zstd-compressed
//! tar stream, each listed with its size, records and SHA-256, and the
//! manifest last.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{FORMAT, FileEntry, MANIFEST, Manifest, Part, Progress};
use crate::media::intake::sha256_hex;
use crate::storage;

/// The archive being written, and what it holds so far.
pub(super) struct Writer<'a, W: Write> {
    tar: tar::Builder<zstd::Encoder<'static, W>>,
    files: Vec<FileEntry>,
    counts: BTreeMap<Part, u64>,
    progress: Progress,
    created_at: DateTime<Utc>,
    report: &'a mut (dyn FnMut(Progress) + Send),
}

impl<'a, W: Write> Writer<'a, W> {
    /// A new archive written to `out`; `report` hears of every file.
    pub(super) fn new(
        out: W,
        report: &'a mut (dyn FnMut(Progress) + Send),
    ) -> anyhow::Result<Self> {
        let encoder = zstd::Encoder::new(out, 3).context("cannot start compressing")?;
        Ok(Self {
            tar: tar::Builder::new(encoder),
            files: Vec::new(),
            counts: BTreeMap::new(),
            progress: Progress::default(),
            created_at: storage::now(),
            report,
        })
    }

    /// Writes the manifest and closes the stream; returns the manifest.
    pub(super) fn finish(
        mut self,
        since: Option<DateTime<Utc>>,
        with_accounts: bool,
    ) -> anyhow::Result<Manifest> {
        let manifest = Manifest {
            format: FORMAT.to_owned(),
            schema_version: storage::schema_version(),
            masthead_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at: self.created_at,
            since,
            with_accounts,
            counts: std::mem::take(&mut self.counts),
            files: std::mem::take(&mut self.files),
        };
        let json = serde_json::to_vec_pretty(&manifest)?;
        self.append(MANIFEST, &json)?;
        let encoder = self.tar.into_inner().context("cannot finish the archive")?;
        encoder
            .finish()
            .context("cannot finish compressing")?
            .flush()?;
        Ok(manifest)
    }

    fn append(&mut self, path: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(u64::try_from(self.created_at.timestamp()).unwrap_or(0));
        self.tar
            .append_data(&mut header, path, bytes)
            .with_context(|| format!("cannot write {path} into the archive"))
    }

    /// Writes `records` as the next JSON-lines file of `part`.
    pub(super) fn chunk<T: Serialize>(&mut self, part: Part, records: &[T]) -> anyhow::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::new();
        for record in records {
            serde_json::to_writer(&mut bytes, record)?;
            bytes.push(b'\n');
        }
        let count = self.counts.entry(part).or_insert(0);
        *count += records.len() as u64;
        let number = self
            .files
            .iter()
            .filter(|f| f.path.starts_with(&format!("{}/", part.folder())))
            .count()
            + 1;
        let path = format!("{}/{number:06}.jsonl", part.folder());
        self.file(path, &bytes, records.len() as u64)
    }

    pub(super) fn file(&mut self, path: String, bytes: &[u8], records: u64) -> anyhow::Result<()> {
        self.append(&path, bytes)?;
        self.files.push(FileEntry {
            path,
            bytes: bytes.len() as u64,
            records,
            sha256: sha256_hex(bytes),
        });
        self.progress.records += records;
        self.progress.bytes += bytes.len() as u64;
        (self.report)(self.progress);
        Ok(())
    }
}
