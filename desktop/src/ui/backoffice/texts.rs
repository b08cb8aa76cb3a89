//! 문자 보내기: texts to chosen members. Pick who (a community, the
//! orderers of a group-buy, a join period, members picked by hand — every
//! condition narrows), say why (광고: only members who agreed, marked
//! "(광고)"; 주문 안내: a group-buy's orderers, whatever they chose), write
//! it, and preview before anything goes: how many get it and who is left
//! out, SMS or LMS by its EUC-KR bytes, the text as sent and what it will
//! cost. Sending asks once more; below, every send with its progress, and
//! each recipient's result.

use std::time::Duration;

use dioxus::prelude::*;
use moa_client_core::Error;
use moa_client_core::protocol::kst;
use moa_client_core::protocol::{
    AdminUser, Campaign, CampaignStatus, SMS_MAX_BYTES, TextAudience, TextKind, TextPreview,
    TextPurpose, TextRecipient, TextRequest, TextSend,
};

use super::refusal;
use crate::i18n::{Arg, kst_datetime};
use crate::state::{use_client, use_notices, use_prefs};
use crate::ui::shop::won;
use crate::ui::{Empty, Failed, Loading};

/// What the admin chose and typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextInputs {
    pub marketing: bool,
    pub community_id: String,
    pub campaign_id: String,
    pub joined_from: String,
    pub joined_to: String,
    pub picked: Vec<AdminUser>,
    pub subject: String,
    pub body: String,
}

impl TextInputs {
    /// The request, or the catalog key of what to fix first (checked here
    /// so a half-typed date or an empty text never reaches the server).
    pub fn request(&self, id: &str) -> Result<TextRequest, &'static str> {
        if self.body.trim().is_empty() {
            return Err("bo-texts-need-body");
        }
        let date = |d: &str| d.trim().is_empty() || kst::parse_date(d.trim()).is_some();
        if !date(&self.joined_from) || !date(&self.joined_to) {
            return Err("bo-texts-bad-date");
        }
        if !self.marketing && self.campaign_id.is_empty() {
            return Err("bo-texts-need-campaign");
        }
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(TextRequest {
            id: id.to_owned(),
            purpose: if self.marketing {
                TextPurpose::Marketing
            } else {
                TextPurpose::Service
            },
            audience: TextAudience {
                community_id: some(&self.community_id),
                campaign_id: some(&self.campaign_id),
                joined_from: some(&self.joined_from),
                joined_to: some(&self.joined_to),
                user_ids: self.picked.iter().map(|u| u.id.clone()).collect(),
            },
            subject: self.subject.trim().to_owned(),
            body: self.body.trim().to_owned(),
        })
    }
}

/// 문자 보내기.
#[component]
pub fn TextsTab() -> Element {
    let mut refresh = use_signal(|| 0u32);
    rsx! {
        Compose { on_sent: move |_| refresh += 1 }
        Sends { refresh }
    }
}

