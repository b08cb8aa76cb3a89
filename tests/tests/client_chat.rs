//! client-core's chat against a real server, with the background loop and
//! the realtime socket running as in an app: members chatting both ways
//! live, group rooms changing under their members, sends made offline
//! delivered once, messages exactly once and in order across dropped
//! connections, the connection's state, typing, read markers, edits and
//! deletes, photos, and history pages. Every test runs on SQLite and
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use moa_client_core::{
    ChatMessage, Client, Event, MediaSource, MessageState, Options, RealtimeState, RoomKind,
};
use moa_tests::proxy::Proxy;
use moa_tests::{Engine, Session, TestServer, both_engines};
use serde_json::json;
use tokio::sync::broadcast;

both_engines!(
    two_members_chat_live_both_ways,
    a_direct_room_made_twice_becomes_one,
    group_rooms_follow_invites_removals_transfers_and_leaves,
    offline_sends_are_queued_and_delivered_once,
    messages_arrive_once_and_in_order_across_reconnects,
    the_connection_reports_its_state_and_backs_off,
    a_refused_token_is_refreshed_and_the_connection_resumes,
    typing_and_read_markers_reach_the_other_member,
    edits_and_deletes_propagate,
    a_photo_message_arrives_with_its_media,
    history_is_cached_and_older_pages_load,
    more_rooms_than_one_pull_holds_are_all_synced,
    waiting_pulls_dropped_by_clients_leave_the_server_healthy,
);

/// How long live delivery may take.
const LIVE: Duration = Duration::from_secs(10);

struct Device {
    client: Client,
    id: String,
    _dir: tempfile::TempDir,
}

/// A device as apps run it (background sync and the realtime socket), of a
/// new member `handle`.
async fn member(url: &str, handle: &str) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), url).await.unwrap();
    let me = client
        .sign_up(
            &format!("{handle}@test.kr"),
            &format!("password-{handle}"),
            handle,
            &format!("회원 {handle}"),
        )
        .await
        .unwrap();
    Device {
        client,
        id: me.id,
        _dir: dir,
    }
}

