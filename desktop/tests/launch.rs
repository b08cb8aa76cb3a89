//! The launch path, in its own test binary (the prefetched feed is one per
//! process): the feed read from the cache while the webview loads is in the
//! app's very first render, with no loading state and no second round trip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dioxus::prelude::*;
use moa_client_core::protocol::{FeedTab, ReviewKind};
use moa_client_core::{Client, NewReview};
use moa_desktop::i18n::Lang;
use moa_desktop::route::Route;
use moa_desktop::settings::Settings;
use moa_desktop::ui::shell::{App, AppProps, Start};
use moa_tests::{Engine, TestServer};

/// One render of the app on the home screen, nothing awaited.
fn first_render(client: &Client, dir: &std::path::Path) -> String {
    let props = AppProps {
        client: client.clone(),
        settings: Settings {
            lang: Lang::Ko,
            server_url: "http://unused".into(),
        },
        data_dir: dir.to_owned(),
        start: Start {
            open: Some(Route::Home),
            measure: false,
        },
    };
    let mut dom = VirtualDom::new_with_props(App, props);
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prefetched_feed_is_in_the_first_render() {
    let server = TestServer::start(Engine::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::open(dir.path(), &server.url("")).await.unwrap();
    client
        .sign_up("minji@test.kr", "password-minji", "minji", "김민지")
        .await
        .unwrap();
    client
        .create_review(NewReview {
            kind: ReviewKind::Story,
            title: "성수 카페 라떼".into(),
            body: "우유 거품이 아주 부드러워요".into(),
            photos: vec![],
            subject: None,
            rating: Some(4),
            tags: vec![],
            official: false,
        })
        .await
        .unwrap();
    client.sync().await.unwrap();

    // Without a prefetch the first render can only say it is loading.
    let html = first_render(&client, dir.path());
    assert!(!html.contains("성수 카페 라떼"), "{html}");

    // With one that has finished, the rows are there at once. (The read
    // takes milliseconds; a few tries leave room for a slow machine.)
    let mut html = String::new();
    for _ in 0..50 {
        moa_desktop::startup::prefetch_feed(&client, FeedTab::Popular);
        tokio::time::sleep(Duration::from_millis(100)).await;
        html = first_render(&client, dir.path());
        if html.contains("성수 카페 라떼") {
            break;
        }
    }
    assert!(html.contains("성수 카페 라떼"), "{html}");
    assert!(html.contains("review-row"), "{html}");
    // Handed over once: the next launch of the screen reads for itself.
    assert!(moa_desktop::startup::ready_feed(FeedTab::Popular).is_none());
}
