//! The OpenAPI document of every route the application registers, made
//! from the handlers' own descriptions, and the set of its operations.

use std::collections::HashSet;

use actix_web::App;
use utoipa_actix_web::AppExt;

use crate::rest;

/// The OpenAPI 3.1 document of every route in [`super::routes`].
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut document) = App::new()
        .into_utoipa_app()
        .openapi(rest::openapi::base())
        .configure(super::routes)
        .split_for_parts();
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            complete_responses(operation);
        }
    }
    document
}

/// A problem response with `description`.
fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// Adds the answers that the layers every request passes through give,
/// whatever the handler: the gate's 401 where a credential is needed, the
/// JSON body reader's 400, 413 and 415, and the 400 of a path segment or an
/// `If-Match` that does not parse. A handler's own description of one of
/// these statuses is kept.
fn complete_responses(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::path::ParameterIn;
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|body| match body {
            RefOr::T(body) => body.content.keys().any(|t| t.contains("json")),
            RefOr::Ref(_) => false,
        });
    let parameters: Vec<_> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .collect();
    let parsed_path = parameters.iter().any(|p| {
        p.parameter_in == ParameterIn::Path
            && serde_json::to_value(&p.schema).is_ok_and(|schema| schema["type"] == "integer")
    });
    let if_match = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Header && p.name == "If-Match");
    let needs_credential = operation.security.as_ref().is_some_and(|requirements| {
        requirements.iter().all(|r| {
            serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        })
    });
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem(description));
    };
    if needs_credential {
        add(
            "401",
            "No credential, or a refused one; `WWW-Authenticate` says why",
        );
    }
    if json_body {
        add(
            "400",
            "The body is not JSON, or not of the documented shape",
        );
        add("413", "The request body is over the size limit");
        add("415", "The request body is not `application/json`");
    }
    if parsed_path || if_match {
        add("400", "A path segment or `If-Match` that does not parse");
    }
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
