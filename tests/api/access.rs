//! Access control: every route × every kind of caller, in one table, plus the
//! rule that the table covers every documented route.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, created, expect_json, id_of, send};

/// A public address for webhooks (never called: the test server runs no webhook worker).
const PUBLIC_HOOK: &str = "https://93.184.216.34/hook";

/// The callers, in the order of the expected-status columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    DeliveryKey,
    PreviewKey,
    Viewer,
    /// An author user, acting on an article credited to them.
    AuthorOwn,
    /// The same author user, acting on someone else's article.
    AuthorOther,
    Editor,
    Admin,
}

const EVERYONE: [Who; 8] = [
    Who::Anonymous,
    Who::DeliveryKey,
    Who::PreviewKey,
    Who::Viewer,
    Who::AuthorOwn,
    Who::AuthorOther,
    Who::Editor,
    Who::Admin,
];

/// What a row's `{id}` stands for; made fresh, as the admin, before every request.
#[derive(Debug, Clone, Copy)]
enum Target {
    Nothing,
    /// A draft credited to the author user (someone else's for `AuthorOther`).
    Draft,
    /// A published article credited to the author user (someone else's for `AuthorOther`).
    Published,
    /// A soft-deleted draft.
    Deleted,
    Author,
    Tag,
    User,
    ApiKey,
    Webhook,
    /// A webhook and a delivery of it.
    Delivery,
    /// An unused asset uploaded by the author user (by the admin for everyone else).
    Asset,
    /// An asset shown by a published article: `id|filename`.
    PublicAsset,
    /// An import job the admin started (of a file that is no archive).
    ImportJob,
    /// An export job the admin started, once it has ended.
    ExportJob,
    /// A draft (as [`Target::Draft`]) with a preview link the admin made: `id|link_id`.
    PreviewLink,
    /// The newest entry of the audit log.
    AuditEntry,
}

/// What a row sends.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// A new draft crediting the author user (someone else for `AuthorOther`).
    NewArticle,
    /// A new article in the published state, crediting the author user.
    NewPublishedArticle,
    ArticleEdit,
    ArticleReplacement,
    NewAuthor,
    NewTag,
    Rename,
    NewUser,
    NewApiKey,
    NewWebhook,
    WebhookEdit,
    AdminLogin,
    UnknownRefreshToken,
    WrongCurrentPassword,
    NewPassword,
    Submit,
    Publish,
    GraphqlTypename,
    /// A picture, as a raw upload.
    Upload,
    AssetEdit,
    /// A file to import, as a form.
    ImportForm,
    Export,
    /// A preview link's lifetime.
    NewPreviewLink,
    /// The tag every merged tag goes into.
    MergeInto,
}

struct Row {
    method: Method,
    /// The documented path; `{id}` is replaced by the target.
    path: &'static str,
    query: &'static str,
    target: Target,
    body: Body,
    /// Expected status for each caller, in the order of [`EVERYONE`].
    expect: [u16; 8],
}

fn row(method: Method, path: &'static str, target: Target, body: Body, expect: [u16; 8]) -> Row {
    Row {
        method,
        path,
        query: "",
        target,
        body,
        expect,
    }
}