/// The form, its preview and the send.
#[component]
fn Compose(on_sent: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut inputs = use_signal(|| TextInputs {
        marketing: true,
        ..TextInputs::default()
    });
    let mut preview = use_signal(|| None::<TextPreview>);
    let mut problem = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let mut confirming = use_signal(|| false);
    // One id per text written, so a send retried after a lost answer goes once.
    let mut send_id = use_signal(|| uuid::Uuid::now_v7().to_string());
    let mut generation = use_signal(|| 0u32);
    let communities =
        use_resource(move || async move { client.get().shop().communities("").await });
    let campaigns = use_resource(move || async move {
        let admin = client.get().admin();
        let mut all = admin.campaigns(CampaignStatus::Open, None).await?.items;
        all.extend(
            admin
                .campaigns(CampaignStatus::Succeeded, None)
                .await?
                .items,
        );
        Ok::<Vec<Campaign>, Error>(all)
    });
    let mut change = move |f: &dyn Fn(&mut TextInputs)| {
        f(&mut inputs.write());
        preview.set(None);
        confirming.set(false);
    };
    let run_preview = move |_| {
        let req = match inputs.peek().request("") {
            Ok(r) => r,
            Err(key) => {
                problem.set(Some(prefs.t(key)));
                return;
            }
        };
        problem.set(None);
        busy.set(true);
        spawn(async move {
            match client.get().admin().text_preview(&req).await {
                Ok(p) => preview.set(Some(p)),
                Err(e) => problem.set(Some(refusal(prefs.lang(), &e))),
            }
            busy.set(false);
        });
    };
    let send = move |_| {
        let req = match inputs.peek().request(&send_id.peek()) {
            Ok(r) => r,
            Err(key) => {
                problem.set(Some(prefs.t(key)));
                return;
            }
        };
        busy.set(true);
        spawn(async move {
            match client.get().admin().send_text(&req).await {
                Ok(sent) => {
                    notices.notify(prefs.ta("bo-texts-sent", &[("n", Arg::Num(sent.recipients))]));
                    inputs.set(TextInputs {
                        marketing: true,
                        ..TextInputs::default()
                    });
                    preview.set(None);
                    confirming.set(false);
                    send_id.set(uuid::Uuid::now_v7().to_string());
                    generation += 1;
                    on_sent.call(());
                }
                Err(e) => problem.set(Some(refusal(prefs.lang(), &e))),
            }
            busy.set(false);
        });
    };
    let current = inputs.read().clone();
    let typed_bytes = moa_client_core::protocol::euc_kr_bytes(current.body.trim());
    rsx! {
        div { class: "card texts-compose",
            h3 { {prefs.t("bo-texts-title")} }
            div { class: "segmented",
                button { class: if current.marketing { "seg active" } else { "seg" }, onclick: move |_| change(&|i| i.marketing = true), {prefs.t("bo-texts-marketing")} }
                button { class: if current.marketing { "seg" } else { "seg active" }, onclick: move |_| change(&|i| i.marketing = false), {prefs.t("bo-texts-service")} }
            }
            p { class: "muted small", {prefs.t(if current.marketing { "bo-texts-marketing-hint" } else { "bo-texts-service-hint" })} }
            div { class: "filters",
                label { {prefs.t("bo-texts-community")}
                    select { value: "{current.community_id}", onchange: move |e| { let v = e.value(); change(&|i| i.community_id = v.clone()) },
                        option { value: "", {prefs.t("bo-texts-anyone")} }
                        if let Some(Ok(list)) = &*communities.read() {
                            for c in list.clone() { option { key: "{c.id}", value: "{c.id}", "{c.name}" } }
                        }
                    }
                }
                label { {prefs.t("bo-texts-ordered-in")}
                    select { value: "{current.campaign_id}", onchange: move |e| { let v = e.value(); change(&|i| i.campaign_id = v.clone()) },
                        option { value: "", {prefs.t("bo-texts-anyone")} }
                        if let Some(Ok(list)) = &*campaigns.read() {
                            for c in list.clone() { option { key: "{c.id}", value: "{c.id}", "{c.title}" } }
                        }
                    }
                }
                label { {prefs.t("bo-texts-joined-from")}
                    input { r#type: "date", value: "{current.joined_from}", oninput: move |e| { let v = e.value(); change(&|i| i.joined_from = v.clone()) } }
                }
                label { {prefs.t("bo-texts-joined-to")}
                    input { r#type: "date", value: "{current.joined_to}", oninput: move |e| { let v = e.value(); change(&|i| i.joined_to = v.clone()) } }
                }
            }
            PickMembers { picked: current.picked.clone(), on_change: move |picked: Vec<AdminUser>| change(&|i| i.picked = picked.clone()) }
            if typed_bytes > SMS_MAX_BYTES || current.marketing {
                label { class: "block", {prefs.t("bo-texts-subject")}
                    input { value: "{current.subject}", placeholder: prefs.t("bo-texts-subject-hint"), oninput: move |e| { let v = e.value(); change(&|i| i.subject = v.clone()) } }
                }
            }
            label { class: "block", {prefs.t("bo-texts-body")}
                // Not bound to its value (typing stays smooth); a new one,
                // empty, after each send.
                for g in [generation()] {
                    textarea { key: "{g}", rows: "4", name: "text-body", oninput: move |e| { let v = e.value(); change(&|i| i.body = v.clone()) } }
                }
            }
            p { class: "muted small", {prefs.ta("bo-texts-bytes", &[("n", Arg::Num(typed_bytes as i64)), ("max", Arg::Num(SMS_MAX_BYTES as i64))])} }
            if let Some(p) = problem.read().clone() { p { class: "form-error", "{p}" } }
            div { class: "dialog-actions",
                button { class: "btn", disabled: busy(), onclick: run_preview, {prefs.t("bo-texts-preview")} }
            }
            if let Some(p) = preview.read().clone() {
                div { class: "texts-preview",
                    div { class: "totals", role: "status",
                        span { b { {prefs.ta("bo-texts-recipients", &[("n", Arg::Num(p.recipients))])} } }
                        span { {prefs.ta("bo-texts-no-phone", &[("n", Arg::Num(p.without_phone))])} }
                        if current.marketing { span { {prefs.ta("bo-texts-opted-out", &[("n", Arg::Num(p.opted_out))])} } }
                        span { class: "pill", if p.kind == TextKind::Sms { "SMS" } else { "LMS" } }
                        span { {prefs.ta("bo-texts-bytes-sent", &[("n", Arg::Num(p.bytes))])} }
                        span { b { {prefs.ta("bo-texts-cost", &[("cost", Arg::Str(won(prefs.lang(), p.cost_krw)))])} } }
                    }
                    pre { class: "texts-bubble", "{p.body}" }
                    if p.recipients == 0 {
                        p { class: "form-error", {prefs.t("bo-texts-nobody")} }
                    } else if confirming() {
                        div { class: "confirm",
                            p { {prefs.ta("bo-texts-confirm", &[("n", Arg::Num(p.recipients)), ("cost", Arg::Str(won(prefs.lang(), p.cost_krw)))])} }
                            button { class: "btn", onclick: move |_| confirming.set(false), {prefs.t("action-cancel")} }
                            button { class: "btn primary", disabled: busy(), onclick: send, {prefs.t("bo-texts-send")} }
                        }
                    } else {
                        button { class: "btn primary", onclick: move |_| confirming.set(true), {prefs.t("bo-texts-send")} }
                    }
                }
            }
        }
    }
}

/// Members picked by hand: search by handle or name, add, remove.
#[component]
fn PickMembers(picked: Vec<AdminUser>, on_change: EventHandler<Vec<AdminUser>>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut query = use_signal(String::new);
    let found = use_resource(move || {
        let q = query.read().trim().to_owned();
        async move {
            if q.is_empty() {
                return Ok(Vec::new());
            }
            // Debounced: typing on cancels the last search.
            tokio::time::sleep(Duration::from_millis(250)).await;
            Ok::<_, Error>(client.get().admin().users(&q, None).await?.items)
        }
    });
    let chosen = picked.clone();
    rsx! {
        div { class: "pick-members",
            label { {prefs.t("bo-texts-pick")}
                input { placeholder: prefs.t("bo-texts-pick-hint"), value: "{query}", oninput: move |e| query.set(e.value()) }
            }
            if let Some(Ok(users)) = &*found.read() {
                div { class: "chips",
                    for u in users.iter().filter(|u| !u.deleted && !chosen.iter().any(|c| c.id == u.id)).take(8).cloned() {
                        {
                            let mut next = chosen.clone();
                            next.push(u.clone());
                            rsx! { button { key: "{u.id}", class: "chip", onclick: move |_| on_change.call(next.clone()), "+ {u.display_name} @{u.handle}" } }
                        }
                    }
                }
            }
            if !picked.is_empty() {
                div { class: "chips",
                    for u in picked.clone() {
                        {
                            let next: Vec<AdminUser> = picked.iter().filter(|p| p.id != u.id).cloned().collect();
                            rsx! { button { key: "{u.id}", class: "chip active", onclick: move |_| on_change.call(next.clone()), "{u.display_name} ×" } }
                        }
                    }
                }
            }
        }
    }
}

/// Every send with its progress; one opens its recipients.
#[component]
fn Sends(refresh: Signal<u32>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut tick = use_signal(|| 0u32);
    let mut open = use_signal(|| None::<String>);
    let sends = use_resource(move || {
        let _ = (refresh.read(), tick.read());
        async move { client.get().admin().texts(None).await }
    });
    // While a send is on its way, look again every two seconds.
    let busy = matches!(&*sends.read(), Some(Ok(p)) if p.items.iter().any(|s| s.status != "done"));
    use_effect(use_reactive!(|busy| {
        if busy {
            spawn(async move {
                tokio::time::sleep(Duration::from_secs(2)).await;
                tick += 1;
            });
        }
    }));
    let body = match &*sends.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| tick += 1 } },
        Some(Ok(p)) if p.items.is_empty() => rsx! {
            Empty { title: prefs.t("bo-texts-empty"), hint: prefs.t("bo-texts-empty-hint") }
        },
        Some(Ok(p)) => rsx! {
            div { class: "card table-card",
                table { class: "table",
                    thead { tr {
                        th { {prefs.t("bo-created")} }
                        th { {prefs.t("bo-texts-body")} }
                        th { class: "num", {prefs.t("bo-texts-progress")} }
                        th { class: "num", {prefs.t("bo-texts-cost-col")} }
                    } }
                    tbody {
                        for s in p.items.clone() { SendRow { key: "{s.id}", send: s.clone(), on_open: move |id: String| open.set(Some(id)) } }
                    }
                }
            }
        },
    };
    rsx! {
        h3 { {prefs.t("bo-texts-history")} }
        {body}
        if let Some(id) = open.read().clone() {
            Recipients { key: "{id}", send_id: id.clone(), on_close: move |_| open.set(None) }
        }
    }
}

