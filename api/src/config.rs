//! Typed configuration: command-line flags with `MASTHEAD_*` environment
//! variables behind them, and defaults that run with no set-up at all.

use std::path::PathBuf;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
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
    /// `postgres://…` or `sqlite://…`; empty means `<data_dir>/masthead.db`.
    #[arg(long, env = "MASTHEAD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Largest database pool.
    #[arg(long, env = "MASTHEAD_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// Log filter, such as `info` or `masthead=debug,info`.
    #[arg(long, env = "MASTHEAD_LOG", default_value = "info")]
    pub log: String,
    /// Log line format.
    #[arg(long, env = "MASTHEAD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Locale given to articles created without one (BCP 47).
    #[arg(long, env = "MASTHEAD_DEFAULT_LOCALE", default_value = "en")]
    pub default_locale: String,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "MASTHEAD_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// HTTP worker threads; the default is one per CPU core.
    #[arg(long, env = "MASTHEAD_WORKERS")]
    pub workers: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            db_max_connections: 16,
            log: "info".to_owned(),
            log_format: LogFormat::Text,
            default_locale: "en".to_owned(),
            max_body_bytes: 4 * 1024 * 1024,
            workers: None,
        }
    }
}

impl Config {
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
