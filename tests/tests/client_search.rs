//! client-core's search against a real server: the device indexes what it
//! caches and answers at once, offline too; online the server's hits come
//! below the device's without duplicates; moderation takes a hit off the
//! device at the next sync; recent searches and suggestions stay on the
//! device. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moa_client_core::protocol::{
    ModerationAction, ModerationRequest, Role, SearchKind, SearchType,
};
use moa_client_core::{Client, Error, NewReview, ReportTarget, ReviewKind};
use moa_tests::{Engine, TestServer, account_with_role, both_engines};
use serde_json::json;

both_engines!(device_search_offline_merge_and_recent);

async fn sign_up(server: &TestServer, handle: &str) -> (Client, tempfile::TempDir) {
    let (client, dir) = moa_tests::open_client(&server.url("")).await;
    client
        .sign_up(
            &format!("{handle}@test.kr"),
            &format!("password-{handle}"),
            handle,
            &format!("회원 {handle}"),
        )
        .await
        .unwrap();
    (client, dir)
}

fn review(kind: ReviewKind, title: &str, body: &str) -> NewReview {
    NewReview {
        kind,
        title: title.into(),
        body: body.into(),
        photos: vec![],
        subject: None,
        rating: None,
        tags: vec!["주방".into()],
        official: false,
    }
}

fn ids(hits: &[moa_client_core::protocol::SearchHit]) -> Vec<(SearchKind, String)> {
    hits.iter().map(|h| (h.kind, h.id.clone())).collect()
}

async fn device_search_offline_merge_and_recent(engine: Engine) {
    let server = TestServer::start(engine).await;
    let (mina, _dir) = sign_up(&server, "mina").await;
    let story = mina
        .create_review(review(
            ReviewKind::Story,
            "스테인리스 텀블러 후기",
            "보온이 오래가요",
        ))
        .await
        .unwrap();
    let snap = mina
        .create_review(review(ReviewKind::Snap, "", "텀블러 세척 팁: 베이킹소다"))
        .await
        .unwrap();
    mina.sync().await.unwrap();
    // Someone this device has never seen, found only by the server.
    let api = server.api();
    let fan = api.signup("collector").await;
    api.patch(
        "/v1/me",
        fan.token(),
        json!({"display_name": "텀블러 수집가"}),
    )
    .await
    .expect(200);

    let search = mina.search();
    let local = search.local("텀블러", SearchType::All).await.unwrap();
    assert_eq!(
        ids(&local),
        vec![
            (SearchKind::Review, snap.clone()),
            (SearchKind::Review, story.clone())
        ]
    );
    assert_eq!(local[1].title_ranges[0].start, 6);

    search.remember("텀블러").await.unwrap();
    let online = search.query("텀블러", SearchType::All, None).await.unwrap();
    assert!(!online.offline);
    let found = ids(&online.hits);
    assert_eq!(
        &found[..2],
        &ids(&local)[..],
        "the device's hits come first"
    );
    assert!(
        found.contains(&(SearchKind::Person, fan.user_id.clone())),
        "{found:?}"
    );
    let mut unique = found.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        found.len(),
        "a hit was listed twice: {found:?}"
    );

    // One kind, in pages from the server below the device's.
    let reviews = search
        .query("텀블러", SearchType::Reviews, None)
        .await
        .unwrap();
    assert_eq!(ids(&reviews.hits).len(), 2);

    // Suggestions while typing come from the cache.
    let suggested = search.suggestions("텀블").await.unwrap();
    assert!(
        suggested.contains(&"스테인리스 텀블러 후기".to_owned()),
        "{suggested:?}"
    );
    assert!(search.suggestions("").await.unwrap().is_empty());

    // A moderator hides the snap: gone from the device at the next sync.
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let hide = ModerationRequest {
        target_type: ReportTarget::Review,
        target_id: snap.clone(),
        action: ModerationAction::Hide,
        reason: "테스트".into(),
        days: None,
    };
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        serde_json::to_value(&hide).unwrap(),
    )
    .await
    .expect(200);
    mina.sync().await.unwrap();
    let local = search.local("텀블러", SearchType::Reviews).await.unwrap();
    assert_eq!(ids(&local), vec![(SearchKind::Review, story.clone())]);

    // Offline: the device's hits, every rule, at once.
    server.stop().await;
    for q in [
        "텀블러",
        "ㅌㅂㄹ",
        "xjaqmffj",
        "텀블럭",
        "스테인리스텀블러",
        "텀블ㄹ",
    ] {
        search.remember(q).await.unwrap();
        let outcome = search.query(q, SearchType::All, None).await.unwrap();
        assert!(outcome.offline, "{q}");
        assert_eq!(
            ids(&outcome.hits),
            vec![(SearchKind::Review, story.clone())],
            "{q}"
        );
    }
    // A picker's lookups are not remembered.
    search
        .query("베이킹", SearchType::Reviews, None)
        .await
        .unwrap();
    assert!(matches!(
        search.remember(" \t").await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        search.query("  ", SearchType::All, None).await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        search.query(&"가".repeat(101), SearchType::All, None).await,
        Err(Error::Invalid { .. })
    ));

    // Recent searches: newest first, each once; forget one, clear all.
    let recent = search.recent().await.unwrap();
    assert_eq!(recent[0], "텀블ㄹ");
    assert_eq!(recent.iter().filter(|r| *r == "텀블러").count(), 1);
    search.forget("텀블ㄹ").await.unwrap();
    assert_eq!(search.recent().await.unwrap()[0], "스테인리스텀블러");
    search.clear_recent().await.unwrap();
    assert!(search.recent().await.unwrap().is_empty());
}
