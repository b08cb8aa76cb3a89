//! Chat and the realtime socket end to end, over real sockets, each test on
//! SQLite (in-process fan-out) and PostgreSQL (LISTEN/NOTIFY fan-out):
//! delivery to every member and nobody else, in order; exactly once after
//! lost acknowledgments and reconnects; rooms and members; edits, deletes,
//! read markers, typing, history pages; what outsiders get (403, nothing);
//! malformed and oversized frames; slow consumers; reports and chat photos.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use moa_tests::ws::{Ws, try_connect};
use moa_tests::{Api, Engine, Session, TestServer, both_engines, upload_photo};
use serde_json::{Value, json};

both_engines!(
    delivers_to_members_only_in_order,
    socket_and_rest_sends_reach_others_in_seq_order,
    rest_writes_get_in_while_the_socket_writer_is_quiet,
    a_burst_larger_than_a_batch_has_no_gaps,
    exactly_once_after_lost_acks_and_reconnects,
    outsiders_get_nothing,
    bad_frames_get_error_frames,
    slow_consumer_is_told_to_resync,
    typing_and_read_markers,
    rooms_and_members,
    edits_deletes_and_history,
    chat_through_sync_push_and_pull,
    reports_and_photos,
);

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn start(engine: Engine) -> (TestServer, Api) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    (server, api)
}

async fn group(api: &Api, owner: &Session, others: &[&Session]) -> String {
    let room = id();
    let members: Vec<&str> = others.iter().map(|s| s.user_id.as_str()).collect();
    api.post(
        "/v1/rooms",
        owner.token(),
        json!({"id": room, "kind": "group", "name": "모임", "members": members}),
    )
    .await
    .expect(201);
    room
}

fn base(server: &TestServer) -> String {
    server.url("")
}

/// The socket writer keeps SQLite's write gate while chat is quiet and lets
/// it go when another writer asks: after each acknowledged socket send, a
/// REST write (which needs the gate) still goes through at once, again and
/// again, and a socket send right after it is stored after it.
async fn rest_writes_get_in_while_the_socket_writer_is_quiet(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let room = group(&api, &a, &[&b]).await;
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    let mut last = 0;
    for i in 0..5 {
        wa.say(&room, &format!("소켓 {i}")).await;
        let ack = wa.next_of("ack").await;
        assert_eq!(ack["seq"].as_i64(), Some(last + 1));
        // Quiet now: the writer sits on the gate until someone asks.
        tokio::time::sleep(Duration::from_millis(30)).await;
        let started = std::time::Instant::now();
        let rest = tokio::time::timeout(
            Duration::from_secs(5),
            api.post(
                &format!("/v1/rooms/{room}/messages"),
                Some(&b.access),
                json!({"id": id(), "body": format!("REST {i}")}),
            ),
        )
        .await
        .expect("a REST write waited for a quiet socket writer")
        .expect(201);
        assert_eq!(rest.body["seq"].as_i64(), Some(last + 2));
        last += 2;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "REST write took {:?}",
            started.elapsed()
        );
    }
    server.stop().await;
}

