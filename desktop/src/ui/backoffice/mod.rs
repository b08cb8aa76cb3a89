//! 운영 관리, the back office: the admin mode's second half, for admins
//! only (moderators keep the report queue and never see these tabs). The
//! order table with its filters, totals, one order's history and the two
//! actions on it, and the Excel export ([`orders`]); products
//! ([`products`]) and group-buys ([`campaigns`]) in one tab ([`catalog`]);
//! communities ([`communities`]); the dashboard in Korean days
//! ([`dashboard`]); texts to chosen members ([`texts`]).
//!
//! Everything here asks the server each time through client-core's
//! `AdminHandle` (an admin acts on the live state; nothing is cached or
//! queued), so every screen has its offline state. This module holds what
//! they share: the words for a refusal, the reason form every consequential
//! action asks for, and the plain parsing of what an admin types (won, counts,
//! Korean dates and times), tested without a window.

pub mod campaigns;
pub mod catalog;
pub mod communities;
pub mod dashboard;
pub mod orders;
pub mod products;
pub mod texts;

use dioxus::prelude::*;
use moa_client_core::Error;
use moa_client_core::protocol::ErrorCode;
use moa_client_core::protocol::kst::{self, Kst};

use crate::i18n::{Arg, Lang};
use crate::state::{use_client, use_notices, use_prefs};

/// The words for a refused back-office action: the server's own message
/// when it explains the refusal (409 wrong state, 422 invalid field), the
/// usual words otherwise (offline, no permission, ...).
pub fn refusal(lang: Lang, error: &Error) -> String {
    match error {
        Error::Rejected { code, message, .. }
            if !message.is_empty()
                && !matches!(
                    code,
                    ErrorCode::Forbidden | ErrorCode::RateLimited | ErrorCode::Internal
                ) =>
        {
            lang.ta("bo-refused", &[("message", Arg::Str(message.clone()))])
        }
        Error::Invalid { reason, .. } => {
            lang.ta("bo-refused", &[("message", Arg::Str(reason.clone()))])
        }
        _ => super::error_text(lang, error),
    }
}

/// An amount of won as a person types it ("12,000", "12000원", "-5,000",
/// "−500"): `None` unless it is a whole number.
pub fn parse_won(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .trim_end_matches('원')
        .chars()
        .filter(|c| *c != ',' && !c.is_whitespace())
        .map(|c| if c == '−' { '-' } else { c })
        .collect();
    if cleaned.is_empty() || cleaned.starts_with('+') {
        return None;
    }
    cleaned.parse().ok()
}

/// A count typed by a person ("1,000" too): a whole number, 0 or more.
pub fn parse_count(text: &str) -> Option<i64> {
    parse_won(text).filter(|n| *n >= 0)
}

/// A Korean date and a time of day typed apart ("2026-12-24", "18:00" or
/// "18:00:00") as the moment, Unix ms.
pub fn kst_moment(date: &str, time: &str) -> Option<i64> {
    let start = kst::parse_date(date.trim())?;
    let mut parts = time.trim().split(':');
    let hour: i64 = parts.next()?.parse().ok()?;
    let minute: i64 = parts.next()?.parse().ok()?;
    if !(0..24).contains(&hour) || !(0..60).contains(&minute) {
        return None;
    }
    Some(start + hour * 3_600_000 + minute * 60_000)
}

/// A moment as a form shows it: the Korean date and time ("2026-12-24",
/// "18:00").
pub fn kst_fields(at_ms: i64) -> (String, String) {
    let k = Kst::of(at_ms);
    (k.date(), format!("{:02}:{:02}", k.hour, k.minute))
}

/// A Korean day `YYYY-MM-DD` as a chart labels it: "12.3" / "12/3".
pub fn short_day(lang: Lang, day: &str) -> String {
    let mut parts = day.split('-').skip(1);
    let (Some(m), Some(d)) = (parts.next(), parts.next()) else {
        return day.to_owned();
    };
    let (m, d) = (m.trim_start_matches('0'), d.trim_start_matches('0'));
    match lang {
        Lang::Ko => format!("{m}.{d}"),
        Lang::En => format!("{m}/{d}"),
    }
}

