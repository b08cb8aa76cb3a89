//! Outbox transitions (no I/O): what a push outcome does to an item, how
//! long to wait after a network failure, and which refusals leave a draft.
//!
//! queued → sending → applied (removed once pulled) | failed (kept, shown)
//!                  ↘ queued again after a network failure, with backoff.

use moa_protocol::ErrorDetail;
use moa_protocol::sync::{EditCommentArgs, EditReviewArgs, Outcome, names};
use serde_json::Value;

use crate::model::DraftKind;

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

/// The media ids a mutation uses (review photos, an avatar, a message's
/// photos and videos, a room photo): it waits until their uploads are
/// stored.
pub fn media_used(name: &str, args: &Value) -> Vec<String> {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    match name {
        names::REVIEW_CREATE | names::REVIEW_EDIT | names::PRODUCT_CREATE => {
            strings(args.get("photos"))
        }
        names::PROFILE_UPDATE | names::CHAT_CREATE_ROOM | names::CHAT_UPDATE_ROOM => {
            let key = if name == names::PROFILE_UPDATE {
                "avatar_media_id"
            } else {
                "photo_media_id"
            };
            args.get(key)
                .and_then(Value::as_str)
                .map(|s| vec![s.to_owned()])
                .unwrap_or_default()
        }
        names::CHAT_SEND => strings(args.get("media")),
        _ => Vec::new(),
    }
}

/// What to send next from the due items (oldest first): an upload alone
/// when it is first, else the mutations up to the next upload, leaving out
/// those that use media still uploading (they stay queued). A room creation
/// ends its batch: the server may answer a direct room with the pair's
/// existing one, and what follows must go to that room instead.
pub fn next_batch<R>(
    rows: Vec<R>,
    name_args: impl Fn(&R) -> (&str, &Value),
    uploading: &std::collections::HashSet<String>,
) -> Vec<R> {
    let mut out = Vec::new();
    for row in rows {
        let (name, args) = name_args(&row);
        if name == crate::media::UPLOAD {
            if out.is_empty() {
                out.push(row);
            }
            break;
        }
        if media_used(name, args).iter().any(|m| uploading.contains(m)) {
            continue;
        }
        let ends = name == names::CHAT_CREATE_ROOM;
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

/// Decides the fate of the item `(name, args)` from its outcome.
pub fn decide(name: &str, args: &Value, outcome: Outcome) -> Decision {
    match outcome {
        Outcome::Applied { result } => Decision::Applied { result },
        Outcome::Rejected { error } => Decision::Failed {
            draft: draft_of(name, args),
            error,
        },
    }
}

/// The user's text in a refused text edit.
pub fn draft_of(name: &str, args: &Value) -> Option<DraftText> {
    match name {
        names::REVIEW_EDIT => {
            let a: EditReviewArgs = serde_json::from_value(args.clone()).ok()?;
            (a.edit.title.is_some() || a.edit.body.is_some()).then_some(DraftText {
                kind: DraftKind::ReviewEdit,
                target_id: a.id,
                title: a.edit.title,
                body: a.edit.body,
            })
        }
        names::COMMENT_EDIT => {
            let a: EditCommentArgs = serde_json::from_value(args.clone()).ok()?;
            Some(DraftText {
                kind: DraftKind::CommentEdit,
                target_id: a.id,
                title: None,
                body: Some(a.edit.body),
            })
        }
        _ => None,
    }
}

/// The entity an applied push answered with, when the answer is a whole
/// review or comment: `(kind, id)`.
pub fn answered_entity(name: &str, result: &Value) -> Option<(&'static str, String)> {
    let kind = match name {
        names::REVIEW_CREATE | names::REVIEW_EDIT => "review",
        names::COMMENT_CREATE | names::COMMENT_EDIT => "comment",
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
        let send = json!({"room_id": "r", "id": "m", "body": "", "media": ["p1"]});
        assert_eq!(media_used(names::CHAT_SEND, &send), ["p1"]);
        let rows = vec![
            (names::CHAT_SEND, send.clone()),
            (
                names::CHAT_CREATE_ROOM,
                json!({"id": "n", "kind": "direct", "members": ["u"]}),
            ),
            (
                names::CHAT_SEND,
                json!({"room_id": "n", "id": "m2", "body": "hi"}),
            ),
        ];
        let uploading: std::collections::HashSet<String> = ["p1".to_string()].into();
        let batch = next_batch(rows.clone(), |r| (r.0, &r.1), &uploading);
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].0, names::CHAT_CREATE_ROOM);
        let batch = next_batch(rows, |r| (r.0, &r.1), &Default::default());
        assert_eq!(batch.len(), 2);
    }

    #[test]
    fn only_whole_entities_are_answered() {
        let review = json!({"id": "r", "version": 3});
        assert_eq!(
            answered_entity(names::REVIEW_EDIT, &review),
            Some(("review", "r".to_owned()))
        );
        assert_eq!(
            answered_entity(names::LIKE_SET, &json!({"liked": true})),
            None
        );
        assert_eq!(answered_entity(names::REVIEW_DELETE, &Value::Null), None);
    }

    #[test]
    fn a_refused_text_edit_keeps_the_text() {
        let args = json!({"id": "r1", "edit": {"base_version": 2, "body": "내 글"}});
        let error = ErrorDetail {
            code: "conflict".into(),
            message: "changed".into(),
            field: None,
            current: None,
        };
        let d = decide(names::REVIEW_EDIT, &args, Outcome::Rejected { error });
        let Decision::Failed {
            draft: Some(draft),
            error,
        } = d
        else {
            panic!("expected a draft")
        };
        assert_eq!(error.code, "conflict");
        assert_eq!(draft.target_id, "r1");
        assert_eq!(draft.body.as_deref(), Some("내 글"));
        // A refused like leaves no draft.
        let args = json!({"target_type": "review", "target_id": "r", "liked": true});
        assert_eq!(draft_of(names::LIKE_SET, &args), None);
    }
}
