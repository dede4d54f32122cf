//! Featured images fetched into the media library. Before a post is
//! converted, every picture the export shows as a featured image is fetched
//! once (four at a time), through the SSRF guard (private addresses only
//! with `MASTHEAD_IMPORT_ALLOW_PRIVATE`), bounded by the upload limit, and
//! taken in as an upload is (its kind from its bytes, location metadata
//! removed, size and placeholder read). A picture that cannot be fetched,
//! or is not a picture, stays at its address, and the report says why.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entities::asset;
use futures_util::StreamExt;

use super::{System, derived};
use crate::content::asset::new_row;
use crate::media::{Media, Rules, intake};
use crate::net::Fetcher;

/// Pictures fetched at once.
const PARALLEL: usize = 4;
/// How long one picture may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// How pictures are fetched: the guarded client and the library's rules.
#[derive(Debug, Clone)]
pub struct Fetch {
    fetcher: Fetcher,
    rules: Rules,
    max_bytes: usize,
    runtime: tokio::runtime::Handle,
}

impl Fetch {
    /// Fetching for the media library `media`, on the current runtime.
    pub fn new(media: &Media) -> anyhow::Result<Self> {
        let fetcher = Fetcher::new(
            concat!("Masthead-Import/", env!("CARGO_PKG_VERSION")),
            TIMEOUT,
            media.fetch_allow_private,
            "MASTHEAD_IMPORT_ALLOW_PRIVATE",
        )?;
        Ok(Self {
            fetcher,
            rules: media.rules,
            max_bytes: media.max_upload_bytes,
            runtime: tokio::runtime::Handle::current(),
        })
    }
}

/// A picture fetched: its asset, and its bytes in a file until the
/// archive takes them.
#[derive(Debug, Clone)]
pub(super) struct Picture {
    pub asset: asset::Model,
    pub file: PathBuf,
}

/// The pictures at `wanted` (address, alt text), fetched into `folder`, by
/// address; and a note for each one left at its address. Blocks: call it
/// off the runtime's threads.
pub(super) fn fetch_all(
    fetch: &Fetch,
    system: System,
    wanted: Vec<(String, Option<String>)>,
    (folder, now): (&Path, DateTime<Utc>),
) -> (HashMap<String, Picture>, Vec<String>) {
    let one = |(url, alt): (String, Option<String>)| async move {
        let result = picture(fetch, system, (&url, alt), (folder, now)).await;
        (url, result)
    };
    // Each address once (posts may share a picture), with its first alt text.
    let mut seen = HashSet::new();
    let wanted: Vec<_> = wanted
        .into_iter()
        .filter(|(url, _)| seen.insert(url.clone()))
        .collect();
    let results: Vec<(String, Result<Picture, String>)> = fetch.runtime.block_on(
        futures_util::stream::iter(wanted)
            .map(one)
            .buffer_unordered(PARALLEL)
            .collect(),
    );
    let mut fetched = HashMap::new();
    let mut notes = Vec::new();
    for (url, result) in results {
        match result {
            Ok(picture) => {
                fetched.insert(url, picture);
            }
            Err(why) => notes.push(format!(
                "featured image {url} from the media library ({why}): shown from its address"
            )),
        }
    }
    notes.sort();
    (fetched, notes)
}

/// One picture, fetched and taken in.
async fn picture(
    fetch: &Fetch,
    system: System,
    (url, alt): (&str, Option<String>),
    (folder, now): (&Path, DateTime<Utc>),
) -> Result<Picture, String> {
    let fetched = fetch.fetcher.get(url, fetch.max_bytes).await?;
    let name = url::Url::parse(&fetched.url)
        .ok()
        .and_then(|found| found.path_segments()?.next_back().map(str::to_owned));
    let rules = fetch.rules;
    let folder = folder.to_path_buf();
    let taken = tokio::task::spawn_blocking(move || {
        let taken = intake::take(fetched.bytes, name.as_deref(), rules)
            .map_err(|err| err.reasons().join("; "))?;
        if !taken.kind.is_image() {
            return Err(format!("not a picture but {}", taken.kind.content_type()));
        }
        let file = folder.join(&taken.sha256);
        std::fs::write(&file, &taken.bytes).map_err(|err| format!("cannot keep it: {err}"))?;
        Ok((taken, file))
    })
    .await
    .map_err(|err| format!("its inspection failed: {err}"))?;
    let (taken, file) = taken?;
    let mut asset = new_row(derived(&[system.name(), "asset", url]), &taken, None, now);
    asset.alt = alt;
    Ok(Picture { asset, file })
}
