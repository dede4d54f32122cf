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
    let vocabularies = rest::vocabularies();
    for (path, item) in &mut document.paths.paths {
        let vocabulary = vocabularies.iter().find(|(p, _)| p == path).map(|(_, v)| v);
        if let Some(get) = &mut item.get {
            tighten_parameters(get, vocabulary);
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            tighten_parameters(operation, None);
            complete_responses(operation);
        }
    }
    link_created(&mut document);
    require_whole_bodies(&mut document);
    sparse_fields(document)
}

/// A body's or an answer's `application/json` content, when its schema is a
/// component, with that component's name.
fn json_component(
    content: Option<&mut utoipa::openapi::RefOr<utoipa::openapi::Content>>,
) -> Option<(&mut utoipa::openapi::Content, String)> {
    use utoipa::openapi::RefOr;
    let RefOr::T(content) = content? else {
        return None;
    };
    let RefOr::Ref(reference) = content.schema.as_ref()? else {
        return None;
    };
    let name = reference
        .ref_location
        .trim_start_matches("#/components/schemas/")
        .to_owned();
    Some((content, name))
}

/// Gives each operation of [`rest::whole_bodies`] a copy of its body schema
/// with the fields it needs marked required (`ArticleWrite` → `ArticleWriteWhole`).
fn require_whole_bodies(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::{Ref, RefOr};
    let wholes = rest::whole_bodies();
    let mut copies: Vec<(String, String, &[&str])> = Vec::new();
    for item in document.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put].into_iter().flatten() {
            let Some((_, fields)) = wholes
                .iter()
                .find(|(id, _)| operation.operation_id.as_deref() == Some(*id))
            else {
                continue;
            };
            let Some(RefOr::T(body)) = &mut operation.request_body else {
                continue;
            };
            let Some((content, name)) = json_component(body.content.get_mut("application/json"))
            else {
                continue;
            };
            let whole = format!("{name}Whole");
            content.schema = Some(RefOr::Ref(Ref::from_schema_name(&whole)));
            copies.push((name, whole, fields));
        }
    }
    let Some(components) = &mut document.components else {
        return;
    };
    for (name, whole, fields) in copies {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get(&name) else {
            continue;
        };
        let mut copy = object.clone();
        copy.required = fields.iter().map(|f| (*f).to_owned()).collect();
        let required = fields.join("`, `");
        copy.description = Some(format!(
            "{} A create or a replacement needs `{required}`.",
            copy.description.unwrap_or_default()
        ));
        components
            .schemas
            .insert(whole, RefOr::T(Schema::Object(copy)));
    }
}

/// OpenAPI links from each create (`POST` on a collection, answering 201,
/// or 202 for a job started) to the operations on what it created (`{collection}/{id}…` with no other
/// path parameter), the id taken from the answer's body: clients and
/// stateful testers follow them.
fn link_created(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::link::LinkBuilder;
    let mut targets: Vec<(String, String)> = Vec::new();
    for (path, item) in &document.paths.paths {
        let operations = [&item.get, &item.put, &item.post, &item.delete, &item.patch];
        for operation in operations.into_iter().flatten() {
            if let Some(id) = &operation.operation_id {
                targets.push((path.clone(), id.clone()));
            }
        }
    }
    for (path, item) in &mut document.paths.paths {
        let Some(create) = &mut item.post else {
            continue;
        };
        let answers = &mut create.responses.responses;
        let created = match answers.get_mut("201") {
            Some(created) => Some(created),
            None => answers.get_mut("202"),
        };
        let Some(RefOr::T(created)) = created else {
            continue;
        };
        let prefix = format!("{path}/{{id}}");
        for (target, operation_id) in &targets {
            let Some(rest) = target.strip_prefix(&prefix) else {
                continue;
            };
            if !(rest.is_empty() || rest.starts_with('/')) || rest.contains('{') {
                continue;
            }
            let link = LinkBuilder::new()
                .operation_id(operation_id.clone())
                .parameter("id", "$response.body#/id")
                .description(format!("`{target}` of what was created"))
                .build();
            created.links.insert(operation_id.clone(), RefOr::T(link));
        }
    }
}

