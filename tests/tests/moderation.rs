//! Notifications, reports and moderation end to end, on SQLite and
//! PostgreSQL: who is told what, the report queue, every moderation action,
//! visibility of hidden content, the audit log and report statistics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_protocol::Role;
use moa_tests::{Api, Engine, Session, TestServer, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    notifications_are_created_listed_read_and_muted,
    reports_are_validated_and_one_per_target,
    moderation_queue_and_actions,
    hidden_content_is_visible_only_to_moderators_and_author,
    report_statistics_for_admins,
);

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn snap(api: &Api, s: &Session, text: &str) -> String {
    let body = json!({"id": uuid(), "kind": "snap", "body": text});
    api.post("/v1/reviews", s.token(), body)
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn kinds(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn notifications_are_created_listed_read_and_muted(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let author = api.signup("minji").await;
    let fan = api.signup("seojun").await;
    let rid = snap(&api, &author, "성수동 카페 투어").await;

    api.put(&format!("/v1/reviews/{rid}/like"), fan.token(), json!({}))
        .await
        .expect(200);
    api.delete(&format!("/v1/reviews/{rid}/like"), fan.token(), None)
        .await
        .expect(200);
    api.put(&format!("/v1/reviews/{rid}/like"), fan.token(), json!({}))
        .await
        .expect(200);
    let c = api
        .post(
            &format!("/v1/reviews/{rid}/comments"),
            fan.token(),
            json!({"body": "여기 어디예요?"}),
        )
        .await
        .expect(201)
        .body;
    api.put(
        &format!("/v1/users/{}/follow", author.user_id),
        fan.token(),
        json!({}),
    )
    .await
    .expect(200);
    // The author's own actions do not notify the author; a reply notifies the commenter.
    api.put(
        &format!("/v1/reviews/{rid}/like"),
        author.token(),
        json!({}),
    )
    .await
    .expect(200);
    let reply = json!({"body": "성수역 3번 출구!", "parent_id": c["id"]});
    api.post(
        &format!("/v1/reviews/{rid}/comments"),
        author.token(),
        reply,
    )
    .await
    .expect(201);

    let page = api
        .get("/v1/notifications", author.token())
        .await
        .expect(200)
        .body;
    assert_eq!(
        kinds(&page),
        ["follow", "comment", "like"],
        "one like notification despite re-liking"
    );
    assert_eq!(page["unread_count"], 3);
    assert_eq!(page["items"][1]["preview"], "여기 어디예요?");
    assert_eq!(page["items"][1]["actor"]["handle"], "seojun");
    assert_eq!(page["items"][1]["review_id"], rid.as_str());
    let fan_page = api
        .get("/v1/notifications", fan.token())
        .await
        .expect(200)
        .body;
    assert_eq!(kinds(&fan_page), ["reply"]);

    // Mark one read, then the others; another member's ids change nothing.
    let first = page["items"][0]["id"].as_str().unwrap().to_owned();
    let r = api
        .post(
            "/v1/notifications/read",
            author.token(),
            json!({"ids": [first]}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["unread_count"], 2);
    let fan_id = fan_page["items"][0]["id"].as_str().unwrap();
    api.post(
        "/v1/notifications/read",
        author.token(),
        json!({"ids": [fan_id]}),
    )
    .await
    .expect(200);
    assert_eq!(
        api.get("/v1/notifications", fan.token())
            .await
            .expect(200)
            .body["unread_count"],
        1
    );
    api.post("/v1/notifications/read", author.token(), json!({}))
        .await
        .expect_error(422, "invalid_field");
    api.post(
        "/v1/notifications/read",
        author.token(),
        json!({"ids": ["x"]}),
    )
    .await
    .expect_error(422, "invalid_field");
    let r = api
        .post(
            "/v1/notifications/read",
            author.token(),
            json!({"all": true}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["unread_count"], 0);

    // Muting a kind stops new notifications of that kind.
    let muted = api
        .put(
            "/v1/notifications/settings",
            author.token(),
            json!({"muted": ["comment", "like"]}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(muted["muted"], json!(["like", "comment"]));
    api.put(
        "/v1/notifications/settings",
        author.token(),
        json!({"muted": ["loud"]}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        &format!("/v1/reviews/{rid}/comments"),
        fan.token(),
        json!({"body": "또 올게요"}),
    )
    .await
    .expect(201);
    let page = api
        .get("/v1/notifications", author.token())
        .await
        .expect(200)
        .body;
    assert_eq!(page["unread_count"], 0);
    assert_eq!(
        api.get("/v1/notifications/settings", author.token())
            .await
            .expect(200)
            .body["muted"],
        json!(["like", "comment"])
    );

    // Paging.
    let p1 = api
        .get("/v1/notifications?limit=2", author.token())
        .await
        .expect(200)
        .body;
    let next = p1["next_cursor"].as_str().unwrap();
    let p2 = api
        .get(
            &format!("/v1/notifications?limit=2&cursor={next}"),
            author.token(),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(kinds(&p1).len() + kinds(&p2).len(), 3);
    api.get("/v1/notifications", None)
        .await
        .expect_error(401, "missing_token");
}

async fn reports_are_validated_and_one_per_target(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let a = api.signup("reporter").await;
    let b = api.signup("spammer").await;
    let rid = snap(&api, &b, "광고 광고 광고").await;
    let report = json!({"target_type": "review", "target_id": rid, "reason": "spam"});
    let r = api
        .post("/v1/reports", a.token(), report.clone())
        .await
        .expect(201)
        .body;
    assert_eq!(
        (r["state"].clone(), r["reason"].clone()),
        (json!("open"), json!("spam"))
    );
    api.post("/v1/reports", a.token(), report)
        .await
        .expect_error(409, "already_reported");
    assert_eq!(server.count("reports").await, 1);

    let other = json!({"target_type": "user", "target_id": b.user_id, "reason": "other"});
    assert_eq!(
        api.post("/v1/reports", a.token(), other)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "detail"
    );
    let me = json!({"target_type": "user", "target_id": a.user_id, "reason": "abuse"});
    api.post("/v1/reports", a.token(), me)
        .await
        .expect_error(422, "invalid_field");
    let ghost = json!({"target_type": "comment", "target_id": uuid(), "reason": "abuse"});
    api.post("/v1/reports", a.token(), ghost)
        .await
        .expect_error(404, "not_found");
    let bad_type = json!({"target_type": "planet", "target_id": uuid(), "reason": "abuse"});
    assert_eq!(
        api.post("/v1/reports", a.token(), bad_type)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "target_type"
    );
    let bad_id =
        json!({"target_type": "message", "target_id": "1; DROP TABLE reports", "reason": "abuse"});
    assert_eq!(
        api.post("/v1/reports", a.token(), bad_id)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "target_id"
    );
    // A message one cannot see (here: none at all) is not found; reporting
    // real messages is in tests/tests/chat.rs.
    let msg =
        json!({"target_type": "message", "target_id": uuid(), "reason": "abuse", "detail": "욕설"});
    api.post("/v1/reports", a.token(), msg)
        .await
        .expect_error(404, "not_found");
    let user = json!({"target_type": "user", "target_id": b.user_id, "reason": "other", "detail": "계속 광고해요"});
    api.post("/v1/reports", a.token(), user).await.expect(201);
    api.post("/v1/reports", None, json!({}))
        .await
        .expect_error(401, "missing_token");
}

async fn moderation_queue_and_actions(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let admin = account_with_role(&server, "boss", Role::Admin).await;
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let r1 = api.signup("reporter1").await;
    let r2 = api.signup("reporter2").await;
    let bad = api.signup("bad").await;
    let spam = snap(&api, &bad, "무료 쿠폰 받으세요").await;
    let fine = snap(&api, &bad, "평범한 리뷰").await;
    let c = api
        .post(
            &format!("/v1/reviews/{fine}/comments"),
            bad.token(),
            json!({"body": "욕설 댓글"}),
        )
        .await
        .expect(201)
        .body;
    let cid = c["id"].as_str().unwrap().to_owned();
    for s in [&r1, &r2] {
        api.post(
            "/v1/reports",
            s.token(),
            json!({"target_type": "review", "target_id": spam, "reason": "spam"}),
        )
        .await
        .expect(201);
    }
    api.post(
        "/v1/reports",
        r1.token(),
        json!({"target_type": "comment", "target_id": cid, "reason": "abuse"}),
    )
    .await
    .expect(201);
    api.post(
        "/v1/reports",
        r2.token(),
        json!({"target_type": "review", "target_id": fine, "reason": "false_information"}),
    )
    .await
    .expect(201);

    // Members cannot see the queue; moderators see it grouped, oldest first, content inline.
    api.get("/v1/admin/reports", r1.token())
        .await
        .expect_error(403, "forbidden");
    let q = api
        .get("/v1/admin/reports", moderator.token())
        .await
        .expect(200)
        .body;
    let groups = q["items"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[0]["target_id"], spam.as_str());
    assert_eq!(groups[0]["report_count"], 2);
    assert_eq!(groups[0]["content"]["body"], "무료 쿠폰 받으세요");
    let comments_only = api
        .get("/v1/admin/reports?type=comment", moderator.token())
        .await
        .expect(200)
        .body;
    assert_eq!(comments_only["items"].as_array().unwrap().len(), 1);
    let page = api
        .get("/v1/admin/reports?limit=2", moderator.token())
        .await
        .expect(200)
        .body;
    let next = page["next_cursor"].as_str().unwrap();
    let rest = api
        .get(
            &format!("/v1/admin/reports?limit=2&cursor={next}"),
            moderator.token(),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(rest["items"][0]["target_id"], fine.as_str());
    api.get("/v1/admin/reports?state=lost", moderator.token())
        .await
        .expect_error(400, "invalid_parameter");

    let act = |target_type: &str, id: &str, action: &str| json!({"target_type": target_type, "target_id": id, "action": action, "reason": "운영 정책 위반"});
    // Hide the spam: its two reports resolve, both reporters and the author are told.
    api.post(
        "/v1/admin/moderation",
        r1.token(),
        act("review", &spam, "hide"),
    )
    .await
    .expect_error(403, "forbidden");
    let r = api
        .post(
            "/v1/admin/moderation",
            moderator.token(),
            act("review", &spam, "hide"),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["resolved_reports"], 2);
    for s in [&r1, &r2] {
        let n = api
            .get("/v1/notifications", s.token())
            .await
            .expect(200)
            .body;
        assert_eq!(kinds(&n), ["report_resolved"]);
        assert_eq!(n["items"][0]["preview"], "hide");
    }
    let n = api
        .get("/v1/notifications", bad.token())
        .await
        .expect(200)
        .body;
    assert!(kinds(&n).contains(&"content_hidden".to_owned()));
    api.get(&format!("/v1/reviews/{spam}"), r1.token())
        .await
        .expect_error(404, "not_found");

    // Dismiss the false-information report: nothing changes but the report.
    let r = api
        .post(
            "/v1/admin/moderation",
            moderator.token(),
            act("review", &fine, "dismiss"),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["resolved_reports"], 1);
    api.get(&format!("/v1/reviews/{fine}"), r1.token())
        .await
        .expect(200);
    let dismissed = api
        .get("/v1/admin/reports?state=dismissed", moderator.token())
        .await
        .expect(200)
        .body;
    assert_eq!(dismissed["items"][0]["reports"][0]["resolution"], "dismiss");

    // Delete the abusive comment, then suspend its author indefinitely.
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("comment", &cid, "delete"),
    )
    .await
    .expect(200);
    let comments = api
        .get(&format!("/v1/reviews/{fine}/comments"), None)
        .await
        .expect(200)
        .body;
    assert!(comments["items"].as_array().unwrap().is_empty());
    let r = api
        .post(
            "/v1/admin/moderation",
            moderator.token(),
            act("comment", &cid, "suspend"),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["resolved_reports"], 0);
    let me = api.get("/v1/me", bad.token()).await.expect(200).body;
    assert_eq!(me["suspended_until"], moa_protocol::limits::INDEFINITE);
    api.post(
        "/v1/reviews",
        bad.token(),
        json!({"kind": "snap", "body": "x"}),
    )
    .await
    .expect_error(403, "account_suspended");
    let mut timed = act("user", &bad.user_id, "suspend");
    timed["days"] = json!(0);
    assert_eq!(
        api.post("/v1/admin/moderation", moderator.token(), timed)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "days"
    );
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("user", &bad.user_id, "unsuspend"),
    )
    .await
    .expect(200);
    api.post(
        "/v1/reviews",
        bad.token(),
        json!({"kind": "snap", "body": "반성합니다"}),
    )
    .await
    .expect(201);

    // Restore the hidden review.
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("review", &spam, "restore"),
    )
    .await
    .expect(200);
    api.get(&format!("/v1/reviews/{spam}"), r1.token())
        .await
        .expect(200);

    // Actions that make no sense for a target, unknown targets, missing reasons.
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("user", &bad.user_id, "hide"),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("message", &uuid(), "delete"),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("review", &uuid(), "hide"),
    )
    .await
    .expect_error(404, "not_found");
    let mut no_reason = act("review", &spam, "hide");
    no_reason["reason"] = json!(" ");
    assert_eq!(
        api.post("/v1/admin/moderation", moderator.token(), no_reason)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "reason"
    );
    // Moderators cannot suspend admins.
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("user", &admin.user_id, "suspend"),
    )
    .await
    .expect_error(403, "forbidden");

    // Every action is in the audit log, which admins (only) read.
    api.get("/v1/admin/audit", moderator.token())
        .await
        .expect_error(403, "forbidden");
    let audit = api
        .get("/v1/admin/audit?limit=100", admin.token())
        .await
        .expect(200)
        .body;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "moderate_hide",
        "moderate_dismiss",
        "moderate_delete",
        "moderate_suspend",
        "suspend",
        "unsuspend",
        "moderate_restore",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let hide = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "moderate_hide")
        .unwrap();
    assert_eq!(hide["actor_id"], moderator.user_id.as_str());
    assert_eq!(hide["target_type"], "review");
    assert!(hide["detail"].as_str().unwrap().contains("운영 정책 위반"));
}

async fn hidden_content_is_visible_only_to_moderators_and_author(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let author = api.signup("author").await;
    let reader = api.signup("reader").await;
    let rid = snap(&api, &author, "숨겨질 리뷰").await;
    let c = api
        .post(
            &format!("/v1/reviews/{rid}/comments"),
            reader.token(),
            json!({"body": "숨겨질 댓글"}),
        )
        .await
        .expect(201)
        .body;
    let act = |t: &str, id: &str| json!({"target_type": t, "target_id": id, "action": "hide", "reason": "검토 중"});
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("comment", c["id"].as_str().unwrap()),
    )
    .await
    .expect(200);
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("review", &rid),
    )
    .await
    .expect(200);

    let in_feed = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == rid.as_str())
    };
    assert!(!in_feed(
        &api.get("/v1/feeds/latest", None).await.expect(200).body
    ));
    assert!(!in_feed(
        &api.get("/v1/feeds/latest", reader.token())
            .await
            .expect(200)
            .body
    ));
    let as_mod = api
        .get("/v1/feeds/latest", moderator.token())
        .await
        .expect(200)
        .body;
    assert!(in_feed(&as_mod));
    assert_eq!(as_mod["items"][0]["hidden"], true, "marked for moderators");
    let own = api
        .get(&format!("/v1/reviews/{rid}"), author.token())
        .await
        .expect(200)
        .body;
    assert_eq!(
        own["hidden"], true,
        "the author sees their hidden review, marked"
    );
    api.get(&format!("/v1/reviews/{rid}"), reader.token())
        .await
        .expect_error(404, "not_found");
    // Nobody can like or comment hidden content.
    api.put(
        &format!("/v1/reviews/{rid}/like"),
        reader.token(),
        json!({}),
    )
    .await
    .expect_error(404, "not_found");
    api.post(
        &format!("/v1/reviews/{rid}/comments"),
        author.token(),
        json!({"body": "x"}),
    )
    .await
    .expect_error(404, "not_found");
    let comments = api
        .get(&format!("/v1/reviews/{rid}/comments"), moderator.token())
        .await
        .expect(200)
        .body;
    assert_eq!(comments["items"][0]["hidden"], true);

    // Hidden products disappear from search for members only.
    let p = api
        .post(
            "/v1/products",
            reader.token(),
            json!({"name": "가짜 명품 가방", "price_krw": 10000}),
        )
        .await
        .expect(201)
        .body;
    let pid = p["product"]["id"].as_str().unwrap().to_owned();
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        act("product", &pid),
    )
    .await
    .expect(200);
    api.get(&format!("/v1/products/{pid}"), reader.token())
        .await
        .expect_error(404, "not_found");
    api.get(&format!("/v1/products/{pid}"), moderator.token())
        .await
        .expect(200);
    let found = api.get("/v1/products", None).await.expect(200).body;
    assert!(found["items"].as_array().unwrap().is_empty());
}

