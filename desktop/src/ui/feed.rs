//! Home: the popular / latest / following / for-you (추천) feeds. The first
//! page comes from the cache at once; scrolling near the end fetches more
//! (online). The list is virtualized: rows have one height, so only the rows
//! in view (and a few around them) are in the DOM however long the feed
//! grows.

use dioxus::prelude::*;
use moa_client_core::protocol::{FeedTab, Review, ReviewKind};
use moa_client_core::{Error, Topic};

use super::{Avatar, Empty, Failed, Loading, Photo, stars};
use crate::i18n::ago;
use crate::route::Route;
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_status, use_topics};

/// The height of one feed row in px (keep in step with `.review-row` in the CSS).
pub const ROW_HEIGHT: f64 = 152.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 4;

/// Which rows to render for a scroll position: `[start, end)`.
pub fn visible_range(scroll_top: f64, viewport: f64, len: usize) -> (usize, usize) {
    let first = (scroll_top.max(0.0) / ROW_HEIGHT).floor() as usize;
    let count = (viewport.max(ROW_HEIGHT) / ROW_HEIGHT).ceil() as usize;
    let start = first.saturating_sub(OVERSCAN).min(len);
    let end = (first + count + OVERSCAN).min(len);
    (start, end)
}

/// The home tabs in their order, with their catalog keys.
const TABS: [(FeedTab, &str); 4] = [
    (FeedTab::Popular, "feed-popular"),
    (FeedTab::Latest, "feed-latest"),
    (FeedTab::Following, "feed-following"),
    (FeedTab::ForYou, "feed-for-you"),
];

#[derive(Clone, PartialEq)]
struct More {
    items: Vec<Review>,
    cursor: Option<String>,
    done: bool,
    loading: bool,
    error: Option<Error>,
}

#[component]
pub fn Home() -> Element {
    let prefs = use_prefs();
    let mut tab = use_signal(|| FeedTab::Popular);
    rsx! {
        super::Header { title: prefs.t("nav-home"),
            actions: rsx! {
                RefreshButton {}
            }
        }
        div { class: "tabs", role: "tablist",
            for (t, key) in TABS {
                button { class: if *tab.read() == t { "tab active" } else { "tab" }, role: "tab",
                    aria_selected: *tab.read() == t,
                    title: if t == FeedTab::ForYou { prefs.t("feed-for-you-about") },
                    onclick: move |_| tab.set(t), {prefs.t(key)} }
            }
        }
        {
            let t = *tab.read();
            rsx! { FeedList { key: "{t:?}", tab: t, on_tab: move |t| tab.set(t) } }
        }
    }
}

/// Syncs now (the desktop's pull-to-refresh).
#[component]
pub fn RefreshButton() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let status = use_status();
    let notices = use_notices();
    let syncing = status.sync().syncing;
    rsx! {
        button { class: if syncing { "btn ghost spinning" } else { "btn ghost" }, title: prefs.t("action-refresh"),
            onclick: move |_| {
                spawn(async move {
                    if let Err(e) = client.get().sync().await {
                        notices.fail(&e);
                    }
                });
            },
            "↻ " {prefs.t("action-refresh")}
        }
    }
}