/// Socket sends (the socket writer, which delivers on its own thread) and
/// REST sends (delivered by the fan-out task) into one room at once: a
/// listener hears every message once, in `seq` order.
async fn socket_and_rest_sends_reach_others_in_seq_order(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let c = api.signup("chul").await;
    let room = group(&api, &a, &[&b, &c]).await;
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    let mut wc = Ws::connect(&base(&server), &c.access).await;
    let rest = {
        let api = api.clone();
        let token = b.access.clone();
        let room = room.clone();
        tokio::spawn(async move {
            for i in 0..30 {
                api.post(
                    &format!("/v1/rooms/{room}/messages"),
                    Some(&token),
                    json!({"id": id(), "body": format!("REST {i}")}),
                )
                .await
                .expect(201);
            }
        })
    };
    for i in 0..60 {
        wa.say(&room, &format!("소켓 {i}")).await;
        if i % 4 == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    rest.await.unwrap();
    let mut seqs = Vec::new();
    while seqs.len() < 90 {
        let f = wc.next_of("message").await;
        seqs.push(f["message"]["seq"].as_i64().unwrap());
    }
    assert_eq!(seqs, (1..=90).collect::<Vec<i64>>());
    server.stop().await;
}

async fn delivers_to_members_only_in_order(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let c = api.signup("chul").await;
    let d = api.signup("dami").await;
    let room = group(&api, &a, &[&b, &c]).await;
    let other = group(&api, &d, &[&c]).await;
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    let mut wb = Ws::connect(&base(&server), &b.access).await;
    let mut wb2 = Ws::connect(&base(&server), &b.access).await; // b's second device
    let mut wc = Ws::connect(&base(&server), &c.access).await;
    let mut wd = Ws::connect(&base(&server), &d.access).await;
    assert_eq!(wa.ready["user_id"], a.user_id.as_str());
    assert_eq!(wc.ready["rooms"].as_array().unwrap().len(), 2);

    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(wa.say(&room, &format!("메시지 {i}")).await);
    }
    // Acks in order with seq 1..40.
    for (i, sent) in ids.iter().enumerate() {
        let ack = wa.next_of("ack").await;
        assert_eq!(ack["id"], sent.as_str());
        assert_eq!(ack["seq"], i as i64 + 1);
    }
    for ws in [&mut wb, &mut wb2, &mut wc] {
        for (i, sent) in ids.iter().enumerate() {
            let f = ws.next_of("message").await;
            assert_eq!(f["message"]["id"], sent.as_str());
            assert_eq!(f["message"]["seq"], i as i64 + 1);
            assert_eq!(f["message"]["body"], format!("메시지 {i}"));
            assert_eq!(f["message"]["sender_id"], a.user_id.as_str());
        }
    }
    // A REST send reaches every connection of every member, the sender's too.
    let m = api
        .post(
            &format!("/v1/rooms/{room}/messages"),
            b.token(),
            json!({"id": id(), "body": "REST"}),
        )
        .await
        .expect(201);
    assert_eq!(m.body["seq"], 41);
    for ws in [&mut wa, &mut wb, &mut wb2, &mut wc] {
        assert_eq!(ws.next_of("message").await["message"]["body"], "REST");
    }
    // The sending socket got no copy, d got nothing of this room.
    assert!(
        wa.collect("message", Duration::from_millis(300))
            .await
            .is_empty()
    );
    let leaked = wd.collect("message", Duration::from_millis(300)).await;
    assert!(leaked.is_empty(), "{leaked:?}");
    // d's own room still works for d and c.
    wd.say(&other, "다른 방").await;
    assert_eq!(
        wc.next_of("message").await["message"]["room_id"],
        other.as_str()
    );
    server.stop().await;
}

/// Senders that fire without waiting for acks queue up more than one of the
/// writer's batches holds (2,700 sends in three rooms; large batches are
/// where it saves most): every send is acked once, in its sender's order,
/// and each room's `seq` runs from 1 without gaps.
async fn a_burst_larger_than_a_batch_has_no_gaps(engine: Engine) {
    const EACH: usize = 900; // acks stay under a connection's queue of 1,024
    let (server, api) = start(engine).await;
    let l = api.signup("lee").await;
    let mut senders = Vec::new();
    for name in ["alice", "bora", "chul"] {
        let s = api.signup(name).await;
        let room = group(&api, &s, &[&l]).await;
        senders.push((Ws::connect(&base(&server), &s.access).await, room));
    }
    let sent = futures_util::future::join_all(senders.iter_mut().map(|(ws, room)| async move {
        let mut ids = Vec::with_capacity(EACH);
        for i in 0..EACH {
            ids.push(ws.say(room, &format!("폭주 {i}")).await);
        }
        let mut acked = Vec::with_capacity(EACH);
        for _ in 0..EACH {
            let ack = ws.next_of("ack").await;
            assert_eq!(ack["room_id"], room.as_str());
            acked.push((
                ack["id"].as_str().unwrap().to_owned(),
                ack["seq"].as_i64().unwrap(),
            ));
        }
        (ids, acked)
    }))
    .await;
    let gapless: Vec<i64> = (1..=EACH as i64).collect();
    for (ids, acked) in &sent {
        let ack_ids: Vec<&str> = acked.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ack_ids, ids.iter().map(String::as_str).collect::<Vec<_>>());
        let seqs: Vec<i64> = acked.iter().map(|(_, seq)| *seq).collect();
        assert_eq!(seqs, gapless);
    }
    assert_eq!(server.count("messages").await, (3 * EACH) as i64);
    server.stop().await;
}

