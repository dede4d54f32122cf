//! An admin app's static files (`--admin-dir`, such as the built
//! `examples/admin`) at `/admin/`: files as they are, and the app's
//! `index.html` for every other path, so its own routes load it. The app
//! talks to the API like any client; nothing here is part of the API.

use std::path::{Path, PathBuf};

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::AppError;

/// The folder served.
#[derive(Debug, Clone)]
pub struct AdminDir(pub PathBuf);

/// Registers `/admin` and `/admin/{path}` for `dir`.
pub fn configure(cfg: &mut web::ServiceConfig, dir: PathBuf) {
    cfg.app_data(web::Data::new(AdminDir(dir)))
        .service(web::redirect("/admin", "/admin/"))
        .route("/admin/{path:.*}", web::get().to(serve));
}

/// The file `path` names in the folder, or the app's `index.html` for a
/// path without an extension (a route of the app); 404 otherwise.
async fn serve(
    dir: web::Data<AdminDir>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let path = path.into_inner();
    let file = file_of(&dir.0, &path).ok_or_else(|| AppError::not_found("file"))?;
    let bytes = tokio::fs::read(&file)
        .await
        .map_err(|_| AppError::not_found("file"))?;
    // Vite names the files under `assets/` by their content: they never change.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type(&file)))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(bytes))
}

/// Where `path` leads inside `dir`: nowhere for `..`, hidden or absolute
/// segments; a route of the app (no extension) leads to `index.html`.
fn file_of(dir: &Path, path: &str) -> Option<PathBuf> {
    let safe = path
        .split('/')
        .all(|segment| !segment.starts_with('.') && !segment.contains('\\'));
    if !safe {
        return None;
    }
    let file = dir.join(path);
    if file.is_file() {
        return Some(file);
    }
    let route = Path::new(path).extension().is_none();
    route.then(|| dir.join("index.html"))
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_stay_inside_the_folder_and_routes_load_the_app() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<html>").unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("assets/app.js"), "").unwrap();
        let at = |path: &str| file_of(dir.path(), path);
        assert_eq!(at("assets/app.js"), Some(dir.path().join("assets/app.js")));
        assert_eq!(at(""), Some(dir.path().join("index.html")));
        assert_eq!(at("articles/123/show"), Some(dir.path().join("index.html")));
        assert_eq!(at("assets/missing.js"), None);
        assert_eq!(at("../secret"), None);
        assert_eq!(at("assets/../../etc/passwd"), None);
        assert_eq!(at(".env"), None);
    }
}
