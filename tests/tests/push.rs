//! Push notifications end to end, on both engines, through the real FCM
//! and APNs adapters to local fakes that check their JWTs (RS256 assertion
//! exchanged for an access token, ES256 provider token over HTTP/2):
//! phones registered and forgotten (sign-out, dead tokens, another member
//! taking the token, bad input), notifications pushed in Korean only while
//! the member has no live socket, muted kinds never pushed, chat collapsed
//! per room with or without previews, and an outage retried; a node that
//! stops takes its members' live rows with it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::Duration;

use moa_server::push::fake::{Delivered, FakePush};
use moa_tests::ws::Ws;
use moa_tests::{Engine, Session, TestServer, both_engines};
use serde_json::{Value, json};

both_engines!(
    phones_are_registered_and_forgotten,
    notifications_reach_phones_only_while_offline,
    chat_is_collapsed_per_room_and_outages_are_retried,
    the_client_registers_its_phone_and_chooses_what_comes,
    a_stopping_node_forgets_its_live_sockets,
);

const ANDROID: &str = "fcm-token-alice:APA91bH_example";
const IPHONE: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

async fn fake() -> FakePush {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/push");
    let fcm = std::fs::read_to_string(format!("{dir}/fcm-test-key.pem")).unwrap();
    let apns = std::fs::read_to_string(format!("{dir}/apns-test-key.p8")).unwrap();
    FakePush::start(&fcm, &apns, "127.0.0.1:0").await.unwrap()
}

async fn with_push(engine: Engine, fake: &FakePush) -> TestServer {
    let settings = fake.settings();
    TestServer::start_with(engine, |s| {
        s.push = settings;
        s.job_poll = Duration::from_millis(50);
    })
    .await
}

async fn register(
    server: &TestServer,
    who: &Session,
    platform: &str,
    token: &str,
) -> moa_tests::Reply {
    server
        .api()
        .post(
            "/v1/devices",
            Some(&who.access),
            json!({"platform": platform, "token": token}),
        )
        .await
}

