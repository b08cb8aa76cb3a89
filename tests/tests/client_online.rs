//! client-core's online-only API against a real server: catalog search and
//! review lists, follower lists, and the moderator/admin actions, each as a
//! member (refused), as a moderator and as an admin; offline, every call
//! answers `Error::Network`. Every test runs on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use moa_client_core::protocol::{
    CreatePlaceRequest, CreateProductRequest, ModerationAction, ModerationRequest, PlaceCategory,
    ReportState, Role,
};
use moa_client_core::{
    Client, Error, LikeTarget, NewReview, OutboxState, ReportReason, ReportTarget, ReviewKind,
    SubjectRef, SubjectType,
};
use moa_tests::{Engine, TestServer, account_with_role, both_engines};

both_engines!(
    catalog_search_open_add_and_review,
    review_lists_page_with_cursors,
    follower_following_and_liked_lists,
    members_are_refused_moderation_and_admin,
    admin_moderates_and_manages_accounts,
    offline_calls_answer_network_errors,
);

/// A device: a client on its own data directory (kept while it lives).
struct Device {
    client: Client,
    _dir: tempfile::TempDir,
}

async fn device(server: &TestServer) -> Device {
    let (client, dir) = moa_tests::open_client(&server.url("")).await;
    Device { client, _dir: dir }
}

async fn sign_up(server: &TestServer, handle: &str) -> Device {
    let d = device(server).await;
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

/// A device signed in as a moderator or admin made on the server.
async fn staff(server: &TestServer, handle: &str, role: Role) -> Device {
    account_with_role(server, handle, role).await;
    let d = device(server).await;
    d.client
        .sign_in(&format!("{handle}@test.kr"), &format!("password-{handle}"))
        .await
        .unwrap();
    d
}

fn snap(body: &str) -> NewReview {
    NewReview {
        kind: ReviewKind::Snap,
        title: String::new(),
        body: body.into(),
        photos: vec![],
        subject: None,
        rating: None,
        tags: vec![],
        official: false,
    }
}

/// Posts a review through the outbox and pushes it; answers its id.
async fn post(d: &Device, review: NewReview) -> String {
    let id = d.client.create_review(review).await.unwrap();
    d.client.sync().await.unwrap();
    assert!(d.client.outbox().items().await.unwrap().is_empty());
    id
}

fn place_request(name: &str, address: &str) -> CreatePlaceRequest {
    CreatePlaceRequest {
        id: None,
        name: name.into(),
        address: address.into(),
        latitude: Some(37.5446),
        longitude: Some(127.0557),
        category: PlaceCategory::Cafe,
        link: "https://map.example/cafe".into(),
    }
}

#[track_caller]
fn assert_forbidden<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Rejected { code, .. }) if code == "forbidden" => {}
        other => panic!("expected a forbidden rejection, got {other:?}"),
    }
}

#[track_caller]
fn assert_network<T: std::fmt::Debug>(result: Result<T, Error>) {
    assert!(
        matches!(result, Err(Error::Network(_))),
        "expected a network error, got {result:?}"
    );
}

