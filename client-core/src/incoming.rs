//! Planning what a pull answer does to the local database (no I/O): the
//! store applies the plan in one transaction, so a pull page is applied
//! whole or not at all and its cursor moves with it.

use moa_protocol::sync::{ChangeOp, PullResponse};
use moa_protocol::{FeedTab, Me};
use serde_json::Value;

/// One step of applying a pull.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Put {
        kind: String,
        id: String,
        data: Value,
        seq: i64,
    },
    Delete {
        kind: String,
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
}

/// The plan for `response`; `me` is the signed-in member's id.
pub fn plan(response: PullResponse, me: &str) -> Vec<Action> {
    let mut actions = Vec::new();
    for bucket in response.buckets {
        for change in bucket.changes {
            match (change.op, change.data) {
                (ChangeOp::Upsert, Some(data)) => {
                    if change.entity == "profile"
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
                    kind: "review".into(),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use moa_protocol::sync::{BucketChanges, Change};
    use serde_json::json;

    #[test]
    fn a_page_becomes_puts_deletes_and_its_cursor_last() {
        let response = PullResponse {
            buckets: vec![BucketChanges {
                bucket: "user:u".into(),
                changes: vec![
                    Change {
                        seq: 3,
                        entity: "like".into(),
                        id: "review:r".into(),
                        op: ChangeOp::Upsert,
                        data: Some(json!({"target_id": "r"})),
                    },
                    Change {
                        seq: 4,
                        entity: "scrap".into(),
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
        assert!(matches!(&actions[0], Action::Put { kind, seq: 3, .. } if kind == "like"));
        assert!(matches!(&actions[1], Action::Delete { kind, .. } if kind == "scrap"));
        assert!(matches!(
            &actions[2],
            Action::Cursor {
                cursor: 4,
                more: true,
                ..
            }
        ));
    }
}