/// One tab's feed; `on_tab` switches to another (the empty 추천 tab offers
/// the popular one).
#[component]
fn FeedList(tab: FeedTab, on_tab: EventHandler<FeedTab>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let status = use_status();
    let topics = use_topics();
    let feed_version = move || {
        topics.watch(Topic::Feed) + topics.watch(Topic::Reviews) + topics.watch(Topic::Likes)
    };
    // At launch the feed read from the cache while the webview loaded is
    // usually ready: shown in the very first render, and the resource's
    // first run hands it over instead of reading it again (unless a change
    // arrived in between).
    let ready = use_hook(|| std::rc::Rc::new(crate::startup::ready_feed(tab)));
    let ready_version = use_hook(feed_version);
    let handed_over = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(ready.is_none())));
    let first = use_resource({
        let ready = ready.clone();
        move || {
            let version = feed_version();
            let ready = if handed_over.replace(true) || version != ready_version {
                None
            } else {
                (*ready).clone()
            };
            async move {
                if let Some(feed) = ready {
                    return feed;
                }
                crate::startup::mark("feed_query");
                let feed = match crate::startup::prefetched_feed(tab).await {
                    Some(feed) => feed,
                    None => client.get().feed(tab).await,
                };
                crate::startup::mark("feed_loaded");
                feed
            }
        }
    });
    let mut more = use_signal(|| More {
        items: vec![],
        cursor: None,
        done: false,
        loading: false,
        error: None,
    });
    let mut scroll_top = use_signal(|| 0.0f64);
    let mut viewport = use_signal(|| 900.0f64);
    // One page request at a time, whatever renders happen meanwhile.
    let in_flight = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(false)));

    let first_page = match first.read().as_ref().or((*ready).as_ref()) {
        None => return rsx! { Loading {} },
        Some(Err(e)) => {
            return rsx! { Failed { error: e.clone(), retry: move |_| { let mut f = first; f.restart() } } };
        }
        Some(Ok(items)) => items.clone(),
    };
    let status = status.sync();
    if first_page.is_empty() && more.read().items.is_empty() {
        if status.syncing || (status.online && status.last_sync_at.is_none()) {
            return rsx! { Loading {} };
        }
        if !status.online && status.last_sync_at.is_none() {
            return rsx! { Failed { error: Error::Network("offline".into()), retry: move |_| client.get().sync_soon() } };
        }
        if tab == FeedTab::ForYou {
            // Nothing to recommend yet (a newcomer has read everything
            // popular, or there is little to go on): say how it learns.
            return rsx! {
                Empty { title: prefs.t("feed-empty-for-you"), hint: prefs.t("feed-empty-for-you-hint"),
                    action: rsx! { button { class: "btn", onclick: move |_| on_tab.call(FeedTab::Popular), {prefs.t("feed-for-you-browse")} } }
                }
            };
        }
        let hint = if tab == FeedTab::Following {
            prefs.t("feed-empty-following")
        } else {
            prefs.t("feed-empty-hint")
        };
        return rsx! {
            Empty { title: prefs.t("feed-empty"), hint,
                action: rsx! { button { class: "btn primary", onclick: move |_| nav.go(Route::Compose(None)), {prefs.t("nav-compose")} } }
            }
        };
    }
    let mut items = first_page.clone();
    for r in more.read().items.iter() {
        if !items.iter().any(|x| x.id == r.id) {
            items.push(r.clone());
        }
    }
    let len = items.len();
    let (start, end) = visible_range(*scroll_top.read(), *viewport.read(), len);
    let state = more.read().clone();
    // Near the end: fetch the next page (online only; offline shows a note).
    if end + OVERSCAN >= len
        && !state.done
        && !state.loading
        && state.error.is_none()
        && !in_flight.replace(true)
    {
        let in_flight = in_flight.clone();
        spawn(async move {
            more.write().loading = true;
            let cursor = more.peek().cursor.clone();
            match client.get().feed_more(tab, cursor.as_deref()).await {
                Ok((page, next)) => {
                    let mut m = more.write();
                    m.done = next.is_none() || page.is_empty();
                    m.items.extend(page);
                    m.cursor = next;
                    m.loading = false;
                }
                Err(e) => {
                    let mut m = more.write();
                    m.loading = false;
                    m.error = Some(e);
                }
            }
            in_flight.set(false);
        });
    }
    let top_pad = start as f64 * ROW_HEIGHT;
    let bottom_pad = (len - end) as f64 * ROW_HEIGHT;
    rsx! {
        div { class: "feed-scroll",
            onscroll: move |e| {
                scroll_top.set(e.scroll_top());
                viewport.set(e.client_height() as f64);
            },
            div { class: "feed", style: "padding-top:{top_pad}px;padding-bottom:{bottom_pad}px",
                for review in items[start..end].iter().cloned() {
                    ReviewRow { key: "{review.id}", review }
                }
            }
            div { class: "feed-end",
                if state.loading { Loading {} }
                else if let Some(e) = state.error.clone() {
                    p { class: "muted", {super::error_text(prefs.lang(), &e)} " "
                        a { onclick: move |_| more.write().error = None, {prefs.t("action-retry")} }
                    }
                }
                else if state.done { p { class: "muted", {prefs.t("feed-end")} } }
            }
        }
        FeedPainted { count: len }
    }
}

