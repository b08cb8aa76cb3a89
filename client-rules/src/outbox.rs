//! Outbox transitions (no I/O): what a push outcome does to an item, how
//! long to wait after a network failure, which refusals leave a draft, and
//! what a later change may do to an item still in the outbox.
//!
//! queued → sending → applied (removed once pulled) | failed (kept, shown)
//!                  ↘ queued again after a network failure, with backoff.
//!
//! **The rule of lost answers.** An item that was ever sent may have been
//! applied by the server even when no answer came back, and the server
//! answers a resend of its id with what it stored the first time. So such
//! an item is never rewritten nor dropped: a later edit becomes a mutation
//! of its own, ordered after it (and, when it carries a base version, sent
//! once the earlier item's answer gives that version), and a delete of
//! something that may exist on the server is sent as a delete. Only items
//! that never left the device are changed in place or dropped
//! ([`may_rewrite`], [`plan_change`], [`plan_delete`]).

use moa_protocol::sync::Outcome;
use moa_protocol::{EntityKind, ErrorDetail, Op};
use serde_json::Value;

use crate::model::{DraftKind, OutboxState};

/// An outbox item as these rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending<'a> {
    pub id: &'a str,
    pub state: OutboxState,
    /// It left the device at least once.
    pub sent: bool,
}

/// Whether the server may have applied the item: it is being sent, was
/// answered "applied", or was sent before and its answer was lost. A
/// refused item was not applied.
pub fn may_have_arrived(item: Pending<'_>) -> bool {
    match item.state {
        OutboxState::Queued => item.sent,
        OutboxState::Sending | OutboxState::Applied => true,
        OutboxState::Failed => false,
    }
}

/// Whether the item may be changed in place or dropped: only if the server
/// cannot have applied it.
pub fn may_rewrite(item: Pending<'_>) -> bool {
    !may_have_arrived(item)
}

/// Whether the item may still be answered (it is queued or being sent).
pub fn unanswered(item: Pending<'_>) -> bool {
    matches!(item.state, OutboxState::Queued | OutboxState::Sending)
}

/// What a change of an entity (an edit of a review, comment or message)
/// does, given the items about that entity still in the outbox (its
/// creation and earlier edits, oldest first; any state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangePlan<'a> {
    /// Fold it into this item: it is the latest unanswered one about the
    /// entity and never left the device.
    Fold(&'a str),
    /// A new mutation. `after`: the latest unanswered item about the entity,
    /// which may have reached the server; the new one builds on its answer.
    Append { after: Option<&'a str> },
}

/// Decides how a change of an entity goes out (see [`ChangePlan`]).
pub fn plan_change<'a>(items: &[Pending<'a>]) -> ChangePlan<'a> {
    match items.iter().rev().find(|i| unanswered(**i)) {
        Some(last) if may_rewrite(*last) => ChangePlan::Fold(last.id),
        Some(last) => ChangePlan::Append {
            after: Some(last.id),
        },
        None => ChangePlan::Append { after: None },
    }
}

/// What deleting an entity does to the items about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeletePlan<'a> {
    /// Its creation never reached the server (it never left the device, or
    /// was refused), nor did anything about it: drop these items; nothing
    /// goes out.
    DropAll(Vec<&'a str>),
    /// It may exist on the server: send a delete. These items never left
    /// the device and are moot now: drop them.
    Send { drop: Vec<&'a str> },
}

/// Decides how deleting an entity goes out: `items` are its creation (when
/// `created` names it) and its edits still in the outbox, oldest first.
pub fn plan_delete<'a>(items: &[Pending<'a>], created: Option<&str>) -> DeletePlan<'a> {
    let unsent: Vec<&'a str> = items
        .iter()
        .filter(|i| i.state == OutboxState::Queued && !i.sent)
        .map(|i| i.id)
        .collect();
    let never_created = created.is_some_and(|c| items.iter().any(|i| i.id == c));
    if never_created && items.iter().all(|i| may_rewrite(*i)) {
        DeletePlan::DropAll(items.iter().map(|i| i.id).collect())
    } else {
        DeletePlan::Send { drop: unsent }
    }
}

/// The base version an edit that waited for item `after` goes out with,
/// once `after` has its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// `after` was applied: its answer carries this version, which the
    /// member's view built on.
    Applied(Option<i64>),
    /// `after` was refused: the edit falls back to what that item was based
    /// on (`None`: nothing, it was a creation).
    Refused(Option<i64>),
}

/// The base version an edit carries (`edit.base_version`), if it is one.
pub fn base_version(op: &Op) -> Option<i64> {
    op.edited().map(|(_, _, version)| version)
}

