//! Discovery end to end, on both engines: popular ranks engagement against
//! age and reports (open reports pull a review down, resolving them gives
//! the rank back), and enough distinct reporters hide a review or comment
//! at once, pending a moderator: restoring it or dismissing the reports
//! undoes that, hiding keeps it hidden. An upgraded server recomputes the
//! stored ranks of an older formula once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_protocol::Role;
use moa_tests::{Api, Engine, Session, TestServer, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    reports_pull_reviews_down_in_popular,
    enough_reporters_hide_until_a_moderator_looks,
    ranks_of_an_older_formula_are_recomputed_at_start,
);

async fn snap(api: &Api, s: &Session, text: &str) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let body = json!({"id": id, "kind": "snap", "body": text});
    api.post("/v1/reviews", s.token(), body).await.expect(201);
    id
}

async fn popular(api: &Api, who: Option<&str>) -> Vec<String> {
    let page = api
        .get("/v1/feeds/popular?limit=50", who)
        .await
        .expect(200)
        .body;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn report(api: &Api, who: &Session, target_type: &str, id: &str) -> Value {
    api.post(
        "/v1/reports",
        who.token(),
        json!({"target_type": target_type, "target_id": id, "reason": "spam"}),
    )
    .await
    .expect(201)
    .body
}

async fn moderate(api: &Api, moderator: &Session, target_type: &str, id: &str, action: &str) {
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        json!({"target_type": target_type, "target_id": id, "action": action, "reason": "확인함"}),
    )
    .await
    .expect(200);
}

async fn comment_count(api: &Api, review: &str) -> usize {
    api.get(&format!("/v1/reviews/{review}/comments"), None)
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn reports_pull_reviews_down_in_popular(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let author = api.signup("author").await;
    let fans: Vec<Session> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(api.signup(&format!("fan{i}")).await);
        }
        v
    };
    let liked = snap(&api, &author, "모두가 좋아한 리뷰").await;
    let plain = snap(&api, &author, "평범한 리뷰").await;
    let newest = snap(&api, &author, "방금 올린 리뷰").await;
    // Newest first while nobody has done anything.
    assert_eq!(
        popular(&api, None).await,
        vec![newest.clone(), plain.clone(), liked.clone()]
    );
    for fan in &fans {
        api.put(&format!("/v1/reviews/{liked}/like"), fan.token(), json!({}))
            .await
            .expect(200);
    }
    assert_eq!(
        popular(&api, None).await[0],
        liked,
        "three likes beat seconds of age"
    );

    // One open report pulls the newest below the plain one; resolving it
    // (dismissed) gives the rank back.
    report(&api, &fans[0], "review", &newest).await;
    assert_eq!(
        popular(&api, None).await,
        vec![liked.clone(), plain.clone(), newest.clone()]
    );
    let moderator = account_with_role(&server, "modkim", Role::Moderator).await;
    moderate(&api, &moderator, "review", &newest, "dismiss").await;
    assert_eq!(
        popular(&api, None).await,
        vec![liked.clone(), newest.clone(), plain.clone()]
    );
}

async fn enough_reporters_hide_until_a_moderator_looks(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let spammer = api.signup("spammer").await;
    let members: Vec<Session> = {
        let mut v = Vec::new();
        for i in 0..4 {
            v.push(api.signup(&format!("member{i}")).await);
        }
        v
    };
    let moderator = account_with_role(&server, "modlee", Role::Moderator).await;
    let spam = snap(&api, &spammer, "광고 광고 광고").await;
    let fine = snap(&api, &members[3], "괜찮은 리뷰").await;

    // Two reports: still shown (lower); the third hides it for everyone
    // but its author and moderators.
    report(&api, &members[0], "review", &spam).await;
    report(&api, &members[1], "review", &spam).await;
    assert!(popular(&api, None).await.contains(&spam));
    report(&api, &members[2], "review", &spam).await;
    assert_eq!(popular(&api, None).await, vec![fine.clone()]);
    api.get(&format!("/v1/reviews/{spam}"), members[3].token())
        .await
        .expect(404);
    let own = api
        .get(&format!("/v1/reviews/{spam}"), spammer.token())
        .await
        .expect(200)
        .body;
    assert_eq!(own["hidden"], true);
    // In the queue, with the reason it is hidden.
    let queue = api
        .get("/v1/admin/reports", moderator.token())
        .await
        .expect(200)
        .body;
    let group = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["target_id"] == spam.as_str())
        .expect("the hidden review is in the queue");
    assert_eq!(group["report_count"], 3, "{group}");
    let audit: i64 = server.count("audit_log WHERE action = 'auto_hide'").await;
    assert_eq!(audit, 1);

    // Dismissing the reports undoes the hiding.
    moderate(&api, &moderator, "review", &spam, "dismiss").await;
    assert!(popular(&api, None).await.contains(&spam));

    // A comment too; a moderator's hide keeps it hidden, restore undoes it.
    let comment = api
        .post(
            &format!("/v1/reviews/{fine}/comments"),
            spammer.token(),
            json!({"body": "광고 댓글"}),
        )
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for m in &members[..3] {
        report(&api, m, "comment", &comment).await;
    }
    assert_eq!(comment_count(&api, &fine).await, 0);
    moderate(&api, &moderator, "comment", &comment, "hide").await;
    assert_eq!(comment_count(&api, &fine).await, 0);
    moderate(&api, &moderator, "comment", &comment, "restore").await;
    assert_eq!(comment_count(&api, &fine).await, 1);

    // With auto-hiding off, reports only pull down.
    let server = TestServer::start_with(engine, |s| s.auto_hide_reports = 0).await;
    let api = server.api();
    let spammer = api.signup("spammer").await;
    let spam = snap(&api, &spammer, "광고").await;
    for i in 0..4 {
        let m = api.signup(&format!("member{i}")).await;
        report(&api, &m, "review", &spam).await;
    }
    assert_eq!(popular(&api, None).await, vec![spam]);
}

async fn ranks_of_an_older_formula_are_recomputed_at_start(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("ranker").await;
    let first = snap(&api, &a, "첫 리뷰").await;
    let second = snap(&api, &a, "둘째 리뷰").await;
    // Ranks as an older server left them (backwards), and no version.
    server
        .exec(&format!(
            "UPDATE reviews SET hot_rank = 100 WHERE id = '{first}'"
        ))
        .await;
    server.exec("DELETE FROM server_meta").await;
    assert_eq!(server.count("reviews WHERE hot_rank = 100").await, 1);
    let server = server.restart().await;
    let api = server.api();
    assert_eq!(server.count("reviews WHERE hot_rank = 100").await, 0);
    assert_eq!(popular(&api, None).await, vec![second, first.clone()]);
    assert_eq!(server.count("server_meta").await, 1);
    // Once recomputed, a start leaves the ranks alone.
    server
        .exec(&format!(
            "UPDATE reviews SET hot_rank = 100 WHERE id = '{first}'"
        ))
        .await;
    let server = server.restart().await;
    assert_eq!(server.count("reviews WHERE hot_rank = 100").await, 1);
}
