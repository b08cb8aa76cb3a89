//! Fan-out across nodes on PostgreSQL: events travel as JSON arrays in
//! notifications on channel [`CHANNEL`], sent inside the writing transaction
//! (delivered on commit, in commit order), and every node's listener hands
//! them to its hub. A notification carries at most [`MAX_PAYLOAD`] bytes
//! (PostgreSQL's limit is 8000): events are packed up to that size, and a
//! message frame too large on its own travels as its id, which each node
//! loads. If the listener's connection drops, notifications sent meanwhile
//! are lost: on reconnecting, every local connection is told to resync.

use sqlx::AnyConnection;
use sqlx::postgres::PgListener;

use super::Event;
use crate::error::Result;

/// The notification channel.
pub const CHANNEL: &str = "moa_realtime";
/// Largest payload sent in one notification.
pub const MAX_PAYLOAD: usize = 7_500;

fn json(events: &[&Event]) -> String {
    serde_json::to_string(events).unwrap_or_default()
}

/// `events` packed into notification payloads of at most [`MAX_PAYLOAD`]
/// bytes, in order.
pub fn payloads(events: &[Event]) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch: Vec<&Event> = Vec::new();
    let mut size = 2;
    for event in events {
        let len = serde_json::to_string(event).map_or(0, |s| s.len());
        if len + 2 > MAX_PAYLOAD {
            let Event::ToRoom {
                room_id,
                except,
                message_id: Some(message_id),
                ..
            } = event
            else {
                tracing::error!("an event too large to notify and not a message: dropped");
                continue;
            };
            if !batch.is_empty() {
                out.push(json(&batch));
                batch.clear();
                size = 2;
            }
            let fetch = Event::FetchMessage {
                room_id: room_id.clone(),
                message_id: message_id.clone(),
                except: except.clone(),
            };
            out.push(json(&[&fetch]));
            continue;
        }
        if size + len + 1 > MAX_PAYLOAD && !batch.is_empty() {
            out.push(json(&batch));
            batch.clear();
            size = 2;
        }
        size += len + 1;
        batch.push(event);
    }
    if !batch.is_empty() {
        out.push(json(&batch));
    }
    out
}

/// Sends one payload on the caller's connection (inside its transaction,
/// if it has one).
pub async fn notify(conn: &mut AnyConnection, payload: &str) -> Result<()> {
    sqlx::query("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_notify($1, $2)) AS sent")
        .bind(CHANNEL)
        .bind(payload)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Listens on [`CHANNEL`] until the server stops, dispatching what arrives.
pub async fn listen(state: crate::AppState, url: String) {
    let mut stopping = state.stopping.subscribe();
    let mut listener = loop {
        match connect(&url).await {
            Ok(l) => break l,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for realtime events; retrying");
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    _ = stopping.changed() => return,
                }
            }
        }
    };
    loop {
        let received = tokio::select! {
            r = listener.try_recv() => r,
            _ = stopping.changed() => return,
        };
        match received {
            Ok(Some(n)) => match serde_json::from_str::<Vec<Event>>(n.payload()) {
                Ok(events) => {
                    for event in &events {
                        state.realtime.dispatch(event).await;
                    }
                }
                Err(e) => tracing::error!(error = %e, "unreadable realtime notification"),
            },
            Ok(None) => {
                tracing::warn!("realtime listener reconnected: connections resync");
                state.realtime.hub.resync_all();
            }
            Err(e) => {
                tracing::error!(error = %e, "realtime listener failed; retrying");
                state.realtime.hub.resync_all();
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    _ = stopping.changed() => return,
                }
            }
        }
    }
}

async fn connect(url: &str) -> std::result::Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(len: usize, id: &str) -> Event {
        Event::ToRoom {
            room_id: "r".into(),
            frame: "가".repeat(len),
            except: Some("n/1".into()),
            skip_user: None,
            message_id: Some(id.into()),
        }
    }

    #[test]
    fn packs_events_and_sends_large_messages_by_id() {
        let events = vec![
            message(10, "a"),
            message(3_000, "b"),
            message(10, "c"),
            message(4_000, "d"),
        ];
        let out = payloads(&events);
        let decoded: Vec<Vec<Event>> = out
            .iter()
            .map(|p| {
                assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
                serde_json::from_str(p).unwrap()
            })
            .collect();
        let flat: Vec<Event> = decoded.into_iter().flatten().collect();
        assert_eq!(flat.len(), 4);
        assert_eq!(flat[0], events[0]);
        assert!(
            matches!(&flat[1], Event::FetchMessage { message_id, except, .. }
            if message_id == "b" && except.as_deref() == Some("n/1"))
        );
        assert_eq!(flat[2], events[2]);
        assert!(matches!(&flat[3], Event::FetchMessage { message_id, .. } if message_id == "d"));
        // Small events share notifications.
        let many: Vec<Event> = (0..100).map(|i| message(10, &i.to_string())).collect();
        assert!(payloads(&many).len() < 5);
    }
}
