//! Authors and tags have the same routes: list, get, create, patch,
//! replace, delete (and the revision routes of `history`), over the same
//! query-string filters. One macro writes them for both; each resource
//! gives its paths, wire types, documentation and content module.

use crate::content::NameFilter;
use crate::error::AppError;

/// The filters of a catalogue list: `slug`, and `q` (or json-server's
/// `name_like`) for a name that contains the text.
pub fn filter(filter: &mut NameFilter, name: &str, value: &str) -> Result<bool, AppError> {
    match name {
        "slug" => filter.slug = Some(value.to_owned()),
        "q" | "name_like" => filter.q = Some(value.to_owned()),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Writes the collection and the six handlers of a catalogue resource. The
/// documentation is given as whole literals: the OpenAPI generator reads
/// `#[doc]` strings, not macros that would build them.
macro_rules! catalog_handlers {
    (
        collection: $collection:ident = $name:literal,
        tag: $tag:literal,
        item: $item:ty,
        sort: $sort:ty,
        input: $input:ty,
        out: $out:ty,
        write: $write:ty,
        fields: $fields:expr,
        key: $key:literal,
        page: $page:literal,
        readers: $readers:literal,
        summaries: {
            list: $list_summary:literal,
            get: $get_summary:literal,
            create: $create_summary:literal,
            patch: $patch_summary:literal,
            replace: $replace_summary:literal $(,)?
        },
        list: $list:ident = $list_path:literal,
        create: $create:ident,
        get: $get:ident = $item_path:literal,
        patch: $patch:ident,
        replace: $replace:ident,
        $(delete: $delete:ident = $delete_summary:literal $(,)?)?
    ) => {
        #[doc = concat!("How `/", $name, "` reads its query string.")]
        pub struct $collection;

        impl $crate::rest::list::Collection for $collection {
            type Filter = $crate::content::NameFilter;
            type Sort = $sort;
            const NAME: &'static str = $name;
            const FIELDS: &'static [&'static str] = $fields;
            const SEARCHABLE: bool = true;

            fn default_sort() -> $crate::content::page::Sort<Self::Sort> {
                <$item as $crate::content::Catalog>::default_sort()
            }

            fn filter(
                filter: &mut $crate::content::NameFilter,
                name: &str,
                value: &str,
            ) -> Result<bool, $crate::error::AppError> {
                $crate::rest::catalog::filter(filter, name, value)
            }
        }

        #[doc = $list_summary]
        #[doc = ""]
        #[doc = $readers]
        #[utoipa::path(
            tag = $tag,
            security((), ("bearer" = [])),
            params($crate::rest::docs::ListParams, ("slug" = Option<String>, Query, description = "With this slug")),
            responses(
                (status = 200, description = $page,
                 body = ListOf<$out>,
                 headers(("X-Total-Count" = u64, description = "Rows over all pages"),
                         ("Link" = String, description = "RFC 8288 links to neighbouring pages"),
                         ("ETag" = String))),
                (status = 304, description = "Not modified since the ETag in If-None-Match"),
                $crate::rest::docs::BadRequest,
            )
        )]
        #[get($list_path)]
        pub async fn $list(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            req: actix_web::HttpRequest,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let request =
                $crate::rest::list::list_request::<$collection>(req.query_string(), Some(|f| &mut f.ids))?;
            $crate::rest::respond::public(&state, &caller.0, &req, async || {
                let page = <$item as $crate::content::Catalog>::list(&state.ctx, &caller.0, &request.query)
                    .await?;
                let mut keys = $crate::http::answer::ContentKeys::of(<$collection as $crate::rest::list::Collection>::NAME);
                for found in &page.items {
                    keys.add(<$item as $crate::content::history::Versioned>::KIND, found.id);
                }
                let page = page.map(<$out>::from);
                Ok($crate::rest::respond::render_list(&req, &page, request.answer())?.keyed(&keys))
            })
            .await
        }

        #[doc = $get_summary]
        #[doc = ""]
        #[doc = $readers]
        #[utoipa::path(
            tag = $tag,
            security((), ("bearer" = [])),
            params(("id" = String, Path, description = $key), $crate::rest::docs::ReadParams),
            responses(
                (status = 200, description = "The current representation", body = $out, headers(("ETag" = String))),
                (status = 304, description = "Not modified since the ETag in If-None-Match"),
                $crate::rest::docs::Moved, $crate::rest::docs::BadRequest, $crate::rest::docs::NotFound,
            )
        )]
        #[get($item_path)]
        pub async fn $get(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let options = $crate::rest::list::read_options::<$collection>(req.query_string())?;
            let key = $crate::content::Key::parse(&path, None);
            let answer = $crate::rest::respond::public(&state, &caller.0, &req, async || {
                let found = <$item as $crate::content::Catalog>::get(&state.ctx, &caller.0, &key).await?;
                let mut keys = $crate::http::answer::ContentKeys::of(<$collection as $crate::rest::list::Collection>::NAME);
                keys.add(<$item as $crate::content::history::Versioned>::KIND, found.id);
                let version = found.version;
                let rendered = $crate::rest::respond::render_entity(version, &<$out>::from(found), options.fields.as_deref())?;
                Ok(rendered.keyed(&keys))
            })
            .await;
            $crate::rest::respond::or_moved(&req, answer)
        }

        #[doc = $create_summary]
        #[doc = ""]
        #[doc = "The slug is generated from the name when absent; an explicit slug that is taken is a 409."]
        #[doc = ""]
        #[doc = "Needs the editor or admin role."]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            request_body = $write,
            responses(
                (status = 201, description = "Created", body = $out, headers(("Location" = String), ("ETag" = String))),
                $crate::rest::docs::BadRequest, $crate::rest::docs::Unauthorized, $crate::rest::docs::Forbidden,
                $crate::rest::docs::Conflict, $crate::rest::docs::PayloadTooLarge,
                $crate::rest::docs::UnsupportedMediaType, $crate::rest::docs::Unprocessable,
            )
        )]
        #[post($list_path)]
        pub async fn $create(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            body: $crate::http::JsonBody<$write>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let input = <$input>::from(body.into_inner());
            let created = <$item as $crate::content::Catalog>::create(&state.ctx, &caller.0, input).await?;
            let location = format!("/api/v1/{}/{}", $name, created.id);
            let version = created.version;
            $crate::rest::respond::written(
                actix_web::http::StatusCode::CREATED,
                Some(location),
                version,
                &<$out>::from(created),
            )
        }

        $crate::rest::edit::edit_handlers! {
            tag: $tag,
            item: $item,
            input: $input,
            write: $write,
            out: $out,
            key: $key,
            path: $item_path,
            patch: $patch [
                $patch_summary,
                "",
                "Fields not sent keep their values; `null` clears an optional field.",
                "",
                "Needs the editor or admin role.",
            ],
            replace: $replace [
                $replace_summary,
                "",
                "Writable fields not sent are cleared (the slug keeps its value).",
                "",
                "Needs the editor or admin role.",
            ],
        }

        $(
        #[doc = $delete_summary]
        #[doc = ""]
        #[doc = "Needs the editor or admin role."]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            params(("id" = String, Path, description = $key)),
            responses((status = 204, description = "Deleted"), $crate::rest::docs::Unauthorized,
                      $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound, $crate::rest::docs::Conflict)
        )]
        #[delete($item_path)]
        pub async fn $delete(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            path: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let key = $crate::content::Key::parse(&path, None);
            <$item as $crate::content::Catalog>::delete(&state.ctx, &caller.0, &key).await?;
            Ok(actix_web::HttpResponse::NoContent().finish())
        }
        )?
    };
}

pub(crate) use catalog_handlers;