async fn exactly_once_after_lost_acks_and_reconnects(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let room = group(&api, &a, &[&b]).await;
    let mut wb = Ws::connect(&base(&server), &b.access).await;
    // Send and drop the connection before reading the ack.
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    let lost = wa.say(&room, "첫 번째").await;
    drop(wa);
    // Reconnect and send the same id again (the client does not know whether
    // it arrived): the same seq comes back, once.
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    wa.send(json!({"type": "send", "room_id": room, "id": lost, "body": "첫 번째"}))
        .await;
    let ack = wa.next_of("ack").await;
    assert_eq!(ack["seq"], 1);
    // And over REST and push too.
    let again = api
        .post(
            &format!("/v1/rooms/{room}/messages"),
            a.token(),
            json!({"id": lost, "body": "첫 번째"}),
        )
        .await
        .expect(200);
    assert_eq!(again.body["seq"], 1);
    let next = wa.say(&room, "두 번째").await;
    assert_eq!(wa.next_of("ack").await["seq"], 2);
    let got = wb.collect("message", Duration::from_millis(800)).await;
    let ids: Vec<&str> = got
        .iter()
        .map(|f| f["message"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [lost.as_str(), next.as_str()]);
    // The same id twice in a row (likely one batch of the writer): one
    // message, two acks with its seq; a refused send beside it changes
    // nothing for the others.
    let twice = id();
    for _ in 0..2 {
        wa.send(json!({"type": "send", "room_id": room, "id": twice, "body": "두 번"}))
            .await;
    }
    let outsider_room = id();
    wa.send(json!({"type": "send", "room_id": outsider_room, "id": id(), "body": "x"}))
        .await;
    let (a1, a2) = (wa.next_of("ack").await, wa.next_of("ack").await);
    assert_eq!(
        (a1["id"].as_str(), a1["seq"].as_i64()),
        (Some(twice.as_str()), Some(3))
    );
    assert_eq!(a2["seq"], 3);
    assert_eq!(wa.next_of("error").await["code"], "forbidden");
    let got = wb.collect("message", Duration::from_millis(500)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["message"]["id"], twice.as_str());
    // A client that reconnects learns each room's head from `ready`.
    drop(wb);
    wa.say(&room, "세 번째").await;
    wa.next_of("ack").await;
    let wb = Ws::connect(&base(&server), &b.access).await;
    assert_eq!(wb.ready["rooms"][0]["last_seq"], 4);
    assert_eq!(server.count("messages").await, 4);
    server.stop().await;
}

async fn outsiders_get_nothing(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let x = api.signup("xeno").await;
    let room = group(&api, &a, &[&b]).await;
    api.post(
        &format!("/v1/rooms/{room}/messages"),
        a.token(),
        json!({"id": id(), "body": "비밀"}),
    )
    .await
    .expect(201);
    // REST: the same 403 for someone else's room and for no room at all.
    for path in [
        format!("/v1/rooms/{room}"),
        format!("/v1/rooms/{room}/messages"),
        format!("/v1/rooms/{}", id()),
    ] {
        api.get(&path, x.token())
            .await
            .expect_error(403, "forbidden");
    }
    api.post(
        &format!("/v1/rooms/{room}/messages"),
        x.token(),
        json!({"id": id(), "body": "끼어들기"}),
    )
    .await
    .expect_error(403, "forbidden");
    api.put(
        &format!("/v1/rooms/{room}/read"),
        x.token(),
        json!({"seq": 1}),
    )
    .await
    .expect_error(403, "forbidden");
    api.put(
        &format!("/v1/rooms/{room}/members/{}", x.user_id),
        x.token(),
        Value::Null,
    )
    .await
    .expect_error(403, "forbidden");
    let pull = api
        .post(
            "/v1/sync/pull",
            x.token(),
            json!({"buckets": [{"bucket": format!("room:{room}"), "cursor": 0}]}),
        )
        .await;
    pull.expect_error(403, "forbidden");
    // Socket: no token, a forged token -> 401 before any upgrade.
    assert!(try_connect(&base(&server), None).await.is_err());
    assert!(
        try_connect(&base(&server), Some("forged.token.here"))
            .await
            .is_err()
    );
    // The outsider's socket cannot send, type or mark read in the room.
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    let mut wx = Ws::connect(&base(&server), &x.access).await;
    let sneaky = wx.say(&room, "끼어들기").await;
    let err = wx.next_of("error").await;
    assert_eq!(err["id"], sneaky.as_str());
    assert_eq!(err["code"], "forbidden");
    wx.send(json!({"type": "typing", "room_id": room})).await;
    assert_eq!(wx.next_of("error").await["code"], "forbidden");
    wx.send(json!({"type": "read", "room_id": room, "seq": 1}))
        .await;
    assert_eq!(wx.next_of("error").await["code"], "forbidden");
    // Members saw none of it; the outsider hears nothing of the room.
    let seen = wa.collect("message", Duration::from_millis(300)).await;
    assert!(seen.is_empty(), "{seen:?}");
    assert!(
        wa.collect("typing", Duration::from_millis(100))
            .await
            .is_empty()
    );
    wa.say(&room, "still private").await;
    assert!(
        wx.collect("message", Duration::from_millis(500))
            .await
            .is_empty()
    );
    assert_eq!(server.count("messages").await, 2);
    server.stop().await;
}

async fn bad_frames_get_error_frames(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let room = group(&api, &a, &[&b]).await;
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    wa.send_text("{not json".into()).await;
    assert_eq!(wa.next_of("error").await["code"], "malformed_json");
    wa.send(json!({"type": "send", "room_id": room, "id": 7, "body": []}))
        .await;
    assert_eq!(wa.next_of("error").await["code"], "invalid_field");
    wa.send(json!({"type": "teleport"})).await;
    assert_eq!(wa.next_of("error").await["code"], "invalid_field");
    wa.send_text(format!(
        r#"{{"type":"send","room_id":"{room}","id":"{}","body":"{}"}}"#,
        id(),
        "가".repeat(30_000)
    ))
    .await;
    assert_eq!(wa.next_of("error").await["code"], "payload_too_large");
    let long = id();
    wa.send(json!({"type": "send", "room_id": room, "id": long, "body": "가".repeat(4_001)}))
        .await;
    let err = wa.next_of("error").await;
    assert_eq!(
        (err["id"].as_str(), err["code"].as_str()),
        (Some(long.as_str()), Some("invalid_field"))
    );
    let empty = id();
    wa.send(json!({"type": "send", "room_id": room, "id": empty, "body": "   "}))
        .await;
    assert_eq!(wa.next_of("error").await["id"], empty.as_str());
    wa.send(json!({"type": "send", "room_id": room, "id": "not-a-uuid", "body": "x"}))
        .await;
    assert_eq!(wa.next_of("error").await["code"], "invalid_field");
    // The connection still works, and 4,000 characters are fine.
    wa.send(json!({"type": "ping"})).await;
    wa.next_of("pong").await;
    wa.say(&room, &"가".repeat(4_000)).await;
    assert_eq!(wa.next_of("ack").await["seq"], 1);
    // A message past the socket's hard limit closes only that connection.
    // (Writing it may fail half-way: the server closes as soon as it knows.)
    wa.try_send_text("x".repeat(2 * 1024 * 1024)).await;
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while wa.next_within(Duration::from_secs(10)).await.is_some() {}
    })
    .await;
    assert!(closed.is_ok(), "the connection is closed");
    let mut again = Ws::connect(&base(&server), &a.access).await;
    again.send(json!({"type": "ping"})).await;
    again.next_of("pong").await;
    assert_eq!(server.count("messages").await, 1);
    server.stop().await;
}

