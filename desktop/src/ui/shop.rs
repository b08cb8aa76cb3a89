//! 공동구매: the group-buys offered to the member (cards with the group
//! price against the base price, a progress bar to the minimum, a countdown
//! in Korean time and a 마감 임박 badge), a campaign's page (options with
//! their price differences and stock, quantity within the per-member limit,
//! 참여하기), the payment hand-off (the provider's checkout in the system
//! browser while the app waits and moves on when the payment lands), and
//! 주문 내역 with each order's status timeline and a cancel that asks first.
//!
//! Campaigns and orders read from the device (offline too) and reload when
//! their topics move, so counts change live; ordering and paying need the
//! server and say so when it cannot be reached.

use dioxus::prelude::*;
use moa_client_core::protocol::{
    Campaign, CampaignStatus, Community, CommunityKind, ErrorCode, Order, OrderStatus,
};
use moa_client_core::{CampaignCard, Error, Topic};

use super::subject::group_thousands;
use super::{Empty, Failed, Loading, Photo};
use crate::i18n::{Arg, Lang, kst_datetime, time_left};
use crate::route::Route;
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_session, use_topics};

/// "8,000원" / "₩8,000".
pub fn won(lang: Lang, krw: i64) -> String {
    match lang {
        Lang::Ko => format!("{}원", group_thousands(krw)),
        Lang::En => format!("₩{}", group_thousands(krw)),
    }
}

/// The time now, ticking every `secs` seconds (for countdowns).
pub(crate) fn use_clock(secs: u64) -> Signal<i64> {
    let mut now = use_signal(super::now_ms);
    use_future(move || async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
            now.set(super::now_ms());
        }
    });
    now
}

pub(crate) fn status_key(status: CampaignStatus) -> &'static str {
    match status {
        CampaignStatus::Open => "campaign-status-open",
        CampaignStatus::Succeeded => "campaign-status-succeeded",
        CampaignStatus::Failed => "campaign-status-failed",
        CampaignStatus::Cancelled => "campaign-status-cancelled",
    }
}

pub(crate) fn order_status_key(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => "order-status-pending-payment",
        OrderStatus::Paid => "order-status-paid",
        OrderStatus::Confirmed => "order-status-confirmed",
        OrderStatus::Fulfilled => "order-status-fulfilled",
        OrderStatus::Expired => "order-status-expired",
        OrderStatus::RefundPending => "order-status-refund-pending",
        OrderStatus::Refunded => "order-status-refunded",
    }
}

pub(crate) fn order_status_class(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment | OrderStatus::RefundPending => "pill warn",
        OrderStatus::Paid | OrderStatus::Confirmed | OrderStatus::Fulfilled => "pill good",
        OrderStatus::Expired | OrderStatus::Refunded => "pill",
    }
}

pub(crate) fn community_kind_key(kind: CommunityKind) -> &'static str {
    match kind {
        CommunityKind::University => "community-kind-university",
        CommunityKind::Neighbourhood => "community-kind-neighbourhood",
        CommunityKind::Company => "community-kind-company",
    }
}

/// Percent off the base price (0 when none).
fn discount(c: &Campaign) -> i64 {
    let base = c.product.base_price_krw;
    if base <= 0 || c.group_price_krw >= base {
        return 0;
    }
    (base - c.group_price_krw) * 100 / base
}

/// Participants against the minimum, as a bar and words.
#[component]
fn Progress(campaign: Campaign) -> Element {
    let prefs = use_prefs();
    let c = campaign;
    let min = c.min_participants.max(1);
    let percent = (c.participants * 100 / min).min(100);
    let reached = c.participants >= c.min_participants;
    rsx! {
        div { class: "meter", role: "progressbar", aria_valuenow: "{percent}",
            div { class: if reached { "fill done" } else { "fill" }, style: "width:{percent}%" }
        }
        p { class: "meter-text small",
            strong { {prefs.ta("campaign-participants", &[("n", Arg::Num(c.participants)), ("min", Arg::Num(c.min_participants))])} }
            " · "
            if reached {
                span { class: "good-text", {prefs.t("campaign-goal-reached")} }
            } else {
                span { {prefs.ta("campaign-to-goal", &[("n", Arg::Num(c.min_participants - c.participants))])} }
            }
        }
    }
}