async fn report_statistics_for_admins(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let admin = account_with_role(&server, "boss", Role::Admin).await;
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let a = api.signup("aaa").await;
    let b = api.signup("bbb").await;
    let rid = snap(&api, &b, "리뷰").await;
    api.post(
        "/v1/reports",
        a.token(),
        json!({"target_type": "review", "target_id": rid, "reason": "spam"}),
    )
    .await
    .expect(201);
    api.post(
        "/v1/reports",
        a.token(),
        json!({"target_type": "user", "target_id": b.user_id, "reason": "abuse"}),
    )
    .await
    .expect(201);
    api.post(
        "/v1/reports",
        b.token(),
        json!({"target_type": "user", "target_id": a.user_id, "reason": "abuse"}),
    )
    .await
    .expect(201);
    let dismiss = json!({"target_type": "user", "target_id": a.user_id, "action": "dismiss", "reason": "근거 없음"});
    api.post("/v1/admin/moderation", moderator.token(), dismiss)
        .await
        .expect(200);

    api.get("/v1/admin/reports/stats", moderator.token())
        .await
        .expect_error(403, "forbidden");
    let stats = api
        .get("/v1/admin/reports/stats?days=7", admin.token())
        .await
        .expect(200)
        .body;
    assert_eq!(
        stats["by_type"],
        json!([{"target_type": "review", "open": 1, "closed": 0}, {"target_type": "user", "open": 1, "closed": 1}])
    );
    let days = stats["by_day"].as_array().unwrap();
    let total: i64 = days.iter().map(|d| d["count"].as_i64().unwrap()).sum();
    assert_eq!(total, 3);
    // Days are Korean days, each named by its start (00:00 Asia/Seoul).
    let today = moa_protocol::kst::day_start(moa_server::util::now_ms());
    assert!(days.iter().all(|d| d["day"] == today), "{days:?}");
}