#[component]
fn SendRow(send: TextSend, on_open: EventHandler<String>) -> Element {
    let prefs = use_prefs();
    let done = send.sent + send.failed;
    let pct = if send.recipients > 0 {
        done * 100 / send.recipients
    } else {
        100
    };
    let id = send.id.clone();
    let preview: String = send.body.chars().take(40).collect();
    rsx! {
        tr { class: "clickable", onclick: move |_| on_open.call(id.clone()),
            td { class: "small nowrap", {kst_datetime(prefs.lang(), send.created_at)} }
            td {
                span { class: "pill", {prefs.t(if send.purpose == TextPurpose::Marketing { "bo-texts-marketing" } else { "bo-texts-service" })} }
                " {preview}"
            }
            td { class: "num",
                div { class: "progress", div { class: "bar", style: "width:{pct}%" } }
                span { class: "small", role: "status", {prefs.ta("bo-texts-counts", &[("sent", Arg::Num(send.sent)), ("failed", Arg::Num(send.failed)), ("pending", Arg::Num(send.pending))])} }
            }
            td { class: "num", {won(prefs.lang(), send.cost_krw)} }
        }
    }
}

/// A send's recipients and how each went.
#[component]
fn Recipients(send_id: String, on_close: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let id = send_id.clone();
    let list = use_resource(move || {
        let id = id.clone();
        async move { client.get().admin().text_recipients(&id, None).await }
    });
    let status_key = |r: &TextRecipient| match r.status.as_str() {
        "sent" => "bo-texts-status-sent",
        "failed" => "bo-texts-status-failed",
        "skipped" => "bo-texts-status-skipped",
        _ => "bo-texts-status-pending",
    };
    rsx! {
        div { class: "card",
            div { class: "row-buttons",
                h3 { {prefs.t("bo-texts-recipients-title")} }
                button { class: "btn ghost", onclick: move |_| on_close.call(()), {prefs.t("action-close")} }
            }
            match &*list.read() {
                None => rsx! { Loading {} },
                Some(Err(e)) => rsx! { Failed { error: e.clone() } },
                Some(Ok(p)) => rsx! {
                    table { class: "table",
                        tbody {
                            for r in p.items.clone() {
                                tr { key: "{r.user_id}",
                                    td { "{r.display_name} " span { class: "muted small", "@{r.handle}" } }
                                    td { class: "small", "{r.phone}" }
                                    td { span { class: if r.status == "sent" { "pill good" } else if r.status == "pending" { "pill warn" } else { "pill" }, {prefs.t(status_key(&r))} } }
                                    td { class: "small muted", {r.error.clone().unwrap_or_default()} }
                                }
                            }
                        }
                    }
                    if p.next_cursor.is_some() { p { class: "muted small", {prefs.t("bo-texts-more-recipients")} } }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_typed_becomes_a_request_or_says_what_to_fix() {
        let mut i = TextInputs {
            marketing: true,
            body: " 겨울 공구 ".into(),
            joined_from: "2026-12-01".into(),
            ..TextInputs::default()
        };
        let req = i.request("id").unwrap_or_default();
        assert_eq!(req.body, "겨울 공구");
        assert_eq!(req.audience.joined_from.as_deref(), Some("2026-12-01"));
        assert_eq!(req.audience.community_id, None);
        i.joined_to = "2026-13-01".into();
        assert_eq!(i.request("id"), Err("bo-texts-bad-date"));
        i.joined_to.clear();
        i.marketing = false;
        assert_eq!(i.request("id"), Err("bo-texts-need-campaign"));
        i.campaign_id = "c".into();
        assert_eq!(i.request("id").map(|r| r.purpose), Ok(TextPurpose::Service));
        i.body = "  ".into();
        assert_eq!(i.request("id"), Err("bo-texts-need-body"));
    }
}
