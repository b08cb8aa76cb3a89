//! Sync end to end, on SQLite and PostgreSQL: pushing mutations (in order,
//! idempotent across replays and restarts, rejections that replay, per-field
//! edit conflicts, converging like races, bad input), pulling buckets (paged
//! and resumable, compacted, private, without hidden content), feed windows
//! that are resent only after a change, and gzip responses.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::collections::HashSet;

use moa_protocol::Role;
use moa_tests::{Api, Engine, Reply, Session, TestServer, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    push_applies_in_order_and_answers_versions,
    replays_answer_the_first_outcome_even_after_a_restart,
    stale_edits_conflict_and_edits_of_other_fields_apply,
    like_races_from_two_devices_converge,
    bad_pushes_get_clear_answers,
    suspended_members_mutations_are_rejected,
    pulls_page_and_resume_without_duplicates,
    the_log_keeps_the_latest_change_of_each_entity,
    pulls_are_private_and_bounded,
    hidden_content_becomes_tombstones,
    profile_and_notifications_reach_the_user_bucket,
    windows_are_resent_only_after_a_change,
    responses_are_gzip_compressed_when_asked,
    pulls_wait_for_a_change_when_asked,
);

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn mutation(name: &str, args: Value) -> Value {
    json!({"id": uuid(), "name": name, "args": args})
}

fn snap(id: &str, text: &str) -> Value {
    mutation(
        "review.create",
        json!({"id": id, "kind": "snap", "body": text}),
    )
}

fn like(target_id: &str, liked: bool) -> Value {
    mutation(
        "like.set",
        json!({"target_type": "review", "target_id": target_id, "liked": liked}),
    )
}

async fn push(api: &Api, s: &Session, mutations: &[Value]) -> Reply {
    api.post(
        "/v1/sync/push",
        s.token(),
        json!({ "mutations": mutations }),
    )
    .await
}

/// Pushes and returns the results, asserting a 200 with one per mutation.
async fn push_ok(api: &Api, s: &Session, mutations: &[Value]) -> Vec<Value> {
    let r = push(api, s, mutations).await.expect(200);
    let results = r.body["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), mutations.len());
    for (m, r) in mutations.iter().zip(&results) {
        assert_eq!(m["id"], r["id"], "results come in the order sent");
    }
    results
}

/// The result of an applied mutation.
#[track_caller]
fn applied(r: &Value) -> &Value {
    assert_eq!(r["status"], "applied", "{r}");
    &r["result"]
}

/// The error of a rejected mutation, checking its code.
#[track_caller]
fn rejected<'a>(r: &'a Value, code: &str) -> &'a Value {
    assert_eq!(r["status"], "rejected", "{r}");
    assert_eq!(r["error"]["code"], code, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    &r["error"]
}

async fn pull(api: &Api, s: &Session, body: Value) -> Reply {
    api.post("/v1/sync/pull", s.token(), body).await
}

/// One bucket from `cursor`, with an optional limit.
async fn pull_bucket(
    api: &Api,
    s: &Session,
    bucket: &str,
    cursor: i64,
    limit: Option<u32>,
) -> Value {
    let mut body = json!({"buckets": [{"bucket": bucket, "cursor": cursor}]});
    if let Some(l) = limit {
        body["limit"] = json!(l);
    }
    let r = pull(api, s, body).await.expect(200);
    r.body["buckets"][0].clone()
}

/// Every change of a bucket from 0, following `more`.
async fn pull_all(api: &Api, s: &Session, bucket: &str) -> Vec<Value> {
    let mut cursor = 0;
    let mut all = vec![];
    loop {
        let page = pull_bucket(api, s, bucket, cursor, None).await;
        all.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_i64().unwrap();
        if page["more"] == false {
            return all;
        }
    }
}

fn of<'a>(changes: &'a [Value], entity: &str, id: &str) -> Vec<&'a Value> {
    changes
        .iter()
        .filter(|c| c["entity"] == entity && c["id"] == id)
        .collect()
}

