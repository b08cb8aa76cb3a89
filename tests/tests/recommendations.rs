//! Discovery beyond the popular rank, end to end on both engines: views
//! count once per member and day through sync and REST, tallied and folded
//! in batches (surviving a restart) and carried to devices by the change
//! log; the "for you" tab recommends what members with the same taste
//! engaged with, never the member's own or already-read reviews, falls
//! back to popular for newcomers and follows new interactions after an
//! incremental refresh; similar reviews and products on Korean text.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::Duration;

use moa_protocol::Role;
use moa_tests::{Api, Engine, Session, TestServer, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    views_count_once_a_day_in_batches,
    for_you_follows_taste_and_leaves_out_the_seen,
    similar_reviews_and_products_share_words,
);

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn story(api: &Api, s: &Session, title: &str, body: &str, tags: &[&str]) -> String {
    let id = new_id();
    let req = json!({"id": id, "kind": "story", "title": title, "body": body, "tags": tags});
    api.post("/v1/reviews", s.token(), req).await.expect(201);
    id
}

async fn members(api: &Api, prefix: &str, n: usize) -> Vec<Session> {
    let mut v = Vec::new();
    for i in 0..n {
        v.push(api.signup(&format!("{prefix}{i}")).await);
    }
    v
}

async fn like(api: &Api, who: &Session, review: &str) {
    api.put(
        &format!("/v1/reviews/{review}/like"),
        who.token(),
        json!({}),
    )
    .await
    .expect(200);
}

async fn view_count(api: &Api, review: &str) -> i64 {
    api.get(&format!("/v1/reviews/{review}"), None)
        .await
        .expect(200)
        .body["view_count"]
        .as_i64()
        .unwrap()
}

async fn push_views(api: &Api, who: &Session, ids: &[&str]) -> Value {
    let body = json!({"mutations": [{"id": new_id(), "name": "views.record", "args": {"review_ids": ids}}]});
    let answer = api
        .post("/v1/sync/push", who.token(), body)
        .await
        .expect(200)
        .body;
    answer["results"][0].clone()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn for_you(api: &Api, who: &Session) -> Vec<String> {
    ids(&api
        .get("/v1/feeds/for_you?limit=50", who.token())
        .await
        .expect(200)
        .body)
}

async fn refresh(server: &TestServer) -> moa_server::discovery::neighbours::Report {
    let mut built = server.state.recs.lock().await;
    moa_server::discovery::neighbours::refresh_db(
        &server.state.db,
        &mut built,
        moa_server::util::now_ms(),
    )
    .await
    .unwrap()
}

async fn log_head(server: &TestServer) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM changes")
        .fetch_one(server.state.db.read())
        .await
        .unwrap()
}

