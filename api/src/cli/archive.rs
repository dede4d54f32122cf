//! `masthead export` and `masthead import`: the command-line side of
//! `content::archive`, with progress bars on a terminal.

use std::io::BufWriter;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::app;
use crate::config::Config;
use crate::content::archive::foreign::{Source, System};
use crate::content::archive::{self, ExportOptions, ImportMode, ImportOptions, Progress};
use crate::telemetry;

/// `masthead export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The archive to write; it must not exist.
    #[arg(long)]
    output: PathBuf,
    /// Only what changed at or after this instant (RFC 3339), for an
    /// incremental archive.
    #[arg(long)]
    since: Option<DateTime<Utc>>,
    /// Include the users' password hashes (they can then sign in where the
    /// archive is imported).
    #[arg(long)]
    with_accounts: bool,
    /// Leave out the files of assets (their records stay).
    #[arg(long)]
    no_media: bool,
    #[command(flatten)]
    config: Config,
}

/// `masthead import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The archive, as `export` wrote it (or another system's export, with `--from`).
    file: PathBuf,
    /// The file is another system's export: `ghost` (its JSON export) or
    /// `wordpress` (a WXR file).
    #[arg(long)]
    from: Option<System>,
    /// The old site's address, for Ghost's `__GHOST_URL__` in picture
    /// addresses and links.
    #[arg(long)]
    site_url: Option<String>,
    /// With `--from`: leave featured images at their addresses rather than
    /// fetching them into the media library.
    #[arg(long)]
    keep_picture_urls: bool,
    /// `create` adds what is missing; `upsert` also updates what matches;
    /// `replace` removes every article, author, tag and asset first.
    #[arg(long, default_value = "create")]
    mode: ImportMode,
    /// Check the whole archive and print what would change; write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    config: Config,
}

/// Writes the archive, then says what it holds.
pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    telemetry::init(&args.config);
    let ctx = app::open(&args.config).await?.ctx;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let options = ExportOptions {
        since: args.since,
        with_accounts: args.with_accounts,
        no_media: args.no_media,
    };
    let bar = super::records_bar();
    let started = std::time::Instant::now();
    let written = archive::export(
        &ctx,
        BufWriter::new(file),
        &options,
        &mut |done: Progress| {
            bar.set_position(done.records);
            bar.set_message(format!("{} MiB", done.bytes / (1024 * 1024)));
        },
    )
    .await;
    bar.finish_and_clear();
    let manifest = match written {
        Ok(manifest) => manifest,
        Err(err) => {
            // Half an archive is no archive.
            let _ = std::fs::remove_file(&args.output);
            return Err(err);
        }
    };
    let counts: Vec<String> = manifest
        .counts
        .iter()
        .map(|(part, count)| format!("{count} {}", part.folder()))
        .collect();
    println!(
        "exported {} into {} in {:.1} s",
        if counts.is_empty() {
            "nothing".to_owned()
        } else {
            counts.join(", ")
        },
        args.output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Checks the archive, then imports it (or only says what it would do).
pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    telemetry::init(&args.config);
    let ctx = app::open(&args.config).await?.ctx;
    let options = ImportOptions {
        mode: args.mode,
        dry_run: args.dry_run,
    };
    let bar = super::records_bar();
    let mut progress = |done: Progress| {
        bar.set_position(done.records);
        bar.set_message(format!("{} MiB", done.bytes / (1024 * 1024)));
    };
    let report = match args.from {
        Some(system) => {
            let source = Source {
                system,
                site_url: args.site_url.clone(),
                fetch_pictures: !args.keep_picture_urls,
            };
            let file = args.file.as_path();
            archive::import_from(&ctx, (&source, file), options, &mut progress).await
        }
        None => archive::import(&ctx, &args.file, options, &mut progress).await,
    };
    bar.finish_and_clear();
    let report = report?;
    print!("{report}");
    if report.dry_run {
        println!("dry run: nothing was written");
    }
    Ok(())
}