/// Another device of `handle`; `live` runs the background loop and socket.
async fn second_device(url: &str, handle: &str, live: bool) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open_with(
        dir.path(),
        url,
        Options {
            background_sync: live,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let me = client
        .sign_in(&format!("{handle}@test.kr"), &format!("password-{handle}"))
        .await
        .unwrap();
    Device {
        client,
        id: me.id,
        _dir: dir,
    }
}

/// Waits for the first event `pick` accepts.
async fn wait_event<T>(
    rx: &mut broadcast::Receiver<Event>,
    within: Duration,
    what: &str,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let found = tokio::time::timeout(within, async {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    if let Some(t) = pick(&e) {
                        return t;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("events closed"),
            }
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Polls `check` until it holds.
async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn connected(client: &Client) {
    eventually(LIVE, "the realtime connection", || async {
        client.realtime_state() == RealtimeState::Connected
    })
    .await;
}

fn bodies(messages: &[ChatMessage]) -> Vec<String> {
    messages.iter().map(|m| m.body.clone()).collect()
}

fn seqs(messages: &[ChatMessage]) -> Vec<i64> {
    messages.iter().map(|m| m.seq.unwrap_or(-1)).collect()
}

/// A direct room of `a` and `b`, known to both devices.
async fn direct_room(a: &Device, b: &Device) -> String {
    let room = a.client.create_direct_room(&b.id).await.unwrap();
    a.client.sync().await.unwrap();
    eventually(LIVE, "the room on the other device", || async {
        b.client.room(&room).info().await.is_ok()
    })
    .await;
    room
}

async fn count_where(server: &TestServer, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(server.state.db.read())
        .await
        .unwrap()
}

async fn two_members_chat_live_both_ways(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let a = member(&url, "hana").await;
    let b = member(&url, "dool").await;
    connected(&a.client).await;
    connected(&b.client).await;
    let mut a_events = a.client.subscribe();
    let mut b_events = b.client.subscribe();

    // Created and used at once, before the server has heard of it.
    let room = a.client.create_direct_room(&b.id).await.unwrap();
    let shown = a.client.room(&room).info().await.unwrap();
    assert!(shown.pending);
    assert_eq!(shown.room.kind, RoomKind::Direct);
    let first = a
        .client
        .room(&room)
        .send("안녕, 둘아", vec![], None)
        .await
        .unwrap();
    let pending = a.client.room(&room).messages(None, 50).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].seq, None);
    assert_eq!(pending[0].state, MessageState::Pending);

    // B hears it without asking.
    let got = wait_event(&mut b_events, LIVE, "A's message at B", |e| match e {
        Event::Message(m) if m.id == first => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.body, "안녕, 둘아");
    assert_eq!(got.seq, Some(1));
    assert_eq!(got.sender_id, a.id);
    assert_eq!(got.room_id, room);
    // A's copy is confirmed (once).
    wait_event(&mut a_events, LIVE, "A's send confirmed", |e| match e {
        Event::MessageChanged(m) if m.id == first && m.seq == Some(1) => Some(()),
        _ => None,
    })
    .await;

    // B answers; the room list of each shows the last message.
    eventually(LIVE, "B's room list", || async {
        let rooms = b.client.rooms().await.unwrap();
        rooms.len() == 1 && rooms[0].unread == 1
    })
    .await;
    let reply = b
        .client
        .room(&room)
        .send("반가워!", vec![], Some(&first))
        .await
        .unwrap();
    let got = wait_event(&mut a_events, LIVE, "B's reply at A", |e| match e {
        Event::Message(m) if m.id == reply => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.seq, Some(2));
    assert_eq!(got.reply_to.as_deref(), Some(first.as_str()));

    // B's reply is confirmed at B too (its push answer may trail A's frame).
    eventually(LIVE, "B's reply confirmed", || async {
        let msgs = b.client.room(&room).messages(None, 50).await.unwrap();
        msgs.iter().all(|m| m.state == MessageState::Sent)
    })
    .await;
    for d in [&a, &b] {
        let msgs = d.client.room(&room).messages(None, 50).await.unwrap();
        assert_eq!(bodies(&msgs), ["안녕, 둘아", "반가워!"]);
        assert_eq!(seqs(&msgs), [1, 2]);
        assert!(msgs.iter().all(|m| m.state == MessageState::Sent));
    }
    eventually(LIVE, "the room lists", || async {
        let a_rooms = a.client.rooms().await.unwrap();
        let b_rooms = b.client.rooms().await.unwrap();
        a_rooms.len() == 1
            && !a_rooms[0].pending
            && a_rooms[0].last_message.as_ref().map(|m| m.id.as_str()) == Some(reply.as_str())
            && a_rooms[0].unread == 1
            && b_rooms[0].unread == 0
    })
    .await;
    // No message event was told twice.
    let again = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            if let Ok(Event::Message(m)) = b_events.recv().await
                && (m.id == first || m.id == reply)
            {
                return m;
            }
        }
    })
    .await;
    assert!(again.is_err(), "a message was announced twice: {again:?}");
    assert_eq!(
        count_where(&server, "SELECT COUNT(*) FROM messages").await,
        2
    );
}

async fn a_direct_room_made_twice_becomes_one(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let a = member(&url, "mirae").await;
    let b = member(&url, "sora").await;
    let room = direct_room(&a, &b).await;
    // The other member's device knows the room: asking again answers it.
    assert_eq!(b.client.create_direct_room(&a.id).await.unwrap(), room);

    // A device that has not synced yet makes its own id for the pair; the
    // server answers with the existing room and everything moves over.
    let b2 = second_device(&url, "sora", false).await;
    let local = b2.client.create_direct_room(&a.id).await.unwrap();
    assert_ne!(local, room);
    let sent = b2
        .client
        .room(&local)
        .send("다른 기기에서", vec![], None)
        .await
        .unwrap();
    let mut events = b2.client.subscribe();
    b2.client.sync().await.unwrap();
    let moved = wait_event(&mut events, LIVE, "the room move", |e| match e {
        Event::RoomMoved { from, to } => Some((from.clone(), to.clone())),
        _ => None,
    })
    .await;
    assert_eq!(moved, (local.clone(), room.clone()));
    assert!(b2.client.outbox().items().await.unwrap().is_empty());
    let rooms = b2.client.rooms().await.unwrap();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].room.id, room);
    // The old id keeps working.
    let msgs = b2.client.room(&local).messages(None, 10).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].id, sent);
    assert_eq!(msgs[0].room_id, room);
    assert_eq!(b2.client.room(&local).info().await.unwrap().room.id, room);
    eventually(LIVE, "the message at A", || async {
        a.client.room(&room).messages(None, 10).await.unwrap().len() == 1
    })
    .await;
    assert_eq!(count_where(&server, "SELECT COUNT(*) FROM rooms").await, 1);
}

