//! 부탁 (requests): members ask for help (a purchase abroad, a trip
//! recorded, an errand) and others answer with quotes. The tab browses the
//! open requests offered to the member (category chips, a region, a budget
//! range) and lists the member's own (내 부탁), their quotes (내 견적) and
//! the requests they help with (도와주는 중). A request's page shows it
//! whole and what the member can do there: the requester sees every quote
//! and accepts one (online: the price is held from their points, and when
//! they are short the page says by how much and offers a charge), confirms
//! the help or cancels; a quoter makes, edits or withdraws their quote; the
//! pair opens their chat room; the requester reviews the helper once it is
//! done; anyone else may report it.
//!
//! Everything reads from the device (offline too) and reloads when the
//! `Requests` topic moves; changes go through the outbox and show at once,
//! marked pending until the server has them.

use dioxus::prelude::*;
use moa_client_core::protocol::kst::{self, Kst};
use moa_client_core::protocol::{
    ErrorCode, HelpRequest, HelperReview, Quote, QuoteStatus, ReportTarget, RequestCategory,
    RequestStatus,
};
use moa_client_core::{Error, QuoteView, RequestCard, RequestFilter, Topic};

use super::review::ReportDialog;
use super::subject::group_thousands;
use super::{AuthorName, Avatar, Empty, Failed, Loading, Photo, stars};
use crate::i18n::{Arg, Lang, ago};
use crate::route::{RequestsTab, Route};
use crate::state::{Prefs, use_client, use_nav, use_notices, use_prefs, use_topics};

/// The categories in the order the chips and the form show them.
pub const CATEGORIES: [RequestCategory; 4] = [
    RequestCategory::Purchase,
    RequestCategory::Travel,
    RequestCategory::Errand,
    RequestCategory::Other,
];

/// The catalog key of a category (`대리 구매`, ...).
pub fn category_key(category: RequestCategory) -> &'static str {
    match category {
        RequestCategory::Purchase => "request-category-purchase",
        RequestCategory::Travel => "request-category-travel",
        RequestCategory::Errand => "request-category-errand",
        RequestCategory::Other => "request-category-other",
    }
}

fn category_icon(category: RequestCategory) -> &'static str {
    match category {
        RequestCategory::Purchase => "🛍",
        RequestCategory::Travel => "✈",
        RequestCategory::Errand => "🏃",
        RequestCategory::Other => "💡",
    }
}

pub fn status_key(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Open => "request-status-open",
        RequestStatus::Matched => "request-status-matched",
        RequestStatus::Completed => "request-status-completed",
        RequestStatus::Cancelled => "request-status-cancelled",
        RequestStatus::Expired => "request-status-expired",
    }
}

fn status_class(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Open => "pill good",
        RequestStatus::Matched => "pill accent",
        RequestStatus::Completed => "pill",
        RequestStatus::Cancelled | RequestStatus::Expired => "pill muted",
    }
}

pub fn quote_status_key(status: QuoteStatus) -> &'static str {
    match status {
        QuoteStatus::Active => "quote-status-active",
        QuoteStatus::Withdrawn => "quote-status-withdrawn",
        QuoteStatus::Accepted => "quote-status-accepted",
        QuoteStatus::Declined => "quote-status-declined",
    }
}

fn quote_status_class(status: QuoteStatus) -> &'static str {
    match status {
        QuoteStatus::Active => "pill",
        QuoteStatus::Accepted => "pill good",
        QuoteStatus::Withdrawn | QuoteStatus::Declined => "pill muted",
    }
}

/// A sum in short Korean units, as budgets are said: 30,000 → "3만",
/// 15,000 → "1.5만", 5,000 → "5천", 1,250 → "1,250"; in English "30k".
pub fn short_won(lang: Lang, krw: i64) -> String {
    match lang {
        Lang::Ko => {
            if krw >= 10_000 && krw % 10_000 == 0 {
                format!("{}만", group_thousands(krw / 10_000))
            } else if krw >= 10_000 && krw % 1_000 == 0 {
                format!(
                    "{}.{}만",
                    group_thousands(krw / 10_000),
                    krw % 10_000 / 1_000
                )
            } else if krw > 0 && krw < 10_000 && krw % 1_000 == 0 {
                format!("{}천", krw / 1_000)
            } else {
                group_thousands(krw)
            }
        }
        Lang::En => {
            if krw >= 1_000 && krw % 1_000 == 0 {
                format!("{}k", group_thousands(krw / 1_000))
            } else {
                group_thousands(krw)
            }
        }
    }
}

/// A budget: "1만~5만원", "5만원 이하", "3만원" / "₩10k–50k".
pub fn budget(lang: Lang, min: i64, max: i64) -> String {
    let (lo, hi) = (short_won(lang, min), short_won(lang, max));
    if min == max {
        lang.ta("request-budget-exact", &[("amount", Arg::Str(hi))])
    } else if min <= 0 {
        lang.ta("request-budget-up-to", &[("max", Arg::Str(hi))])
    } else {
        lang.ta(
            "request-budget-range",
            &[("min", Arg::Str(lo)), ("max", Arg::Str(hi))],
        )
    }
}

/// Points: "12,000P" (signed when asked: "+12,000P", "−45,000P").
pub fn points(n: i64, signed: bool) -> String {
    let sign = match (signed, n.signum()) {
        (true, 1) => "+",
        (_, -1) => "−",
        _ => "",
    };
    format!("{sign}{}P", group_thousands(n.abs()))
}

/// A Korean date `YYYY-MM-DD` as people read it: "12월 3일 (목)" /
/// "Thu, Dec 3". Anything else comes back as it is.
pub fn korean_date(lang: Lang, date: &str) -> String {
    let Some(start) = kst::parse_date(date.trim()) else {
        return date.to_owned();
    };
    let k = Kst::of(start);
    match lang {
        Lang::Ko => {
            const DAYS: [&str; 7] = ["일", "월", "화", "수", "목", "금", "토"];
            format!(
                "{}월 {}일 ({})",
                k.month,
                k.day,
                DAYS[k.weekday as usize % 7]
            )
        }
        Lang::En => {
            const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            format!(
                "{}, {} {}",
                DAYS[k.weekday as usize % 7],
                MONTHS[(k.month as usize).saturating_sub(1) % 12],
                k.day
            )
        }
    }
}