/// THE TABLE. Columns: anonymous, delivery key, preview key, viewer,
/// author (own article), author (someone else's), editor, admin.
#[rustfmt::skip]
fn table() -> Vec<Row> {
    use Body as B;
    use Method as M;
    use Target as T;
    const ALL_200: [u16; 8] = [200; 8];
    const EDITORS: [u16; 8] =        [401, 403, 403, 403, 403, 403, 200, 200];
    const EDITORS_CREATE: [u16; 8] = [401, 403, 403, 403, 403, 403, 201, 201];
    const EDITORS_DELETE: [u16; 8] = [401, 403, 403, 403, 403, 403, 204, 204];
    const OWN_DRAFTS: [u16; 8] =     [401, 403, 403, 403, 200, 403, 200, 200];
    const ADMINS: [u16; 8] =         [401, 403, 403, 403, 403, 403, 403, 200];
    const PREVIEWERS: [u16; 8] =     [401, 403, 200, 200, 200, 200, 200, 200];
    const HISTORY: [u16; 8] =        [401, 403, 403, 200, 200, 200, 200, 200];
    const SIGNED_IN: [u16; 8] =      [401, 403, 403, 200, 200, 200, 200, 200];
    let q = |query: &'static str, row: Row| Row { query, ..row };
    let mut rows = vec![
        row(M::GET, "/api/v1/articles", T::Nothing, B::None, ALL_200),
        q("?preview=true", row(M::GET, "/api/v1/articles", T::Nothing, B::None, PREVIEWERS)),
        row(M::POST, "/api/v1/articles", T::Nothing, B::NewArticle, [401, 403, 403, 403, 201, 403, 201, 201]),
        row(M::POST, "/api/v1/articles", T::Nothing, B::NewPublishedArticle, EDITORS_CREATE),
        row(M::GET, "/api/v1/articles/{id}", T::Published, B::None, ALL_200),
        // A draft: callers who see the live version by default do not see it at all.
        row(M::GET, "/api/v1/articles/{id}", T::Draft, B::None, [404, 404, 404, 200, 200, 200, 200, 200]),
        q("?preview=true", row(M::GET, "/api/v1/articles/{id}", T::Draft, B::None, PREVIEWERS)),
        row(M::PATCH, "/api/v1/articles/{id}", T::Draft, B::ArticleEdit, OWN_DRAFTS),
        row(M::PATCH, "/api/v1/articles/{id}", T::Published, B::ArticleEdit, EDITORS),
        row(M::PUT, "/api/v1/articles/{id}", T::Draft, B::ArticleReplacement, OWN_DRAFTS),
        row(M::DELETE, "/api/v1/articles/{id}", T::Draft, B::None, EDITORS_DELETE),
        q("?permanent=true", row(M::DELETE, "/api/v1/articles/{id}", T::Draft, B::None, [401, 403, 403, 403, 403, 403, 403, 204])),
        row(M::POST, "/api/v1/articles/{id}/restore", T::Deleted, B::None, ADMINS),
        row(M::POST, "/api/v1/articles/{id}/transitions", T::Draft, B::Submit, OWN_DRAFTS),
        row(M::POST, "/api/v1/articles/{id}/transitions", T::Draft, B::Publish, EDITORS),
        row(M::GET, "/api/v1/articles/{id}/transitions", T::Draft, B::None, HISTORY),
        q("?autosave=true", row(M::PATCH, "/api/v1/articles/{id}", T::Draft, B::ArticleEdit, OWN_DRAFTS)),
        // Signed-in users have no autosave of a fresh draft; keys have none at all.
        row(M::GET, "/api/v1/articles/{id}/autosave", T::Draft, B::None, [401, 403, 403, 404, 404, 404, 404, 404]),
        row(M::POST, "/api/v1/articles/{id}/preview-links", T::Draft, B::NewPreviewLink, [401, 403, 403, 403, 201, 403, 201, 201]),
        row(M::GET, "/api/v1/articles/{id}/preview-links", T::Draft, B::None, OWN_DRAFTS),
        row(M::DELETE, "/api/v1/articles/{id}/preview-links/{link_id}", T::PreviewLink, B::None, [401, 403, 403, 403, 204, 403, 204, 204]),
        row(M::GET, "/api/v1/articles/{id}/revisions", T::Draft, B::None, HISTORY),
        row(M::GET, "/api/v1/articles/{id}/revisions/{version}", T::Draft, B::None, HISTORY),
        q("?from=1&to=1", row(M::GET, "/api/v1/articles/{id}/diff", T::Draft, B::None, HISTORY)),
        row(M::POST, "/api/v1/articles/{id}/revisions/{version}/restore", T::Draft, B::None, OWN_DRAFTS),
    ];
    for (target, new, paths) in [
        (T::Author, B::NewAuthor, ["/api/v1/authors", "/api/v1/authors/{id}", "/api/v1/authors/{id}/revisions",
            "/api/v1/authors/{id}/revisions/{version}", "/api/v1/authors/{id}/revisions/{version}/restore", "/api/v1/authors/{id}/diff"]),
        (T::Tag, B::NewTag, ["/api/v1/tags", "/api/v1/tags/{id}", "/api/v1/tags/{id}/revisions",
            "/api/v1/tags/{id}/revisions/{version}", "/api/v1/tags/{id}/revisions/{version}/restore", "/api/v1/tags/{id}/diff"]),
    ] {
        let [list, item, revisions, revision, restore, diff] = paths;
        rows.extend([
            row(M::GET, list, T::Nothing, B::None, ALL_200),
            row(M::POST, list, T::Nothing, new, EDITORS_CREATE),
            row(M::GET, item, target, B::None, ALL_200),
            row(M::PATCH, item, target, B::Rename, EDITORS),
            row(M::PUT, item, target, B::Rename, EDITORS),
            row(M::DELETE, item, target, B::None, EDITORS_DELETE),
            row(M::GET, revisions, target, B::None, HISTORY),
            row(M::GET, revision, target, B::None, HISTORY),
            q("?from=1&to=1", row(M::GET, diff, target, B::None, HISTORY)),
            row(M::POST, restore, target, B::None, EDITORS),
        ]);
    }
    rows.extend([
        q("?detach=true", row(M::DELETE, "/api/v1/tags/{id}", T::Tag, B::None, EDITORS_DELETE)),
        row(M::POST, "/api/v1/tags/{id}/merge", T::Tag, B::MergeInto, EDITORS),
    ]);
    rows.extend([
        row(M::POST, "/api/v1/auth/login", T::Nothing, B::AdminLogin, ALL_200),
        row(M::POST, "/api/v1/auth/refresh", T::Nothing, B::UnknownRefreshToken, [401; 8]),
        row(M::POST, "/api/v1/auth/logout", T::Nothing, B::UnknownRefreshToken, [204; 8]),
        row(M::GET, "/api/v1/auth/me", T::Nothing, B::None, SIGNED_IN),
        row(M::POST, "/api/v1/auth/password", T::Nothing, B::WrongCurrentPassword, [401, 403, 403, 422, 422, 422, 422, 422]),
        row(M::GET, "/api/v1/sync", T::Nothing, B::None, ALL_200),
        q("?q=titre", row(M::GET, "/api/v1/search", T::Nothing, B::None, ALL_200)),
        q("?q=titre&preview=true", row(M::GET, "/api/v1/search", T::Nothing, B::None, PREVIEWERS)),
        row(M::GET, "/api/v1/users", T::Nothing, B::None, ADMINS),
        row(M::POST, "/api/v1/users", T::Nothing, B::NewUser, [401, 403, 403, 403, 403, 403, 403, 201]),
        row(M::GET, "/api/v1/users/{id}", T::User, B::None, ADMINS),
        row(M::PATCH, "/api/v1/users/{id}", T::User, B::Rename, ADMINS),
        row(M::POST, "/api/v1/users/{id}/password", T::User, B::NewPassword, [401, 403, 403, 403, 403, 403, 403, 204]),
        row(M::GET, "/api/v1/api-keys", T::Nothing, B::None, ADMINS),
        row(M::POST, "/api/v1/api-keys", T::Nothing, B::NewApiKey, [401, 403, 403, 403, 403, 403, 403, 201]),
        row(M::GET, "/api/v1/api-keys/{id}", T::ApiKey, B::None, ADMINS),
        row(M::DELETE, "/api/v1/api-keys/{id}", T::ApiKey, B::None, [401, 403, 403, 403, 403, 403, 403, 204]),
        row(M::GET, "/api/v1/audit", T::Nothing, B::None, ADMINS),
        row(M::GET, "/api/v1/audit/{id}", T::AuditEntry, B::None, ADMINS),
        row(M::GET, "/api/v1/webhooks", T::Nothing, B::None, ADMINS),
        row(M::POST, "/api/v1/webhooks", T::Nothing, B::NewWebhook, [401, 403, 403, 403, 403, 403, 403, 201]),
        row(M::GET, "/api/v1/webhooks/{id}", T::Webhook, B::None, ADMINS),
        row(M::PATCH, "/api/v1/webhooks/{id}", T::Webhook, B::WebhookEdit, ADMINS),
        row(M::DELETE, "/api/v1/webhooks/{id}", T::Webhook, B::None, [401, 403, 403, 403, 403, 403, 403, 204]),
        row(M::POST, "/api/v1/webhooks/{id}/rotate-secret", T::Webhook, B::None, ADMINS),
        row(M::POST, "/api/v1/webhooks/{id}/test", T::Webhook, B::None, [401, 403, 403, 403, 403, 403, 403, 202]),
        row(M::GET, "/api/v1/webhooks/{id}/deliveries", T::Webhook, B::None, ADMINS),
        row(M::POST, "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", T::Delivery, B::None, [401, 403, 403, 403, 403, 403, 403, 202]),
        q("?since_seq=0", row(M::POST, "/api/v1/webhooks/{id}/replay", T::Webhook, B::None, [401, 403, 403, 403, 403, 403, 403, 202])),
        row(M::POST, "/api/v1/imports", T::Nothing, B::ImportForm, [401, 403, 403, 403, 403, 403, 403, 202]),
        row(M::GET, "/api/v1/imports/{id}", T::ImportJob, B::None, ADMINS),
        row(M::POST, "/api/v1/exports", T::Nothing, B::Export, [401, 403, 403, 403, 403, 403, 403, 202]),
        row(M::GET, "/api/v1/exports/{id}", T::ExportJob, B::None, ADMINS),
        row(M::GET, "/api/v1/exports/{id}/archive", T::ExportJob, B::None, ADMINS),
        row(M::DELETE, "/api/v1/exports/{id}", T::ExportJob, B::None, [401, 403, 403, 403, 403, 403, 403, 204]),
        row(M::GET, "/api/v1/assets", T::Nothing, B::None, ALL_200),
        row(M::POST, "/api/v1/assets", T::Nothing, B::Upload, [401, 403, 403, 403, 201, 201, 201, 201]),
        row(M::GET, "/api/v1/assets/{id}", T::PublicAsset, B::None, ALL_200),
        // An unused asset is not public.
        row(M::GET, "/api/v1/assets/{id}", T::Asset, B::None, [404, 404, 200, 200, 200, 200, 200, 200]),
        row(M::PATCH, "/api/v1/assets/{id}", T::Asset, B::AssetEdit, OWN_DRAFTS),
        row(M::PUT, "/api/v1/assets/{id}", T::Asset, B::AssetEdit, OWN_DRAFTS),
        row(M::DELETE, "/api/v1/assets/{id}", T::Asset, B::None, [401, 403, 403, 403, 204, 403, 204, 204]),
        q("?force=true", row(M::DELETE, "/api/v1/assets/{id}", T::PublicAsset, B::None, [401, 403, 403, 403, 403, 403, 403, 204])),
        row(M::GET, "/api/v1/assets/{id}/usage", T::Asset, B::None, PREVIEWERS),
        row(M::GET, "/api/v1/assets/{id}/revisions", T::Asset, B::None, HISTORY),
        row(M::GET, "/api/v1/assets/{id}/revisions/{version}", T::Asset, B::None, HISTORY),
        q("?from=1&to=1", row(M::GET, "/api/v1/assets/{id}/diff", T::Asset, B::None, HISTORY)),
        row(M::POST, "/api/v1/assets/{id}/revisions/{version}/restore", T::Asset, B::None, OWN_DRAFTS),
        row(M::GET, "/media/{id}/{filename}", T::PublicAsset, B::None, ALL_200),
        row(M::GET, "/media/{id}/{filename}", T::Asset, B::None, [404, 404, 200, 200, 200, 200, 200, 200]),
        q("?w=160&format=webp", row(M::GET, "/media/{id}/{filename}", T::PublicAsset, B::None, ALL_200)),
        row(M::GET, "/", T::Nothing, B::None, ALL_200),
        row(M::GET, "/healthz", T::Nothing, B::None, ALL_200),
        row(M::GET, "/readyz", T::Nothing, B::None, ALL_200),
        row(M::GET, "/metrics", T::Nothing, B::None, ALL_200),
        row(M::GET, "/openapi.json", T::Nothing, B::None, ALL_200),
        row(M::POST, "/graphql", T::Nothing, B::GraphqlTypename, ALL_200),
        q("?query=%7B__typename%7D", row(M::GET, "/graphql", T::Nothing, B::None, ALL_200)),
        // Without a WebSocket upgrade; callers authenticate in `connection_init`.
        row(M::GET, "/graphql/ws", T::Nothing, B::None, [400; 8]),
    ]);
    rows
}

