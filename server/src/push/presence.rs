//! Who has a realtime socket open now, on any node: a row per node and
//! member in `live_sockets`, written when their first socket on the node
//! opens, removed when the last one closes, and refreshed every
//! [`REFRESH`] so that the rows of a node that died age out after
//! [`STALE_MS`]. Pushes go only to members with no live row.

use std::time::Duration;

use sqlx::AnyConnection;

use crate::error::Result;
use crate::state::AppState;
use crate::util::now_ms;

/// How often a node refreshes its rows.
pub const REFRESH: Duration = Duration::from_secs(30);
/// A row older than this is a dead node's.
pub const STALE_MS: i64 = 90_000;

/// A member's row on this node, seen now (`$1` its id, `$2` the member,
/// `$3` the time).
const SEEN: &str = "INSERT INTO live_sockets (id, user_id, seen_at) VALUES ($1, $2, $3) \
     ON CONFLICT (id) DO UPDATE SET seen_at = $3";

fn row_id(state: &AppState, user_id: &str) -> String {
    format!("{}:{user_id}", state.realtime.hub.node())
}

/// A socket of `user_id` opened on this node.
pub async fn opened(state: &AppState, user_id: &str) {
    let id = row_id(state, user_id);
    let now = now_ms();
    best_effort(state, "record a live socket", async |tx| {
        sqlx::query(SEEN)
            .bind(&id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        Ok(())
    })
    .await;
}

/// A socket of `user_id` closed on this node: the row goes with the last.
/// Not while the node stops: [`forget_node`] takes all its rows then (and
/// sockets still closing after it would find the database closed, so this
/// is checked before asking for a connection too).
pub async fn closed(state: &AppState, user_id: &str) {
    if state.realtime.hub.has_user(user_id) || *state.stopping.borrow() {
        return;
    }
    let id = row_id(state, user_id);
    best_effort(state, "forget a live socket", async |tx| {
        sqlx::query("DELETE FROM live_sockets WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    })
    .await;
}

/// This node is stopping, and its sockets with it: its rows go now, so its
/// members are pushed to again at once rather than after [`STALE_MS`].
pub async fn forget_node(state: &AppState) {
    let prefix = row_id(state, "");
    let chars = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    let done = state
        .write_quiet(async |tx| {
            sqlx::query("DELETE FROM live_sockets WHERE substr(id, 1, $2) = $1")
                .bind(&prefix)
                .bind(chars)
                .execute(&mut *tx)
                .await?;
            Ok(())
        })
        .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "cannot forget this node's live sockets");
    }
}

/// Runs `f` as a quiet write, unless the node is stopping: then only
/// [`forget_node`] writes. That is checked holding the write lock, which
/// `forget_node` (run once the node is stopping) needs too, so it comes
/// after any row added here. Presence is best effort: a failure is logged
/// ("cannot {what}"), not returned.
async fn best_effort(
    state: &AppState,
    what: &str,
    f: impl AsyncFnOnce(&mut AnyConnection) -> Result<()>,
) {
    let done = state
        .write_quiet(async |tx| {
            if *state.stopping.borrow() {
                return Ok(());
            }
            f(tx).await
        })
        .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "cannot {what}");
    }
}

/// Whether `user_id` has a socket open on some node.
pub async fn is_live(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<bool> {
    let live: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM live_sockets WHERE user_id = $1 AND seen_at > $2 LIMIT 1",
    )
    .bind(user_id)
    .bind(now - STALE_MS)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(live.is_some())
}

/// Refreshes this node's rows every [`REFRESH`] until the server stops,
/// and drops rows of nodes that went away.
pub fn spawn_refresh(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut stopping = state.stopping.subscribe();
        loop {
            tokio::select! {
                () = tokio::time::sleep(REFRESH) => {}
                _ = stopping.changed() => return,
            }
            let users = state.realtime.hub.users();
            let ids: Vec<(String, String)> =
                users.into_iter().map(|u| (row_id(&state, &u), u)).collect();
            let now = now_ms();
            best_effort(&state, "refresh the live sockets", async |tx| {
                for (id, user_id) in &ids {
                    sqlx::query(SEEN)
                        .bind(id)
                        .bind(user_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM live_sockets WHERE seen_at <= $1")
                    .bind(now - STALE_MS)
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            })
            .await;
        }
    });
}