async fn push_applies_in_order_and_answers_versions(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let b = api.signup("jiwoo").await;
    let rid = uuid();
    let cid = uuid();
    let pid = uuid();
    let mutations = [
        mutation(
            "place.create",
            json!({"id": pid, "name": "카페 모아", "address": "서울 성동구 연무장길 12", "category": "cafe"}),
        ),
        mutation(
            "review.create",
            json!({"id": rid, "kind": "story", "title": "첫 방문", "body": "라떼가 맛있어요",
                "rating": 4, "subject": {"type": "place", "id": pid}}),
        ),
        mutation(
            "review.edit",
            json!({"id": rid, "edit": {"base_version": 1, "title": "두 번째 방문"}}),
        ),
        mutation(
            "comment.create",
            json!({"review_id": rid, "comment": {"id": cid, "body": "저도 가볼게요"}}),
        ),
        mutation(
            "comment.edit",
            json!({"id": cid, "edit": {"base_version": 1, "body": "저도 꼭 가볼게요"}}),
        ),
        like(&rid, true),
        mutation("scrap.set", json!({"review_id": rid, "scrapped": true})),
        mutation(
            "follow.set",
            json!({"user_id": b.user_id, "following": true}),
        ),
        mutation("profile.update", json!({"bio": "성수동 카페 탐방"})),
        mutation(
            "product.create",
            json!({"name": "무선 이어폰 X", "price_krw": 129000}),
        ),
    ];
    let results = push_ok(&api, &a, &mutations).await;
    assert_eq!(applied(&results[0])["place"]["id"], pid.as_str());
    assert_eq!(applied(&results[0])["created"], true);
    let created = applied(&results[1]);
    assert_eq!(
        (created["id"].as_str(), created["version"].as_i64()),
        (Some(rid.as_str()), Some(1))
    );
    let edited = applied(&results[2]);
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["title"], "두 번째 방문");
    assert_eq!(applied(&results[3])["id"], cid.as_str());
    assert_eq!(applied(&results[4])["version"], 2);
    assert_eq!(
        applied(&results[5]),
        &json!({"liked": true, "like_count": 1})
    );
    assert_eq!(
        applied(&results[6]),
        &json!({"scrapped": true, "scrap_count": 1})
    );
    assert_eq!(
        applied(&results[7]),
        &json!({"following": true, "follower_count": 1})
    );
    assert_eq!(applied(&results[8])["bio"], "성수동 카페 탐방");
    assert_eq!(applied(&results[9])["created"], true);

    // The same state the REST API shows.
    let review = api
        .get(&format!("/v1/reviews/{rid}"), a.token())
        .await
        .expect(200)
        .body;
    assert_eq!(review["version"], 2);
    assert_eq!(review["comment_count"], 1);
    assert_eq!(review["liked_by_me"], true);
    assert_eq!(review["scrapped_by_me"], true);
    assert_eq!(server.count("mutations").await, 10);

    // Deletes answer nothing but apply.
    let results = push_ok(
        &api,
        &a,
        &[
            mutation("comment.delete", json!({"id": cid})),
            mutation("review.delete", json!({"id": rid})),
        ],
    )
    .await;
    assert_eq!(applied(&results[0]), &Value::Null);
    assert_eq!(applied(&results[1]), &Value::Null);
    api.get(&format!("/v1/reviews/{rid}"), a.token())
        .await
        .expect_error(404, "not_found");
}

async fn replays_answer_the_first_outcome_even_after_a_restart(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let rid = uuid();
    let missing = uuid();
    let batch = vec![
        snap(&rid, "한 번만 올라가야 해요"),
        like(&rid, true),
        mutation(
            "comment.create",
            json!({"review_id": missing, "comment": {"id": uuid(), "body": "아직 없는 글"}}),
        ),
    ];
    let first = push_ok(&api, &a, &batch).await;
    applied(&first[0]);
    applied(&first[1]);
    rejected(&first[2], "not_found");

    let tables = [
        "reviews",
        "likes",
        "comments",
        "changes",
        "mutations",
        "notifications",
    ];
    let mut counts = vec![];
    for t in tables {
        counts.push(server.count(t).await);
    }
    assert_eq!(counts[4], 3, "rejections are stored too");

    // The same batch again: the same answers, nothing changes.
    let again = push_ok(&api, &a, &batch).await;
    assert_eq!(again, first);
    for (t, n) in tables.iter().zip(&counts) {
        assert_eq!(server.count(t).await, *n, "{t} changed on a replay");
    }

    // The review the rejected comment was for now exists: the replay still
    // answers the stored rejection instead of applying it.
    api.post(
        "/v1/reviews",
        a.token(),
        json!({"id": missing, "kind": "snap", "body": "이제 있어요"}),
    )
    .await
    .expect(201);
    let replay = push_ok(&api, &a, &batch[2..]).await;
    assert_eq!(replay[0], first[2]);
    assert_eq!(server.count("comments").await, 0);

    // After a restart on the same data, still the first answers.
    let counts_before: Vec<i64> = {
        let mut v = vec![];
        for t in tables {
            v.push(server.count(t).await);
        }
        v
    };
    let server = server.restart().await;
    let api = server.api();
    let after = push_ok(&api, &a, &batch).await;
    assert_eq!(after, first);
    for (t, n) in tables.iter().zip(&counts_before) {
        assert_eq!(
            server.count(t).await,
            *n,
            "{t} changed on a replay after a restart"
        );
    }

    // A mutation id another member used is refused, and changes nothing.
    let b = api.signup("jiwoo").await;
    let stolen = push_ok(&api, &b, &batch[..1]).await;
    rejected(&stolen[0], "conflict");
    assert_eq!(server.count("reviews").await, counts_before[0]);
}

