//! The documented GraphQL queries are valid against the live schema, as the
//! reference implementation (graphql-js, from npm) sees it.

use std::path::Path;
use std::process::Command;

use crate::helpers::TestApp;

const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/graphql-client");
const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/graphql.md");

#[tokio::test]
async fn the_documented_queries_are_valid_for_a_standard_graphql_client() {
    if !Path::new(CLIENT).join("node_modules/graphql").is_dir() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(CLIENT)
            .status()
            .expect("npm must be installed (Node.js 20+)");
        assert!(status.success(), "npm ci failed in tests/graphql-client");
    }
    let app = TestApp::spawn().await;
    let output = tokio::process::Command::new("node")
        .args(["validate.mjs", &app.address, DOCS])
        .current_dir(CLIENT)
        .output()
        .await
        .expect("node must be installed (Node.js 20+)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "documented queries failed validation:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" 0 invalid"), "{stdout}");
}
