//! Sync on the wire: pushing mutations (`POST /v1/sync/push`) and pulling
//! changes by bucket and feed window (`POST /v1/sync/pull`).
//!
//! A *mutation* is an intent with a client-generated UUIDv7 id, a name and
//! JSON arguments: on the wire `{"id", "name", "args"}`, in code an
//! [`Op`](crate::Op) (see [`crate::ops`]). The
//! id is its idempotency key: the server answers a replay with the first
//! outcome and changes nothing.
//!
//! A *bucket* is a stream of changes in one global order: `user:<id>` (a
//! member's own data), `review:<id>` (a review and its comments) and
//! `public`. A pull answers the latest change of each entity since the
//! client's cursor, paged (`more`), so a first sync of any size resumes where
//! it stopped. A *window* is the first page of a feed tab; the server resends
//! it when something that may change it happened since the window's cursor.

use serde::{Deserialize, Serialize};

use crate::content::{
    CreateCommentRequest, EditCommentRequest, EditReviewRequest, FeedTab, Review,
};
use crate::error::ErrorDetail;
use crate::ops::{EntityKind, Op};

/// One mutation as the client sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    /// Client-generated UUIDv7; the idempotency key.
    pub id: String,
    /// One of the names of [`crate::Op`].
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub args: serde_json::Value,
}

impl Mutation {
    /// The mutation `id` doing `op`, in its wire form.
    pub fn new(id: impl Into<String>, op: &Op) -> Result<Self, serde_json::Error> {
        Ok(Mutation {
            id: id.into(),
            name: op.name().to_owned(),
            args: op.args()?,
        })
    }

    /// The typed op (unknown names give [`Op::Unknown`]).
    pub fn op(&self) -> Result<Op, serde_json::Error> {
        Op::decode(&self.name, &self.args)
    }
}

/// `POST /v1/sync/push`: mutations applied in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub mutations: Vec<Mutation>,
}

/// What became of one mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied; `result` is what the matching REST call answers (the entity
    /// with its new version, or the like/scrap/follow state; `null` for a
    /// delete, whose REST call answers nothing).
    Applied {
        #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
        result: serde_json::Value,
    },
    /// Refused for good (validation, permission, conflict): retrying the same
    /// mutation gives the same answer. `error.current` carries the current
    /// entity on a conflict.
    Rejected { error: ErrorDetail },
}

/// The outcome of the mutation with this id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub id: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Answer of a push: one result per mutation, in the order sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

/// Args of mutations that name one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdArgs {
    pub id: String,
}

/// Args of `views.record`: reviews the member opened and read for a while
/// (a client sends a batch at a time). Counted once per member, review and
/// day; never listed per person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordViewsArgs {
    /// At most [`crate::limits::MAX_VIEWS_PER_BATCH`] review ids.
    pub review_ids: Vec<String>,
}

/// Answer of `views.record`: how many were new today (the rest were counted
/// before, or name nothing the member can see).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViewsRecorded {
    pub counted: u32,
}

/// Args of `review.edit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditReviewArgs {
    pub id: String,
    pub edit: EditReviewRequest,
}

/// Args of `comment.create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCommentArgs {
    pub review_id: String,
    pub comment: CreateCommentRequest,
}

/// Args of `comment.edit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditCommentArgs {
    pub id: String,
    pub edit: EditCommentRequest,
}

/// What a like is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LikeTarget {
    Review,
    Comment,
}

impl LikeTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            LikeTarget::Review => "review",
            LikeTarget::Comment => "comment",
        }
    }
}

/// Args of `like.set`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetLikeArgs {
    pub target_type: LikeTarget,
    pub target_id: String,
    pub liked: bool,
}

/// Args of `scrap.set`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetScrapArgs {
    pub review_id: String,
    pub scrapped: bool,
}

/// Args of `follow.set`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetFollowArgs {
    pub user_id: String,
    pub following: bool,
}

/// A bucket and the `seq` of the last change the client has from it (0 for
/// none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BucketCursor {
    pub bucket: String,
    #[serde(default)]
    pub cursor: i64,
}

/// A feed window: the first `size` reviews of a tab, and the cursor the
/// server answered last time it sent this window (0 for never).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowRequest {
    pub tab: FeedTab,
    pub size: u32,
    #[serde(default)]
    pub cursor: i64,
}

/// `POST /v1/sync/pull`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullRequest {
    #[serde(default)]
    pub buckets: Vec<BucketCursor>,
    #[serde(default)]
    pub windows: Vec<WindowRequest>,
    /// Most changes per bucket in this answer (default and maximum
    /// [`PULL_LIMIT_MAX`]; more is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 2000))]
    pub limit: Option<u32>,
    /// Long poll: when nothing changed since the cursors, wait up to this
    /// many milliseconds (at most [`PULL_WAIT_MAX_MS`]; more is refused)
    /// for a change before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 25000))]
    pub wait_ms: Option<u32>,
}

/// The largest page of changes per bucket.
pub const PULL_LIMIT_MAX: u32 = 2000;

/// The longest a pull waits for a change.
pub const PULL_WAIT_MAX_MS: u32 = 25_000;

/// Upsert (the entity now looks like `data`) or delete (a tombstone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Upsert,
    Delete,
}

/// The latest change of one entity; [`EntityKind`] lists the kinds and
/// their `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub seq: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub entity: EntityKind,
    pub id: String,
    pub op: ChangeOp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub data: Option<serde_json::Value>,
}

/// Changes of one bucket since the client's cursor, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BucketChanges {
    pub bucket: String,
    pub changes: Vec<Change>,
    /// The cursor to send next time.
    pub cursor: i64,
    /// More changes follow: pull again with the new cursor.
    pub more: bool,
}

/// A feed window as it is now, sent only when it may have changed since the
/// client's cursor (`reviews` is `None` when it has not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowPage {
    pub tab: FeedTab,
    pub cursor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviews: Option<Vec<Review>>,
}

/// Answer of a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub buckets: Vec<BucketChanges>,
    pub windows: Vec<WindowPage>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn outcomes_are_tagged_by_status() {
        let applied = MutationResult {
            id: "m1".into(),
            outcome: Outcome::Applied {
                result: serde_json::json!({"liked": true}),
            },
        };
        assert_eq!(
            serde_json::to_value(&applied).unwrap(),
            serde_json::json!({"id": "m1", "status": "applied", "result": {"liked": true}})
        );
        let rejected: MutationResult = serde_json::from_value(serde_json::json!({
            "id": "m2", "status": "rejected",
            "error": {"code": "conflict", "message": "changed meanwhile"}
        }))
        .unwrap();
        assert!(
            matches!(rejected.outcome, Outcome::Rejected { ref error } if error.code == crate::ErrorCode::Conflict)
        );
    }

    #[test]
    fn pull_request_defaults() {
        let req: PullRequest =
            serde_json::from_value(serde_json::json!({"buckets": [{"bucket": "public"}]})).unwrap();
        assert_eq!(req.buckets[0].cursor, 0);
        assert!(req.windows.is_empty());
        assert_eq!(req.limit, None);
    }
}