/// Waits (up to 5 s) until `server` holds `n` live-socket rows; answers
/// how many it holds.
async fn live_rows(server: &TestServer, n: i64) -> i64 {
    for _ in 0..100 {
        if server.count("live_sockets").await == n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.count("live_sockets").await
}

/// Waits until `fake` has accepted `n` pushes in all; answers them.
async fn delivered(fake: &FakePush, n: usize) -> Vec<Delivered> {
    for _ in 0..200 {
        let got = fake.delivered();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "waited for {n} pushes, got {:?} (refused: {:?})",
        fake.delivered(),
        fake.refused()
    );
}

/// Waits until no push job is left to run.
async fn jobs_done(server: &TestServer) {
    for _ in 0..200 {
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'push' AND done_at IS NULL")
                .fetch_one(server.state.db.read())
                .await
                .unwrap();
        if left == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("push jobs never finished");
}

async fn phones_are_registered_and_forgotten(engine: Engine) {
    let fake = fake().await;
    let server = with_push(engine, &fake).await;
    let api = server.api();
    let alice = api.signup("alice").await;
    let bob = api.signup("bobby").await;

    let first = register(&server, &alice, "android", ANDROID)
        .await
        .expect(201);
    assert_eq!(first.body["platform"], "android");
    let id = first.body["id"].as_str().unwrap().to_owned();
    // The same token again: the same device.
    let again = register(&server, &alice, "android", ANDROID)
        .await
        .expect(200);
    assert_eq!(again.body["id"], id.as_str());
    register(&server, &alice, "ios", IPHONE).await.expect(201);
    assert_eq!(server.count("devices").await, 2);

    // Bad input: refused, nothing stored.
    for (platform, token) in [
        (json!("windows"), json!("t")),
        (json!("android"), json!("")),
        (json!("android"), json!("two words")),
        (json!("android"), json!("x".repeat(5000))),
        (json!("ios"), json!(42)),
    ] {
        api.post(
            "/v1/devices",
            Some(&bob.access),
            json!({"platform": platform, "token": token}),
        )
        .await
        .expect(422);
    }
    api.post(
        "/v1/devices",
        None,
        json!({"platform": "android", "token": "t"}),
    )
    .await
    .expect(401);
    assert_eq!(server.count("devices").await, 2);

    // Another member's device cannot be removed by id.
    api.delete(&format!("/v1/devices/{id}"), bob.token(), None)
        .await
        .expect_error(404, "not_found");
    // A phone that changes hands moves to whoever registered it last.
    let moved = register(&server, &bob, "android", ANDROID)
        .await
        .expect(200);
    assert_eq!(moved.body["id"], id.as_str());
    api.delete(&format!("/v1/devices/{id}"), alice.token(), None)
        .await
        .expect(404);
    api.delete(&format!("/v1/devices/{id}"), bob.token(), None)
        .await
        .expect(204);
    assert_eq!(server.count("devices").await, 1);

    // Signing out forgets the phones that session registered.
    api.post("/v1/auth/logout", alice.token(), json!({}))
        .await
        .expect(204);
    assert_eq!(server.count("devices").await, 0);
}

async fn notifications_reach_phones_only_while_offline(engine: Engine) {
    let fake = fake().await;
    let server = with_push(engine, &fake).await;
    let api = server.api();
    let alice = api.signup("alice").await;
    let bob = api.signup("bobby").await;
    register(&server, &alice, "android", ANDROID)
        .await
        .expect(201);
    register(&server, &alice, "ios", IPHONE).await.expect(201);

    // Offline: a follow reaches both phones, in Korean.
    api.put(
        &format!("/v1/users/{}/follow", alice.user_id),
        bob.token(),
        json!({}),
    )
    .await
    .expect(200);
    let got = delivered(&fake, 2).await;
    let mut platforms: Vec<&str> = got.iter().map(|d| d.platform).collect();
    platforms.sort_unstable();
    assert_eq!(platforms, ["android", "ios"]);
    for d in &got {
        assert_eq!(d.title, "새 팔로워");
        assert!(d.body.contains("팔로우해요"), "{d:?}");
        assert_eq!(d.data["kind"], "follow", "{d:?}");
    }
    assert!(got.iter().any(|d| d.token == ANDROID) && got.iter().any(|d| d.token == IPHONE));
    assert!(fake.refused().is_empty(), "{:?}", fake.refused());

    // Online (a socket open): nothing is pushed.
    let review = api
        .post(
            "/v1/reviews",
            alice.token(),
            json!({"kind": "snap", "body": "오늘의 빵"}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ws = Ws::connect(&server.url(""), &alice.access).await;
    api.put(
        &format!("/v1/reviews/{review}/like"),
        bob.token(),
        json!({}),
    )
    .await
    .expect(200);
    jobs_done(&server).await;
    assert_eq!(fake.delivered().len(), 2, "pushed while a socket was open");

    // The socket closed: the next one is pushed again.
    drop(ws);
    live_rows(&server, 0).await;
    api.post(
        &format!("/v1/reviews/{review}/comments"),
        bob.token(),
        json!({"body": "맛있겠다!"}),
    )
    .await
    .expect(201);
    let got = delivered(&fake, 4).await;
    let comment: Vec<&Delivered> = got[2..].iter().collect();
    for d in &comment {
        assert!(d.title.contains("댓글"), "{d:?}");
        assert_eq!(d.body, "맛있겠다!");
    }
    // One access token served every FCM send so far.
    assert_eq!(fake.token_exchanges(), 1);

    // A muted kind is neither stored nor pushed.
    api.put(
        "/v1/notifications/settings",
        alice.token(),
        json!({"muted": ["comment"]}),
    )
    .await
    .expect(200);
    api.post(
        &format!("/v1/reviews/{review}/comments"),
        bob.token(),
        json!({"body": "또 댓글"}),
    )
    .await
    .expect(201);
    jobs_done(&server).await;
    assert_eq!(fake.delivered().len(), 4);

    // An uninstalled app: its device is forgotten, the other still gets it.
    fake.kill_token(ANDROID);
    api.delete(
        &format!("/v1/users/{}/follow", alice.user_id),
        bob.token(),
        None,
    )
    .await
    .expect(200);
    let carol = api.signup("carol").await;
    api.put(
        &format!("/v1/users/{}/follow", alice.user_id),
        carol.token(),
        json!({}),
    )
    .await
    .expect(200);
    let got = delivered(&fake, 5).await;
    assert_eq!(got[4].token, IPHONE);
    jobs_done(&server).await;
    let left: Vec<String> = sqlx::query_scalar("SELECT token FROM devices")
        .fetch_all(server.state.db.read())
        .await
        .unwrap();
    assert_eq!(left, [IPHONE]);
}

async fn chat_is_collapsed_per_room_and_outages_are_retried(engine: Engine) {
    let fake = fake().await;
    let server = with_push(engine, &fake).await;
    let api = server.api();
    let alice = api.signup("alice").await;
    let bob = api.signup("bobby").await;
    register(&server, &alice, "ios", IPHONE).await.expect(201);
    let room = uuid::Uuid::now_v7().to_string();
    api.post(
        "/v1/rooms",
        bob.token(),
        json!({"id": room, "kind": "group", "name": "빵 모임", "members": [alice.user_id]}),
    )
    .await
    .expect(201);
    let send = |body: &'static str| {
        let api = api.clone();
        let token = bob.access.clone();
        let room = room.clone();
        async move {
            api.post(
                &format!("/v1/rooms/{room}/messages"),
                Some(&token),
                json!({"id": uuid::Uuid::now_v7().to_string(), "body": body}),
            )
            .await
            .expect(201);
        }
    };
    // A burst: one push for the room, the last message and how many more.
    send("안녕하세요").await;
    send("내일 몇 시에 만나요?").await;
    send("성수역 3번 출구 어때요").await;
    let got = delivered(&fake, 1).await;
    jobs_done(&server).await;
    let got_after = fake.delivered();
    assert_eq!(got_after.len(), 1, "collapsed into one push: {got_after:?}");
    let d = &got[0];
    assert!(d.title.contains("빵 모임"), "{d:?}");
    assert_eq!(d.body, "성수역 3번 출구 어때요 (+2)");
    assert_eq!(d.collapse.as_deref(), Some(format!("room:{room}").as_str()));
    assert_eq!(d.data["room_id"], room.as_str());

    // Without previews: only how many.
    let settings = api
        .put(
            "/v1/notifications/settings",
            alice.token(),
            json!({"muted": [], "chat_previews": false}),
        )
        .await
        .expect(200);
    assert_eq!(settings.body["chat_previews"], false);
    // The next window.
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(moa_server::push::CHAT_WINDOW_MS).unwrap(),
    ))
    .await;
    // An outage first: the job is retried until it goes.
    fake.fail_next(1);
    send("비밀 이야기").await;
    let got = delivered(&fake, 2).await;
    let d: &Value = &json!({"title": got[1].title, "body": got[1].body});
    assert_eq!(d["body"], "새 메시지 4개");
    assert!(!got[1].body.contains("비밀"));

    let settings_now = api
        .get("/v1/notifications/settings", alice.token())
        .await
        .expect(200);
    assert_eq!(settings_now.body["chat_previews"], false);

    // Sent over the socket (the socket writer's own path on SQLite), in the
    // next window: the push goes too.
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(moa_server::push::CHAT_WINDOW_MS).unwrap(),
    ))
    .await;
    let mut ws = Ws::connect(&server.url(""), &bob.access).await;
    ws.say(&room, "소켓으로 보낸 말").await;
    assert_eq!(ws.next_of("ack").await["room_id"], room.as_str());
    let got = delivered(&fake, 3).await;
    assert_eq!(got[2].body, "새 메시지 5개", "{got:?}");
}