async fn views_count_once_a_day_in_batches(engine: Engine) {
    // The flusher never runs by itself here: the test folds by hand.
    let configure = |s: &mut moa_server::Settings| s.views_flush = Duration::from_secs(3600);
    let server = TestServer::start_with(engine, configure).await;
    let api = server.api();
    let author = api.signup("author").await;
    let readers = members(&api, "reader", 2).await;
    let first = story(&api, &author, "첫 리뷰", "내용", &[]).await;
    let second = story(&api, &author, "둘째 리뷰", "내용", &[]).await;

    // Through sync: a batch with a repeat counts each review once.
    let answer = push_views(&api, &readers[0], &[&first, &first, &second]).await;
    assert_eq!(answer["status"], "applied", "{answer}");
    assert_eq!(answer["result"]["counted"], 2);
    // Again the same day, through REST: nothing new.
    let again = api
        .post(
            "/v1/views",
            readers[0].token(),
            json!({"review_ids": [first]}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(again["counted"], 0);
    // The author's own reading, and reviews that do not exist, count nothing.
    let own = push_views(&api, &author, &[&first]).await;
    assert_eq!(own["result"]["counted"], 0);
    let gone = push_views(&api, &readers[1], &[&new_id(), &first]).await;
    assert_eq!(gone["result"]["counted"], 1);

    // Tallied, not yet on the reviews (no write to the review per view).
    assert_eq!(view_count(&api, &first).await, 0);
    assert_eq!(server.count("review_view_tally").await, 2);

    // The tallies survive a restart and fold in one pass.
    let server = server.restart().await;
    let api = server.api();
    let log_before = log_head(&server).await;
    let folded = moa_server::discovery::views::flush(&server.state)
        .await
        .unwrap();
    assert_eq!(folded, 2);
    assert_eq!(view_count(&api, &first).await, 2);
    assert_eq!(view_count(&api, &second).await, 1);
    assert_eq!(server.count("review_view_tally").await, 0);
    assert!(
        log_head(&server).await > log_before,
        "the new counts reach devices through the change log"
    );
    // Folding again changes nothing.
    let folded = moa_server::discovery::views::flush(&server.state)
        .await
        .unwrap();
    assert_eq!(folded, 0);
    assert_eq!(view_count(&api, &first).await, 2);

    // Bad input changes nothing.
    let too_many: Vec<String> = (0..101).map(|_| new_id()).collect();
    api.post(
        "/v1/views",
        readers[1].token(),
        json!({"review_ids": too_many}),
    )
    .await
    .expect(422);
    api.post(
        "/v1/views",
        readers[1].token(),
        json!({"review_ids": ["not-an-id"]}),
    )
    .await
    .expect(422);
    api.post("/v1/views", readers[1].token(), json!({"review_ids": 3}))
        .await
        .expect(422);
    api.post("/v1/views", None, json!({"review_ids": [first]}))
        .await
        .expect(401);
    let bad = push_views(&api, &readers[1], &["nope"]).await;
    assert_eq!(bad["status"], "rejected", "{bad}");
    assert_eq!(server.count("review_view_tally").await, 0);
}

async fn for_you_follows_taste_and_leaves_out_the_seen(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let baristas = members(&api, "barista", 2).await;
    let campers = members(&api, "camper", 2).await;
    // Coffee reviews by two authors, camping reviews by two others.
    let mut coffee = Vec::new();
    for i in 0..6 {
        let by = &baristas[i % 2];
        coffee.push(
            story(
                &api,
                by,
                &format!("커피 {i}"),
                "원두 향이 좋아요",
                &["#커피"],
            )
            .await,
        );
    }
    let mut camping = Vec::new();
    for i in 0..6 {
        let by = &campers[i % 2];
        camping.push(
            story(
                &api,
                by,
                &format!("캠핑 {i}"),
                "텐트 치기 좋은 곳",
                &["#캠핑"],
            )
            .await,
        );
    }
    // Planted tastes: coffee lovers like every coffee review, campers every
    // camping review; camping is more liked overall (popular leans to it).
    for m in &members(&api, "coffeefan", 5).await {
        for r in &coffee {
            like(&api, m, r).await;
        }
    }
    for m in &members(&api, "campfan", 8).await {
        for r in &camping {
            like(&api, m, r).await;
        }
    }
    let me = api.signup("newbie").await;
    let mine = story(&api, &me, "내 커피 리뷰", "원두", &["#커피"]).await;
    like(&api, &me, &coffee[0]).await;
    like(&api, &me, &coffee[1]).await;
    // (The node's own job may have built an empty model at start: this run
    // is then incremental, over everything written since.)
    let report = refresh(&server).await;
    assert!(report.written > 0);

    let list = for_you(&api, &me).await;
    assert!(!list.contains(&mine), "never one's own");
    assert!(
        !list.contains(&coffee[0]) && !list.contains(&coffee[1]),
        "never the liked"
    );
    let pos = |id: &String| list.iter().position(|x| x == id).unwrap_or(usize::MAX);
    let worst_coffee = coffee[2..].iter().map(pos).max().unwrap();
    let best_camping = camping.iter().map(pos).min().unwrap();
    assert!(
        worst_coffee < best_camping,
        "coffee first for a coffee lover: {list:?}"
    );
    // No more than two in a row by one author.
    let authors: Vec<String> = {
        let page = api
            .get("/v1/feeds/for_you?limit=50", me.token())
            .await
            .expect(200)
            .body;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["author"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        authors.windows(3).all(|w| !(w[0] == w[1] && w[1] == w[2])),
        "{authors:?}"
    );

    // Read → gone; hidden → gone.
    api.post("/v1/views", me.token(), json!({"review_ids": [coffee[2]]}))
        .await
        .expect(200);
    let moderator = account_with_role(&server, "modpark", Role::Moderator).await;
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        json!({"target_type": "review", "target_id": coffee[3], "action": "hide", "reason": "테스트"}),
    )
    .await
    .expect(200);
    let list = for_you(&api, &me).await;
    assert!(
        !list.contains(&coffee[2]) && !list.contains(&coffee[3]),
        "{list:?}"
    );
    assert!(list.contains(&coffee[4]));

    // Paging: the cursor goes on where the page ended, no repeats.
    let first = api
        .get("/v1/feeds/for_you?limit=3", me.token())
        .await
        .expect(200)
        .body;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let next = api
        .get(
            &format!("/v1/feeds/for_you?limit=50&cursor={cursor}"),
            me.token(),
        )
        .await
        .expect(200)
        .body;
    let mut both = ids(&first);
    both.extend(ids(&next));
    assert_eq!(both, list);
    api.get("/v1/feeds/for_you?cursor=bm9wZQ", me.token())
        .await
        .expect(400);
    api.get("/v1/feeds/for_you", None).await.expect(401);

    // A newcomer with no history: popular, minus nothing of theirs.
    let cold = api.signup("coldstart").await;
    let popular = ids(&api
        .get("/v1/feeds/popular?limit=50", cold.token())
        .await
        .expect(200)
        .body);
    let mut cold_list = for_you(&api, &cold).await;
    assert_eq!(cold_list.len(), popular.len());
    cold_list.sort();
    let mut sorted = popular.clone();
    sorted.sort();
    assert_eq!(cold_list, sorted);

    // Synced as a window like the other tabs.
    let pulled = api
        .post(
            "/v1/sync/pull",
            me.token(),
            json!({"windows": [{"tab": "for_you", "size": 20}]}),
        )
        .await
        .expect(200)
        .body;
    let window = &pulled["windows"][0];
    assert_eq!(window["tab"], "for_you");
    assert!(!window["reviews"].as_array().unwrap().is_empty());

    // New engagement after the rebuild: an incremental refresh takes it in.
    let fresh = story(&api, &baristas[0], "새 커피", "라떼 아트", &["#커피"]).await;
    for m in &members(&api, "latefan", 4).await {
        like(&api, m, &coffee[0]).await;
        like(&api, m, &fresh).await;
    }
    let report = refresh(&server).await;
    assert!(!report.full, "the second run reads only what is new");
    assert!(report.written >= 2);
    let list = for_you(&api, &me).await;
    let fresh_at = list
        .iter()
        .position(|x| *x == fresh)
        .expect("the new coffee review");
    assert!(
        camping
            .iter()
            .all(|c| list.iter().position(|x| x == c) > Some(fresh_at)),
        "{list:?}"
    );
}

async fn similar_reviews_and_products_share_words(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("writer").await;
    let b = api.signup("another").await;
    let tumbler = story(
        &api,
        &a,
        "스테인리스 텀블러",
        "스테인리스 텀블러는 보온이 정말 오래가요",
        &["#텀블러"],
    )
    .await;
    let tumbler2 = story(
        &api,
        &b,
        "텀블러 후기",
        "이 텀블러가 보온 최고예요, 스테인리스라 튼튼",
        &[],
    )
    .await;
    let latte = story(
        &api,
        &b,
        "성수동 라떼",
        "성수동 라떼 맛집 추천합니다",
        &["#카페"],
    )
    .await;
    let latte2 = story(&api, &a, "라떼 맛집", "라떼가 고소한 카페", &["#카페"]).await;

    let similar = api
        .get(&format!("/v1/reviews/{tumbler}/similar"), b.token())
        .await
        .expect(200)
        .body;
    let found: Vec<String> = similar
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found.first(), Some(&tumbler2), "{found:?}");
    assert!(!found.contains(&tumbler), "never itself");
    let latte_similar = api
        .get(&format!("/v1/reviews/{latte}/similar?limit=1"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(latte_similar.as_array().unwrap().len(), 1);
    assert_eq!(latte_similar[0]["id"], latte2.as_str());

    // Hidden reviews are never offered, and a hidden one has no row.
    let moderator = account_with_role(&server, "modchoi", Role::Moderator).await;
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        json!({"target_type": "review", "target_id": tumbler2, "action": "hide", "reason": "테스트"}),
    )
    .await
    .expect(200);
    let after = api
        .get(&format!("/v1/reviews/{tumbler}/similar"), b.token())
        .await
        .expect(200)
        .body;
    assert!(!after.to_string().contains(&tumbler2));
    api.get(&format!("/v1/reviews/{tumbler2}/similar"), b.token())
        .await
        .expect(404);
    api.get(&format!("/v1/reviews/{}/similar", new_id()), None)
        .await
        .expect(404);
    api.get("/v1/reviews/nope/similar", None).await.expect(404);
    api.get(&format!("/v1/reviews/{latte}/similar?limit=0"), None)
        .await
        .expect(400);

    // Products: close names come first.
    let mut products = Vec::new();
    for name in [
        "스테인리스 텀블러 500ml",
        "스테인리스 텀블러 350ml",
        "원두 커피 1kg",
    ] {
        let body = json!({"name": name, "price_krw": 15000});
        let created = api
            .post("/v1/products", a.token(), body)
            .await
            .expect(201)
            .body;
        products.push(created["product"]["id"].as_str().unwrap().to_owned());
    }
    let similar = api
        .get(&format!("/v1/products/{}/similar", products[0]), None)
        .await
        .expect(200)
        .body;
    assert_eq!(similar[0]["id"], products[1].as_str(), "{similar}");
    assert!(!similar.to_string().contains(&products[0]));
    api.get(&format!("/v1/products/{}/similar", new_id()), None)
        .await
        .expect(404);
}
