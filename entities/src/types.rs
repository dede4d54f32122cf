//! The closed sets stored in text columns, as enums: each variant is stored
//! as the name it has on the wire, so the columns hold the same text as
//! ever. A value outside the set fails to load with an error that names
//! the column type and the value, instead of turning into a default.

use sea_orm::entity::prelude::*;

/// A closed set of named values: every value, and the name of each.
pub trait Named: Copy + Sized + 'static {
    /// Every value, in the order they are listed to clients.
    const ALL: &'static [Self];

    /// The wire and storage name.
    fn as_str(self) -> &'static str;

    /// The value named `name`.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|value| value.as_str() == name)
    }

    /// Every name, comma-separated, for messages.
    fn names() -> String {
        Self::ALL
            .iter()
            .map(|value| value.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Declares a string-valued enum stored in a text column.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
        #[derive(serde::Serialize, serde::Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $( $(#[$variant_meta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant, )+
        }

        impl Named for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $value,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum! {
    /// Editorial state of an article's working copy.
    pub enum State {
        Draft = "draft",
        InReview = "in_review",
        Approved = "approved",
        Scheduled = "scheduled",
        Published = "published",
        Archived = "archived",
    }
}

stored_enum! {
    /// Which copy of an article a row is: the one editors change, or the one
    /// readers see, made by publishing.
    pub enum ArticleCopy {
        Working = "working",
        Live = "live",
    }
}

stored_enum! {
    /// What a signed-in user may do, from least to most.
    pub enum Role {
        /// Reads working copies (previews).
        Viewer = "viewer",
        /// Writes their own articles while they are drafts.
        Author = "author",
        /// Does all content work: every article, author and tag.
        Editor = "editor",
        /// Also manages users and API keys.
        Admin = "admin",
    }
}

stored_enum! {
    /// What an API key may read.
    pub enum KeyKind {
        /// Published content only.
        Delivery = "delivery",
        /// Working copies too.
        Preview = "preview",
    }
}

stored_enum! {
    /// The kinds of content that have revisions and changes.
    pub enum EntityKind {
        Article = "article",
        Author = "author",
        Tag = "tag",
        /// Media files (their events and sync arrive with the media library).
        Asset = "asset",
    }
}

stored_enum! {
    /// What happened to a piece of content: in the change log, and (the
    /// workflow steps) in an article's transitions.
    pub enum ChangeKind {
        Create = "create",
        Update = "update",
        /// Soft deletion of an article; deletion of an author or tag.
        Delete = "delete",
        /// Removal of an article with its history.
        Purge = "purge",
        /// A soft-deleted article brought back.
        Restore = "restore",
        /// An article created in a state other than draft.
        Import = "import",
        /// An edit that moved a working copy back to draft.
        Edit = "edit",
        Submit = "submit",
        RequestChanges = "request_changes",
        Approve = "approve",
        Publish = "publish",
        Schedule = "schedule",
        Unpublish = "unpublish",
        Archive = "archive",
    }
}

stored_enum! {
    /// What an event of the change feed says happened: the second half of
    /// its type (`article.published`).
    pub enum EventVerb {
        Created = "created",
        Updated = "updated",
        Deleted = "deleted",
        /// Back from deletion.
        Restored = "restored",
        /// Removed with its history.
        Purged = "purged",
        Published = "published",
        Unpublished = "unpublished",
        Scheduled = "scheduled",
        Archived = "archived",
    }
}

stored_enum! {
    /// What a webhook delivery carries besides the event.
    pub enum PayloadKind {
        /// The object as the public API returns it (or a preview key, for
        /// working-copy events).
        Full = "full",
        /// The event's fields only.
        Thin = "thin",
    }
}

stored_enum! {
    /// Where a webhook delivery stands.
    pub enum DeliveryStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// An attempt got a 2xx answer.
        Succeeded = "succeeded",
        /// Every attempt failed, or the endpoint answered 410.
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(*state));
            assert_eq!(state.to_value(), state.as_str());
        }
        assert_eq!(State::parse("live"), None);
        assert_eq!(Role::names(), "viewer, author, editor, admin");
    }

    #[test]
    fn unknown_stored_values_are_errors() {
        let err = State::try_from_value(&"teleported".to_owned()).unwrap_err();
        assert!(err.to_string().contains("teleported"), "{err}");
    }
}