/// A request's days: one date, or "12월 3일 (목) ~ 12월 5일 (토)".
pub fn date_range(lang: Lang, starts_on: &str, ends_on: &str) -> String {
    if starts_on == ends_on {
        korean_date(lang, starts_on)
    } else {
        format!(
            "{} ~ {}",
            korean_date(lang, starts_on),
            korean_date(lang, ends_on)
        )
    }
}

/// A sum typed by a person: digits with commas, spaces or "원" around
/// them, or in 만 ("5만", "1.5만"). `None` when it is not one.
pub fn parse_won(text: &str) -> Option<i64> {
    let t: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '원' | '₩' | 'P' | 'p'))
        .collect();
    if t.is_empty() {
        return None;
    }
    if let Some(man) = t.strip_suffix('만') {
        let (whole, frac) = man.split_once('.').unwrap_or((man, ""));
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if frac.len() > 4 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let frac_value: i64 = format!("{frac:0<4}").parse().ok()?;
        return whole.checked_mul(10_000)?.checked_add(frac_value);
    }
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The 부탁 tab: its four lists under one header.
#[component]
pub fn RequestsScreen(tab: RequestsTab) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let wallet = use_resource(move || {
        let _ = topics.watch(Topic::Wallet);
        async move { client.get().wallet().wallet().await }
    });
    let balance = match &*wallet.read() {
        Some(Ok(w)) => points(w.balance, false),
        _ => prefs.t("nav-points"),
    };
    let tabs = [
        (RequestsTab::Browse, "requests-tab-browse"),
        (RequestsTab::Mine, "requests-tab-mine"),
        (RequestsTab::Quotes, "requests-tab-quotes"),
        (RequestsTab::Helping, "requests-tab-helping"),
    ];
    rsx! {
        super::Header { title: prefs.t("nav-requests"),
            actions: rsx! {
                button { class: "btn ghost wallet-btn", title: prefs.t("nav-points"),
                    onclick: move |_| nav.go(Route::Wallet), "💰 {balance}"
                }
                button { class: "btn primary", onclick: move |_| nav.go(Route::RequestForm(None)),
                    "+ " {prefs.t("requests-new")}
                }
            }
        }
        div { class: "tabs",
            for (t, key) in tabs {
                button { class: if tab == t { "tab active" } else { "tab" },
                    onclick: move |_| nav.switch(Route::Requests(t)), {prefs.t(key)}
                }
            }
        }
        div { class: "scroll",
            match tab {
                RequestsTab::Browse => rsx! { Browse {} },
                RequestsTab::Mine => rsx! { MyRequests {} },
                RequestsTab::Quotes => rsx! { MyQuotes {} },
                RequestsTab::Helping => rsx! { Helping {} },
            }
        }
    }
}

/// 둘러보기: the open requests with the filters above them.
#[component]
fn Browse() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let mut category = use_signal(|| None::<RequestCategory>);
    let mut region = use_signal(String::new);
    let mut min = use_signal(String::new);
    let mut max = use_signal(String::new);
    // Clearing the filters makes new, empty inputs (they are not bound to
    // their values, so typing stays smooth).
    let mut generation = use_signal(|| 0_u32);
    let list = use_resource(move || {
        let filter = RequestFilter {
            category: *category.read(),
            region: region.read().clone(),
            budget_min: parse_won(&min.read()),
            budget_max: parse_won(&max.read()),
        };
        let _ = (topics.watch(Topic::Requests), topics.watch(Topic::Outbox));
        async move { client.get().requests().browse(filter).await }
    });
    // The server's open requests beyond what sync brought (kept on the
    // device); offline the device's copy stays.
    use_future(move || async move {
        if client
            .get()
            .requests()
            .fetch_open(&RequestFilter::default(), None)
            .await
            .is_ok()
        {
            topics.bump([Topic::Requests]);
        }
    });
    let filtered = category.read().is_some()
        || !region.read().trim().is_empty()
        || !min.read().trim().is_empty()
        || !max.read().trim().is_empty();
    let bad_budget = [min.read().clone(), max.read().clone()]
        .iter()
        .any(|t| !t.trim().is_empty() && parse_won(t).is_none());
    let body = match &*list.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => {
            rsx! { Failed { error: e.clone(), retry: move |_| { let mut l = list; l.restart() } } }
        }
        Some(Ok(cards)) if cards.is_empty() && filtered => rsx! {
            Empty { title: prefs.t("requests-none-match"), hint: prefs.t("requests-none-match-hint") }
        },
        Some(Ok(cards)) if cards.is_empty() => rsx! {
            Empty { title: prefs.t("requests-empty"), hint: prefs.t("requests-empty-hint"),
                action: rsx! { button { class: "btn primary", onclick: move |_| nav.go(Route::RequestForm(None)), {prefs.t("requests-new")} } }
            }
        },
        Some(Ok(cards)) => rsx! {
            div { class: "request-grid",
                for card in cards.iter().cloned() {
                    RequestTile { key: "{card.request.id}", card }
                }
            }
        },
    };
    let current = *category.read();
    rsx! {
        div { class: "request-filters",
            div { class: "chips",
                button { class: if current.is_none() { "chip active" } else { "chip" },
                    onclick: move |_| category.set(None), {prefs.t("requests-all")}
                }
                for c in CATEGORIES {
                    button { class: if current == Some(c) { "chip active" } else { "chip" },
                        onclick: move |_| category.set(if *category.peek() == Some(c) { None } else { Some(c) }),
                        "{category_icon(c)} " {prefs.t(category_key(c))}
                    }
                }
            }
            for g in [*generation.read()] {
            div { key: "{g}", class: "filters",
                input { name: "region-filter", class: "region-filter", placeholder: prefs.t("requests-filter-region"),
                    oninput: move |e| region.set(e.value()) }
                span { class: "muted small", {prefs.t("requests-filter-budget")} }
                input { name: "budget-min-filter", class: "won-input", inputmode: "numeric", placeholder: prefs.t("requests-filter-min"),
                    oninput: move |e| min.set(e.value()) }
                span { class: "muted", "~" }
                input { name: "budget-max-filter", class: "won-input", inputmode: "numeric", placeholder: prefs.t("requests-filter-max"),
                    oninput: move |e| max.set(e.value()) }
                if filtered {
                    button { class: "btn ghost",
                        onclick: move |_| {
                            category.set(None);
                            region.set(String::new());
                            min.set(String::new());
                            max.set(String::new());
                            generation += 1;
                        },
                        {prefs.t("requests-filter-clear")}
                    }
                }
            }
            }
            if bad_budget { p { class: "form-error", {prefs.t("request-error-budget-number")} } }
        }
        {body}
    }
}

