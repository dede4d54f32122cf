//! Translations (design §13): articles linked across locales, each with its
//! own workflow, and reads that answer the best published translation
//! along the configured fallback chains, with `Content-Language`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, data, expect_json, expect_problem, header, id_of, send};

async fn site() -> TestApp {
    TestApp::spawn_with(|config| {
        config.locales = vec!["fr".to_owned(), "en".to_owned(), "de".to_owned()];
        config.locale_fallbacks = "fr-CA:fr,en".to_owned();
    })
    .await
}

async fn article(app: &TestApp, body: Value) -> Value {
    app.create_article(body).await
}

async fn act(app: &TestApp, id: &str, action: &str) -> Value {
    let path = format!("/api/v1/articles/{id}/transitions");
    expect_json(app.post(&path, &json!({ "action": action })).await, 200).await
}

/// The `(locale, state, published)` of each translation an answer lists.
fn listed(answer: &Value) -> Vec<(String, String, bool)> {
    answer["translations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["locale"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
                t["published"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn owned(items: &[(&str, &str, bool)]) -> Vec<(String, String, bool)> {
    items
        .iter()
        .map(|(l, s, p)| ((*l).to_owned(), (*s).to_owned(), *p))
        .collect()
}

#[tokio::test]
async fn a_translation_joins_its_original_and_keeps_its_own_workflow() {
    let app = site().await;
    let author = id_of(&app.create_author("Zoë").await);
    let original = article(
        &app,
        json!({"title": "L’été des festivals", "locale": "fr", "author_ids": [author], "state": "published"}),
    )
    .await;
    let fr = id_of(&original);
    assert_eq!(original["translations"], json!([]));
    let english = article(
        &app,
        json!({"title": "The summer of festivals", "locale": "en", "author_ids": [author], "translation_of": fr}),
    )
    .await;
    let en = id_of(&english);
    assert_eq!(listed(&english), owned(&[("fr", "published", true)]));
    assert_eq!(english["translations"][0]["slug"], "l-ete-des-festivals");
    assert_eq!(english["state"], "draft");

    // Signed in, the original lists its draft translation; the public, not yet.
    let working = expect_json(app.get(&format!("/api/v1/articles/{fr}")).await, 200).await;
    assert_eq!(listed(&working), owned(&[("en", "draft", false)]));
    let public = |path: String| {
        let request = app.anonymous(Method::GET, &path);
        async move { expect_json(send(request).await, 200).await }
    };
    assert_eq!(
        public(format!("/api/v1/articles/{fr}")).await["translations"],
        json!([])
    );

    // The translation's own workflow leaves the original where it is.
    for action in ["submit", "approve"] {
        act(&app, &en, action).await;
    }
    let after = expect_json(app.get(&format!("/api/v1/articles/{fr}")).await, 200).await;
    assert_eq!(after["state"], "published");
    assert_eq!(after["version"], original["version"]);
    assert_eq!(listed(&after), owned(&[("en", "approved", false)]));
    act(&app, &en, "publish").await;
    let live = public(format!("/api/v1/articles/{fr}")).await;
    assert_eq!(listed(&live), owned(&[("en", "published", true)]));
    // Lists carry the links too (one more statement, for the whole page).
    let list = public("/api/v1/articles?locale=en".to_owned()).await;
    assert_eq!(
        listed(&list["data"][0]),
        owned(&[("fr", "published", true)])
    );

    // A translation of a translation joins the same group.
    let german = article(
        &app,
        json!({"title": "Der Sommer der Festivals", "locale": "de", "author_ids": [author], "translation_of": en}),
    )
    .await;
    assert_eq!(
        listed(&german),
        owned(&[("en", "published", true), ("fr", "published", true)])
    );
    let working = expect_json(app.get(&format!("/api/v1/articles/{fr}")).await, 200).await;
    assert_eq!(
        listed(&working),
        owned(&[("de", "draft", false), ("en", "published", true)])
    );

    // One article per locale in a group; a known original; another locale.
    let again = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Summer again", "locale": "en", "author_ids": [author], "translation_of": fr}),
        )
        .await;
    let problem = expect_problem(again, 409).await;
    assert_eq!(problem["errors"][0]["field"], "locale");
    let same = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Encore l’été", "locale": "fr", "author_ids": [author], "translation_of": en}),
        )
        .await;
    expect_problem(same, 409).await;
    let unknown = app
        .post(
            "/api/v1/articles",
            &json!({"title": "Nowhere", "locale": "it", "author_ids": [author],
                    "translation_of": "01900000-0000-7000-8000-000000000000"}),
        )
        .await;
    let problem = expect_problem(unknown, 422).await;
    assert_eq!(problem["errors"][0]["field"], "translation_of");
    // Moving a member onto a locale its group has is refused too.
    let moved = app
        .patch(
            &format!("/api/v1/articles/{}", id_of(&german)),
            &json!({"locale": "en"}),
        )
        .await;
    expect_problem(moved, 409).await;
    // The whole record sent back (as admin UIs do) is accepted.
    let mut whole = expect_json(app.get(&format!("/api/v1/articles/{en}")).await, 200).await;
    whole["translation_of"] = json!(fr);
    whole["subtitle"] = json!("Édition 2026");
    let put = app.put(&format!("/api/v1/articles/{en}"), &whole).await;
    let put = expect_json(put, 200).await;
    assert_eq!(put["subtitle"], "Édition 2026");
    assert_eq!(
        listed(&put),
        owned(&[("de", "draft", false), ("fr", "published", true)])
    );

    // Deleting the original leaves the others linked to each other.
    assert_eq!(
        app.delete(&format!("/api/v1/articles/{fr}")).await.status(),
        204
    );
    let english = expect_json(app.get(&format!("/api/v1/articles/{en}")).await, 200).await;
    assert_eq!(listed(&english), owned(&[("de", "draft", false)]));
}

#[tokio::test]
async fn reads_answer_the_best_published_translation_along_the_chain() {
    let app = site().await;
    let author = id_of(&app.create_author("Zoë").await);
    let fr = article(
        &app,
        json!({"title": "La rentrée", "locale": "fr", "author_ids": [author], "state": "published"}),
    )
    .await;
    let en = article(
        &app,
        json!({"title": "Back to school", "locale": "en", "author_ids": [author],
                "translation_of": id_of(&fr), "state": "published"}),
    )
    .await;
    let get = |path: String, accept: Option<&'static str>| {
        let mut request = app.anonymous(Method::GET, &path);
        if let Some(accept) = accept {
            request = request.header("accept-language", accept);
        }
        async move { send(request).await }
    };

    // fr-CA has no translation: its chain goes on to fr.
    let response = get("/api/v1/articles/la-rentree?locale=fr-CA".to_owned(), None).await;
    assert_eq!(header(&response, "content-language").as_deref(), Some("fr"));
    assert!(
        header(&response, "vary")
            .unwrap()
            .contains("Accept-Language")
    );
    assert_eq!(expect_json(response, 200).await["title"], "La rentrée");
    // Asked in English, the French slug answers the English article.
    let response = get("/api/v1/articles/la-rentree?locale=en".to_owned(), None).await;
    assert_eq!(header(&response, "content-language").as_deref(), Some("en"));
    assert_eq!(expect_json(response, 200).await["id"], en["id"]);
    // Without the chain: the locale asked for, or nothing.
    let response = get(
        "/api/v1/articles/la-rentree?locale=fr-CA&fallback=false".to_owned(),
        None,
    )
    .await;
    expect_problem(response, 404).await;
    // `auto` reads Accept-Language (de has none: en is next), each answer
    // kept apart in the shared cache.
    for _ in 0..2 {
        let response = get(
            "/api/v1/articles/la-rentree?locale=auto".to_owned(),
            Some("de-DE, en;q=0.8, fr;q=0.5"),
        )
        .await;
        assert_eq!(header(&response, "content-language").as_deref(), Some("en"));
        let response = get(
            "/api/v1/articles/la-rentree?locale=auto".to_owned(),
            Some("fr-CA"),
        )
        .await;
        assert_eq!(header(&response, "content-language").as_deref(), Some("fr"));
    }
    // Each chain's answer is kept in the shared cache: asked again, it
    // costs only the read of the content generation.
    let before = app.statements();
    let response = get(
        "/api/v1/articles/la-rentree?locale=auto".to_owned(),
        Some("fr-CA"),
    )
    .await;
    assert_eq!(header(&response, "content-language").as_deref(), Some("fr"));
    assert!(app.statements() - before <= 1, "served from the cache");
    // Without `locale` a read never switches article.
    let response = get("/api/v1/articles/back-to-school".to_owned(), Some("fr")).await;
    assert_eq!(header(&response, "content-language").as_deref(), Some("en"));

    // Only published translations answer the public: with the French one
    // taken down, fr-CA falls back to English.
    act(&app, &id_of(&fr), "unpublish").await;
    let response = get(
        "/api/v1/articles/back-to-school?locale=fr-CA".to_owned(),
        None,
    )
    .await;
    assert_eq!(header(&response, "content-language").as_deref(), Some("en"));
    let answer = expect_json(response, 200).await;
    assert_eq!(answer["translations"], json!([]));
    // An editor previewing still gets the French working copy.
    let response = send(app.request(
        Method::GET,
        "/api/v1/articles/back-to-school?locale=fr-CA&preview=true",
    ))
    .await;
    assert_eq!(header(&response, "content-language").as_deref(), Some("fr"));

    // GraphQL: the same choice, and the links.
    let query = r#"query($slug: String!, $locale: String, $fallback: Boolean!) {
        article(slug: $slug, locale: $locale, fallback: $fallback) {
            locale title translations { locale slug published }
        }
    }"#;
    let answer = data(
        app.gql(
            query,
            json!({"slug": "back-to-school", "locale": "fr-CA", "fallback": true}),
        )
        .await,
    );
    assert_eq!(answer["article"]["locale"], "fr");
    assert_eq!(
        answer["article"]["translations"],
        json!([{"locale": "en", "slug": "back-to-school", "published": true}])
    );
    let answer = data(
        app.gql_anonymous(
            query,
            json!({"slug": "back-to-school", "locale": "fr-CA", "fallback": false}),
        )
        .await,
    );
    assert_eq!(answer["article"], Value::Null);
    let answer = data(
        app.gql_anonymous(
            query,
            json!({"slug": "back-to-school", "locale": "fr-CA", "fallback": true}),
        )
        .await,
    );
    assert_eq!(answer["article"]["locale"], "en");
}

