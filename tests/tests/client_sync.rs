//! client-core against a real server: devices going offline and coming back,
//! lost responses, conflicting edits, large first syncs, a client killed in
//! the middle of a sync, and random operations on three clients that must
//! converge on the server's state. Every test runs on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use moa_client_core::{
    Client, Error, Event, FeedTab, LikeTarget, NewReview, Options, OutboxState, ReviewChanges,
    ReviewKind, Topic,
};
use moa_tests::proxy::Proxy;
use moa_tests::{Engine, TestServer, both_engines};
use serde_json::{Value, json};

/// A device: a client on its own data directory, talking through `url`.
struct Device {
    client: Client,
    dir: tempfile::TempDir,
}

async fn device(url: &str) -> Device {
    let (client, dir) = moa_tests::open_client(url).await;
    Device { client, dir }
}

/// A second device of the member `handle` (signed up by `first`).
async fn sign_in(url: &str, handle: &str) -> Device {
    let d = device(url).await;
    d.client
        .sign_in(&format!("{handle}@test.kr"), &format!("password-{handle}"))
        .await
        .unwrap();
    d
}

async fn sign_up(url: &str, handle: &str) -> Device {
    let d = device(url).await;
    d.client
        .sign_up(
            &format!("{handle}@test.kr"),
            &format!("password-{handle}"),
            handle,
            &format!("회원 {handle}"),
        )
        .await
        .unwrap();
    d
}

fn story(body: &str) -> NewReview {
    NewReview {
        kind: ReviewKind::Story,
        title: "제목".into(),
        body: body.into(),
        photos: vec![],
        subject: None,
        rating: Some(4),
        tags: vec!["카페".into()],
        official: false,
    }
}

async fn count_where(server: &TestServer, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(server.state.db.read())
        .await
        .unwrap()
}

async fn offline_writes_reach_the_other_device_once(engine: Engine) {
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let url = proxy.url();
    let a = sign_up(&url, "mina").await;
    let b = sign_in(&url, "mina").await;
    let c = sign_up(&url, "joon").await;
    let joon_review = c.client.create_review(story("준의 리뷰")).await.unwrap();
    c.client.sync().await.unwrap();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();

    // The server goes away; A keeps working.
    proxy.down();
    let server = server.restart().await;
    let review = a
        .client
        .create_review(story("오프라인에서 쓴 글"))
        .await
        .unwrap();
    let comment = a.client.comment(&review, "첫 댓글", None).await.unwrap();
    a.client
        .set_like(LikeTarget::Review, &joon_review, true)
        .await
        .unwrap();
    a.client.set_scrap(&joon_review, true).await.unwrap();
    let joon = c.client.me().await.unwrap().id;
    a.client.set_follow(&joon, true).await.unwrap();

    // Shown at once, from the cache.
    let feed = a.client.feed(FeedTab::Latest).await.unwrap();
    assert_eq!(feed[0].id, review);
    assert_eq!(feed[0].body, "오프라인에서 쓴 글");
    let liked = feed.iter().find(|r| r.id == joon_review).unwrap();
    assert!(liked.liked_by_me);
    assert_eq!(liked.like_count, 1);
    let detail = a.client.review(&review).await.unwrap();
    assert_eq!(detail.comments.len(), 1);
    assert_eq!(detail.comments[0].id, comment);
    assert_eq!(a.client.scraps().await.unwrap()[0].id, joon_review);

    let err = a.client.sync().await.unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    let status = a.client.status();
    assert!(!status.online);
    assert_eq!(status.pending, 5);
    let outbox = a.client.outbox().items().await.unwrap();
    assert_eq!(outbox.len(), 5);
    assert!(outbox.iter().all(|i| i.state == OutboxState::Queued));
    assert!(
        outbox
            .iter()
            .all(|i| i.error.as_ref().is_some_and(|e| e.code == "network"))
    );

    // Back online (on a restarted server).
    proxy.retarget(server.addr).await;
    proxy.up().await;
    a.client.sync().await.unwrap();
    let left = a.client.outbox().items().await.unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert!(a.client.status().online);
    assert_eq!(a.client.status().pending, 0);

    b.client.sync().await.unwrap();
    let feed = b.client.feed(FeedTab::Latest).await.unwrap();
    assert_eq!(feed.iter().filter(|r| r.id == review).count(), 1);
    let mine = b.client.my_page().await.unwrap();
    assert_eq!(mine.reviews.iter().filter(|r| r.id == review).count(), 1);
    let detail = b.client.review(&review).await.unwrap();
    assert_eq!(detail.review.comment_count, 1);
    assert_eq!(detail.comments.len(), 1);
    let scraps = b.client.scraps().await.unwrap();
    assert_eq!(scraps.len(), 1);
    assert!(scraps[0].liked_by_me);
    assert_eq!(b.client.following().await.unwrap(), vec![joon.clone()]);

    // Exactly once on the server.
    let id_filter = format!("SELECT COUNT(*) FROM reviews WHERE id = '{review}'");
    assert_eq!(count_where(&server, &id_filter).await, 1);
    assert_eq!(
        count_where(&server, "SELECT COUNT(*) FROM comments").await,
        1
    );
    assert_eq!(count_where(&server, "SELECT COUNT(*) FROM likes").await, 1);
    assert_eq!(
        count_where(&server, "SELECT COUNT(*) FROM follows").await,
        1
    );

    // C sees the like and the follower.
    c.client.sync().await.unwrap();
    let theirs = c.client.review(&joon_review).await.unwrap();
    assert_eq!(theirs.review.like_count, 1);
    let (notes, unread) = c.client.notifications().await.unwrap();
    assert!(unread >= 2, "{notes:?}");
    drop((a.dir, b.dir, c.dir));
}

async fn a_lost_push_response_is_retried_without_duplicates(engine: Engine) {
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let a = sign_up(&proxy.url(), "sora").await;
    let review = a.client.create_review(story("한 번만")).await.unwrap();
    a.client
        .set_like(LikeTarget::Review, &review, true)
        .await
        .unwrap();
    a.client.comment(&review, "댓글", None).await.unwrap();

    proxy.drop_next_push_response();
    let err = a.client.sync().await.unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    assert_eq!(proxy.dropped(), 1);
    // The server did apply them.
    assert_eq!(server.count("reviews").await, 1);
    assert_eq!(server.count("mutations").await, 3);

    // The retry waits for its backoff; make it due now, as the user's
    // "retry" button does.
    for item in a.client.outbox().items().await.unwrap() {
        assert_eq!(item.attempts, 1);
        a.client.outbox().retry(&item.id).await.unwrap();
    }
    a.client.sync().await.unwrap();
    assert!(a.client.outbox().items().await.unwrap().is_empty());
    assert_eq!(server.count("reviews").await, 1);
    assert_eq!(server.count("comments").await, 1);
    assert_eq!(server.count("likes").await, 1);
    assert_eq!(server.count("mutations").await, 3);
    let detail = a.client.review(&review).await.unwrap();
    assert_eq!(detail.review.like_count, 1);
    assert_eq!(detail.review.comment_count, 1);
    assert_eq!(detail.comments.len(), 1);
}

