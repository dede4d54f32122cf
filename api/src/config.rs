//! Typed configuration: command-line flags with `MASTHEAD_*` environment
//! variables behind them, and defaults that run with no set-up at all.

use std::path::PathBuf;

/// MiB of a SQLite file read through memory mapping, by default: 64 GiB,
/// in practice the whole file (SQLite maps no more than the file holds).
pub const SQLITE_MMAP_MIB: u64 = 64 << 10;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A secret setting: its value never appears in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self(value.to_owned()))
    }
}

/// Server configuration. Every field has a default; secrets never appear in `Debug`.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "MASTHEAD_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Folder for the embedded database and generated secrets.
    #[arg(long, env = "MASTHEAD_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// A built admin app (static files, such as `examples/admin/dist`) to
    /// serve at `/admin/`; none by default.
    #[arg(long, env = "MASTHEAD_ADMIN_DIR")]
    pub admin_dir: Option<PathBuf>,
    /// `postgres://…` or `sqlite://…`; empty means `<data_dir>/masthead.db`.
    #[arg(long, env = "MASTHEAD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// PostgreSQL read replicas (`postgres://…`, comma-separated) that
    /// follow the primary by streaming replication: public and preview
    /// reads go to them, except a caller's reads just after their own
    /// writes, which stay on the primary until a replica has replayed them.
    #[arg(long, env = "MASTHEAD_DATABASE_READ_URL", value_delimiter = ',')]
    pub database_read_urls: Vec<String>,
    /// How far a replica may fall behind the primary, in milliseconds,
    /// before reads stop going to it.
    #[arg(long, env = "MASTHEAD_REPLICA_MAX_LAG_MS", default_value_t = 5000)]
    pub replica_max_lag_ms: u64,
    /// Largest database pool. On a SQLite file, 1 also means that every
    /// statement goes through that one connection.
    #[arg(long, env = "MASTHEAD_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// MiB of the SQLite file read through memory mapping; 0 reads every
    /// page with `pread` (for file systems where mapping is unsafe).
    #[arg(long, env = "MASTHEAD_SQLITE_MMAP_MIB", default_value_t = SQLITE_MMAP_MIB)]
    pub sqlite_mmap_mib: u64,
    /// Log filter, such as `info` or `masthead=debug,info`.
    #[arg(long, env = "MASTHEAD_LOG", default_value = "info")]
    pub log: String,
    /// Log line format.
    #[arg(long, env = "MASTHEAD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Locale given to articles created without one (BCP 47).
    #[arg(long, env = "MASTHEAD_DEFAULT_LOCALE", default_value = "en")]
    pub default_locale: String,
    /// The site's locales (BCP 47), comma-separated; the first is the
    /// default and replaces `MASTHEAD_DEFAULT_LOCALE`.
    #[arg(long, env = "MASTHEAD_LOCALES", value_delimiter = ',')]
    pub locales: Vec<String>,
    /// Fallback chains of locales: `fr-CA:fr,en;de-AT:de` (a locale, then
    /// the locales to answer in when it has no translation, in order).
    #[arg(long, env = "MASTHEAD_LOCALE_FALLBACKS", default_value = "")]
    pub locale_fallbacks: String,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "MASTHEAD_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// HTTP worker threads; the default is one per CPU core.
    #[arg(long, env = "MASTHEAD_WORKERS")]
    pub workers: Option<usize>,
    /// Secret that signs access tokens (32 bytes or more); when unset, one is
    /// generated once into `<data_dir>/jwt-secret`.
    #[arg(long, env = "MASTHEAD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "MASTHEAD_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl: u64,
    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, env = "MASTHEAD_REFRESH_TOKEN_TTL", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl: u64,
    /// Whether anonymous callers may read published content.
    #[arg(long, env = "MASTHEAD_PUBLIC_READ", default_value_t = true, action = clap::ArgAction::Set)]
    pub public_read: bool,
    /// Origins allowed to call the API from a browser, comma-separated
    /// (`https://admin.example.com`); none by default.
    #[arg(long, env = "MASTHEAD_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// E-mail of the admin created on first start, when there are no users.
    #[arg(long, env = "MASTHEAD_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// How often the scheduler looks for articles to publish or take down, in
    /// milliseconds; `0` runs no scheduler in this process (another process
    /// sharing the database must run one).
    #[arg(long, env = "MASTHEAD_SCHEDULER_INTERVAL_MS", default_value_t = 1000)]
    pub scheduler_interval_ms: u64,
    /// Answers to public reads kept in memory while content is unchanged; 0 keeps none.
    #[arg(long, env = "MASTHEAD_CACHE_ENTRIES", default_value_t = 2000)]
    pub cache_entries: usize,
    /// `max-age` of public answers' `Cache-Control`, in seconds (browsers).
    #[arg(long, env = "MASTHEAD_PUBLIC_MAX_AGE", default_value_t = 0)]
    pub public_max_age: u32,
    /// `s-maxage` of public answers' `Cache-Control`, in seconds (CDNs and proxies).
    #[arg(long, env = "MASTHEAD_PUBLIC_S_MAXAGE", default_value_t = 0)]
    pub public_s_maxage: u32,
    /// `stale-while-revalidate` of public answers' `Cache-Control`, in seconds.
    #[arg(
        long,
        env = "MASTHEAD_PUBLIC_STALE_WHILE_REVALIDATE",
        default_value_t = 0
    )]
    pub public_stale_while_revalidate: u32,
    /// Days the change log keeps events; sync cursors older than that get
    /// 410 and start over.
    #[arg(long, env = "MASTHEAD_CHANGE_RETENTION_DAYS", default_value_t = 90)]
    pub change_retention_days: u32,
    /// Days the audit log keeps its entries (`GET /api/v1/audit`).
    #[arg(long, env = "MASTHEAD_AUDIT_RETENTION_DAYS", default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub audit_retention_days: u32,
    /// Whether webhooks may call loopback, private and link-local addresses
    /// (tests, intranets); refused by default.
    #[arg(long, env = "MASTHEAD_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
    /// Whether imports may fetch pictures from loopback, private and
    /// link-local addresses (tests, intranets); refused by default.
    #[arg(long, env = "MASTHEAD_IMPORT_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub import_allow_private: bool,
    /// Multiplies the webhook retry schedule (5 s, 5 min, 30 min, … 24 h);
    /// below 1 in tests.
    #[arg(long, env = "MASTHEAD_WEBHOOK_RETRY_SCALE", default_value_t = 1.0)]
    pub webhook_retry_scale: f64,
    /// How often each process looks for webhook work, in milliseconds; `0`
    /// runs no webhook worker in this process.
    #[arg(long, env = "MASTHEAD_WEBHOOK_INTERVAL_MS", default_value_t = 250)]
    pub webhook_interval_ms: u64,
    /// How often `/graphql/ws` pings its clients, in milliseconds; a client
    /// silent for two pings is dropped, and credentials are checked again
    /// every four.
    #[arg(long, env = "MASTHEAD_GRAPHQL_WS_PING_MS", default_value_t = 15_000)]
    pub graphql_ws_ping_ms: u64,
    /// Whether GraphQL answers introspection queries.
    #[arg(long, env = "MASTHEAD_GRAPHQL_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphql_introspection: bool,
    /// Deepest GraphQL selection allowed.
    #[arg(long, env = "MASTHEAD_GRAPHQL_MAX_DEPTH", default_value_t = 16)]
    pub graphql_max_depth: usize,
    /// Largest GraphQL query complexity allowed (a connection counts `first` times its nodes).
    #[arg(long, env = "MASTHEAD_GRAPHQL_MAX_COMPLEXITY", default_value_t = 5000)]
    pub graphql_max_complexity: usize,
    /// Longest GraphQL document, in bytes.
    #[arg(
        long,
        env = "MASTHEAD_GRAPHQL_MAX_QUERY_BYTES",
        default_value_t = 65536
    )]
    pub graphql_max_query_bytes: usize,
    /// Password of that admin; when unset, a random one is printed once to the log.
    #[arg(long, env = "MASTHEAD_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,

    /// Where asset bytes are kept: `s3://bucket/prefix?endpoint=…&region=…`
    /// for an S3-compatible store; unset, the `media` folder of the data directory.
    #[arg(long, env = "MASTHEAD_STORAGE_URL")]
    pub storage_url: Option<String>,

    /// Largest archive or export file an import over the API accepts, in bytes (larger: 413).
    #[arg(long, env = "MASTHEAD_MAX_IMPORT_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    pub max_import_bytes: usize,

    /// Largest accepted upload, in bytes (larger: 413).
    #[arg(long, env = "MASTHEAD_MAX_UPLOAD_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_upload_bytes: usize,

    /// Largest picture accepted, in pixels (width × height; larger: 422).
    #[arg(long, env = "MASTHEAD_MAX_IMAGE_PIXELS", default_value_t = 50_000_000)]
    pub max_image_pixels: u64,

    /// Widths (and heights) image variants may be asked for.
    #[arg(
        long,
        env = "MASTHEAD_IMAGE_WIDTHS",
        value_delimiter = ',',
        default_value = "160,320,640,960,1280,1920,2560"
    )]
    pub image_widths: Vec<u32>,

    /// Accept SVG uploads (sanitised); refused by default.
    #[arg(long, env = "MASTHEAD_ALLOW_SVG", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_svg: bool,

    /// Seconds browsers keep to HTTPS for this site (`Strict-Transport-Security`);
    /// set it when the server is reached over TLS. 0 sends no such header.
    #[arg(long, env = "MASTHEAD_HSTS_MAX_AGE", default_value_t = 0)]
    pub hsts_max_age: u32,

    /// Which assets the public reads: `used` (those used by published
    /// content) or `all`.
    #[arg(long, env = "MASTHEAD_PUBLIC_MEDIA", value_enum, default_value_t = PublicMedia::Used)]
    pub public_media: PublicMedia,
}

