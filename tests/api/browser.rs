//! Masthead's HTML pages in a real browser: Debian's headless Chromium,
//! driven by `puppeteer-core` (`tests/browser/pages.mjs`). Swagger UI and
//! GraphiQL must work under their Content-Security-Policy.

use std::path::Path;
use std::process::Command;

use crate::helpers::TestApp;

const BROWSER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/browser");

/// Installs the pinned `puppeteer-core` from the lock file on first use
/// (it downloads no browser: the tests use the system's Chromium).
fn install() {
    if Path::new(BROWSER)
        .join("node_modules/puppeteer-core")
        .is_dir()
    {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .env("PUPPETEER_SKIP_DOWNLOAD", "1")
        .current_dir(BROWSER)
        .status()
        .expect("npm must be installed (Node.js 20+) to run the browser test");
    assert!(status.success(), "npm ci failed in tests/browser");
}

#[tokio::test]
async fn swagger_ui_and_graphiql_work_under_their_content_security_policy() {
    install();
    let app = TestApp::spawn().await;
    // Screenshots go beside the build, for CI to keep.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-pages");
    std::fs::create_dir_all(&shots).unwrap();
    let output = tokio::process::Command::new("node")
        .args(["pages.mjs", &app.address, shots.to_str().unwrap()])
        .current_dir(BROWSER)
        .output()
        .await
        .expect("node must be installed (Node.js 20+)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
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
