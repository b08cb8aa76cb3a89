//! `/v1/sync`: pushing mutations and pulling changes (ARCHITECTURE.md "Data and
//! sync"; the wire types are `moa_protocol::sync`).

pub mod pull;
pub mod push;

use axum::Json;
use axum::extract::State;
use moa_protocol::ErrorBody;
use moa_protocol::sync::{PullRequest, PullResponse, PushRequest, PushResponse};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::Actor;
use crate::error::Result;
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push_mutations))
        .routes(routes!(pull_changes))
}

/// Apply mutations in order (at most 100). Each has a client-generated UUID
/// that makes it idempotent: pushing it again answers its first outcome and
/// changes nothing. Refused mutations are `rejected` with an error (for
/// good: the same again gets the same answer); a server failure stops the
/// push with a 5xx, and the mutations not answered can be pushed again.
#[utoipa::path(
    post, path = "/sync/push", tag = "sync", security(("bearer" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "One result per mutation, in order", body = PushResponse),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Too many mutations, or an id that is not a UUID: nothing applied", body = ErrorBody),
        (status = 500, description = "Stopped at a server failure: push the rest again", body = ErrorBody),
    )
)]
#[tracing::instrument(name = "sync.push", skip_all, fields(user_id = %member.user_id, mutations = req.mutations.len()))]
async fn push_mutations(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>> {
    Ok(Json(push::push(&state, &member, &req).await?))
}

/// The changes of buckets since their cursors (`public`, `user:<your id>`,
/// `review:<id>`; at most 20), each at most `limit` (`more` when more
/// follow), and the first pages of feed tabs (at most 5 windows of up to 50
/// reviews) when something changed since their cursor. With `wait_ms` (at
/// most 25 000), an answer with nothing new waits until something arrives.
#[utoipa::path(
    post, path = "/sync/pull", tag = "sync", security(("bearer" = [])),
    request_body = PullRequest,
    responses(
        (status = 200, body = PullResponse),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Another member's user bucket", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[tracing::instrument(name = "sync.pull", skip_all, fields(user_id = %member.user_id, buckets = req.buckets.len(), windows = req.windows.len()))]
async fn pull_changes(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<PullRequest>,
) -> Result<Json<PullResponse>> {
    let stopping = state.stopping.subscribe();
    let head = state.log_head.subscribe();
    Ok(Json(
        pull::pull(&state.db, &member, &req, stopping, head).await?,
    ))
}