async fn group_rooms_follow_invites_removals_transfers_and_leaves(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let a = member(&url, "owner").await;
    let b = member(&url, "bora").await;
    let c = member(&url, "chan").await;
    let room = a
        .client
        .create_group_room("  주말 등산  ", vec![b.id.clone(), a.id.clone()])
        .await
        .unwrap();
    let shown = a.client.room(&room).info().await.unwrap();
    assert_eq!(shown.room.name.as_deref(), Some("주말 등산"));
    assert_eq!(shown.room.owner_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(shown.room.members.len(), 2);
    a.client
        .room(&room)
        .send("토요일 7시", vec![], None)
        .await
        .unwrap();
    eventually(LIVE, "the group at B", || async {
        b.client.room(&room).messages(None, 10).await.unwrap().len() == 1
    })
    .await;
    assert!(c.client.rooms().await.unwrap().is_empty());
    // B's other device, offline from here on.
    let b2 = second_device(&url, "bora", false).await;
    b2.client.sync().await.unwrap();
    assert_eq!(b2.client.rooms().await.unwrap().len(), 1);

    // Invited: C sees the room and its history.
    a.client.room(&room).invite(&c.id).await.unwrap();
    eventually(LIVE, "the room at C", || async {
        c.client.room(&room).messages(None, 10).await.unwrap().len() == 1
    })
    .await;
    let at_c = c.client.room(&room).info().await.unwrap();
    assert_eq!(at_c.room.members.len(), 3);
    assert_eq!(at_c.room.name.as_deref(), Some("주말 등산"));

    // Removed: the room leaves B's device with its messages.
    a.client.room(&room).remove_member(&b.id).await.unwrap();
    eventually(LIVE, "B removed", || async {
        b.client.rooms().await.unwrap().is_empty()
            && b.client
                .room(&room)
                .messages(None, 10)
                .await
                .unwrap()
                .is_empty()
    })
    .await;
    eventually(LIVE, "C sees B gone", || async {
        let r = c.client.room(&room).info().await.unwrap();
        r.room.members.len() == 2 && r.room.members.iter().all(|m| m.user.id != b.id)
    })
    .await;

    // Handed over, then the old owner leaves.
    a.client.room(&room).transfer_owner(&c.id).await.unwrap();
    eventually(LIVE, "C owns the room", || async {
        c.client
            .room(&room)
            .info()
            .await
            .unwrap()
            .room
            .owner_id
            .as_deref()
            == Some(c.id.as_str())
    })
    .await;
    a.client.room(&room).leave().await.unwrap();
    assert!(
        a.client.rooms().await.unwrap().is_empty(),
        "leaving shows at once"
    );
    eventually(LIVE, "C sees A leave", || async {
        let r = c.client.room(&room).info().await.unwrap();
        r.room.members.len() == 1 && r.room.members[0].user.id == c.id
    })
    .await;
    a.client.sync().await.unwrap();
    assert!(a.client.rooms().await.unwrap().is_empty());

    // Muting is the member's own setting, kept across devices.
    c.client.room(&room).set_muted(true).await.unwrap();
    assert!(c.client.room(&room).info().await.unwrap().muted);
    c.client.sync().await.unwrap();
    let c2 = second_device(&url, "chan", false).await;
    c2.client.sync().await.unwrap();
    let r = c2.client.room(&room).info().await.unwrap();
    assert!(r.muted);
    assert_eq!(r.room.name.as_deref(), Some("주말 등산"));

    // A send from a device that missed the removal is refused: it stays,
    // marked, until discarded; the room itself leaves that device.
    let mut events = b2.client.subscribe();
    let late = b2
        .client
        .room(&room)
        .send("아직 있나요?", vec![], None)
        .await
        .unwrap();
    b2.client.sync().await.unwrap();
    let refused = wait_event(&mut events, LIVE, "the refusal", |e| match e {
        Event::Rejected(r) => Some(r.clone()),
        _ => None,
    })
    .await;
    assert_eq!(refused.action, "chat.send");
    assert_eq!(refused.error.code, "forbidden");
    assert!(b2.client.rooms().await.unwrap().is_empty());
    let shown = b2.client.room(&room).messages(None, 10).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].id, late);
    assert!(matches!(&shown[0].state, MessageState::Failed(e) if e.code == "forbidden"));
    let item = b2.client.outbox().items().await.unwrap().remove(0);
    assert_eq!(item.target_id.as_deref(), Some(late.as_str()));
    b2.client.outbox().discard(&item.id).await.unwrap();
    assert!(
        b2.client
            .room(&room)
            .messages(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn offline_sends_are_queued_and_delivered_once(engine: Engine) {
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let a = member(&proxy.url(), "offa").await;
    let b = member(&server.url(""), "offb").await;
    let room = direct_room(&a, &b).await;
    connected(&a.client).await;
    let mut b_events = b.client.subscribe();

    proxy.down();
    eventually(LIVE, "A disconnected", || async {
        matches!(
            a.client.realtime_state(),
            RealtimeState::Disconnected { .. }
        )
    })
    .await;
    let mut sent = Vec::new();
    for i in 1..=3 {
        sent.push(
            a.client
                .room(&room)
                .send(&format!("오프라인 {i}"), vec![], None)
                .await
                .unwrap(),
        );
    }
    let shown = a.client.room(&room).messages(None, 10).await.unwrap();
    assert_eq!(shown.len(), 3);
    assert!(shown.iter().all(|m| m.state == MessageState::Pending));
    assert_eq!(a.client.outbox().items().await.unwrap().len(), 3);
    assert_eq!(
        a.client.outbox().items().await.unwrap()[0]
            .target_id
            .as_deref(),
        Some(sent[0].as_str())
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        count_where(&server, "SELECT COUNT(*) FROM messages").await,
        0
    );

    // Back: delivered once, in order, and B hears each once.
    proxy.up().await;
    a.client.sync_soon();
    let mut heard = Vec::new();
    while heard.len() < 3 {
        let id = wait_event(
            &mut b_events,
            Duration::from_secs(40),
            "the queued messages at B",
            |e| match e {
                Event::Message(m) if m.room_id == room => Some(m.id.clone()),
                _ => None,
            },
        )
        .await;
        heard.push(id);
    }
    assert_eq!(heard, sent);
    eventually(LIVE, "A's outbox empty", || async {
        a.client.outbox().items().await.unwrap().is_empty()
    })
    .await;
    let at_a = a.client.room(&room).messages(None, 10).await.unwrap();
    assert_eq!(seqs(&at_a), [1, 2, 3]);
    assert!(at_a.iter().all(|m| m.state == MessageState::Sent));

    // A push whose answer is lost is sent again, and still stored once.
    proxy.drop_next_push_response();
    let lost = a
        .client
        .room(&room)
        .send("응답이 사라진 메시지", vec![], None)
        .await
        .unwrap();
    let got = wait_event(
        &mut b_events,
        Duration::from_secs(40),
        "the lost-answer message",
        |e| match e {
            Event::Message(m) if m.id == lost => Some(m.clone()),
            _ => None,
        },
    )
    .await;
    assert_eq!(got.seq, Some(4));
    eventually(
        Duration::from_secs(40),
        "A confirmed the lost answer",
        || async { a.client.outbox().items().await.unwrap().is_empty() },
    )
    .await;
    assert_eq!(proxy.dropped(), 1);
    assert_eq!(
        count_where(&server, "SELECT COUNT(*) FROM messages").await,
        4
    );
    let at_b = b.client.room(&room).messages(None, 10).await.unwrap();
    assert_eq!(seqs(&at_b), [1, 2, 3, 4]);
}

async fn messages_arrive_once_and_in_order_across_reconnects(engine: Engine) {
    const N: usize = 60;
    let server = TestServer::start(engine).await;
    let api = server.api();
    let proxy = Proxy::start(server.addr).await;
    let sender: Session = api.signup("stream").await;
    let b = member(&proxy.url(), "listen").await;
    let room = api
        .post(
            "/v1/rooms",
            sender.token(),
            json!({"id": uuid::Uuid::now_v7().to_string(), "kind": "direct", "members": [b.id]}),
        )
        .await
        .expect(201)
        .body["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    connected(&b.client).await;
    let counter = tokio::spawn({
        let mut rx = b.client.subscribe();
        let room = room.clone();
        async move {
            let mut told: BTreeMap<String, usize> = BTreeMap::new();
            let mut lagged = 0;
            loop {
                match rx.recv().await {
                    Ok(Event::Message(m)) if m.room_id == room => {
                        *told.entry(m.id).or_default() += 1;
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(n)) => lagged += n,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
            (told, lagged)
        }
    });

    let mut ids = Vec::new();
    for i in 0..N {
        let id = uuid::Uuid::now_v7().to_string();
        api.post(
            &format!("/v1/rooms/{room}/messages"),
            sender.token(),
            json!({"id": id, "body": format!("메시지 {i}")}),
        )
        .await
        .expect(201);
        ids.push(id);
        // Cut B's connection twice mid-stream (the socket and any pull).
        if i == 15 || i == 40 {
            proxy.down();
            tokio::time::sleep(Duration::from_millis(300)).await;
            proxy.up().await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last = ids.last().unwrap().clone();
    eventually(Duration::from_secs(60), "every message at B", || async {
        b.client
            .room(&room)
            .messages(None, 200)
            .await
            .unwrap()
            .len()
            == N
    })
    .await;
    let msgs = b.client.room(&room).messages(None, 200).await.unwrap();
    assert_eq!(seqs(&msgs), (1..=N as i64).collect::<Vec<_>>());
    assert_eq!(msgs.iter().map(|m| m.id.clone()).collect::<Vec<_>>(), ids);
    // The last one was announced (live or pulled), and nothing twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(b.client);
    let (told, lagged) = tokio::time::timeout(Duration::from_secs(5), counter)
        .await
        .expect("the event stream ends with the client")
        .unwrap();
    assert_eq!(lagged, 0, "the event receiver fell behind");
    assert!(told.values().all(|n| *n == 1), "told twice: {told:?}");
    assert!(told.contains_key(&last));
    let missing: Vec<_> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !told.contains_key(*id))
        .collect();
    assert_eq!(
        told.len(),
        N,
        "{} of {N} told; missing {missing:?}",
        told.len()
    );
}

async fn the_connection_reports_its_state_and_backs_off(engine: Engine) {
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &proxy.url()).await.unwrap();
    let mut events = client.subscribe();
    assert_eq!(client.realtime_state(), RealtimeState::Off);
    client
        .sign_up("state@test.kr", "password-state", "state", "상태")
        .await
        .unwrap();
    wait_event(&mut events, LIVE, "Connected", |e| match e {
        Event::Realtime(RealtimeState::Connected) => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(client.realtime_state(), RealtimeState::Connected);

    proxy.down();
    let mut delays = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
    while tokio::time::Instant::now() < deadline {
        let left = deadline - tokio::time::Instant::now();
        let Ok(Ok(e)) = tokio::time::timeout(left, events.recv()).await else {
            break;
        };
        match e {
            Event::Realtime(RealtimeState::Disconnected { retry_in }) => delays.push(retry_in),
            Event::Realtime(RealtimeState::Connected) => panic!("connected while down"),
            _ => {}
        }
    }
    assert!(delays.len() >= 2, "{delays:?}");
    // Full jitter under an exponential cap: 0.5 s, 1 s, 2 s, ...
    for (i, d) in delays.iter().enumerate() {
        let cap = Duration::from_millis(500 * (1 << i.min(6))).min(Duration::from_secs(30));
        assert!(*d <= cap, "attempt {i} waits {d:?} > {cap:?}: {delays:?}");
    }
    // Meanwhile sync falls back to long polling and reports being offline.
    assert!(matches!(
        client.realtime_state(),
        RealtimeState::Disconnected { .. } | RealtimeState::Connecting
    ));

    proxy.up().await;
    client.sync_soon();
    wait_event(
        &mut events,
        Duration::from_secs(40),
        "Connected again",
        |e| match e {
            Event::Realtime(RealtimeState::Connected) => Some(()),
            _ => None,
        },
    )
    .await;
    client.sign_out().await.unwrap();
    assert_eq!(client.realtime_state(), RealtimeState::Off);
}

async fn a_refused_token_is_refreshed_and_the_connection_resumes(engine: Engine) {
    let server = TestServer::start_with(engine, |s| {
        s.jwt_secret = Some("the first signing secret, 32+ bytes long".into());
    })
    .await;
    let proxy = Proxy::start(server.addr).await;
    let a = member(&proxy.url(), "rotate").await;
    let b = member(&proxy.url(), "steady").await;
    let room = direct_room(&a, &b).await;
    connected(&a.client).await;
    let mut events = a.client.subscribe();

    // A new signing key: every access token out there is refused (HTTP 401
    // before the upgrade); the refresh tokens still work.
    let server = server
        .restart_with(|s| {
            s.jwt_secret = Some("a second signing secret, also 32+ bytes".into());
        })
        .await;
    proxy.retarget(server.addr).await;
    wait_event(
        &mut events,
        Duration::from_secs(40),
        "reconnected",
        |e| match e {
            Event::Realtime(RealtimeState::Connected) => Some(()),
            _ => None,
        },
    )
    .await;
    assert!(a.client.status().signed_in);
    connected(&b.client).await;
    let sent = b
        .client
        .room(&room)
        .send("새 키로도 잘 와요", vec![], None)
        .await
        .unwrap();
    wait_event(
        &mut events,
        LIVE,
        "the message after the refresh",
        |e| match e {
            Event::Message(m) if m.id == sent => Some(()),
            _ => None,
        },
    )
    .await;
}

async fn typing_and_read_markers_reach_the_other_member(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let a = member(&url, "typer").await;
    let b = member(&url, "reader").await;
    let room = direct_room(&a, &b).await;
    connected(&a.client).await;
    connected(&b.client).await;
    let mut a_events = a.client.subscribe();
    let mut b_events = b.client.subscribe();

    assert!(a.client.room(&room).typing().await.unwrap());
    // Throttled: one notice every two seconds.
    assert!(!a.client.room(&room).typing().await.unwrap());
    let (who, ttl) = wait_event(&mut b_events, LIVE, "typing at B", |e| match e {
        Event::Typing {
            room_id,
            user_id,
            ttl_ms,
        } if *room_id == room => Some((user_id.clone(), *ttl_ms)),
        _ => None,
    })
    .await;
    assert_eq!(who, a.id);
    assert!(ttl > 0);
    assert_eq!(b.client.room(&room).typing_members(), vec![a.id.clone()]);
    assert!(a.client.room(&room).typing_members().is_empty());

    for i in 1..=3 {
        a.client
            .room(&room)
            .send(&format!("읽어 줘 {i}"), vec![], None)
            .await
            .unwrap();
    }
    eventually(LIVE, "three unread at B", || async {
        b.client
            .rooms()
            .await
            .unwrap()
            .first()
            .is_some_and(|r| r.unread == 3)
    })
    .await;
    // The message stopped the typing indicator.
    assert!(b.client.room(&room).typing_members().is_empty());
    // Reads coalesce and only move forward.
    b.client.room(&room).mark_read(2).await.unwrap();
    b.client.room(&room).mark_read(3).await.unwrap();
    b.client.room(&room).mark_read(1).await.unwrap();
    assert_eq!(b.client.rooms().await.unwrap()[0].unread, 0);
    let seq = wait_event(&mut a_events, LIVE, "B's read marker at A", |e| match e {
        Event::ReadMarker {
            room_id,
            user_id,
            seq,
        } if *room_id == room && *user_id == b.id && *seq == 3 => Some(*seq),
        _ => None,
    })
    .await;
    assert_eq!(seq, 3);
    let at_a = a.client.room(&room).info().await.unwrap();
    let marker = at_a
        .room
        .members
        .iter()
        .find(|m| m.user.id == b.id)
        .unwrap()
        .last_read_seq;
    assert_eq!(marker, 3);
    eventually(LIVE, "B's outbox empty", || async {
        b.client.outbox().items().await.unwrap().is_empty()
    })
    .await;
    let reads = count_where(
        &server,
        &format!(
            "SELECT COUNT(*) FROM mutations WHERE name = 'chat.read' AND user_id = '{}'",
            b.id
        ),
    )
    .await;
    assert!(reads <= 2, "{reads} reads pushed");
}

async fn edits_and_deletes_propagate(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let a = member(&url, "editor").await;
    let b = member(&url, "viewer").await;
    let room = direct_room(&a, &b).await;
    let mut b_events = b.client.subscribe();
    // On a device not sending yet, an edit before the send went out folds
    // into it.
    let a2 = second_device(&url, "editor", false).await;
    a2.client.sync().await.unwrap();
    let m = a2
        .client
        .room(&room)
        .send("오타 있음", vec![], None)
        .await
        .unwrap();
    a2.client.room(&room).edit(&m, "오타 없음").await.unwrap();
    assert_eq!(a2.client.outbox().items().await.unwrap().len(), 1);
    assert_eq!(
        bodies(&a2.client.room(&room).messages(None, 10).await.unwrap()),
        ["오타 없음"]
    );
    a2.client.sync().await.unwrap();
    let got = wait_event(&mut b_events, LIVE, "the message at B", |e| match e {
        Event::Message(x) if x.id == m => Some(x.clone()),
        _ => None,
    })
    .await;
    assert_eq!(got.body, "오타 없음");
    assert_eq!(got.edited_at, None);
    eventually(LIVE, "the message at A's other device", || async {
        a.client.room(&room).messages(None, 10).await.unwrap().len() == 1
    })
    .await;

    a.client.room(&room).edit(&m, "고친 내용").await.unwrap();
    let shown = a.client.room(&room).messages(None, 10).await.unwrap();
    assert_eq!(shown[0].body, "고친 내용");
    let edited = wait_event(&mut b_events, LIVE, "the edit at B", |e| match e {
        Event::MessageChanged(x) if x.id == m && x.body == "고친 내용" => Some(x.clone()),
        _ => None,
    })
    .await;
    assert!(edited.edited_at.is_some());
    // Only one's own messages.
    assert!(b.client.room(&room).edit(&m, "남의 글").await.is_err());

    a.client.room(&room).delete(&m).await.unwrap();
    assert!(a.client.room(&room).messages(None, 10).await.unwrap()[0].deleted);
    let deleted = wait_event(&mut b_events, LIVE, "the delete at B", |e| match e {
        Event::MessageChanged(x) if x.id == m && x.deleted => Some(x.clone()),
        _ => None,
    })
    .await;
    assert!(deleted.body.is_empty());
    let at_b = b.client.room(&room).messages(None, 10).await.unwrap();
    assert_eq!(at_b.len(), 1);
    assert!(at_b[0].deleted);
    assert_eq!(at_b[0].seq, Some(1));

    // A message deleted before it was sent never reaches the server.
    let gone = a2
        .client
        .room(&room)
        .send("보내지 말 것", vec![], None)
        .await
        .unwrap();
    a2.client.room(&room).delete(&gone).await.unwrap();
    assert!(a2.client.outbox().items().await.unwrap().is_empty());
    a2.client.sync().await.unwrap();
    let stored = count_where(
        &server,
        &format!("SELECT COUNT(*) FROM messages WHERE id = '{gone}'"),
    )
    .await;
    assert_eq!(stored, 0);
    let at_a2 = a2.client.room(&room).messages(None, 10).await.unwrap();
    assert_eq!(at_a2.len(), 1);
    assert!(at_a2[0].deleted);
}

async fn a_photo_message_arrives_with_its_media(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let a = member(&url, "camera").await;
    let b = member(&url, "gallery").await;
    let room = direct_room(&a, &b).await;
    let mut b_events = b.client.subscribe();
    let photo = a
        .client
        .media()
        .add_photo(MediaSource::Bytes {
            name: "IMG_1.png".into(),
            bytes: moa_tests::test_png(1200, 800, 7),
        })
        .await
        .unwrap();
    let m = a
        .client
        .room(&room)
        .send("", vec![photo.media_id.clone()], None)
        .await
        .unwrap();
    let shown = a.client.room(&room).messages(None, 10).await.unwrap();
    assert_eq!(shown[0].media, std::slice::from_ref(&photo.media_id));
    let got = wait_event(
        &mut b_events,
        Duration::from_secs(30),
        "the photo at B",
        |e| match e {
            Event::Message(x) if x.id == m => Some(x.clone()),
            _ => None,
        },
    )
    .await;
    assert_eq!(got.media, std::slice::from_ref(&photo.media_id));
    assert!(got.body.is_empty());
    let file = b.client.media().file(&photo.media_id, false).await.unwrap();
    let bytes = tokio::fs::read(file).await.unwrap();
    assert_eq!(moa_media::sha256_hex(&bytes), photo.media_id);
    // Empty without a photo is refused on the device.
    assert!(a.client.room(&room).send("  ", vec![], None).await.is_err());
}

async fn history_is_cached_and_older_pages_load(engine: Engine) {
    const N: i64 = 130;
    let server = TestServer::start(engine).await;
    let api = server.api();
    let url = server.url("");
    let talker: Session = api.signup("talker").await;
    let b = member(&url, "history").await;
    let room = api
        .post(
            "/v1/rooms",
            talker.token(),
            json!({"id": uuid::Uuid::now_v7().to_string(), "kind": "direct", "members": [b.id]}),
        )
        .await
        .expect(201)
        .body["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 1..=N {
        api.post(
            &format!("/v1/rooms/{room}/messages"),
            talker.token(),
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": format!("{i}번째")}),
        )
        .await
        .expect(201);
    }

    // A fresh device: after one sync the newest page is there at once.
    let fresh = second_device(&url, "history", false).await;
    fresh.client.sync().await.unwrap();
    let page = fresh.client.room(&room).messages(None, 50).await.unwrap();
    assert_eq!(seqs(&page), (81..=N).collect::<Vec<_>>());
    assert_eq!(page.last().unwrap().body, format!("{N}번째"));
    let rooms = fresh.client.rooms().await.unwrap();
    assert_eq!(rooms[0].unread, N);
    // Older pages, down to the first message.
    let older = fresh.client.room(&room).load_older(81, 50).await.unwrap();
    assert_eq!(seqs(&older), (31..=80).collect::<Vec<_>>());
    let oldest = fresh.client.room(&room).load_older(31, 50).await.unwrap();
    assert_eq!(seqs(&oldest), (1..=30).collect::<Vec<_>>());
    assert_eq!(oldest[0].body, "1번째");
    assert!(
        fresh
            .client
            .room(&room)
            .load_older(1, 50)
            .await
            .unwrap()
            .is_empty()
    );

    // A device that has pulled nothing fetches history from the server.
    let cold = second_device(&url, "history", false).await;
    let page = cold.client.room(&room).load_older(N + 1, 40).await.unwrap();
    assert_eq!(seqs(&page), ((N - 39)..=N).collect::<Vec<_>>());
    let cached = cold
        .client
        .room(&room)
        .messages(Some(N + 1), 40)
        .await
        .unwrap();
    assert_eq!(cached, page);
}

async fn more_rooms_than_one_pull_holds_are_all_synced(engine: Engine) {
    const ROOMS: usize = moa_protocol::limits::MAX_PULL_BUCKETS + 5;
    let server = TestServer::start(engine).await;
    let api = server.api();
    let url = server.url("");
    let host: Session = api.signup("host").await;
    let b = member(&url, "joiner").await;
    let mut rooms = Vec::new();
    for i in 0..ROOMS {
        let room = api
            .post(
                "/v1/rooms",
                host.token(),
                json!({"id": uuid::Uuid::now_v7().to_string(), "kind": "group",
                       "name": format!("방 {i}"), "members": [b.id]}),
            )
            .await
            .expect(201)
            .body["room"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        api.post(
            &format!("/v1/rooms/{room}/messages"),
            host.token(),
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": format!("{i}번 방 인사")}),
        )
        .await
        .expect(201);
        rooms.push(room);
    }
    let fresh = second_device(&url, "joiner", false).await;
    fresh.client.sync().await.unwrap();
    let listed = fresh.client.rooms().await.unwrap();
    assert_eq!(listed.len(), ROOMS);
    assert!(
        listed
            .iter()
            .all(|r| r.unread == 1 && r.last_message.is_some())
    );
    // Most recently active first.
    assert_eq!(listed[0].room.id, *rooms.last().unwrap());
    for room in &rooms {
        assert_eq!(
            fresh
                .client
                .room(room)
                .messages(None, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    // The live device got them too, without asking.
    eventually(LIVE, "every room on the live device", || async {
        b.client.rooms().await.unwrap().len() == ROOMS
    })
    .await;
}

/// client-core waits on several pulls at once while its socket is down and
/// drops the rest when the first answers; apps close connections at any
/// moment too. Whatever a dropped request was doing, later requests must
/// still work.
///
/// Before fa726c6 this failed on PostgreSQL: a pull dropped while its read
/// transaction's `BEGIN` was in flight returned the pooled connection inside
/// an open transaction (sqlx 0.8.6's Postgres `begin()` is not cancel-safe:
/// transact-rs/sqlx#4393), so later pulls on that connection logged "there
/// is already a transaction in progress" and answered 500 ("SET TRANSACTION
/// ISOLATION LEVEL must be called before any query"). Waiting pulls all
/// wake on one change, so dropping them right after it hits that window.
async fn waiting_pulls_dropped_by_clients_leave_the_server_healthy(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a: Session = api.signup("dropper").await;
    let b: Session = api.signup("poker").await;
    let room = api
        .post(
            "/v1/rooms",
            a.token(),
            json!({"id": uuid::Uuid::now_v7().to_string(), "kind": "direct", "members": [b.user_id]}),
        )
        .await
        .expect(201)
        .body["room"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pull = json!({"buckets": [{"bucket": format!("room:{room}"), "cursor": i64::MAX / 2}], "wait_ms": 20_000});
    let mut failures = Vec::new();
    for round in 0..40u64 {
        let mut waits = Vec::new();
        for _ in 0..8 {
            let (api, token, pull) = (api.clone(), a.access.clone(), pull.clone());
            waits.push(tokio::spawn(async move {
                api.post("/v1/sync/pull", Some(&token), pull).await
            }));
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        // A change wakes every waiting pull; the client goes away meanwhile.
        api.post(
            &format!("/v1/rooms/{room}/messages"),
            b.token(),
            json!({"id": uuid::Uuid::now_v7().to_string(), "body": format!("깨우기 {round}")}),
        )
        .await
        .expect(201);
        tokio::time::sleep(Duration::from_micros(round * 97 % 3000)).await;
        for w in &waits {
            w.abort();
        }
        for _ in 0..20 {
            let r = api
                .post(
                    "/v1/sync/pull",
                    a.token(),
                    json!({"buckets": [{"bucket": format!("room:{room}")}]}),
                )
                .await;
            if r.status != 200 {
                failures.push((round, r.status, r.body.to_string()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} pulls failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
}