/// Marks the first feed with rows on screen, for `--measure-startup`.
#[component]
fn FeedPainted(count: usize) -> Element {
    use_effect(use_reactive!(|count| {
        if count > 0 {
            crate::startup::mark("feed_in_dom");
            crate::startup::feed_rendered(count);
        }
    }));
    rsx! {}
}

/// One review in a list (fixed height, see [`ROW_HEIGHT`]).
#[component]
pub fn ReviewRow(review: Review) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let id = review.id.clone();
    let now = super::now_ms();
    let title = if review.kind == ReviewKind::Snap || review.title.is_empty() {
        review.body.lines().next().unwrap_or_default().to_owned()
    } else {
        review.title.clone()
    };
    rsx! {
        article { class: "review-row", onclick: move |_| nav.go(Route::Review(id.clone())),
          div { class: "review-card",
            div { class: "row-main",
                div { class: "row-meta",
                    Avatar { author: review.author.clone(), size: 24 }
                    span { class: "author-name", "{review.author.display_name}" }
                    span { class: "muted", " · " {ago(prefs.lang(), review.created_at, now)} }
                    if review.official { span { class: "pill official", {prefs.t("review-official")} } }
                    if review.deleted {
                        span { class: "pill", {prefs.t("review-deleted")} }
                    } else if review.hidden {
                        span { class: "pill warn", {prefs.t("review-hidden")} }
                    }
                }
                h3 { class: "row-title", "{title}" }
                if review.kind != ReviewKind::Snap {
                    p { class: "row-body", "{review.body}" }
                }
                div { class: "row-foot",
                    if let Some(subject) = &review.subject { span { class: "pill subject", {subject_icon(subject.kind)} " {subject.name}" } }
                    if let Some(r) = review.rating { span { class: "stars", {stars(r)} } }
                    span { class: if review.liked_by_me { "count liked" } else { "count" }, "♥ {review.like_count}" }
                    span { class: "count", "💬 {review.comment_count}" }
                }
            }
            if let Some(photo) = review.photos.first() {
                Photo { id: photo.clone(), thumbnail: true, class: "row-thumb" }
            }
          }
        }
    }
}

/// The icon of a review's subject: a pin for places, a bag for products.
pub fn subject_icon(kind: moa_client_core::protocol::SubjectType) -> &'static str {
    match kind {
        moa_client_core::protocol::SubjectType::Place => "📍",
        moa_client_core::protocol::SubjectType::Product => "🛍",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rows_in_view_are_rendered() {
        assert_eq!(visible_range(0.0, 900.0, 0), (0, 0));
        assert_eq!(visible_range(0.0, 900.0, 3), (0, 3));
        let (s, e) = visible_range(0.0, 900.0, 5000);
        assert_eq!(s, 0);
        assert!(e < 20, "{e}");
        let (s, e) = visible_range(ROW_HEIGHT * 1000.0, 900.0, 5000);
        assert_eq!(s, 1000 - OVERSCAN);
        assert!(e > 1000 && e < 1020);
        assert_eq!(
            visible_range(ROW_HEIGHT * 6000.0, 900.0, 5000),
            (5000, 5000)
        );
    }
}
