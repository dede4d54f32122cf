//! Masthead's HTML pages in a real browser: Debian's headless Chromium,
//! driven by `puppeteer-core` (`tests/browser/pages.mjs`). Swagger UI and
//! GraphiQL must work under their Content-Security-Policy.

use std::path::Path;

use crate::helpers::{TestApp, node_package, run_node};

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