/// With `fields=`, an answer holds only the fields asked for, so the 200
/// schema of every read that takes `fields` is "the whole object, or some
/// of its fields": `anyOf` the schema and a copy with nothing required.
fn sparse_fields(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayItems, Schema};
    use utoipa::openapi::{Ref, RefOr};
    let partial = |schema: &RefOr<Schema>| {
        let mut copy = schema.clone();
        if let RefOr::T(Schema::Object(object)) = &mut copy {
            object.required.clear();
            object.description = Some("Some of the fields, as `fields=` asked for.".to_owned());
        }
        copy
    };
    let either = |whole: RefOr<Schema>, part: RefOr<Schema>| -> RefOr<Schema> {
        RefOr::T(Schema::AnyOf(
            AnyOfBuilder::new().item(whole).item(part).build(),
        ))
    };
    let mut items = Vec::new();
    let mut pages = Vec::new();
    for item in document.paths.paths.values_mut() {
        let Some(operation) = &mut item.get else {
            continue;
        };
        let takes_fields = operation
            .parameters
            .iter()
            .flatten()
            .any(|p| matches!(p, RefOr::T(p) if p.name == "fields"));
        let ok = operation.responses.responses.get_mut("200");
        let (true, Some(RefOr::T(ok))) = (takes_fields, ok) else {
            continue;
        };
        let Some((content, name)) = json_component(ok.content.get_mut("application/json")) else {
            continue;
        };
        if name.starts_with("ListOf_") {
            pages.push(name);
        } else {
            let fields = format!("{name}Fields");
            content.schema = Some(either(
                RefOr::Ref(Ref::from_schema_name(&name)),
                RefOr::Ref(Ref::from_schema_name(&fields)),
            ));
            items.push((name, fields));
        }
    }
    let Some(components) = &mut document.components else {
        return document;
    };
    for (name, fields) in items {
        if let Some(whole) = components.schemas.get(&name) {
            let part = partial(whole);
            components.schemas.insert(fields, part);
        }
    }
    // Several lists share a page schema (the revisions of every kind).
    pages.sort_unstable();
    pages.dedup();
    for page in pages {
        let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(&page) else {
            continue;
        };
        let Some(RefOr::T(Schema::Array(data))) = page.properties.get_mut("data") else {
            continue;
        };
        if let ArrayItems::RefOrSchema(item) = &mut data.items {
            let whole = item.as_ref().clone();
            let part = partial(&whole);
            **item = either(whole, part);
        }
    }
    document
}

/// `^(a|b)(,(a|b))*$`: a comma-separated list of `names`, each optionally
/// after `sign` (a character class such as `[-+]?`).
fn list_pattern(names: &[&str], sign: &str) -> String {
    let one = format!("{sign}({})", names.join("|"));
    format!("^{one}(,{one})*$")
}

/// States in each parameter's schema what every request's parsing enforces:
/// an optional parameter is absent, never `null`; a query string value is
/// never empty (`http::query::pairs`); and `fields`, `sort`, `include` and
/// `formats` take the names of the collection's [`rest::Vocabulary`].
fn tighten_parameters(
    operation: &mut utoipa::openapi::path::Operation,
    vocabulary: Option<&rest::Vocabulary>,
) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
    use utoipa::openapi::{RefOr, Required};
    // `q` is in the shared list parameters; collections without search refuse it.
    if let (Some(parameters), Some(vocabulary)) = (&mut operation.parameters, vocabulary)
        && !vocabulary.takes_q
    {
        parameters.retain(|p| !matches!(p, RefOr::T(p) if p.name == "q"));
    }
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        let Some(RefOr::T(schema)) = &mut parameter.schema else {
            continue;
        };
        if parameter.required != Required::True
            && let Schema::Array(array) = &mut *schema
            && let SchemaType::Array(types) = &mut array.schema_type
        {
            types.retain(|t| *t != Type::Null);
        }
        let object = match schema {
            Schema::Object(object) => Some(object),
            Schema::Array(array) => match &mut array.items {
                ArrayItems::RefOrSchema(items) => match items.as_mut() {
                    RefOr::T(Schema::Object(object)) => Some(object),
                    _ => None,
                },
                ArrayItems::False => None,
            },
            _ => None,
        };
        let Some(object) = object else { continue };
        if parameter.required != Required::True
            && let SchemaType::Array(types) = &mut object.schema_type
        {
            types.retain(|t| *t != Type::Null);
            if let [only] = types.as_slice() {
                object.schema_type = SchemaType::Type(only.clone());
            }
        }
        if parameter.parameter_in != ParameterIn::Query {
            continue;
        }
        let names = vocabulary.and_then(|v| match parameter.name.as_str() {
            "fields" => Some(list_pattern(v.fields, "")),
            "sort" => Some(list_pattern(&v.sorts, "[-+]?")),
            "include" if !v.includes.is_empty() => Some(list_pattern(v.includes, "")),
            "formats" if !v.formats.is_empty() => Some(list_pattern(v.formats, "")),
            _ => None,
        });
        if names.is_some() {
            object.pattern = names;
        }
        let closed = vocabulary.and_then(|v| {
            v.enums
                .iter()
                .find(|(name, _)| *name == parameter.name)
                .map(|(_, values)| values)
        });
        if let Some(values) = closed {
            object.enum_values = Some(values.clone());
        }
        if parameter.name == "locale" && object.pattern.is_none() {
            object.pattern = Some(crate::content::validate::LOCALE_FILTER_PATTERN.to_owned());
        }
        let string = matches!(&object.schema_type, SchemaType::Type(Type::String));
        if string && object.enum_values.is_none() && object.min_length.is_none() {
            object.min_length = Some(1);
        }
    }
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
/// JSON body reader's 400, 413 and 415, the 400 of a path segment that does
/// not parse, and the 412 of an `If-Match` that names no current version. A handler's own description of one of
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
    let cursor = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Query && p.name == "cursor");
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
    if parsed_path {
        add("400", "A path segment that does not parse");
    }
    if cursor {
        add(
            "422",
            "A cursor this API did not issue (or issued for another order or reader), or page and cursor parameters mixed",
        );
    }
    if if_match {
        add(
            "412",
            "`If-Match` names another version, or none of this API's",
        );
    }
}

