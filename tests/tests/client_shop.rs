//! client-core's group-buys against a real server and the local fake
//! PortOne: a member joins a community at sign-up, sees the campaigns
//! offered to it (and not another community's) offline too, follows the
//! counts live, orders (offline: a clear error and a draft), pays at the
//! provider's checkout, confirms, reads the order's history offline, and
//! cancels through the outbox (the refund lands at the provider once). On
//! SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use moa_client_core::protocol::{CampaignStatus, ErrorCode, OrderStatus};
use moa_client_core::{Client, Error, Event, Topic};
use moa_tests::proxy::Proxy;
use moa_tests::shop::{choice, shop};
use moa_tests::{Engine, both_engines};
use serde_json::json;

both_engines!(
    a_member_joins_orders_pays_and_cancels,
    counts_move_live_over_the_socket
);

async fn member(url: &str, handle: &str, community: Option<String>) -> (Client, tempfile::TempDir) {
    let (client, dir) = moa_tests::open_client(url).await;
    client
        .sign_up_in(
            &format!("{handle}@test.kr"),
            &format!("password-{handle}"),
            handle,
            &format!("회원 {handle}"),
            community,
        )
        .await
        .unwrap();
    (client, dir)
}

async fn a_member_joins_orders_pays_and_cancels(engine: Engine) {
    let shop = shop(engine).await;
    let snu = shop.community("서울대학교").await;
    let yonsei = shop.community("연세대학교").await;
    let product = shop.product().await;
    let everyone = shop
        .campaign(&product, json!({"title": "모두의 텀블러"}))
        .await;
    let ours = shop
        .campaign(
            &product,
            json!({"title": "서울대 텀블러", "community_ids": [snu], "stock": 5, "per_member_limit": 2}),
        )
        .await;
    let theirs = shop
        .campaign(
            &product,
            json!({"title": "연세대 텀블러", "community_ids": [yonsei]}),
        )
        .await;

    let proxy = Proxy::start(shop.server.addr).await;
    let (mina, _dir) = member(&proxy.url(), "mina", None).await;
    let picked = mina.shop().communities("서울").await.unwrap();
    assert_eq!(picked.len(), 1);
    assert_eq!(picked[0].name, "서울대학교");
    assert!(mina.shop().communities("").await.unwrap().len() >= 2);
    mina.shop().join_community(Some(snu.clone())).await.unwrap();
    mina.sync().await.unwrap();
    assert_eq!(
        mina.me().await.unwrap().community_id.as_deref(),
        Some(&*snu)
    );
    assert_eq!(
        mina.shop().my_community().await.unwrap().unwrap().name,
        "서울대학교"
    );

    // The campaigns offered to her community and to everyone; never another
    // community's, not even by id.
    let cards = mina.shop().campaigns().await.unwrap();
    let titles: Vec<_> = cards.iter().map(|c| c.campaign.title.as_str()).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"모두의 텀블러") && titles.contains(&"서울대 텀블러"));
    let theirs_id = theirs["id"].as_str().unwrap();
    assert!(matches!(
        mina.shop().campaign(theirs_id).await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        mina.shop().refresh_campaign(theirs_id).await,
        Err(Error::NotFound(_))
    ));
    // A member of the other community signing up in it sees only theirs
    // and everyone's.
    let (joon, _jdir) = member(&proxy.url(), "joon", Some(yonsei.clone())).await;
    joon.sync().await.unwrap();
    let joon_titles: Vec<_> = joon
        .shop()
        .campaigns()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.campaign.title)
        .collect();
    assert_eq!(joon_titles.len(), 2, "{joon_titles:?}");
    assert!(joon_titles.contains(&"연세대 텀블러".to_owned()));

    // Offline: campaigns still read; an order is refused clearly and kept
    // as a draft.
    let ours_id = ours["id"].as_str().unwrap().to_owned();
    let white = choice(&product, "화이트")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    proxy.down();
    let card = mina.shop().campaign(&ours_id).await.unwrap();
    assert_eq!(card.campaign.remaining, 5);
    assert_eq!(card.can_order(), 2);
    let err = mina
        .shop()
        .place_order(&ours_id, vec![white.clone()], 2)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err:?}");
    let draft = mina.shop().order_draft(&ours_id).await.unwrap().unwrap();
    assert_eq!(
        (draft.choice_ids.clone(), draft.quantity),
        (vec![white.clone()], 2)
    );
    // Saving (찜) works offline, shown at once.
    mina.shop().set_scrap(&ours_id, true).await.unwrap();
    assert!(mina.shop().campaign(&ours_id).await.unwrap().scrapped);
    assert!(matches!(
        mina.shop().set_scrap(theirs_id, true).await,
        Err(Error::NotFound(_))
    ));
    proxy.up().await;
    mina.sync().await.unwrap();
    assert!(mina.shop().campaign(&ours_id).await.unwrap().scrapped);
    assert_eq!(shop.server.count("campaign_scraps").await, 1);
    // A second device of hers learns it from her bucket.
    let (second, _sdir) = moa_tests::open_client(&proxy.url()).await;
    second
        .sign_in("mina@test.kr", "password-mina")
        .await
        .unwrap();
    second.sync().await.unwrap();
    assert!(second.shop().campaign(&ours_id).await.unwrap().scrapped);
    mina.shop().set_scrap(&ours_id, false).await.unwrap();
    mina.sync().await.unwrap();
    second.sync().await.unwrap();
    assert!(!second.shop().campaign(&ours_id).await.unwrap().scrapped);
    second.sign_out().await.unwrap();

    // Over the per-member limit: refused with the server's code, nothing held.
    let err = mina
        .shop()
        .place_order(&ours_id, vec![white.clone()], 3)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code, .. } if *code == ErrorCode::OverLimit),
        "{err:?}"
    );
    // From the draft: placed under the order id the failed try used (had
    // it reached the server, this would answer that order), the draft
    // gone, the stock held at once.
    let checkout = mina
        .shop()
        .place_order(&ours_id, draft.choice_ids.clone(), draft.quantity)
        .await
        .unwrap();
    assert_eq!(checkout.order.id, draft.order_id);
    assert!(mina.shop().order_draft(&ours_id).await.unwrap().is_none());
    let order = checkout.order.clone();
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(
        order.amount_krw,
        2 * 9000,
        "group price 8,000 + 화이트 1,000"
    );
    assert!(checkout.url.starts_with("http"), "{}", checkout.url);
    // Not paid yet: the server says so.
    let err = mina.shop().confirm_payment(&order.id).await.unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code, .. } if *code == ErrorCode::PaymentIncomplete),
        "{err:?}"
    );
    // Closing the browser and coming back: the same order's checkout.
    let again = mina.shop().resume_checkout(&order.id).await.unwrap();
    assert_eq!(again.order.id, order.id);
    // Paid at the provider's checkout page (as the browser would).
    let page = reqwest::get(&checkout.url).await.unwrap();
    assert!(page.status().is_success(), "{}", page.status());
    shop.fake.pay(
        &order.id,
        moa_tests::shop::STORE,
        "서울대 텀블러",
        order.amount_krw,
        false,
    );
    let paid = mina.shop().confirm_payment(&order.id).await.unwrap();
    assert_eq!(paid.status, OrderStatus::Paid);
    mina.sync().await.unwrap();
    let card = mina.shop().campaign(&ours_id).await.unwrap();
    assert_eq!(card.campaign.participants, 1);
    assert_eq!(card.campaign.remaining, 3);
    assert_eq!((card.my_units, card.can_order()), (2, 0));

    // Offline: the order and its history read; a cancel waits in the outbox.
    proxy.down();
    let mine = mina.shop().order(&order.id).await.unwrap();
    assert_eq!(mine.order.status, OrderStatus::Paid);
    let statuses: Vec<_> = mine.order.history.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        vec![OrderStatus::PendingPayment, OrderStatus::Paid]
    );
    mina.shop()
        .cancel_order(&order.id, "마음이 바뀌었어요")
        .await
        .unwrap();
    assert!(mina.shop().order(&order.id).await.unwrap().cancel_pending);
    let twice = mina.shop().cancel_order(&order.id, "").await.unwrap_err();
    assert!(matches!(twice, Error::Rejected { .. }), "{twice:?}");
    assert!(matches!(mina.sync().await, Err(Error::Network(_))));
    proxy.up().await;
    mina.sync().await.unwrap();
    let mine = mina.shop().order(&order.id).await.unwrap();
    assert!(!mine.cancel_pending);
    assert!(
        matches!(
            mine.order.status,
            OrderStatus::RefundPending | OrderStatus::Refunded
        ),
        "{:?}",
        mine.order.status
    );
    // The refund job runs on its own; the pull brings it.
    let mut refunded = false;
    for _ in 0..100 {
        mina.sync().await.unwrap();
        if mina.shop().order(&order.id).await.unwrap().order.status == OrderStatus::Refunded {
            refunded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refunded, "the refund completed");
    assert_eq!(shop.fake.payment(&order.id).unwrap().cancels, 1);
    let card = mina.shop().campaign(&ours_id).await.unwrap();
    assert_eq!(
        (card.campaign.participants, card.campaign.remaining),
        (0, 5)
    );
    let orders = mina.shop().orders().await.unwrap();
    assert_eq!(orders.len(), 1);

    // Leaving the community takes its campaigns off the list.
    mina.shop().join_community(None).await.unwrap();
    let titles: Vec<_> = mina
        .shop()
        .campaigns()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.campaign.title)
        .collect();
    assert_eq!(titles, vec!["모두의 텀블러".to_owned()]);
    mina.sync().await.unwrap();
    assert_eq!(mina.me().await.unwrap().community_id, None);
    let _ = everyone;
}

