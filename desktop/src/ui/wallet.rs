//! 포인트: the member's points wallet. The balance that can be spent and
//! what is held (보관 중) for matched requests, in points and won (1P =
//! 1원); charging (preset amounts or one typed, paid in the provider's
//! checkout in the system browser while the app waits and confirms, as a
//! group-buy order is paid); the member's charges with their status and 환불
//! for a paid one whose points are unspent; and the ledger, every entry
//! with its kind in words, signed amount, balance after, note and Korean
//! time.
//!
//! The wallet, ledger and charges read from the device and reload when the
//! `Wallet` topic moves; charging, confirming and refunding need the server
//! and say so when it cannot be reached.

use dioxus::prelude::*;
use moa_client_core::protocol::{
    ChargeStatus, ErrorCode, MAX_CHARGE_KRW, MIN_CHARGE_KRW, PointCharge, PointEntry, PointKind,
    Wallet,
};
use moa_client_core::{Error, Topic};

use super::requests::{parse_won, points, short_won};
use super::shop::won;
use super::{Empty, Failed, Loading};
use crate::i18n::{Arg, Lang, kst_datetime};
use crate::route::{RequestsTab, Route};
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_topics};

/// The amounts offered with one click.
pub const PRESETS: [i64; 4] = [10_000, 30_000, 50_000, 100_000];

pub fn kind_key(kind: PointKind) -> &'static str {
    match kind {
        PointKind::Charge => "point-kind-charge",
        PointKind::Hold => "point-kind-hold",
        PointKind::Release => "point-kind-release",
        PointKind::Pay => "point-kind-pay",
        PointKind::Refund => "point-kind-refund",
        PointKind::Bonus => "point-kind-bonus",
    }
}

fn kind_class(kind: PointKind) -> &'static str {
    match kind {
        PointKind::Charge | PointKind::Bonus => "pill good",
        PointKind::Pay => "pill accent",
        PointKind::Hold => "pill warn",
        PointKind::Release | PointKind::Refund => "pill",
    }
}

pub fn charge_status_key(status: ChargeStatus) -> &'static str {
    match status {
        ChargeStatus::Pending => "charge-status-pending",
        ChargeStatus::Paid => "charge-status-paid",
        ChargeStatus::Refunded => "charge-status-refunded",
    }
}

fn charge_status_class(status: ChargeStatus) -> &'static str {
    match status {
        ChargeStatus::Pending => "pill warn",
        ChargeStatus::Paid => "pill good",
        ChargeStatus::Refunded => "pill",
    }
}

/// The amount a charge form holds: a preset, or what was typed (checked
/// against the provider's limits). `Err` holds the catalog key of the problem.
pub fn charge_amount(preset: Option<i64>, typed: &str) -> Result<i64, &'static str> {
    let amount = match preset {
        Some(n) => n,
        None => parse_won(typed).ok_or("charge-error-amount")?,
    };
    if (MIN_CHARGE_KRW..=MAX_CHARGE_KRW).contains(&amount) {
        Ok(amount)
    } else {
        Err("charge-error-range")
    }
}

/// 포인트.
#[component]
pub fn WalletScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let data = use_resource(move || {
        let _ = topics.watch(Topic::Wallet);
        async move {
            let wallet = client.get().wallet();
            Ok::<_, Error>((
                wallet.wallet().await?,
                wallet.entries().await?,
                wallet.charges().await?,
            ))
        }
    });
    // The server's copy (the sync brings it too); offline the device's stays.
    use_future(move || async move {
        let _ = client.get().wallet().refresh().await;
    });
    let header = rsx! {
        super::Header { title: prefs.t("nav-points"),
            actions: rsx! {
                button { class: "btn ghost", onclick: move |_| nav.go(Route::Requests(RequestsTab::Browse)), "🙋 " {prefs.t("nav-requests")} }
            }
        }
    };
    let (wallet, entries, charges) = match &*data.read() {
        None => return rsx! { {header} Loading {} },
        Some(Err(e)) => {
            return rsx! { {header} Failed { error: e.clone(), retry: move |_| { let mut d = data; d.restart() } } };
        }
        Some(Ok(v)) => v.clone(),
    };
    rsx! {
        {header}
        div { class: "scroll campaign-layout wallet",
            div { class: "wallet-main",
                Balance { wallet }
                Ledger { entries }
            }
            div { class: "wallet-side",
                ChargeForm {}
                if !charges.is_empty() {
                    Charges { charges }
                }
            }
        }
    }
}