async fn the_client_registers_its_phone_and_chooses_what_comes(engine: Engine) {
    use moa_protocol::{NotificationKind, NotificationSettings, PushPlatform};
    let fake = fake().await;
    let server = with_push(engine, &fake).await;
    let (client, _dir) = moa_tests::open_client(&server.url("")).await;
    client
        .sign_up("ara@test.kr", "password-ara", "ara", "아라")
        .await
        .unwrap();
    // Refused on the device.
    let e = client
        .register_push_token(PushPlatform::Ios, " ")
        .await
        .unwrap_err();
    assert!(matches!(e, moa_client_core::Error::Invalid { .. }), "{e:?}");
    // Nothing registered: unregistering is a no-op.
    client.unregister_push_token().await.unwrap();

    let first = client
        .register_push_token(PushPlatform::Android, "token-1")
        .await
        .unwrap();
    let again = client
        .register_push_token(PushPlatform::Android, "token-1")
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    // A new token for this phone replaces the old one.
    let renewed = client
        .register_push_token(PushPlatform::Android, "token-2")
        .await
        .unwrap();
    assert_ne!(renewed.id, first.id);
    let tokens: Vec<String> = sqlx::query_scalar("SELECT token FROM devices")
        .fetch_all(server.state.db.read())
        .await
        .unwrap();
    assert_eq!(tokens, ["token-2"]);

    let prefs = client.notification_settings().await.unwrap();
    assert_eq!(prefs, NotificationSettings::default());
    let saved = client
        .set_notification_settings(NotificationSettings {
            muted: vec![NotificationKind::Like, NotificationKind::Follow],
            chat_previews: false,
        })
        .await
        .unwrap();
    assert_eq!(
        saved.muted,
        [NotificationKind::Like, NotificationKind::Follow]
    );
    assert!(!saved.chat_previews);

    client.unregister_push_token().await.unwrap();
    assert_eq!(server.count("devices").await, 0);
    client
        .register_push_token(PushPlatform::Android, "token-3")
        .await
        .unwrap();
    // Signing out stops the pushes.
    client.sign_out().await.unwrap();
    assert_eq!(server.count("devices").await, 0);
}

/// A node that stops closes its sockets: their live rows go before its
/// database does, so its members are pushed to again at once (not after
/// the rows age out).
async fn a_stopping_node_forgets_its_live_sockets(engine: Engine) {
    let server = TestServer::start(engine).await;
    let alice = server.api().signup("alice").await;
    let ws = Ws::connect(&server.url(""), &alice.access).await;
    assert_eq!(live_rows(&server, 1).await, 1, "the socket is live");
    let server = server.restart().await;
    assert_eq!(
        server.count("live_sockets").await,
        0,
        "the stopped node's live row is gone"
    );
    drop(ws);
}