/// The callers' credentials and the author profiles they act on.
struct World {
    app: TestApp,
    /// The profile the author user writes as.
    own_profile: String,
    /// Someone else's profile.
    other_profile: String,
    credentials: Vec<(Who, Option<String>)>,
    /// The tag merged tags go into.
    merge_target: String,
}

async fn world() -> World {
    // The test server runs no webhook worker: the webhooks made here are never called.
    let app = TestApp::spawn().await;
    let own_profile = id_of(&app.create_author("Autrice Propre").await);
    let other_profile = id_of(&app.create_author("Autre Auteur").await);
    let merge_target = id_of(&app.create_tag("Cible des fusions").await);
    let delivery = app.api_key("delivery").await;
    let preview = app.api_key("preview").await;
    let (_, viewer) = app.user("viewer", None).await;
    let (_, author) = app.user("author", Some(&own_profile)).await;
    let (_, editor) = app.user("editor", None).await;
    let admin = app.admin_token.clone();
    let credentials = vec![
        (Who::Anonymous, None),
        (Who::DeliveryKey, Some(delivery)),
        (Who::PreviewKey, Some(preview)),
        (Who::Viewer, Some(viewer)),
        (Who::AuthorOwn, Some(author.clone())),
        (Who::AuthorOther, Some(author)),
        (Who::Editor, Some(editor)),
        (Who::Admin, Some(admin)),
    ];
    World {
        app,
        own_profile,
        other_profile,
        credentials,
        merge_target,
    }
}