/// An edit rebased as `resolution` says (unchanged when it gives no
/// version, or when the op is not an edit).
pub fn rebase(mut op: Op, resolution: Resolution) -> Op {
    let (Resolution::Applied(version) | Resolution::Refused(version)) = resolution;
    if let Some(v) = version {
        op.set_base_version(v);
    }
    op
}

/// First retry delay after a network failure.
pub const BACKOFF_BASE_MS: i64 = 500;
/// Longest wait between retries.
pub const BACKOFF_MAX_MS: i64 = 60_000;

/// How long to wait before attempt `attempts + 1`: exponential, capped, with
/// "equal jitter" (half fixed, half random; `jitter` in 0..=1) so many
/// clients coming back at once do not retry in step.
pub fn backoff_ms(attempts: u32, jitter: f64) -> i64 {
    let exp = BACKOFF_BASE_MS.saturating_mul(1_i64 << attempts.min(20));
    let cap = exp.min(BACKOFF_MAX_MS);
    let jitter = jitter.clamp(0.0, 1.0);
    cap / 2 + ((cap / 2) as f64 * jitter) as i64
}

/// The media ids an op uses (review photos, an avatar, a message's photos
/// and videos, a room photo): it waits until their uploads are stored.
pub fn media_used(op: &Op) -> Vec<String> {
    op.media().into_iter().map(str::to_owned).collect()
}

/// What an outbox item is, as [`next_batch`] sees it.
#[derive(Debug, Clone, Copy)]
pub enum Work<'a> {
    /// A photo or video to upload (not a mutation: it never goes in a push).
    Upload,
    /// A mutation.
    Op(&'a Op),
}

/// What to send next from the due items (oldest first): an upload alone
/// when it is first, else the mutations up to the next upload, leaving out
/// those that use media still uploading and those that wait for the answer
/// to an earlier item (`waits`; they stay queued and go in a later batch).
/// A room creation ends its batch: the server may answer a direct room with
/// the pair's existing one, and what follows must go to that room instead.
pub fn next_batch<R>(
    rows: Vec<R>,
    work: impl Fn(&R) -> Work<'_>,
    uploading: &std::collections::HashSet<String>,
    waits: impl Fn(&R) -> bool,
) -> Vec<R> {
    let mut out = Vec::new();
    for row in rows {
        let op = match work(&row) {
            Work::Upload => {
                if out.is_empty() {
                    out.push(row);
                }
                break;
            }
            Work::Op(op) => op,
        };
        if waits(&row) || op.media().iter().any(|m| uploading.contains(*m)) {
            continue;
        }
        let ends = matches!(op, Op::ChatCreateRoom(_));
        out.push(row);
        if ends {
            break;
        }
    }
    out
}

/// The text of a refused edit, kept as a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftText {
    pub kind: DraftKind,
    pub target_id: String,
    pub title: Option<String>,
    pub body: Option<String>,
}

/// What to do with an outbox item after the server's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Applied: keep until the next pull brings its effect; an entity in
    /// `result` (see [`answered_entity`]) is the server's copy now.
    Applied { result: Value },
    /// Refused: mark failed with the reason, tell the UI, keep the text.
    Failed {
        error: ErrorDetail,
        draft: Option<DraftText>,
    },
}

/// Decides the fate of the item doing `op` from its outcome.
pub fn decide(op: &Op, outcome: Outcome) -> Decision {
    match outcome {
        Outcome::Applied { result } => Decision::Applied { result },
        Outcome::Rejected { error } => Decision::Failed {
            draft: draft_of(op),
            error,
        },
    }
}

/// The user's text in a refused text edit.
pub fn draft_of(op: &Op) -> Option<DraftText> {
    match op {
        Op::ReviewEdit(a) => (a.edit.title.is_some() || a.edit.body.is_some()).then(|| DraftText {
            kind: DraftKind::ReviewEdit,
            target_id: a.id.clone(),
            title: a.edit.title.clone(),
            body: a.edit.body.clone(),
        }),
        Op::CommentEdit(a) => Some(DraftText {
            kind: DraftKind::CommentEdit,
            target_id: a.id.clone(),
            title: None,
            body: Some(a.edit.body.clone()),
        }),
        _ => None,
    }
}