/// A request's card in a list.
#[component]
fn RequestTile(card: RequestCard) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let lang = prefs.lang();
    let r = card.request.clone();
    let id = r.id.clone();
    let quoted = card
        .my_quote
        .as_ref()
        .is_some_and(|q| q.quote.status == QuoteStatus::Active);
    let now = super::now_ms();
    rsx! {
        article { class: "request-card", onclick: move |_| nav.go(Route::Request(id.clone())),
            div { class: "request-card-top",
                span { class: "pill category", "{category_icon(r.category)} " {prefs.t(category_key(r.category))} }
                if r.status != RequestStatus::Open { span { class: status_class(r.status), {prefs.t(status_key(r.status))} } }
                if card.pending { span { class: "pill warn", {prefs.t("request-pending")} } }
                if card.mine { span { class: "pill mine", {prefs.t("request-mine")} } }
                if card.helping { span { class: "pill good", {prefs.t("request-helping")} } }
                if quoted && !card.helping { span { class: "pill good", {prefs.t("request-quoted")} } }
                if r.community_id.is_some() { span { class: "pill", title: prefs.t("request-community-only"), "🏫" } }
                span { class: "spacer" }
                span { class: "quote-count", {prefs.ta("request-quote-count", &[("n", Arg::Num(r.quote_count))])} }
            }
            h3 { a { class: "title-link", "{r.title}" } }
            p { class: "request-meta muted small",
                span { "📍 {r.region}" }
                span { "🗓 " {date_range(lang, &r.starts_on, &r.ends_on)} }
            }
            div { class: "request-card-foot",
                strong { class: "request-budget", {budget(lang, r.budget_min_krw, r.budget_max_krw)} }
                span { class: "spacer" }
                span { class: "muted small", {format!("{} · {}", r.requester.display_name, ago(lang, r.created_at, now))} }
            }
        }
    }
}

/// A list of cards, or its empty state.
#[component]
fn CardList(
    cards: Vec<RequestCard>,
    empty: String,
    hint: String,
    action: Option<Element>,
) -> Element {
    if cards.is_empty() {
        return rsx! { Empty { title: empty, hint, action } };
    }
    rsx! {
        div { class: "request-grid",
            for card in cards {
                RequestTile { key: "{card.request.id}", card: card.clone() }
            }
        }
    }
}

/// 내 부탁.
#[component]
fn MyRequests() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let list = use_resource(move || {
        let _ = (topics.watch(Topic::Requests), topics.watch(Topic::Outbox));
        async move { client.get().requests().mine().await }
    });
    match &*list.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone() } },
        Some(Ok(cards)) => rsx! {
            CardList { cards: cards.clone(), empty: prefs.t("requests-mine-empty"), hint: prefs.t("requests-mine-empty-hint"),
                action: rsx! { button { class: "btn primary", onclick: move |_| nav.go(Route::RequestForm(None)), {prefs.t("requests-new")} } }
            }
        },
    }
}

/// 도와주는 중.
#[component]
fn Helping() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let list = use_resource(move || {
        let _ = (topics.watch(Topic::Requests), topics.watch(Topic::Outbox));
        async move { client.get().requests().helping().await }
    });
    match &*list.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone() } },
        Some(Ok(cards)) => rsx! {
            CardList { cards: cards.clone(), empty: prefs.t("requests-helping-empty"), hint: prefs.t("requests-helping-empty-hint"),
                action: rsx! { button { class: "btn", onclick: move |_| nav.switch(Route::Requests(RequestsTab::Browse)), {prefs.t("requests-browse")} } }
            }
        },
    }
}

/// 내 견적: the member's quotes with their requests and where each stands.
#[component]
fn MyQuotes() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let list = use_resource(move || {
        let _ = (topics.watch(Topic::Requests), topics.watch(Topic::Outbox));
        async move { client.get().requests().my_quotes().await }
    });
    let lang = prefs.lang();
    let now = super::now_ms();
    match &*list.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone() } },
        Some(Ok(quotes)) if quotes.is_empty() => rsx! {
            Empty { title: prefs.t("requests-quotes-empty"), hint: prefs.t("requests-quotes-empty-hint"),
                action: rsx! { button { class: "btn", onclick: move |_| nav.switch(Route::Requests(RequestsTab::Browse)), {prefs.t("requests-browse")} } }
            }
        },
        Some(Ok(quotes)) => rsx! {
            ul { class: "card order-list quote-list",
                for (q, request) in quotes.iter().cloned() {
                    li { key: "{q.quote.id}", class: "order-row",
                        onclick: {
                            let id = q.quote.request_id.clone();
                            move |_| nav.go(Route::Request(id.clone()))
                        },
                        div { class: "order-main",
                            strong { {request.as_ref().map_or_else(|| prefs.t("request-unknown"), |r| r.title.clone())} }
                            if let Some(r) = &request {
                                p { class: "muted small",
                                    {format!("{} · {} · {}", prefs.t(category_key(r.category)), r.region, prefs.t(status_key(r.status)))}
                                }
                            }
                            p { class: "small quote-message", "“{q.quote.message}”" }
                            p { class: "muted small", {ago(lang, q.quote.updated_at, now)} }
                        }
                        div { class: "order-side",
                            span { class: quote_status_class(q.quote.status), {prefs.t(quote_status_key(q.quote.status))} }
                            if q.pending { span { class: "pill warn", {prefs.t("request-pending")} } }
                            strong { {super::shop::won(lang, q.quote.price_krw)} }
                        }
                    }
                }
            }
        },
    }
}