/// `(METHOD, path)` of every operation in `document`, methods upper-case.
pub fn operations(document: &utoipa::openapi::OpenApi) -> HashSet<(String, String)> {
    operation_values(document)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

/// `(METHOD, path, operation as JSON)` of every operation in `document`,
/// methods upper-case: what the audit and the gate read.
pub fn operation_values(
    document: &utoipa::openapi::OpenApi,
) -> Vec<(String, String, serde_json::Value)> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let Ok(serde_json::Value::Object(paths)) = serde_json::to_value(&document.paths.paths) else {
        return Vec::new();
    };
    let mut operations = Vec::new();
    for (path, item) in paths {
        let serde_json::Value::Object(item) = item else {
            continue;
        };
        for (method, operation) in item {
            if METHODS.contains(&method.as_str()) {
                operations.push((method.to_ascii_uppercase(), path.clone(), operation));
            }
        }
    }
    operations
}

/// The document as pretty JSON with a final newline, as committed in `docs/openapi.json`.
pub fn document_json() -> String {
    json(&document())
}

/// `document` as pretty JSON with a final newline.
pub fn json(document: &utoipa::openapi::OpenApi) -> String {
    let mut text = document
        .to_pretty_json()
        .unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_that_take_fields_answer_the_whole_object_or_some_fields() {
        let json = serde_json::to_value(super::document()).unwrap();
        let ok = &json["paths"]["/api/v1/tags/{id}"]["get"]["responses"]["200"];
        let schema = &ok["content"]["application/json"]["schema"];
        assert_eq!(
            schema["anyOf"][1]["$ref"],
            "#/components/schemas/TagOutFields"
        );
        let fields = &json["components"]["schemas"]["TagOutFields"];
        assert!(fields.get("required").is_none(), "{fields}");
        let items = &json["components"]["schemas"]["ListOf_TagOut"]["properties"]["data"]["items"];
        assert!(items["anyOf"][1].get("required").is_none(), "{items}");
        assert!(items["anyOf"][0]["required"].is_array(), "{items}");
    }

    #[test]
    fn creates_and_replacements_require_what_patches_may_leave_out() {
        let json = serde_json::to_value(super::document()).unwrap();
        let body = |method: &str, path: &str| {
            json["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"]
                .clone()
        };
        let whole = "#/components/schemas/ArticleWriteWhole";
        assert_eq!(body("post", "/api/v1/articles"), whole);
        assert_eq!(body("put", "/api/v1/articles/{id}"), whole);
        assert_eq!(
            body("patch", "/api/v1/articles/{id}"),
            "#/components/schemas/ArticleWrite"
        );
        let required = &json["components"]["schemas"]["ArticleWriteWhole"]["required"];
        assert_eq!(*required, serde_json::json!(["title", "author_ids"]));
        assert!(
            json["components"]["schemas"]["ArticleWrite"]
                .get("required")
                .is_none()
        );
    }

    #[test]
    fn each_create_links_to_what_can_be_done_with_what_it_made() {
        let json = serde_json::to_value(super::document()).unwrap();
        let links = &json["paths"]["/api/v1/tags"]["post"]["responses"]["201"]["links"];
        assert_eq!(links["get_tag"]["operationId"], "get_tag");
        assert_eq!(links["get_tag"]["parameters"]["id"], "$response.body#/id");
        assert!(links.get("delete_tag").is_some() && links.get("list_tags").is_none());
    }
}