async fn conflicting_edits_keep_the_losing_text_as_a_draft(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let a = sign_up(&url, "hana").await;
    let b = sign_in(&url, "hana").await;
    let review = a.client.create_review(story("원래 글")).await.unwrap();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();
    b.client.review(&review).await.unwrap();

    // Both edit the body from the same version.
    let body = |s: &str| ReviewChanges {
        body: Some(s.into()),
        ..ReviewChanges::default()
    };
    a.client
        .edit_review(&review, body("A가 고친 글"))
        .await
        .unwrap();
    b.client
        .edit_review(&review, body("B가 고친 글"))
        .await
        .unwrap();
    let mut events = b.client.subscribe();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();

    // A won; B's text is a draft, and B's view shows the server's text.
    let seen = b.client.review(&review).await.unwrap();
    assert_eq!(seen.review.body, "A가 고친 글");
    let drafts = b.client.outbox().drafts().await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].body.as_deref(), Some("B가 고친 글"));
    assert_eq!(drafts[0].error.code, "conflict");
    let failed = b.client.outbox().items().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].state, OutboxState::Failed);
    assert_eq!(b.client.status().failed, 1);
    let mut rejected = None;
    while let Ok(e) = events.try_recv() {
        if let Event::Rejected(r) = e {
            rejected = Some(r);
        }
    }
    let rejected = rejected.expect("a Rejected event");
    assert_eq!(rejected.draft_id.as_deref(), Some(drafts[0].id.as_str()));

    // Edits of different fields both apply.
    a.client
        .edit_review(
            &review,
            ReviewChanges {
                title: Some("A의 제목".into()),
                ..ReviewChanges::default()
            },
        )
        .await
        .unwrap();
    b.client
        .edit_review(
            &review,
            ReviewChanges {
                rating: Some(Some(2)),
                ..ReviewChanges::default()
            },
        )
        .await
        .unwrap();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();
    a.client.sync().await.unwrap();
    let on_a = a.client.review(&review).await.unwrap().review;
    assert_eq!((on_a.title.as_str(), on_a.rating), ("A의 제목", Some(2)));

    // B reapplies the draft: now it wins.
    b.client
        .outbox()
        .reapply_draft(&drafts[0].id)
        .await
        .unwrap();
    b.client.sync().await.unwrap();
    assert!(b.client.outbox().drafts().await.unwrap().is_empty());
    a.client.sync().await.unwrap();
    assert_eq!(
        a.client.review(&review).await.unwrap().review.body,
        "B가 고친 글"
    );

    // Edit against delete: the delete wins, the edit's text is kept.
    a.client.delete_review(&review).await.unwrap();
    b.client
        .edit_review(&review, body("지워진 글을 고침"))
        .await
        .unwrap();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();
    assert!(matches!(
        b.client.review(&review).await,
        Err(Error::NotFound(_))
    ));
    let drafts = b.client.outbox().drafts().await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].body.as_deref(), Some("지워진 글을 고침"));
    b.client
        .outbox()
        .dismiss_draft(&drafts[0].id)
        .await
        .unwrap();
    assert!(b.client.outbox().items().await.unwrap().is_empty());

    // Like and unlike races from two devices converge and never conflict.
    let other = a.client.create_review(story("좋아요 경쟁")).await.unwrap();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();
    for round in 0..4 {
        a.client
            .set_like(LikeTarget::Review, &other, round % 2 == 0)
            .await
            .unwrap();
        b.client
            .set_like(LikeTarget::Review, &other, round % 2 == 1)
            .await
            .unwrap();
        a.client.sync().await.unwrap();
        b.client.sync().await.unwrap();
    }
    a.client.sync().await.unwrap();
    let liked_on_server = count_where(
        &server,
        &format!("SELECT COUNT(*) FROM likes WHERE target_id = '{other}'"),
    )
    .await;
    for d in [&a, &b] {
        assert!(d.client.outbox().drafts().await.unwrap().is_empty());
        assert!(d.client.outbox().items().await.unwrap().is_empty());
        let r = d.client.review(&other).await.unwrap().review;
        assert_eq!(r.like_count, liked_on_server);
        assert_eq!(r.liked_by_me, liked_on_server == 1);
    }
    // B's last word was "liked" (round 3 is odd).
    assert_eq!(liked_on_server, 1);
}

async fn first_sync_of_a_large_account_is_paged_and_resumable(engine: Engine) {
    const ROWS: i64 = 20_000;
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let api = server.api();
    let member = api.signup("big").await;
    let actor = api.signup("fan").await;
    // 20k notifications in the member's bucket, written by the real service.
    {
        let mut tx = server.state.db.begin_write().await.unwrap();
        for i in 0..ROWS {
            let target = format!("comment-{i}");
            moa_server::notifications::service::notify(
                &mut tx,
                moa_server::notifications::service::Event {
                    user_id: &member.user_id,
                    kind: moa_protocol::NotificationKind::Comment,
                    actor_id: Some(&actor.user_id),
                    target_type: "comment",
                    target_id: &target,
                    review_id: None,
                    preview: "많은 알림",
                },
                1_700_000_000_000 + i,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }

    let d = sign_in(&proxy.url(), "big").await;
    let mut events = d.client.subscribe();
    let client = d.client.clone();
    let sync = tokio::spawn(async move { client.sync().await });
    // Cut the network after three pages arrived.
    let mut pages = 0;
    while pages < 3 {
        if let Ok(Event::Changed(topics)) = events.recv().await
            && topics.contains(&Topic::Notifications)
        {
            pages += 1;
        }
    }
    proxy.down();
    let err = sync.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    let cached = stored_count(&d, "notification");
    // (The bucket also holds the profile, so a page is not all notifications.)
    assert!((3 * 2000 - 10..ROWS).contains(&cached), "{cached}");

    proxy.up().await;
    d.client.sync().await.unwrap();
    assert_eq!(stored_count(&d, "notification"), ROWS);
    let (list, unread) = d.client.notifications().await.unwrap();
    assert_eq!(list.len(), 200);
    assert_eq!(unread, 200);
    // Resumed: ten pages of 2,000 in all, plus the one cut short.
    let pulls = pull_requests(&server).await;
    assert!(pulls <= 12, "{pulls} pulls");
}

/// Rows of `kind` in the device's database, read with the sqlite3 engine
/// the server uses (sqlx), straight from the file.
fn stored_count(d: &Device, kind: &str) -> i64 {
    let dir = d.dir.path().join("accounts");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sqlite"))
        .unwrap();
    let url = format!("sqlite://{}?mode=ro", file.display());
    let kind = kind.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM entities WHERE kind = ?")
                .bind(kind)
                .fetch_one(&mut conn)
                .await
                .unwrap()
        })
    })
    .join()
    .unwrap()
}