/// Which dialog the request page has open.
#[derive(Debug, Clone, PartialEq)]
enum Dialog {
    Accept(Box<Quote>),
    Complete,
    Cancel,
}

/// A request's page.
#[component]
pub fn RequestScreen(id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let topics = use_topics();
    let rid = id.clone();
    let data = use_resource(move || {
        let id = rid.clone();
        let _ = (topics.watch(Topic::Requests), topics.watch(Topic::Outbox));
        async move {
            let requests = client.get().requests();
            let card = match requests.request(&id).await {
                Err(Error::NotFound(_)) => requests.refresh(&id).await?,
                other => other?,
            };
            let quotes = requests.quotes(&id).await?;
            Ok::<_, Error>((card, quotes))
        }
    });
    // Fresh quotes and state from the server; the page shows the device's
    // copy meanwhile, and offline stays with it.
    let fresh = id.clone();
    use_future(move || {
        let id = fresh.clone();
        async move {
            let _ = client.get().requests().refresh(&id).await;
        }
    });
    let header = rsx! { super::Header { title: prefs.t("nav-requests") } };
    match &*data.read() {
        None => rsx! { {header} Loading {} },
        Some(Err(e)) => rsx! {
            {header}
            Failed { error: e.clone(), retry: move |_| { let mut d = data; d.restart() } }
        },
        Some(Ok((card, quotes))) => rsx! {
            {header}
            RequestPage { card: card.clone(), quotes: quotes.clone() }
        },
    }
}

#[component]
fn RequestPage(card: RequestCard, quotes: Vec<QuoteView>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let notices = use_notices();
    let mut dialog = use_signal(|| None::<Dialog>);
    let mut reporting = use_signal(|| false);
    let mut lightbox = use_signal(|| None::<String>);
    // Accepting found the member short of points: (price, balance).
    let mut short = use_signal(|| None::<(i64, i64)>);
    let mut busy = use_signal(|| false);
    let lang = prefs.lang();
    let r = card.request.clone();
    let now = super::now_ms();
    let open = r.status == RequestStatus::Open;
    let matched = r.status == RequestStatus::Matched;
    let in_it = card.mine || card.helping;
    let side = (!card.mine && (open || card.my_quote.is_some()))
        || (matched && in_it)
        || r.status == RequestStatus::Completed;
    let edit_id = r.id.clone();
    let accept = use_callback(move |quote: Quote| {
        if *busy.peek() {
            return;
        }
        busy.set(true);
        short.set(None);
        spawn(async move {
            let client = client.get();
            let result = client.requests().accept(&quote.request_id, &quote.id).await;
            busy.set(false);
            match result {
                Ok(accepted) => {
                    notices.notify(prefs.t("request-accepted"));
                    if let Some(room) = accepted.request.room_id {
                        nav.switch(Route::Chat(Some(room)));
                    }
                }
                Err(Error::Rejected {
                    code: ErrorCode::InsufficientPoints,
                    ..
                }) => {
                    let wallet = client.wallet();
                    let balance = match wallet.refresh().await {
                        Ok(w) => w.balance,
                        Err(_) => wallet.wallet().await.map_or(0, |w| w.balance),
                    };
                    short.set(Some((quote.price_krw, balance)));
                }
                Err(e) => notices.error(super::error_text(prefs.lang(), &e)),
            }
        });
    });
    rsx! {
        div { class: if side { "scroll campaign-layout request-layout" } else { "scroll" },
            div { class: "request-main",
                div { class: "card request-page",
                    div { class: "campaign-title-row",
                        h2 { "{r.title}" }
                        span { class: status_class(r.status), {prefs.t(status_key(r.status))} }
                        if card.pending { span { class: "pill warn", {prefs.t("request-pending")} } }
                    }
                    div { class: "request-byline",
                        span { class: "pill category", "{category_icon(r.category)} " {prefs.t(category_key(r.category))} }
                        Avatar { author: r.requester.clone(), size: 24 }
                        AuthorName { author: r.requester.clone() }
                        span { class: "muted small", " · " {ago(lang, r.created_at, now)} }
                    }
                    dl { class: "facts",
                        dt { {prefs.t("request-region")} }
                        dd { "📍 {r.region}" }
                        dt { {prefs.t("request-dates")} }
                        dd { {date_range(lang, &r.starts_on, &r.ends_on)} }
                        dt { {prefs.t("request-budget")} }
                        dd { strong { {budget(lang, r.budget_min_krw, r.budget_max_krw)} } }
                        dt { {prefs.t("request-audience")} }
                        dd { {prefs.t(if r.community_id.is_some() { "request-audience-community" } else { "request-audience-everyone" })} }
                        dt { {prefs.t("request-quotes")} }
                        dd { {prefs.ta("request-quote-count", &[("n", Arg::Num(r.quote_count))])} }
                        if let Some(helper) = r.helper.clone() {
                            dt { {prefs.t("request-helper")} }
                            dd { AuthorName { author: helper } }
                        }
                        if let Some(price) = r.price_krw {
                            dt { {prefs.t("request-price")} }
                            dd { strong { {super::shop::won(lang, price)} } }
                        }
                    }
                    if !r.details.is_empty() {
                        p { class: "campaign-description", "{r.details}" }
                    }
                    if !r.photos.is_empty() {
                        div { class: "photos",
                            for photo in r.photos.iter().cloned() {
                                Photo { key: "{photo}", id: photo.clone(), thumbnail: true, class: "request-photo",
                                    onclick: move |_| lightbox.set(Some(photo.clone())) }
                            }
                        }
                    }
                    if let Some(note) = r.closing_note.clone().filter(|n| !n.trim().is_empty()) {
                        p { class: "warn-box small", {prefs.ta("request-closing-note", &[("note", Arg::Str(note))])} }
                    }
                    div { class: "row-actions",
                        if card.mine && open {
                            button { class: "btn", onclick: move |_| nav.go(Route::RequestForm(Some(edit_id.clone()))), {prefs.t("action-edit")} }
                            button { class: "btn ghost danger", onclick: move |_| dialog.set(Some(Dialog::Cancel)), {prefs.t("request-cancel")} }
                        }
                        span { class: "spacer" }
                        if !card.mine {
                            button { class: "btn ghost", onclick: move |_| reporting.set(true), "⚑ " {prefs.t("action-report")} }
                        }
                    }
                }
                if let Some((need, balance)) = *short.read() {
                    div { class: "card warn-box short-box", role: "alert",
                        p { strong { {prefs.t("request-short-title")} } }
                        p { {prefs.ta("request-short", &[("need", Arg::Str(points(need, false))), ("balance", Arg::Str(points(balance, false))), ("missing", Arg::Str(points((need - balance).max(0), false)))])} }
                        div { class: "row-actions",
                            button { class: "btn primary", onclick: move |_| nav.go(Route::Wallet), "💰 " {prefs.t("request-go-charge")} }
                            button { class: "btn ghost", onclick: move |_| short.set(None), {prefs.t("action-close")} }
                        }
                    }
                }
                if card.mine {
                    QuoteList { quotes: quotes.clone(), open, busy: *busy.read(),
                        on_accept: move |q: Quote| dialog.set(Some(Dialog::Accept(Box::new(q)))) }
                }
            }
            if side {
                div { class: "request-side",
                    if matched && in_it {
                        MatchPanel { card: card.clone(), on_complete: move |_| dialog.set(Some(Dialog::Complete)), on_cancel: move |_| dialog.set(Some(Dialog::Cancel)) }
                    }
                    if r.status == RequestStatus::Completed {
                        ReviewPanel { card: card.clone() }
                    }
                    if !card.mine && (open || card.my_quote.is_some()) {
                        QuotePanel { card: card.clone() }
                    }
                }
            }
        }
        if *reporting.read() {
            ReportDialog { target: ReportTarget::Request, id: r.id.clone(), on_close: move |_| reporting.set(false) }
        }
        if let Some(d) = dialog.read().clone() {
            ConfirmDialog { request: r.clone(), mine: card.mine, dialog: d,
                on_close: move |_| dialog.set(None),
                on_accept: move |q: Quote| { dialog.set(None); accept.call(q) } }
        }
        if let Some(photo) = lightbox.read().clone() {
            div { class: "lightbox", onclick: move |_| lightbox.set(None),
                img { src: crate::media::url(&photo, false), alt: "" }
                button { class: "icon-btn close", "×" }
            }
        }
    }
}