async fn stale_edits_conflict_and_edits_of_other_fields_apply(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let rid = uuid();
    let cid = uuid();
    let story = mutation(
        "review.create",
        json!({"id": rid, "kind": "story", "title": "제목", "body": "본문"}),
    );
    let comment = mutation(
        "comment.create",
        json!({"review_id": rid, "comment": {"id": cid, "body": "댓글"}}),
    );
    push_ok(&api, &a, &[story, comment]).await;

    // Two devices edited version 1 offline: the phone the title, the laptop
    // the body, then the laptop the title too.
    let phone = push_ok(
        &api,
        &a,
        &[mutation(
            "review.edit",
            json!({"id": rid, "edit": {"base_version": 1, "title": "폰에서 고친 제목"}}),
        )],
    )
    .await;
    assert_eq!(applied(&phone[0])["version"], 2);
    let laptop = push_ok(
        &api,
        &a,
        &[
            mutation(
                "review.edit",
                json!({"id": rid, "edit": {"base_version": 1, "body": "노트북에서 고친 본문"}}),
            ),
            mutation(
                "review.edit",
                json!({"id": rid, "edit": {"base_version": 1, "title": "노트북 제목"}}),
            ),
        ],
    )
    .await;
    let merged = applied(&laptop[0]);
    assert_eq!(merged["version"], 3);
    assert_eq!(merged["title"], "폰에서 고친 제목");
    assert_eq!(merged["body"], "노트북에서 고친 본문");
    let error = rejected(&laptop[1], "conflict");
    assert_eq!(error["current"]["title"], "폰에서 고친 제목");
    assert_eq!(error["current"]["version"], 3);

    // A comment has one field: any newer version conflicts.
    let edits = push_ok(
        &api,
        &a,
        &[
            mutation(
                "comment.edit",
                json!({"id": cid, "edit": {"base_version": 1, "body": "첫 수정"}}),
            ),
            mutation(
                "comment.edit",
                json!({"id": cid, "edit": {"base_version": 1, "body": "늦은 수정"}}),
            ),
        ],
    )
    .await;
    applied(&edits[0]);
    assert_eq!(
        rejected(&edits[1], "conflict")["current"]["body"],
        "첫 수정"
    );

    // Someone else's review: not the author.
    let b = api.signup("jiwoo").await;
    let other = push_ok(
        &api,
        &b,
        &[mutation(
            "review.edit",
            json!({"id": rid, "edit": {"base_version": 3, "title": "남의 글"}}),
        )],
    )
    .await;
    rejected(&other[0], "not_author");
}

async fn like_races_from_two_devices_converge(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let author = api.signup("minji").await;
    let a = api.signup("jiwoo").await;
    let c = api.signup("seoyeon").await;
    let rid = uuid();
    push_ok(&api, &author, &[snap(&rid, "좋아요 경쟁")]).await;

    // Two devices of one member set opposite states at once, many times;
    // another member likes meanwhile.
    for round in 0..8 {
        let (m1, m2, m3) = (
            [like(&rid, true)],
            [like(&rid, round % 2 == 0)],
            [like(&rid, round % 2 == 1)],
        );
        let (p, l, o) = tokio::join!(
            push(&api, &a, &m1),
            push(&api, &a, &m2),
            push(&api, &c, &m3)
        );
        for r in [p, l, o] {
            let r = r.expect(200);
            applied(&r.body["results"][0]);
        }
    }
    // Settle to a known state from both devices at once.
    let (m1, m2) = ([like(&rid, false)], [like(&rid, false)]);
    let (p, l) = tokio::join!(push(&api, &a, &m1), push(&api, &a, &m2));
    for r in [p, l] {
        assert_eq!(applied(&r.expect(200).body["results"][0])["liked"], false);
    }
    let review = api
        .get(&format!("/v1/reviews/{rid}"), a.token())
        .await
        .expect(200)
        .body;
    assert_eq!(review["liked_by_me"], false);
    let likes = server.count("likes").await;
    assert_eq!(review["like_count"], likes, "the counter matches the rows");
    let c_likes = api
        .get(&format!("/v1/reviews/{rid}"), c.token())
        .await
        .expect(200)
        .body["liked_by_me"]
        .clone();
    assert_eq!(likes, i64::from(c_likes == true));

    // The member's bucket holds one change for the like: its final state.
    let changes = pull_all(&api, &a, &format!("user:{}", a.user_id)).await;
    let like_changes = of(&changes, "like", &format!("review:{rid}"));
    assert_eq!(like_changes.len(), 1, "{changes:?}");
    assert_eq!(like_changes[0]["op"], "delete");
}

