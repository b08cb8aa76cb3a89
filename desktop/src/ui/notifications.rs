//! Notifications, newest first, unread marked; opening one marks it read and
//! goes to what it is about.

use dioxus::prelude::*;
use moa_client_core::Topic;
use moa_client_core::protocol::{Notification, NotificationKind};

use super::{Avatar, Empty, Failed, Loading};
use crate::i18n::{Arg, ago};
use crate::route::Route;
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_topics};

fn kind_key(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Like => "notif-like",
        NotificationKind::Comment => "notif-comment",
        NotificationKind::Reply => "notif-reply",
        NotificationKind::Follow => "notif-follow",
        NotificationKind::ContentHidden => "notif-content-hidden",
        NotificationKind::ReportResolved => "notif-report-resolved",
        NotificationKind::OrderPaid => "notif-order-paid",
        NotificationKind::CampaignSucceeded => "notif-campaign-succeeded",
        NotificationKind::CampaignFailed => "notif-campaign-failed",
        NotificationKind::CampaignEndingSoon => "notif-campaign-ending-soon",
        NotificationKind::RefundCompleted => "notif-refund-completed",
        NotificationKind::QuoteReceived => "notif-quote-received",
        NotificationKind::QuoteAccepted => "notif-quote-accepted",
        NotificationKind::QuoteDeclined => "notif-quote-declined",
        NotificationKind::RequestCompleted => "notif-request-completed",
        NotificationKind::RequestCancelled => "notif-request-cancelled",
        NotificationKind::HelperReviewed => "notif-helper-reviewed",
        NotificationKind::PointsAdded => "notif-points-added",
    }
}

/// Where a notification leads.
fn target(n: &Notification) -> Option<Route> {
    if let Some(review) = &n.review_id {
        return Some(Route::Review(review.clone()));
    }
    match n.kind {
        NotificationKind::Follow => n.actor.as_ref().map(|a| Route::Profile(Some(a.id.clone()))),
        _ => match n.target_type.as_str() {
            "order" => Some(Route::Order(n.target_id.clone())),
            "campaign" => Some(Route::Campaign(n.target_id.clone())),
            "request" => Some(Route::Request(n.target_id.clone())),
            "charge" | "grant" | "points" => Some(Route::Wallet),
            _ if n.kind == NotificationKind::PointsAdded => Some(Route::Wallet),
            _ => None,
        },
    }
}

#[component]
pub fn Notifications() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let notices = use_notices();
    let version = move || topics.watch(Topic::Notifications);
    let list = use_resource(move || {
        let _ = version();
        async move { client.get().notifications().await }
    });
    let now = super::now_ms();
    let (items, unread) = match &*list.read() {
        None => return rsx! { super::Header { title: prefs.t("nav-notifications") } Loading {} },
        Some(Err(e)) => {
            return rsx! { super::Header { title: prefs.t("nav-notifications") } Failed { error: e.clone() } };
        }
        Some(Ok((items, unread))) => (items.clone(), *unread),
    };
    rsx! {
        super::Header { title: prefs.t("nav-notifications"),
            actions: rsx! {
                if unread > 0 {
                    button { class: "btn ghost",
                        onclick: move |_| { spawn(async move { if let Err(e) = client.get().mark_notifications_read(vec![], true).await { notices.fail(&e) } }); },
                        {prefs.t("notif-mark-all")}
                    }
                }
            }
        }
        div { class: "scroll",
            if items.is_empty() {
                Empty { title: prefs.t("notif-empty"), hint: prefs.t("notif-empty-hint") }
            } else {
                ul { class: "card notifications",
                    for n in items {
                        li { key: "{n.id}", class: if n.read { "notif" } else { "notif unread" },
                            onclick: {
                                let n = n.clone();
                                move |_| {
                                    let id = n.id.clone();
                                    if !n.read {
                                        spawn(async move { let _ = client.get().mark_notifications_read(vec![id], false).await; });
                                    }
                                    if let Some(route) = target(&n) { nav.go(route) }
                                }
                            },
                            if let Some(actor) = n.actor.clone() { Avatar { author: actor, size: 36 } } else { span { class: "avatar initial system", "M" } }
                            div { class: "notif-main",
                                p {
                                    {prefs.ta(kind_key(n.kind), &[("name", Arg::Str(n.actor.as_ref().map(|a| a.display_name.clone()).unwrap_or_default()))])}
                                }
                                if !n.preview.is_empty() { p { class: "muted small preview", "{n.preview}" } }
                                span { class: "muted small", {ago(prefs.lang(), n.created_at, now)} }
                            }
                            if !n.read { span { class: "dot unread" } }
                        }
                    }
                }
            }
        }
    }
}
