//! The README's tour must work as written.

use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};

const README: &str = include_str!("../../README.md");

/// The code of the README's blocks between `<!-- name:start -->` and
/// `<!-- name:end -->`.
fn block(name: &str) -> String {
    let start = README
        .find(&format!("<!-- {name}:start -->"))
        .unwrap_or_else(|| panic!("{name} start marker"));
    let end = README
        .find(&format!("<!-- {name}:end -->"))
        .unwrap_or_else(|| panic!("{name} end marker"));
    let mut script = String::new();
    let mut in_code = false;
    for line in README[start..end].lines() {
        match line.trim() {
            "```sh" | "```python" => in_code = true,
            "```" => in_code = false,
            _ if in_code => {
                script.push_str(line);
                script.push('\n');
            }
            _ => {}
        }
    }
    script
}

#[tokio::test]
async fn the_readme_tour_runs_as_written() {
    // As the README says to start the server for its local webhook receiver.
    let app = TestApp::spawn_with(|config| {
        config.webhook_allow_private = true;
        config.webhook_interval_ms = 50;
    })
    .await;
    // The receiver listens on a free port instead of 9000.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let receiver_address = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("receiver.py"),
        block("receiver").replace("(\"127.0.0.1\", 9000)", &format!("(\"127.0.0.1\", {port})")),
    )
    .unwrap();
    // The reader's own picture.
    std::fs::write(dir.path().join("photo.jpg"), crate::media::jpeg(1200, 800)).unwrap();
    let script = format!(
        "{}{}{}{}{}{}",
        block("tour"),
        block("search"),
        block("media"),
        block("feed"),
        block("translations"),
        block("editors")
    )
    .replace("127.0.0.1:9000", &receiver_address)
    .replace("http://127.0.0.1:8080", &app.address)
    .replace("admin@masthead.local", ADMIN_EMAIL)
    .replace("the-printed-password", ADMIN_PASSWORD);
    assert!(script.contains("curl"), "the tour has commands");

    let output = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .output()
        .await
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the tour failed: {stderr}\n{stdout}"
    );

    assert!(
        stdout.contains("\"slug\": \"l-ete-ou-zoe-a-cree-ca-va\""),
        "{stdout}"
    );
    assert!(stdout.contains("L'été où Zoë a créé « Ça Va »"), "{stdout}");
    assert!(stdout.contains("\"Zoë Duval\""), "{stdout}");
    assert!(stdout.contains("<strong>festival</strong>"), "{stdout}");
    assert!(stdout.contains("Chronique d’un festival"), "{stdout}");
    assert!(stdout.contains("\"version\": 2"), "{stdout}");
    assert!(stdout.contains("\"role\": \"admin\""), "{stdout}");
    assert!(
        stdout.contains("\n0\n"),
        "the public sees no draft: {stdout}"
    );
    for line in [
        r#"{"state":"in_review","version":2,"published_version":null}"#,
        r#"{"state":"published","version":2,"published_version":2}"#,
        r#"{"state":"draft","version":3,"published_version":2}"#,
        r#"{"title":"L'été où Zoë a créé « Ça Va »","version":2}"#,
        r#"{"field":"title","before":"L'été où Zoë a créé « Ça Va »","after":"L’été où Zoë a tout changé"}"#,
        r#"{"state":"published","version":3,"published_version":3}"#,
        r#"["publish","draft","published",3]"#,
    ] {
        assert!(
            stdout.contains(line),
            "the walk-through prints {line}: {stdout}"
        );
    }
    assert!(
        stdout.contains(r#"{"articles":{"totalCount":1,"nodes":[{"title":"L’été où Zoë a tout changé","readingTimeMinutes":1,"authors":[{"name":"Zoë Duval"}],"tags":[{"name":"Culture"},{"name":"Été"}]}]}}"#),
        "GraphQL shows the published article: {stdout}"
    );
    // GraphQL over GET, and a persisted query asked for, registered, then used.
    assert_eq!(
        stdout.matches(r#"{"articles":{"totalCount":1}}"#).count(),
        2,
        "{stdout}"
    );
    assert!(stdout.contains("\"PERSISTED_QUERY_NOT_FOUND\""), "{stdout}");
    let last_read = stdout
        .lines()
        .rfind(|l| l.starts_with(r#"{"title""#))
        .unwrap();
    assert_eq!(
        last_read,
        r#"{"title":"L’été où Zoë a tout changé","version":3}"#
    );

    // Search: accents ignored and marked, facets, GraphQL.
    for line in [
        r#"{"type":"articles","title":"L’été où Zoë a tout changé","marked":"L’<mark>été</mark> où <mark>Zoë</mark> a tout changé"}"#,
        r#"{"total":1,"tags":[{"name":"Culture","count":1},{"name":"Été","count":1}]}"#,
        r#"{"search":{"totalCount":2,"edges":[{"node":{"type":"AUTHOR","highlights":[{"field":"name","fragments":["Zoë <mark>Duval</mark>"]}]}},{"node":{"type":"ARTICLE","highlights":[{"field":"authors","fragments":["Zoë <mark>Duval</mark>"]}]}}]}}"#,
    ] {
        assert!(
            stdout.contains(line),
            "the search walk-through prints {line}: {stdout}"
        );
    }

    // Translations: the link, the chain, Accept-Language, no fallback, names.
    for line in [
        r#"{"locale":"en","slug":"back-to-school","translations":[{"id":"#,
        r#""locale":"fr","slug":"la-rentree","state":"published","published":true}]}"#,
        r#"{"locale":"en","title":"Back to school"}"#,
        "content-language: fr",
        r#"{"locale":"en"}"#,
        "\n404\n",
        r#"{"name":"Été","names":{"de":"Sommer","en":"Summer"}}"#,
    ] {
        assert!(
            stdout.to_lowercase().contains(&line.to_lowercase()),
            "the translations walk-through prints {line}: {stdout}"
        );
    }

    // Editors' tools: autosave and its fold, a preview link, a redirect, a
    // merge, and the audit log that saw it.
    let redirect = format!("301 {}/api/v1/tags/arts", app.address);
    for line in [
        r#"{"base_version":"#,
        r#"excerpt":"Un été « inoubliable »."}"#,
        "\n\"Un été « inoubliable ».\"\n",
        r#"{"excerpt":"Un été « inoubliable ».","subtitle":"Chronique d’un été"}"#,
        r#"{"subtitle":"Chronique d’un été","state":"#,
        "\n403\n",
        r#"{"slug":"arts"}"#,
        &redirect,
        r#"{"slug":"arts","name":"Culture"}"#,
        "\n[\"tag.deleted\",\"127.0.0.1\"]\n",
    ] {
        assert!(
            stdout.contains(line),
            "the editors' walk-through prints {line}: {stdout}"
        );
    }

    // Pictures: the upload, the featured image, the body, a variant.
    for line in [
        r#"{"filename":"photo.jpg","content_type":"image/jpeg","width":1200,"height":800,"url":"/media/"#,
        r#""alt":"La scène du festival, « au crépuscule »","width":1200}"#,
        r#"{"state":"published","published_version":4}"#,
        r#"alt="La scène" width="1200" height="800">"#,
        r#"{"type":"image","alt":"La scène","width":1200}"#,
        "content-type: image/webp",
        "cache-control: public, max-age=31536000, immutable",
    ] {
        assert!(
            stdout
                .to_ascii_lowercase()
                .contains(&line.to_ascii_lowercase()),
            "the media walk-through prints {line}: {stdout}"
        );
    }
    let small = std::fs::read(dir.path().join("small.webp")).unwrap();
    assert_eq!(image::load_from_memory(&small).unwrap().width(), 320);

    // The change feed: sync, a verified webhook delivery, the delta.
    for line in [
        r#"{"items":[["article","L’été où Zoë a tout changé"]],"has_more":false}"#,
        r#"{"state":"draft","published_version":null}"#,
        r#"{"type":"article.unpublished","status":"succeeded","attempts":1,"last_status":204}"#,
        r#"{"items":[],"deleted":["article"]}"#,
    ] {
        assert!(
            stdout.contains(line),
            "the feed walk-through prints {line}: {stdout}"
        );
    }
    assert!(
        stdout.contains("verified article.unpublished "),
        "the receiver verified the signature: {stdout}"
    );
    assert!(!stdout.contains("REFUSED"), "{stdout}");
}