async fn bad_pushes_get_clear_answers(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;

    // Per mutation: rejected with a reason, the rest of the push applies.
    let rid = uuid();
    let results = push_ok(
        &api,
        &a,
        &[
            mutation("review.publish", json!({})),
            mutation(
                "like.set",
                json!({"target_type": "review", "target_id": rid, "liked": "yes"}),
            ),
            mutation("like.set", json!({"target_type": "review", "liked": true})),
            mutation(
                "like.set",
                json!({"target_type": "post", "target_id": rid, "liked": true}),
            ),
            json!({"id": uuid(), "name": "scrap.set"}),
            mutation(
                "review.create",
                json!({"id": rid, "kind": "snap", "body": ""}),
            ),
            snap(&rid, "이건 올라가요"),
        ],
    )
    .await;
    rejected(&results[0], "unknown_mutation");
    assert_eq!(
        rejected(&results[1], "invalid_field")["field"],
        "args.liked"
    );
    assert_eq!(
        rejected(&results[2], "invalid_field")["field"],
        "args.target_id"
    );
    assert_eq!(
        rejected(&results[3], "invalid_field")["field"],
        "args.target_type"
    );
    assert_eq!(rejected(&results[4], "invalid_field")["field"], "args");
    assert_eq!(rejected(&results[5], "invalid_field")["field"], "body");
    applied(&results[6]);

    // Whole-request errors change nothing.
    let before = (
        server.count("mutations").await,
        server.count("reviews").await,
    );
    let r = push(
        &api,
        &a,
        &[
            snap(&uuid(), "안 올라가요"),
            json!({"id": "m-2", "name": "like.set", "args": {}}),
        ],
    )
    .await
    .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "mutations[1].id");
    let upper = uuid::Uuid::now_v7().to_string().to_uppercase();
    let r = push(
        &api,
        &a,
        &[json!({"id": upper, "name": "like.set", "args": {}})],
    )
    .await
    .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "mutations[0].id");
    let many: Vec<Value> = (0..101).map(|i| snap(&uuid(), &format!("{i}"))).collect();
    let r = push(&api, &a, &many)
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "mutations");
    let broken = api
        .http
        .post(server.url("/v1/sync/push"))
        .bearer_auth(&a.access)
        .header("content-type", "application/json")
        .body("{\"mutations\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    let broken: Value = broken.json().await.unwrap();
    assert_eq!(broken["error"]["code"], "malformed_json");
    let r = api
        .post(
            "/v1/sync/push",
            a.token(),
            json!({"mutations": [{"id": uuid()}]}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "mutations[0].name");
    api.post("/v1/sync/push", None, json!({"mutations": []}))
        .await
        .expect_error(401, "missing_token");
    api.post("/v1/sync/pull", None, json!({}))
        .await
        .expect_error(401, "missing_token");
    assert_eq!(
        (
            server.count("mutations").await,
            server.count("reviews").await
        ),
        before
    );

    // An empty push is fine.
    let r = push(&api, &a, &[]).await.expect(200);
    assert_eq!(r.body["results"], json!([]));
}

async fn suspended_members_mutations_are_rejected(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let moderator = account_with_role(&server, "modu", Role::Moderator).await;
    let rid = uuid();
    let before = push_ok(&api, &a, &[snap(&rid, "정지 전")]).await;
    api.post(
        &format!("/v1/admin/users/{}/suspension", a.user_id),
        moderator.token(),
        json!({"days": 3, "reason": "스팸"}),
    )
    .await
    .expect(200);
    let results = push_ok(
        &api,
        &a,
        &[
            snap(&uuid(), "정지 중"),
            mutation("profile.update", json!({"bio": "정지 중"})),
            mutation("notifications.read", json!({"all": true})),
        ],
    )
    .await;
    for r in &results {
        rejected(r, "account_suspended");
    }
    // What was applied before the suspension still replays as applied.
    assert_eq!(
        push_ok(&api, &a, &[snap(&rid, "정지 전")]).await[0]["status"],
        "rejected",
        "a new mutation id for the same review is a new mutation"
    );
    let replay = api
        .post(
            "/v1/sync/push",
            a.token(),
            json!({"mutations": [{"id": before[0]["id"], "name": "review.create", "args": {}}]}),
        )
        .await
        .expect(200);
    assert_eq!(replay.body["results"][0], before[0]);
    assert_eq!(server.count("reviews").await, 1);
}

async fn pulls_page_and_resume_without_duplicates(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let reviews: Vec<Value> = (0..30)
        .map(|i| snap(&uuid(), &format!("리뷰 {i}")))
        .collect();
    push_ok(&api, &a, &reviews).await;
    let bucket = format!("user:{}", a.user_id);

    // The whole bucket at once...
    let full = pull_bucket(&api, &a, &bucket, 0, None).await;
    assert_eq!(full["more"], false);
    let full: Vec<Value> = full["changes"].as_array().unwrap().clone();
    assert_eq!(full.len(), 31, "30 reviews and the profile");

    // ...and in pages of 7, resuming from each answer's cursor.
    let mut cursor = 0;
    let mut paged = vec![];
    let mut pages = 0;
    loop {
        let page = pull_bucket(&api, &a, &bucket, cursor, Some(7)).await;
        let changes = page["changes"].as_array().unwrap();
        assert!(changes.len() <= 7);
        pages += 1;
        if let Some(last) = changes.last() {
            assert_eq!(
                page["cursor"], last["seq"],
                "the cursor is the last seq sent"
            );
        } else {
            assert_eq!(page["cursor"], cursor, "no changes: the cursor stays");
        }
        paged.extend(changes.iter().cloned());
        cursor = page["cursor"].as_i64().unwrap();
        if page["more"] == false {
            break;
        }
        // A write between pages is picked up later, not lost.
        if pages == 2 {
            push_ok(&api, &a, &[snap(&uuid(), "중간에 올린 리뷰")]).await;
        }
    }
    assert_eq!(pages, 5);
    let seqs: Vec<i64> = paged.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "ordered, no duplicates"
    );
    let ids: HashSet<&str> = paged.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), paged.len());
    assert_eq!(paged.len(), 32);
    for change in &full {
        assert!(ids.contains(change["id"].as_str().unwrap()));
    }

    // Nothing new: no changes, the same cursor.
    let idle = pull_bucket(&api, &a, &bucket, cursor, None).await;
    assert_eq!(idle["changes"], json!([]));
    assert_eq!(
        (idle["cursor"].as_i64(), idle["more"].as_bool()),
        (Some(cursor), Some(false))
    );
}

