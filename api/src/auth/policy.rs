//! The permission table: which caller may do what. Checked by the domain
//! layer (`content`), never by the HTTP or GraphQL adapters.

use super::{KeyKind, Principal, Role};
use crate::error::AppError;

/// Something a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read published content.
    ReadLive,
    /// Read working copies (previews).
    ReadPreview,
    /// Read private fields, such as authors' e-mail addresses.
    ReadPrivate,
    /// Create an article.
    CreateArticle,
    /// Edit an article.
    EditArticle,
    /// Delete an article.
    DeleteArticle,
    /// Create, edit and delete authors and tags.
    EditAuthorsAndTags,
    /// Read revisions, diffs and workflow history.
    ReadHistory,
    /// Submit an article for review.
    Submit,
    /// Review and publish: request changes, approve, publish, schedule,
    /// unpublish, archive.
    Review,
    /// Restore deleted articles and purge them for good.
    AdministerContent,
    /// Manage user accounts.
    ManageUsers,
    /// Manage API keys.
    ManageApiKeys,
    /// Manage webhooks and see their deliveries.
    ManageWebhooks,
    /// Read the audit log.
    ReadAuditLog,
    /// Upload files to the media library.
    UploadMedia,
    /// Edit and delete assets in the media library (authors: their own uploads).
    EditMedia,
    /// See one's own account and change one's own password.
    UseOwnAccount,
}

/// The answer of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Allowed.
    Yes,
    /// Allowed only on the user's own work: drafts they are credited on
    /// (the article guard, `content::article::rules::guard`, checks the
    /// article), files they uploaded (`content::asset` checks the asset).
    OwnDrafts,
    /// Refused.
    No,
}

/// Who is asking, as the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Anonymous,
    DeliveryKey,
    PreviewKey,
    User(Role),
}

fn subject(principal: &Principal) -> Subject {
    match principal {
        Principal::Anonymous => Subject::Anonymous,
        Principal::Key {
            kind: KeyKind::Delivery,
            ..
        } => Subject::DeliveryKey,
        Principal::Key {
            kind: KeyKind::Preview,
            ..
        } => Subject::PreviewKey,
        Principal::User { role, .. } => Subject::User(*role),
    }
}

/// The permission table with the site's settings: what the domain and the
/// accounts ask before doing anything.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// `MASTHEAD_PUBLIC_READ`: whether anonymous callers may read published content.
    pub public_read: bool,
}

impl Policy {
    /// What the table grants `principal` for `action`, or the 401/403 that refuses it.
    pub fn require(&self, principal: &Principal, action: Action) -> Result<Grant, AppError> {
        require(principal, action, self.public_read)
    }

    /// True when the table lets `principal` do `action` (in full or in part).
    pub fn allows(&self, principal: &Principal, action: Action) -> bool {
        grant(principal, action, self.public_read) != Grant::No
    }
}

/// The table. `public_read` is `MASTHEAD_PUBLIC_READ`: whether anonymous
/// callers may read published content.
pub fn grant(principal: &Principal, action: Action, public_read: bool) -> Grant {
    use Action::*;
    use Grant::{No, OwnDrafts, Yes};
    use Role::{Admin, Author, Editor, Viewer};
    use Subject::*;
    match (action, subject(principal)) {
        (ReadLive, Anonymous) => {
            if public_read {
                Yes
            } else {
                No
            }
        }
        (ReadLive, _) => Yes,
        (ReadPreview, PreviewKey | User(_)) => Yes,
        (ReadPrivate | UseOwnAccount | ReadHistory, User(_)) => Yes,
        (CreateArticle | EditArticle | Submit | EditMedia, User(Author)) => OwnDrafts,
        (UploadMedia, User(Author | Editor | Admin)) => Yes,
        (
            CreateArticle | EditArticle | Submit | Review | DeleteArticle | EditAuthorsAndTags
            | EditMedia,
            User(Editor | Admin),
        ) => Yes,
        (
            ManageUsers | ManageApiKeys | ManageWebhooks | ReadAuditLog | AdministerContent,
            User(Admin),
        ) => Yes,
        (
            ReadPreview | ReadPrivate | UseOwnAccount | ReadHistory | CreateArticle | EditArticle
            | Submit | Review | DeleteArticle | EditAuthorsAndTags | ManageUsers | ManageApiKeys
            | ManageWebhooks | ReadAuditLog | AdministerContent | UploadMedia | EditMedia,
            Anonymous | DeliveryKey | PreviewKey | User(Viewer | Author | Editor),
        ) => No,
    }
}