async fn slow_consumer_is_told_to_resync(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let fast = api.signup("fast").await;
    let slow = api.signup("slow").await;
    let room = group(&api, &a, &[&fast, &slow]).await;
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    let mut wf = Ws::connect(&base(&server), &fast.access).await;
    let mut ws = Ws::connect(&base(&server), &slow.access).await; // never reads until the end
    let body = "느".repeat(3_000);
    let n = 3_000;
    let started = std::time::Instant::now();
    let sender = async {
        for _ in 0..n {
            wa.say(&room, &body).await;
        }
        wa
    };
    let receiver = async {
        let mut got = 0;
        while got < n {
            let f = wf.next_of("message").await;
            got += 1;
            assert_eq!(f["message"]["seq"], got);
        }
        wf
    };
    let (_wa, _wf) = tokio::join!(sender, receiver);
    let fast_took = started.elapsed();
    // The slow one was dropped from live delivery and is told so.
    let frames = ws.collect("resync", Duration::from_secs(20)).await;
    assert!(!frames.is_empty(), "a resync frame after the queued ones");
    // It catches up by pulling, then resumes live delivery.
    ws.send(json!({"type": "resume"})).await;
    api.post(
        &format!("/v1/rooms/{room}/messages"),
        a.token(),
        json!({"id": id(), "body": "다시"}),
    )
    .await
    .expect(201);
    let live = ws.next_of("message").await;
    assert_eq!(live["message"]["body"], "다시");
    let page = api
        .get(&format!("/v1/rooms/{room}/messages?limit=1"), slow.token())
        .await
        .expect(200);
    assert_eq!(page.body["items"][0]["seq"], n + 1);
    assert!(
        fast_took < Duration::from_secs(60),
        "the fast member was not held up: {fast_took:?}"
    );
    server.stop().await;
}