async fn the_log_keeps_the_latest_change_of_each_entity(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let author = api.signup("minji").await;
    let a = api.signup("jiwoo").await;
    let rid = uuid();
    push_ok(&api, &author, &[snap(&rid, "좋아요 많이 받는 글")]).await;
    let flips: Vec<Value> = (0..21).map(|i| like(&rid, i % 2 == 0)).collect();
    push_ok(&api, &a, &flips).await;

    let mine = pull_all(&api, &a, &format!("user:{}", a.user_id)).await;
    let likes = of(&mine, "like", &format!("review:{rid}"));
    assert_eq!(likes.len(), 1);
    assert_eq!(likes[0]["op"], "upsert");
    assert_eq!(likes[0]["data"]["target_id"], rid.as_str());

    let public = pull_all(&api, &a, "public").await;
    let review = of(&public, "review", &rid);
    assert_eq!(
        review.len(),
        1,
        "the review shows once however often it changed"
    );
    assert_eq!(review[0]["data"]["like_count"], 1);
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM changes WHERE bucket = $1 AND entity = 'review' AND entity_id = $2",
    )
    .bind(format!("review:{rid}"))
    .bind(&rid)
    .fetch_one(server.state.db.read())
    .await
    .unwrap();
    assert_eq!(rows, 1);
    // The author was told of the like once.
    let told = pull_all(&api, &author, &format!("user:{}", author.user_id)).await;
    assert_eq!(
        told.iter()
            .filter(|c| c["entity"] == "notification")
            .count(),
        1
    );
}