/// The quotes on the member's request, each with 수락 while it is open.
#[component]
fn QuoteList(
    quotes: Vec<QuoteView>,
    open: bool,
    busy: bool,
    on_accept: EventHandler<Quote>,
) -> Element {
    let prefs = use_prefs();
    let lang = prefs.lang();
    let now = super::now_ms();
    let shown: Vec<QuoteView> = quotes
        .into_iter()
        .filter(|q| q.quote.status != QuoteStatus::Withdrawn)
        .collect();
    rsx! {
        div { class: "card quotes",
            h3 { {prefs.t("request-quotes-received")} " " span { class: "muted", "{shown.len()}" } }
            if shown.is_empty() {
                p { class: "muted", {prefs.t(if open { "request-no-quotes" } else { "request-no-quotes-closed" })} }
            }
            for q in shown {
                div { key: "{q.quote.id}", class: "quote",
                    Avatar { author: q.quote.quoter.clone(), size: 36 }
                    div { class: "quote-main",
                        div { class: "quote-head",
                            AuthorName { author: q.quote.quoter.clone() }
                            span { class: "muted small", " · " {ago(lang, q.quote.updated_at, now)} }
                            if q.quote.status != QuoteStatus::Active {
                                span { class: quote_status_class(q.quote.status), {prefs.t(quote_status_key(q.quote.status))} }
                            }
                        }
                        p { class: "quote-message", "{q.quote.message}" }
                    }
                    div { class: "quote-side",
                        strong { class: "quote-price", {super::shop::won(lang, q.quote.price_krw)} }
                        if open && q.quote.status == QuoteStatus::Active {
                            button { class: "btn primary", disabled: busy || q.pending,
                                onclick: {
                                    let quote = q.quote.clone();
                                    move |_| on_accept.call(quote.clone())
                                },
                                {prefs.t("request-accept")}
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The pair's panel once a quote is accepted: the chat, and for the
/// requester 완료 확인; both may cancel.
#[component]
fn MatchPanel(
    card: RequestCard,
    on_complete: EventHandler<()>,
    on_cancel: EventHandler<()>,
) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let r = card.request.clone();
    let price = r.price_krw.unwrap_or_default();
    let other = if card.mine {
        r.helper.clone()
    } else {
        Some(r.requester.clone())
    };
    let room = r.room_id.clone();
    rsx! {
        div { class: "card match-panel",
            h3 { "🤝 " {prefs.t("request-status-matched")} }
            if let Some(other) = other {
                div { class: "match-who", Avatar { author: other.clone(), size: 32 } AuthorName { author: other } }
            }
            p { class: "muted small",
                {prefs.ta(if card.mine { "request-held-mine" } else { "request-held-helper" }, &[("amount", Arg::Str(points(price, false)))])}
            }
            if let Some(room) = room {
                button { class: "btn wide", onclick: move |_| nav.switch(Route::Chat(Some(room.clone()))), "💬 " {prefs.t("request-open-chat")} }
            }
            if card.mine {
                button { class: "btn primary wide", disabled: card.pending, onclick: move |_| on_complete.call(()), "✓ " {prefs.t("request-complete")} }
            }
            button { class: "btn ghost danger wide", disabled: card.pending, onclick: move |_| on_cancel.call(()), {prefs.t("request-cancel")} }
        }
    }
}

/// A quoter's panel: their quote (edit, withdraw) or the form to make one.
#[component]
fn QuotePanel(card: RequestCard) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let lang = prefs.lang();
    let r = card.request.clone();
    let open = r.status == RequestStatus::Open;
    let mine = card.my_quote.clone();
    let active = mine
        .as_ref()
        .filter(|q| q.quote.status == QuoteStatus::Active);
    let mut editing = use_signal(|| false);
    let phone_needed = super::settings::use_phone_needed();
    // The inputs start from the member's quote and are not bound to the
    // signals (typing stays smooth).
    let initial_price = mine
        .as_ref()
        .map(|q| group_thousands(q.quote.price_krw))
        .unwrap_or_default();
    let initial_message = mine
        .as_ref()
        .map(|q| q.quote.message.clone())
        .unwrap_or_default();
    let mut price = use_signal(|| initial_price.clone());
    let mut message = use_signal(|| initial_message.clone());
    let mut problem = use_signal(|| None::<(String, String)>);
    let mut busy = use_signal(|| false);
    let request_id = r.id.clone();
    let send = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let Some(amount) = parse_won(&price.peek()) else {
            problem.set(Some(("price".into(), prefs.t("quote-error-price"))));
            return;
        };
        let text = message.peek().trim().to_owned();
        let id = request_id.clone();
        busy.set(true);
        problem.set(None);
        spawn(async move {
            let result = client.get().requests().quote(&id, amount, &text).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    editing.set(false);
                    notices.notify(prefs.t("quote-sent"));
                }
                Err(Error::Invalid { field, .. }) => {
                    let key = match field.as_str() {
                        "price_krw" => "quote-error-price",
                        "message" => "quote-error-message",
                        _ => "quote-error-own",
                    };
                    let field = if field == "price_krw" {
                        "price"
                    } else {
                        "message"
                    };
                    problem.set(Some((field.into(), prefs.t(key))));
                }
                Err(e) => problem.set(Some(("".into(), super::error_text(prefs.lang(), &e)))),
            }
        });
    };
    let error_for = |f: &str| {
        problem
            .read()
            .as_ref()
            .filter(|(field, _)| field == f)
            .map(|(_, m)| m.clone())
    };
    let (price_error, message_error, other_error) =
        (error_for("price"), error_for("message"), error_for(""));
    if let Some(q) = active.cloned().filter(|_| !*editing.read()) {
        let withdraw_id = q.quote.id.clone();
        return rsx! {
            div { class: "card my-quote",
                h3 { {prefs.t("quote-mine")} }
                div { class: "quote-head",
                    strong { class: "quote-price", {super::shop::won(lang, q.quote.price_krw)} }
                    span { class: quote_status_class(q.quote.status), {prefs.t(quote_status_key(q.quote.status))} }
                    if q.pending { span { class: "pill warn", {prefs.t("request-pending")} } }
                }
                p { class: "quote-message", "{q.quote.message}" }
                if open {
                    div { class: "row-actions",
                        button { class: "btn", onclick: move |_| editing.set(true), {prefs.t("action-edit")} }
                        button { class: "btn ghost danger",
                            onclick: move |_| {
                                let id = withdraw_id.clone();
                                spawn(async move {
                                    match client.get().requests().withdraw_quote(&id).await {
                                        Ok(()) => notices.notify(prefs.t("quote-withdrawn")),
                                        Err(e) => notices.fail(&e),
                                    }
                                });
                            },
                            {prefs.t("quote-withdraw")}
                        }
                    }
                }
            }
        };
    }
    if !open {
        // Closed: the member's quote as it ended, if any.
        return match mine {
            Some(q) => rsx! {
                div { class: "card my-quote",
                    h3 { {prefs.t("quote-mine")} }
                    div { class: "quote-head",
                        strong { class: "quote-price", {super::shop::won(lang, q.quote.price_krw)} }
                        span { class: quote_status_class(q.quote.status), {prefs.t(quote_status_key(q.quote.status))} }
                    }
                    p { class: "quote-message", "{q.quote.message}" }
                }
            },
            None => rsx! {},
        };
    }
    if phone_needed {
        return rsx! {
            super::settings::PhoneNeeded { reason: prefs.t("phone-needed-quote") }
        };
    }
    let again = mine.is_some() && active.is_none();
    rsx! {
        form { class: "card quote-form", onsubmit: send,
            h3 { {prefs.t(if *editing.read() { "quote-edit-title" } else { "quote-title" })} }
            p { class: "muted small", {prefs.ta("quote-budget-hint", &[("budget", Arg::Str(budget(lang, r.budget_min_krw, r.budget_max_krw)))])} }
            label { {prefs.t("quote-price")}
                div { class: "won-field",
                    input { name: "price", inputmode: "numeric", placeholder: "45,000", initial_value: "{initial_price}",
                        oninput: move |e| price.set(e.value()) }
                    span { class: "muted", {prefs.t("unit-won")} }
                }
            }
            if let Some(p) = price_error { p { class: "form-error", "{p}" } }
            if let Some(won) = parse_won(&price.read()).filter(|n| *n > 0) {
                p { class: "muted small", {budget(lang, won, won)} }
            }
            label { {prefs.t("quote-message")}
                textarea { name: "message", rows: "4", maxlength: 1000, placeholder: prefs.t("quote-message-placeholder"),
                    initial_value: "{initial_message}", oninput: move |e| message.set(e.value()) }
            }
            if let Some(m) = message_error { p { class: "form-error", "{m}" } }
            if let Some(m) = other_error { p { class: "form-error", role: "alert", "{m}" } }
            div { class: "row-actions",
                if *editing.read() {
                    button { class: "btn", r#type: "button", onclick: move |_| editing.set(false), {prefs.t("action-cancel")} }
                }
                button { class: "btn primary wide", r#type: "submit", disabled: *busy.read(),
                    {prefs.t(if *editing.read() { "quote-save" } else if again { "quote-send-again" } else { "quote-send" })}
                }
            }
            p { class: "muted small", {prefs.t("quote-points-note")} }
        }
    }
}

/// After completion: the requester's review of the helper, once; then the
/// review for everyone who sees the request.
#[component]
fn ReviewPanel(card: RequestCard) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut rating = use_signal(|| 5_i64);
    let mut text = use_signal(String::new);
    let mut sent = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let r = card.request.clone();
    if let Some(review) = r.review.clone() {
        let title = prefs.t(if card.mine {
            "request-review-given"
        } else {
            "request-review-title"
        });
        return rsx! { HelperReviewCard { review, title } };
    }
    if !card.mine {
        return rsx! {
            div { class: "card", h3 { "✓ " {prefs.t("request-status-completed")} } p { class: "muted small", {prefs.t("request-completed-note")} } }
        };
    }
    if *sent.read() {
        return rsx! {
            div { class: "card", h3 { {prefs.t("request-review-title")} } p { class: "muted", {prefs.t("request-review-sent")} } }
        };
    }
    let id = r.id.clone();
    let helper = r
        .helper
        .as_ref()
        .map(|h| h.display_name.clone())
        .unwrap_or_default();
    let current = *rating.read();
    rsx! {
        form { class: "card review-form",
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                if *busy.peek() {
                    return;
                }
                busy.set(true);
                let (id, stars, words) = (id.clone(), *rating.peek(), text.peek().trim().to_owned());
                spawn(async move {
                    let result = client.get().requests().review_helper(&id, stars, &words, vec![]).await;
                    busy.set(false);
                    match result {
                        Ok(()) => {
                            sent.set(true);
                            notices.notify(prefs.t("request-review-sent"));
                        }
                        Err(e) => notices.fail(&e),
                    }
                });
            },
            h3 { {prefs.t("request-review-title")} }
            p { class: "muted small", {prefs.ta("request-review-hint", &[("name", Arg::Str(helper))])} }
            div { class: "rating-input",
                for n in 1..=5i64 {
                    button { r#type: "button", class: if current >= n { "star on" } else { "star" },
                        title: "{n}", onclick: move |_| rating.set(n), "★" }
                }
            }
            textarea { name: "review-text", rows: "3", maxlength: 2000, placeholder: prefs.t("request-review-placeholder"),
                oninput: move |e| text.set(e.value()) }
            button { class: "btn primary wide", r#type: "submit", disabled: *busy.read(), {prefs.t("request-review-send")} }
        }
    }
}

/// A helper review: stars, words, who wrote it and when.
#[component]
pub fn HelperReviewCard(review: HelperReview, title: Option<String>) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let now = super::now_ms();
    let request_id = review.request_id.clone();
    rsx! {
        div { class: "card helper-review",
            if let Some(title) = title { h3 { "{title}" } }
            div { class: "quote-head",
                span { class: "stars", {stars(review.rating)} }
                span { class: "muted small", {ago(prefs.lang(), review.created_at, now)} }
            }
            if !review.text.is_empty() { p { "{review.text}" } }
            div { class: "muted small helper-review-foot",
                AuthorName { author: review.reviewer.clone() }
                " · "
                a { onclick: move |_| nav.go(Route::Request(request_id.clone())), "{review.request_title}" }
            }
        }
    }
}

/// Accept, complete or cancel: says what will happen to the points first.
#[component]
fn ConfirmDialog(
    request: HelpRequest,
    mine: bool,
    dialog: Dialog,
    on_close: EventHandler<()>,
    on_accept: EventHandler<Quote>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut reason = use_signal(String::new);
    let id = request.id.clone();
    let held = request.price_krw.unwrap_or_default();
    match dialog {
        Dialog::Accept(quote) => {
            let price = quote.price_krw;
            let name = quote.quoter.display_name.clone();
            rsx! {
                div { class: "dialog-backdrop",
                    div { class: "dialog", role: "dialog",
                        h3 { {prefs.t("request-accept-title")} }
                        p { {prefs.ta("request-accept-body", &[("name", Arg::Str(name)), ("amount", Arg::Str(points(price, false)))])} }
                        p { class: "muted small", {prefs.t("request-accept-note")} }
                        div { class: "dialog-actions",
                            button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("action-keep")} }
                            button { class: "btn primary", onclick: move |_| on_accept.call((*quote).clone()), {prefs.t("request-accept-confirm")} }
                        }
                    }
                }
            }
        }
        Dialog::Complete => {
            let name = request
                .helper
                .as_ref()
                .map(|h| h.display_name.clone())
                .unwrap_or_default();
            rsx! {
                div { class: "dialog-backdrop",
                    div { class: "dialog", role: "dialog",
                        h3 { {prefs.t("request-complete-title")} }
                        p { {prefs.ta("request-complete-body", &[("name", Arg::Str(name)), ("amount", Arg::Str(points(held, false)))])} }
                        div { class: "dialog-actions",
                            button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("action-keep")} }
                            button { class: "btn primary",
                                onclick: move |_| {
                                    let id = id.clone();
                                    on_close.call(());
                                    spawn(async move {
                                        match client.get().requests().complete(&id).await {
                                            Ok(()) => notices.notify(prefs.t("request-completed")),
                                            Err(e) => notices.fail(&e),
                                        }
                                    });
                                },
                                {prefs.t("request-complete")}
                            }
                        }
                    }
                }
            }
        }
        Dialog::Cancel => {
            let body = match (request.status, mine) {
                (RequestStatus::Matched, true) => prefs.ta(
                    "request-cancel-matched-mine",
                    &[("amount", Arg::Str(points(held, false)))],
                ),
                (RequestStatus::Matched, false) => prefs.t("request-cancel-matched-helper"),
                _ => prefs.t("request-cancel-open"),
            };
            rsx! {
                div { class: "dialog-backdrop",
                    div { class: "dialog", role: "dialog",
                        h3 { {prefs.t("request-cancel-title")} }
                        p { "{body}" }
                        label { {prefs.t("request-cancel-reason")}
                            input { name: "reason", maxlength: 200, oninput: move |e| reason.set(e.value()) }
                        }
                        div { class: "dialog-actions",
                            button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("action-keep")} }
                            button { class: "btn danger",
                                onclick: move |_| {
                                    let id = id.clone();
                                    let why = reason.peek().trim().to_owned();
                                    on_close.call(());
                                    spawn(async move {
                                        match client.get().requests().cancel(&id, &why).await {
                                            Ok(()) => notices.notify(prefs.t("request-cancelled")),
                                            Err(e) => notices.fail(&e),
                                        }
                                    });
                                },
                                {prefs.t("request-cancel-confirm")}
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A member's helper rating, "★ 4.8 (5)", when they have reviews.
pub fn helper_rating(prefs: &Prefs, reviews: i64, rating_sum: i64) -> Option<String> {
    (reviews > 0).then(|| {
        let average = rating_sum as f64 / reviews as f64;
        prefs.ta(
            "profile-helper-rating",
            &[
                ("rating", Arg::Str(format!("{average:.1}"))),
                ("n", Arg::Num(reviews)),
            ],
        )
    })
}

/// The reviews a member received as a helper (online; more pages on).
#[component]
pub fn HelperReviews(user_id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut items = use_signal(Vec::<HelperReview>::new);
    let mut cursor = use_signal(|| None::<String>);
    let mut more = use_signal(|| true);
    let mut error = use_signal(|| None::<Error>);
    let mut loading = use_signal(|| false);
    let mut load = move |uid: String| {
        if *loading.peek() || !*more.peek() {
            return;
        }
        loading.set(true);
        let after = cursor.peek().clone();
        spawn(async move {
            match client
                .get()
                .requests()
                .helper_reviews(&uid, after.as_deref())
                .await
            {
                Ok(page) => {
                    more.set(page.next_cursor.is_some());
                    cursor.set(page.next_cursor);
                    items.write().extend(page.items);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            loading.set(false);
        });
    };
    let first = user_id.clone();
    use_hook(move || load(first));
    let list = items.read().clone();
    if let Some(e) = error.read().clone()
        && list.is_empty()
    {
        let uid = user_id.clone();
        return rsx! { Failed { error: e, retry: move |_| { more.set(true); load(uid.clone()) } } };
    }
    if list.is_empty() {
        return if *loading.read() {
            rsx! { Loading {} }
        } else {
            rsx! { Empty { title: prefs.t("profile-helper-reviews-empty") } }
        };
    }
    let uid = user_id.clone();
    rsx! {
        for review in list {
            HelperReviewCard { key: "{review.id}", review: review.clone() }
        }
        if *more.read() {
            button { class: "btn ghost wide", disabled: *loading.read(), onclick: move |_| load(uid.clone()), {prefs.t("search-more")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_read_in_short_korean_units() {
        let ko = |a, b| budget(Lang::Ko, a, b);
        assert_eq!(ko(10_000, 50_000), "1만~5만원");
        assert_eq!(ko(15_000, 25_000), "1.5만~2.5만원");
        assert_eq!(ko(5_000, 30_000), "5천~3만원");
        assert_eq!(ko(30_000, 30_000), "3만원");
        assert_eq!(ko(0, 50_000), "5만원 이하");
        assert_eq!(ko(1_250, 1_000_000), "1,250~100만원");
        assert_eq!(ko(10_000_000, 10_000_000), "1,000만원");
        assert_eq!(budget(Lang::En, 10_000, 50_000), "₩10k–50k");
        assert_eq!(budget(Lang::En, 0, 50_000), "up to ₩50k");
        let quotes = |lang: Lang, n| lang.ta("request-quote-count", &[("n", Arg::Num(n))]);
        assert_eq!(quotes(Lang::Ko, 1), "견적 1개");
        assert_eq!(quotes(Lang::En, 1), "1 quote");
        assert_eq!(quotes(Lang::En, 2), "2 quotes");
    }

    #[test]
    fn points_are_signed_when_asked() {
        assert_eq!(points(12_000, false), "12,000P");
        assert_eq!(points(12_000, true), "+12,000P");
        assert_eq!(points(-45_000, true), "−45,000P");
        assert_eq!(points(0, true), "0P");
    }

    #[test]
    fn dates_read_in_korean() {
        // 2026-12-03 is a Thursday.
        assert_eq!(korean_date(Lang::Ko, "2026-12-03"), "12월 3일 (목)");
        assert_eq!(korean_date(Lang::En, "2026-12-03"), "Thu, Dec 3");
        assert_eq!(korean_date(Lang::Ko, "not a date"), "not a date");
        assert_eq!(
            date_range(Lang::Ko, "2026-12-03", "2026-12-05"),
            "12월 3일 (목) ~ 12월 5일 (토)"
        );
        assert_eq!(
            date_range(Lang::Ko, "2026-12-03", "2026-12-03"),
            "12월 3일 (목)"
        );
    }

    #[test]
    fn sums_typed_by_people() {
        assert_eq!(parse_won("45000"), Some(45_000));
        assert_eq!(parse_won("45,000원"), Some(45_000));
        assert_eq!(parse_won(" 5만 "), Some(50_000));
        assert_eq!(parse_won("1.5만"), Some(15_000));
        assert_eq!(parse_won("₩12,000"), Some(12_000));
        assert_eq!(parse_won(""), None);
        assert_eq!(parse_won("abc"), None);
        assert_eq!(parse_won("-5"), None);
        assert_eq!(parse_won("만"), None);
        assert_eq!(parse_won("99999999999999999999"), None);
    }
}
