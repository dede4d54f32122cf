//! The `masthead` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{self, Application};
use crate::config::{Config, Secret};
use crate::content::accounts::users;
use crate::{db, rest, telemetry};

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
    /// Manage user accounts from scripts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
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
    use std::io::IsTerminal;
    let quiet = !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some();
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(length);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} articles ({per_sec}, {eta} left)",
    ) {
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
        Command::Serve(config) => {
            telemetry::init(&config);
            let database = db::redact_url(&config.effective_database_url());
            let app = Application::build(config.clone()).await?;
            tracing::info!(bind = %config.bind, port = app.port(), %database, "masthead is serving");
            app.run_until_stopped().await?;
            tracing::info!("masthead stopped");
            Ok(())
        }
        Command::Migrate(config) => {
            telemetry::init(&config);
            let db = db::connect(&config).await?;
            db::migrate(&db).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    name,
                    password_stdin: _,
                    config,
                },
        } => {
            telemetry::init(&config);
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let password = Secret::new(line.trim_end_matches(['\n', '\r']));
            let ctx = app::content_context(&config).await?;
            let input = users::NewUser {
                name: Some(name.unwrap_or_else(|| email.clone())),
                email: Some(email),
                role: Some(role),
                password: Some(password),
                author_id: None,
            };
            let user = users::create_unchecked(&ctx, input, None)
                .await
                .map_err(|err| {
                    let problem = err.problem();
                    let fields: Vec<String> = problem
                        .errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect();
                    anyhow::anyhow!("{} {}", problem.detail, fields.join("; "))
                })?;
            println!("{}", user.id);
            Ok(())
        }
        Command::Seed {
            articles,
            authors,
            tags,
            seed,
            config,
        } => {
            telemetry::init(&config);
            // One connection, so the relaxed durability of the seed applies to every write.
            let config = Config {
                db_max_connections: 1,
                ..config
            };
            let ctx = app::content_context(&config).await?;
            let bar = progress_bar(articles as u64);
            let started = std::time::Instant::now();
            let plan = crate::content::seed::Plan {
                articles,
                authors,
                tags,
                seed,
            };
            crate::content::seed::run(&ctx, plan, |done| bar.set_position(done))
                .await
                .map_err(|err| anyhow::anyhow!("{}", err.problem().detail))?;
            bar.finish_and_clear();
            tracing::info!(
                articles,
                authors,
                tags,
                seconds = started.elapsed().as_secs_f64(),
                "seeded"
            );
            Ok(())
        }
        Command::Schema { output } => {
            let sdl = crate::graphql::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)?,
                None => print!("{sdl}"),
            }
            Ok(())
        }
        Command::Openapi { output } => {
            let json = rest::openapi::document_json();
            match output {
                Some(path) => std::fs::write(&path, json)?,
                None => print!("{json}"),
            }
            Ok(())
        }
    }
}