async fn pulls_are_private_and_bounded(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let b = api.signup("jiwoo").await;
    let bucket = |b: &str| json!({"buckets": [{"bucket": b}]});
    pull(&api, &a, bucket(&format!("user:{}", b.user_id)))
        .await
        .expect_error(403, "forbidden");
    for bad in ["private", "user:someone", "review:42", "review:", ""] {
        let r = pull(&api, &a, bucket(bad))
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(r.field(), "buckets[0].bucket", "{bad}");
    }
    let r = pull(
        &api,
        &a,
        json!({"buckets": [{"bucket": "public", "cursor": -1}]}),
    )
    .await
    .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "buckets[0].cursor");
    let many: Vec<Value> = (0..21).map(|_| json!({"bucket": "public"})).collect();
    let r = pull(&api, &a, json!({ "buckets": many }))
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "buckets");
    let windows: Vec<Value> = (0..6)
        .map(|_| json!({"tab": "latest", "size": 10}))
        .collect();
    let r = pull(&api, &a, json!({ "windows": windows }))
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "windows");
    for size in [0, 51] {
        let r = pull(
            &api,
            &a,
            json!({"windows": [{"tab": "latest", "size": size}]}),
        )
        .await
        .expect_error(422, "invalid_field");
        assert_eq!(r.field(), "windows[0].size");
    }
    let r = pull(
        &api,
        &a,
        json!({"windows": [{"tab": "trending", "size": 10}]}),
    )
    .await
    .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "windows[0].tab");

    // Out of its documented bounds (1 to 2,000 changes, at most 25 s of
    // waiting), refused like every other bound.
    for (body, field) in [
        (
            json!({"buckets": [{"bucket": "public"}], "limit": 1_000_000}),
            "limit",
        ),
        (
            json!({"buckets": [{"bucket": "public"}], "limit": 0}),
            "limit",
        ),
        (
            json!({"buckets": [{"bucket": "public"}], "wait_ms": 1_560_000}),
            "wait_ms",
        ),
    ] {
        let r = pull(&api, &a, body)
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(r.field(), field);
    }
    let r = pull(
        &api,
        &a,
        json!({"buckets": [{"bucket": "public"}], "limit": 2000}),
    )
    .await
    .expect(200);
    assert_eq!(r.body["buckets"][0]["more"], false);

    // A review bucket of a review that does not exist: one tombstone.
    let ghost = uuid();
    let r = pull_bucket(&api, &a, &format!("review:{ghost}"), 0, None).await;
    assert_eq!(r["changes"].as_array().unwrap().len(), 1);
    assert_eq!(r["changes"][0]["op"], "delete");
    assert_eq!(r["changes"][0]["id"], ghost.as_str());
}

async fn hidden_content_becomes_tombstones(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let author = api.signup("minji").await;
    let reader = api.signup("jiwoo").await;
    let moderator = account_with_role(&server, "modu", Role::Moderator).await;
    let rid = uuid();
    let cid = uuid();
    let kept = uuid();
    push_ok(&api, &author, &[snap(&rid, "숨겨질 비밀 내용")]).await;
    push_ok(
        &api,
        &reader,
        &[
            mutation(
                "comment.create",
                json!({"review_id": rid, "comment": {"id": cid, "body": "숨겨질 댓글"}}),
            ),
            mutation(
                "comment.create",
                json!({"review_id": rid, "comment": {"id": kept, "body": "남는 댓글"}}),
            ),
        ],
    )
    .await;
    let review_bucket = format!("review:{rid}");
    let first = pull(
        &api,
        &reader,
        json!({"buckets": [{"bucket": "public"}, {"bucket": review_bucket}]}),
    )
    .await
    .expect(200)
    .body;
    let public_cursor = first["buckets"][0]["cursor"].as_i64().unwrap();
    let review_cursor = first["buckets"][1]["cursor"].as_i64().unwrap();
    let in_review = first["buckets"][1]["changes"].as_array().unwrap();
    assert_eq!(of(in_review, "comment", &cid).len(), 1);
    assert_eq!(of(in_review, "review", &rid)[0]["op"], "upsert");

    let act = |target_type: &str, id: &str| json!({"target_type": target_type, "target_id": id, "action": "hide", "reason": "정책 위반"});
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("comment", &cid),
    )
    .await
    .expect(200);
    // The comment leaves the review's bucket; the other one stays.
    let r = pull_bucket(&api, &reader, &review_bucket, review_cursor, None).await;
    let changes = r["changes"].as_array().unwrap();
    let hidden = of(changes, "comment", &cid);
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0]["op"], "delete");
    assert!(hidden[0].get("data").is_none());
    // Its author still has it, marked hidden, in their own bucket.
    let own = pull_all(&api, &reader, &format!("user:{}", reader.user_id)).await;
    let mine = of(&own, "comment", &cid);
    assert_eq!(
        (mine[0]["op"].clone(), mine[0]["data"]["hidden"].clone()),
        (json!("upsert"), json!(true))
    );

    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("review", &rid),
    )
    .await
    .expect(200);
    let r = pull(
        &api,
        &reader,
        json!({"buckets": [{"bucket": "public", "cursor": public_cursor}, {"bucket": review_bucket, "cursor": review_cursor}]}),
    )
    .await
    .expect(200)
    .body;
    let public = r["buckets"][0]["changes"].as_array().unwrap();
    let gone = of(public, "review", &rid);
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["op"], "delete");
    // The reader may no longer see the review: its bucket answers a tombstone.
    let review = &r["buckets"][1];
    assert_eq!(review["changes"].as_array().unwrap().len(), 1);
    assert_eq!(review["changes"][0]["op"], "delete");
    assert_eq!(review["changes"][0]["id"], rid.as_str());
    let cursor = review["cursor"].as_i64().unwrap();
    assert!(cursor > review_cursor);
    let again = pull_bucket(&api, &reader, &review_bucket, cursor, None).await;
    assert_eq!(again["changes"], json!([]), "once told, nothing more");
    // Nothing of the hidden review or comment is left in public sync data.
    let everything = pull_all(&api, &reader, "public")
        .await
        .into_iter()
        .chain(pull_all(&api, &reader, &review_bucket).await);
    for change in everything {
        let text = change.to_string();
        assert!(!text.contains("숨겨질"), "leaked: {text}");
    }
    // The author keeps theirs, marked hidden.
    let own = pull_all(&api, &author, &format!("user:{}", author.user_id)).await;
    let mine = of(&own, "review", &rid);
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0]["op"].clone(), mine[0]["data"]["hidden"].clone()),
        (json!("upsert"), json!(true))
    );
}

