//! The `masthead` command line: one function per command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod archive;
mod backup;
mod seed;

use crate::app::{self, Application};
use crate::config::{Config, Secret};
use crate::content::{Choice, search};
use crate::error::AppError;
use crate::identity::users;
use crate::{storage, telemetry};

/// Masthead, a headless CMS.
#[derive(Debug, Parser)]
#[command(name = "masthead", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (migrating the database first).
    Serve(#[command(flatten)] Config),
    /// Apply pending database migrations and exit.
    Migrate(#[command(flatten)] Config),
    /// Fill an empty database with a realistic data set (for benchmarks and demos).
    Seed {
        /// Articles to write.
        #[arg(long, default_value_t = 1_000)]
        articles: usize,
        /// Authors to credit them to.
        #[arg(long, default_value_t = 200)]
        authors: usize,
        /// Tags to file them under.
        #[arg(long, default_value_t = 100)]
        tags: usize,
        /// Seed of the generator: the same numbers give the same content.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[command(flatten)]
        config: Config,
    },
    /// Make the search index again from the content (while the server runs).
    Reindex(#[command(flatten)] Config),
    /// Manage user accounts from scripts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Copy the embedded database (consistently, while the server runs), the
    /// signing secret and the media folder into one archive (`.tar.zst`).
    /// On PostgreSQL, use `pg_dump` instead.
    Backup {
        /// The archive to write; it must not exist.
        #[arg(long)]
        output: PathBuf,
        #[command(flatten)]
        config: Config,
    },
    /// Restore an archive made by `backup` into an empty data folder.
    Restore {
        /// The archive to read.
        file: PathBuf,
        #[command(flatten)]
        config: Config,
    },
    /// Write the site's content (authors, tags, articles with both copies,
    /// revisions, transitions, users, assets with their files) into one
    /// archive (`.tar.zst`), readable by `import` on any database.
    Export(#[command(flatten)] archive::ExportArgs),
    /// Bring an archive made by `export` into this database.
    Import(#[command(flatten)] archive::ImportArgs),
    /// Write the GraphQL schema in SDL (to a file, or standard output).
    Schema {
        /// File to write, such as `schema.graphql`.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Write the OpenAPI document (to a file, or standard output).
    Openapi {
        /// File to write, such as `docs/openapi.json`.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        /// E-mail address, used to sign in.
        #[arg(long)]
        email: String,
        /// Role: viewer, author, editor or admin.
        #[arg(long)]
        role: String,
        /// Display name (the e-mail address when absent).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        config: Config,
    },
}

/// A progress bar on a terminal; nothing when the output is piped or under CI.
fn progress_bar(length: u64) -> indicatif::ProgressBar {
    progress_bar_of(
        length,
        "{bar:40} {pos}/{len} articles ({per_sec}, {eta} left)",
    )
}

/// A progress bar counting search documents, on a terminal only.
fn documents_bar() -> indicatif::ProgressBar {
    progress_bar_of(
        0,
        "{bar:40} {pos}/{len} search documents ({per_sec}, {eta} left)",
    )
}

/// A progress bar counting records of an archive, on a terminal only.
fn records_bar() -> indicatif::ProgressBar {
    progress_bar_of(0, "{spinner} {pos} records, {msg} ({per_sec})")
}

/// A progress bar counting bytes, on a terminal only.
fn bytes_bar() -> indicatif::ProgressBar {
    progress_bar_of(
        0,
        "{bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    )
}

fn progress_bar_of(length: u64, template: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    let quiet = !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some();
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(length);
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("masthead: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("masthead: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(config) => serve(config).await,
        Command::Migrate(config) => migrate(config).await,
        Command::Reindex(config) => reindex(config).await,
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    name,
                    password_stdin: _,
                    config,
                },
        } => create_user(email, role, name, config).await,
        Command::Seed {
            articles,
            authors,
            tags,
            seed,
            config,
        } => {
            let plan = seed::Plan {
                articles,
                authors,
                tags,
                seed,
            };
            seed_database(plan, config).await
        }
        Command::Backup { output, config } => {
            telemetry::init(&config);
            let summary = backup::backup(&config, &output, bytes_bar()).await?;
            println!(
                "backed up {} files ({} bytes) into {}",
                summary.files,
                summary.bytes,
                output.display()
            );
            Ok(())
        }
        Command::Restore { file, config } => {
            telemetry::init(&config);
            let summary = backup::restore(&config, &file, bytes_bar()).await?;
            println!(
                "restored {} files ({} bytes) into {}; integrity check: ok",
                summary.files,
                summary.bytes,
                config.data_dir.display()
            );
            Ok(())
        }
        Command::Export(args) => archive::export(args).await,
        Command::Import(args) => archive::import(args).await,
        Command::Schema { output } => write_out(output, &crate::graphql::sdl()),
        Command::Openapi { output } => write_out(output, &app::openapi::document_json()),
    }
}

/// `masthead serve`: migrates, then serves until stopped.
async fn serve(config: Config) -> anyhow::Result<()> {
    telemetry::init(&config);
    let database = storage::redact_url(&config.effective_database_url());
    let app = Application::build(config.clone()).await?;
    tracing::info!(bind = %config.bind, port = app.port(), %database, "masthead is serving");
    app.run_until_stopped().await?;
    tracing::info!("masthead stopped");
    Ok(())
}

/// `masthead migrate`: applies pending migrations.
async fn migrate(config: Config) -> anyhow::Result<()> {
    telemetry::init(&config);
    let db = storage::connect(&config).await?;
    storage::migrate(&db).await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// `masthead reindex`: rebuilds the search index, with a progress bar on a terminal.
async fn reindex(config: Config) -> anyhow::Result<()> {
    telemetry::init(&config);
    let ctx = app::open(&config).await?.ctx;
    let started = std::time::Instant::now();
    let rebuilt = index_all(&ctx).await?;
    println!(
        "indexed {} documents ({} stale ones removed) in {:.1} s",
        rebuilt.documents,
        rebuilt.removed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Rebuilds the search index behind a progress bar.
async fn index_all(ctx: &crate::content::Ctx) -> anyhow::Result<search::Rebuilt> {
    let bar = documents_bar();
    let rebuilt = search::rebuild(ctx, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(failure)?;
    bar.finish_and_clear();
    Ok(rebuilt)
}

/// A domain error as a command-line error: its detail and each field at fault.
fn failure(err: AppError) -> anyhow::Error {
    let problem = err.problem();
    if problem.errors.len() < 2 {
        return anyhow::anyhow!("{}", problem.detail);
    }
    let fields: Vec<String> = problem
        .errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    anyhow::anyhow!("{}: {}", problem.detail, fields.join("; "))
}

/// `masthead user create`: the password comes from the first line of standard input.
async fn create_user(
    email: String,
    role: String,
    name: Option<String>,
    config: Config,
) -> anyhow::Result<()> {
    telemetry::init(&config);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = Secret::new(line.trim_end_matches(['\n', '\r']));
    let identity = app::open(&config).await?.identity;
    let input = users::NewUser {
        name: Some(name.unwrap_or_else(|| email.clone())),
        email: Some(email),
        role: Some(Choice::parse(&role)),
        password: Some(password),
        author_id: None,
    };
    let user = users::create_unchecked(&identity, input, None)
        .await
        .map_err(failure)?;
    println!("{}", user.id);
    Ok(())
}

/// `masthead seed`: fills an empty database, with a progress bar on a terminal.
async fn seed_database(plan: seed::Plan, config: Config) -> anyhow::Result<()> {
    telemetry::init(&config);
    // One connection, so the relaxed durability of the seed applies to every write.
    let config = Config {
        db_max_connections: 1,
        ..config
    };
    let ctx = app::open(&config).await?.ctx;
    let bar = progress_bar(plan.articles as u64);
    let started = std::time::Instant::now();
    seed::run(&ctx.db, &ctx.media, plan, |done| bar.set_position(done))
        .await
        .map_err(failure)?;
    bar.finish_and_clear();
    // The index is written with the seed's relaxed durability too.
    index_all(&ctx).await?;
    seed::restore(&ctx.db).await.map_err(failure)?;
    tracing::info!(
        articles = plan.articles,
        authors = plan.authors,
        tags = plan.tags,
        seconds = started.elapsed().as_secs_f64(),
        "seeded"
    );
    Ok(())
}

/// Writes a generated document to `output`, or to standard output.
fn write_out(output: Option<PathBuf>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(&path, text)?,
        None => print!("{text}"),
    }
    Ok(())
}