async fn catalog_search_open_add_and_review(engine: Engine) {
    let server = TestServer::start(engine).await;
    let mina = sign_up(&server, "mina").await;

    // Adding a place answers it; adding it again answers the same one.
    let added = mina
        .client
        .add_place(place_request(
            "성수 커피 로스터스",
            "서울 성동구 성수이로 7",
        ))
        .await
        .unwrap();
    assert!(added.created);
    assert_eq!(added.place.name, "성수 커피 로스터스");
    assert_eq!(added.place.category, PlaceCategory::Cafe);
    let again = mina
        .client
        .add_place(place_request(
            "성수 커피 로스터스",
            "서울 성동구 성수이로 7",
        ))
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.place.id, added.place.id);
    mina.client
        .add_place(place_request("연남 베이커리", "서울 마포구 동교로 1"))
        .await
        .unwrap();
    let invalid = mina
        .client
        .add_place(place_request("", "서울"))
        .await
        .unwrap_err();
    assert!(
        matches!(&invalid, Error::Rejected { code, .. } if code == "invalid_field"),
        "{invalid:?}"
    );

    let product = mina
        .client
        .add_product(CreateProductRequest {
            id: None,
            name: "핸드드립 세트".into(),
            price_krw: 39_000,
            options: vec![],
            photos: vec![],
            shop_url: "https://shop.example.kr/drip".into(),
        })
        .await
        .unwrap();
    assert!(product.created);
    let product = product.product;

    // Review the new place and product (picked by id as a subject).
    let place_id = added.place.id.clone();
    let on_place = post(
        &mina,
        NewReview {
            kind: ReviewKind::Story,
            title: "라떼가 맛있는 곳".into(),
            body: "원두를 직접 볶는다".into(),
            subject: Some(SubjectRef {
                kind: SubjectType::Place,
                id: place_id.clone(),
            }),
            rating: Some(5),
            tags: vec!["라떼".into()],
            ..snap("")
        },
    )
    .await;
    let on_product = post(
        &mina,
        NewReview {
            subject: Some(SubjectRef {
                kind: SubjectType::Product,
                id: product.id.clone(),
            }),
            rating: Some(3),
            ..snap("필터가 금방 닳아요")
        },
    )
    .await;

    // Search (free text, percent-encoded), then open.
    let found = mina.client.search_places("커피 로스터스").await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].id, place_id);
    assert_eq!(found[0].review_count, 1);
    let by_address = mina.client.search_places("성동구").await.unwrap();
    assert_eq!(by_address.len(), 1);
    assert_eq!(mina.client.search_places("").await.unwrap().len(), 2);
    assert!(
        mina.client
            .search_places("없는 곳")
            .await
            .unwrap()
            .is_empty()
    );

    let place = mina.client.place(&place_id).await.unwrap();
    assert_eq!(place.address, "서울 성동구 성수이로 7");
    assert_eq!(place.review_count, 1);
    assert_eq!(place.average_rating, Some(5.0));
    let missing = mina
        .client
        .place("0190b7a0-0000-7000-8000-00000000dead")
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");

    let page = mina
        .client
        .subject_reviews(SubjectType::Place, &place_id, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, on_place);
    assert_eq!(page.items[0].title, "라떼가 맛있는 곳");
    let subject = page.items[0].subject.as_ref().unwrap();
    assert_eq!(subject.name, "성수 커피 로스터스");
    assert_eq!(page.next_cursor, None);

    let products = mina.client.search_products("드립").await.unwrap();
    assert_eq!(
        products.iter().map(|p| &p.id).collect::<Vec<_>>(),
        [&product.id]
    );
    let opened = mina.client.product(&product.id).await.unwrap();
    assert_eq!(opened.price_krw, 39_000);
    assert_eq!(opened.average_rating, Some(3.0));
    let page = mina
        .client
        .subject_reviews(SubjectType::Product, &product.id, None)
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&on_product]
    );
    // Tags (normalized by the server: `#` and case) and a member's reviews.
    let tagged = mina.client.tag_reviews("#라떼", None).await.unwrap();
    assert_eq!(
        tagged.items.iter().map(|r| &r.id).collect::<Vec<_>>(),
        [&on_place]
    );
    let me = mina.client.me().await.unwrap();
    let mine = mina.client.user_reviews(&me.id, None).await.unwrap();
    assert_eq!(
        mine.items.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [on_product.as_str(), on_place.as_str()]
    );

    // Signed out, the catalog and the review lists still answer.
    let anonymous = device(&server).await;
    let found = anonymous.client.search_places("연남").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name, "연남 베이커리");
    let page = anonymous
        .client
        .subject_reviews(SubjectType::Place, &place_id, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(!page.items[0].liked_by_me);
    // Adding needs a member.
    let refused = anonymous
        .client
        .add_place(place_request("익명 카페", "어딘가"))
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Auth(_)), "{refused:?}");
}

