//! Opening everything a server or a command needs: the database (migrated),
//! the content domain, the accounts with their signing secret, and the
//! first admin.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::time::Duration;

use anyhow::Context;

use crate::auth::jwt::{self, JwtKeys};
use crate::auth::policy::Policy;
use crate::auth::token;
use crate::config::{Config, PublicMedia, Secret};
use crate::content::locales::Locales;
use crate::content::{Ctx, Settings, search, validate};
use crate::feed::{Feed, FeedSettings};
use crate::http::AppState;
use crate::http::cache::ResponseCache;
use crate::identity::{Identity, users};
use crate::media::{Allowed, Blobs, Bounds, Flights, Media, Rules};
use crate::storage;

/// The domain, the accounts and the change feed over one open, migrated
/// database: what the server and the command line share.
pub struct Opened {
    pub ctx: Ctx,
    pub identity: Identity,
    pub feed: Feed,
}

/// Opens and migrates the database (see [`Opened`]).
pub async fn open(config: &Config) -> anyhow::Result<Opened> {
    let locales = Locales::new(locales(config)?, &config.locale_fallbacks)
        .map_err(|m| anyhow::anyhow!("MASTHEAD_LOCALE_FALLBACKS: {m}"))?;
    let default_locale = locales.default_locale().to_owned();
    let secret = jwt_secret(config)?;
    let db = storage::connect(config).await?;
    storage::migrate(&db).await?;
    let policy = Policy {
        public_read: config.public_read,
    };
    let jwt = JwtKeys::new(
        secret.expose().as_bytes(),
        Duration::from_secs(config.access_token_ttl),
    );
    let refresh_ttl = Duration::from_secs(config.refresh_token_ttl);
    let identity = Identity::new(db.primary(), policy, jwt, refresh_ttl);
    let settings = Settings {
        default_locale,
        locales,
    };
    let ctx = Ctx::new(db, settings, policy, media(config)?);
    if let Some(rebuilt) = search::ensure_current(&ctx).await? {
        tracing::info!(
            documents = rebuilt.documents,
            "search index made for this version"
        );
    }
    let settings = FeedSettings {
        retention_days: config.change_retention_days,
        allow_private: config.webhook_allow_private,
        retry_scale: config.webhook_retry_scale,
    };
    let feed = Feed::new(ctx.clone(), secret.expose().as_bytes(), settings);
    Ok(Opened {
        ctx,
        identity,
        feed,
    })
}

/// The media library as configured: its store, what uploads may be, and
/// which variants may be asked for.
pub fn media(config: &Config) -> anyhow::Result<Media> {
    let blobs = match config.storage_url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => Blobs::s3(url)?,
        _ => Blobs::local(&config.data_dir.join("media"))?,
    };
    tracing::info!(store = %blobs.describe, "media store");
    let allowed = Allowed::configure(config.image_widths.clone()).map_err(anyhow::Error::msg)?;
    let parallel = std::thread::available_parallelism().map_or(2, usize::from);
    Ok(Media {
        blobs,
        rules: Rules {
            allow_svg: config.allow_svg,
            bounds: Bounds {
                max_pixels: config.max_image_pixels,
            },
        },
        allowed,
        max_upload_bytes: config.max_upload_bytes,
        public_all: config.public_media == PublicMedia::All,
        flights: Flights::new(parallel),
        fetch_allow_private: config.import_allow_private,
    })
}

impl AppState {
    /// Opens and migrates the database, creates the first admin if there are
    /// no users, and prepares the state.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let Opened {
            ctx,
            identity,
            feed,
        } = open(&config).await?;
        bootstrap_admin(&identity, &config).await?;
        let cache = ResponseCache::new(
            config.cache_entries,
            1024 * 1024,
            config.public_cache_control(),
        );
        Ok(Self {
            ctx,
            identity,
            feed,
            config,
            cache,
        })
    }
}

/// The secret that signs access tokens: `MASTHEAD_JWT_SECRET`, or one
/// generated once into `<data_dir>/jwt-secret` (mode 0600) so that restarts
/// keep sessions valid.
fn jwt_secret(config: &Config) -> anyhow::Result<Secret> {
    if let Some(secret) = &config.jwt_secret {
        anyhow::ensure!(
            secret.expose().len() >= jwt::MIN_SECRET_LEN,
            "MASTHEAD_JWT_SECRET must be at least {} bytes long",
            jwt::MIN_SECRET_LEN
        );
        return Ok(secret.clone());
    }
    let path = config.data_dir.join("jwt-secret");
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    let generated = token::generate("")?;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path);
    match created {
        Ok(mut file) => {
            file.write_all(generated.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated the token signing secret");
            Ok(Secret::new(generated))
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            let stored = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let stored = stored.trim().to_owned();
            anyhow::ensure!(
                stored.len() >= jwt::MIN_SECRET_LEN,
                "{} holds a secret shorter than {} bytes",
                path.display(),
                jwt::MIN_SECRET_LEN
            );
            Ok(Secret::new(stored))
        }
        Err(err) => Err(err).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Creates the first admin when the database has no users.
async fn bootstrap_admin(identity: &Identity, config: &Config) -> anyhow::Result<()> {
    let created = users::bootstrap_admin(
        identity,
        config.admin_email.as_deref(),
        config.admin_password.as_ref(),
    )
    .await
    .map_err(|err| anyhow::anyhow!("cannot create the first admin: {err}"))?;
    match created {
        Some((admin, Some(password))) => {
            // Printed this once, on purpose: it is the only way in.
            tracing::warn!(
                email = %admin.email,
                password = %password.expose(),
                "created the first admin with a random password; sign in and change it"
            );
        }
        Some((admin, None)) => tracing::info!(email = %admin.email, "created the first admin"),
        None => {}
    }
    Ok(())
}

/// The configured locales, checked, the default first.
fn locales(config: &Config) -> anyhow::Result<Vec<String>> {
    if config.locales.is_empty() {
        let locale = validate::locale(&config.default_locale)
            .map_err(|m| anyhow::anyhow!("MASTHEAD_DEFAULT_LOCALE {m}"))?;
        return Ok(vec![locale]);
    }
    let mut locales: Vec<String> = Vec::new();
    for raw in &config.locales {
        let locale = validate::locale(raw.trim())
            .map_err(|m| anyhow::anyhow!("MASTHEAD_LOCALES: {raw:?} {m}"))?;
        if !locales.contains(&locale) {
            locales.push(locale);
        }
    }
    Ok(locales)
}