async fn pull_requests(server: &TestServer) -> i64 {
    moa_server::media::store::install_tls_provider();
    let text = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| l.starts_with("moa_http_requests_total") && l.contains("/v1/sync/pull"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<i64>().ok())
        .sum()
}

async fn a_client_killed_mid_sync_loses_nothing(engine: Engine) {
    const REVIEWS: usize = 150;
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let d = sign_up(&url, "kill").await;
    let dir = d.dir.path().to_path_buf();
    // Let the child own the data directory.
    drop(d.client);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_moa-client-worker"))
        .arg(&dir)
        .arg(&url)
        .arg(REVIEWS.to_string())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the worker reports");
        if line == "syncing" {
            break;
        }
    }
    let delay = rand::random::<u64>() % 150;
    tokio::time::sleep(Duration::from_millis(delay)).await;
    // SIGKILL: no destructor, no flush.
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    let reopened = Client::open_with(
        &dir,
        &url,
        Options {
            background_sync: false,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let outbox = reopened.outbox().items().await.unwrap();
    assert!(outbox.iter().all(|i| i.state != OutboxState::Sending));
    reopened.sync().await.unwrap();
    assert!(reopened.outbox().items().await.unwrap().is_empty());
    let mine = reopened.my_page().await.unwrap();
    assert_eq!(mine.reviews.len(), REVIEWS);
    let me = mine.me.id;
    let on_server = count_where(
        &server,
        &format!("SELECT COUNT(*) FROM reviews WHERE author_id = '{me}'"),
    )
    .await;
    assert_eq!(on_server, REVIEWS as i64);
    let bodies: BTreeSet<String> = mine.reviews.iter().map(|r| r.body.clone()).collect();
    assert_eq!(bodies.len(), REVIEWS);
    drop(dir);
}

/// What the server says a member sees, to compare caches with.
async fn server_view(server: &TestServer, token: &str) -> Value {
    let api = server.api();
    let feed = api
        .get("/v1/feeds/latest", Some(token))
        .await
        .expect(200)
        .body;
    let scraps = api
        .get("/v1/me/scraps?limit=100", Some(token))
        .await
        .expect(200)
        .body;
    let me = api.get("/v1/me", Some(token)).await.expect(200).body;
    let following = api
        .get(
            &format!(
                "/v1/users/{}/following?limit=100",
                me["id"].as_str().unwrap()
            ),
            Some(token),
        )
        .await
        .expect(200)
        .body;
    let mut comments = serde_json::Map::new();
    for r in feed["items"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let list = api
            .get(&format!("/v1/reviews/{id}/comments?limit=100"), Some(token))
            .await
            .expect(200)
            .body;
        let mut ids: Vec<String> = Vec::new();
        for c in list["items"].as_array().unwrap() {
            ids.push(format!(
                "{}:{}",
                c["id"].as_str().unwrap(),
                c["body"].as_str().unwrap()
            ));
            for reply in c["replies"].as_array().into_iter().flatten() {
                ids.push(format!(
                    "{}:{}",
                    reply["id"].as_str().unwrap(),
                    reply["body"].as_str().unwrap()
                ));
            }
        }
        ids.sort();
        comments.insert(id.to_owned(), json!(ids));
    }
    let summary = |r: &Value| {
        json!([
            r["id"],
            r["body"],
            r["like_count"],
            r["comment_count"],
            r["liked_by_me"],
            r["scrapped_by_me"]
        ])
    };
    let mut following_ids: Vec<String> = following["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member"]["id"].as_str().unwrap().to_owned())
        .collect();
    following_ids.sort();
    json!({
        "feed": feed["items"].as_array().unwrap().iter().map(summary).collect::<Vec<_>>(),
        "scraps": scraps["items"].as_array().unwrap().iter().map(|r| r["id"].clone()).collect::<Vec<_>>(),
        "following": following_ids,
        "comments": comments,
    })
}

/// The same summary from a client's cache.
async fn client_view(client: &Client) -> Value {
    let feed = client.feed(FeedTab::Latest).await.unwrap();
    let scraps = client.scraps().await.unwrap();
    let mut following = client.following().await.unwrap();
    following.sort();
    let mut comments = serde_json::Map::new();
    for r in &feed {
        let detail = client.review(&r.id).await.unwrap();
        let mut ids: Vec<String> = detail
            .comments
            .iter()
            .map(|c| format!("{}:{}", c.id, c.body))
            .collect();
        ids.sort();
        comments.insert(r.id.clone(), json!(ids));
    }
    json!({
        "feed": feed.iter().map(|r| json!([r.id, r.body, r.like_count, r.comment_count, r.liked_by_me, r.scrapped_by_me])).collect::<Vec<_>>(),
        "scraps": scraps.iter().map(|r| json!(r.id)).collect::<Vec<_>>(),
        "following": following,
        "comments": comments,
    })
}

/// One device of the randomized run: its client (reopened on a restart),
/// its directory, the proxy it talks through, and whether its background
/// loop runs (as in the app) or it syncs only when told.
struct Sim {
    client: Client,
    dir: tempfile::TempDir,
    background: bool,
}

use moa_tests::open_client_at as sim_open;

/// What one device wrote to an object it owns: only that device edits or
/// deletes it, so the last text it wrote is what the server must hold.
#[derive(Debug, Clone)]
struct Owned {
    device: usize,
    kind: &'static str,
    id: String,
    /// The review a comment is on.
    parent: Option<String>,
    text: String,
    deleted: bool,
}