async fn review_lists_page_with_cursors(engine: Engine) {
    let server = TestServer::start(engine).await;
    let mina = sign_up(&server, "mina").await;
    let mut posted = BTreeSet::new();
    for i in 0..21 {
        let id = mina
            .client
            .create_review(NewReview {
                tags: vec!["빵".into()],
                ..snap(&format!("빵집 일기 {i}"))
            })
            .await
            .unwrap();
        posted.insert(id);
    }
    mina.client.sync().await.unwrap();
    assert!(mina.client.outbox().items().await.unwrap().is_empty());

    let me = mina.client.me().await.unwrap().id;
    let first = mina.client.user_reviews(&me, None).await.unwrap();
    assert_eq!(first.items.len(), 20);
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = mina.client.user_reviews(&me, Some(cursor)).await.unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.next_cursor, None);
    let seen: BTreeSet<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(seen, posted);

    let first = mina.client.tag_reviews("빵", None).await.unwrap();
    assert_eq!(first.items.len(), 20);
    let second = mina
        .client
        .tag_reviews("빵", first.next_cursor)
        .await
        .unwrap();
    assert_eq!(second.items.len(), 1);

    let bad = mina
        .client
        .user_reviews(&me, Some("not-a-cursor".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(&bad, Error::Rejected { code, .. } if code == "invalid_parameter"),
        "{bad:?}"
    );
}