/// Which assets anonymous callers may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublicMedia {
    /// Assets used by published articles or by authors.
    Used,
    /// Every asset.
    All,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("./data"),
            admin_dir: None,
            database_url: None,
            database_read_urls: Vec::new(),
            replica_max_lag_ms: 5000,
            db_max_connections: 16,
            sqlite_mmap_mib: 65536,
            log: "info".to_owned(),
            log_format: LogFormat::Text,
            default_locale: "en".to_owned(),
            locales: Vec::new(),
            locale_fallbacks: String::new(),
            max_body_bytes: 4 * 1024 * 1024,
            workers: None,
            jwt_secret: None,
            access_token_ttl: 900,
            refresh_token_ttl: 30 * 24 * 3600,
            public_read: true,
            cors_origins: Vec::new(),
            admin_email: None,
            admin_password: None,
            scheduler_interval_ms: 1000,
            cache_entries: 2000,
            public_max_age: 0,
            public_s_maxage: 0,
            public_stale_while_revalidate: 0,
            change_retention_days: 90,
            audit_retention_days: 365,
            webhook_allow_private: false,
            import_allow_private: false,
            webhook_retry_scale: 1.0,
            webhook_interval_ms: 250,
            graphql_ws_ping_ms: 15_000,
            graphql_introspection: true,
            graphql_max_depth: 16,
            graphql_max_complexity: 5000,
            graphql_max_query_bytes: 65536,
            storage_url: None,
            max_upload_bytes: 25 * 1024 * 1024,
            max_import_bytes: 2 * 1024 * 1024 * 1024,
            max_image_pixels: 50_000_000,
            image_widths: vec![160, 320, 640, 960, 1280, 1920, 2560],
            allow_svg: false,
            public_media: PublicMedia::Used,
            hsts_max_age: 0,
        }
    }
}

impl Config {
    /// The `Cache-Control` of answers every public reader shares.
    pub fn public_cache_control(&self) -> String {
        format!(
            "public, max-age={}, s-maxage={}, stale-while-revalidate={}",
            self.public_max_age, self.public_s_maxage, self.public_stale_while_revalidate
        )
    }

    /// The database URL in effect: the configured one, or the embedded SQLite file.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("masthead.db").display()
            ),
        }
    }
}