async fn random_operations_on_three_clients_converge(engine: Engine) {
    use rand::{Rng, SeedableRng};
    let server = TestServer::start(engine).await;
    let seed: u64 = std::env::var("MOA_PROPTEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let steps: usize = std::env::var("MOA_PROPTEST_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    eprintln!("seed {seed} (MOA_PROPTEST_SEED={seed} repeats this run's operations)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let proxies = [
        Proxy::start(server.addr).await,
        Proxy::start(server.addr).await,
        Proxy::start(server.addr).await,
    ];
    // Two devices of one member (the second syncs in the background, as the
    // app does), and another member.
    let mut devices = Vec::new();
    for (k, (handle, background)) in [("ara", false), ("ara", true), ("bom", false)]
        .into_iter()
        .enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        let client = sim_open(dir.path(), &proxies[k].url(), background).await;
        let (email, password) = (format!("{handle}@test.kr"), format!("password-{handle}"));
        if k == 1 {
            client.sign_in(&email, &password).await.unwrap();
        } else {
            client
                .sign_up(&email, &password, handle, &format!("회원 {handle}"))
                .await
                .unwrap();
        }
        devices.push(Sim {
            client,
            dir,
            background,
        });
    }
    let ids = [
        devices[0].client.me().await.unwrap().id,
        devices[2].client.me().await.unwrap().id,
    ];
    // Their direct room, known to every device before the run.
    let room = devices[0].client.create_direct_room(&ids[1]).await.unwrap();
    for d in &devices {
        d.client.sync().await.unwrap();
    }
    let mut owned: Vec<Owned> = Vec::new();
    let mut reviews: Vec<String> = Vec::new();
    for step in 0..steps {
        let k = rng.gen_range(0..3);
        let client = devices[k].client.clone();
        // An object this device owns, of a kind, not deleted.
        let mine = |owned: &Vec<Owned>, kind: &str, rng: &mut rand::rngs::StdRng| {
            let candidates: Vec<usize> = owned
                .iter()
                .enumerate()
                .filter(|(_, o)| o.device == k && o.kind == kind && !o.deleted)
                .map(|(i, _)| i)
                .collect();
            (!candidates.is_empty()).then(|| candidates[rng.gen_range(0..candidates.len())])
        };
        match rng.gen_range(0..18) {
            0 | 1 => {
                let text = format!("글 {step}");
                let id = client.create_review(story(&text)).await.unwrap();
                reviews.push(id.clone());
                owned.push(Owned {
                    device: k,
                    kind: "review",
                    id,
                    parent: None,
                    text,
                    deleted: false,
                });
            }
            2 if !reviews.is_empty() => {
                let r = reviews[rng.gen_range(0..reviews.len())].clone();
                let text = format!("댓글 {step}");
                // The review may be gone here already: refusals are part of it.
                if let Ok(id) = client.comment(&r, &text, None).await {
                    owned.push(Owned {
                        device: k,
                        kind: "comment",
                        id,
                        parent: Some(r),
                        text,
                        deleted: false,
                    });
                }
            }
            3 if !reviews.is_empty() => {
                let r = &reviews[rng.gen_range(0..reviews.len())];
                client
                    .set_like(LikeTarget::Review, r, rng.gen_bool(0.6))
                    .await
                    .unwrap();
            }
            4 if !reviews.is_empty() => {
                let r = &reviews[rng.gen_range(0..reviews.len())];
                client.set_scrap(r, rng.gen_bool(0.6)).await.unwrap();
            }
            5 => {
                let other = if k == 2 { &ids[0] } else { &ids[1] };
                client.set_follow(other, rng.gen_bool(0.7)).await.unwrap();
            }
            6 => {
                if let Some(i) = mine(&owned, "review", &mut rng) {
                    let text = format!("고침 {step}");
                    let o = &mut owned[i];
                    client
                        .edit_review(
                            &o.id,
                            ReviewChanges {
                                body: Some(text.clone()),
                                ..ReviewChanges::default()
                            },
                        )
                        .await
                        .unwrap_or_else(|e| {
                            panic!("step {step}: editing own review {}: {e:?}", o.id)
                        });
                    o.text = text;
                } else {
                    // Another member's, maybe not seen here: refused.
                    let member = |d: usize| usize::from(d == 2);
                    let theirs: Vec<&Owned> = owned
                        .iter()
                        .filter(|o| o.kind == "review" && member(o.device) != member(k))
                        .collect();
                    if theirs.is_empty() {
                        continue;
                    }
                    let r = &theirs[rng.gen_range(0..theirs.len())].id;
                    let _ = client
                        .edit_review(
                            r,
                            ReviewChanges {
                                body: Some(format!("남의 글 {step}")),
                                ..ReviewChanges::default()
                            },
                        )
                        .await;
                }
            }
            7 => {
                if let Some(i) = mine(&owned, "comment", &mut rng) {
                    let text = format!("댓글 고침 {step}");
                    let o = &mut owned[i];
                    if client.edit_comment(&o.id, &text).await.is_ok() {
                        o.text = text;
                    }
                }
            }
            8 => {
                let kind = if rng.gen_bool(0.5) {
                    "review"
                } else {
                    "comment"
                };
                if let Some(i) = mine(&owned, kind, &mut rng) {
                    let o = &mut owned[i];
                    let done = if kind == "review" {
                        client.delete_review(&o.id).await
                    } else {
                        client.delete_comment(&o.id).await
                    };
                    done.unwrap_or_else(|e| panic!("step {step}: deleting {}: {e:?}", o.id));
                    o.deleted = true;
                }
            }
            9 | 10 => {
                let text = format!("메시지 {step}");
                let id = client.room(&room).send(&text, vec![], None).await.unwrap();
                owned.push(Owned {
                    device: k,
                    kind: "message",
                    id,
                    parent: None,
                    text,
                    deleted: false,
                });
            }
            11 => {
                if let Some(i) = mine(&owned, "message", &mut rng) {
                    let o = &mut owned[i];
                    if rng.gen_bool(0.6) {
                        let text = format!("메시지 고침 {step}");
                        client
                            .room(&room)
                            .edit(&o.id, &text)
                            .await
                            .unwrap_or_else(|e| panic!("step {step}: editing {}: {e:?}", o.id));
                        o.text = text;
                    } else {
                        client
                            .room(&room)
                            .delete(&o.id)
                            .await
                            .unwrap_or_else(|e| panic!("step {step}: deleting {}: {e:?}", o.id));
                        o.deleted = true;
                    }
                }
            }
            12 => {
                if rng.gen_bool(0.5) {
                    proxies[k].down();
                } else {
                    proxies[k].up().await;
                }
            }
            13 => {
                // Requests delivered, answers lost: none, some or most.
                proxies[k].drop_push_responses_with([0.0, 0.3, 0.7][rng.gen_range(0..3)]);
            }
            14 => {
                // The device restarts mid-outbox.
                let d = &mut devices[k];
                d.client = sim_open(d.dir.path(), &proxies[k].url(), d.background).await;
            }
            15 => {
                // Time passes: background loops push and pull meanwhile.
                tokio::time::sleep(Duration::from_millis(rng.gen_range(50..400))).await;
            }
            _ => {
                let _ = client.sync().await;
            }
        }
    }
    for p in &proxies {
        p.up().await;
        p.drop_push_responses(false);
    }
    // Everyone syncs until quiet: twice round, so each sees the others.
    for _ in 0..2 {
        for d in &devices {
            d.client.sync().await.unwrap();
        }
    }
    // Refused items are shown, never silently dropped: note what they were
    // about, then discard them as a user would.
    let mut refused: BTreeSet<String> = BTreeSet::new();
    for d in &devices {
        for item in d.client.outbox().items().await.unwrap() {
            assert_eq!(item.state, OutboxState::Failed, "seed {seed}: {item:?}");
            assert!(item.error.is_some());
            if let Some(target) = &item.target_id {
                refused.insert(target.clone());
            }
            d.client.outbox().discard(&item.id).await.unwrap();
        }
        d.client.sync().await.unwrap();
    }
    // Every accepted write is on the server exactly once, as its owner last
    // wrote it (or deleted, if they deleted it).
    let deleted_reviews: BTreeSet<&str> = owned
        .iter()
        .filter(|o| o.kind == "review" && o.deleted)
        .map(|o| o.id.as_str())
        .collect();
    for o in &owned {
        let table = match o.kind {
            "review" => "reviews",
            "comment" => "comments",
            _ => "messages",
        };
        let on_parent_gone = o
            .parent
            .as_deref()
            .is_some_and(|p| deleted_reviews.contains(p) || refused.contains(p));
        let rows = count_where(
            &server,
            &format!("SELECT COUNT(*) FROM {table} WHERE id = '{}'", o.id),
        )
        .await;
        if o.kind == "comment" && (refused.contains(&o.id) || on_parent_gone) {
            // Refused (its review was gone), or gone with its review.
            assert!(rows <= 1, "seed {seed}: {o:?}");
            continue;
        }
        if o.deleted && rows == 0 {
            continue; // deleted before it ever left the device: never sent
        }
        assert_eq!(rows, 1, "seed {seed}: a write was lost: {o:?}");
        let deleted = count_where(
            &server,
            &format!(
                "SELECT COUNT(*) FROM {table} WHERE id = '{}' AND deleted_at IS NOT NULL",
                o.id
            ),
        )
        .await;
        assert_eq!(
            deleted == 1,
            o.deleted,
            "seed {seed}: deletion lost or invented: {o:?}"
        );
        if !o.deleted {
            let body = text_where(
                &server,
                &format!("SELECT body FROM {table} WHERE id = '{}'", o.id),
            )
            .await;
            assert_eq!(body, o.text, "seed {seed}: an edit was lost: {o:?}");
        }
    }
    // Open every review of the feed (subscribing to its comments) and sync
    // while it is open: a device keeps only the most recently opened
    // reviews subscribed (`OPENED_REVIEWS`), fewer than a feed holds, so
    // opening them all before one sync would leave the first ones unpulled.
    for d in &devices {
        for r in d.client.feed(FeedTab::Latest).await.unwrap() {
            d.client.review(&r.id).await.unwrap();
            d.client.sync().await.unwrap();
        }
    }
    let tokens = [
        server
            .api()
            .login("ara@test.kr", "password-ara")
            .await
            .expect(200)
            .body,
        server
            .api()
            .login("bom@test.kr", "password-bom")
            .await
            .expect(200)
            .body,
    ];
    let messages = server_messages(&server, &room).await;
    for (k, d) in devices.iter().enumerate() {
        let token = tokens[usize::from(k == 2)]["access_token"]
            .as_str()
            .unwrap();
        let mut expected = server_view(&server, token).await;
        let mut actual = client_view(&d.client).await;
        expected["mine"] = server_own_reviews(&server, &ids[usize::from(k == 2)]).await;
        let mut mine: Vec<Value> = d
            .client
            .my_page()
            .await
            .unwrap()
            .reviews
            .iter()
            .map(|r| json!([r.id, r.title, r.body]))
            .collect();
        mine.sort_by_key(|v| v[0].as_str().map(str::to_owned));
        actual["mine"] = json!(mine);
        expected["messages"] = messages.clone();
        actual["messages"] = json!(
            d.client
                .room(&room)
                .messages(None, 500)
                .await
                .unwrap()
                .iter()
                .map(|m| json!([
                    m.id,
                    m.deleted,
                    if m.deleted { "" } else { m.body.as_str() }
                ]))
                .collect::<Vec<_>>()
        );
        assert_eq!(actual, expected, "device {k} (seed {seed})");
    }
}

