//! Planning what a pull answer does to the local database (no I/O): the
//! store applies the plan in one transaction, so a pull page is applied
//! whole or not at all and its cursor moves with it. Chat entities (`room`,
//! `message`, `read`) become chat actions for the chat tables; everything
//! else is a generic entity.

use moa_protocol::sync::{BucketCursor, ChangeOp, PullRequest, PullResponse};
use moa_protocol::{EntityKind, FeedTab, Me, Message, Room};
use serde::Deserialize;
use serde_json::Value;

/// One step of applying a pull.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Put {
        kind: EntityKind,
        id: String,
        data: Value,
        seq: i64,
    },
    Delete {
        kind: EntityKind,
        id: String,
        seq: i64,
    },
    /// The member's own profile changed.
    Me(Box<Me>),
    Cursor {
        bucket: String,
        cursor: i64,
        more: bool,
    },
    Window {
        tab: FeedTab,
        cursor: i64,
        ids: Vec<String>,
    },
    /// A room the member is in (or was removed from, if not a member).
    Room {
        room: Box<Room>,
        seq: i64,
    },
    /// The member left or was removed: the room goes, with its messages.
    RoomGone {
        id: String,
        seq: i64,
    },
    Message {
        message: Box<Message>,
        seq: i64,
    },
    /// A message removed for good.
    MessageGone {
        id: String,
        seq: i64,
    },
    /// A member's read marker.
    Read {
        room_id: String,
        user_id: String,
        seq: i64,
    },
}

/// The data of a `read` change.
#[derive(Debug, Deserialize)]
struct ReadData {
    room_id: String,
    user_id: String,
    seq: i64,
}

/// A chat change as a chat action: `None` for other entities, `Some(None)`
/// for a chat change with nothing to do (unreadable data is logged and
/// skipped rather than stopping sync).
fn chat_action(
    entity: &EntityKind,
    id: &str,
    op: ChangeOp,
    data: Option<&Value>,
    seq: i64,
) -> Option<Option<Action>> {
    fn de<T: serde::de::DeserializeOwned>(
        entity: &EntityKind,
        id: &str,
        data: Option<&Value>,
    ) -> Option<T> {
        let parsed = data.and_then(|d| serde_json::from_value(d.clone()).ok());
        if parsed.is_none() {
            tracing::warn!(
                entity = entity.as_str(),
                id,
                "a chat change cannot be read; skipped"
            );
        }
        parsed
    }
    let upsert = op == ChangeOp::Upsert && data.is_some();
    let action = match entity {
        EntityKind::Room if upsert => de::<Room>(entity, id, data).map(|room| Action::Room {
            room: Box::new(room),
            seq,
        }),
        EntityKind::Room => Some(Action::RoomGone {
            id: id.to_owned(),
            seq,
        }),
        EntityKind::Message if upsert => {
            de::<Message>(entity, id, data).map(|message| Action::Message {
                message: Box::new(message),
                seq,
            })
        }
        EntityKind::Message => Some(Action::MessageGone {
            id: id.to_owned(),
            seq,
        }),
        EntityKind::Read if upsert => de::<ReadData>(entity, id, data).map(|r| Action::Read {
            room_id: r.room_id,
            user_id: r.user_id,
            seq: r.seq,
        }),
        EntityKind::Read => None,
        _ => return None,
    };
    Some(action)
}

/// The plan for `response`; `me` is the signed-in member's id.
pub fn plan(response: PullResponse, me: &str) -> Vec<Action> {
    let mut actions = Vec::new();
    for bucket in response.buckets {
        for change in bucket.changes {
            if let Some(action) = chat_action(
                &change.entity,
                &change.id,
                change.op,
                change.data.as_ref(),
                change.seq,
            ) {
                actions.extend(action);
                continue;
            }
            match (change.op, change.data) {
                (ChangeOp::Upsert, Some(data)) => {
                    if change.entity == EntityKind::Profile
                        && change.id == me
                        && let Ok(profile) = serde_json::from_value::<Me>(data.clone())
                    {
                        actions.push(Action::Me(Box::new(profile)));
                    }
                    actions.push(Action::Put {
                        kind: change.entity,
                        id: change.id,
                        data,
                        seq: change.seq,
                    });
                }
                (_, _) => actions.push(Action::Delete {
                    kind: change.entity,
                    id: change.id,
                    seq: change.seq,
                }),
            }
        }
        actions.push(Action::Cursor {
            bucket: bucket.bucket,
            cursor: bucket.cursor,
            more: bucket.more,
        });
    }
    for window in response.windows {
        let Some(reviews) = window.reviews else {
            continue;
        };
        let ids = reviews.iter().map(|r| r.id.clone()).collect();
        for review in reviews {
            if let Ok(data) = serde_json::to_value(&review) {
                actions.push(Action::Put {
                    kind: EntityKind::Review,
                    id: review.id,
                    data,
                    seq: window.cursor,
                });
            }
        }
        actions.push(Action::Window {
            tab: window.tab,
            cursor: window.cursor,
            ids,
        });
    }
    actions
}

