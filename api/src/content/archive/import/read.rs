//! Reading an archive as a stream: a thread of its own decompresses it and
//! hands over one file at a time (with its SHA-256), so memory holds a
//! couple of files whatever the archive's size, and the reading does not
//! hold up the runtime.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use tokio::sync::mpsc;

use crate::media::intake::sha256_hex;

/// The largest file an archive may hold (a chunk of records, or one asset).
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// One file of the archive.
#[derive(Debug)]
pub(super) struct Entry {
    pub path: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// The files of the archive at `path`, in order; a damaged or cut archive
/// ends with an error naming where.
pub(super) fn entries(path: PathBuf) -> mpsc::Receiver<Result<Entry, String>> {
    let (sender, receiver) = mpsc::channel(2);
    std::thread::spawn(move || {
        if let Err(message) = read_all(&path, &sender) {
            let _ = sender.blocking_send(Err(message));
        }
    });
    receiver
}

fn read_all(path: &PathBuf, sender: &mpsc::Sender<Result<Entry, String>>) -> Result<(), String> {
    let file = File::open(path).map_err(|err| format!("cannot open {}: {err}", path.display()))?;
    let decoder = zstd::Decoder::new(BufReader::new(file))
        .map_err(|err| format!("{} is not a zstd stream: {err}", path.display()))?;
    let mut archive = tar::Archive::new(decoder);
    let mut last: Option<String> = None;
    let where_ = |last: &Option<String>| {
        last.as_ref()
            .map_or_else(|| "at its start".to_owned(), |path| format!("after {path}"))
    };
    let entries = archive
        .entries()
        .map_err(|err| format!("the archive cannot be read {}: {err}", where_(&last)))?;
    for entry in entries {
        let mut entry = entry.map_err(|err| {
            format!(
                "the archive is damaged or cut short {}: {err}",
                where_(&last)
            )
        })?;
        let name = entry
            .path()
            .map_err(|err| format!("a file name is not readable {}: {err}", where_(&last)))?
            .to_string_lossy()
            .into_owned();
        let size = entry.header().size().unwrap_or(0);
        if size > MAX_FILE_BYTES {
            return Err(format!(
                "{name}: {size} bytes, more than a file of an archive may hold ({MAX_FILE_BYTES})"
            ));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        entry
            .read_to_end(&mut bytes)
            .map_err(|err| format!("the archive is damaged or cut short in {name}: {err}"))?;
        let sha256 = sha256_hex(&bytes);
        last = Some(name.clone());
        let entry = Entry {
            path: name,
            bytes,
            sha256,
        };
        if sender.blocking_send(Ok(entry)).is_err() {
            // Whoever was reading stopped.
            return Ok(());
        }
    }
    Ok(())
}
