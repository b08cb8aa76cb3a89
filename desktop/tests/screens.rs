//! Component tests without a window: the app's root renders in a
//! `VirtualDom` (to HTML with dioxus-ssr) with a real client-core on a temp
//! directory, against a real server. Each screen is driven to its states —
//! loading gives way to content, empty, offline and error — by what the
//! server and the cache hold, not by mocks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use dioxus::prelude::*;
use moa_client_core::protocol::{ReviewKind, Role};
use moa_client_core::{Client, NewReview};
use moa_desktop::i18n::Lang;
use moa_desktop::route::{AdminTab, RequestsTab, Route};
use moa_desktop::settings::Settings;
use moa_desktop::ui::shell::{App, AppProps, Start};
use moa_tests::{Engine, TestServer};
use serde_json::json;

/// A device: a client on its own directory (background sync on, as in the app).
struct Device {
    client: Client,
    dir: tempfile::TempDir,
}

async fn device(url: &str) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), url).await.unwrap();
    Device { client, dir }
}

async fn member(url: &str, handle: &str) -> Device {
    let d = device(url).await;
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

/// The app on `route` in a `VirtualDom` (no window).
fn open(d: &Device, lang: Lang, route: Option<Route>) -> VirtualDom {
    let props = AppProps {
        client: d.client.clone(),
        settings: Settings {
            lang,
            server_url: "http://unused".into(),
        },
        data_dir: d.dir.path().to_owned(),
        start: Start {
            open: route,
            measure: false,
        },
    };
    let mut dom = VirtualDom::new_with_props(App, props);
    dom.rebuild_in_place();
    dom
}

/// Runs `dom` until its HTML contains every one of `want` (or the test
/// fails with the last HTML). Generous: a review not in the cache waits for
/// the sync cycle running in the background, which on a loaded CI machine
/// once took over 20 s.
async fn until(dom: &mut VirtualDom, want: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let html = dioxus_ssr::render(dom);
        if want.iter().all(|w| html.contains(w)) {
            return html;
        }
        if Instant::now() > deadline {
            panic!("screen never showed {want:?}; last render:\n{html}");
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), dom.wait_for_work()).await;
        dom.render_immediate(&mut dioxus_core::NoOpMutations);
    }
}

/// The app on `route`, rendered until it shows every one of `want`.
async fn screen(d: &Device, lang: Lang, route: Option<Route>, want: &[&str]) -> String {
    let mut dom = open(d, lang, route);
    until(&mut dom, want).await
}