#[tokio::test]
async fn tags_and_authors_have_names_per_locale() {
    let app = site().await;
    let tag = expect_json(
        app.post(
            "/api/v1/tags",
            &json!({"name": "Économie", "names": {"en": "Economy", "de-at": "Wirtschaft"}}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        tag["names"],
        json!({"de-AT": "Wirtschaft", "en": "Economy"})
    );
    let author = expect_json(
        app.post(
            "/api/v1/authors",
            &json!({"name": "Zoë Lefèvre", "bio": "Journaliste « économie »",
                    "bios": {"en": "Economics reporter"}}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(author["names"], json!({}));
    assert_eq!(author["bios"], json!({"en": "Economics reporter"}));

    // A name per locale is a name: a locale and some text.
    let path = format!("/api/v1/tags/{}", id_of(&tag));
    let bad = app
        .patch(&path, &json!({"names": {"xx-!!": "?", "en": "  "}}))
        .await;
    let problem = expect_problem(bad, 422).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["names.en", "names.xx-!!"]);
    // PATCH replaces the map; the revision keeps it, a restore brings it back.
    let patched = expect_json(
        app.patch(&path, &json!({"names": {"en": "The economy"}}))
            .await,
        200,
    )
    .await;
    assert_eq!(patched["names"], json!({"en": "The economy"}));
    let restored = expect_json(
        app.post(&format!("{path}/revisions/1/restore"), &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(
        restored["names"],
        json!({"de-AT": "Wirtschaft", "en": "Economy"})
    );

    // Search finds a tag by any of its names.
    let found = expect_json(
        send(app.anonymous(Method::GET, "/api/v1/search?q=wirtschaft&type=tags")).await,
        200,
    )
    .await;
    assert_eq!(found["data"][0]["id"], tag["id"]);

    // GraphQL reads and writes the same maps.
    let answer = data(
        app.gql(
            "mutation($id: ID!) { updateTag(id: $id, input: {names: {fr: \"Éco\"}}) { name names } }",
            json!({"id": id_of(&tag)}),
        )
        .await,
    );
    assert_eq!(
        answer["updateTag"],
        json!({"name": "Économie", "names": {"fr": "Éco"}})
    );
    let answer = data(
        app.gql_anonymous(
            "query($id: UUID!) { author(id: $id) { bio bios names } }",
            json!({"id": id_of(&author)}),
        )
        .await,
    );
    assert_eq!(
        answer["author"],
        json!({"bio": "Journaliste « économie »", "bios": {"en": "Economics reporter"}, "names": {}})
    );
}
