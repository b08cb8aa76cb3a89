//! Community content end to end, on SQLite and PostgreSQL: places and
//! products, reviews (with per-field edit conflicts), comments and replies,
//! likes, scraps, follows, feeds and their pagination, counters under
//! concurrency, and the rules on who may write what.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_protocol::Role;
use moa_tests::{Api, Engine, Session, TestServer, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    places_and_products_are_not_added_twice,
    reviews_are_validated_and_idempotent,
    edits_conflict_per_field_and_deletes_are_soft,
    comments_and_one_level_of_replies,
    likes_scraps_and_follows_are_idempotent,
    feeds_page_without_gaps_while_reviews_arrive,
    like_counts_stay_exact_under_concurrency,
    suspended_members_cannot_write_content,
    writes_are_recorded_in_the_change_log,
);

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn post_review(api: &Api, s: &Session, body: Value) -> Value {
    api.post("/v1/reviews", s.token(), body)
        .await
        .expect(201)
        .body
}

fn snap(text: &str) -> Value {
    json!({"id": uuid(), "kind": "snap", "body": text})
}

async fn places_and_products_are_not_added_twice(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("minji").await;
    let place = json!({"name": "카페 모아", "address": "서울 성동구 연무장길 12", "category": "cafe", "latitude": 37.54, "longitude": 127.05});
    let first = api
        .post("/v1/places", s.token(), place)
        .await
        .expect(201)
        .body;
    assert_eq!(first["created"], true);
    let id = first["place"]["id"].as_str().unwrap().to_owned();
    // Same name and address, spelled a little differently: offered, not added.
    let again =
        json!({"name": "카페모아", "address": "서울 성동구, 연무장길 12", "category": "cafe"});
    let dup = api
        .post("/v1/places", s.token(), again)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (dup["created"].clone(), dup["place"]["id"].clone()),
        (json!(false), json!(id))
    );
    assert_eq!(server.count("places").await, 1);

    for (body, field) in [
        (
            json!({"name": "x", "address": "y", "category": "cafe", "latitude": 37.5}),
            "longitude",
        ),
        (
            json!({"name": "x", "address": "y", "category": "cafe", "latitude": 91.0, "longitude": 0.0}),
            "latitude",
        ),
        (
            json!({"name": " ", "address": "y", "category": "cafe"}),
            "name",
        ),
        (
            json!({"name": "x", "address": "y", "category": "spaceship"}),
            "category",
        ),
        (
            json!({"id": "not-a-uuid", "name": "x", "address": "y", "category": "cafe"}),
            "id",
        ),
    ] {
        let r = api.post("/v1/places", s.token(), body).await;
        assert_eq!(r.expect_error(422, "invalid_field").field(), field);
    }
    api.post(
        "/v1/places",
        None,
        json!({"name": "x", "address": "y", "category": "cafe"}),
    )
    .await
    .expect_error(401, "missing_token");

    let product = json!({"name": "무선 이어폰 X", "price_krw": 129000, "shop_url": "https://shop.example.kr/p/1",
        "options": [{"name": "색상", "values": ["검정", "흰색"]}]});
    let p = api
        .post("/v1/products", s.token(), product.clone())
        .await
        .expect(201)
        .body;
    assert_eq!(p["product"]["options"][0]["values"][1], "흰색");
    api.post("/v1/products", s.token(), product)
        .await
        .expect(200);
    let bad_price = json!({"name": "y", "price_krw": -1});
    assert_eq!(
        api.post("/v1/products", s.token(), bad_price)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "price_krw"
    );
    let bad_url = json!({"name": "y", "price_krw": 1, "shop_url": "javascript:x"});
    assert_eq!(
        api.post("/v1/products", s.token(), bad_url)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "shop_url"
    );
    let bad_option =
        json!({"name": "y", "price_krw": 1, "options": [{"name": "크기", "values": []}]});
    assert_eq!(
        api.post("/v1/products", s.token(), bad_option)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "options[0].values"
    );

    let found = api
        .get("/v1/places?q=%EB%AA%A8%EC%95%84", None)
        .await
        .expect(200)
        .body; // "모아"
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    api.get(&format!("/v1/places/{id}"), None).await.expect(200);
    api.get(&format!("/v1/places/{}", uuid()), None)
        .await
        .expect_error(404, "not_found");
    let products = api
        .get("/v1/products?q=%EC%9D%B4%EC%96%B4%ED%8F%B0", None)
        .await
        .expect(200)
        .body; // "이어폰"
    assert_eq!(products["items"][0]["price_krw"], 129000);
}