async fn typing_and_read_markers(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let room = group(&api, &a, &[&b]).await;
    let mut wa = Ws::connect(&base(&server), &a.access).await;
    let mut wb = Ws::connect(&base(&server), &b.access).await;
    wa.send(json!({"type": "typing", "room_id": room})).await;
    let t = wb.next_of("typing").await;
    assert_eq!(t["user_id"], a.user_id.as_str());
    assert!(t["ttl_ms"].as_i64().unwrap() > 1000);
    assert!(
        wa.collect("typing", Duration::from_millis(300))
            .await
            .is_empty()
    );
    for i in 0..3 {
        wa.say(&room, &format!("{i}")).await;
        wa.next_of("ack").await;
    }
    let list = api.get("/v1/rooms", b.token()).await.expect(200);
    assert_eq!(list.body["items"][0]["unread"], 3);
    assert_eq!(list.body["items"][0]["last_message"]["body"], "2");
    let mine = api.get("/v1/rooms", a.token()).await.expect(200);
    assert_eq!(
        mine.body["items"][0]["unread"], 0,
        "one's own messages are read"
    );
    wb.send(json!({"type": "read", "room_id": room, "seq": 2}))
        .await;
    let r = wa.next_of("read").await;
    assert_eq!(
        (r["user_id"].as_str(), r["seq"].as_i64()),
        (Some(b.user_id.as_str()), Some(2))
    );
    // Markers never move back; past the end is refused.
    api.put(
        &format!("/v1/rooms/{room}/read"),
        b.token(),
        json!({"seq": 1}),
    )
    .await
    .expect(204);
    api.put(
        &format!("/v1/rooms/{room}/read"),
        b.token(),
        json!({"seq": 9}),
    )
    .await
    .expect_error(422, "invalid_field");
    let list = api.get("/v1/rooms", b.token()).await.expect(200);
    assert_eq!(list.body["items"][0]["unread"], 1);
    api.put(
        &format!("/v1/rooms/{room}/mute"),
        b.token(),
        json!({"muted": true}),
    )
    .await
    .expect(204);
    let list = api.get("/v1/rooms", b.token()).await.expect(200);
    assert_eq!(list.body["items"][0]["muted"], true);
    server.stop().await;
}

