//! Editing an article, author or tag: `PATCH` (fields not sent keep their
//! values) and `PUT` (fields not sent are cleared) share everything but
//! that, so one template writes both handlers of each resource (only `PUT`
//! for articles, whose `PATCH` also autosaves: `rest::articles::editing`).

/// Writes the `PATCH` and `PUT` handlers of a resource. Each write body
/// converts into the domain input with `From`; `PUT` then replaces
/// (`input.replacing()`). The documentation lines are given whole: the
/// OpenAPI generator reads `#[doc]` strings, not macros that would build them.
macro_rules! edit_handlers {
    (
        tag: $tag:literal,
        item: $item:ty,
        input: $input:ty,
        write: $write:ty,
        out: $out:ty,
        key: $key:literal,
        path: $path:literal,
        $(patch: $patch:ident [$($patch_doc:literal),+ $(,)?],)?
        replace: $replace:ident [$($replace_doc:literal),+ $(,)?] $(,)?
    ) => {
        $(
            $crate::rest::edit::edit_handlers!(@one patch, $patch, false, [$($patch_doc),+],
                $tag, $item, $input, $write, $out, $key, $path);
        )?
        $crate::rest::edit::edit_handlers!(@one put, $replace, true, [$($replace_doc),+],
            $tag, $item, $input, $write, $out, $key, $path);
    };
    (
        @one $method:ident, $name:ident, $replacing:literal, [$($doc:literal),+],
        $tag:literal, $item:ty, $input:ty, $write:ty, $out:ty, $key:literal, $path:literal
    ) => {
        $(#[doc = $doc])+
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            params(("id" = String, Path, description = $key),
                   ("If-Match" = Option<String>, Header, description = "ETag of the version this edit is based on (412 when it is not the current one)")),
            request_body = $write,
            responses(
                (status = 200, description = "The current representation", body = $out, headers(("ETag" = String))),
                $crate::rest::docs::BadRequest, $crate::rest::docs::Unauthorized, $crate::rest::docs::Forbidden,
                $crate::rest::docs::NotFound, $crate::rest::docs::Conflict, $crate::rest::docs::PreconditionFailed,
                $crate::rest::docs::PayloadTooLarge, $crate::rest::docs::UnsupportedMediaType,
                $crate::rest::docs::Unprocessable,
            )
        )]
        #[$method($path)]
        pub async fn $name(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            path: actix_web::web::Path<String>,
            if_match: $crate::http::IfMatch,
            body: $crate::http::JsonBody<$write>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let mut input = <$input>::from(body.into_inner());
            if $replacing {
                input = input.replacing();
            }
            let key = $crate::content::Key::parse(&path, None);
            let updated =
                <$item as $crate::content::history::Versioned>::update(&state.ctx, &caller.0, &key, input, if_match.0)
                    .await?;
            let version = updated.version;
            let status = actix_web::http::StatusCode::OK;
            $crate::rest::respond::written(status, None, version, &<$out>::from(updated))
        }
    };
}

pub(crate) use edit_handlers;
