//! Masthead's HTML pages in a real browser: Debian's headless Chromium,
//! driven by `puppeteer-core` (`tests/browser/`). Swagger UI and GraphiQL
//! must work under their Content-Security-Policy, and so must the example
//! admin app (`examples/admin`), through an editor's whole day.

use std::path::{Path, PathBuf};

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, node_package, run_node};

#[tokio::test]
async fn swagger_ui_and_graphiql_work_under_their_content_security_policy() {
    let dir = node_package("browser", "puppeteer-core");
    let app = TestApp::spawn().await;
    // Screenshots go beside the build, for CI to keep.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-pages");
    std::fs::create_dir_all(&shots).unwrap();
    let run = run_node(
        &dir,
        &["pages.mjs", &app.address, shots.to_str().unwrap()],
        &[],
    )
    .await;
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert!(
        run.success,
        "the pages failed in Chromium (install Debian's `chromium`):\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("browser pages: 0 problems"), "{stdout}");
    assert!(
        stdout.contains("Swagger UI ran GET /healthz: 200"),
        "{stdout}"
    );
    assert!(
        stdout.contains("GraphiQL ran { __typename }: Query"),
        "{stdout}"
    );
    assert!(shots.join("graphiql.png").is_file());
}

/// The example admin app (`examples/admin`), installed from its lock file
/// and built, as its README says.
fn built_admin_app() -> PathBuf {
    let dir = node_package("../examples/admin", "react-admin");
    let status = std::process::Command::new("npm")
        .args(["run", "build", "--silent"])
        .current_dir(&dir)
        .status()
        .expect("npm must be installed (Node.js 20+)");
    assert!(status.success(), "the example admin app does not build");
    dir.join("dist")
}

#[tokio::test]
async fn the_example_admin_app_takes_a_french_article_to_readers_in_chromium() {
    let dir = node_package("browser", "puppeteer-core");
    let admin = built_admin_app();
    let app = TestApp::spawn_with(|config| config.admin_dir = Some(admin)).await;
    app.create_author("Zoë Duval").await;
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-pages");
    std::fs::create_dir_all(&shots).unwrap();
    let args = [
        "admin.mjs",
        &app.address,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        "Zoë Duval",
        shots.to_str().unwrap(),
    ];
    let run = run_node(&dir, &args, &[]).await;
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert!(
        run.success,
        "the admin app failed in Chromium:\n{stdout}\n{stderr}"
    );
    for line in [
        "admin: signed in",
        "public before publishing: (404)",
        "admin: submit -> in_review",
        "admin: approve -> approved",
        "admin: publish -> published",
        "public after publishing: L’été où Zoë a créé « Ça Va »",
        "admin: edited the published article",
        // Readers keep the published version until the next publication.
        "public after the edit: L’été où Zoë a créé « Ça Va »",
        "public after republishing: L’été où Zoë a tout changé",
        "admin: diff shows the new title",
        "preview link opens: L’été où Zoë a tout changé",
        "admin app: 0 problems",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    let shot = std::fs::metadata(shots.join("admin-editor.png")).unwrap();
    assert!(shot.len() > 10_000, "the editor's screenshot is empty");
}