async fn profile_and_notifications_reach_the_user_bucket(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let b = api.signup("jiwoo").await;
    let bucket = format!("user:{}", a.user_id);
    let start = pull_all(&api, &a, &bucket).await;
    let profile = of(&start, "profile", &a.user_id);
    assert_eq!(profile.len(), 1, "sign-up logs the account");
    assert_eq!(profile[0]["data"]["handle"], "minji");
    let cursor = start.last().unwrap()["seq"].as_i64().unwrap();

    push_ok(
        &api,
        &a,
        &[mutation("profile.update", json!({"display_name": "민지"}))],
    )
    .await;
    let rid = uuid();
    push_ok(&api, &a, &[snap(&rid, "알림 받을 글")]).await;
    push_ok(
        &api,
        &b,
        &[mutation(
            "comment.create",
            json!({"review_id": rid, "comment": {"body": "좋은 글이에요"}}),
        )],
    )
    .await;
    let changes = pull_bucket(&api, &a, &bucket, cursor, None).await;
    let changes = changes["changes"].as_array().unwrap();
    assert_eq!(
        of(changes, "profile", &a.user_id)[0]["data"]["display_name"],
        "민지"
    );
    let told: Vec<&Value> = changes
        .iter()
        .filter(|c| c["entity"] == "notification")
        .collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["data"]["kind"], "comment");
    assert_eq!(told[0]["data"]["read"], false);
    assert_eq!(told[0]["data"]["actor"]["handle"], "jiwoo");
    let cursor = changes.last().unwrap()["seq"].as_i64().unwrap();

    let read = push_ok(
        &api,
        &a,
        &[mutation("notifications.read", json!({"all": true}))],
    )
    .await;
    assert_eq!(applied(&read[0]), &json!({"unread_count": 0}));
    let after = pull_bucket(&api, &a, &bucket, cursor, None).await;
    let after = after["changes"].as_array().unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["id"], told[0]["id"]);
    assert_eq!(after[0]["data"]["read"], true);
    // The whole bucket holds it once, read.
    let all = pull_all(&api, &a, &bucket).await;
    assert_eq!(
        all.iter().filter(|c| c["entity"] == "notification").count(),
        1
    );
}