async fn follower_following_and_liked_lists(engine: Engine) {
    let server = TestServer::start(engine).await;
    let mina = sign_up(&server, "mina").await;
    let joon = sign_up(&server, "joon").await;
    let hana = sign_up(&server, "hana").await;
    let mina_id = mina.client.me().await.unwrap().id;
    let joon_id = joon.client.me().await.unwrap().id;
    let hana_id = hana.client.me().await.unwrap().id;

    for d in [&joon, &hana] {
        d.client.set_follow(&mina_id, true).await.unwrap();
        d.client.sync().await.unwrap();
    }
    mina.client.set_follow(&joon_id, true).await.unwrap();
    let review = post(&mina, snap("오늘의 빵")).await;
    let other = post(&mina, snap("어제의 빵")).await;
    joon.client
        .set_like(LikeTarget::Review, &review, true)
        .await
        .unwrap();
    joon.client.sync().await.unwrap();

    let handles = |items: &[moa_client_core::protocol::MemberListItem]| {
        items
            .iter()
            .map(|i| i.member.handle.clone())
            .collect::<BTreeSet<_>>()
    };
    let followers = mina.client.followers(&mina_id).await.unwrap();
    assert_eq!(
        handles(&followers),
        BTreeSet::from(["joon".into(), "hana".into()])
    );
    assert!(followers.iter().all(|f| f.at > 0));
    let following = mina.client.following_list(&mina_id).await.unwrap();
    assert_eq!(handles(&following), BTreeSet::from(["joon".into()]));
    // Anyone's lists, not only one's own.
    let following = mina.client.following_list(&hana_id).await.unwrap();
    assert_eq!(handles(&following), BTreeSet::from(["mina".into()]));
    assert!(mina.client.followers(&hana_id).await.unwrap().is_empty());

    let liked = joon.client.liked_reviews().await.unwrap();
    assert_eq!(
        liked.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        [review.as_str()]
    );
    assert!(liked[0].liked_by_me);
    assert_eq!(liked[0].like_count, 1);
    assert!(!liked.iter().any(|r| r.id == other));
    assert!(mina.client.liked_reviews().await.unwrap().is_empty());

    // Mina removes Hana from her followers: gone from the lists, and Hana's
    // own follows follow with her next sync.
    mina.client.remove_follower(&hana_id).await.unwrap();
    let followers = mina.client.followers(&mina_id).await.unwrap();
    assert_eq!(handles(&followers), BTreeSet::from(["joon".into()]));
    assert!(
        hana.client
            .following_list(&hana_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        hana.client.following().await.unwrap(),
        vec![mina_id.clone()]
    );
    hana.client.sync().await.unwrap();
    assert!(hana.client.following().await.unwrap().is_empty());
    // Removing someone who does not follow is fine.
    mina.client.remove_follower(&hana_id).await.unwrap();
}

async fn members_are_refused_moderation_and_admin(engine: Engine) {
    let server = TestServer::start(engine).await;
    let member = sign_up(&server, "mina").await;
    let other = sign_up(&server, "joon").await;
    let moderator = staff(&server, "keeper", Role::Moderator).await;
    let other_id = other.client.me().await.unwrap().id;
    let review = post(&other, snap("평범한 리뷰")).await;

    assert_eq!(member.client.me().await.unwrap().role, Role::Member);
    assert_eq!(moderator.client.me().await.unwrap().role, Role::Moderator);

    let c = &member.client;
    assert_forbidden(c.admin().report_queue(ReportState::Open, None, None).await);
    assert_forbidden(
        c.admin()
            .moderate(ModerationRequest {
                target_type: ReportTarget::Review,
                target_id: review.clone(),
                action: ModerationAction::Hide,
                reason: "싫어서".into(),
                days: None,
            })
            .await,
    );
    assert_forbidden(c.admin().report_stats(30).await);
    assert_forbidden(c.admin().audit_log(None).await);
    assert_forbidden(c.admin().users("", None).await);
    assert_forbidden(c.admin().set_role(&other_id, Role::Admin).await);
    assert_forbidden(c.admin().suspend(&other_id, Some(3), "이유").await);
    assert_forbidden(c.admin().lift_suspension(&other_id).await);

    // Moderators work the queue and search accounts; stats, the audit log
    // and roles are for admins.
    let queue = moderator
        .client
        .admin()
        .report_queue(ReportState::Open, None, None)
        .await
        .unwrap();
    assert!(queue.items.is_empty());
    let users = moderator.client.admin().users("joon", None).await.unwrap();
    assert_eq!(users.items.len(), 1);
    assert_eq!(users.items[0].id, other_id);
    assert_forbidden(moderator.client.admin().report_stats(30).await);
    assert_forbidden(moderator.client.admin().audit_log(None).await);
    assert_forbidden(
        moderator
            .client
            .admin()
            .set_role(&other_id, Role::Moderator)
            .await,
    );

    // An official review from a member is refused by the server, and stays
    // in the outbox as failed for the member to see.
    member
        .client
        .create_review(NewReview {
            official: true,
            ..snap("공지인 척")
        })
        .await
        .unwrap();
    member.client.sync().await.unwrap();
    let outbox = member.client.outbox().items().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].state, OutboxState::Failed);
    assert_eq!(outbox[0].error.as_ref().unwrap().code, "forbidden");
    // A moderator's is posted as official.
    let notice = post(
        &moderator,
        NewReview {
            official: true,
            ..snap("운영 공지")
        },
    )
    .await;
    let keeper = moderator.client.me().await.unwrap().id;
    let posted = member.client.user_reviews(&keeper, None).await.unwrap();
    assert_eq!(posted.items.len(), 1);
    assert_eq!(posted.items[0].id, notice);
    assert!(posted.items[0].official);
}