/// The group price, the base price struck through and the discount.
#[component]
fn Prices(campaign: Campaign) -> Element {
    let prefs = use_prefs();
    let lang = prefs.lang();
    let off = discount(&campaign);
    rsx! {
        p { class: "prices",
            if off > 0 { span { class: "discount", "{off}%" } }
            span { class: "price", {won(lang, campaign.group_price_krw)} }
            if off > 0 { s { class: "base-price muted", {won(lang, campaign.product.base_price_krw)} } }
        }
    }
}

/// A campaign's card in the list.
#[component]
fn CampaignTile(card: CampaignCard, now: i64) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let c = card.campaign.clone();
    let id = c.id.clone();
    let open = c.status == CampaignStatus::Open;
    rsx! {
        article { class: if open { "campaign-card" } else { "campaign-card closed" },
            onclick: move |_| nav.go(Route::Campaign(id.clone())),
            div { class: "campaign-cover",
                if let Some(photo) = c.product.photos.first() {
                    Photo { id: photo.clone(), thumbnail: true }
                } else {
                    div { class: "cover-empty", "🛍" }
                }
                if card.ending_soon { span { class: "badge hot", {prefs.t("campaign-ending-soon")} } }
                if !open { span { class: "badge muted", {prefs.t(status_key(c.status))} } }
                if card.my_units > 0 { span { class: "badge joined", {prefs.t("campaign-joined")} } }
            }
            div { class: "campaign-body",
                // A link by its title (the whole card opens it too).
                h3 { a { class: "title-link", "{c.title}" } }
                Prices { campaign: c.clone() }
                Progress { campaign: c.clone() }
                p { class: "muted small campaign-foot",
                    if open {
                        span { "⏰ " {time_left(prefs.lang(), c.deadline_at, now)} }
                        " · "
                        span { {prefs.ta("campaign-remaining", &[("n", Arg::Num(c.remaining))])} }
                    } else {
                        span { {kst_datetime(prefs.lang(), c.closed_at.unwrap_or(c.deadline_at))} }
                    }
                }
            }
        }
    }
}

/// 공동구매: the campaigns offered to the member.
#[component]
pub fn ShopScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let session = use_session();
    let topics = use_topics();
    let now = use_clock(30);
    let mut closed = use_signal(|| false);
    let data = use_resource(move || {
        let _ = (
            topics.watch(Topic::Campaigns),
            topics.watch(Topic::Orders),
            topics.watch(Topic::Profile),
        );
        async move {
            let shop = client.get().shop();
            let cards = shop.campaigns().await?;
            let community = shop.my_community().await.ok().flatten();
            Ok::<_, Error>((cards, community))
        }
    });
    let has_community = session.me().is_some_and(|m| m.community_id.is_some());
    let header = rsx! {
        super::Header { title: prefs.t("nav-shop"),
            actions: rsx! {
                button { class: "btn ghost", onclick: move |_| nav.go(Route::Orders), "🧾 " {prefs.t("shop-my-orders")} }
            }
        }
    };
    let (cards, community) = match &*data.read() {
        None => return rsx! { {header} Loading {} },
        Some(Err(e)) => return rsx! { {header} Failed { error: e.clone() } },
        Some(Ok((cards, community))) => (cards.clone(), community.clone()),
    };
    let show_closed = *closed.read();
    let shown: Vec<CampaignCard> = cards
        .into_iter()
        .filter(|c| (c.campaign.status != CampaignStatus::Open) == show_closed)
        .collect();
    rsx! {
        {header}
        div { class: "scroll",
            if !has_community {
                div { class: "card banner",
                    p { strong { {prefs.t("shop-pick-community")} } }
                    p { class: "muted small", {prefs.t("shop-pick-community-hint")} }
                    button { class: "btn primary", onclick: move |_| nav.go(Route::Settings), {prefs.t("shop-pick-community-action")} }
                }
            } else if let Some(c) = community {
                p { class: "muted shop-community", "🏫 " {prefs.ta("shop-community-line", &[("name", Arg::Str(c.name.clone()))])} }
            }
            div { class: "segmented",
                button { class: if !show_closed { "seg active" } else { "seg" }, onclick: move |_| closed.set(false), {prefs.t("shop-tab-open")} }
                button { class: if show_closed { "seg active" } else { "seg" }, onclick: move |_| closed.set(true), {prefs.t("shop-tab-closed")} }
            }
            if shown.is_empty() {
                if show_closed {
                    Empty { title: prefs.t("shop-empty-closed") }
                } else {
                    Empty { title: prefs.t("shop-empty"), hint: prefs.t("shop-empty-hint") }
                }
            } else {
                div { class: "campaign-grid",
                    for card in shown {
                        CampaignTile { key: "{card.campaign.id}", card: card.clone(), now: *now.read() }
                    }
                }
            }
        }
    }
}

