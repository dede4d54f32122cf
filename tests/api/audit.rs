//! The audit log (design §15): who did what, from where and when, for
//! admins only, filterable, kept for its retention, never holding a secret.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, created, expect_json, expect_problem, id_of, send,
};

const AGENT: &str = "Masthead-Test/1.0 (audit)";

async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let page = expect_json(app.get(&format!("/api/v1/audit{query}")).await, 200).await;
    page["data"].as_array().unwrap().clone()
}

fn of_type<'a>(entries: &'a [Value], kind: &str) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["type"] == kind).collect()
}

#[tokio::test]
async fn the_audit_log_tells_admins_who_did_what_from_where_and_nobody_else() {
    let app = TestApp::spawn().await;
    let me = expect_json(app.get("/api/v1/auth/me").await, 200).await;
    let admin_id = id_of(&me);

    // A failed sign-in, from a browser that says who it is.
    let failed = app
        .anonymous(Method::POST, "/api/v1/auth/login")
        .header("user-agent", AGENT)
        .json(&json!({"email": ADMIN_EMAIL, "password": "pas-le-bon-mot-de-passe"}));
    expect_problem(send(failed).await, 401).await;
    // A refresh token nobody issued.
    let refresh = app
        .anonymous(Method::POST, "/api/v1/auth/refresh")
        .json(&json!({"refresh_token": "mhr_inconnu"}));
    expect_problem(send(refresh).await, 401).await;
    // A role change, an API key, a webhook, and an article.
    let (user_id, editor) = app.user("viewer", None).await;
    let user_path = format!("/api/v1/users/{user_id}");
    expect_json(app.patch(&user_path, &json!({"role": "editor"})).await, 200).await;
    let key = created(
        app.post(
            "/api/v1/api-keys",
            &json!({"name": "site", "kind": "delivery"}),
        )
        .await,
    )
    .await;
    let hook_url = "https://93.184.216.34/hook?token=jeton-secret";
    let hook = created(
        app.post("/api/v1/webhooks", &json!({"url": hook_url}))
            .await,
    )
    .await;
    let author = id_of(&app.create_author("Simone Weil").await);
    let article = app
        .create_article(json!({"title": "La pesanteur et la grâce", "author_ids": [author]}))
        .await;

    let log = entries(&app, "?per_page=100").await;
    let sign_in = of_type(&log, "auth.sign_in_failed");
    assert_eq!(sign_in.len(), 1, "{log:?}");
    let sign_in = sign_in[0];
    assert_eq!(sign_in["subject"], ADMIN_EMAIL);
    assert_eq!(sign_in["ip"], "127.0.0.1");
    assert_eq!(sign_in["user_agent"], AGENT);
    assert_eq!(sign_in["detail"]["reason"], "wrong password");
    assert_eq!(sign_in["actor_user_id"], Value::Null);
    let refused = of_type(&log, "auth.refresh_refused");
    assert_eq!(refused[0]["detail"]["reason"], "the token is unknown");
    let role = of_type(&log, "user.role_changed");
    assert_eq!(role.len(), 1, "{log:?}");
    assert_eq!(role[0]["actor_user_id"], admin_id.as_str());
    assert_eq!(role[0]["target_type"], "user");
    assert_eq!(role[0]["target_id"], user_id.as_str());
    assert_eq!(
        role[0]["detail"]["role"],
        json!({"from": "viewer", "to": "editor"})
    );
    let made = of_type(&log, "api_key.created");
    assert_eq!(made[0]["target_id"], key["id"]);
    assert_eq!(made[0]["actor_user_id"], admin_id.as_str());
    let hooked = of_type(&log, "webhook.created");
    assert_eq!(hooked[0]["detail"]["url"], "https://93.184.216.34/hook");
    let written = of_type(&log, "article.created");
    assert_eq!(written[0]["target_id"], article["id"]);
    assert_eq!(written[0]["actor_user_id"], admin_id.as_str());
    assert_eq!(written[0]["ip"], "127.0.0.1");
    assert!(!of_type(&log, "auth.signed_in").is_empty());
    // Newest first.
    assert_eq!(log[0]["type"], "article.created", "{:?}", log[0]);
    // Never a secret.
    let text = serde_json::to_string(&log).unwrap();
    for secret in [
        key["key"].as_str().unwrap(),
        hook["secret"].as_str().unwrap(),
        "jeton-secret",
        "pas-le-bon-mot-de-passe",
        ADMIN_PASSWORD,
        &app.admin_token,
    ] {
        assert!(!text.contains(secret), "the log holds a secret");
    }

    // One entry by its id.
    let one = expect_json(
        app.get(&format!("/api/v1/audit/{}", id_of(sign_in))).await,
        200,
    )
    .await;
    assert_eq!(&one, sign_in);

    // For admins only.
    let as_editor = send(app.request_as(&editor, Method::GET, "/api/v1/audit")).await;
    expect_problem(as_editor, 403).await;
    expect_problem(send(app.anonymous(Method::GET, "/api/v1/audit")).await, 401).await;

    // Filters: by type or object, by actor, by period.
    let auth = entries(&app, "?type=auth").await;
    assert!(!auth.is_empty());
    assert!(
        auth.iter()
            .all(|e| e["type"].as_str().unwrap().starts_with("auth."))
    );
    let two = entries(&app, "?type=user.role_changed&type=api_key.created").await;
    assert_eq!(two.len(), 2, "{two:?}");
    let mine = entries(&app, &format!("?actor={admin_id}&type=user")).await;
    assert!(mine.iter().all(|e| e["actor_user_id"] == admin_id.as_str()));
    assert_eq!(of_type(&mine, "user.created").len(), 1, "{mine:?}");
    assert!(entries(&app, "?since=2999-01-01").await.is_empty());
    assert_eq!(entries(&app, "?until=2000-01-01").await.len(), 0);
    let about = entries(&app, &format!("?target={user_id}")).await;
    assert!(about.iter().all(|e| e["target_id"] == user_id.as_str()));
    expect_problem(app.get("/api/v1/audit?type=Bad%20Type").await, 400).await;
    expect_problem(app.get("/api/v1/audit?actor=quelqu-un").await, 400).await;

    // Kept for its retention: an entry older than that goes at the next pruning.
    app.run_sql(
        "UPDATE audit_events SET at = '2000-01-01 00:00:00+00:00' WHERE kind = 'auth.sign_in_failed'",
    )
    .await;
    assert_eq!(app.prune_audit_log(365).await, 1);
    assert!(entries(&app, "?type=auth.sign_in_failed").await.is_empty());
    assert!(!entries(&app, "?type=user.role_changed").await.is_empty());
}
