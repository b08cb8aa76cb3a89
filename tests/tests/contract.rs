//! The published API contract: the document's shape (parameters where
//! they are, one operation id each, the sync mutations published from the
//! `Op` enum, raw upload bodies as bytes), one paging rule for every list
//! (a `limit` out of 1..=100 and a bad cursor are the same 400 everywhere),
//! the other bounds the document states, and edits of content a moderator
//! hid. Every response of every end-to-end test is also checked against
//! the document by `moa_tests::conform`; `scripts/api-fuzz` fuzzes it from
//! the outside.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_tests::{Engine, TestServer, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    every_list_takes_the_same_paging_rule,
    content_a_moderator_hid_cannot_be_edited,
);

#[test]
fn the_document_says_where_parameters_are_and_publishes_the_mutations() {
    let doc = moa_server::openapi();
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_owned()));
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                assert_eq!(
                    p["in"] == "path",
                    in_path,
                    "{method} {path}: parameter {name} is declared in {}",
                    p["in"]
                );
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            if op["requestBody"].is_object() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} lacks {status}"
                    );
                }
            }
            // Every documented limit is the one rule.
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "limit" && p["in"] == "query" {
                    assert_eq!(p["schema"]["minimum"], 1, "{method} {path}");
                    assert_eq!(p["schema"]["maximum"], 100, "{method} {path}");
                }
            }
        }
    }
    // Sync mutations: one variant per name of the Op enum, args described.
    let variants = doc["components"]["schemas"]["SyncMutation"]["oneOf"]
        .as_array()
        .unwrap();
    let mut names: Vec<&str> = variants
        .iter()
        .map(|v| v["properties"]["name"]["const"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    let mut known: Vec<&str> = moa_protocol::Op::NAMES.to_vec();
    known.sort_unstable();
    assert_eq!(names, known);
    assert!(variants.iter().all(|v| v["properties"]["args"].is_object()));
    assert_eq!(
        doc["components"]["schemas"]["PushRequest"]["properties"]["mutations"]["items"]["$ref"],
        "#/components/schemas/SyncMutation"
    );
    // The raw chunk upload is bytes, not an array of numbers.
    let chunk = &doc["paths"]["/v1/media/uploads/{id}"]["patch"]["requestBody"]["content"];
    assert_eq!(
        chunk["application/octet-stream"]["schema"],
        json!({"type": "string", "format": "binary"})
    );
    // The pull's bounds are stated.
    let pull = &doc["components"]["schemas"]["PullRequest"]["properties"];
    assert_eq!(pull["wait_ms"]["maximum"], 25000);
    assert_eq!(pull["limit"]["maximum"], 2000);
}

async fn every_list_takes_the_same_paging_rule(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let member = api.signup("pager").await;
    let admin = account_with_role(&server, "pageadmin", moa_protocol::Role::Admin).await;
    let review = api
        .post(
            "/v1/reviews",
            Some(&member.access),
            json!({"kind": "snap", "body": "라떼 맛집", "rating": 5}),
        )
        .await
        .expect(201)
        .body;
    let rid = review["id"].as_str().unwrap();
    let lists: Vec<(String, &str)> = vec![
        ("/v1/places".into(), member.access.as_str()),
        ("/v1/products".into(), member.access.as_str()),
        (
            format!("/v1/reviews/{rid}/comments"),
            member.access.as_str(),
        ),
        (format!("/v1/reviews/{rid}/likes"), member.access.as_str()),
        ("/v1/feeds/latest".into(), member.access.as_str()),
        ("/v1/notifications".into(), member.access.as_str()),
        ("/v1/me/scraps".into(), member.access.as_str()),
        ("/v1/requests".into(), member.access.as_str()),
        ("/v1/me/quotes".into(), member.access.as_str()),
        ("/v1/points/entries".into(), member.access.as_str()),
        ("/v1/campaigns".into(), member.access.as_str()),
        ("/v1/communities".into(), member.access.as_str()),
        ("/v1/admin/users".into(), admin.access.as_str()),
        ("/v1/admin/audit".into(), admin.access.as_str()),
        ("/v1/admin/reports".into(), admin.access.as_str()),
        ("/v1/admin/shop/orders".into(), admin.access.as_str()),
    ];
    for (path, token) in &lists {
        api.get(&format!("{path}?limit=100"), Some(token))
            .await
            .expect(200);
        for bad in ["0", "101", "100000", "-1", "many"] {
            let r = api
                .get(&format!("{path}?limit={bad}"), Some(token))
                .await
                .expect_error(400, "invalid_parameter");
            assert!(
                r.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("limit"),
                "{path}: {}",
                r.body
            );
        }
        for cursor in ["not-a-cursor", "AAAA", "%FF"] {
            api.get(&format!("{path}?cursor={cursor}"), Some(token))
                .await
                .expect_error(400, "invalid_parameter");
        }
    }
    // A room's history: `before` is a sequence number, 1 or more.
    let other = api.signup("pagefriend").await;
    let room = api
        .post(
            "/v1/rooms",
            Some(&member.access),
            json!({"id": uuid::Uuid::now_v7().to_string(), "kind": "direct", "members": [other.user_id]}),
        )
        .await
        .body;
    let room_id = room["room"]["id"].as_str().unwrap();
    for bad in ["-5", "0"] {
        api.get(
            &format!("/v1/rooms/{room_id}/messages?before={bad}"),
            Some(&member.access),
        )
        .await
        .expect_error(400, "invalid_parameter");
    }
    api.get(
        &format!("/v1/rooms/{room_id}/messages?before=1&limit=100"),
        Some(&member.access),
    )
    .await
    .expect(200);
}

async fn content_a_moderator_hid_cannot_be_edited(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let author = api.signup("hidden_author").await;
    let moderator = account_with_role(&server, "hidemod", moa_protocol::Role::Moderator).await;
    let review = api
        .post(
            "/v1/reviews",
            Some(&author.access),
            json!({"kind": "story", "title": "광고", "body": "무료 쿠폰", "rating": 5}),
        )
        .await
        .expect(201)
        .body;
    let rid = review["id"].as_str().unwrap().to_owned();
    let comment = api
        .post(
            &format!("/v1/reviews/{rid}/comments"),
            Some(&author.access),
            json!({"body": "여기로 연락 주세요"}),
        )
        .await
        .expect(201)
        .body;
    let cid = comment["id"].as_str().unwrap().to_owned();
    for (kind, id) in [("review", &rid), ("comment", &cid)] {
        api.post(
            "/v1/admin/moderation",
            Some(&moderator.access),
            json!({"target_type": kind, "target_id": id, "action": "hide", "reason": "광고"}),
        )
        .await
        .expect(200);
    }
    let current: Value = api
        .get(&format!("/v1/reviews/{rid}"), Some(&author.access))
        .await
        .expect(200)
        .body;
    let version = current["version"].as_i64().unwrap();
    api.patch(
        &format!("/v1/reviews/{rid}"),
        Some(&author.access),
        json!({"base_version": version, "body": "이제 괜찮은 글"}),
    )
    .await
    .expect_error(409, "invalid_state");
    api.patch(
        &format!("/v1/comments/{cid}"),
        Some(&author.access),
        json!({"base_version": 1, "body": "바꿨어요"}),
    )
    .await
    .expect_error(409, "invalid_state");
    // Restored: editable again.
    api.post(
        "/v1/admin/moderation",
        Some(&moderator.access),
        json!({"target_type": "review", "target_id": rid, "action": "restore", "reason": "해결"}),
    )
    .await
    .expect(200);
    let current: Value = api
        .get(&format!("/v1/reviews/{rid}"), Some(&author.access))
        .await
        .expect(200)
        .body;
    api.patch(
        &format!("/v1/reviews/{rid}"),
        Some(&author.access),
        json!({"base_version": current["version"], "body": "이제 괜찮은 글"}),
    )
    .await
    .expect(200);
}