async fn rooms_and_members(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let c = api.signup("chul").await;
    // One direct room per pair, whoever starts it.
    let first = api
        .post(
            "/v1/rooms",
            a.token(),
            json!({"id": id(), "kind": "direct", "members": [b.user_id]}),
        )
        .await
        .expect(201);
    let again = api
        .post(
            "/v1/rooms",
            b.token(),
            json!({"id": id(), "kind": "direct", "members": [a.user_id]}),
        )
        .await
        .expect(200);
    assert_eq!(again.body["created"], false);
    assert_eq!(again.body["room"]["id"], first.body["room"]["id"]);
    api.post(
        "/v1/rooms",
        a.token(),
        json!({"id": id(), "kind": "direct", "members": [b.user_id, c.user_id]}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        "/v1/rooms",
        a.token(),
        json!({"id": id(), "kind": "group", "name": "", "members": []}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        "/v1/rooms",
        a.token(),
        json!({"id": id(), "kind": "group", "name": "x", "members": [id()]}),
    )
    .await
    .expect_error(422, "invalid_field");
    let direct = first.body["room"]["id"].as_str().unwrap().to_owned();
    api.put(
        &format!("/v1/rooms/{direct}/members/{}", c.user_id),
        a.token(),
        Value::Null,
    )
    .await
    .expect_error(422, "invalid_field");

    let room = group(&api, &a, &[&b]).await;
    let mut wc = Ws::connect(&base(&server), &c.access).await;
    let mut wb = Ws::connect(&base(&server), &b.access).await;
    // b (not the owner) invites c: c's socket hears of the room and then its messages.
    let r = api
        .put(
            &format!("/v1/rooms/{room}/members/{}", c.user_id),
            b.token(),
            Value::Null,
        )
        .await
        .expect(200);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 3);
    assert_eq!(wc.next_of("room").await["room_id"], room.as_str());
    api.post(
        &format!("/v1/rooms/{room}/messages"),
        a.token(),
        json!({"id": id(), "body": "환영"}),
    )
    .await
    .expect(201);
    assert_eq!(wc.next_of("message").await["message"]["body"], "환영");
    // Only the owner renames, removes others, transfers.
    api.patch(
        &format!("/v1/rooms/{room}"),
        b.token(),
        json!({"name": "내 방"}),
    )
    .await
    .expect_error(403, "forbidden");
    api.delete(
        &format!("/v1/rooms/{room}/members/{}", c.user_id),
        b.token(),
        None,
    )
    .await
    .expect_error(403, "forbidden");
    let renamed = api
        .patch(
            &format!("/v1/rooms/{room}"),
            a.token(),
            json!({"name": "새 이름"}),
        )
        .await
        .expect(200);
    assert_eq!(renamed.body["name"], "새 이름");
    assert_eq!(wb.next_of("room").await["room_id"], room.as_str());
    api.delete(
        &format!("/v1/rooms/{room}/members/{}", c.user_id),
        a.token(),
        None,
    )
    .await
    .expect(204);
    assert_eq!(wc.next_of("room").await["room_id"], room.as_str());
    api.get(&format!("/v1/rooms/{room}"), c.token())
        .await
        .expect_error(403, "forbidden");
    api.post(
        &format!("/v1/rooms/{room}/messages"),
        a.token(),
        json!({"id": id(), "body": "after"}),
    )
    .await
    .expect(201);
    assert!(
        wc.collect("message", Duration::from_millis(500))
            .await
            .is_empty()
    );
    // Transfer, then the new owner's rules apply; an owner who leaves hands over.
    let t = api
        .post(
            &format!("/v1/rooms/{room}/owner"),
            a.token(),
            json!({"user_id": b.user_id}),
        )
        .await
        .expect(200);
    assert_eq!(t.body["owner_id"], b.user_id.as_str());
    api.patch(
        &format!("/v1/rooms/{room}"),
        a.token(),
        json!({"name": "no"}),
    )
    .await
    .expect_error(403, "forbidden");
    api.delete(
        &format!("/v1/rooms/{room}/members/{}", b.user_id),
        b.token(),
        None,
    )
    .await
    .expect(204);
    let left = api
        .get(&format!("/v1/rooms/{room}"), a.token())
        .await
        .expect(200);
    assert_eq!(left.body["owner_id"], a.user_id.as_str());
    // The member's own bucket shows the room it is in, and a tombstone once gone.
    let pull = api
        .post(
            "/v1/sync/pull",
            b.token(),
            json!({"buckets": [{"bucket": format!("user:{}", b.user_id), "cursor": 0}]}),
        )
        .await
        .expect(200);
    let changes = pull.body["buckets"][0]["changes"]
        .as_array()
        .unwrap()
        .clone();
    let about = |rid: &str| {
        changes
            .iter()
            .find(|c| c["entity"] == "room" && c["id"] == rid)
            .cloned()
    };
    assert_eq!(about(&room).unwrap()["op"], "delete");
    assert_eq!(about(&direct).unwrap()["op"], "upsert");
    server.stop().await;
}

async fn edits_deletes_and_history(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let room = group(&api, &a, &[&b]).await;
    let mut ids = Vec::new();
    for i in 1..=120 {
        let mid = id();
        api.post(
            &format!("/v1/rooms/{room}/messages"),
            a.token(),
            json!({"id": mid, "body": format!("#{i}")}),
        )
        .await
        .expect(201);
        ids.push(mid);
    }
    let mut wb = Ws::connect(&base(&server), &b.access).await;
    // Only the sender edits and deletes.
    api.patch(
        &format!("/v1/rooms/{room}/messages/{}", ids[0]),
        b.token(),
        json!({"body": "hacked"}),
    )
    .await
    .expect_error(403, "not_author");
    let edited = api
        .patch(
            &format!("/v1/rooms/{room}/messages/{}", ids[0]),
            a.token(),
            json!({"body": "고침"}),
        )
        .await
        .expect(200);
    assert!(edited.body["edited_at"].is_i64());
    let f = wb.next_of("message").await;
    assert_eq!(
        (f["message"]["seq"].as_i64(), f["message"]["body"].as_str()),
        (Some(1), Some("고침"))
    );
    api.delete(
        &format!("/v1/rooms/{room}/messages/{}", ids[1]),
        b.token(),
        None,
    )
    .await
    .expect_error(403, "not_author");
    api.delete(
        &format!("/v1/rooms/{room}/messages/{}", ids[1]),
        a.token(),
        None,
    )
    .await
    .expect(204);
    let f = wb.next_of("message").await;
    assert_eq!(f["message"]["deleted"], true);
    assert_eq!(f["message"]["body"], "");
    api.delete(
        &format!("/v1/rooms/{room}/messages/{}", ids[1]),
        a.token(),
        None,
    )
    .await
    .expect_error(404, "not_found");
    // History pages backwards by seq, tombstones in place.
    let mut seqs = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let path = match before {
            Some(s) => format!("/v1/rooms/{room}/messages?before={s}&limit=50"),
            None => format!("/v1/rooms/{room}/messages?limit=50"),
        };
        let page = api.get(&path, b.token()).await.expect(200);
        for m in page.body["items"].as_array().unwrap() {
            seqs.push(m["seq"].as_i64().unwrap());
            if m["seq"] == 2 {
                assert_eq!(m["deleted"], true);
            }
        }
        match page.body["next_before"].as_i64() {
            Some(s) => before = Some(s),
            None => break,
        }
    }
    assert_eq!(seqs, (1..=120).rev().collect::<Vec<i64>>());
    server.stop().await;
}

