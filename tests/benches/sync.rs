//! Sync benchmarks (issue 4), client-core against a real server on loopback:
//!
//! 1. Cold sync: a member with 10k own items (4,000 reviews, 3,000 comments,
//!    2,000 likes, 1,000 scraps) and 5 chat rooms of 2,000 messages each
//!    signs in on a fresh device; time to caught up and bytes on the wire
//!    (through a counting TCP proxy; gzip on). Targets: ≤ 1.5 s, ≤ 5 MB.
//! 2. Edit on device A visible on device B, both online with background
//!    sync (long-polling pulls): p50/p99 over 200 edits. Target p99 ≤ 100 ms.
//! 3. A feed page read from the cache: p50/p99 over 2,000 reads. Target ≤ 2 ms.
//!
//! Run: `./scripts/bench-sync` (release build; SQLite, plus PostgreSQL when
//! `MOA_TEST_POSTGRES_URL` is set, which the script does).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a bench binary

use std::time::{Duration, Instant};

use moa_client_core::{Event, FeedTab, ReviewChanges, Topic};
use moa_protocol::chat::args;
use moa_protocol::limits::MAX_PUSH_MUTATIONS;
use moa_protocol::sync::{Mutation, PushRequest};
use moa_protocol::{
    CreateCommentRequest, CreateReviewRequest, CreateRoomRequest, Op, ReviewKind, Role, RoomKind,
    SendMessageRequest,
};
use moa_server::extract::Member;
use moa_server::social::service::Target;
use moa_server::{comments, reviews, social};
use moa_tests::proxy::Proxy;
use moa_tests::{Engine, TestServer};