fn story(title: &str, body: &str) -> NewReview {
    NewReview {
        kind: ReviewKind::Story,
        title: title.into(),
        body: body.into(),
        photos: vec![],
        subject: None,
        rating: Some(5),
        tags: vec!["카페".into()],
        official: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_out_shows_sign_in_in_korean_and_english() {
    let server = TestServer::start(Engine::Sqlite).await;
    let d = device(&server.url("")).await;
    let html = screen(&d, Lang::Ko, None, &["로그인", "이메일", "비밀번호"]).await;
    assert!(!html.contains("nav-"), "a raw catalog key leaked: {html}");
    screen(&d, Lang::En, None, &["Sign in", "Email", "Password"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_feed_empty_then_with_reviews_and_the_review_with_comments() {
    let server = TestServer::start(Engine::Sqlite).await;
    let url = server.url("");
    let a = member(&url, "minji").await;
    // Nothing posted yet: the empty state, with the way to write one.
    let mut home = open(&a, Lang::Ko, Some(Route::Home));
    until(&mut home, &["아직 리뷰가 없어요", "글쓰기"]).await;

    // A review posted and synced while the screen is open shows up on it.
    let id = a
        .client
        .create_review(story("성수 카페 라떼", "우유 거품이 아주 부드러워요"))
        .await
        .unwrap();
    a.client.comment(&id, "저도 가볼게요!", None).await.unwrap();
    a.client.sync().await.unwrap();
    until(&mut home, &["성수 카페 라떼"]).await;
    drop(home);
    let html = screen(
        &a,
        Lang::Ko,
        Some(Route::Home),
        &["성수 카페 라떼", "인기", "최신", "팔로잉"],
    )
    .await;
    assert!(html.contains("★★★★★"), "rating stars: {html}");
    // The status bar says it is online.
    assert!(html.contains("온라인"), "{html}");

    screen(
        &a,
        Lang::Ko,
        Some(Route::Review(id.clone())),
        &[
            "우유 거품이 아주 부드러워요",
            "저도 가볼게요!",
            "#카페",
            "좋아요",
        ],
    )
    .await;
    // A review that does not exist: the error state, not a blank screen.
    screen(
        &a,
        Lang::Ko,
        Some(Route::Review("0190f0f0-0000-7000-8000-000000000000".into())),
        &["문제가 생겼어요"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_the_for_you_tab_similar_reviews_and_products_and_views_that_count() {
    let server = TestServer::start(Engine::Sqlite).await;
    let url = server.url("");
    let a = member(&url, "sora").await;
    let b = member(&url, "jun").await;
    let first = a
        .client
        .create_review(story(
            "연남동 카페 플랫화이트",
            "플랫화이트가 진하고 고소해요",
        ))
        .await
        .unwrap();
    a.client
        .create_review(story(
            "망원동 카페 플랫화이트",
            "플랫화이트 우유가 고소해요",
        ))
        .await
        .unwrap();
    let tumbler = |name: &str, price_krw| moa_client_core::protocol::CreateProductRequest {
        id: None,
        name: name.into(),
        price_krw,
        options: vec![],
        photos: vec![],
        shop_url: String::new(),
    };
    let product = a
        .client
        .add_product(tumbler("스테인리스 텀블러 500ml", 32000))
        .await
        .unwrap()
        .product
        .id;
    a.client
        .add_product(tumbler("스테인리스 텀블러 750ml", 39000))
        .await
        .unwrap();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();

    // The home tabs, 추천 among them (English: For you).
    screen(
        &b,
        Lang::Ko,
        Some(Route::Home),
        &["인기", "최신", "팔로잉", "추천"],
    )
    .await;
    screen(&b, Lang::En, Some(Route::Home), &["Popular", "For you"]).await;

    // A review: 비슷한 리뷰 under it, the other one in it; read for the
    // dwell, it counts as a view once it has gone out.
    let mut dom = open(&b, Lang::Ko, Some(Route::Review(first.clone())));
    let html = until(
        &mut dom,
        &[
            "플랫화이트가 진하고 고소해요",
            "비슷한 리뷰",
            "망원동 카페 플랫화이트",
        ],
    )
    .await;
    assert!(html.contains("similar-card"), "{html}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let _ = tokio::time::timeout(Duration::from_millis(200), dom.wait_for_work()).await;
        dom.render_immediate(&mut dioxus_core::NoOpMutations);
        let _ = b.client.sync().await;
        if server.count("review_views").await > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the read review was never counted as viewed"
        );
    }
    drop(dom);

    // A product: 비슷한 상품 with the other tumbler.
    screen(
        &b,
        Lang::Ko,
        Some(Route::Subject(
            moa_client_core::protocol::SubjectType::Product,
            product,
        )),
        &["비슷한 상품", "스테인리스 텀블러 750ml", "₩39,000"],
    )
    .await;

    // Offline, the kept 비슷한 리뷰 still shows.
    server.stop().await;
    screen(
        &b,
        Lang::Ko,
        Some(Route::Review(first)),
        &[
            "플랫화이트가 진하고 고소해요",
            "비슷한 리뷰",
            "망원동 카페 플랫화이트",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_cache_still_shows_and_online_only_screens_say_offline() {
    let server = TestServer::start(Engine::Sqlite).await;
    let url = server.url("");
    let a = member(&url, "jiho").await;
    a.client
        .create_review(story("오프라인에서도 보이는 리뷰", "캐시에서 읽어요"))
        .await
        .unwrap();
    a.client.sync().await.unwrap();
    server.stop().await;
    // A write while offline waits in the outbox.
    let review = a
        .client
        .create_review(story("나중에 올라갈 리뷰", "연결되면 보내져요"))
        .await
        .unwrap();
    assert!(!review.is_empty());
    let _ = a.client.sync().await;
    screen(
        &a,
        Lang::Ko,
        Some(Route::Home),
        &["오프라인에서도 보이는 리뷰", "오프라인"],
    )
    .await;
    screen(
        &a,
        Lang::Ko,
        Some(Route::Outbox),
        &["리뷰 작성", "대기 중", "다시 시도", "버리기"],
    )
    .await;
    // Place pages are online reads: offline, they say so.
    screen(
        &a,
        Lang::Ko,
        Some(Route::Subject(
            moa_client_core::protocol::SubjectType::Place,
            "0190f0f0-0000-7000-8000-000000000001".into(),
        )),
        &["오프라인이에요", "다시 시도"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_profile_compose_settings_and_outbox_states() {
    let server = TestServer::start(Engine::Sqlite).await;
    let url = server.url("");
    let a = member(&url, "seoyeon").await;
    let b = member(&url, "doyoon").await;
    screen(&a, Lang::Ko, Some(Route::Notifications), &["알림이 없어요"]).await;
    screen(&a, Lang::Ko, Some(Route::Outbox), &["보낼 것이 없어요"]).await;

    let id = a
        .client
        .create_review(story("선크림 비교", "세 가지 써봤어요"))
        .await
        .unwrap();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();
    b.client
        .set_like(moa_client_core::LikeTarget::Review, &id, true)
        .await
        .unwrap();
    b.client
        .set_follow(&a.client.me().await.unwrap().id, true)
        .await
        .unwrap();
    b.client.sync().await.unwrap();
    a.client.sync().await.unwrap();
    screen(
        &a,
        Lang::Ko,
        Some(Route::Notifications),
        &[
            "회원 doyoon님이 좋아요를 눌렀어요",
            "회원 doyoon님이 팔로우했어요",
            "모두 읽음",
        ],
    )
    .await;
    screen(
        &a,
        Lang::Ko,
        Some(Route::Profile(None)),
        &["회원 seoyeon", "@seoyeon", "선크림 비교", "<b>1</b> 팔로워"],
    )
    .await;
    screen(
        &a,
        Lang::Ko,
        Some(Route::People(
            a.client.me().await.unwrap().id,
            moa_desktop::route::PeopleList::Followers,
        )),
        &["회원 doyoon"],
    )
    .await;
    let html = screen(
        &a,
        Lang::Ko,
        Some(Route::Compose(None)),
        &["새 리뷰", "스토리", "스냅", "사진 추가", "별점"],
    )
    .await;
    assert!(
        !html.contains("공식 리뷰로 올리기"),
        "members do not see the official option"
    );
    screen(
        &a,
        Lang::En,
        Some(Route::Settings),
        &["Language", "한국어", "English", "Sign out"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_rooms_and_messages() {
    let server = TestServer::start(Engine::Sqlite).await;
    let url = server.url("");
    let a = member(&url, "hana").await;
    let b = member(&url, "minho").await;
    screen(&a, Lang::Ko, Some(Route::Chat(None)), &["채팅방이 없어요"]).await;
    let b_id = b.client.me().await.unwrap().id;
    let room = a.client.create_direct_room(&b_id).await.unwrap();
    a.client
        .room(&room)
        .send("안녕하세요! 내일 봬요", vec![], None)
        .await
        .unwrap();
    a.client.sync().await.unwrap();
    b.client.sync().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.client.rooms().await.unwrap().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.client.sync().await.unwrap();
    }
    screen(
        &b,
        Lang::Ko,
        Some(Route::Chat(None)),
        &["회원 hana", "안녕하세요! 내일 봬요", "채팅방을 골라 주세요"],
    )
    .await;
    let room_b = b.client.rooms().await.unwrap()[0].room.id.clone();
    screen(
        &b,
        Lang::Ko,
        Some(Route::Chat(Some(room_b))),
        &["안녕하세요! 내일 봬요", "메시지 입력", "보내기"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_mode_only_for_moderators_with_the_queue_inline() {
    let server = TestServer::start(Engine::Sqlite).await;
    let url = server.url("");
    let m = member(&url, "member1").await;
    let html = screen(&m, Lang::Ko, Some(Route::Home), &["홈"]).await;
    assert!(!html.contains("신고 처리"), "members see no admin mode");
    // Asking for the admin screen as a member shows home instead.
    let html = screen(
        &m,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Reports)),
        &["인기"],
    )
    .await;
    assert!(!html.contains("처리할 신고"));

    let id = m
        .client
        .create_review(story("광고 리뷰", "쿠폰 받으세요 링크 클릭"))
        .await
        .unwrap();
    m.client.sync().await.unwrap();
    moa_tests::account_with_role(&server, "boss", Role::Admin).await;
    let reporter = member(&url, "reporter").await;
    let api = server.api();
    let token = api
        .login("reporter@test.kr", "password-reporter")
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    api.post(
        "/v1/reports",
        Some(&token),
        json!({"target_type": "review", "target_id": id, "reason": "spam", "detail": "광고예요"}),
    )
    .await
    .expect(201);
    drop(reporter);
    let admin = device(&url).await;
    admin
        .client
        .sign_in("boss@test.kr", "password-boss")
        .await
        .unwrap();
    let html = screen(
        &admin,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Reports)),
        &[
            "신고 처리",
            "광고 리뷰",
            "쿠폰 받으세요 링크 클릭",
            "광고예요",
            "숨기기",
            "기각",
        ],
    )
    .await;
    assert!(html.contains("신고 1건"), "{html}");
    screen(
        &admin,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Stats)),
        &["최근 14일 신고", "<svg"],
    )
    .await;
    screen(
        &admin,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Users)),
        &["member1@test.kr", "관리자"],
    )
    .await;
    // Admins can post official reviews (the option shows once the member is known).
    screen(
        &admin,
        Lang::Ko,
        Some(Route::Compose(None)),
        &["새 리뷰", "공식 리뷰로 올리기"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_spelled_as_moa_open_takes_them_open_their_screens() {
    let server = TestServer::start(Engine::Sqlite).await;
    let a = member(&server.url(""), "yuna").await;
    let id = a
        .client
        .create_review(story("한남동 베이글", "쫄깃하고 고소해요"))
        .await
        .unwrap();
    a.client.sync().await.unwrap();
    let open = |spelled: String| -> Route {
        spelled
            .parse()
            .unwrap_or_else(|e| panic!("{spelled:?} refused: {e}"))
    };
    screen(
        &a,
        Lang::Ko,
        Some(open(format!("review:{id}"))),
        &["쫄깃하고 고소해요", "좋아요"],
    )
    .await;
    // The shared link opens the same screen.
    screen(
        &a,
        Lang::Ko,
        Some(open(format!("moa://review/{id}"))),
        &["쫄깃하고 고소해요"],
    )
    .await;
    screen(
        &a,
        Lang::Ko,
        Some(open(format!("compose:{id}"))),
        &["한남동 베이글"],
    )
    .await;
    screen(
        &a,
        Lang::Ko,
        Some(open("tag:카페".into())),
        &["#카페", "한남동 베이글"],
    )
    .await;
    screen(
        &a,
        Lang::Ko,
        Some(open("profile".into())),
        &["@yuna", "한남동 베이글"],
    )
    .await;
    // A member asking for the admin screen gets home.
    screen(&a, Lang::Ko, Some(open("admin:stats".into())), &["인기"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_buys_empty_then_cards_campaign_orders_and_the_community_picker() {
    let shop = moa_tests::shop::shop(Engine::Sqlite).await;
    let url = shop.server.url("");
    let d = member(&url, "buyer").await;
    // Nothing offered yet, and no community: the empty state and the nudge.
    screen(
        &d,
        Lang::Ko,
        Some(Route::Shop),
        &["진행 중인 공동구매가 없어요", "커뮤니티를 선택해 주세요"],
    )
    .await;
    let snu = shop.community("서울대학교").await;
    let product = shop.product().await;
    let campaign = shop
        .campaign(
            &product,
            json!({"title": "서울대 텀블러 공구", "community_ids": [snu],
                   "deadline_at": moa_tests::shop::now_ms() + 3 * 3_600_000}),
        )
        .await;
    // The settings screen offers the community; joining shows its campaign.
    screen(
        &d,
        Lang::Ko,
        Some(Route::Settings),
        &["내 커뮤니티", "서울대학교 · 학교"],
    )
    .await;
    d.client.shop().join_community(Some(snu)).await.unwrap();
    d.client.sync().await.unwrap();
    screen(
        &d,
        Lang::Ko,
        Some(Route::Shop),
        &[
            "서울대 텀블러 공구",
            "마감 임박",
            "0/2명 참여",
            "20%",
            "8,000원",
            "10,000원",
        ],
    )
    .await;
    // The campaign page: options with their price differences and stock.
    let id = campaign["id"].as_str().unwrap().to_owned();
    screen(
        &d,
        Lang::Ko,
        Some(Route::Campaign(id.clone())),
        &[
            "화이트 (+1,000원)",
            "남은 수량 5개",
            "최대 3개",
            "8,000원 결제하고 참여하기",
        ],
    )
    .await;
    // An order placed shows in 주문 내역 with its timeline.
    let black = moa_tests::shop::choice(&product, "블랙")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let checkout = d
        .client
        .shop()
        .place_order(&id, vec![black], 1)
        .await
        .unwrap();
    screen(
        &d,
        Lang::Ko,
        Some(Route::Orders),
        &["서울대 텀블러 공구", "결제 대기", "블랙 · 1개"],
    )
    .await;
    screen(
        &d,
        Lang::En,
        Some(Route::Order(checkout.order.id.clone())),
        &["Awaiting payment", "Pay now", "Cancel order", "Progress"],
    )
    .await;
}

/// Whether a back-office catalog key shows as words instead of its text.
fn leaks_keys(html: &str) -> bool {
    [">bo-", "title=\"bo-", "placeholder=\"bo-"]
        .iter()
        .any(|k| html.contains(k))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_office_orders_and_dashboard_for_admins_not_moderators() {
    let shop = moa_tests::shop::shop(Engine::Sqlite).await;
    let url = shop.server.url("");
    let snu = shop.community("서울대학교").await;
    let product = shop.product().await;
    let campaign = shop
        .campaign(&product, json!({"title": "서울대 텀블러 공구"}))
        .await;
    let id = campaign["id"].as_str().unwrap().to_owned();
    let black = moa_tests::shop::choice(&product, "블랙")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // One member of 서울대학교 pays for two; another leaves one unpaid.
    let buyer = member(&url, "buyer").await;
    buyer
        .client
        .shop()
        .join_community(Some(snu.clone()))
        .await
        .unwrap();
    buyer.client.sync().await.unwrap();
    let paid = buyer
        .client
        .shop()
        .place_order(&id, vec![black.clone()], 2)
        .await
        .unwrap();
    shop.fake.pay(
        &paid.order.id,
        moa_tests::shop::STORE,
        "텀블러",
        paid.order.amount_krw,
        false,
    );
    buyer
        .client
        .shop()
        .confirm_payment(&paid.order.id)
        .await
        .unwrap();
    let later = member(&url, "later").await;
    later
        .client
        .shop()
        .place_order(&id, vec![black], 1)
        .await
        .unwrap();

    let admin = device(&url).await;
    admin
        .client
        .sign_in("shopadmin@test.kr", "password-shopadmin")
        .await
        .unwrap();
    // The order table: both orders with who placed them, and the totals of
    // everything it matches (3 units, 24,000원, of which 16,000원 paid).
    let html = screen(
        &admin,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Orders)),
        &[
            "운영 관리",
            "상품·공동구매",
            "서울대 텀블러 공구",
            "회원 buyer",
            "@buyer",
            "서울대학교",
            "결제 완료",
            "결제 대기",
            "16,000원",
            "24,000원",
            "결제 완료 금액",
            "엑셀 내보내기",
            "모든 주문을 봤어요",
        ],
    )
    .await;
    assert!(html.contains("3개"), "units in the totals: {html}");
    assert!(!leaks_keys(&html), "a raw catalog key leaked: {html}");
    screen(
        &admin,
        Lang::En,
        Some(Route::Admin(AdminTab::Orders)),
        &["Back office", "Export to Excel", "Paid", "₩24,000"],
    )
    .await;
    // The dashboard: today's Korean date, the revenue, the charts and the
    // campaign's funnel.
    let today = moa_client_core::protocol::kst::date_of(moa_tests::shop::now_ms());
    let html = screen(
        &admin,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Dashboard)),
        &[
            today.as_str(),
            "일별 주문과 매출",
            "일별 가입 (커뮤니티별)",
            "일별 신고",
            "<svg",
            "공동구매 전환",
            "서울대 텀블러 공구",
            "16,000원",
        ],
    )
    .await;
    assert!(!leaks_keys(&html), "a raw catalog key leaked: {html}");
    screen(
        &admin,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Catalog)),
        &["서울대 텀블러 공구", "새 공동구매", "조기 마감", "8,000원"],
    )
    .await;
    screen(
        &admin,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Communities)),
        &["서울대학교", "@snu.ac.kr", "이름 바꾸기", "새 커뮤니티"],
    )
    .await;
    // Texts: the form with its choices, and no send yet.
    screen(
        &admin,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Texts)),
        &[
            "문자 보내기",
            "광고",
            "주문 안내",
            "미리 보기",
            "아직 보낸 문자가 없어요",
        ],
    )
    .await;

    // A moderator keeps the report queue and never sees the shop's tabs,
    // not even when asking for them by route.
    moa_tests::account_with_role(&shop.server, "moder", Role::Moderator).await;
    let moderator = device(&url).await;
    moderator
        .client
        .sign_in("moder@test.kr", "password-moder")
        .await
        .unwrap();
    for tab in [
        AdminTab::Reports,
        AdminTab::Orders,
        AdminTab::Dashboard,
        AdminTab::Texts,
    ] {
        let html = screen(
            &moderator,
            Lang::Ko,
            Some(Route::Admin(tab)),
            &["신고 처리", "처리할 신고가 없어요", "공식 리뷰"],
        )
        .await;
        for hidden in [
            "운영 관리",
            "상품·공동구매",
            "엑셀 내보내기",
            "서울대 텀블러 공구",
        ] {
            assert!(!html.contains(hidden), "a moderator sees {hidden}: {html}");
        }
    }

    // Official reviews come from the server's list (none yet here).
    screen(
        &moderator,
        Lang::Ko,
        Some(Route::Admin(AdminTab::Official)),
        &["공식 리뷰 쓰기", "아직 공식 리뷰가 없어요"],
    )
    .await;

    // The back office reads the live server: offline, it says so.
    let server = shop.server;
    server.stop().await;
    for tab in [AdminTab::Orders, AdminTab::Dashboard] {
        screen(
            &admin,
            Lang::Ko,
            Some(Route::Admin(tab)),
            &["운영 관리", "오프라인이에요", "다시 시도"],
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_browse_quote_accept_complete_review_and_points() {
    use moa_client_core::protocol::{ErrorCode, RequestCategory, kst};
    use moa_client_core::{Error, RequestDraft};
    let server = TestServer::start(Engine::Sqlite).await;
    let url = server.url("");
    let asker = member(&url, "asker").await;
    let helper = member(&url, "helper").await;
    let tab = |t| Some(Route::Requests(t));
    // Nothing yet: each list's empty state, in Korean.
    screen(
        &asker,
        Lang::Ko,
        tab(RequestsTab::Browse),
        &[
            "아직 열린 부탁이 없어요",
            "둘러보기",
            "내 견적",
            "도와주는 중",
            "대리 여행",
        ],
    )
    .await;
    screen(
        &asker,
        Lang::Ko,
        tab(RequestsTab::Mine),
        &["아직 올린 부탁이 없어요"],
    )
    .await;
    screen(
        &helper,
        Lang::Ko,
        tab(RequestsTab::Quotes),
        &["아직 보낸 견적이 없어요"],
    )
    .await;
    screen(
        &helper,
        Lang::Ko,
        tab(RequestsTab::Helping),
        &["도와주는 중인 부탁이 없어요"],
    )
    .await;
    screen(
        &asker,
        Lang::Ko,
        Some(Route::RequestForm(None)),
        &[
            "부탁하기",
            "심부름",
            "YYYY-MM-DD",
            "우리 커뮤니티에만 보이기",
            "부탁 올리기",
        ],
    )
    .await;

    // A request posted; another member finds it and quotes.
    let day = |n: i64| kst::date_of(moa_tests::shop::now_ms() + n * kst::DAY_MS);
    let id = asker
        .client
        .requests()
        .post(RequestDraft {
            title: "도쿄 굿즈 대신 사 주세요".into(),
            category: RequestCategory::Purchase,
            region: "도쿄 시부야".into(),
            place_id: None,
            starts_on: day(3),
            ends_on: day(5),
            budget_min_krw: 30_000,
            budget_max_krw: 80_000,
            details: "키링 2개 부탁드려요".into(),
            photos: vec![],
            community_only: false,
        })
        .await
        .unwrap();
    asker.client.sync().await.unwrap();
    helper.client.sync().await.unwrap();
    screen(
        &helper,
        Lang::Ko,
        tab(RequestsTab::Browse),
        &[
            "도쿄 굿즈 대신 사 주세요",
            "대리 구매",
            "도쿄 시부야",
            "3만~8만원",
            "견적 0개",
        ],
    )
    .await;
    screen(
        &helper,
        Lang::Ko,
        Some(Route::Request(id.clone())),
        &[
            "키링 2개 부탁드려요",
            "견적 보내기",
            "요청자의 예산: 3만~8만원",
            "신고",
        ],
    )
    .await;
    let quote = helper
        .client
        .requests()
        .quote(&id, 45_000, "다음 주에 도쿄 가요")
        .await
        .unwrap();
    helper.client.sync().await.unwrap();
    screen(
        &helper,
        Lang::Ko,
        tab(RequestsTab::Quotes),
        &["도쿄 굿즈 대신 사 주세요", "제안 중", "45,000원"],
    )
    .await;

    // The requester sees the quote with 수락; without points, accepting is
    // refused as insufficient.
    asker.client.sync().await.unwrap();
    screen(
        &asker,
        Lang::Ko,
        Some(Route::Request(id.clone())),
        &[
            "받은 견적",
            "다음 주에 도쿄 가요",
            "45,000원",
            "수락",
            "부탁 취소",
        ],
    )
    .await;
    let refused = asker.client.requests().accept(&id, &quote).await;
    assert!(
        matches!(
            refused,
            Err(Error::Rejected {
                code: ErrorCode::InsufficientPoints,
                ..
            })
        ),
        "{refused:?}"
    );

    // Points granted by an admin show in the wallet with the ledger entry.
    moa_tests::account_with_role(&server, "padmin", Role::Admin).await;
    let admin = device(&url).await;
    admin
        .client
        .sign_in("padmin@test.kr", "password-padmin")
        .await
        .unwrap();
    let asker_id = asker.client.me().await.unwrap().id;
    admin
        .client
        .admin()
        .grant_points(&asker_id, 100_000, "환영 포인트")
        .await
        .unwrap();
    asker.client.sync().await.unwrap();
    screen(
        &asker,
        Lang::Ko,
        Some(Route::Wallet),
        &[
            "100,000P",
            "보관 중",
            "보너스",
            "환영 포인트",
            "잔액 100,000P",
            "포인트 충전",
            "10만원",
            "30,000원 결제하고 충전하기",
        ],
    )
    .await;

    // Accepted: matched, the price held, the pair's room made.
    let accepted = asker.client.requests().accept(&id, &quote).await.unwrap();
    assert!(accepted.request.room_id.is_some());
    screen(
        &asker,
        Lang::Ko,
        Some(Route::Request(id.clone())),
        &[
            "매칭됨",
            "완료 확인",
            "채팅 열기",
            "45,000P가 보관되어 있어요",
        ],
    )
    .await;
    screen(
        &asker,
        Lang::Ko,
        Some(Route::Wallet),
        &["55,000P", "45,000P", "보관", "−45,000P"],
    )
    .await;
    helper.client.sync().await.unwrap();
    screen(
        &helper,
        Lang::Ko,
        tab(RequestsTab::Helping),
        &["도쿄 굿즈 대신 사 주세요", "매칭됨"],
    )
    .await;

    // Completed and reviewed: the helper is paid and rated.
    asker.client.requests().complete(&id).await.unwrap();
    asker.client.sync().await.unwrap();
    screen(
        &asker,
        Lang::Ko,
        Some(Route::Request(id.clone())),
        &["완료", "도우미 후기", "후기 남기기"],
    )
    .await;
    asker
        .client
        .requests()
        .review_helper(&id, 5, "빠르고 친절했어요", vec![])
        .await
        .unwrap();
    asker.client.sync().await.unwrap();
    let helper_id = helper.client.me().await.unwrap().id;
    screen(
        &asker,
        Lang::Ko,
        Some(Route::Profile(Some(helper_id))),
        &["도우미 ★ 5.0 (1)", "도우미 후기"],
    )
    .await;
    helper.client.sync().await.unwrap();
    screen(
        &helper,
        Lang::Ko,
        Some(Route::Wallet),
        &["45,000P", "지급", "+45,000P"],
    )
    .await;

    // And in English.
    let html = screen(
        &asker,
        Lang::En,
        tab(RequestsTab::Mine),
        &["My requests", "Completed", "Purchase"],
    )
    .await;
    assert!(
        !html.contains(">request-"),
        "a raw catalog key leaked: {html}"
    );
}