impl World {
    /// The token of a signed-in caller.
    fn credential(&self, who: Who) -> String {
        self.credentials
            .iter()
            .find(|(w, _)| *w == who)
            .and_then(|(_, c)| c.clone())
            .unwrap()
    }

    /// Uploads a small picture with `token`.
    async fn upload(&self, token: &str) -> Value {
        created(
            send(upload(self.app.request_as(
                token,
                Method::POST,
                "/api/v1/assets",
            )))
            .await,
        )
        .await
    }

    fn profile_for(&self, who: Who) -> &str {
        if who == Who::AuthorOther {
            &self.other_profile
        } else {
            &self.own_profile
        }
    }

    async fn prepare(&self, target: Target, who: Who) -> Option<String> {
        let app = &self.app;
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let profile = self.profile_for(who);
        Some(match target {
            Target::Nothing => return None,
            Target::Draft => id_of(&app.create_article(json!({"title": format!("Brouillon {unique}"), "author_ids": [profile]})).await),
            Target::Published => id_of(
                &app.create_article(json!({"title": format!("Publié {unique}"), "author_ids": [profile], "state": "published"}))
                    .await,
            ),
            Target::Deleted => {
                let id = id_of(&app.create_article(json!({"title": format!("Supprimé {unique}"), "author_ids": [profile]})).await);
                assert_eq!(app.delete(&format!("/api/v1/articles/{id}")).await.status(), 204);
                id
            }
            Target::Author => id_of(&app.create_author(&format!("Auteur {unique}")).await),
            Target::Tag => id_of(&app.create_tag(&format!("Tag {unique}")).await),
            Target::User => {
                let body = json!({"email": format!("{unique}@masthead.test"), "name": "U", "role": "viewer", "password": "a-long-enough-password"});
                id_of(&created(app.post("/api/v1/users", &body).await).await)
            }
            Target::ApiKey => id_of(&created(app.post("/api/v1/api-keys", &json!({"name": "k", "kind": "delivery"})).await).await),
            Target::Webhook => id_of(&created(app.post("/api/v1/webhooks", &json!({"url": PUBLIC_HOOK})).await).await),
            Target::Asset => {
                let token = match who {
                    Who::AuthorOwn => self.credential(Who::AuthorOwn),
                    _ => app.admin_token.clone(),
                };
                let asset = self.upload(&token).await;
                format!("{}|{}", id_of(&asset), asset["filename"].as_str().unwrap())
            }
            Target::PublicAsset => {
                let asset = self.upload(&app.admin_token).await;
                let body = json!({"title": format!("Illustré {unique}"), "author_ids": [profile], "state": "published",
                    "featured_image": {"asset_id": id_of(&asset)}});
                app.create_article(body).await;
                let name = asset["filename"].as_str().unwrap().to_owned();
                format!("{}|{name}", id_of(&asset))
            }
            Target::ImportJob => {
                let form = import_form(app.request_as(&app.admin_token, Method::POST, "/api/v1/imports"));
                id_of(&expect_json(send(form).await, 202).await)
            }
            Target::ExportJob => {
                let job = expect_json(app.post("/api/v1/exports", &json!({})).await, 202).await;
                let id = id_of(&job);
                for _ in 0..600 {
                    let job = expect_json(app.get(&format!("/api/v1/exports/{id}")).await, 200).await;
                    if job["state"] != "running" {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                id
            }
            Target::AuditEntry => {
                let page = expect_json(app.get("/api/v1/audit?per_page=1").await, 200).await;
                id_of(&page["data"][0])
            }
            Target::PreviewLink => {
                let id = id_of(&app.create_article(json!({"title": format!("Partagé {unique}"), "author_ids": [profile]})).await);
                let link = created(app.post(&format!("/api/v1/articles/{id}/preview-links"), &json!({})).await).await;
                format!("{id}|{}", id_of(&link))
            }
            Target::Delivery => {
                let hook = id_of(&created(app.post("/api/v1/webhooks", &json!({"url": PUBLIC_HOOK})).await).await);
                let ping = expect_json(app.post(&format!("/api/v1/webhooks/{hook}/test"), &json!({})).await, 202).await;
                format!("{hook}|{}", id_of(&ping))
            }
        })
    }

    fn body(&self, body: Body, who: Who) -> Option<Value> {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let profile = self.profile_for(who);
        Some(match body {
            Body::None => return None,
            Body::NewArticle => {
                json!({"title": format!("Nouveau {unique}"), "author_ids": [profile]})
            }
            Body::NewPublishedArticle => {
                json!({"title": format!("Direct {unique}"), "author_ids": [profile], "state": "published"})
            }
            Body::ArticleEdit => json!({"subtitle": "Modifié"}),
            Body::ArticleReplacement => json!({"title": "Remplacé", "author_ids": [profile]}),
            Body::NewAuthor | Body::NewTag => json!({"name": format!("Nom {unique}")}),
            Body::Rename => json!({"name": format!("Renommé {unique}")}),
            Body::NewUser => {
                json!({"email": format!("{unique}@masthead.test"), "name": "N", "role": "editor", "password": "a-long-enough-password"})
            }
            Body::NewApiKey => json!({"name": "front", "kind": "preview"}),
            Body::NewWebhook => json!({"url": PUBLIC_HOOK, "events": ["article.published"]}),
            Body::WebhookEdit => json!({"description": format!("Changé {unique}")}),
            Body::AdminLogin => json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
            Body::UnknownRefreshToken => json!({"refresh_token": "mhr_unknown"}),
            Body::WrongCurrentPassword => {
                json!({"current_password": "not-the-password", "new_password": "another-long-password"})
            }
            Body::NewPassword => json!({"password": "a-new-long-password"}),
            Body::Submit => json!({"action": "submit"}),
            Body::Publish => json!({"action": "publish"}),
            Body::GraphqlTypename => json!({"query": "{ __typename }"}),
            Body::Upload | Body::ImportForm => return None,
            Body::Export => json!({"no_media": true}),
            Body::AssetEdit => json!({"alt": format!("Texte {unique}")}),
            Body::NewPreviewLink => json!({"expires_in": 3600}),
            Body::MergeInto => json!({"into": self.merge_target}),
        })
    }
}

/// A file to import, as a form (not an archive: the job fails, later).
fn import_form(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let part =
        reqwest::multipart::Part::bytes(b"not an archive".to_vec()).file_name("site.tar.zst");
    request.multipart(
        reqwest::multipart::Form::new()
            .part("file", part)
            .text("dry_run", "true"),
    )
}

/// A small PNG as a raw upload.
fn upload(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .header("content-disposition", "attachment; filename=\"point.png\"")
        .body(crate::media::png(8, 8))
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_table_says() {
    let world = world().await;
    let mut mismatches = Vec::new();
    for row in table() {
        for (column, who) in EVERYONE.iter().enumerate() {
            let id = world.prepare(row.target, *who).await;
            let path = match &id {
                Some(id) => {
                    let (id, second) = id.split_once('|').unwrap_or((id, ""));
                    row.path
                        .replace("{id}", id)
                        .replace("{version}", "1")
                        .replace("{delivery_id}", second)
                        .replace("{link_id}", second)
                        .replace("{filename}", second)
                }
                None => row.path.to_owned(),
            };
            let path = format!("{path}{}", row.query);
            let credential = &world.credentials[column].1;
            let mut request = match credential {
                Some(credential) => world.app.request_as(credential, row.method.clone(), &path),
                None => world.app.anonymous(row.method.clone(), &path),
            };
            if let Some(body) = world.body(row.body, *who) {
                request = request.json(&body);
            }
            if matches!(row.body, Body::Upload) {
                request = upload(request);
            }
            if matches!(row.body, Body::ImportForm) {
                request = import_form(request);
            }
            let response = send(request).await;
            let status = response.status().as_u16();
            if status != row.expect[column] {
                let text = response.text().await.unwrap_or_default();
                mismatches.push(format!(
                    "{} {path} as {who:?}: expected {}, got {status} {text}",
                    row.method, row.expect[column]
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn the_table_covers_every_documented_route() {
    let app = TestApp::spawn().await;
    let document = expect_json(app.get("/openapi.json").await, 200).await;
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_ascii_uppercase(), path.clone()))
        })
        .collect();
    let covered: BTreeSet<(String, String)> = table()
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the access table: {missing:?}"
    );
}

#[tokio::test]
async fn a_private_site_refuses_anonymous_reads_only() {
    let app = TestApp::spawn_with(|config| config.public_read = false).await;
    let tag = id_of(&app.create_tag("T").await);
    let author = id_of(&app.create_author("A").await);
    app.create_article(
        json!({"title": "Publié", "author_ids": [author], "tag_ids": [tag], "state": "published"}),
    )
    .await;
    let delivery = app.api_key("delivery").await;
    for path in ["/api/v1/articles", "/api/v1/authors", "/api/v1/tags"] {
        let anonymous = send(app.anonymous(Method::GET, path)).await;
        assert_eq!(anonymous.status(), 401, "{path}");
        assert!(anonymous.headers().contains_key("www-authenticate"));
        let keyed = expect_json(
            send(app.request_as(&delivery, Method::GET, path)).await,
            200,
        )
        .await;
        assert!(keyed["meta"]["total"].as_u64().unwrap() >= 1, "{path}");
    }
}

#[tokio::test]
async fn private_fields_are_hidden_from_the_public() {
    let app = TestApp::spawn().await;
    let author = created(
        app.post(
            "/api/v1/authors",
            &json!({"name": "Privée", "email": "privee@exemple.fr"}),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/authors/{}", id_of(&author));
    let public = expect_json(send(app.anonymous(Method::GET, &path)).await, 200).await;
    assert_eq!(public["email"], Value::Null);
    let delivery = app.api_key("delivery").await;
    let keyed = expect_json(
        send(app.request_as(&delivery, Method::GET, &path)).await,
        200,
    )
    .await;
    assert_eq!(keyed["email"], Value::Null);
    let signed_in = expect_json(app.get(&path).await, 200).await;
    assert_eq!(signed_in["email"], "privee@exemple.fr");
}

#[tokio::test]
async fn writes_record_who_made_them() {
    let app = TestApp::spawn().await;
    let profile = id_of(&app.create_author("Moi").await);
    let (author_user, author_token) = app.user("author", Some(&profile)).await;
    let (editor_user, editor_token) = app.user("editor", None).await;
    let article = created(
        send(
            app.request_as(&author_token, Method::POST, "/api/v1/articles")
                .json(&json!({"title": "À moi", "author_ids": [profile]})),
        )
        .await,
    )
    .await;
    assert_eq!(article["created_by"], author_user);
    assert_eq!(article["updated_by"], author_user);
    let path = format!("/api/v1/articles/{}", id_of(&article));
    let edited = expect_json(
        send(
            app.request_as(&editor_token, Method::PATCH, &path)
                .json(&json!({"subtitle": "Relu"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(edited["created_by"], author_user);
    assert_eq!(edited["updated_by"], editor_user);

    // An author may not drop their own credit, nor credit only others.
    let other = id_of(&app.create_author("Autre").await);
    let drop_self = send(
        app.request_as(&author_token, Method::PATCH, &path)
            .json(&json!({"author_ids": [other]})),
    )
    .await;
    assert_eq!(drop_self.status(), 403);
}
