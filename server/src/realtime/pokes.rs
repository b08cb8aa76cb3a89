//! Pokes and notifications over the socket, read from the change log.
//!
//! The change log's head watcher (`sync::pull::watch_head`) sees every
//! node's writes; when it moves, this task reads the new changes of the
//! `public` and `shop` buckets, of members' own `user:<id>` buckets and of
//! `community:<id>` buckets (the members of that community) and tells the
//! connections concerned: a new (unread) notification as a `notification`
//! frame, anything else as one `poke` per bucket and round, after which the
//! client pulls. Room buckets are left out: their messages, markers and
//! membership travel as events of their own.

use std::collections::BTreeSet;

use moa_protocol::Notification;
use moa_protocol::chat::ServerFrame;

use super::event::encode;
use crate::AppState;
use crate::changelog::{PUBLIC, SHOP};
use crate::error::Result;

/// Runs until the server stops.
pub async fn run(state: AppState) {
    let mut head = state.log_head.subscribe();
    let mut stopping = state.stopping.subscribe();
    let mut last = crate::sync::pull::global_head(&state.db).await.unwrap_or(0);
    loop {
        tokio::select! {
            r = head.changed() => if r.is_err() { return },
            _ = stopping.changed() => return,
        }
        let now = *head.borrow_and_update();
        if now <= last {
            continue;
        }
        if state.realtime.hub.connections() > 0
            && let Err(e) = poke(&state, last, now).await
        {
            tracing::error!(error = %e, "cannot read changes for pokes");
            continue;
        }
        last = now;
    }
}

/// A change as [`poke`] reads it.
#[derive(sqlx::FromRow)]
struct ChangeColumns {
    bucket: String,
    entity: String,
    data: Option<String>,
}

async fn poke(state: &AppState, after: i64, upto: i64) -> Result<()> {
    let rows = sqlx::query_as::<_, ChangeColumns>(
        "SELECT bucket, entity, op, data FROM changes WHERE seq > $1 AND seq <= $2 \
         AND (bucket IN ('public', 'shop') OR bucket LIKE 'user:%' OR bucket LIKE 'community:%') \
         ORDER BY seq",
    )
    .bind(after)
    .bind(upto)
    .fetch_all(state.db.read())
    .await?;
    let mut moved = BTreeSet::new();
    let hub = &state.realtime.hub;
    for ChangeColumns {
        bucket,
        entity,
        data,
    } in rows
    {
        if entity == "notification" {
            let fresh = data
                .as_deref()
                .and_then(|d| serde_json::from_str::<Notification>(d).ok())
                .filter(|n| !n.read);
            if let (Some(notification), Some(user)) = (fresh, bucket.strip_prefix("user:")) {
                let frame = encode(&ServerFrame::Notification { notification });
                hub.to_user(user, &super::hub::frame(frame));
            }
        }
        moved.insert(bucket);
    }
    for bucket in moved {
        let frame = super::hub::frame(encode(&ServerFrame::Poke {
            buckets: vec![bucket.clone()],
        }));
        if bucket == PUBLIC || bucket == SHOP {
            hub.to_all(&frame);
        } else if let Some(user) = bucket.strip_prefix("user:") {
            hub.to_user(user, &frame);
        } else if let Some(community) = bucket.strip_prefix("community:") {
            let members: Vec<String> =
                sqlx::query_scalar("SELECT id FROM users WHERE community_id = $1")
                    .bind(community)
                    .fetch_all(state.db.read())
                    .await?;
            for user in members {
                hub.to_user(&user, &frame);
            }
        }
    }
    Ok(())
}
