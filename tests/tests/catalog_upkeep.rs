//! Catalog upkeep on both engines: the member who added a place or product
//! edits and deletes it (others cannot; moderators can), places carry a
//! link, a deleted one with reviews keeps its page as a tombstone and one
//! without is gone, search follows every change, adding a deleted one
//! again brings it back, bad input changes nothing; a member's comments
//! list on their profile; and the same edits through client-core's outbox.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moa_client_core::protocol::{EditPlaceRequest, ErrorCode, Role};
use moa_tests::{Engine, TestServer, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    authors_and_moderators_edit_and_delete_places_and_products,
    a_profile_lists_the_members_comments,
    edits_and_deletes_go_through_the_outbox
);

async fn search_ids(server: &TestServer, q: &str, kind: &str) -> Vec<String> {
    let r = server
        .api()
        .get(&format!("/v1/search?q={q}&type={kind}"), None)
        .await
        .expect(200);
    r.body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn authors_and_moderators_edit_and_delete_places_and_products(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let mina = api.signup("mina").await;
    let joon = api.signup("joon").await;
    let moderator = account_with_role(&server, "modi", Role::Moderator).await;
    let place = api
        .post(
            "/v1/places",
            mina.token(),
            json!({"name": "소금빵 가게", "address": "서울 성동구 연무장길 1", "category": "bakery",
                   "link": "https://map.example/salt"}),
        )
        .await
        .expect(201)
        .body["place"]
        .clone();
    assert_eq!(place["link"], "https://map.example/salt");
    assert_eq!(place["deleted"], false);
    let pid = place["id"].as_str().unwrap().to_owned();
    let other = api
        .post(
            "/v1/places",
            joon.token(),
            json!({"name": "크로플 집", "address": "서울 마포구 1", "category": "cafe"}),
        )
        .await
        .expect(201)
        .body["place"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Not the author: refused, nothing changes.
    api.patch(
        &format!("/v1/places/{pid}"),
        joon.token(),
        json!({"name": "남의 가게"}),
    )
    .await
    .expect_error(403, "not_author");
    api.delete(&format!("/v1/places/{pid}"), joon.token(), None)
        .await
        .expect_error(403, "not_author");
    // Bad input: refused with the field, nothing changes.
    for (body, field) in [
        (json!({"name": "  "}), "name"),
        (json!({"link": "ftp://files.example"}), "link"),
        (json!({"name": 12}), ""),
    ] {
        let r = api
            .patch(&format!("/v1/places/{pid}"), mina.token(), body.clone())
            .await;
        assert!(
            r.status == 422 || r.status == 400,
            "{body}: {} {}",
            r.status,
            r.body
        );
        if !field.is_empty() {
            assert_eq!(r.field(), field, "{}", r.body);
        }
    }
    // Another place's name and address: 409.
    api.patch(
        &format!("/v1/places/{pid}"),
        mina.token(),
        json!({"name": "크로플 집", "address": "서울 마포구 1"}),
    )
    .await
    .expect_error(409, "conflict");
    api.patch(&format!("/v1/places/{other}"), mina.token(), json!({}))
        .await
        .expect_error(403, "not_author");
    let unchanged = api
        .get(&format!("/v1/places/{pid}"), None)
        .await
        .expect(200);
    assert_eq!(unchanged.body["name"], "소금빵 가게");

    // The author edits; search follows.
    let edited = api
        .patch(
            &format!("/v1/places/{pid}"),
            mina.token(),
            json!({"name": "버터 소금빵", "link": ""}),
        )
        .await
        .expect(200);
    assert_eq!(edited.body["name"], "버터 소금빵");
    assert_eq!(edited.body["link"], "");
    assert_eq!(edited.body["address"], "서울 성동구 연무장길 1");
    assert!(search_ids(&server, "버터", "places").await.contains(&pid));
    assert!(
        !search_ids(&server, "소금빵가게", "places")
            .await
            .contains(&pid)
    );
    // A moderator may edit anyone's.
    api.patch(
        &format!("/v1/places/{pid}"),
        moderator.token(),
        json!({"category": "cafe"}),
    )
    .await
    .expect(200);

    // A product without reviews, deleted: gone.
    let product = api
        .post(
            "/v1/products",
            mina.token(),
            json!({"name": "접이식 장바구니", "price_krw": 12000}),
        )
        .await
        .expect(201)
        .body["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.patch(
        &format!("/v1/products/{product}"),
        mina.token(),
        json!({"price_krw": -1}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.patch(
        &format!("/v1/products/{product}"),
        mina.token(),
        json!({"price_krw": 9900, "shop_url": "https://shop.example/bag"}),
    )
    .await
    .expect(200);
    assert!(
        search_ids(&server, "장바구니", "products")
            .await
            .contains(&product)
    );
    api.delete(&format!("/v1/products/{product}"), mina.token(), None)
        .await
        .expect(204);
    api.get(&format!("/v1/products/{product}"), None)
        .await
        .expect_error(404, "not_found");
    assert!(
        !search_ids(&server, "장바구니", "products")
            .await
            .contains(&product)
    );
    api.patch(
        &format!("/v1/products/{product}"),
        mina.token(),
        json!({"name": "다시"}),
    )
    .await
    .expect_error(404, "not_found");

    // A place with a review, deleted: its page stays as a tombstone.
    api.post(
        "/v1/reviews",
        joon.token(),
        json!({"kind": "snap", "body": "소금빵 최고", "subject": {"type": "place", "id": pid}}),
    )
    .await
    .expect(201);
    api.delete(&format!("/v1/places/{pid}"), moderator.token(), None)
        .await
        .expect(204);
    let tomb = api
        .get(&format!("/v1/places/{pid}"), None)
        .await
        .expect(200);
    assert_eq!(tomb.body["deleted"], true);
    assert_eq!(tomb.body["name"], "버터 소금빵");
    api.get(&format!("/v1/places/{pid}/reviews"), None)
        .await
        .expect(200);
    assert!(!search_ids(&server, "버터", "places").await.contains(&pid));
    let listed = api.get("/v1/places?q=버터", None).await.expect(200);
    assert!(listed.body["items"].as_array().unwrap().is_empty());
    // Added again: it comes back.
    let again = api
        .post(
            "/v1/places",
            joon.token(),
            json!({"name": "버터 소금빵", "address": "서울 성동구 연무장길 1", "category": "bakery"}),
        )
        .await
        .expect(201);
    assert_eq!(again.body["place"]["id"], pid.as_str());
    assert_eq!(again.body["place"]["deleted"], false);
    assert!(search_ids(&server, "버터", "places").await.contains(&pid));
}

async fn a_profile_lists_the_members_comments(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let mina = api.signup("mina").await;
    let joon = api.signup("joon").await;
    let moderator = account_with_role(&server, "modi", Role::Moderator).await;
    let mut reviews = Vec::new();
    for title in ["성수 카페 후기", "을지로 맛집"] {
        let r = api
            .post(
                "/v1/reviews",
                mina.token(),
                json!({"kind": "story", "title": title, "body": "좋았어요 정말로요"}),
            )
            .await
            .expect(201);
        reviews.push(r.body["id"].as_str().unwrap().to_owned());
    }
    for (i, review) in reviews.iter().enumerate() {
        api.post(
            &format!("/v1/reviews/{review}/comments"),
            joon.token(),
            json!({"body": format!("댓글 {i}")}),
        )
        .await
        .expect(201);
    }
    let path = format!("/v1/users/{}/comments", joon.user_id);
    let page = api.get(&path, None).await.expect(200);
    let items = page.body["items"].as_array().unwrap();
    let seen: Vec<(&str, &str)> = items
        .iter()
        .map(|c| {
            (
                c["comment"]["body"].as_str().unwrap(),
                c["review_title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![("댓글 1", "을지로 맛집"), ("댓글 0", "성수 카페 후기")]
    );
    // Paged.
    let first = api.get(&format!("{path}?limit=1"), None).await.expect(200);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let second = api
        .get(&format!("{path}?limit=1&cursor={cursor}"), None)
        .await
        .expect(200);
    assert_eq!(second.body["items"][0]["comment"]["body"], "댓글 0");
    // A hidden review takes its comments off others' view of the profile.
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        json!({"target_type": "review", "target_id": reviews[1], "action": "hide", "reason": "spam"}),
    )
    .await
    .expect(200);
    let bodies = |page: &Value| -> Vec<Value> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["comment"]["body"].clone())
            .collect()
    };
    let others = api.get(&path, None).await.expect(200);
    assert_eq!(bodies(&others.body), vec![json!("댓글 0")]);
    // The hidden review's author and moderators still see it.
    let author = api.get(&path, mina.token()).await.expect(200);
    assert_eq!(bodies(&author.body).len(), 2);
    api.get("/v1/users/not-a-member/comments?cursor=%%%", None)
        .await
        .expect_error(400, "invalid_parameter");
}

async fn edits_and_deletes_go_through_the_outbox(engine: Engine) {
    let server = TestServer::start(engine).await;
    let (mina, _d1) = moa_tests::open_client(&server.url("")).await;
    mina.sign_up("mina@test.kr", "password-mina", "mina", "미나")
        .await
        .unwrap();
    let (joon, _d2) = moa_tests::open_client(&server.url("")).await;
    joon.sign_up("joon@test.kr", "password-joon", "joon", "준")
        .await
        .unwrap();
    let created = mina
        .add_place(moa_client_core::protocol::CreatePlaceRequest {
            id: None,
            name: "합정 책방".into(),
            address: "서울 마포구 합정동 2".into(),
            latitude: None,
            longitude: None,
            category: moa_client_core::protocol::PlaceCategory::Culture,
            link: String::new(),
        })
        .await
        .unwrap();
    let id = created.place.id;
    let edit = EditPlaceRequest {
        link: Some("https://map.example/books".into()),
        ..Default::default()
    };
    mina.edit_place(&id, edit.clone()).await.unwrap();
    assert!(matches!(
        mina.edit_place(
            &id,
            EditPlaceRequest {
                name: Some(" ".into()),
                ..Default::default()
            }
        )
        .await,
        Err(moa_client_core::Error::Invalid { .. })
    ));
    mina.sync().await.unwrap();
    assert_eq!(
        mina.place(&id).await.unwrap().link,
        "https://map.example/books"
    );
    // Someone else's delete is refused by the server and reported.
    joon.delete_place(&id).await.unwrap();
    joon.sync().await.unwrap();
    let items = joon.outbox().items().await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].error.as_ref().unwrap().code,
        ErrorCode::NotAuthor.as_str()
    );
    assert!(!joon.place(&id).await.unwrap().deleted);
    // The author's goes through; without reviews the place is gone.
    mina.delete_place(&id).await.unwrap();
    mina.sync().await.unwrap();
    assert!(matches!(
        mina.place(&id).await,
        Err(moa_client_core::Error::NotFound(_))
    ));
}
