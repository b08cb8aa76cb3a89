//! The outbox: what waits to reach the server, what failed and why, with
//! retry and discard for each; plus refused edits kept as drafts.

use dioxus::prelude::*;
use moa_client_core::{OutboxState, Topic};

use super::{Empty, Failed, Loading};
use crate::i18n::{Arg, ago};
use crate::state::{use_client, use_notices, use_prefs, use_topics};

/// The catalog key of an outbox action (`review.create` → `action-review-create`).
pub fn action_key(action: &str) -> String {
    format!("outbox-{}", action.replace(['.', '_'], "-"))
}

#[component]
pub fn Outbox() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let topics = use_topics();
    let notices = use_notices();
    let version = move || topics.watch(Topic::Outbox) + topics.watch(Topic::Drafts);
    let items = use_resource(move || {
        let _ = version();
        async move { client.get().outbox().items().await }
    });
    let drafts = use_resource(move || {
        let _ = version();
        async move { client.get().outbox().drafts().await }
    });
    let now = super::now_ms();
    let list = match &*items.read() {
        None => return rsx! { super::Header { title: prefs.t("nav-outbox") } Loading {} },
        Some(Err(e)) => {
            return rsx! { super::Header { title: prefs.t("nav-outbox") } Failed { error: e.clone() } };
        }
        Some(Ok(list)) => list.clone(),
    };
    let drafts = drafts
        .read()
        .clone()
        .and_then(|d| d.ok())
        .unwrap_or_default();
    rsx! {
        super::Header { title: prefs.t("nav-outbox"),
            actions: rsx! { super::feed::RefreshButton {} }
        }
        div { class: "scroll",
            if list.is_empty() && drafts.is_empty() {
                Empty { title: prefs.t("outbox-empty"), hint: prefs.t("outbox-empty-hint") }
            }
            if !list.is_empty() {
                ul { class: "card outbox",
                    for item in list {
                        li { key: "{item.id}", class: "outbox-item",
                            div { class: "outbox-main",
                                b { {prefs.t(&action_key(&item.action))} }
                                span { class: "muted small", " · " {ago(prefs.lang(), item.created_at, now)} }
                                match item.state {
                                    OutboxState::Failed => rsx! { span { class: "pill warn", {prefs.t("outbox-failed")} } },
                                    OutboxState::Sending => rsx! { span { class: "pill", {prefs.t("outbox-sending")} } },
                                    _ => rsx! { span { class: "pill", {prefs.t("outbox-waiting")} } },
                                }
                                if item.attempts > 0 {
                                    span { class: "muted small", " " {prefs.ta("outbox-attempts", &[("count", Arg::Num(item.attempts as i64))])} }
                                }
                                if let Some(err) = item.error.clone() {
                                    p { class: "error-text small", "{err.message}" }
                                }
                            }
                            div { class: "outbox-actions",
                                button { class: "btn",
                                    onclick: { let id = item.id.clone(); move |_| { let id = id.clone(); spawn(async move { if let Err(e) = client.get().outbox().retry(&id).await { notices.fail(&e) } }); } },
                                    {prefs.t("action-retry")}
                                }
                                // One that may have reached the server goes out
                                // again; it cannot be taken back from here.
                                if item.discardable {
                                    button { class: "btn ghost danger",
                                        onclick: { let id = item.id.clone(); move |_| { let id = id.clone(); spawn(async move { if let Err(e) = client.get().outbox().discard(&id).await { notices.fail(&e) } }); } },
                                        {prefs.t("action-discard")}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if !drafts.is_empty() {
                h3 { class: "section-title", {prefs.t("outbox-drafts")} }
                ul { class: "card outbox",
                    for d in drafts {
                        li { key: "{d.id}", class: "outbox-item",
                            div { class: "outbox-main",
                                b { {d.title.clone().unwrap_or_default()} }
                                p { class: "small", {d.body.clone().unwrap_or_default()} }
                                p { class: "error-text small", "{d.error.message}" }
                            }
                            div { class: "outbox-actions",
                                button { class: "btn",
                                    onclick: { let id = d.id.clone(); move |_| { let id = id.clone(); spawn(async move { if let Err(e) = client.get().outbox().reapply_draft(&id).await { notices.fail(&e) } }); } },
                                    {prefs.t("outbox-reapply")}
                                }
                                button { class: "btn ghost danger",
                                    onclick: { let id = d.id.clone(); move |_| { let id = id.clone(); spawn(async move { if let Err(e) = client.get().outbox().dismiss_draft(&id).await { notices.fail(&e) } }); } },
                                    {prefs.t("action-discard")}
                                }
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
    use std::collections::BTreeSet;

    use moa_client_core::protocol::ops::Op;

    use super::action_key;
    use crate::i18n::{Lang, keys};

    #[test]
    fn every_mutation_has_words_in_both_catalogs() {
        for lang in [Lang::Ko, Lang::En] {
            let known: BTreeSet<String> = keys(lang.source()).into_iter().collect();
            let missing: Vec<String> = Op::NAMES
                .iter()
                .map(|name| action_key(name))
                .filter(|key| !known.contains(key))
                .collect();
            assert!(
                missing.is_empty(),
                "outbox actions without words in {}.ftl: {missing:?}",
                lang.code()
            );
        }
        assert_eq!(action_key("views.record"), "outbox-views-record");
        assert_eq!(Lang::Ko.t("outbox-views-record"), "읽은 리뷰 기록");
    }
}
