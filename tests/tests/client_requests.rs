//! client-core's requests (부탁) and points against a real server and the
//! local fake PortOne, two members end to end: a request posted offline
//! (shown at once, sent once when the network is back), browsed and quoted
//! by another device, the quote seen by the requester only, accepting with
//! a short balance refused, points charged at the provider's checkout,
//! accepting (the pair's room on both devices), completion paying the
//! helper, and the review on the helper's profile. Cancellation offline
//! releases once. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moa_client_core::protocol::{
    ErrorCode, PointKind, QuoteStatus, RequestCategory, RequestStatus, kst,
};
use moa_client_core::{Client, Error, RequestDraft, RequestFilter};
use moa_tests::proxy::Proxy;
use moa_tests::shop::{STORE, now_ms, shop};
use moa_tests::{Engine, both_engines};

both_engines!(
    two_members_go_from_request_to_review,
    a_cancel_made_offline_releases_once
);

async fn member(url: &str, handle: &str) -> (Client, tempfile::TempDir) {
    let (client, dir) = moa_tests::open_client(url).await;
    client
        .sign_up_in(
            &format!("{handle}@test.kr"),
            &format!("password-{handle}"),
            handle,
            &format!("회원 {handle}"),
            None,
        )
        .await
        .unwrap();
    (client, dir)
}

fn draft(title: &str) -> RequestDraft {
    let day = 86_400_000;
    RequestDraft {
        title: title.into(),
        category: RequestCategory::Purchase,
        region: "도쿄 시부야".into(),
        place_id: None,
        starts_on: kst::date_of(now_ms() + 3 * day),
        ends_on: kst::date_of(now_ms() + 5 * day),
        budget_min_krw: 20_000,
        budget_max_krw: 60_000,
        details: "파르코 팝업 한정 키링".into(),
        photos: Vec::new(),
        community_only: false,
    }
}

async fn two_members_go_from_request_to_review(engine: Engine) {
    let shop = shop(engine).await;
    let proxy = Proxy::start(shop.server.addr).await;
    let (mina, _d1) = member(&proxy.url(), "mina").await;
    let (joon, _d2) = member(&shop.server.url(""), "joon").await;
    mina.sync().await.unwrap();

    // Posted offline: shown at once (pending), checked before it is kept.
    proxy.down();
    let mut past = draft("지난 부탁");
    past.ends_on = "2020-01-01".into();
    past.starts_on = "2020-01-01".into();
    assert!(matches!(
        mina.requests().post(past).await,
        Err(Error::Invalid { .. })
    ));
    let id = mina
        .requests()
        .post(draft("도쿄에서 한정판 굿즈 대신 사다 주실 분"))
        .await
        .unwrap();
    let mine = mina.requests().mine().await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].pending && mine[0].mine);
    assert_eq!(mine[0].request.status, RequestStatus::Open);
    // Offline search of the device finds it (open requests are indexed).
    proxy.up().await;
    mina.sync().await.unwrap();
    mina.sync().await.unwrap();
    let card = mina.requests().request(&id).await.unwrap();
    assert!(!card.pending, "confirmed by the server");
    assert_eq!(shop.server.count("requests").await, 1);

    // Another member browses (filters too) and quotes through the outbox.
    joon.sync().await.unwrap();
    let open = joon
        .requests()
        .browse(RequestFilter {
            category: Some(RequestCategory::Purchase),
            region: "도쿄".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(
        joon.requests()
            .browse(RequestFilter {
                category: Some(RequestCategory::Travel),
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        mina.requests().quote(&id, 30_000, "저요").await,
        Err(Error::Invalid { .. })
    ));
    let quote_id = joon
        .requests()
        .quote(&id, 30_000, "다음 주 도쿄 가요!")
        .await
        .unwrap();
    let card = joon.requests().request(&id).await.unwrap();
    assert_eq!(card.my_quote.as_ref().unwrap().quote.price_krw, 30_000);
    assert!(card.my_quote.as_ref().unwrap().pending);
    joon.sync().await.unwrap();
    // Edited: the same quote.
    let again = joon
        .requests()
        .quote(&id, 28_000, "조금 깎아 드릴게요")
        .await
        .unwrap();
    assert_eq!(again, quote_id);
    joon.sync().await.unwrap();
    assert_eq!(shop.server.count("quotes").await, 1);

    // The requester sees the quote (from her own bucket).
    mina.sync().await.unwrap();
    let quotes = mina.requests().quotes(&id).await.unwrap();
    assert_eq!(quotes.len(), 1);
    assert_eq!(quotes[0].quote.price_krw, 28_000);
    assert_eq!(
        mina.requests()
            .request(&id)
            .await
            .unwrap()
            .request
            .quote_count,
        1
    );

    // No points: refused with a code the app can offer a charge for.
    let err = mina.requests().accept(&id, &quote_id).await.unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code, .. } if *code == ErrorCode::InsufficientPoints),
        "{err:?}"
    );
    // Offline, accepting is a clear network error.
    proxy.down();
    assert!(matches!(
        mina.requests().accept(&id, &quote_id).await,
        Err(Error::Network(_))
    ));
    proxy.up().await;

    // Charge at the provider's checkout.
    let checkout = mina.wallet().charge(50_000).await.unwrap();
    assert!(checkout.checkout_url.starts_with("http"));
    let err = mina
        .wallet()
        .confirm_charge(&checkout.charge.id)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code, .. } if *code == ErrorCode::PaymentIncomplete),
        "{err:?}"
    );
    shop.fake
        .pay(&checkout.charge.id, STORE, "포인트", 50_000, false);
    mina.wallet()
        .confirm_charge(&checkout.charge.id)
        .await
        .unwrap();
    mina.sync().await.unwrap();
    assert_eq!(mina.wallet().wallet().await.unwrap().balance, 50_000);
    assert_eq!(
        mina.wallet().entries().await.unwrap()[0].kind,
        PointKind::Charge
    );

    // Accept: held, matched, the room on both devices.
    let accepted = mina.requests().accept(&id, &quote_id).await.unwrap();
    assert_eq!(accepted.wallet.balance, 22_000);
    assert_eq!(accepted.wallet.held, 28_000);
    let room = accepted.request.room_id.clone().unwrap();
    assert_eq!(
        mina.requests().request(&id).await.unwrap().request.status,
        RequestStatus::Matched
    );
    mina.sync().await.unwrap();
    assert_eq!(mina.wallet().wallet().await.unwrap().held, 28_000);
    joon.sync().await.unwrap();
    let helping = joon.requests().helping().await.unwrap();
    assert_eq!(helping.len(), 1);
    assert_eq!(
        helping[0].my_quote.as_ref().unwrap().quote.status,
        QuoteStatus::Accepted
    );
    let rooms = joon.rooms().await.unwrap();
    assert!(rooms.iter().any(|r| r.room.id == room), "{rooms:?}");

    // Completed through the outbox: the helper is paid.
    mina.requests().complete(&id).await.unwrap();
    assert_eq!(
        mina.requests().request(&id).await.unwrap().request.status,
        RequestStatus::Completed
    );
    mina.sync().await.unwrap();
    joon.sync().await.unwrap();
    assert_eq!(joon.wallet().wallet().await.unwrap().balance, 28_000);
    assert_eq!(
        joon.wallet().entries().await.unwrap()[0].kind,
        PointKind::Pay
    );
    let w = mina.wallet().wallet().await.unwrap();
    assert_eq!((w.balance, w.held), (22_000, 0));

    // The review, on the helper's profile.
    mina.requests()
        .review_helper(&id, 5, "정말 친절했어요", Vec::new())
        .await
        .unwrap();
    mina.sync().await.unwrap();
    mina.sync().await.unwrap();
    let card = mina.requests().request(&id).await.unwrap();
    assert_eq!(card.request.review.as_ref().unwrap().rating, 5);
    let reviews = mina
        .requests()
        .helper_reviews(&joon.me().await.unwrap().id, None)
        .await
        .unwrap();
    assert_eq!(reviews.items.len(), 1);
    joon.sync().await.unwrap();
    let me = joon.me().await.unwrap();
    assert_eq!(me.counts.helper_reviews, 1);
    assert_eq!(me.counts.helper_rating_sum, 5);
    // Everything reads offline.
    proxy.down();
    assert_eq!(mina.requests().mine().await.unwrap().len(), 1);
    assert_eq!(mina.wallet().entries().await.unwrap().len(), 2);
}