/// A campaign's page: photos, details, options and 참여하기.
#[component]
pub fn CampaignScreen(id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let topics = use_topics();
    let now = use_clock(1);
    let cid = id.clone();
    let data = use_resource(move || {
        let id = cid.clone();
        let _ = (
            topics.watch(Topic::Campaigns),
            topics.watch(Topic::Orders),
            topics.watch(Topic::Outbox),
        );
        async move {
            let shop = client.get().shop();
            match shop.campaign(&id).await {
                Err(Error::NotFound(_)) => shop.refresh_campaign(&id).await,
                other => other,
            }
        }
    });
    // Fresh counts (and a view, for the reminder before the deadline); the
    // page shows the cached copy meanwhile, and offline stays with it.
    let rid = id.clone();
    use_future(move || {
        let id = rid.clone();
        async move {
            let _ = client.get().shop().refresh_campaign(&id).await;
        }
    });
    let header = rsx! { super::Header { title: prefs.t("nav-shop") } };
    let card = match &*data.read() {
        None => return rsx! { {header} Loading {} },
        Some(Err(e)) => {
            return rsx! { {header} Failed { error: e.clone(), retry: move |_| { let mut d = data; d.restart() } } };
        }
        Some(Ok(card)) => card.clone(),
    };
    let c = card.campaign.clone();
    let lang = prefs.lang();
    let now = *now.read();
    rsx! {
        {header}
        div { class: "scroll campaign-layout",
            div { class: "card campaign-page",
                if !c.product.photos.is_empty() {
                    div { class: "campaign-photos",
                        for photo in c.product.photos.clone() {
                            Photo { key: "{photo}", id: photo.clone(), thumbnail: false }
                        }
                    }
                }
                div { class: "campaign-title-row",
                    h2 { "{c.title}" }
                    if card.ending_soon { span { class: "badge hot", {prefs.t("campaign-ending-soon")} } }
                    if c.status != CampaignStatus::Open { span { class: "badge muted", {prefs.t(status_key(c.status))} } }
                    button { class: if card.scrapped { "btn ghost active" } else { "btn ghost" },
                        title: prefs.t("campaign-scrap-hint"),
                        onclick: {
                            let id = c.id.clone();
                            let next = !card.scrapped;
                            move |_| {
                                let id = id.clone();
                                spawn(async move {
                                    if let Err(e) = client.get().shop().set_scrap(&id, next).await {
                                        notices.fail(&e);
                                    }
                                });
                            }
                        },
                        if card.scrapped { "♥ " {prefs.t("campaign-scrapped")} } else { "♡ " {prefs.t("campaign-scrap")} }
                    }
                    super::ShareButton { kind: moa_client_core::protocol::links::LinkKind::Campaign, id: c.id.clone() }
                }
                Prices { campaign: c.clone() }
                Progress { campaign: c.clone() }
                dl { class: "facts",
                    dt { {prefs.t("campaign-deadline")} }
                    dd {
                        {kst_datetime(lang, c.deadline_at)}
                        if c.status == CampaignStatus::Open { " · " strong { {time_left(lang, c.deadline_at, now)} } }
                    }
                    dt { {prefs.t("campaign-stock")} }
                    dd { {prefs.ta("campaign-remaining-of", &[("n", Arg::Num(c.remaining)), ("total", Arg::Num(c.stock))])} }
                    dt { {prefs.t("campaign-limit")} }
                    dd {
                        {prefs.ta("campaign-limit-value", &[("n", Arg::Num(c.per_member_limit))])}
                        if card.my_units > 0 { " · " {prefs.ta("campaign-my-units", &[("n", Arg::Num(card.my_units))])} }
                    }
                }
                if !c.product.description.is_empty() {
                    p { class: "campaign-description", "{c.product.description}" }
                }
            }
            OrderForm { key: "{c.id}", card: card.clone() }
        }
    }
}

