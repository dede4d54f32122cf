//! The documented GraphQL queries are valid against the live schema, as the
//! reference implementation (graphql-js, from npm) sees it.

use crate::helpers::{TestApp, node_package, run_node};

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/graphql.md");

#[tokio::test]
async fn the_documented_queries_are_valid_for_a_standard_graphql_client() {
    let dir = node_package("graphql-client", "graphql");
    let app = TestApp::spawn().await;
    let run = run_node(&dir, &["validate.mjs", &app.address, DOCS], &[]).await;
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert!(
        run.success,
        "documented queries failed validation:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" 0 invalid"), "{stdout}");
}