async fn a_cancel_made_offline_releases_once(engine: Engine) {
    let shop = shop(engine).await;
    let proxy = Proxy::start(shop.server.addr).await;
    let (mina, _d1) = member(&proxy.url(), "mina").await;
    let (joon, _d2) = member(&shop.server.url(""), "joon").await;
    shop.server
        .api()
        .post(
            "/v1/admin/points/grants",
            Some(&shop.admin.access),
            serde_json::json!({"user_id": mina.me().await.unwrap().id, "amount": 40000, "reason": "환영"}),
        )
        .await
        .expect(201);
    let id = mina.requests().post(draft("제주 기록")).await.unwrap();
    mina.sync().await.unwrap();
    joon.sync().await.unwrap();
    let quote = joon
        .requests()
        .quote(&id, 15_000, "제가 갈게요")
        .await
        .unwrap();
    joon.sync().await.unwrap();
    mina.sync().await.unwrap();
    mina.requests().accept(&id, &quote).await.unwrap();
    mina.sync().await.unwrap();
    assert_eq!(mina.wallet().wallet().await.unwrap().balance, 25_000);
    // Cancelled offline twice (two taps): shown at once, released once.
    proxy.down();
    mina.requests().cancel(&id, "일정 변경").await.unwrap();
    mina.requests().cancel(&id, "일정 변경").await.unwrap();
    assert_eq!(
        mina.requests().request(&id).await.unwrap().request.status,
        RequestStatus::Cancelled
    );
    proxy.up().await;
    mina.sync().await.unwrap();
    mina.sync().await.unwrap();
    let w = mina.wallet().wallet().await.unwrap();
    assert_eq!((w.balance, w.held), (40_000, 0));
    let releases = mina
        .wallet()
        .entries()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == PointKind::Release)
        .count();
    assert_eq!(releases, 1);
    // The helper's view follows.
    joon.sync().await.unwrap();
    assert_eq!(
        joon.requests().request(&id).await.unwrap().request.status,
        RequestStatus::Cancelled
    );
}