/// A member's reviews on the server (not deleted): id, title, body.
async fn server_own_reviews(server: &TestServer, author: &str) -> Value {
    let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
        "SELECT id, title, body FROM reviews WHERE author_id = '{author}' \
         AND deleted_at IS NULL AND hidden_at IS NULL ORDER BY id"
    ))
    .fetch_all(server.state.db.read())
    .await
    .unwrap();
    json!(
        rows.into_iter()
            .map(|(id, t, b)| json!([id, t, b]))
            .collect::<Vec<_>>()
    )
}

/// A room's messages on the server, in order: id, deleted, body.
async fn server_messages(server: &TestServer, room: &str) -> Value {
    let rows: Vec<(String, String, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT id, body, deleted_at FROM messages WHERE room_id = '{room}' ORDER BY seq"
    ))
    .fetch_all(server.state.db.read())
    .await
    .unwrap();
    json!(
        rows.into_iter()
            .map(|(id, body, deleted)| json!([
                id,
                deleted.is_some(),
                if deleted.is_some() {
                    String::new()
                } else {
                    body
                }
            ]))
            .collect::<Vec<_>>()
    )
}

async fn text_where(server: &TestServer, sql: &str) -> String {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_one(server.state.db.read())
        .await
        .unwrap()
}

/// Syncs with every push response lost: the server applies each push, the
/// device never hears back (its items stay queued, sent once).
async fn sync_losing_answers(proxy: &Proxy, client: &Client) {
    proxy.drop_push_responses(true);
    let err = client.sync().await.unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    proxy.drop_push_responses(false);
}

