//! The layering rules of `docs/architecture.md`, checked on the source: what
//! each module of `api/src` may import, and how large a file may grow. A
//! new arrow from a lower layer up to a higher one fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// A module, the modules of this crate it may import, and the outside
/// crates it must not name.
struct Rule {
    module: &'static str,
    may_import: &'static [&'static str],
    must_not_name: &'static [&'static str],
}

const FRAMEWORKS: &[&str] = &["actix_web", "actix_cors", "async_graphql", "utoipa"];
const DATABASE: &[&str] = &["sea_orm", "entities", "migration"];
/// Neither HTTP serving nor the database (files, outbound calls).
const NO_SERVING_NO_DATABASE: &[&str] = &[
    "actix_web",
    "async_graphql",
    "utoipa",
    "sea_orm",
    "entities",
    "migration",
];

const RULES: &[Rule] = &[
    Rule {
        module: "error",
        may_import: &[],
        must_not_name: &["actix_web", "async_graphql", "sea_orm"],
    },
    Rule {
        module: "config",
        may_import: &[],
        must_not_name: &["actix_web", "async_graphql", "utoipa", "sea_orm"],
    },
    Rule {
        module: "storage",
        may_import: &["error", "config"],
        must_not_name: FRAMEWORKS,
    },
    Rule {
        module: "auth",
        may_import: &["error"],
        must_not_name: &[
            "actix_web",
            "async_graphql",
            "utoipa",
            "sea_orm",
            "migration",
        ],
    },
    Rule {
        module: "media",
        may_import: &["error"],
        must_not_name: NO_SERVING_NO_DATABASE,
    },
    Rule {
        module: "net",
        may_import: &["error"],
        must_not_name: NO_SERVING_NO_DATABASE,
    },
    Rule {
        module: "content",
        may_import: &["error", "storage", "auth", "media", "net"],
        must_not_name: FRAMEWORKS,
    },
    Rule {
        module: "identity",
        may_import: &["error", "config", "storage", "auth", "content"],
        must_not_name: FRAMEWORKS,
    },
    Rule {
        module: "feed",
        may_import: &[
            "error", "config", "storage", "auth", "media", "net", "content", "identity",
        ],
        must_not_name: FRAMEWORKS,
    },
    Rule {
        module: "http",
        may_import: &[
            "error", "config", "auth", "media", "content", "identity", "feed",
        ],
        must_not_name: DATABASE,
    },
    Rule {
        module: "rest",
        may_import: &[
            "error", "config", "auth", "media", "content", "identity", "feed", "http",
        ],
        must_not_name: DATABASE,
    },
    Rule {
        module: "graphql",
        may_import: &[
            "error", "config", "auth", "media", "content", "identity", "feed", "http",
        ],
        must_not_name: DATABASE,
    },
];

/// Every `.rs` file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// The module a file belongs to: its first path component (`content` for
/// `content/article/write.rs`, `error` for `error.rs`).
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(SOURCE).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_owned()
}

/// The code of a file without its comments (doc comments name other
/// layers on purpose).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules of this crate a piece of code names as `crate::<module>`.
fn crate_modules(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .map(|(at, _)| {
            code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// True when `code` names the outside crate `name` as a path or an import.
fn names(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = &code[at + name.len()..];
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && (after.starts_with("::") || after.starts_with(';'))
    })
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let mut broken = Vec::new();
    for path in files(Path::new(SOURCE)) {
        let module = module_of(&path);
        let Some(rule) = RULES.iter().find(|r| r.module == module) else {
            continue;
        };
        let code = code(&path);
        for imported in crate_modules(&code) {
            if imported != module && !rule.may_import.contains(&imported.as_str()) {
                broken.push(format!("{} imports crate::{imported}", path.display()));
            }
        }
        for name in rule.must_not_name {
            if names(&code, name) {
                broken.push(format!("{} names {name}", path.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the layering of docs/architecture.md:\n{}",
        broken.join("\n")
    );
}

#[test]
fn top_level_modules_name_their_neighbours_through_the_crate() {
    // `super::` in `content/mod.rs` or `error.rs` is the crate root: an
    // import that way would pass the rule above unseen.
    for path in files(Path::new(SOURCE)) {
        let relative = path.strip_prefix(SOURCE).unwrap();
        let depth = relative.components().count();
        let top = depth == 1 || (depth == 2 && relative.ends_with("mod.rs"));
        assert!(
            !top || !code(&path).contains("super::"),
            "{} reaches the crate root through super::; write crate::",
            path.display()
        );
    }
}

#[test]
fn every_module_has_a_rule_or_is_the_top() {
    let top = ["app", "cli", "lib", "main", "telemetry"];
    for path in files(Path::new(SOURCE)) {
        let module = module_of(&path);
        assert!(
            top.contains(&module.as_str()) || RULES.iter().any(|r| r.module == module),
            "{module} has no layering rule in tests/api/architecture.rs"
        );
    }
}

#[test]
fn no_source_file_outgrows_a_reading() {
    for path in files(Path::new(SOURCE)) {
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(
            lines <= 600,
            "{} has {lines} lines; split it by resource or concern",
            path.display()
        );
    }
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert_eq!(
        crate_modules("use crate::content::Key; crate::http::AppState"),
        BTreeSet::from(["content".to_owned(), "http".to_owned()])
    );
    assert!(names("use sea_orm::EntityTrait;", "sea_orm"));
    assert!(names("x: actix_web::HttpRequest", "actix_web"));
    assert!(!names("use crate::storage::sea_orm_like;", "sea_orm"));
    assert!(!names("let my_utoipa = 1;", "utoipa"));
}
