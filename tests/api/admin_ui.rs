//! The stock react-admin and Refine data providers, unchanged, against the
//! running server (`tests/admin-ui/providers.mjs`, run with Node).

use std::path::Path;
use std::process::Command;

use crate::helpers::TestApp;

const ADMIN_UI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/admin-ui");

/// Bulk actions that rely on behaviour the API contract rules out: `PUT` is a
/// full replacement (react-admin's `updateMany` sends partial records with
/// it) and `DELETE` answers `204` with no body (react-admin's `deleteMany`
/// reads an id from each answer). Everything else must pass.
const CONTRACT_EXCEPTIONS: &str = "--known=put-partial,delete-204";

/// Installs the pinned providers from the lock file on first use.
fn install_providers() {
    if Path::new(ADMIN_UI)
        .join("node_modules/ra-data-json-server")
        .is_dir()
    {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(ADMIN_UI)
        .status()
        .expect("npm must be installed (Node.js 20+) to run the admin-UI test");
    assert!(status.success(), "npm ci failed in tests/admin-ui");
}

#[tokio::test]
async fn stock_admin_ui_data_providers_work_unchanged() {
    install_providers();
    let app = TestApp::spawn().await;

    let output = tokio::process::Command::new("node")
        .args(["providers.mjs", &app.address, CONTRACT_EXCEPTIONS])
        .env("MASTHEAD_TOKEN", &app.admin_token)
        .current_dir(ADMIN_UI)
        .output()
        .await
        .expect("node must be installed (Node.js 20+)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the providers failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("providers: ") && stdout.contains(" 0 failed"),
        "{stdout}"
    );
}