/// Nothing left to send and nothing refused.
async fn settled(client: &Client) {
    client.sync().await.unwrap();
    let left = client.outbox().items().await.unwrap();
    assert!(left.is_empty(), "outbox not empty: {left:?}");
}

/// Defect 1: an edit made while the answer to an earlier push of the same
/// review or message is lost must reach the server, not be folded into the
/// item the server already applied (its resend is answered with the stored
/// outcome): review.create then edit, review.edit then edit, chat.send then
/// edit, comment.create then edit.
async fn an_edit_after_a_lost_answer_reaches_the_server(engine: Engine) {
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let a = sign_up(&proxy.url(), "dana").await;
    let b = sign_up(&server.url(""), "eun").await;

    // review.create, answer lost, then two edits.
    let review = a.client.create_review(story("처음 글")).await.unwrap();
    assert!(a.client.outbox().items().await.unwrap()[0].discardable);
    sync_losing_answers(&proxy, &a.client).await;
    assert_eq!(server.count("reviews").await, 1);
    // It may have been applied: it can no longer be taken back.
    let sent = a.client.outbox().items().await.unwrap();
    assert!(!sent[0].discardable, "{sent:?}");
    assert!(matches!(
        a.client.outbox().discard(&sent[0].id).await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        a.client
            .outbox()
            .edit_pending_text(&sent[0].id, None, Some("바꿈".into()))
            .await,
        Err(Error::Invalid { .. })
    ));
    let edit = |body: &str| ReviewChanges {
        body: Some(body.into()),
        ..ReviewChanges::default()
    };
    a.client
        .edit_review(&review, edit("고친 글"))
        .await
        .unwrap();
    a.client
        .edit_review(&review, edit("또 고친 글"))
        .await
        .unwrap();
    settled(&a.client).await;
    let sql = format!("SELECT body FROM reviews WHERE id = '{review}'");
    assert_eq!(text_where(&server, &sql).await, "또 고친 글");

    // review.edit, answer lost, then another edit of another field.
    a.client
        .edit_review(&review, edit("세 번째"))
        .await
        .unwrap();
    sync_losing_answers(&proxy, &a.client).await;
    assert_eq!(text_where(&server, &sql).await, "세 번째");
    a.client
        .edit_review(
            &review,
            ReviewChanges {
                title: Some("새 제목".into()),
                body: Some("네 번째".into()),
                ..ReviewChanges::default()
            },
        )
        .await
        .unwrap();
    settled(&a.client).await;
    assert_eq!(text_where(&server, &sql).await, "네 번째");
    let title = format!("SELECT title FROM reviews WHERE id = '{review}'");
    assert_eq!(text_where(&server, &title).await, "새 제목");
    let shown = a.client.review(&review).await.unwrap().review;
    assert_eq!(
        (shown.title.as_str(), shown.body.as_str()),
        ("새 제목", "네 번째")
    );
    assert!(a.client.outbox().drafts().await.unwrap().is_empty());

    // comment.create, answer lost, then an edit.
    let comment = a.client.comment(&review, "댓글 하나", None).await.unwrap();
    sync_losing_answers(&proxy, &a.client).await;
    a.client.edit_comment(&comment, "고친 댓글").await.unwrap();
    settled(&a.client).await;
    let sql = format!("SELECT body FROM comments WHERE id = '{comment}'");
    assert_eq!(text_where(&server, &sql).await, "고친 댓글");

    // chat.send, answer lost, then an edit.
    let eun = b.client.me().await.unwrap().id;
    let room = a.client.create_direct_room(&eun).await.unwrap();
    settled(&a.client).await;
    let message = a
        .client
        .room(&room)
        .send("안녕", vec![], None)
        .await
        .unwrap();
    sync_losing_answers(&proxy, &a.client).await;
    a.client
        .room(&room)
        .edit(&message, "안녕하세요")
        .await
        .unwrap();
    settled(&a.client).await;
    let sql = format!("SELECT body FROM messages WHERE id = '{message}'");
    assert_eq!(text_where(&server, &sql).await, "안녕하세요");
    let mine = a.client.room(&room).messages(None, 50).await.unwrap();
    assert_eq!(mine.last().map(|m| m.body.as_str()), Some("안녕하세요"));
    drop((a.dir, b.dir));
}

/// Defect 2: deleting a message whose send lost its answer deletes it on
/// the server (it may be there), for everyone.
async fn deleting_a_message_whose_send_lost_its_answer_deletes_it(engine: Engine) {
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let a = sign_up(&proxy.url(), "gyu").await;
    let b = sign_up(&server.url(""), "hana").await;
    let hana = b.client.me().await.unwrap().id;
    let room = a.client.create_direct_room(&hana).await.unwrap();
    settled(&a.client).await;
    let message = a
        .client
        .room(&room)
        .send("지울 말", vec![], None)
        .await
        .unwrap();
    // The send and a later edit are both applied; neither answer arrives.
    sync_losing_answers(&proxy, &a.client).await;
    a.client
        .room(&room)
        .edit(&message, "고친 말")
        .await
        .unwrap();
    sync_losing_answers(&proxy, &a.client).await;
    a.client.room(&room).delete(&message).await.unwrap();
    settled(&a.client).await;
    let deleted = count_where(
        &server,
        &format!("SELECT COUNT(*) FROM messages WHERE id = '{message}' AND deleted_at IS NOT NULL"),
    )
    .await;
    assert_eq!(deleted, 1, "the message is still there for everyone");
    // Both devices show it deleted.
    b.client.sync().await.unwrap();
    for (who, client) in [("sender", &a.client), ("other", &b.client)] {
        let shown = client.room(&room).messages(None, 50).await.unwrap();
        let m = shown.iter().find(|m| m.id == message).unwrap();
        assert!(m.deleted, "{who} still shows the message: {m:?}");
    }
    // A message that never left the device is simply dropped: nothing goes out.
    let mutations = server.count("mutations").await;
    let unsent = a
        .client
        .room(&room)
        .send("안 보낼 말", vec![], None)
        .await
        .unwrap();
    a.client.room(&room).delete(&unsent).await.unwrap();
    settled(&a.client).await;
    assert_eq!(server.count("mutations").await, mutations);
    let shown = a.client.room(&room).messages(None, 50).await.unwrap();
    assert!(shown.iter().all(|m| m.id != unsent));
    drop((a.dir, b.dir));
}