async fn chat_through_sync_push_and_pull(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let room = id();
    let mut wb = Ws::connect(&base(&server), &b.access).await;
    let msg = id();
    let push = json!({"mutations": [
        {"id": id(), "name": "chat.create_room", "args": {"id": room, "kind": "group", "name": "오프라인", "members": [b.user_id]}},
        {"id": id(), "name": "chat.send", "args": {"room_id": room, "id": msg, "body": "밀린 메시지"}},
    ]});
    let out = api
        .post("/v1/sync/push", a.token(), push.clone())
        .await
        .expect(200);
    assert_eq!(out.body["results"][1]["result"]["seq"], 1, "{}", out.body);
    // Replaying the push changes nothing.
    api.post("/v1/sync/push", a.token(), push).await.expect(200);
    assert_eq!(wb.next_of("room").await["room_id"], room.as_str());
    assert_eq!(wb.next_of("message").await["message"]["id"], msg.as_str());
    assert_eq!(server.count("messages").await, 1);
    let read = json!({"mutations": [{"id": id(), "name": "chat.read", "args": {"room_id": room, "seq": 1}}]});
    api.post("/v1/sync/push", b.token(), read).await.expect(200);
    let pull = api
        .post(
            "/v1/sync/pull",
            b.token(),
            json!({"buckets": [{"bucket": format!("room:{room}"), "cursor": 0}]}),
        )
        .await
        .expect(200);
    let changes = pull.body["buckets"][0]["changes"].as_array().unwrap();
    let entities: Vec<&str> = changes
        .iter()
        .map(|c| c["entity"].as_str().unwrap())
        .collect();
    assert!(
        entities.contains(&"room") && entities.contains(&"message") && entities.contains(&"read"),
        "{entities:?}"
    );
    server.stop().await;
}