const REVIEWS: usize = 4_000;
const COMMENTS: usize = 3_000;
const LIKES: usize = 2_000;
const SCRAPS: usize = 1_000;
const ROOMS: usize = 5;
const MESSAGES_PER_ROOM: usize = 2_000;
const EDITS: usize = 200;
const READS: usize = 2_000;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn seed(server: &TestServer, user_id: &str) {
    let actor = Member {
        user_id: user_id.to_owned(),
        session_id: String::new(),
        role: Role::Member,
        suspended_until: None,
    };
    let mut tx = server.state.db.begin_write().await.unwrap();
    let now = 1_790_000_000_000_i64;
    let mut ids = Vec::with_capacity(REVIEWS);
    for i in 0..REVIEWS {
        let id = uuid::Uuid::now_v7().to_string();
        let req = CreateReviewRequest {
            id: Some(id.clone()),
            kind: ReviewKind::Story,
            title: format!("성수동 카페 탐방 {i}"),
            body: format!(
                "오늘은 성수동의 작은 카페에 다녀왔습니다. 라떼가 부드럽고 창가 자리가 \
                 따뜻했어요. 디저트는 조금 달았지만 다시 가고 싶은 곳입니다. 기록 {i}번."
            ),
            photos: vec![],
            subject: None,
            rating: Some(1 + (i % 5) as i64),
            tags: vec!["카페".into(), "성수".into()],
            official: false,
        };
        reviews::service::create(&mut tx, &actor, &req, now + i as i64)
            .await
            .unwrap();
        ids.push(id);
    }
    for i in 0..COMMENTS {
        let req = CreateCommentRequest {
            id: Some(uuid::Uuid::now_v7().to_string()),
            body: format!("저도 가봤는데 좋았어요! 댓글 {i}"),
            parent_id: None,
        };
        comments::service::create(&mut tx, &actor, &ids[i % REVIEWS], &req, now + i as i64)
            .await
            .unwrap();
    }
    for id in ids.iter().take(LIKES) {
        social::service::like(&mut tx, &actor, Target::Review, id, now)
            .await
            .unwrap();
    }
    for id in ids.iter().skip(LIKES).take(SCRAPS) {
        social::service::scrap(&mut tx, &actor, id, now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

use moa_tests::open_client_at as client;

/// Five group rooms with a friend, 2,000 messages each, pushed through the
/// sync endpoint as typed ops (the wire form every client sends).
async fn seed_chat(server: &TestServer, member: &moa_tests::Session) -> Vec<String> {
    let api = server.api();
    let friend = api.signup("friend").await;
    let mut ops = Vec::new();
    let mut rooms = Vec::new();
    for r in 0..ROOMS {
        let room_id = uuid::Uuid::now_v7().to_string();
        ops.push(Op::ChatCreateRoom(CreateRoomRequest {
            id: room_id.clone(),
            kind: RoomKind::Group,
            name: Some(format!("성수 모임 {r}")),
            photo_media_id: None,
            members: vec![friend.user_id.clone()],
        }));
        for i in 0..MESSAGES_PER_ROOM {
            ops.push(Op::ChatSend(args::Send {
                room_id: room_id.clone(),
                message: SendMessageRequest {
                    id: uuid::Uuid::now_v7().to_string(),
                    body: format!("토요일 두 시에 성수역 3번 출구에서 만나요! 메시지 {i}"),
                    media: vec![],
                    reply_to: None,
                },
            }));
        }
        rooms.push(room_id);
    }
    for chunk in ops.chunks(MAX_PUSH_MUTATIONS) {
        let mutations = chunk
            .iter()
            .map(|op| Mutation::new(uuid::Uuid::now_v7().to_string(), op).unwrap())
            .collect();
        let body = serde_json::to_value(PushRequest { mutations }).unwrap();
        let reply = api
            .post("/v1/sync/push", member.token(), body)
            .await
            .expect(200);
        let applied = reply.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "applied");
        assert!(applied, "{}", reply.body);
    }
    rooms
}

async fn cold_sync(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let member = api.signup("bench").await;
    let started = Instant::now();
    seed(&server, &member.user_id).await;
    // MOA_BENCH_CHAT=0 leaves the chat out (the 10k items alone, as the
    // bench was before chat existed, to compare with older runs).
    let with_chat = std::env::var("MOA_BENCH_CHAT").map_or(true, |v| v != "0");
    let rooms = if with_chat {
        seed_chat(&server, &member).await
    } else {
        Vec::new()
    };
    let seeded = started.elapsed();
    let proxy = Proxy::start(server.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let device = client(dir.path(), &proxy.url(), false).await;
    device
        .sign_in("bench@test.kr", "password-bench")
        .await
        .unwrap();
    let (up0, down0) = proxy.bytes();
    let started = Instant::now();
    device.sync().await.unwrap();
    let took = started.elapsed();
    let (up1, down1) = proxy.bytes();
    let page = device.my_page().await.unwrap();
    assert_eq!(page.reviews.len(), 200);
    let scraps = device.scraps().await.unwrap();
    assert_eq!(scraps.len(), SCRAPS.min(500)); // the scraps screen shows the newest 500
    let chat = device.rooms().await.unwrap();
    assert_eq!(chat.len(), rooms.len());
    for room in &rooms {
        let cached = device.room(room).messages(None, 5_000).await.unwrap();
        let sent = cached
            .iter()
            .filter(|m| m.body.starts_with("토요일"))
            .count();
        assert_eq!(
            sent, MESSAGES_PER_ROOM,
            "room {room} caught up from the cache"
        );
    }
    let wire = (up1 - up0) + (down1 - down0);
    let raw = uncompressed_pull_bytes(&server, &member).await;
    println!(
        "cold sync {engine:?}: {} items ({} reviews, {} comments, {} likes, {} scraps, \
         {} messages in {} rooms) seeded in {:.1} s; \
         fresh device caught up in {:.0} ms, {:.2} MB on the wire ({:.2} MB down, {:.3} MB up; \
         the same pull uncompressed: {:.2} MB); \
         targets 1500 ms and 5 MB: time {:.2}x, bytes {:.2}x of target",
        REVIEWS + COMMENTS + LIKES + SCRAPS + rooms.len() * MESSAGES_PER_ROOM,
        REVIEWS,
        COMMENTS,
        LIKES,
        SCRAPS,
        rooms.len() * MESSAGES_PER_ROOM,
        rooms.len(),
        seeded.as_secs_f64(),
        took.as_secs_f64() * 1000.0,
        wire as f64 / 1e6,
        (down1 - down0) as f64 / 1e6,
        (up1 - up0) as f64 / 1e6,
        raw as f64 / 1e6,
        took.as_secs_f64() / 1.5,
        wire as f64 / 5e6,
    );

    // Local reads: a feed page and a review with comments from the cache.
    let mut feed_ms = Vec::with_capacity(READS);
    let mut detail_ms = Vec::with_capacity(READS);
    let first = page.reviews[0].id.clone();
    device.review(&first).await.unwrap();
    for _ in 0..READS {
        let t = Instant::now();
        let mine = device.feed(FeedTab::Latest).await.unwrap();
        feed_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(!mine.is_empty());
        let t = Instant::now();
        device.review(&first).await.unwrap();
        detail_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    feed_ms.sort_by(f64::total_cmp);
    detail_ms.sort_by(f64::total_cmp);
    println!(
        "cache reads {engine:?}: feed page (20 reviews) p50 {:.3} ms, p99 {:.3} ms; \
         review detail p50 {:.3} ms, p99 {:.3} ms (target ≤ 2 ms)",
        percentile(&feed_ms, 0.5),
        percentile(&feed_ms, 0.99),
        percentile(&detail_ms, 0.5),
        percentile(&detail_ms, 0.99),
    );
}

/// Bytes of the member's bucket pulled page by page without compression.
async fn uncompressed_pull_bytes(server: &TestServer, member: &moa_tests::Session) -> usize {
    moa_server::media::store::install_tls_provider();
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let (mut cursor, mut total) = (0_i64, 0_usize);
    loop {
        let body = serde_json::json!({
            "buckets": [{"bucket": format!("user:{}", member.user_id), "cursor": cursor}]
        });
        let resp = http
            .post(server.url("/v1/sync/pull"))
            .bearer_auth(&member.access)
            .json(&body)
            .send()
            .await
            .unwrap();
        let bytes = resp.bytes().await.unwrap();
        total += bytes.len();
        let page: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        cursor = page["buckets"][0]["cursor"].as_i64().unwrap();
        if !page["buckets"][0]["more"].as_bool().unwrap() {
            return total;
        }
    }
}

async fn edit_latency(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = client(dirs.0.path(), &url, true).await;
    a.sign_up("edit@test.kr", "password-edit", "editor", "편집자")
        .await
        .unwrap();
    let b = client(dirs.1.path(), &url, true).await;
    b.sign_in("edit@test.kr", "password-edit").await.unwrap();
    let id = a
        .create_review(moa_client_core::NewReview {
            kind: ReviewKind::Snap,
            title: String::new(),
            body: "처음".into(),
            photos: vec![],
            subject: None,
            rating: None,
            tags: vec![],
            official: false,
        })
        .await
        .unwrap();
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    b.review(&id).await.unwrap();
    b.sync().await.unwrap();
    // Let both loops settle into their long polls.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut events = b.subscribe();
    let mut ms = Vec::with_capacity(EDITS);
    for i in 0..EDITS {
        let body = format!("고친 글 {i}");
        let started = Instant::now();
        a.edit_review(
            &id,
            ReviewChanges {
                body: Some(body.clone()),
                ..ReviewChanges::default()
            },
        )
        .await
        .unwrap();
        loop {
            let Ok(event) = tokio::time::timeout(Duration::from_secs(10), events.recv()).await
            else {
                panic!(
                    "B did not hear of edit {i} within 10 s; A: {:?} {:?}, B: {:?}",
                    a.status(),
                    a.outbox().items().await,
                    b.status()
                );
            };
            if let Ok(Event::Changed(topics)) = event
                && topics.contains(&Topic::Reviews)
                && b.review(&id).await.unwrap().review.body == body
            {
                break;
            }
        }
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "edit A→B {engine:?}: {EDITS} edits, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 ≤ 100 ms)",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1],
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut engines = vec![Engine::Sqlite];
    if std::env::var("MOA_TEST_POSTGRES_URL").is_ok() {
        engines.push(Engine::Postgres);
    }
    // MOA_BENCH_ONLY=cold|edit runs one part.
    let only = std::env::var("MOA_BENCH_ONLY").unwrap_or_default();
    for engine in engines {
        if only.is_empty() || only == "cold" {
            cold_sync(engine).await;
        }
        if only.is_empty() || only == "edit" {
            edit_latency(engine).await;
        }
    }
}