/// Defect 3: a review and a comment deleted while the answers to their
/// edits are lost, with the deletions pulled before those answers arrive,
/// stay deleted: the late answers (the server's stored outcomes of the
/// edits) must not bring them back. Background sync on: rows waiting out a
/// retry let pulls through, as in the app.
async fn deleted_things_stay_deleted_when_older_answers_arrive(engine: Engine) {
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &proxy.url()).await.unwrap();
    client
        .sign_up("ian@test.kr", "password-ian", "ian", "이안")
        .await
        .unwrap();
    let review = client.create_review(story("곧 지울 글")).await.unwrap();
    let kept = client.create_review(story("남길 글")).await.unwrap();
    let comment = client.comment(&kept, "곧 지울 댓글", None).await.unwrap();
    eventually(&client, "the first writes confirmed", |c| async move {
        c.outbox().items().await.unwrap().is_empty()
            && c.feed(FeedTab::Latest).await.unwrap().len() == 2
    })
    .await;

    // Edits then deletes, every answer lost; `sync` sends them all now.
    proxy.drop_push_responses(true);
    client
        .edit_review(
            &review,
            ReviewChanges {
                body: Some("지우기 전에 고침".into()),
                ..ReviewChanges::default()
            },
        )
        .await
        .unwrap();
    client
        .edit_comment(&comment, "지우기 전에 고친 댓글")
        .await
        .unwrap();
    assert!(client.sync().await.is_err());
    client.delete_comment(&comment).await.unwrap();
    client.delete_review(&review).await.unwrap();
    assert!(client.sync().await.is_err());
    let gone = |table: &str, id: &str| {
        format!("SELECT COUNT(*) FROM {table} WHERE id = '{id}' AND deleted_at IS NOT NULL")
    };
    assert_eq!(count_where(&server, &gone("reviews", &review)).await, 1);
    assert_eq!(count_where(&server, &gone("comments", &comment)).await, 1);
    // The deletions are pulled while the answers are still being lost: the
    // loop pulls in a cycle where every item waits out its retry delay.
    let pulls = pull_requests(&server).await;
    for _ in 0..400 {
        if pull_requests(&server).await >= pulls + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        pull_requests(&server).await >= pulls + 2,
        "no pull while answers were lost"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Now the answers flow: the resends are answered with the stored
    // outcomes of the edits (the review and comment as they were then).
    proxy.drop_push_responses(false);
    client.sync().await.unwrap();
    client.sync().await.unwrap();
    assert!(client.outbox().items().await.unwrap().is_empty());
    assert!(
        matches!(client.review(&review).await, Err(Error::NotFound(_))),
        "the deleted review came back"
    );
    let mine = client.my_page().await.unwrap();
    let ids: Vec<&str> = mine.reviews.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [kept.as_str()], "a deleted review came back");
    let detail = client.review(&kept).await.unwrap();
    assert!(
        detail.comments.is_empty(),
        "the deleted comment came back: {:?}",
        detail.comments
    );
    assert_eq!(detail.review.comment_count, 0);
    drop(dir);
}

/// Waits (at most 20 s) until `check` holds.
async fn eventually<F, Fut>(client: &Client, what: &str, check: F)
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check(client.clone()).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}: {:?}",
            client.outbox().items().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (at most 15 s) until `client` is online with a sync behind it and
/// its realtime connection is up: what a launch with a stored session
/// starts.
async fn live(client: &Client, who: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let status = client.status();
        if status.signed_in
            && status.online
            && status.last_sync_at.is_some()
            && client.realtime_state() == moa_client_core::RealtimeState::Connected
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{who} never went live: {status:?}, realtime {:?}",
            client.realtime_state()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A UI's sign-in screen goes away the moment the member is signed in, and
/// with it the task that called `sign_in`: the session must start in full
/// all the same (sync loop, realtime socket), as a launch with a stored
/// session does; sign-up likewise; signing out and in as another member
/// starts theirs, with their own data.
async fn a_sign_in_whose_caller_stops_waiting_still_goes_live(engine: Engine) {
    let server = TestServer::start(engine).await;
    let url = server.url("");
    let api = server.api();
    api.signup("jiwoo").await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &url).await.unwrap();

    // Drops the calling task as soon as the account reports signed in.
    async fn abandoned<F>(client: &Client, call: F)
    where
        F: std::future::Future<Output = moa_client_core::Result<moa_client_core::Me>>
            + Send
            + 'static,
    {
        let mut events = client.subscribe();
        let task = tokio::spawn(call);
        loop {
            match tokio::time::timeout(Duration::from_secs(10), events.recv()).await {
                Ok(Ok(Event::Status(s))) if s.signed_in => break,
                Ok(_) => {}
                Err(_) => panic!("never signed in"),
            }
        }
        task.abort();
    }

    let c = client.clone();
    abandoned(&client, async move {
        c.sign_in("jiwoo@test.kr", "password-jiwoo").await
    })
    .await;
    live(&client, "jiwoo").await;
    let review = client.create_review(story("지우의 글")).await.unwrap();
    client.sync().await.unwrap();
    assert_eq!(client.me().await.unwrap().handle, "jiwoo");

    // Signed out, then a new member signs up in the same client.
    client.sign_out().await.unwrap();
    assert!(!client.status().signed_in);
    let c = client.clone();
    abandoned(&client, async move {
        c.sign_up("haneul@test.kr", "password-haneul", "haneul", "하늘")
            .await
    })
    .await;
    live(&client, "haneul").await;
    let me = client.me().await.unwrap();
    assert_eq!(me.handle, "haneul");
    // Their data apart: haneul's page has none of jiwoo's reviews, and the
    // public feed shows jiwoo's review as someone else's.
    assert!(client.my_page().await.unwrap().reviews.is_empty());
    let feed = client.feed(FeedTab::Latest).await.unwrap();
    let theirs = feed
        .iter()
        .find(|r| r.id == review)
        .expect("the feed has jiwoo's review");
    assert_ne!(theirs.author.id, me.id);
    assert!(client.outbox().items().await.unwrap().is_empty());

    // And back to the first member, whose cache is still theirs.
    client.sign_out().await.unwrap();
    let c = client.clone();
    abandoned(&client, async move {
        c.sign_in("jiwoo@test.kr", "password-jiwoo").await
    })
    .await;
    live(&client, "jiwoo again").await;
    let mine = client.my_page().await.unwrap();
    assert_eq!(mine.reviews.len(), 1);
    assert_eq!(mine.reviews[0].id, review);
    drop(dir);
}

