//! The editorial workflow as a pure table: which action moves an article from
//! which state to which. Who may take an action is the permission table's
//! business (`auth::policy`); this table only knows states.

use crate::content::{ChangeKind, Named, State};

/// Something done to an article's editorial state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkflowAction {
    /// Ask for review.
    Submit,
    /// Send back to the writer (a comment is required).
    RequestChanges,
    /// Accept for publication.
    Approve,
    /// Make the working copy live now.
    Publish,
    /// Publish at a future time.
    Schedule,
    /// Take the live copy down.
    Unpublish,
    /// Retire the article (and take it down).
    Archive,
}

impl Named for WorkflowAction {
    const ALL: &'static [Self] = &[
        Self::Submit,
        Self::RequestChanges,
        Self::Approve,
        Self::Publish,
        Self::Schedule,
        Self::Unpublish,
        Self::Archive,
    ];

    fn as_str(self) -> &'static str {
        ChangeKind::from(self).as_str()
    }
}

impl From<WorkflowAction> for ChangeKind {
    /// The step recorded for the action.
    fn from(action: WorkflowAction) -> Self {
        match action {
            WorkflowAction::Submit => Self::Submit,
            WorkflowAction::RequestChanges => Self::RequestChanges,
            WorkflowAction::Approve => Self::Approve,
            WorkflowAction::Publish => Self::Publish,
            WorkflowAction::Schedule => Self::Schedule,
            WorkflowAction::Unpublish => Self::Unpublish,
            WorkflowAction::Archive => Self::Archive,
        }
    }
}

/// Where `action` takes an article in `state`, or `None` when it cannot be
/// taken from there. `live` says whether a live copy exists: it can be taken
/// down whatever state the working copy is in.
pub fn next(state: State, live: bool, action: WorkflowAction) -> Option<State> {
    use State::*;
    use WorkflowAction::*;
    match (action, state) {
        (Submit, Draft) => Some(InReview),
        (RequestChanges, InReview) => Some(Draft),
        (Approve, InReview) => Some(Approved),
        (Publish, _) => Some(Published),
        (Schedule, Approved) => Some(Scheduled),
        (Unpublish, Published | Scheduled) => Some(Draft),
        (Unpublish, _) if live => Some(Draft),
        (Archive, Draft | InReview | Approved | Scheduled | Published) => Some(Archived),
        _ => None,
    }
}

/// The actions that can be taken from `state`.
pub fn allowed(state: State, live: bool) -> Vec<WorkflowAction> {
    WorkflowAction::ALL
        .iter()
        .copied()
        .filter(|action| next(state, live, *action).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table: for each state (without a live copy), where each
    /// action leads, in the order of `WorkflowAction::ALL` (`-`: nowhere).
    #[test]
    fn the_table() {
        use State::*;
        let rows: [(State, [&str; 7]); 6] = [
            (
                Draft,
                ["in_review", "-", "-", "published", "-", "-", "archived"],
            ),
            (
                InReview,
                ["-", "draft", "approved", "published", "-", "-", "archived"],
            ),
            (
                Approved,
                ["-", "-", "-", "published", "scheduled", "-", "archived"],
            ),
            (
                Scheduled,
                ["-", "-", "-", "published", "-", "draft", "archived"],
            ),
            (
                Published,
                ["-", "-", "-", "published", "-", "draft", "archived"],
            ),
            (Archived, ["-", "-", "-", "published", "-", "-", "-"]),
        ];
        for (state, expected) in rows {
            for (action, to) in WorkflowAction::ALL.iter().zip(expected) {
                let actual = next(state, false, *action).map_or("-", |s| s.as_str());
                assert_eq!(actual, to, "{action:?} from {state:?}");
            }
        }
    }

    #[test]
    fn a_live_copy_can_be_taken_down_from_any_working_state() {
        for &state in State::ALL {
            assert_eq!(
                next(state, true, WorkflowAction::Unpublish),
                Some(State::Draft),
                "{state:?}"
            );
        }
        assert_eq!(
            allowed(State::Draft, true),
            [
                WorkflowAction::Submit,
                WorkflowAction::Publish,
                WorkflowAction::Unpublish,
                WorkflowAction::Archive
            ]
        );
    }
}