/// What an action that needs a reason does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonAction {
    FulfilOrder,
    RefundOrder,
    CloseCampaign,
    CancelCampaign,
}

impl ReasonAction {
    /// The catalog keys of its words: (title, hint, confirm button, done).
    fn keys(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            ReasonAction::FulfilOrder => (
                "bo-fulfil-title",
                "bo-fulfil-hint",
                "bo-fulfil",
                "bo-fulfil-done",
            ),
            ReasonAction::RefundOrder => (
                "bo-refund-title",
                "bo-refund-hint",
                "bo-refund",
                "bo-refund-done",
            ),
            ReasonAction::CloseCampaign => (
                "bo-close-title",
                "bo-close-hint",
                "bo-close",
                "bo-close-done",
            ),
            ReasonAction::CancelCampaign => (
                "bo-cancel-title",
                "bo-cancel-hint",
                "bo-cancel-confirm",
                "bo-cancel-done",
            ),
        }
    }

    fn dangerous(self) -> bool {
        matches!(
            self,
            ReasonAction::RefundOrder | ReasonAction::CancelCampaign
        )
    }
}

/// Longest reason the server takes.
const MAX_REASON_CHARS: usize = 500;

/// The small form a consequential action asks for before it runs: what it
/// will do, the reason (1 to 500 characters, kept in the history and the
/// audit log), and the server's words when it refuses.
#[component]
pub fn ReasonForm(
    action: ReasonAction,
    id: String,
    on_done: EventHandler<()>,
    on_cancel: EventHandler<()>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut reason = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let (title, hint, confirm, done) = action.keys();
    let typed = reason.read().trim().chars().count();
    let ready = (1..=MAX_REASON_CHARS).contains(&typed) && !*busy.read();
    let submit = move |_| {
        let why = reason.peek().trim().to_owned();
        if why.is_empty() || *busy.peek() {
            return;
        }
        busy.set(true);
        error.set(None);
        let id = id.clone();
        spawn(async move {
            let admin = client.get().admin();
            let result = match action {
                ReasonAction::FulfilOrder => admin.fulfil_order(&id, &why).await.map(|_| ()),
                ReasonAction::RefundOrder => admin.refund_order(&id, &why).await.map(|_| ()),
                ReasonAction::CloseCampaign => admin.close_campaign(&id, &why).await.map(|_| ()),
                ReasonAction::CancelCampaign => admin.cancel_campaign(&id, &why).await.map(|_| ()),
            };
            busy.set(false);
            match result {
                Ok(()) => {
                    notices.notify(prefs.t(done));
                    on_done.call(());
                }
                Err(e) => error.set(Some(refusal(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        div { class: if action.dangerous() { "reason-form danger" } else { "reason-form" },
            h4 { {prefs.t(title)} }
            p { class: "small", {prefs.t(hint)} }
            // Not bound to the signal's value: the page keeps what is typed
            // (a value written back while keys still arrive would drop some).
            label { {prefs.t("bo-reason")}
                textarea { name: "reason", rows: 2, maxlength: MAX_REASON_CHARS as i64,
                    placeholder: prefs.t("bo-reason-placeholder"),
                    oninput: move |e| reason.set(e.value()) }
            }
            p { class: if typed > MAX_REASON_CHARS { "counter over" } else { "counter" }, "{typed}/{MAX_REASON_CHARS}" }
            if let Some(e) = error.read().clone() { p { class: "form-error", role: "alert", "{e}" } }
            div { class: "dialog-actions",
                button { class: "btn", onclick: move |_| on_cancel.call(()), {prefs.t("action-cancel")} }
                button { class: if action.dangerous() { "btn primary danger" } else { "btn primary" },
                    disabled: !ready, onclick: submit,
                    if *busy.read() { {prefs.t("state-working")} } else { {prefs.t(confirm)} }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn won_and_counts_as_people_type_them() {
        assert_eq!(parse_won("12,000"), Some(12_000));
        assert_eq!(parse_won(" 12000원 "), Some(12_000));
        assert_eq!(parse_won("-5,000"), Some(-5_000));
        assert_eq!(parse_won("−500"), Some(-500));
        assert_eq!(parse_won("0"), Some(0));
        for bad in ["", "원", "12.5", "abc", "+3", "1 2x"] {
            assert_eq!(parse_won(bad), None, "{bad:?}");
        }
        assert_eq!(parse_count("1,000"), Some(1_000));
        assert_eq!(parse_count("-1"), None);
    }

    #[test]
    fn korean_dates_and_times_round_trip_through_the_form() {
        // 2026-12-24 18:30 in Seoul is 09:30 UTC.
        let at = kst_moment("2026-12-24", "18:30");
        assert_eq!(
            at,
            kst::parse_date("2026-12-24").map(|d| d + 18 * 3_600_000 + 30 * 60_000)
        );
        assert_eq!(kst_moment("2026-12-24", "18:30:00"), at);
        let at = at.unwrap_or_default();
        assert_eq!(
            kst_fields(at),
            ("2026-12-24".to_owned(), "18:30".to_owned())
        );
        for (date, time) in [
            ("2026-12-24", "24:00"),
            ("2026-12-24", "18:60"),
            ("2026-02-30", "10:00"),
            ("2026-12-24", ""),
            ("", "10:00"),
        ] {
            assert_eq!(kst_moment(date, time), None, "{date} {time}");
        }
        // Midnight in Seoul is the previous day in UTC, and stays the Korean date.
        let midnight = kst_moment("2027-01-01", "00:00").unwrap_or_default();
        assert_eq!(kst_fields(midnight).0, "2027-01-01");
    }

    #[test]
    fn chart_days_are_short() {
        assert_eq!(short_day(Lang::Ko, "2026-12-03"), "12.3");
        assert_eq!(short_day(Lang::En, "2026-01-10"), "1/10");
        assert_eq!(short_day(Lang::Ko, "nonsense"), "nonsense");
    }

    /// Keys chosen at run time (`prefs.t(key)`) escape the catalog test in
    /// `i18n`: every `"bo-…"` literal here must be in both catalogs.
    #[test]
    fn every_back_office_key_is_in_both_catalogs() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui/backoffice");
        let ko: Vec<String> = crate::i18n::keys(Lang::Ko.source());
        let en: Vec<String> = crate::i18n::keys(Lang::En.source());
        let mut used = 0;
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for (i, _) in text.match_indices("\"bo-") {
                let rest = &text[i + 1..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                // Class names share the prefix: those few are skipped.
                let spelled = key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !spelled
                    || key.ends_with('-')
                    || matches!(
                        key,
                        "bo-filters" | "bo-toolbar" | "bo-search" | "bo-form" | "bo-inline-form"
                    )
                {
                    continue;
                }
                used += 1;
                assert!(ko.iter().any(|k| k == key), "{key} missing in ko.ftl");
                assert!(en.iter().any(|k| k == key), "{key} missing in en.ftl");
            }
        }
        assert!(used > 100, "only {used} keys found");
    }

    #[test]
    fn a_refusal_says_what_the_server_said() {
        let conflict = Error::Rejected {
            code: ErrorCode::InvalidState,
            message: "only a paid order can be refunded (this one is expired)".into(),
            field: None,
        };
        let words = refusal(Lang::Ko, &conflict);
        assert!(
            words.contains("only a paid order can be refunded"),
            "{words}"
        );
        let forbidden = Error::Rejected {
            code: ErrorCode::Forbidden,
            message: "admins only".into(),
            field: None,
        };
        assert_eq!(refusal(Lang::Ko, &forbidden), Lang::Ko.t("error-forbidden"));
    }
}