async fn reviews_are_validated_and_idempotent(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("jiwoo").await;
    let other = api.signup("seojun").await;
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let place = api
        .post("/v1/places", s.token(), json!({"name": "연남 떡볶이", "address": "서울 마포구 연남동 1", "category": "restaurant"}))
        .await
        .expect(201)
        .body["place"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = uuid();
    let photo = moa_tests::upload_photo(&api, &s, 1).await;
    let story = json!({"id": id, "kind": "story", "title": "인생 떡볶이", "body": "국물이 진하고 맵다. 또 갈 것!",
        "subject": {"type": "place", "id": place}, "rating": 5, "tags": ["#떡볶이", "연남동", "떡볶이"],
        "photos": [photo]});
    let r = post_review(&api, &s, story.clone()).await;
    assert_eq!(r["tags"], json!(["떡볶이", "연남동"]));
    assert_eq!(r["subject"]["name"], "연남 떡볶이");
    assert_eq!(r["author"]["handle"], "jiwoo");
    assert_eq!(r["version"], 1);
    // A retry of the same request is harmless; someone else cannot take the id.
    let replay = api
        .post("/v1/reviews", s.token(), story.clone())
        .await
        .expect(200)
        .body;
    assert_eq!(replay["id"], id.as_str());
    api.post("/v1/reviews", other.token(), story)
        .await
        .expect_error(409, "conflict");
    assert_eq!(server.count("reviews").await, 1);

    let cases = [
        (
            json!({"kind": "snap", "title": "제목", "body": "짧게"}),
            "title",
        ),
        (json!({"kind": "snap", "body": "가".repeat(501)}), "body"),
        (
            json!({"kind": "snap", "body": "ok", "photos": [uuid(), uuid(), uuid(), uuid(), uuid()]}),
            "photos",
        ),
        (
            json!({"kind": "snap", "body": "ok", "photos": ["../x"]}),
            "photos[0]",
        ),
        (
            json!({"kind": "story", "title": "", "body": "본문"}),
            "title",
        ),
        (
            json!({"kind": "story", "title": "t", "body": "b", "rating": 6}),
            "rating",
        ),
        (
            json!({"kind": "story", "title": "t", "body": "b", "tags": ["a b"]}),
            "tags[0]",
        ),
        (
            json!({"kind": "story", "title": "t", "body": "b", "subject": {"type": "place", "id": uuid()}}),
            "subject.id",
        ),
        (json!({"kind": "poem", "body": "b"}), "kind"),
        (json!({"kind": "snap", "body": 5}), "body"),
    ];
    for (body, field) in cases {
        let r = api.post("/v1/reviews", s.token(), body.clone()).await;
        assert_eq!(
            r.expect_error(422, "invalid_field").field(),
            field,
            "{body}"
        );
    }
    let official = json!({"kind": "snap", "body": "공지", "official": true});
    api.post("/v1/reviews", s.token(), official.clone())
        .await
        .expect_error(403, "forbidden");
    let o = post_review(&api, &moderator, official).await;
    assert_eq!(o["official"], true);

    // Views: reading (GET) counts nothing; `POST /v1/views` counts once per
    // member per day, never the author's own, once the tallies are folded.
    for _ in 0..3 {
        api.get(&format!("/v1/reviews/{id}"), other.token())
            .await
            .expect(200);
        api.post("/v1/views", other.token(), json!({"review_ids": [id]}))
            .await
            .expect(200);
    }
    api.post("/v1/views", s.token(), json!({"review_ids": [id]}))
        .await
        .expect(200);
    moa_server::discovery::views::flush(&server.state)
        .await
        .unwrap();
    let r = api
        .get(&format!("/v1/reviews/{id}"), s.token())
        .await
        .expect(200)
        .body;
    assert_eq!(r["view_count"], 1);

    let p = api
        .get(&format!("/v1/places/{place}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (p["review_count"].clone(), p["average_rating"].clone()),
        (json!(1), json!(5.0))
    );
    let me = api.get("/v1/me", s.token()).await.expect(200).body;
    assert_eq!(me["counts"]["reviews"], 1);
    api.get("/v1/reviews/not-a-uuid", None)
        .await
        .expect_error(404, "not_found");
}

async fn edits_conflict_per_field_and_deletes_are_soft(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("haeun").await;
    let other = api.signup("doyoon").await;
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let r = post_review(
        &api,
        &s,
        json!({"id": uuid(), "kind": "story", "title": "캠핑 의자", "body": "가볍다", "rating": 4}),
    )
    .await;
    let id = r["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/reviews/{id}");

    // Device A edits the body, device B (also on version 1) the title: both apply.
    let a = api
        .patch(
            &path,
            s.token(),
            json!({"base_version": 1, "body": "가볍고 튼튼하다"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(a["version"], 2);
    assert!(a["edited_at"].is_i64());
    let b = api
        .patch(
            &path,
            s.token(),
            json!({"base_version": 1, "title": "최고의 캠핑 의자"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        (b["version"].clone(), b["body"].clone()),
        (json!(3), json!("가볍고 튼튼하다"))
    );
    // Device C, still on version 1, edits the body A changed: refused, with the current text.
    let c = api
        .patch(
            &path,
            s.token(),
            json!({"base_version": 1, "body": "무겁다"}),
        )
        .await
        .expect_error(409, "conflict");
    assert_eq!(c.body["error"]["current"]["body"], "가볍고 튼튼하다");
    api.patch(&path, s.token(), json!({"base_version": 3, "rating": null}))
        .await
        .expect(200);
    api.patch(&path, s.token(), json!({"base_version": 9, "body": "x"}))
        .await
        .expect_error(422, "invalid_field");
    api.patch(&path, s.token(), json!({"body": "x"}))
        .await
        .expect_error(422, "invalid_field");

    // Only the author edits or deletes; nothing changes otherwise.
    api.patch(
        &path,
        other.token(),
        json!({"base_version": 4, "body": "해킹"}),
    )
    .await
    .expect_error(403, "not_author");
    api.delete(&path, other.token(), None)
        .await
        .expect_error(403, "not_author");
    api.delete(&path, moderator.token(), None)
        .await
        .expect_error(403, "not_author");
    assert_eq!(
        api.get(&path, None).await.expect(200).body["body"],
        "가볍고 튼튼하다"
    );

    api.delete(&path, s.token(), None).await.expect(204);
    api.delete(&path, s.token(), None).await.expect(204);
    api.get(&path, other.token())
        .await
        .expect_error(404, "not_found");
    api.patch(&path, s.token(), json!({"base_version": 5, "body": "x"}))
        .await
        .expect_error(404, "not_found");
    let seen = api.get(&path, moderator.token()).await.expect(200).body;
    assert_eq!(
        seen["deleted"], true,
        "moderators see deleted content, marked"
    );
    let latest = api.get("/v1/feeds/latest", None).await.expect(200).body;
    assert!(latest["items"].as_array().unwrap().is_empty());
    let me = api.get("/v1/me", s.token()).await.expect(200).body;
    assert_eq!(me["counts"]["reviews"], 0);
}

async fn comments_and_one_level_of_replies(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let author = api.signup("seoyeon").await;
    let reader = api.signup("minji").await;
    let review = post_review(&api, &author, snap("토너 추천해요")).await;
    let rid = review["id"].as_str().unwrap().to_owned();
    let comments = format!("/v1/reviews/{rid}/comments");

    let c1 = api
        .post(
            &comments,
            reader.token(),
            json!({"id": uuid(), "body": "어디서 샀어요?"}),
        )
        .await
        .expect(201)
        .body;
    let c1_id = c1["id"].as_str().unwrap().to_owned();
    let reply = api
        .post(
            &comments,
            author.token(),
            json!({"body": "올리브영이요", "parent_id": c1_id}),
        )
        .await
        .expect(201)
        .body;
    let reply_id = reply["id"].as_str().unwrap().to_owned();
    let deeper = json!({"body": "감사!", "parent_id": reply_id});
    assert_eq!(
        api.post(&comments, reader.token(), deeper)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "parent_id"
    );
    let stranger = json!({"body": "x", "parent_id": uuid()});
    api.post(&comments, reader.token(), stranger)
        .await
        .expect_error(422, "invalid_field");
    api.post(&comments, reader.token(), json!({"body": "   "}))
        .await
        .expect_error(422, "invalid_field");
    api.post(
        &format!("/v1/reviews/{}/comments", uuid()),
        reader.token(),
        json!({"body": "x"}),
    )
    .await
    .expect_error(404, "not_found");

    let list = api.get(&comments, None).await.expect(200).body;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], c1_id.as_str());
    assert_eq!(items[0]["reply_count"], 1);
    assert_eq!(items[1]["parent_id"], c1_id.as_str());
    let r = api
        .get(&format!("/v1/reviews/{rid}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(r["comment_count"], 2);

    let cpath = format!("/v1/comments/{c1_id}");
    api.patch(
        &cpath,
        author.token(),
        json!({"base_version": 1, "body": "x"}),
    )
    .await
    .expect_error(403, "not_author");
    api.patch(
        &cpath,
        reader.token(),
        json!({"base_version": 1, "body": "어디서 사셨어요?"}),
    )
    .await
    .expect(200);
    let stale = api
        .patch(
            &cpath,
            reader.token(),
            json!({"base_version": 1, "body": "다른 기기"}),
        )
        .await;
    assert_eq!(
        stale.expect_error(409, "conflict").body["error"]["current"]["body"],
        "어디서 사셨어요?"
    );
    api.delete(&format!("/v1/comments/{reply_id}"), reader.token(), None)
        .await
        .expect_error(403, "not_author");
    api.delete(&format!("/v1/comments/{reply_id}"), author.token(), None)
        .await
        .expect(204);
    let list = api.get(&comments, None).await.expect(200).body;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["reply_count"], 0);
    let r = api
        .get(&format!("/v1/reviews/{rid}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(r["comment_count"], 1);

    // Pages of comments follow each other without repeats.
    for i in 0..5 {
        api.post(
            &comments,
            reader.token(),
            json!({"body": format!("댓글 {i}")}),
        )
        .await
        .expect(201);
    }
    let p1 = api
        .get(&format!("{comments}?limit=4"), None)
        .await
        .expect(200)
        .body;
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = api
        .get(&format!("{comments}?limit=4&cursor={cursor}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        p1["items"].as_array().unwrap().len() + p2["items"].as_array().unwrap().len(),
        6
    );
    assert!(p2["next_cursor"].is_null());
}

async fn likes_scraps_and_follows_are_idempotent(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let b = api.signup("seojun").await;
    let review = post_review(&api, &a, snap("성수 카페")).await;
    let rid = review["id"].as_str().unwrap().to_owned();
    let like = format!("/v1/reviews/{rid}/like");

    for _ in 0..2 {
        let r = api.put(&like, b.token(), json!({})).await.expect(200).body;
        assert_eq!(
            (r["liked"].clone(), r["like_count"].clone()),
            (json!(true), json!(1))
        );
    }
    let seen = api
        .get(&format!("/v1/reviews/{rid}"), b.token())
        .await
        .expect(200)
        .body;
    assert_eq!(seen["liked_by_me"], true);
    let likers = api
        .get(&format!("/v1/reviews/{rid}/likes"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(likers["items"][0]["member"]["handle"], "seojun");
    let liked = api
        .get("/v1/me/liked-reviews", b.token())
        .await
        .expect(200)
        .body;
    assert_eq!(liked["items"][0]["id"], rid.as_str());
    for _ in 0..2 {
        let r = api.delete(&like, b.token(), None).await.expect(200).body;
        assert_eq!(r["like_count"], 0);
    }
    api.put(
        &format!("/v1/reviews/{}/like", uuid()),
        b.token(),
        json!({}),
    )
    .await
    .expect_error(404, "not_found");

    // Comments and replies are liked the same way.
    let c = api
        .post(
            &format!("/v1/reviews/{rid}/comments"),
            b.token(),
            json!({"body": "좋아요"}),
        )
        .await
        .expect(201)
        .body;
    let clike = format!("/v1/comments/{}/like", c["id"].as_str().unwrap());
    assert_eq!(
        api.put(&clike, a.token(), json!({})).await.expect(200).body["like_count"],
        1
    );

    let scrap = format!("/v1/reviews/{rid}/scrap");
    api.put(&scrap, b.token(), json!({})).await.expect(200);
    assert_eq!(
        api.put(&scrap, b.token(), json!({})).await.expect(200).body["scrap_count"],
        1
    );
    let scraps = api.get("/v1/me/scraps", b.token()).await.expect(200).body;
    assert_eq!(scraps["items"][0]["scrapped_by_me"], true);
    api.delete(&scrap, b.token(), None).await.expect(200);
    assert!(
        api.get("/v1/me/scraps", b.token()).await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let follow = format!("/v1/users/{}/follow", a.user_id);
    for _ in 0..2 {
        assert_eq!(
            api.put(&follow, b.token(), json!({}))
                .await
                .expect(200)
                .body["follower_count"],
            1
        );
    }
    let own = format!("/v1/users/{}/follow", b.user_id);
    assert_eq!(
        api.put(&own, b.token(), json!({}))
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "id"
    );
    api.put(
        &format!("/v1/users/{}/follow", uuid()),
        b.token(),
        json!({}),
    )
    .await
    .expect_error(404, "not_found");
    let profile = api
        .get(&format!("/v1/users/{}", a.user_id), b.token())
        .await
        .expect(200)
        .body;
    assert_eq!(profile["followed_by_me"], true);
    assert_eq!(
        profile["counts"],
        json!({"reviews": 1, "followers": 1, "following": 0, "helper_reviews": 0, "helper_rating_sum": 0})
    );
    let followers = api
        .get(&format!("/v1/users/{}/followers", a.user_id), None)
        .await
        .expect(200)
        .body;
    assert_eq!(followers["items"][0]["member"]["id"], b.user_id.as_str());
    let following = api
        .get(&format!("/v1/users/{}/following", b.user_id), None)
        .await
        .expect(200)
        .body;
    assert_eq!(following["items"][0]["member"]["id"], a.user_id.as_str());

    // A removes B from their followers.
    api.delete(&format!("/v1/me/followers/{}", b.user_id), a.token(), None)
        .await
        .expect(204);
    let profile = api
        .get(&format!("/v1/users/{}", a.user_id), b.token())
        .await
        .expect(200)
        .body;
    assert_eq!(
        (
            profile["followed_by_me"].clone(),
            profile["counts"]["followers"].clone()
        ),
        (json!(false), json!(0))
    );
    let me = api.get("/v1/me", b.token()).await.expect(200).body;
    assert_eq!(me["counts"]["following"], 0);
}

async fn feeds_page_without_gaps_while_reviews_arrive(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let b = api.signup("jiwoo").await;
    let c = api.signup("haeun").await;
    let mut by_a = Vec::new();
    for i in 0..12 {
        let author = if i % 2 == 0 { &a } else { &b };
        let mut body = snap(&format!("리뷰 {i}"));
        body["tags"] = json!(if i % 3 == 0 {
            vec!["카페"]
        } else {
            vec!["맛집"]
        });
        let r = post_review(&api, author, body).await;
        if i % 2 == 0 {
            by_a.push(r["id"].as_str().unwrap().to_owned());
        }
    }
    // Page through "latest" while another client keeps posting, concurrently
    // and between pages.
    let writer = {
        let (api, c) = (api.clone(), c.clone());
        tokio::spawn(async move {
            for i in 0..15 {
                post_review(&api, &c, snap(&format!("동시에 올라온 리뷰 {i}"))).await;
            }
        })
    };
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/v1/feeds/latest?limit=5&cursor={cur}"),
            None => "/v1/feeds/latest?limit=5".to_owned(),
        };
        let page = api.get(&path, None).await.expect(200).body;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        post_review(&api, &c, snap("새 리뷰")).await;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    writer.await.unwrap();
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no review twice");
    // Every review posted before paging began was seen exactly once.
    let all = api
        .get("/v1/feeds/latest?limit=100", None)
        .await
        .expect(200)
        .body;
    let body_of = |id: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["body"].as_str().unwrap().to_owned())
    };
    let old_seen = seen
        .iter()
        .filter(|id| body_of(id).is_some_and(|b| b.starts_with("리뷰 ")))
        .count();
    assert_eq!(old_seen, 12, "no gaps");

    // Following: only followed authors.
    api.put(
        &format!("/v1/users/{}/follow", a.user_id),
        c.token(),
        json!({}),
    )
    .await
    .expect(200);
    let following = api
        .get("/v1/feeds/following?limit=100", c.token())
        .await
        .expect(200)
        .body;
    let ids: Vec<&str> = following["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = by_a.iter().map(String::as_str).rev().collect();
    expected.truncate(100);
    assert_eq!(ids, expected);
    api.get("/v1/feeds/following", None)
        .await
        .expect_error(401, "missing_token");
    api.get("/v1/feeds/sideways", None)
        .await
        .expect_error(404, "not_found");
    api.get("/v1/feeds/latest?cursor=garbage", None)
        .await
        .expect_error(400, "invalid_parameter");

    // Popular: engagement lifts an older review above newer quiet ones.
    let old = &by_a[0];
    for s in [&b, &c] {
        api.put(&format!("/v1/reviews/{old}/like"), s.token(), json!({}))
            .await
            .expect(200);
        api.put(&format!("/v1/reviews/{old}/scrap"), s.token(), json!({}))
            .await
            .expect(200);
        api.post(
            &format!("/v1/reviews/{old}/comments"),
            s.token(),
            json!({"body": "최고"}),
        )
        .await
        .expect(201);
    }
    let popular = api
        .get("/v1/feeds/popular?limit=3", None)
        .await
        .expect(200)
        .body;
    assert_eq!(popular["items"][0]["id"], old.as_str());
    let p2 = api
        .get(
            &format!(
                "/v1/feeds/popular?limit=3&cursor={}",
                popular["next_cursor"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert!(
        !p2.expect(200).body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == old.as_str())
    );

    let tagged = api
        .get("/v1/tags/%23%EC%B9%B4%ED%8E%98/reviews", None)
        .await
        .expect(200)
        .body; // "#카페"
    assert_eq!(tagged["items"].as_array().unwrap().len(), 4);
    let mine = api
        .get(&format!("/v1/users/{}/reviews?limit=100", b.user_id), None)
        .await
        .expect(200)
        .body;
    assert_eq!(mine["items"].as_array().unwrap().len(), 6);
}

async fn like_counts_stay_exact_under_concurrency(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let author = api.signup("author").await;
    let review = post_review(&api, &author, snap("동시성 테스트")).await;
    let rid = review["id"].as_str().unwrap().to_owned();
    let mut members = Vec::new();
    for i in 0..12 {
        members.push(api.signup(&format!("fan{i}")).await);
    }
    // Each member likes twice and some unlike, all at once.
    let mut tasks = Vec::new();
    for (i, m) in members.iter().enumerate() {
        for round in 0..3 {
            let api = api.clone();
            let token = m.access.clone();
            let path = format!("/v1/reviews/{rid}/like");
            tasks.push(tokio::spawn(async move {
                if round == 2 && i % 3 == 0 {
                    api.delete(&path, Some(&token), None).await.status.as_u16()
                } else {
                    api.put(&path, Some(&token), json!({}))
                        .await
                        .status
                        .as_u16()
                }
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let likes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM likes WHERE target_id = $1")
        .bind(&rid)
        .fetch_one(server.state.db.read())
        .await
        .unwrap();
    let r = api
        .get(&format!("/v1/reviews/{rid}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(
        r["like_count"].as_i64().unwrap(),
        likes,
        "the counter matches the likes"
    );
    assert!(
        likes >= 8,
        "at least the members who never unliked: {likes}"
    );
}

async fn suspended_members_cannot_write_content(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let other = api.signup("other").await;
    let review = post_review(&api, &other, snap("멀쩡한 리뷰")).await;
    let rid = review["id"].as_str().unwrap().to_owned();
    let s = api.signup("trouble").await;
    let mine = post_review(&api, &s, snap("내 리뷰")).await;
    let mine_path = format!("/v1/reviews/{}", mine["id"].as_str().unwrap());
    api.post(
        &format!("/v1/admin/users/{}/suspension", s.user_id),
        moderator.token(),
        json!({"days": 7, "reason": "도배"}),
    )
    .await
    .expect(200);
    let before = server.count("changes").await;
    for r in [
        api.post("/v1/reviews", s.token(), snap("또 도배")).await,
        api.patch(
            &mine_path,
            s.token(),
            json!({"base_version": 1, "body": "x"}),
        )
        .await,
        api.delete(&mine_path, s.token(), None).await,
        api.post(
            &format!("/v1/reviews/{rid}/comments"),
            s.token(),
            json!({"body": "x"}),
        )
        .await,
        api.put(&format!("/v1/reviews/{rid}/like"), s.token(), json!({}))
            .await,
        api.put(&format!("/v1/reviews/{rid}/scrap"), s.token(), json!({}))
            .await,
        api.put(
            &format!("/v1/users/{}/follow", other.user_id),
            s.token(),
            json!({}),
        )
        .await,
        api.post(
            "/v1/places",
            s.token(),
            json!({"name": "x", "address": "y", "category": "cafe"}),
        )
        .await,
    ] {
        r.expect_error(403, "account_suspended");
    }
    assert_eq!(server.count("changes").await, before, "nothing was written");
    api.get("/v1/feeds/latest", s.token()).await.expect(200);
}

async fn writes_are_recorded_in_the_change_log(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let b = api.signup("jiwoo").await;
    let review = post_review(&api, &a, snap("로그")).await;
    let rid = review["id"].as_str().unwrap().to_owned();
    api.put(&format!("/v1/reviews/{rid}/like"), b.token(), json!({}))
        .await
        .expect(200);
    let log = || async {
        let rows: Vec<(i64, String, String, String)> =
            sqlx::query_as("SELECT seq, bucket, entity, op FROM changes ORDER BY seq")
                .fetch_all(server.state.db.read())
                .await
                .unwrap();
        assert!(rows.windows(2).all(|w| w[0].0 < w[1].0), "seq only grows");
        rows
    };
    let has = |rows: &[(i64, String, String, String)], bucket: &str, entity: &str, op: &str| {
        rows.iter()
            .any(|r| r.1 == bucket && r.2 == entity && r.3 == op)
    };
    let rows = log().await;
    assert!(has(&rows, "public", "review", "upsert"));
    assert!(has(
        &rows,
        &format!("user:{}", a.user_id),
        "review",
        "upsert"
    ));
    assert!(has(&rows, &format!("user:{}", b.user_id), "like", "upsert"));

    api.delete(&format!("/v1/reviews/{rid}"), a.token(), None)
        .await
        .expect(204);
    let rows = log().await;
    assert!(
        has(&rows, "public", "review", "delete"),
        "a tombstone for the deleted review"
    );
    assert!(has(&rows, &format!("review:{rid}"), "review", "delete"));
    assert!(
        !has(&rows, "public", "review", "upsert"),
        "the tombstone replaced the review's earlier changes"
    );
}