/// The entity an applied push answered with, when the answer is a whole
/// review or comment: `(kind, id)`.
pub fn answered_entity(op: &Op, result: &Value) -> Option<(EntityKind, String)> {
    let kind = match op {
        Op::ReviewCreate(_) | Op::ReviewEdit(_) => EntityKind::Review,
        Op::CommentCreate(_) | Op::CommentEdit(_) => EntityKind::Comment,
        _ => return None,
    };
    result.get("version")?;
    Some((kind, result.get("id")?.as_str()?.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    const STATES: [OutboxState; 4] = [
        OutboxState::Queued,
        OutboxState::Sending,
        OutboxState::Applied,
        OutboxState::Failed,
    ];

    fn item(id: &str, state: OutboxState, sent: bool) -> Pending<'_> {
        Pending { id, state, sent }
    }

    #[test]
    fn only_an_item_that_never_left_or_was_refused_may_be_rewritten() {
        for state in STATES {
            for sent in [false, true] {
                let i = item("a", state, sent);
                let expected = match state {
                    OutboxState::Queued => !sent,
                    OutboxState::Failed => true,
                    OutboxState::Sending | OutboxState::Applied => false,
                };
                assert_eq!(may_rewrite(i), expected, "{state:?} sent={sent}");
                assert_eq!(may_have_arrived(i), !expected, "{state:?} sent={sent}");
            }
        }
    }

    #[test]
    fn a_change_folds_only_into_an_item_that_never_left() {
        // Nothing pending: a plain new mutation.
        assert_eq!(plan_change(&[]), ChangePlan::Append { after: None });
        for state in STATES {
            for sent in [false, true] {
                let plan = plan_change(&[item("c", state, sent)]);
                let expected = match (state, sent) {
                    (OutboxState::Queued, false) => ChangePlan::Fold("c"),
                    (OutboxState::Queued, true) | (OutboxState::Sending, _) => {
                        ChangePlan::Append { after: Some("c") }
                    }
                    // Answered already (applied: its answer is the confirmed
                    // state now; refused: nothing to build on).
                    (OutboxState::Applied | OutboxState::Failed, _) => {
                        ChangePlan::Append { after: None }
                    }
                };
                assert_eq!(plan, expected, "{state:?} sent={sent}");
            }
        }
        // The latest unanswered item decides: a create whose answer was lost,
        // then an edit that never left: fold into the edit.
        let items = [
            item("create", OutboxState::Queued, true),
            item("edit", OutboxState::Queued, false),
        ];
        assert_eq!(plan_change(&items), ChangePlan::Fold("edit"));
        // An edit refused after a create still on its way: build on the create.
        let items = [
            item("create", OutboxState::Sending, true),
            item("edit", OutboxState::Failed, true),
        ];
        assert_eq!(
            plan_change(&items),
            ChangePlan::Append {
                after: Some("create")
            }
        );
    }

    #[test]
    fn a_delete_is_sent_unless_nothing_about_the_entity_ever_left() {
        // Created here and never sent, edited: nothing goes out.
        let items = [
            item("create", OutboxState::Queued, false),
            item("edit", OutboxState::Queued, false),
        ];
        assert_eq!(
            plan_delete(&items, Some("create")),
            DeletePlan::DropAll(vec!["create", "edit"])
        );
        // A refused creation: nothing exists on the server either.
        let items = [item("create", OutboxState::Failed, true)];
        assert_eq!(
            plan_delete(&items, Some("create")),
            DeletePlan::DropAll(vec!["create"])
        );
        // The creation may have arrived, in any way: a delete goes out; the
        // edit that never left is dropped.
        for (state, sent) in [
            (OutboxState::Queued, true),
            (OutboxState::Sending, true),
            (OutboxState::Applied, true),
        ] {
            let items = [
                item("create", state, sent),
                item("edit", OutboxState::Queued, false),
            ];
            assert_eq!(
                plan_delete(&items, Some("create")),
                DeletePlan::Send { drop: vec!["edit"] },
                "{state:?}"
            );
        }
        // Confirmed long ago (no creation in the outbox), an edit whose answer
        // was lost and one never sent: send the delete, keep the first.
        let items = [
            item("e1", OutboxState::Queued, true),
            item("e2", OutboxState::Queued, false),
        ];
        assert_eq!(
            plan_delete(&items, None),
            DeletePlan::Send { drop: vec!["e2"] }
        );
        assert_eq!(plan_delete(&[], None), DeletePlan::Send { drop: vec![] });
    }

    fn op(name: &str, args: Value) -> Op {
        Op::decode(name, &args).unwrap()
    }

    #[test]
    fn a_waiting_edit_takes_the_version_its_predecessor_was_answered_with() {
        let args = json!({"id": "r", "edit": {"base_version": 1, "body": "b"}});
        let applied = rebase(
            op("review.edit", args.clone()),
            Resolution::Applied(Some(4)),
        );
        assert_eq!(base_version(&applied), Some(4));
        assert!(matches!(&applied, Op::ReviewEdit(a) if a.edit.body.as_deref() == Some("b")));
        let refused = rebase(
            op("comment.edit", args.clone()),
            Resolution::Refused(Some(2)),
        );
        assert_eq!(base_version(&refused), Some(2));
        // No version to take: unchanged; chat edits carry none.
        let edit = op("review.edit", args);
        assert_eq!(rebase(edit.clone(), Resolution::Refused(None)), edit);
        let chat = op(
            "chat.edit",
            json!({"room_id": "r", "message_id": "m", "body": "x"}),
        );
        assert_eq!(rebase(chat.clone(), Resolution::Applied(Some(3))), chat);
        assert_eq!(base_version(&chat), None);
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        assert_eq!(backoff_ms(0, 0.0), 250);
        assert_eq!(backoff_ms(0, 1.0), 500);
        assert_eq!(backoff_ms(3, 1.0), 4000);
        assert_eq!(backoff_ms(30, 1.0), BACKOFF_MAX_MS);
        assert!(backoff_ms(30, 0.0) >= BACKOFF_MAX_MS / 2);
        assert!(backoff_ms(2, 0.3) > backoff_ms(2, 0.0));
    }

    #[test]
    fn chat_sends_wait_for_their_media_and_room_creation_ends_a_batch() {
        let send = op(
            "chat.send",
            json!({"room_id": "r", "id": "m", "body": "", "media": ["p1"]}),
        );
        assert_eq!(media_used(&send), ["p1"]);
        let rows = vec![
            Some(send),
            Some(op(
                "chat.create_room",
                json!({"id": "n", "kind": "direct", "members": ["u"]}),
            )),
            Some(op(
                "chat.send",
                json!({"room_id": "n", "id": "m2", "body": "hi"}),
            )),
        ];
        fn work(r: &Option<Op>) -> Work<'_> {
            r.as_ref().map_or(Work::Upload, Work::Op)
        }
        let is_room = |r: &Option<Op>| matches!(r, Some(Op::ChatCreateRoom(_)));
        let uploading: std::collections::HashSet<String> = ["p1".to_string()].into();
        let batch = next_batch(rows.clone(), work, &uploading, |_| false);
        assert_eq!(batch.len(), 1);
        assert!(is_room(&batch[0]));
        let batch = next_batch(rows.clone(), work, &Default::default(), |_| false);
        assert_eq!(batch.len(), 2);
        // An item waiting for an earlier answer stays for a later batch;
        // what follows it still goes.
        let batch = next_batch(
            rows.clone(),
            work,
            &Default::default(),
            |r| matches!(r, Some(Op::ChatSend(a)) if a.message.id == "m"),
        );
        assert_eq!(batch.len(), 1);
        assert!(is_room(&batch[0]));
        // An upload goes alone, and only first.
        let mut with_upload = vec![None];
        with_upload.extend(rows.clone());
        assert_eq!(
            next_batch(with_upload, work, &Default::default(), |_| false),
            [None]
        );
        let mut upload_later = rows;
        upload_later.insert(1, None);
        assert_eq!(
            next_batch(upload_later, work, &Default::default(), |_| false).len(),
            1
        );
    }

    #[test]
    fn only_whole_entities_are_answered() {
        let review = json!({"id": "r", "version": 3});
        let edit = op(
            "review.edit",
            json!({"id": "r", "edit": {"base_version": 1}}),
        );
        assert_eq!(
            answered_entity(&edit, &review),
            Some((EntityKind::Review, "r".to_owned()))
        );
        let like = op(
            "like.set",
            json!({"target_type": "review", "target_id": "r", "liked": true}),
        );
        assert_eq!(answered_entity(&like, &json!({"liked": true})), None);
        let delete = op("review.delete", json!({"id": "r"}));
        assert_eq!(answered_entity(&delete, &Value::Null), None);
    }

    #[test]
    fn a_refused_text_edit_keeps_the_text() {
        let edit = op(
            "review.edit",
            json!({"id": "r1", "edit": {"base_version": 2, "body": "내 글"}}),
        );
        let error = ErrorDetail {
            code: moa_protocol::ErrorCode::Conflict,
            message: "changed".into(),
            field: None,
            current: None,
        };
        let d = decide(&edit, Outcome::Rejected { error });
        let Decision::Failed {
            draft: Some(draft),
            error,
        } = d
        else {
            panic!("expected a draft")
        };
        assert_eq!(error.code, moa_protocol::ErrorCode::Conflict);
        assert_eq!(draft.target_id, "r1");
        assert_eq!(draft.body.as_deref(), Some("내 글"));
        // A refused like leaves no draft.
        let like = op(
            "like.set",
            json!({"target_type": "review", "target_id": "r", "liked": true}),
        );
        assert_eq!(draft_of(&like), None);
    }
}