/// With background sync on, another member's order moves the count on this
/// device without it asking: the server pokes the socket, the loop pulls.
async fn counts_move_live_over_the_socket(engine: Engine) {
    let shop = shop(engine).await;
    let snu = shop.community("서울대학교").await;
    let product = shop.product().await;
    let ours = shop
        .campaign(
            &product,
            json!({"title": "서울대 텀블러", "community_ids": [snu]}),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let watcher = moa_tests::open_client_at(dir.path(), &shop.server.url(""), true).await;
    watcher
        .sign_up_in(
            "watch@test.kr",
            "password-watch",
            "watch",
            "지켜보는 회원",
            Some(snu.clone()),
        )
        .await
        .unwrap();
    let id = ours["id"].as_str().unwrap().to_owned();
    let mut seen = false;
    for _ in 0..100 {
        if watcher.shop().campaign(&id).await.is_ok() {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "the community's campaign arrived by sync");
    let mut events = watcher.subscribe();
    // Another member of the community orders (over the HTTP API).
    let buyer = shop.server.api().signup("buyer").await;
    shop.server
        .api()
        .patch("/v1/me", buyer.token(), json!({"community_id": snu}))
        .await
        .expect(200);
    let black = choice(&product, "블랙");
    shop.order(&buyer, &ours, &black, 1).await;
    let live = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.recv().await {
                Ok(Event::Changed(topics)) if topics.contains(&Topic::Campaigns) => {
                    let card = watcher.shop().campaign(&id).await.unwrap();
                    if card.campaign.remaining == 49 {
                        return card;
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("events ended: {e}"),
            }
        }
    })
    .await
    .expect("the count moved without a request from this device");
    assert_eq!(live.campaign.status, CampaignStatus::Open);
    watcher.sign_out().await.unwrap();
}