/// The grant, or the error for a refusal: 401 when the caller has no
/// credentials (signing in might help), 403 when they do.
pub fn require(
    principal: &Principal,
    action: Action,
    public_read: bool,
) -> Result<Grant, AppError> {
    match grant(principal, action, public_read) {
        Grant::No if *principal == Principal::Anonymous => {
            Err(AppError::Unauthenticated { reason: None })
        }
        Grant::No => Err(AppError::forbidden(match action {
            Action::ReadPreview => "previews need a preview key or a signed-in user",
            Action::ReadPrivate | Action::UseOwnAccount => "this needs a signed-in user",
            Action::ManageUsers
            | Action::ManageApiKeys
            | Action::ManageWebhooks
            | Action::ReadAuditLog
            | Action::AdministerContent => "this needs the admin role",
            Action::ReadHistory => "history is for signed-in users",
            Action::Submit => "submitting needs the author (own drafts), editor or admin role",
            Action::CreateArticle => "creating articles needs the author, editor or admin role",
            Action::UploadMedia | Action::EditMedia => {
                "the media library needs the author, editor or admin role"
            }
            _ => "this needs the editor or admin role",
        })),
        allowed => Ok(allowed),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn everyone() -> Vec<(&'static str, Principal)> {
        let user = |role| Principal::User {
            id: Uuid::nil(),
            role,
            author_id: None,
        };
        vec![
            ("anonymous", Principal::Anonymous),
            (
                "delivery",
                Principal::Key {
                    id: Uuid::nil(),
                    kind: KeyKind::Delivery,
                },
            ),
            (
                "preview",
                Principal::Key {
                    id: Uuid::nil(),
                    kind: KeyKind::Preview,
                },
            ),
            ("viewer", user(Role::Viewer)),
            ("author", user(Role::Author)),
            ("editor", user(Role::Editor)),
            ("admin", user(Role::Admin)),
        ]
    }

    /// The whole table, row by row: Y yes, O own drafts, - no.
    #[test]
    fn the_table() {
        use Action::*;
        let expected = [
            (ReadLive, "YYYYYYY"),
            (ReadPreview, "--YYYYY"),
            (ReadPrivate, "---YYYY"),
            (UseOwnAccount, "---YYYY"),
            (CreateArticle, "----OYY"),
            (EditArticle, "----OYY"),
            (Submit, "----OYY"),
            (Review, "-----YY"),
            (ReadHistory, "---YYYY"),
            (AdministerContent, "------Y"),
            (DeleteArticle, "-----YY"),
            (EditAuthorsAndTags, "-----YY"),
            (ManageUsers, "------Y"),
            (ManageApiKeys, "------Y"),
            (ManageWebhooks, "------Y"),
            (ReadAuditLog, "------Y"),
            (UploadMedia, "----YYY"),
            (EditMedia, "----OYY"),
        ];
        for (action, row) in expected {
            let actual: String = everyone()
                .iter()
                .map(|(_, p)| match grant(p, action, true) {
                    Grant::Yes => 'Y',
                    Grant::OwnDrafts => 'O',
                    Grant::No => '-',
                })
                .collect();
            assert_eq!(actual, row, "{action:?}");
        }
    }

    #[test]
    fn private_sites_close_reading_to_anonymous_callers_only() {
        for (name, principal) in everyone() {
            let allowed = grant(&principal, Action::ReadLive, false) == Grant::Yes;
            assert_eq!(allowed, name != "anonymous", "{name}");
        }
    }

    #[test]
    fn refusals_are_401_without_credentials_and_403_with() {
        let anonymous = require(&Principal::Anonymous, Action::CreateArticle, true);
        assert!(matches!(anonymous, Err(AppError::Unauthenticated { .. })));
        let key = Principal::Key {
            id: Uuid::nil(),
            kind: KeyKind::Preview,
        };
        assert!(matches!(
            require(&key, Action::CreateArticle, true),
            Err(AppError::Forbidden { .. })
        ));
    }
}
