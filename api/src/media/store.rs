//! Where the bytes of assets live, behind one trait (`object_store`'s
//! `ObjectStore`): a folder under the data directory by default, or any
//! S3-compatible store (`MASTHEAD_STORAGE_URL=s3://bucket/prefix?endpoint=…&region=…`,
//! credentials from the usual `AWS_*` variables). Originals are addressed
//! by their SHA-256, so identical bytes are stored once; variants are
//! stored beside them.

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};

use crate::error::AppError;

/// Bytes read from the store, as a stream.
pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// The store of asset bytes.
#[derive(Debug, Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    /// Where the bytes go, for logs (no credentials).
    pub describe: String,
}

fn store_error(err: object_store::Error) -> AppError {
    AppError::Internal(anyhow::Error::new(err).context("the media store failed"))
}

impl Blobs {
    /// A folder on this machine (created when missing).
    pub fn local(dir: &FsPath) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the media folder {}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .with_context(|| format!("cannot open the media folder {}", dir.display()))?
            .with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::default(),
            describe: dir.display().to_string(),
        })
    }

    /// An S3-compatible bucket: `s3://bucket/prefix?endpoint=…&region=…`.
    /// Credentials come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
    /// (and `AWS_SESSION_TOKEN`); `endpoint` may be plain `http://` (a
    /// store on the same network).
    pub fn s3(url: &str) -> anyhow::Result<Self> {
        // The HTTP client speaks TLS through rustls with ring, like the rest
        // of the server; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let parsed = url::Url::parse(url).context("MASTHEAD_STORAGE_URL is not a URL")?;
        anyhow::ensure!(
            parsed.scheme() == "s3",
            "MASTHEAD_STORAGE_URL must start with s3:// (got {}://)",
            parsed.scheme()
        );
        let bucket = parsed
            .host_str()
            .filter(|b| !b.is_empty())
            .context("MASTHEAD_STORAGE_URL names no bucket (s3://bucket/prefix)")?;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        let mut endpoint = None;
        for (name, value) in parsed.query_pairs() {
            match name.as_ref() {
                "endpoint" => {
                    builder = builder
                        .with_endpoint(value.as_ref())
                        .with_allow_http(value.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                    endpoint = Some(value.into_owned());
                }
                "region" => builder = builder.with_region(value.as_ref()),
                other => anyhow::bail!(
                    "MASTHEAD_STORAGE_URL: unknown parameter `{other}` (known: endpoint, region)"
                ),
            }
        }
        let store = builder.build().context("cannot set up the S3 store")?;
        let prefix = Path::from(parsed.path().trim_matches('/'));
        let describe = match endpoint {
            Some(endpoint) => format!("s3://{bucket}/{prefix} at {endpoint}"),
            None => format!("s3://{bucket}/{prefix}"),
        };
        Ok(Self {
            store: Arc::new(store),
            prefix,
            describe,
        })
    }

    fn path(&self, key: &str) -> Path {
        key.split('/')
            .fold(self.prefix.clone(), |path, part| path.join(part))
    }

    /// Stores `bytes` under `key` (replacing what was there, atomically).
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), AppError> {
        self.store
            .put(&self.path(key), PutPayload::from(bytes))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Whether something is stored under `key`.
    pub async fn exists(&self, key: &str) -> Result<bool, AppError> {
        match self.store.head(&self.path(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(err) => Err(store_error(err)),
        }
    }

    /// Everything stored under `key`; `None` when nothing is.
    pub async fn read(&self, key: &str) -> Result<Option<Bytes>, AppError> {
        match self.store.get(&self.path(key)).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(store_error)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(store_error(err)),
        }
    }

    /// The bytes of `range` (all when `None`) under `key`, as a stream.
    pub async fn stream(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<Option<ByteStream>, AppError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        match self.store.get_opts(&self.path(key), options).await {
            Ok(found) => Ok(Some(
                found.into_stream().map_err(std::io::Error::other).boxed(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(store_error(err)),
        }
    }

    /// Removes `key` and everything under `key/`; removing nothing is fine.
    pub async fn delete(&self, key: &str) -> Result<(), AppError> {
        let path = self.path(key);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(err) => return Err(store_error(err)),
        }
        let below: Vec<Path> = self
            .store
            .list(Some(&path))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(store_error)?;
        for child in below {
            match self.store.delete(&child).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(err) => return Err(store_error(err)),
            }
        }
        Ok(())
    }
}

/// Where the original with this SHA-256 is stored.
pub fn original_key(sha256: &str) -> String {
    let fan = sha256.get(..2).unwrap_or("00");
    format!("originals/{fan}/{sha256}")
}

/// The folder of the variants made from the original with this SHA-256.
pub fn variants_key(sha256: &str) -> String {
    let fan = sha256.get(..2).unwrap_or("00");
    format!("variants/{fan}/{sha256}")
}
