//! The stock react-admin and Refine data providers, unchanged, against the
//! running server (`tests/admin-ui/providers.mjs`, run with Node).

use crate::helpers::{TestApp, node_package, run_node};

/// Bulk actions that rely on behaviour the API contract rules out: `PUT` is a
/// full replacement (react-admin's `updateMany` sends partial records with
/// it) and `DELETE` answers `204` with no body (react-admin's `deleteMany`
/// reads an id from each answer). Everything else must pass.
const CONTRACT_EXCEPTIONS: &str = "--known=put-partial,delete-204";

#[tokio::test]
async fn stock_admin_ui_data_providers_work_unchanged() {
    // The pinned providers, from the lock file.
    let dir = node_package("admin-ui", "ra-data-json-server");
    let app = TestApp::spawn().await;

    let args = ["providers.mjs", &app.address, CONTRACT_EXCEPTIONS];
    let run = run_node(&dir, &args, &[("MASTHEAD_TOKEN", &app.admin_token)]).await;
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    assert!(run.success, "the providers failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("providers: ") && stdout.contains(" 0 failed"),
        "{stdout}"
    );
}