/// Options, quantity and 참여하기; then the payment hand-off.
#[component]
fn OrderForm(card: CampaignCard) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let c = card.campaign.clone();
    let groups = c.product.option_groups.clone();
    // One choice per group: the first with stock left.
    let first_choices: Vec<String> = groups
        .iter()
        .map(|g| {
            g.choices
                .iter()
                .find(|ch| ch.stock > 0)
                .or(g.choices.first())
                .map(|ch| ch.id.clone())
                .unwrap_or_default()
        })
        .collect();
    let mut picked = use_signal(|| first_choices);
    let mut quantity = use_signal(|| 1_i64);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let mut restored = use_signal(|| false);
    let mut paying = use_signal(|| None::<(String, String)>);
    let phone_needed = super::settings::use_phone_needed();
    // An order chosen offline comes back.
    let draft_campaign = c.id.clone();
    use_future(move || {
        let id = draft_campaign.clone();
        async move {
            if let Ok(Some(draft)) = client.get().shop().order_draft(&id).await {
                if !draft.choice_ids.is_empty() {
                    picked.set(draft.choice_ids);
                }
                quantity.set(draft.quantity.max(1));
                restored.set(true);
            }
        }
    });
    let can = card.can_order();
    let open = c.status == CampaignStatus::Open && c.deadline_at > super::now_ms();
    let lang = prefs.lang();
    let picked_now = picked.read().clone();
    let delta: i64 = groups
        .iter()
        .zip(&picked_now)
        .filter_map(|(g, id)| g.choices.iter().find(|ch| &ch.id == id))
        .map(|ch| ch.price_delta_krw)
        .sum();
    let qty = (*quantity.read()).clamp(1, can.max(1));
    let total = (c.group_price_krw + delta) * qty;
    let blocked = if !open {
        Some(prefs.t("order-blocked-closed"))
    } else if c.remaining <= 0 {
        Some(prefs.t("order-blocked-sold-out"))
    } else if can <= 0 {
        Some(prefs.t("order-blocked-limit"))
    } else {
        None
    };
    let campaign_id = c.id.clone();
    let order = move |_| {
        if *busy.peek() {
            return;
        }
        busy.set(true);
        error.set(None);
        let id = campaign_id.clone();
        let choices = picked.peek().clone();
        // What the total shows: a restored draft or moved counts may have
        // left the raw value above what can be ordered.
        let qty = (*quantity.peek()).clamp(1, can.max(1));
        spawn(async move {
            let result = client.get().shop().place_order(&id, choices, qty).await;
            busy.set(false);
            match result {
                Ok(checkout) => {
                    restored.set(false);
                    crate::media::open_external(&checkout.url);
                    paying.set(Some((checkout.order.id, checkout.url)));
                }
                Err(Error::Network(_)) => {
                    restored.set(true);
                    error.set(Some(prefs.t("order-offline-draft")));
                }
                Err(e) => error.set(Some(order_error(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        div { class: "card order-form",
            h3 { {prefs.t("order-title")} }
            if *restored.read() && error.read().is_none() {
                p { class: "pill warn", {prefs.t("order-draft-restored")} }
            }
            for (gi, group) in groups.iter().enumerate() {
                label { key: "{group.name}", class: "option-group",
                    span { "{group.name}" }
                    select {
                        value: picked_now.get(gi).cloned().unwrap_or_default(),
                        onchange: move |e| {
                            let mut p = picked.write();
                            if let Some(slot) = p.get_mut(gi) { *slot = e.value(); }
                        },
                        for choice in group.choices.clone() {
                            option { key: "{choice.id}", value: "{choice.id}", disabled: choice.stock <= 0,
                                {choice_label(&prefs, &choice)}
                            }
                        }
                    }
                }
            }
            div { class: "quantity-row",
                span { {prefs.t("order-quantity")} }
                div { class: "stepper",
                    button { class: "icon-btn", disabled: qty <= 1, onclick: move |_| { let q = *quantity.peek(); quantity.set((q - 1).max(1)) }, "−" }
                    span { class: "qty", "{qty}" }
                    button { class: "icon-btn", disabled: qty >= can, onclick: move |_| { let q = *quantity.peek(); quantity.set((q + 1).min(can.max(1))) }, "+" }
                }
                span { class: "muted small", {prefs.ta("order-can-order", &[("n", Arg::Num(can))])} }
            }
            p { class: "order-total",
                span { {prefs.t("order-total")} }
                strong { {won(lang, total)} }
            }
            if let Some(err) = error.read().clone() { p { class: "form-error", role: "alert", "{err}" } }
            if let Some(why) = blocked {
                button { class: "btn wide", disabled: true, "{why}" }
            } else if phone_needed {
                super::settings::PhoneNeeded { reason: prefs.t("phone-needed-order") }
            } else {
                button { class: "btn primary wide join-btn", disabled: *busy.read(), onclick: order,
                    if *busy.read() { {prefs.t("state-working")} } else { {prefs.ta("order-join", &[("amount", Arg::Str(won(lang, total)))])} }
                }
            }
            p { class: "muted small", {prefs.t("order-payment-note")} }
        }
        if let Some((order_id, url)) = paying.read().clone() {
            PaymentWait { order_id, url, on_close: move |_| paying.set(None) }
        }
    }
}

fn choice_label(
    prefs: &crate::state::Prefs,
    choice: &moa_client_core::protocol::OptionChoice,
) -> String {
    let lang = prefs.lang();
    let mut label = choice.name.clone();
    if choice.price_delta_krw != 0 {
        let sign = if choice.price_delta_krw > 0 {
            "+"
        } else {
            "−"
        };
        label.push_str(&format!(
            " ({sign}{})",
            won(lang, choice.price_delta_krw.abs())
        ));
    }
    if choice.stock <= 0 {
        label.push_str(&format!(" · {}", prefs.t("order-sold-out")));
    } else if choice.stock < 10 {
        label.push_str(&format!(
            " · {}",
            prefs.ta("campaign-remaining", &[("n", Arg::Num(choice.stock))])
        ));
    }
    label
}

/// The words for a refused order.
fn order_error(lang: Lang, e: &Error) -> String {
    match e {
        Error::Rejected { code, .. } => match code {
            ErrorCode::SoldOut => lang.t("order-error-sold-out"),
            ErrorCode::OverLimit => lang.t("order-error-over-limit"),
            ErrorCode::CampaignClosed => lang.t("order-error-closed"),
            _ => super::error_text(lang, e),
        },
        _ => super::error_text(lang, e),
    }
}

/// While the member pays in the browser: waits for the payment to land
/// (the provider's webhook, or asking the server to verify it every few
/// seconds), then goes to the order.
#[component]
fn PaymentWait(order_id: String, url: String, on_close: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let notices = use_notices();
    let mut problem = use_signal(|| None::<String>);
    let mut checking = use_signal(|| false);
    let wid = order_id.clone();
    use_future(move || {
        let id = wid.clone();
        async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                let shop = client.get().shop();
                let local = shop.order(&id).await.ok().map(|o| o.order.status);
                let status = if local == Some(OrderStatus::PendingPayment) || local.is_none() {
                    match shop.confirm_payment(&id).await {
                        Ok(order) => Some(order.status),
                        Err(Error::Rejected {
                            code: ErrorCode::PaymentIncomplete,
                            ..
                        })
                        | Err(Error::Network(_)) => None,
                        Err(e) => {
                            problem.set(Some(super::error_text(prefs.lang(), &e)));
                            return;
                        }
                    }
                } else {
                    local
                };
                match status {
                    Some(OrderStatus::PendingPayment) | None => {}
                    Some(OrderStatus::Expired) => {
                        problem.set(Some(prefs.t("payment-expired")));
                        return;
                    }
                    Some(_) => {
                        notices.notify(prefs.t("payment-done"));
                        on_close.call(());
                        nav.go(Route::Order(id.clone()));
                        return;
                    }
                }
            }
        }
    });
    let reopen = url.clone();
    let cid = order_id.clone();
    rsx! {
        div { class: "dialog-backdrop",
            div { class: "dialog payment-wait", role: "dialog",
                if let Some(p) = problem.read().clone() {
                    h3 { {prefs.t("payment-problem")} }
                    p { class: "form-error", "{p}" }
                } else {
                    div { class: "spinner" }
                    h3 { {prefs.t("payment-waiting")} }
                    p { class: "muted", {prefs.t("payment-waiting-hint")} }
                }
                div { class: "dialog-actions",
                    button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("payment-later")} }
                    button { class: "btn", onclick: move |_| crate::media::open_external(&reopen), {prefs.t("payment-reopen")} }
                    button { class: "btn primary", disabled: *checking.read(),
                        onclick: move |_| {
                            let id = cid.clone();
                            checking.set(true);
                            spawn(async move {
                                match client.get().shop().confirm_payment(&id).await {
                                    Ok(order) if order.status != OrderStatus::PendingPayment => {
                                        notices.notify(prefs.t("payment-done"));
                                        on_close.call(());
                                        nav.go(Route::Order(id));
                                    }
                                    Ok(_) | Err(Error::Rejected { code: ErrorCode::PaymentIncomplete, .. }) => {
                                        notices.notify(prefs.t("payment-not-yet"));
                                    }
                                    Err(e) => notices.fail(&e),
                                }
                                checking.set(false);
                            });
                        },
                        {prefs.t("payment-check")}
                    }
                }
            }
        }
    }
}

/// 주문 내역: the member's orders, newest first.
#[component]
pub fn OrdersScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let list = use_resource(move || {
        let _ = (topics.watch(Topic::Orders), topics.watch(Topic::Outbox));
        async move { client.get().shop().orders().await }
    });
    let header = rsx! { super::Header { title: prefs.t("nav-orders") } };
    let orders = match &*list.read() {
        None => return rsx! { {header} Loading {} },
        Some(Err(e)) => return rsx! { {header} Failed { error: e.clone() } },
        Some(Ok(orders)) => orders.clone(),
    };
    let lang = prefs.lang();
    rsx! {
        {header}
        div { class: "scroll",
            if orders.is_empty() {
                Empty { title: prefs.t("orders-empty"), hint: prefs.t("orders-empty-hint"),
                    action: rsx! { button { class: "btn primary", onclick: move |_| nav.go(Route::Shop), {prefs.t("orders-browse")} } }
                }
            } else {
                ul { class: "card order-list",
                    for mine in orders {
                        li { key: "{mine.order.id}", class: "order-row",
                            onclick: {
                                let id = mine.order.id.clone();
                                move |_| nav.go(Route::Order(id.clone()))
                            },
                            div { class: "order-main",
                                strong { "{mine.order.campaign_title}" }
                                p { class: "muted small", {order_line(&prefs, &mine.order)} }
                                p { class: "muted small", {kst_datetime(lang, mine.order.created_at)} }
                            }
                            div { class: "order-side",
                                span { class: order_status_class(mine.order.status), {prefs.t(order_status_key(mine.order.status))} }
                                if mine.cancel_pending { span { class: "pill warn", {prefs.t("order-cancel-pending")} } }
                                strong { {won(lang, mine.order.amount_krw)} }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// "화이트 · 2개".
fn order_line(prefs: &crate::state::Prefs, order: &Order) -> String {
    let mut parts: Vec<String> = order.choices.iter().map(|c| c.name.clone()).collect();
    parts.push(prefs.ta("order-units", &[("n", Arg::Num(order.quantity))]));
    parts.join(" · ")
}

/// One order: what it is, its status timeline, pay or cancel.
#[component]
pub fn OrderScreen(id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let notices = use_notices();
    let topics = use_topics();
    let mut confirm_cancel = use_signal(|| false);
    let mut reason = use_signal(String::new);
    let mut paying = use_signal(|| None::<(String, String)>);
    let oid = id.clone();
    let data = use_resource(move || {
        let id = oid.clone();
        let _ = (
            topics.watch(Topic::Orders),
            topics.watch(Topic::Outbox),
            topics.watch(Topic::Campaigns),
        );
        async move {
            let shop = client.get().shop();
            let mine = shop.order(&id).await?;
            let campaign = shop.campaign(&mine.order.campaign_id).await.ok();
            Ok::<_, Error>((mine, campaign))
        }
    });
    let header = rsx! { super::Header { title: prefs.t("nav-orders") } };
    let (mine, campaign) = match &*data.read() {
        None => return rsx! { {header} Loading {} },
        Some(Err(e)) => return rsx! { {header} Failed { error: e.clone() } },
        Some(Ok(v)) => v.clone(),
    };
    let o = mine.order.clone();
    let lang = prefs.lang();
    let campaign_open = campaign.as_ref().is_some_and(|c| {
        c.campaign.status == CampaignStatus::Open && c.campaign.deadline_at > super::now_ms()
    });
    let cancellable = !mine.cancel_pending
        && (o.status == OrderStatus::PendingPayment
            || (o.status == OrderStatus::Paid && campaign_open));
    let campaign_id = o.campaign_id.clone();
    let pay_id = o.id.clone();
    let cancel_id = o.id.clone();
    rsx! {
        {header}
        div { class: "scroll",
            div { class: "card order-page",
                div { class: "campaign-title-row",
                    h2 { class: "link", onclick: move |_| nav.go(Route::Campaign(campaign_id.clone())), "{o.campaign_title}" }
                    span { class: order_status_class(o.status), {prefs.t(order_status_key(o.status))} }
                }
                p { class: "muted", {order_line(&prefs, &o)} }
                dl { class: "facts",
                    dt { {prefs.t("order-unit-price")} }
                    dd { {won(lang, o.unit_price_krw)} }
                    dt { {prefs.t("order-total")} }
                    dd { strong { {won(lang, o.amount_krw)} } }
                    dt { {prefs.t("order-number")} }
                    dd { code { class: "small", "{o.id}" } }
                    if o.status == OrderStatus::PendingPayment {
                        dt { {prefs.t("order-pay-by")} }
                        dd { {kst_datetime(lang, o.expires_at)} }
                    }
                }
                if mine.cancel_pending { p { class: "pill warn", {prefs.t("order-cancel-pending")} } }
                div { class: "row-actions",
                    if o.status == OrderStatus::PendingPayment {
                        button { class: "btn primary",
                            onclick: move |_| {
                                let id = pay_id.clone();
                                spawn(async move {
                                    match client.get().shop().resume_checkout(&id).await {
                                        Ok(checkout) => {
                                            crate::media::open_external(&checkout.url);
                                            paying.set(Some((checkout.order.id, checkout.url)));
                                        }
                                        Err(e) => notices.error(order_error(prefs.lang(), &e)),
                                    }
                                });
                            },
                            {prefs.t("order-pay")}
                        }
                    }
                    if cancellable {
                        button { class: "btn ghost danger", onclick: move |_| confirm_cancel.set(true), {prefs.t("order-cancel")} }
                    }
                }
            }
            div { class: "card",
                h3 { {prefs.t("order-history")} }
                ol { class: "timeline",
                    for (i, event) in o.history.iter().enumerate() {
                        li { key: "{i}", class: if i + 1 == o.history.len() { "current" } else { "" },
                            span { class: "timeline-dot" }
                            div {
                                strong { {prefs.t(order_status_key(event.status))} }
                                span { class: "muted small", " · " {kst_datetime(lang, event.at)} }
                                if !event.note.is_empty() { p { class: "muted small", "{event.note}" } }
                            }
                        }
                    }
                }
            }
        }
        if *confirm_cancel.read() {
            div { class: "dialog-backdrop",
                div { class: "dialog", role: "dialog",
                    h3 { {prefs.t("order-cancel-title")} }
                    p { {prefs.t(if o.status == OrderStatus::Paid { "order-cancel-refund" } else { "order-cancel-unpaid" })} }
                    label { {prefs.t("order-cancel-reason")}
                        input { value: "{reason}", maxlength: 200, oninput: move |e| reason.set(e.value()) }
                    }
                    div { class: "dialog-actions",
                        button { class: "btn", onclick: move |_| confirm_cancel.set(false), {prefs.t("action-keep")} }
                        button { class: "btn danger",
                            onclick: move |_| {
                                let id = cancel_id.clone();
                                let why = reason.peek().clone();
                                confirm_cancel.set(false);
                                spawn(async move {
                                    match client.get().shop().cancel_order(&id, &why).await {
                                        Ok(_) => notices.notify(prefs.t("order-cancel-sent")),
                                        Err(e) => notices.fail(&e),
                                    }
                                });
                            },
                            {prefs.t("order-cancel-confirm")}
                        }
                    }
                }
            }
        }
        if let Some((order_id, url)) = paying.read().clone() {
            PaymentWait { order_id, url, on_close: move |_| paying.set(None) }
        }
    }
}

/// A community picker: a select of the communities the server lists (for
/// sign-up, in a form under `name`, and for settings), with "none".
/// Offline it says the list cannot be loaded.
#[component]
pub fn CommunitySelect(
    name: String,
    value: Option<String>,
    onchange: Option<EventHandler<Option<String>>>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let list = use_resource(move || async move { client.get().shop().communities("").await });
    let current = value.unwrap_or_default();
    match &*list.read() {
        None => {
            rsx! { select { name: "{name}", disabled: true, option { {prefs.t("state-loading")} } } }
        }
        Some(Err(_)) => rsx! {
            select { name: "{name}", disabled: true, option { value: "", {prefs.t("community-offline")} } }
        },
        Some(Ok(communities)) => {
            let communities: Vec<Community> = communities.clone();
            rsx! {
                select { name: "{name}", value: "{current}",
                    onchange: move |e| {
                        let v = e.value();
                        if let Some(h) = onchange { h.call((!v.is_empty()).then_some(v)) }
                    },
                    option { value: "", {prefs.t("community-none")} }
                    for c in communities {
                        option { key: "{c.id}", value: "{c.id}", selected: c.id == current,
                            {format!("{} · {}", c.name, prefs.t(community_kind_key(c.kind)))}
                        }
                    }
                }
            }
        }
    }
}