async fn admin_moderates_and_manages_accounts(engine: Engine) {
    let server = TestServer::start(engine).await;
    let admin = staff(&server, "boss", Role::Admin).await;
    let bad = sign_up(&server, "bad").await;
    let r1 = sign_up(&server, "reporter1").await;
    let r2 = sign_up(&server, "reporter2").await;
    assert_eq!(admin.client.me().await.unwrap().role, Role::Admin);
    let bad_id = bad.client.me().await.unwrap().id;
    let spam = post(&bad, snap("무료 쿠폰 받으세요")).await;
    post(&bad, snap("평범한 리뷰")).await;
    for r in [&r1, &r2] {
        r.client
            .report(ReportTarget::Review, &spam, ReportReason::Spam, "")
            .await
            .unwrap();
        r.client.sync().await.unwrap();
        assert!(r.client.outbox().items().await.unwrap().is_empty());
    }

    // The queue: one group for the review, two reports, the content inline.
    let queue = admin
        .client
        .admin()
        .report_queue(ReportState::Open, None, None)
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 1, "{queue:?}");
    let group = &queue.items[0];
    assert_eq!(group.target_type, ReportTarget::Review);
    assert_eq!(group.target_id, spam);
    assert_eq!(group.report_count, 2);
    assert_eq!(group.reports.len(), 2);
    let content = group.content.as_ref().unwrap();
    assert_eq!(content["body"], "무료 쿠폰 받으세요");
    assert!(
        admin
            .client
            .admin()
            .report_queue(ReportState::Open, Some(ReportTarget::Comment), None)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Hide: both reports resolve; members no longer see it.
    let act = |action| ModerationRequest {
        target_type: ReportTarget::Review,
        target_id: spam.clone(),
        action,
        reason: "광고".into(),
        days: None,
    };
    let hidden = admin
        .client
        .admin()
        .moderate(act(ModerationAction::Hide))
        .await
        .unwrap();
    assert_eq!(hidden.action, ModerationAction::Hide);
    assert_eq!(hidden.resolved_reports, 2);
    assert!(
        admin
            .client
            .admin()
            .report_queue(ReportState::Open, None, None)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let actioned = admin
        .client
        .admin()
        .report_queue(ReportState::Actioned, None, None)
        .await
        .unwrap();
    assert_eq!(actioned.items.len(), 1);
    assert_eq!(actioned.items[0].target_id, spam);
    let shown = |c: &Client| {
        let c = c.clone();
        let bad_id = bad_id.clone();
        async move {
            c.user_reviews(&bad_id, None)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|r| r.body)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(shown(&r1.client).await, ["평범한 리뷰"]);

    // Restore: back for everyone.
    let restored = admin
        .client
        .admin()
        .moderate(act(ModerationAction::Restore))
        .await
        .unwrap();
    assert_eq!(restored.action, ModerationAction::Restore);
    assert_eq!(restored.resolved_reports, 0);
    assert_eq!(
        shown(&r1.client).await,
        ["평범한 리뷰", "무료 쿠폰 받으세요"]
    );

    // Statistics: the two review reports, closed.
    let stats = admin.client.admin().report_stats(7).await.unwrap();
    let reviews = stats
        .by_type
        .iter()
        .find(|t| t.target_type == ReportTarget::Review)
        .unwrap();
    assert_eq!((reviews.open, reviews.closed), (0, 2));
    assert_eq!(stats.by_day.iter().map(|d| d.count).sum::<i64>(), 2);

    // Accounts: search, role, suspension.
    let found = admin.client.admin().users("bad", None).await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, bad_id);
    assert_eq!(found.items[0].email, "bad@test.kr");
    assert_eq!(found.items[0].role, Role::Member);
    let everyone = admin.client.admin().users("", None).await.unwrap();
    assert_eq!(everyone.items.len(), 4);

    let promoted = admin
        .client
        .admin()
        .set_role(&bad_id, Role::Moderator)
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Moderator);
    // The promoted member's own client learns it with the next sync, and
    // the server lets them in at once.
    bad.client.sync().await.unwrap();
    assert_eq!(bad.client.me().await.unwrap().role, Role::Moderator);
    bad.client
        .admin()
        .report_queue(ReportState::Open, None, None)
        .await
        .unwrap();
    let demoted = admin
        .client
        .admin()
        .set_role(&bad_id, Role::Member)
        .await
        .unwrap();
    assert_eq!(demoted.role, Role::Member);
    assert_forbidden(
        bad.client
            .admin()
            .report_queue(ReportState::Open, None, None)
            .await,
    );
    let boss = admin.client.me().await.unwrap().id;
    assert_forbidden(admin.client.admin().set_role(&boss, Role::Member).await);

    let suspended = admin
        .client
        .admin()
        .suspend(&bad_id, Some(3), "반복된 광고")
        .await
        .unwrap();
    let until = suspended.suspended_until.expect("suspended");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(until > now + 2 * 86_400_000 && until <= now + 3 * 86_400_000 + 60_000);
    // A suspended member's writes are refused.
    bad.client.create_review(snap("또 광고")).await.unwrap();
    bad.client.sync().await.unwrap();
    let outbox = bad.client.outbox().items().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].state, OutboxState::Failed);
    assert_eq!(outbox[0].error.as_ref().unwrap().code, "account_suspended");
    let too_long = admin
        .client
        .admin()
        .suspend(&bad_id, Some(100_000), "영원히")
        .await
        .unwrap_err();
    assert!(matches!(too_long, Error::Rejected { .. }), "{too_long:?}");

    let lifted = admin.client.admin().lift_suspension(&bad_id).await.unwrap();
    assert_eq!(lifted.suspended_until, None);
    bad.client.outbox().retry(&outbox[0].id).await.unwrap();
    bad.client.sync().await.unwrap();
    assert!(bad.client.outbox().items().await.unwrap().is_empty());

    // Everything is in the audit log, newest first.
    let audit = admin.client.admin().audit_log(None).await.unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "moderate_hide",
        "moderate_restore",
        "set_role",
        "suspend",
        "unsuspend",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    assert_eq!(actions[0], "unsuspend");
    assert!(audit.items.iter().all(|e| e.actor_id == boss));
    let hide = audit
        .items
        .iter()
        .find(|e| e.action == "moderate_hide")
        .unwrap();
    assert_eq!(hide.target_id, spam);
}