async fn reports_and_photos(engine: Engine) {
    let (server, api) = start(engine).await;
    let a = api.signup("alice").await;
    let b = api.signup("bora").await;
    let x = api.signup("xeno").await;
    let room = group(&api, &a, &[&b]).await;
    let photo = upload_photo(&api, &a, 7).await;
    // Someone else's upload cannot be attached.
    api.post(
        &format!("/v1/rooms/{room}/messages"),
        b.token(),
        json!({"id": id(), "body": "", "media": [photo]}),
    )
    .await
    .expect_error(422, "invalid_field");
    let m = api
        .post(
            &format!("/v1/rooms/{room}/messages"),
            a.token(),
            json!({"id": id(), "body": "", "media": [photo]}),
        )
        .await
        .expect(201);
    let mid = m.body["id"].as_str().unwrap().to_owned();
    // Room members fetch it, privately cached; outsiders get 404.
    let got = api
        .get(&format!("/v1/media/{photo}"), b.token())
        .await
        .expect(200);
    assert!(
        got.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("private")
    );
    api.get(&format!("/v1/media/{photo}"), x.token())
        .await
        .expect_error(404, "not_found");
    api.get(&format!("/v1/media/{photo}"), None)
        .await
        .expect_error(404, "not_found");
    // Members report messages; moderators see the message inline.
    api.post(
        "/v1/reports",
        x.token(),
        json!({"target_type": "message", "target_id": mid, "reason": "spam"}),
    )
    .await
    .expect_error(404, "not_found");
    api.post(
        "/v1/reports",
        b.token(),
        json!({"target_type": "message", "target_id": mid, "reason": "spam"}),
    )
    .await
    .expect(201);
    let moderator =
        moa_tests::account_with_role(&server, "moder", moa_protocol::Role::Moderator).await;
    let queue = api
        .get("/v1/admin/reports", moderator.token())
        .await
        .expect(200);
    let group = queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["target_id"] == mid.as_str())
        .expect("the message's group")
        .clone();
    assert_eq!(group["content"]["room_id"], room.as_str());
    server.stop().await;
}