async fn windows_are_resent_only_after_a_change(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let b = api.signup("jiwoo").await;
    let reviews: Vec<Value> = (0..4)
        .map(|i| snap(&uuid(), &format!("리뷰 {i}")))
        .collect();
    push_ok(&api, &b, &reviews).await;
    let windows = |latest: i64, following: i64| {
        json!({"windows": [
            {"tab": "latest", "size": 3, "cursor": latest},
            {"tab": "following", "size": 3, "cursor": following},
        ]})
    };
    let first = pull(&api, &a, windows(0, 0)).await.expect(200).body;
    let latest = &first["windows"][0];
    assert_eq!(latest["tab"], "latest");
    assert_eq!(latest["reviews"].as_array().unwrap().len(), 3);
    assert_eq!(latest["reviews"][0]["body"], "리뷰 3");
    assert_eq!(first["windows"][1]["reviews"], json!([]));
    let c1 = latest["cursor"].as_i64().unwrap();
    assert!(c1 > 0);

    // Nothing happened: not resent.
    let idle = pull(&api, &a, windows(c1, c1)).await.expect(200).body;
    for w in idle["windows"].as_array().unwrap() {
        assert!(w.get("reviews").is_none(), "{w}");
        assert_eq!(w["cursor"], c1);
    }

    // A new review (public) resends both; a follow (a's own bucket) too.
    let rid = uuid();
    push_ok(&api, &b, &[snap(&rid, "새 리뷰")]).await;
    push_ok(
        &api,
        &a,
        &[mutation(
            "follow.set",
            json!({"user_id": b.user_id, "following": true}),
        )],
    )
    .await;
    let next = pull(&api, &a, windows(c1, c1)).await.expect(200).body;
    let c2 = next["windows"][0]["cursor"].as_i64().unwrap();
    assert!(c2 > c1);
    assert_eq!(next["windows"][0]["reviews"][0]["id"], rid.as_str());
    let following = next["windows"][1]["reviews"].as_array().unwrap();
    assert_eq!(following.len(), 3);
    assert_eq!(following[0]["id"], rid.as_str());

    // Another member's private change does not move a's windows.
    let c = api.signup("seoyeon").await;
    push_ok(
        &api,
        &c,
        &[mutation("profile.update", json!({"bio": "안녕"}))],
    )
    .await;
    let idle = pull(&api, &a, windows(c2, c2)).await.expect(200).body;
    assert!(idle["windows"][0].get("reviews").is_none());
}

async fn responses_are_gzip_compressed_when_asked(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let reviews: Vec<Value> = (0..10)
        .map(|i| snap(&uuid(), &format!("압축될 리뷰 {i}")))
        .collect();
    push_ok(&api, &a, &reviews).await;
    let body =
        json!({"buckets": [{"bucket": "public"}], "windows": [{"tab": "latest", "size": 10}]});
    // A client that neither asks for nor decodes gzip by itself (other crates
    // of the workspace turn on reqwest's `gzip` feature).
    moa_server::media::store::install_tls_provider();
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let send = |gzip: bool| {
        let mut req = http
            .post(server.url("/v1/sync/pull"))
            .bearer_auth(&a.access)
            .json(&body);
        if gzip {
            req = req.header("accept-encoding", "gzip");
        }
        req.send()
    };
    let zipped = send(true).await.unwrap();
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "a gzip stream");
    let plain = send(false).await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: Value = plain.json().await.unwrap();
    assert!(bytes.len() < plain.to_string().len());
}

async fn pulls_wait_for_a_change_when_asked(engine: Engine) {
    use std::time::{Duration, Instant};
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("minji").await;
    let b = api.signup("jiwoo").await;
    let bucket = format!("user:{}", a.user_id);
    let cursor = pull_bucket(&api, &a, &bucket, 0, None).await["cursor"]
        .as_i64()
        .unwrap();
    let waiting = |wait_ms: u32| {
        pull(
            &api,
            &a,
            json!({"buckets": [{"bucket": bucket, "cursor": cursor}], "wait_ms": wait_ms}),
        )
    };

    // Nothing happens: an empty answer after the wait.
    let started = Instant::now();
    let r = waiting(400).await.expect(200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.body["buckets"][0]["changes"], json!([]));

    // Others' changes elsewhere do not answer it; a change for a does, at once.
    let started = Instant::now();
    let follow = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        push_ok(
            &api,
            &b,
            &[mutation("profile.update", json!({"bio": "안녕"}))],
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        push_ok(
            &api,
            &b,
            &[mutation(
                "follow.set",
                json!({"user_id": a.user_id, "following": true}),
            )],
        )
        .await;
    };
    let (r, ()) = tokio::join!(waiting(20_000), follow);
    let elapsed = started.elapsed();
    let r = r.expect(200);
    let changes = r.body["buckets"][0]["changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["entity"] == "follow"),
        "{changes:?}"
    );
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    // A server shutting down answers waiting pulls instead of waiting for them.
    let cursor = r.body["buckets"][0]["cursor"].as_i64().unwrap();
    let body = json!({"buckets": [{"bucket": bucket, "cursor": cursor}], "wait_ms": 20_000});
    let pending = tokio::spawn({
        let api = api.clone();
        let token = a.access.clone();
        async move { api.post("/v1/sync/pull", Some(&token), body).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    server.stop().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(pending.await.unwrap().status, 200);
}