/// Whether another pull is needed to catch up.
pub fn more_follows(response: &PullResponse) -> bool {
    response.buckets.iter().any(|b| b.more)
}

/// The request for the page after `response`: the buckets that said "more
/// follows", each at the cursor it answered (no windows: they came whole).
/// `None` when every bucket is caught up. Known before the page is applied,
/// so the next page can be on its way while this one is stored.
pub fn next_page(response: &PullResponse) -> Option<PullRequest> {
    let buckets: Vec<BucketCursor> = response
        .buckets
        .iter()
        .filter(|b| b.more)
        .map(|b| BucketCursor {
            bucket: b.bucket.clone(),
            cursor: b.cursor,
        })
        .collect();
    (!buckets.is_empty()).then_some(PullRequest {
        buckets,
        windows: Vec::new(),
        limit: None,
        wait_ms: None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use moa_protocol::sync::{BucketChanges, Change};
    use serde_json::json;

    fn bucket(name: &str, cursor: i64, more: bool) -> BucketChanges {
        BucketChanges {
            bucket: name.to_owned(),
            changes: Vec::new(),
            cursor,
            more,
        }
    }

    #[test]
    fn the_next_page_asks_only_for_buckets_with_more_at_their_new_cursor() {
        let response = PullResponse {
            buckets: vec![
                bucket("user:u1", 2000, true),
                bucket("review:r1", 7, false),
                bucket("room:a", 4000, true),
            ],
            windows: Vec::new(),
        };
        let next = next_page(&response).unwrap();
        let asked: Vec<(&str, i64)> = next
            .buckets
            .iter()
            .map(|b| (b.bucket.as_str(), b.cursor))
            .collect();
        assert_eq!(asked, [("user:u1", 2000), ("room:a", 4000)]);
        assert!(next.windows.is_empty() && next.wait_ms.is_none());

        let caught_up = PullResponse {
            buckets: vec![bucket("user:u1", 2000, false)],
            windows: Vec::new(),
        };
        assert!(next_page(&caught_up).is_none());
    }

    #[test]
    fn a_page_becomes_puts_deletes_and_its_cursor_last() {
        let response = PullResponse {
            buckets: vec![BucketChanges {
                bucket: "user:u".into(),
                changes: vec![
                    Change {
                        seq: 3,
                        entity: EntityKind::Like,
                        id: "review:r".into(),
                        op: ChangeOp::Upsert,
                        data: Some(json!({"target_id": "r"})),
                    },
                    Change {
                        seq: 4,
                        entity: EntityKind::Scrap,
                        id: "r".into(),
                        op: ChangeOp::Delete,
                        data: None,
                    },
                ],
                cursor: 4,
                more: true,
            }],
            windows: vec![],
        };
        assert!(more_follows(&response));
        let actions = plan(response, "u");
        assert_eq!(actions.len(), 3);
        assert!(
            matches!(&actions[0], Action::Put { kind, seq: 3, .. } if *kind == EntityKind::Like)
        );
        assert!(matches!(&actions[1], Action::Delete { kind, .. } if *kind == EntityKind::Scrap));
        assert!(matches!(
            &actions[2],
            Action::Cursor {
                cursor: 4,
                more: true,
                ..
            }
        ));
    }

    #[test]
    fn chat_changes_become_chat_actions() {
        let message = json!({"id": "m", "room_id": "r", "seq": 1, "sender_id": "u",
                             "body": "안녕", "created_at": 5});
        let change = |seq, entity: &str, id: &str, op, data| Change {
            seq,
            entity: EntityKind::parse(entity),
            id: id.into(),
            op,
            data,
        };
        let response = PullResponse {
            buckets: vec![BucketChanges {
                bucket: "room:r".into(),
                changes: vec![
                    change(1, "message", "m", ChangeOp::Upsert, Some(message)),
                    change(
                        2,
                        "read",
                        "u",
                        ChangeOp::Upsert,
                        Some(json!({"room_id": "r", "user_id": "u", "seq": 1})),
                    ),
                    change(
                        3,
                        "message",
                        "bad",
                        ChangeOp::Upsert,
                        Some(json!({"id": 1})),
                    ),
                    change(4, "room", "r", ChangeOp::Delete, None),
                ],
                cursor: 4,
                more: false,
            }],
            windows: vec![],
        };
        let actions = plan(response, "u");
        assert_eq!(actions.len(), 4, "{actions:?}");
        assert!(
            matches!(&actions[0], Action::Message { message, seq: 1 } if message.body == "안녕")
        );
        assert!(matches!(&actions[1], Action::Read { seq: 1, .. }));
        assert!(matches!(&actions[2], Action::RoomGone { id, seq: 4 } if id == "r"));
        assert!(matches!(&actions[3], Action::Cursor { cursor: 4, .. }));
    }
}