async fn offline_calls_answer_network_errors(engine: Engine) {
    let server = TestServer::start(engine).await;
    let admin = staff(&server, "boss", Role::Admin).await;
    let mina = sign_up(&server, "mina").await;
    let anonymous = device(&server).await;
    let mina_id = mina.client.me().await.unwrap().id;
    // Online first, so the failures below are the network's.
    assert!(mina.client.search_places("").await.unwrap().is_empty());
    admin.client.admin().audit_log(None).await.unwrap();

    server.stop().await;

    let c = &mina.client;
    assert_network(c.search_places("카페").await);
    assert_network(c.search_products("커피").await);
    assert_network(c.place(&mina_id).await);
    assert_network(c.product(&mina_id).await);
    assert_network(c.subject_reviews(SubjectType::Place, &mina_id, None).await);
    assert_network(c.add_place(place_request("오프라인 카페", "어딘가")).await);
    assert_network(c.followers(&mina_id).await);
    assert_network(c.following_list(&mina_id).await);
    assert_network(c.liked_reviews().await);
    assert_network(c.user_reviews(&mina_id, None).await);
    assert_network(c.tag_reviews("빵", None).await);
    assert_network(c.remove_follower(&mina_id).await);
    assert_network(anonymous.client.search_places("카페").await);

    let a = &admin.client;
    assert_network(a.admin().report_queue(ReportState::Open, None, None).await);
    assert_network(
        a.admin()
            .moderate(ModerationRequest {
                target_type: ReportTarget::User,
                target_id: mina_id.clone(),
                action: ModerationAction::Dismiss,
                reason: "오프라인".into(),
                days: None,
            })
            .await,
    );
    assert_network(a.admin().report_stats(7).await);
    assert_network(a.admin().audit_log(None).await);
    assert_network(a.admin().users("mina", None).await);
    assert_network(a.admin().set_role(&mina_id, Role::Moderator).await);
    assert_network(a.admin().suspend(&mina_id, None, "오프라인").await);
    assert_network(a.admin().lift_suspension(&mina_id).await);

    // The cached data still answers.
    assert_eq!(c.me().await.unwrap().handle, "mina");
    assert_eq!(a.me().await.unwrap().role, Role::Admin);
}
