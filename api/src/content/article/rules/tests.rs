//! The article rules, without a database.

use super::*;
use crate::auth::Role;

fn input(title: &str, authors: Vec<Uuid>) -> ArticleInput {
    ArticleInput {
        title: Patch::Value(title.to_owned()),
        author_ids: Patch::Value(authors),
        ..ArticleInput::default()
    }
}

fn article(state: State, authors: Vec<Uuid>) -> Article {
    let fields = resolve("fr", &input("Titre", authors.clone()), None).unwrap();
    let row = to_row(Uuid::now_v7(), "titre".to_owned(), &fields);
    Article {
        state,
        ..super::super::query::assemble_with(row, authors, Vec::new())
    }
}

fn fields_of(err: AppError) -> Vec<String> {
    match err {
        AppError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

#[test]
fn a_new_article_needs_a_title_and_an_author_and_gets_the_default_locale() {
    let err = resolve("fr", &ArticleInput::default(), None).unwrap_err();
    assert_eq!(fields_of(err), ["title", "author_ids"]);
    let fields = resolve("fr", &input("L’été", vec![Uuid::nil()]), None).unwrap();
    assert_eq!(
        (fields.locale.as_str(), fields.title.as_str()),
        ("fr", "L’été")
    );
    assert_eq!((fields.state, fields.published_at), (State::Draft, None));
}

#[test]
fn every_broken_field_is_listed_at_once() {
    let author = Uuid::now_v7();
    let bad = ArticleInput {
        locale: Patch::Value("xx-YY".to_owned()),
        excerpt: Patch::Value("e".repeat(1_001)),
        featured_image: Patch::Value(FeaturedImageInput::default()),
        seo: Patch::Value(SeoInput {
            canonical_url: Patch::Value("/relative".to_owned()),
            ..SeoInput::default()
        }),
        tag_ids: Patch::Value(vec![author, author]),
        state: Patch::Value(Choice::Known(State::Scheduled)),
        ..input(" ", vec![author])
    };
    let err = resolve("fr", &bad, None).unwrap_err();
    assert_eq!(
        fields_of(err),
        [
            "locale",
            "title",
            "excerpt",
            "featured_image.url",
            "seo.canonical_url",
            "tag_ids[1]",
            "state"
        ]
    );
}

#[test]
fn state_and_publication_date_are_given_on_create_only() {
    let author = Uuid::now_v7();
    let imported = ArticleInput {
        state: Patch::Value(State::Published.into()),
        ..input("Archive", vec![author])
    };
    let fields = resolve("en", &imported, None).unwrap();
    assert_eq!(fields.state, State::Published);
    assert!(fields.published_at.is_some());
    let current = article(State::Draft, vec![author]);
    let err = resolve("en", &imported, Some(&current)).unwrap_err();
    assert_eq!(fields_of(err), ["state"]);
}

fn author(own: Option<Uuid>) -> Principal {
    Principal::User {
        id: Uuid::now_v7(),
        role: Role::Author,
        author_id: own,
    }
}

/// Whether an own-drafts grant lets `who` take the step.
fn allowed(who: &Principal, draft: Draft<'_>) -> bool {
    guard(Grant::OwnDrafts, who, draft).is_ok()
}

#[test]
fn authors_create_drafts_credited_to_themselves() {
    let (own, other) = (Uuid::now_v7(), Uuid::now_v7());
    let me = author(Some(own));
    let new = |credits, state| Draft::New { credits, state };
    let (mine, theirs) = ([own], [other]);
    assert!(allowed(&me, new(&mine, State::Draft)));
    assert!(!allowed(&me, new(&theirs, State::Draft)));
    assert!(!allowed(&me, new(&mine, State::Published)));
    assert!(!allowed(&author(None), new(&mine, State::Draft)));
    let editor = guard(Grant::Yes, &author(None), new(&theirs, State::Published));
    assert!(editor.is_ok(), "a full grant is not scoped");
}

#[test]
fn authors_edit_and_submit_only_drafts_they_are_credited_on() {
    let (own, other) = (Uuid::now_v7(), Uuid::now_v7());
    let me = author(Some(own));
    let edit = |article, credits| Draft::Edit { article, credits };
    let (mine, theirs, both) = ([own], [other], [other, own]);
    let draft = article(State::Draft, vec![own, other]);
    assert!(allowed(&me, edit(&draft, &mine)));
    assert!(!allowed(&me, edit(&draft, &theirs)), "keeps their credit");
    let reviewed = article(State::InReview, vec![own]);
    assert!(!allowed(&me, edit(&reviewed, &mine)), "drafts only");
    let not_mine = article(State::Draft, vec![other]);
    assert!(!allowed(&me, edit(&not_mine, &both)), "credited only");
    assert!(allowed(&me, Draft::Submit { article: &draft }));
    assert!(!allowed(&me, Draft::Submit { article: &not_mine }));
}

#[test]
fn a_snapshot_restores_every_field() {
    let author = Uuid::now_v7();
    let fields = resolve("fr", &input("Titre « exact »", vec![author]), None).unwrap();
    let row = to_row(Uuid::now_v7(), "titre-exact".to_owned(), &fields);
    let snapshot = ArticleSnapshot::of(&row, &[author], &[]);
    let json = serde_json::to_string(&snapshot).unwrap();
    assert!(json.starts_with(r#"{"slug":"titre-exact","locale":"fr","title":"Titre « exact »""#));
    let input = snapshot.clone().into_input("back".to_owned());
    assert_eq!(input.title, Patch::Value("Titre « exact »".to_owned()));
    assert_eq!(input.subtitle, Patch::Null);
    assert_eq!(input.featured_image.value(), None);
    assert_eq!(input.author_ids, Patch::Value(vec![author]));
    assert!(serde_json::from_str::<ArticleSnapshot>(r#"{"slug":"x"}"#).is_err());
}

#[test]
fn an_unknown_state_name_is_a_field_error_with_the_others() {
    let author = Uuid::now_v7();
    let named = |name: &str| ArticleInput {
        state: Patch::Value(Choice::parse(name)),
        ..input("", vec![author])
    };
    let err = resolve("fr", &named("live"), None).unwrap_err();
    assert_eq!(fields_of(err), ["title", "state"]);
    let current = article(State::Draft, vec![author]);
    let edit = ArticleInput {
        state: Patch::Value(Choice::parse("live")),
        ..ArticleInput::default()
    };
    let err = resolve("fr", &edit, Some(&current)).unwrap_err();
    assert_eq!(fields_of(err), ["state"]);
    let same = ArticleInput {
        state: Patch::Value(Choice::parse("draft")),
        ..ArticleInput::default()
    };
    assert!(resolve("fr", &same, Some(&current)).is_ok());
}