async fn sessions_refresh_survive_restarts_and_report_bad_input(engine: Engine) {
    let server = TestServer::start_with(engine, |s| {
        s.access_token_ttl = Duration::from_secs(2);
    })
    .await;
    let url = server.url("");
    let d = sign_up(&url, "tok").await;
    // Wrong password, taken handle, bad email: typed errors, nothing stored.
    let other = device(&url).await;
    let err = other
        .client
        .sign_in("tok@test.kr", "wrong-password")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    let err = other
        .client
        .sign_up("x@test.kr", "password-x", "tok", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code, .. } if code == "handle_taken"),
        "{err:?}"
    );
    let err = other
        .client
        .sign_up("not-an-email", "password-x", "xx_y", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { field: Some(f), .. } if f == "email"),
        "{err:?}"
    );
    assert!(matches!(other.client.me().await, Err(Error::Auth(_))));
    assert!(matches!(
        other.client.feed(FeedTab::Latest).await,
        Err(Error::Auth(_))
    ));
    let err = d
        .client
        .create_review(NewReview {
            rating: Some(9),
            ..story("별 아홉 개")
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }));

    // The access token expires; the client refreshes it on its own.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let review = d
        .client
        .create_review(story("토큰이 바뀌어도"))
        .await
        .unwrap();
    d.client.sync().await.unwrap();
    assert!(d.client.outbox().items().await.unwrap().is_empty());

    // A restart of the app keeps the member signed in, offline too.
    let dir = d.dir;
    drop(d.client);
    let reopened = Client::open_with(
        dir.path(),
        "http://127.0.0.1:9",
        Options {
            background_sync: false,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(reopened.me().await.unwrap().handle, "tok");
    assert_eq!(reopened.my_page().await.unwrap().reviews[0].id, review);
    drop(reopened);
    let reopened = Client::open_with(
        dir.path(),
        &url,
        Options {
            background_sync: false,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    reopened.sync().await.unwrap();

    // Signing out keeps unsent changes for the next sign-in.
    let pending = reopened
        .create_review(story("로그아웃 전에"))
        .await
        .unwrap();
    reopened.sign_out().await.unwrap();
    assert!(!reopened.status().signed_in);
    assert!(matches!(reopened.me().await, Err(Error::Auth(_))));
    reopened
        .sign_in("tok@test.kr", "password-tok")
        .await
        .unwrap();
    reopened.sync().await.unwrap();
    let on_server = count_where(
        &server,
        &format!("SELECT COUNT(*) FROM reviews WHERE id = '{pending}'"),
    )
    .await;
    assert_eq!(on_server, 1);
}

async fn the_outbox_is_controllable_and_online_devices_stay_in_step(engine: Engine) {
    let server = TestServer::start(engine).await;
    let proxy = Proxy::start(server.addr).await;
    let a = sign_up(&proxy.url(), "ctl").await;
    proxy.down();
    let keep = a.client.create_review(story("초안")).await.unwrap();
    let drop_me = a.client.create_review(story("버릴 글")).await.unwrap();
    let items = a.client.outbox().items().await.unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].target_id.as_deref(), Some(keep.as_str()));
    // Edit the unsent review's text; discard the other.
    a.client
        .outbox()
        .edit_pending_text(&items[0].id, None, Some("고친 초안".into()))
        .await
        .unwrap();
    a.client.outbox().discard(&items[1].id).await.unwrap();
    let feed = a.client.feed(FeedTab::Latest).await.unwrap();
    assert_eq!(feed.len(), 1);
    assert_eq!(feed[0].body, "고친 초안");
    assert!(feed.iter().all(|r| r.id != drop_me));
    // Editing the review before it is sent folds into the queued create.
    a.client
        .edit_review(
            &keep,
            ReviewChanges {
                title: Some("새 제목".into()),
                ..ReviewChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(a.client.outbox().items().await.unwrap().len(), 1);
    assert!(a.client.outbox().discard("no-such-item").await.is_err());
    proxy.up().await;
    // The first push may go out on a pooled connection the proxy cut while
    // it was down (a network error: the item waits its backoff, as designed);
    // the app's next sync sends it.
    if a.client.sync().await.is_err() {
        for item in a.client.outbox().items().await.unwrap() {
            a.client.outbox().retry(&item.id).await.unwrap();
        }
        a.client.sync().await.unwrap();
    }
    let stored = server
        .api()
        .get(&format!("/v1/reviews/{keep}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(stored["body"], "고친 초안");
    assert_eq!(stored["title"], "새 제목");
    server
        .api()
        .get(&format!("/v1/reviews/{drop_me}"), None)
        .await
        .expect(404);

    // Two devices with the background loop: an edit on one reaches the
    // other without anyone asking.
    let dir = tempfile::tempdir().unwrap();
    let b = Client::open(dir.path(), &proxy.url()).await.unwrap();
    b.sign_in("ctl@test.kr", "password-ctl").await.unwrap();
    b.sync().await.unwrap();
    b.review(&keep).await.unwrap();
    let mut events = b.subscribe();
    let dir_c = tempfile::tempdir().unwrap();
    let c = Client::open(dir_c.path(), &proxy.url()).await.unwrap();
    c.sign_in("ctl@test.kr", "password-ctl").await.unwrap();
    c.sync().await.unwrap();
    c.edit_review(
        &keep,
        ReviewChanges {
            body: Some("실시간".into()),
            ..ReviewChanges::default()
        },
    )
    .await
    .unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::Changed(_)) = events.recv().await
                && b.review(&keep).await.unwrap().review.body == "실시간"
            {
                return;
            }
        }
    })
    .await;
    assert!(seen.is_ok(), "device B never saw the edit");
    assert!(b.status().online);
    assert!(b.status().last_sync_at.is_some());
}

both_engines!(
    an_edit_after_a_lost_answer_reaches_the_server,
    deleting_a_message_whose_send_lost_its_answer_deletes_it,
    deleted_things_stay_deleted_when_older_answers_arrive,
    a_sign_in_whose_caller_stops_waiting_still_goes_live,
    the_outbox_is_controllable_and_online_devices_stay_in_step,
    sessions_refresh_survive_restarts_and_report_bad_input,
    offline_writes_reach_the_other_device_once,
    a_lost_push_response_is_retried_without_duplicates,
    conflicting_edits_keep_the_losing_text_as_a_draft,
    first_sync_of_a_large_account_is_paged_and_resumable,
    a_client_killed_mid_sync_loses_nothing,
    random_operations_on_three_clients_converge,
);
