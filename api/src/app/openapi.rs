//! The OpenAPI document of every route the application registers, made
//! from the handlers' own descriptions, and the set of its operations.

use std::collections::HashSet;

use actix_web::App;
use utoipa_actix_web::AppExt;

use crate::rest;

/// The OpenAPI 3.1 document of every route in [`super::routes`].
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(rest::openapi::base())
        .configure(super::routes)
        .split_for_parts();
    document
}

/// `(METHOD, path)` of every operation in `document`, methods upper-case.
pub fn operations(document: &utoipa::openapi::OpenApi) -> HashSet<(String, String)> {
    let Ok(serde_json::Value::Object(paths)) = serde_json::to_value(&document.paths.paths) else {
        return HashSet::new();
    };
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    paths
        .into_iter()
        .flat_map(|(path, item)| {
            let methods: Vec<String> = item
                .as_object()
                .map(|ops| {
                    ops.keys()
                        .filter(|k| METHODS.contains(&k.as_str()))
                        .map(|k| k.to_ascii_uppercase())
                        .collect()
                })
                .unwrap_or_default();
            methods.into_iter().map(move |m| (m, path.clone()))
        })
        .collect()
}

/// The document as pretty JSON with a final newline, as committed in `docs/openapi.json`.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}