/// The balance and what is held, in points and won.
#[component]
fn Balance(wallet: Wallet) -> Element {
    let prefs = use_prefs();
    let lang = prefs.lang();
    rsx! {
        div { class: "wallet-tiles",
            div { class: "tile accent",
                div { class: "tile-label", {prefs.t("wallet-balance")} }
                div { class: "tile-value", {points(wallet.balance, false)} }
                div { class: "muted small", {prefs.ta("wallet-in-won", &[("amount", Arg::Str(won(lang, wallet.balance)))])} }
            }
            div { class: "tile",
                div { class: "tile-label", {prefs.t("wallet-held")} }
                div { class: "tile-value", {points(wallet.held, false)} }
                div { class: "muted small", {prefs.t("wallet-held-hint")} }
            }
        }
    }
}

/// Preset amounts or one typed, then the checkout.
#[component]
fn ChargeForm() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut preset = use_signal(|| Some(PRESETS[1]));
    let mut typed = use_signal(String::new);
    // A preset picked empties the typed amount: a new input (it is not
    // bound to its value, so typing stays smooth).
    let mut generation = use_signal(|| 0_u32);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let mut paying = use_signal(|| None::<(String, String, i64)>);
    let lang = prefs.lang();
    let chosen = *preset.read();
    let amount = charge_amount(chosen, &typed.read());
    // What is wrong with what was typed, once something was.
    let hint = match amount {
        Err(key) if chosen.is_some() || !typed.read().trim().is_empty() => Some(prefs.t(key)),
        _ => None,
    };
    let charge = move |_| {
        if *busy.peek() {
            return;
        }
        let amount = match charge_amount(*preset.peek(), &typed.peek()) {
            Ok(n) => n,
            Err(key) => {
                error.set(Some(prefs.t(key)));
                return;
            }
        };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let result = client.get().wallet().charge(amount).await;
            busy.set(false);
            match result {
                Ok(checkout) => {
                    crate::media::open_external(&checkout.checkout_url);
                    paying.set(Some((checkout.charge.id, checkout.checkout_url, amount)));
                }
                Err(Error::Network(_)) => error.set(Some(prefs.t("charge-offline"))),
                Err(e) => error.set(Some(super::error_text(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        div { class: "card charge-form",
            h3 { {prefs.t("charge-title")} }
            div { class: "chips",
                for n in PRESETS {
                    button { class: if chosen == Some(n) { "chip active" } else { "chip" },
                        onclick: move |_| {
                            preset.set(Some(n));
                            error.set(None);
                            if !typed.peek().is_empty() {
                                typed.set(String::new());
                                generation += 1;
                            }
                        },
                        {charge_label(lang, n)}
                    }
                }
            }
            label { class: "charge-custom",
                span { {prefs.t("charge-custom")} }
                for g in [*generation.read()] {
                    div { key: "{g}", class: "won-field",
                        input { name: "amount", inputmode: "numeric", placeholder: "20,000",
                            onfocus: move |_| preset.set(None),
                            oninput: move |e| { preset.set(None); typed.set(e.value()); error.set(None) } }
                        span { class: "muted", {prefs.t("unit-won")} }
                    }
                }
            }
            if let Some(err) = error.read().clone() {
                p { class: "form-error", role: "alert", "{err}" }
            } else if let Some(hint) = hint {
                p { class: "muted small", "{hint}" }
            }
            match amount {
                Ok(n) => rsx! {
                    button { class: "btn primary wide", disabled: *busy.read(), onclick: charge,
                        if *busy.read() { {prefs.t("state-working")} } else { {prefs.ta("charge-pay", &[("amount", Arg::Str(won(lang, n)))])} }
                    }
                },
                Err(_) => rsx! {
                    button { class: "btn wide", disabled: true, {prefs.t("charge-pick")} }
                },
            }
            p { class: "muted small", {prefs.t("charge-note")} }
        }
        if let Some((charge_id, url, amount)) = paying.read().clone() {
            ChargeWait { charge_id, url, amount, on_close: move |_| paying.set(None) }
        }
    }
}

/// "1만원" / "₩10k".
fn charge_label(lang: Lang, n: i64) -> String {
    match lang {
        Lang::Ko => format!("{}원", short_won(lang, n)),
        Lang::En => format!("₩{}", short_won(lang, n)),
    }
}

/// While the member pays in the browser: waits for the payment to land
/// (the provider's webhook, or asking the server to verify it every few
/// seconds), then says the points are in — as an order's payment does.
#[component]
fn ChargeWait(charge_id: String, url: String, amount: i64, on_close: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut problem = use_signal(|| None::<String>);
    let mut checking = use_signal(|| false);
    let done = move || {
        notices.notify(prefs.ta(
            "charge-done",
            &[("amount", Arg::Str(points(amount, false)))],
        ));
        on_close.call(());
    };
    let wid = charge_id.clone();
    use_future(move || {
        let id = wid.clone();
        async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                let wallet = client.get().wallet();
                let local = wallet
                    .charges()
                    .await
                    .ok()
                    .and_then(|list| list.into_iter().find(|c| c.id == id))
                    .map(|c| c.status);
                let status = if local == Some(ChargeStatus::Pending) || local.is_none() {
                    match wallet.confirm_charge(&id).await {
                        Ok(charge) => Some(charge.status),
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
                    Some(ChargeStatus::Pending) | None => {}
                    Some(ChargeStatus::Refunded) => {
                        problem.set(Some(prefs.t("charge-status-refunded")));
                        return;
                    }
                    Some(ChargeStatus::Paid) => {
                        done();
                        return;
                    }
                }
            }
        }
    });
    let reopen = url.clone();
    let cid = charge_id.clone();
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
                    p { strong { {won(prefs.lang(), amount)} } }
                }
                div { class: "dialog-actions",
                    button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("payment-later")} }
                    button { class: "btn", onclick: move |_| crate::media::open_external(&reopen), {prefs.t("payment-reopen")} }
                    button { class: "btn primary", disabled: *checking.read(),
                        onclick: move |_| {
                            let id = cid.clone();
                            checking.set(true);
                            spawn(async move {
                                match client.get().wallet().confirm_charge(&id).await {
                                    Ok(charge) if charge.status == ChargeStatus::Paid => done(),
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

/// The member's charges: a pending one can be checked again, a paid one
/// refunded (asking first).
#[component]
fn Charges(charges: Vec<PointCharge>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut refunding = use_signal(|| None::<PointCharge>);
    let lang = prefs.lang();
    rsx! {
        div { class: "card",
            h3 { {prefs.t("charge-list")} }
            ul { class: "ledger",
                for c in charges {
                    li { key: "{c.id}", class: "ledger-row",
                        div { class: "ledger-main",
                            div {
                                strong { {prefs.ta("charge-line", &[("amount", Arg::Str(won(lang, c.amount_krw)))])} }
                                " "
                                span { class: charge_status_class(c.status), {prefs.t(charge_status_key(c.status))} }
                            }
                            p { class: "muted small", {kst_datetime(lang, c.created_at)} }
                        }
                        div { class: "ledger-side",
                            match c.status {
                                ChargeStatus::Paid => rsx! {
                                    button { class: "btn ghost danger",
                                        onclick: { let c = c.clone(); move |_| refunding.set(Some(c.clone())) },
                                        {prefs.t("charge-refund")}
                                    }
                                },
                                ChargeStatus::Pending => rsx! {
                                    button { class: "btn ghost",
                                        onclick: {
                                            let id = c.id.clone();
                                            move |_| {
                                                let id = id.clone();
                                                spawn(async move {
                                                    match client.get().wallet().confirm_charge(&id).await {
                                                        Ok(charge) if charge.status == ChargeStatus::Paid => {
                                                            notices.notify(prefs.ta("charge-done", &[("amount", Arg::Str(points(charge.amount_krw, false)))]));
                                                        }
                                                        Ok(_) | Err(Error::Rejected { code: ErrorCode::PaymentIncomplete, .. }) => {
                                                            notices.notify(prefs.t("payment-not-yet"));
                                                        }
                                                        Err(e) => notices.fail(&e),
                                                    }
                                                });
                                            }
                                        },
                                        {prefs.t("payment-check")}
                                    }
                                },
                                ChargeStatus::Refunded => rsx! {},
                            }
                        }
                    }
                }
            }
        }
        if let Some(c) = refunding.read().clone() {
            div { class: "dialog-backdrop",
                div { class: "dialog", role: "dialog",
                    h3 { {prefs.t("charge-refund-title")} }
                    p { {prefs.ta("charge-refund-body", &[("amount", Arg::Str(won(lang, c.amount_krw))), ("points", Arg::Str(points(c.amount_krw, false)))])} }
                    div { class: "dialog-actions",
                        button { class: "btn", onclick: move |_| refunding.set(None), {prefs.t("action-keep")} }
                        button { class: "btn danger",
                            onclick: move |_| {
                                let id = c.id.clone();
                                refunding.set(None);
                                spawn(async move {
                                    match client.get().wallet().refund_charge(&id).await {
                                        Ok(_) => notices.notify(prefs.t("charge-refunded")),
                                        Err(Error::Rejected { code: ErrorCode::InsufficientPoints, .. }) => {
                                            notices.error(prefs.t("charge-refund-spent"));
                                        }
                                        Err(e) => notices.fail(&e),
                                    }
                                });
                            },
                            {prefs.t("charge-refund")}
                        }
                    }
                }
            }
        }
    }
}

/// The ledger, newest first.
#[component]
fn Ledger(entries: Vec<PointEntry>) -> Element {
    let prefs = use_prefs();
    let lang = prefs.lang();
    rsx! {
        div { class: "card",
            h3 { {prefs.t("wallet-ledger")} }
            if entries.is_empty() {
                Empty { title: prefs.t("wallet-ledger-empty"), hint: prefs.t("wallet-ledger-empty-hint") }
            } else {
                ul { class: "ledger",
                    for e in entries {
                        li { key: "{e.id}", class: "ledger-row",
                            div { class: "ledger-main",
                                div {
                                    span { class: kind_class(e.kind), {prefs.t(kind_key(e.kind))} }
                                    " "
                                    if !e.note.is_empty() { span { class: "ledger-note", "{e.note}" } }
                                }
                                p { class: "muted small", {kst_datetime(lang, e.created_at)} }
                            }
                            div { class: "ledger-side",
                                strong { class: if e.amount >= 0 { "amount plus" } else { "amount minus" }, {points(e.amount, true)} }
                                span { class: "muted small", {prefs.ta("wallet-balance-after", &[("amount", Arg::Str(points(e.balance_after, false)))])} }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_amounts_are_presets_or_typed_within_the_limits() {
        assert_eq!(charge_amount(Some(30_000), "anything"), Ok(30_000));
        assert_eq!(charge_amount(None, "25,000"), Ok(25_000));
        assert_eq!(charge_amount(None, "2만"), Ok(20_000));
        assert_eq!(charge_amount(None, ""), Err("charge-error-amount"));
        assert_eq!(charge_amount(None, "500"), Err("charge-error-range"));
        assert_eq!(charge_amount(None, "3,000,000"), Err("charge-error-range"));
        assert_eq!(charge_label(Lang::Ko, 100_000), "10만원");
        assert_eq!(charge_label(Lang::En, 10_000), "₩10k");
    }
}
