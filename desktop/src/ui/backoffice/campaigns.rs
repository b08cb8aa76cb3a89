//! 공동구매 (admin): the group-buys, open or closed, every community's. A
//! form to open one (the product, title, communities or everyone, group
//! price, minimum, stock, per-member limit, deadline as a Korean date and
//! time), an edit of an open one, closing early, and cancelling (which asks
//! first, with a reason: paid orders are refunded).
//!
//! The forms keep what was typed as text ([`CampaignDraft`],
//! [`CampaignEditDraft`]) and turn it into the request in plain functions,
//! tested below, that name the field a person must fix.

use dioxus::prelude::*;
use moa_client_core::protocol::shop::{
    MAX_CAMPAIGN_STOCK, MAX_ORDER_QUANTITY, MAX_SHOP_NAME_CHARS,
};
use moa_client_core::protocol::{
    Campaign, CampaignStatus, Community, CreateCampaignRequest, EditCampaignRequest, ShopProduct,
};

use super::{ReasonAction, ReasonForm, kst_fields, kst_moment, parse_count, refusal};
use crate::i18n::{Arg, kst_datetime, time_left};
use crate::state::{use_client, use_notices, use_prefs};
use crate::ui::shop::{status_key as campaign_status_key, won};
use crate::ui::{Empty, Failed, Loading};

/// A new group-buy as typed in the form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CampaignDraft {
    pub product_id: String,
    pub title: String,
    /// Offered to everyone (else to `communities`).
    pub everyone: bool,
    pub communities: Vec<String>,
    pub price: String,
    pub min: String,
    pub stock: String,
    pub limit: String,
    /// The deadline, Korean date and time.
    pub date: String,
    pub time: String,
}

impl CampaignDraft {
    /// A fresh form: everyone, a week from `now_ms` at 20:00.
    pub fn new(now_ms: i64) -> CampaignDraft {
        let (date, _) = kst_fields(now_ms + 7 * moa_client_core::protocol::kst::DAY_MS);
        CampaignDraft {
            everyone: true,
            min: "10".into(),
            stock: "100".into(),
            limit: "3".into(),
            date,
            time: "20:00".into(),
            ..CampaignDraft::default()
        }
    }

    /// The request, or the catalog key of what to fix.
    pub fn request(&self, now_ms: i64) -> Result<CreateCampaignRequest, &'static str> {
        if self.product_id.trim().is_empty() {
            return Err("bo-campaign-need-product");
        }
        let title = self.title.trim();
        if title.chars().count() > MAX_SHOP_NAME_CHARS {
            return Err("bo-campaign-bad-title");
        }
        if !self.everyone && self.communities.is_empty() {
            return Err("bo-campaign-need-communities");
        }
        let numbers = Numbers::parse(&self.price, &self.min, &self.stock, &self.limit)?;
        let deadline_at = deadline(&self.date, &self.time, now_ms)?;
        Ok(CreateCampaignRequest {
            product_id: self.product_id.trim().to_owned(),
            title: (!title.is_empty()).then(|| title.to_owned()),
            community_ids: if self.everyone {
                vec![]
            } else {
                self.communities.clone()
            },
            group_price_krw: numbers.price,
            min_participants: numbers.min,
            stock: numbers.stock,
            per_member_limit: numbers.limit,
            starts_at: None,
            deadline_at,
        })
    }
}

/// The numbers of a group-buy, checked together.
struct Numbers {
    price: i64,
    min: i64,
    stock: i64,
    limit: i64,
}

impl Numbers {
    fn parse(price: &str, min: &str, stock: &str, limit: &str) -> Result<Numbers, &'static str> {
        let price = parse_count(price).ok_or("bo-campaign-bad-price")?;
        let stock = parse_count(stock)
            .filter(|s| (1..=MAX_CAMPAIGN_STOCK).contains(s))
            .ok_or("bo-campaign-bad-stock")?;
        let min = parse_count(min)
            .filter(|m| (1..=stock).contains(m))
            .ok_or("bo-campaign-bad-min")?;
        let limit = parse_count(limit)
            .filter(|l| (1..=MAX_ORDER_QUANTITY).contains(l))
            .ok_or("bo-campaign-bad-limit")?;
        Ok(Numbers {
            price,
            min,
            stock,
            limit,
        })
    }
}

/// A deadline typed as a Korean date and time, in the future.
fn deadline(date: &str, time: &str, now_ms: i64) -> Result<i64, &'static str> {
    let at = kst_moment(date, time).ok_or("bo-campaign-bad-deadline")?;
    if at <= now_ms {
        return Err("bo-campaign-past-deadline");
    }
    Ok(at)
}

/// An open group-buy's edit as typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CampaignEditDraft {
    pub title: String,
    pub date: String,
    pub time: String,
    pub stock: String,
    pub min: String,
    pub limit: String,
}

impl CampaignEditDraft {
    pub fn of(c: &Campaign) -> CampaignEditDraft {
        let (date, time) = kst_fields(c.deadline_at);
        CampaignEditDraft {
            title: c.title.clone(),
            date,
            time,
            stock: c.stock.to_string(),
            min: c.min_participants.to_string(),
            limit: c.per_member_limit.to_string(),
        }
    }

    /// Only what changed from `c`, or the catalog key of what to fix.
    pub fn request(&self, c: &Campaign, now_ms: i64) -> Result<EditCampaignRequest, &'static str> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > MAX_SHOP_NAME_CHARS {
            return Err("bo-campaign-bad-title");
        }
        let numbers = Numbers::parse(
            &c.group_price_krw.to_string(),
            &self.min,
            &self.stock,
            &self.limit,
        )?;
        let same_deadline =
            kst_fields(c.deadline_at) == (self.date.trim().to_owned(), self.time.trim().to_owned());
        let deadline_at = if same_deadline {
            None
        } else {
            Some(deadline(&self.date, &self.time, now_ms)?)
        };
        let changed = |new: i64, old: i64| (new != old).then_some(new);
        Ok(EditCampaignRequest {
            title: (title != c.title).then(|| title.to_owned()),
            deadline_at,
            stock: changed(numbers.stock, c.stock),
            min_participants: changed(numbers.min, c.min_participants),
            per_member_limit: changed(numbers.limit, c.per_member_limit),
        })
    }
}

/// What the campaign list is doing.
#[derive(Debug, Clone, PartialEq)]
enum CampaignDialog {
    None,
    New,
    Edit(Campaign),
    Reason(ReasonAction, Campaign),
}

#[component]
pub(super) fn Campaigns() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut open_ones = use_signal(|| true);
    let mut refresh = use_signal(|| 0u32);
    let mut more = use_signal(|| None::<(bool, u32, Vec<Campaign>, Option<String>)>);
    let mut dialog = use_signal(|| CampaignDialog::None);
    let status = move || {
        if *open_ones.read() {
            CampaignStatus::Open
        } else {
            // Any other status: the closed ones.
            CampaignStatus::Succeeded
        }
    };
    let page = use_resource(move || {
        let s = status();
        let _ = refresh.read();
        async move { client.get().admin().campaigns(s, None).await }
    });
    let communities =
        use_resource(move || async move { client.get().shop().communities("").await });
    let names: Vec<Community> = match &*communities.read() {
        Some(Ok(list)) => list.clone(),
        _ => vec![],
    };
    let showing_open = *open_ones.read();
    let key = (showing_open, *refresh.read());
    let lang = prefs.lang();
    let now = crate::ui::now_ms();
    let body = match &*page.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| refresh += 1 } },
        Some(Ok(first)) => {
            let extra = more.read().clone().filter(|m| (m.0, m.1) == key);
            let cursor = match &extra {
                Some(m) => m.3.clone(),
                None => first.next_cursor.clone(),
            };
            let mut rows = first.items.clone();
            if let Some(m) = extra {
                rows.extend(m.2);
            }
            if rows.is_empty() {
                rsx! { Empty { title: prefs.t(if showing_open { "bo-campaigns-empty-open" } else { "bo-campaigns-empty-closed" }) } }
            } else {
                rsx! {
                    div { class: "card table-card",
                        table { class: "table",
                            thead { tr {
                                th { {prefs.t("bo-col-campaign")} }
                                th { {prefs.t("bo-offered-to")} }
                                th { class: "num", {prefs.t("bo-group-price")} }
                                th { {prefs.t("bo-progress")} }
                                th { {prefs.t("campaign-deadline")} }
                                th {}
                            } }
                            tbody {
                                for c in rows {
                                    CampaignRow { key: "{c.id}", campaign: c.clone(), communities: names.clone(), now, lang,
                                        on_edit: move |c| dialog.set(CampaignDialog::Edit(c)),
                                        on_close: move |c| dialog.set(CampaignDialog::Reason(ReasonAction::CloseCampaign, c)),
                                        on_cancel: move |c| dialog.set(CampaignDialog::Reason(ReasonAction::CancelCampaign, c)) }
                                }
                            }
                        }
                    }
                    if let Some(cursor) = cursor {
                        div { class: "center",
                            button { class: "btn",
                                onclick: move |_| {
                                    let cursor = cursor.clone();
                                    let s = status();
                                    spawn(async move {
                                        match client.get().admin().campaigns(s, Some(cursor)).await {
                                            Ok(next) => {
                                                let mut slot = more.write();
                                                match slot.as_mut().filter(|m| (m.0, m.1) == key) {
                                                    Some(m) => { m.2.extend(next.items); m.3 = next.next_cursor; }
                                                    None => *slot = Some((key.0, key.1, next.items, next.next_cursor)),
                                                }
                                            }
                                            Err(e) => notices.fail(&e),
                                        }
                                    });
                                },
                                {prefs.t("search-more")}
                            }
                        }
                    }
                }
            }
        }
    };
    let done = move |_| {
        dialog.set(CampaignDialog::None);
        refresh += 1;
    };
    rsx! {
        div { class: "bo-toolbar",
            div { class: "segmented",
                button { class: if showing_open { "seg active" } else { "seg" }, onclick: move |_| open_ones.set(true), {prefs.t("shop-tab-open")} }
                button { class: if !showing_open { "seg active" } else { "seg" }, onclick: move |_| open_ones.set(false), {prefs.t("bo-tab-closed")} }
            }
            span { class: "spacer" }
            button { class: "btn primary", onclick: move |_| dialog.set(CampaignDialog::New), "+ " {prefs.t("bo-campaign-new")} }
        }
        {body}
        match dialog.read().clone() {
            CampaignDialog::None => rsx! {},
            CampaignDialog::New => rsx! {
                CampaignForm { communities: names.clone(), on_close: move |_| dialog.set(CampaignDialog::None), on_saved: done }
            },
            CampaignDialog::Edit(c) => rsx! {
                CampaignEdit { key: "{c.id}", campaign: c.clone(), on_close: move |_| dialog.set(CampaignDialog::None), on_saved: done }
            },
            CampaignDialog::Reason(action, c) => rsx! {
                div { class: "dialog-backdrop",
                    div { class: "dialog", role: "dialog",
                        h3 { "{c.title}" }
                        p { class: "muted small", {prefs.ta("bo-campaign-now", &[("n", Arg::Num(c.participants)), ("min", Arg::Num(c.min_participants))])} }
                        ReasonForm { action, id: c.id.clone(), on_done: done, on_cancel: move |_| dialog.set(CampaignDialog::None) }
                    }
                }
            },
        }
    }
}

/// One group-buy in the list.
#[component]
fn CampaignRow(
    campaign: Campaign,
    communities: Vec<Community>,
    now: i64,
    lang: crate::i18n::Lang,
    on_edit: EventHandler<Campaign>,
    on_close: EventHandler<Campaign>,
    on_cancel: EventHandler<Campaign>,
) -> Element {
    let prefs = use_prefs();
    let c = campaign;
    let offered = if c.community_ids.is_empty() {
        prefs.t("bo-everyone")
    } else {
        c.community_ids
            .iter()
            .map(|id| {
                communities
                    .iter()
                    .find(|k| &k.id == id)
                    .map(|k| k.name.clone())
                    .unwrap_or_else(|| id.chars().take(8).collect())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let open = c.status == CampaignStatus::Open;
    let (e, cl, ca) = (c.clone(), c.clone(), c.clone());
    rsx! {
        tr {
            td {
                b { "{c.title}" }
                div { class: "muted small ellipsis", "{c.product.name}" }
            }
            td { class: "small", "{offered}" }
            td { class: "num nowrap", {won(lang, c.group_price_krw)} }
            td { class: "small nowrap",
                div { {prefs.ta("campaign-participants", &[("n", Arg::Num(c.participants)), ("min", Arg::Num(c.min_participants))])} }
                div { class: "muted", {prefs.ta("campaign-remaining-of", &[("n", Arg::Num(c.remaining)), ("total", Arg::Num(c.stock))])} " · " {prefs.ta("campaign-limit-value", &[("n", Arg::Num(c.per_member_limit))])} }
            }
            td { class: "small nowrap",
                div { {kst_datetime(lang, c.closed_at.unwrap_or(c.deadline_at))} }
                if open {
                    div { class: "muted", {time_left(lang, c.deadline_at, now)} }
                } else {
                    span { class: if c.status == CampaignStatus::Succeeded { "pill good" } else { "pill" }, {prefs.t(campaign_status_key(c.status))} }
                }
            }
            td { class: "row-buttons",
                if open {
                    button { class: "btn ghost", onclick: move |_| on_edit.call(e.clone()), {prefs.t("action-edit")} }
                    button { class: "btn ghost", onclick: move |_| on_close.call(cl.clone()), {prefs.t("bo-close")} }
                    button { class: "btn ghost danger", onclick: move |_| on_cancel.call(ca.clone()), {prefs.t("bo-cancel")} }
                }
            }
        }
    }
}

/// The form that opens a group-buy.
#[component]
fn CampaignForm(
    communities: Vec<Community>,
    on_close: EventHandler<()>,
    on_saved: EventHandler<()>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let products = use_resource(move || async move { client.get().admin().products().await });
    let mut draft = use_signal(|| CampaignDraft::new(crate::ui::now_ms()));
    let mut busy = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let d = draft.read().clone();
    let lang = prefs.lang();
    let sellable: Vec<ShopProduct> = match &*products.read() {
        Some(Ok(list)) => list.iter().filter(|p| !p.archived).cloned().collect(),
        _ => vec![],
    };
    let picked = sellable.iter().find(|p| p.id == d.product_id).cloned();
    let save = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let req = match draft.peek().request(crate::ui::now_ms()) {
            Ok(req) => req,
            Err(key) => {
                problem.set(Some(prefs.t(key)));
                return;
            }
        };
        problem.set(None);
        busy.set(true);
        spawn(async move {
            let result = client.get().admin().create_campaign(&req).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    notices.notify(prefs.t("bo-campaign-opened"));
                    on_saved.call(());
                }
                Err(e) => problem.set(Some(refusal(prefs.lang(), &e))),
            }
        });
    };
    let list = sellable.clone();
    rsx! {
        div { class: "dialog-backdrop",
            form { class: "dialog wide bo-form", role: "dialog", onsubmit: save,
                h3 { {prefs.t("bo-campaign-new")} }
                label { {prefs.t("bo-product")}
                    match &*products.read() {
                        None => rsx! { select { disabled: true, option { {prefs.t("state-loading")} } } },
                        Some(Err(e)) => rsx! { p { class: "form-error", {refusal(lang, e)} } },
                        Some(Ok(_)) => rsx! {
                            select { name: "product",
                                onchange: move |e| {
                                    let id = e.value();
                                    let mut w = draft.write();
                                    if let Some(p) = list.iter().find(|p| p.id == id) {
                                        if w.price.trim().is_empty() { w.price = p.base_price_krw.to_string(); }
                                        if w.title.trim().is_empty() { w.title = p.name.clone(); }
                                    }
                                    w.product_id = id;
                                },
                                option { value: "", {prefs.t("bo-pick-product")} }
                                for p in sellable.clone() {
                                    option { key: "{p.id}", value: "{p.id}", selected: p.id == d.product_id, {format!("{} · {}", p.name, won(lang, p.base_price_krw))} }
                                }
                            }
                        },
                    }
                }
                label { {prefs.t("bo-title")}
                    input { name: "title", value: "{d.title}", maxlength: MAX_SHOP_NAME_CHARS as i64, placeholder: prefs.t("bo-title-default"), oninput: move |e| draft.write().title = e.value() }
                }
                div { class: "field-label", {prefs.t("bo-offered-to")} }
                div { class: "checks",
                    label { class: "check",
                        input { r#type: "checkbox", checked: d.everyone, onchange: move |e| draft.write().everyone = e.checked() }
                        {prefs.t("bo-everyone")}
                    }
                    if !d.everyone {
                        for k in communities.clone() {
                            {
                                let id = k.id.clone();
                                let on = d.communities.contains(&k.id);
                                rsx! {
                                    label { key: "{k.id}", class: "check",
                                        input { r#type: "checkbox", checked: on,
                                            onchange: move |e| {
                                                let mut w = draft.write();
                                                w.communities.retain(|c| c != &id);
                                                if e.checked() { w.communities.push(id.clone()); }
                                            } }
                                        "{k.name}"
                                    }
                                }
                            }
                        }
                    }
                }
                div { class: "grid-2",
                    label { {prefs.t("bo-group-price-won")}
                        input { name: "price", inputmode: "numeric", value: "{d.price}", oninput: move |e| draft.write().price = e.value() }
                        if let (Some(p), Some(price)) = (&picked, parse_count(&d.price)) {
                            if price < p.base_price_krw && p.base_price_krw > 0 {
                                span { class: "small good-text", {prefs.ta("bo-discount", &[("n", Arg::Num((p.base_price_krw - price) * 100 / p.base_price_krw))])} }
                            }
                        }
                    }
                    label { {prefs.t("bo-min-participants")}
                        input { name: "min", inputmode: "numeric", value: "{d.min}", oninput: move |e| draft.write().min = e.value() }
                    }
                    label { {prefs.t("campaign-stock")}
                        input { name: "stock", inputmode: "numeric", value: "{d.stock}", oninput: move |e| draft.write().stock = e.value() }
                    }
                    label { {prefs.t("campaign-limit")}
                        input { name: "limit", inputmode: "numeric", value: "{d.limit}", oninput: move |e| draft.write().limit = e.value() }
                    }
                }
                DeadlineFields { date: d.date.clone(), time: d.time.clone(),
                    on_date: move |v| draft.write().date = v, on_time: move |v| draft.write().time = v }
                if let Some(p) = problem.read().clone() { p { class: "form-error", role: "alert", "{p}" } }
                div { class: "dialog-actions",
                    button { class: "btn", r#type: "button", onclick: move |_| on_close.call(()), {prefs.t("action-cancel")} }
                    button { class: "btn primary", r#type: "submit", disabled: *busy.read(),
                        if *busy.read() { {prefs.t("state-working")} } else { {prefs.t("bo-campaign-open")} } }
                }
            }
        }
    }
}

/// The deadline as a Korean date and time, with the moment spelled out.
#[component]
fn DeadlineFields(
    date: String,
    time: String,
    on_date: EventHandler<String>,
    on_time: EventHandler<String>,
) -> Element {
    let prefs = use_prefs();
    let at = kst_moment(&date, &time);
    rsx! {
        div { class: "grid-2",
            label { {prefs.t("bo-deadline-date")}
                input { name: "deadline_date", r#type: "date", value: "{date}", oninput: move |e| on_date.call(e.value()) }
            }
            label { {prefs.t("bo-deadline-time")}
                input { name: "deadline_time", r#type: "time", value: "{time}", oninput: move |e| on_time.call(e.value()) }
            }
        }
        p { class: "muted small",
            match at {
                Some(at) => rsx! { {prefs.ta("bo-deadline-is", &[("when", Arg::Str(kst_datetime(prefs.lang(), at)))])} },
                None => rsx! { {prefs.t("bo-campaign-bad-deadline")} },
            }
        }
    }
}

/// The edit of an open group-buy.
#[component]
fn CampaignEdit(
    campaign: Campaign,
    on_close: EventHandler<()>,
    on_saved: EventHandler<()>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let start = CampaignEditDraft::of(&campaign);
    let mut draft = use_signal(|| start);
    let mut busy = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let d = draft.read().clone();
    let c = campaign.clone();
    let save = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let req = match draft.peek().request(&c, crate::ui::now_ms()) {
            Ok(req) => req,
            Err(key) => {
                problem.set(Some(prefs.t(key)));
                return;
            }
        };
        if req == EditCampaignRequest::default() {
            on_close.call(());
            return;
        }
        problem.set(None);
        busy.set(true);
        let id = c.id.clone();
        spawn(async move {
            let result = client.get().admin().edit_campaign(&id, &req).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    notices.notify(prefs.t("toast-saved"));
                    on_saved.call(());
                }
                Err(e) => problem.set(Some(refusal(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        div { class: "dialog-backdrop",
            form { class: "dialog wide bo-form", role: "dialog", onsubmit: save,
                h3 { {prefs.t("bo-campaign-edit")} }
                p { class: "muted small", "{campaign.product.name}" }
                label { {prefs.t("bo-title")}
                    input { name: "title", value: "{d.title}", maxlength: MAX_SHOP_NAME_CHARS as i64, oninput: move |e| draft.write().title = e.value() }
                }
                div { class: "grid-2",
                    label { {prefs.t("bo-min-participants")}
                        input { name: "min", inputmode: "numeric", value: "{d.min}", oninput: move |e| draft.write().min = e.value() }
                    }
                    label { {prefs.t("campaign-stock")}
                        input { name: "stock", inputmode: "numeric", value: "{d.stock}", oninput: move |e| draft.write().stock = e.value() }
                    }
                    label { {prefs.t("campaign-limit")}
                        input { name: "limit", inputmode: "numeric", value: "{d.limit}", oninput: move |e| draft.write().limit = e.value() }
                    }
                }
                DeadlineFields { date: d.date.clone(), time: d.time.clone(),
                    on_date: move |v| draft.write().date = v, on_time: move |v| draft.write().time = v }
                if let Some(p) = problem.read().clone() { p { class: "form-error", role: "alert", "{p}" } }
                div { class: "dialog-actions",
                    button { class: "btn", r#type: "button", onclick: move |_| on_close.call(()), {prefs.t("action-cancel")} }
                    button { class: "btn primary", r#type: "submit", disabled: *busy.read(),
                        if *busy.read() { {prefs.t("state-working")} } else { {prefs.t("action-save")} } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moa_client_core::protocol::kst;
    use moa_client_core::protocol::{OptionChoice, OptionGroup};

    fn product() -> ShopProduct {
        ShopProduct {
            id: "p1".into(),
            name: "텀블러".into(),
            description: "보온".into(),
            photos: vec!["m1".into()],
            base_price_krw: 32_000,
            option_groups: vec![OptionGroup {
                name: "색상".into(),
                choices: vec![OptionChoice {
                    id: "c1".into(),
                    name: "블랙".into(),
                    price_delta_krw: 0,
                    stock: 80,
                }],
            }],
            catalog_product_id: None,
            archived: false,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn a_campaign_form_becomes_the_request_with_a_korean_deadline() {
        let now = kst::parse_date("2026-12-03").unwrap_or_default();
        let mut draft = CampaignDraft::new(now);
        assert_eq!(
            (draft.date.as_str(), draft.time.as_str()),
            ("2026-12-10", "20:00")
        );
        assert_eq!(draft.request(now).err(), Some("bo-campaign-need-product"));
        draft.product_id = "p1".into();
        draft.price = "25,000".into();
        let req = draft.request(now);
        assert_eq!(
            req.as_ref().map(|r| r.deadline_at).ok(),
            kst_moment("2026-12-10", "20:00")
        );
        assert_eq!(
            req.as_ref()
                .map(|r| (
                    r.group_price_krw,
                    r.min_participants,
                    r.stock,
                    r.per_member_limit
                ))
                .ok(),
            Some((25_000, 10, 100, 3))
        );
        assert_eq!(
            req.as_ref().map(|r| r.community_ids.is_empty()).ok(),
            Some(true)
        );
        assert_eq!(req.map(|r| r.title).ok().flatten(), None);
        draft.everyone = false;
        assert_eq!(
            draft.request(now).err(),
            Some("bo-campaign-need-communities")
        );
        draft.communities = vec!["snu".into()];
        assert_eq!(
            draft.request(now).map(|r| r.community_ids).ok(),
            Some(vec!["snu".to_owned()])
        );
        for (edit, key) in [
            (
                CampaignDraft {
                    min: "101".into(),
                    ..draft.clone()
                },
                "bo-campaign-bad-min",
            ),
            (
                CampaignDraft {
                    stock: "0".into(),
                    ..draft.clone()
                },
                "bo-campaign-bad-stock",
            ),
            (
                CampaignDraft {
                    limit: "101".into(),
                    ..draft.clone()
                },
                "bo-campaign-bad-limit",
            ),
            (
                CampaignDraft {
                    date: "2026-12-02".into(),
                    ..draft.clone()
                },
                "bo-campaign-past-deadline",
            ),
            (
                CampaignDraft {
                    time: "25:00".into(),
                    ..draft.clone()
                },
                "bo-campaign-bad-deadline",
            ),
        ] {
            assert_eq!(edit.request(now).err(), Some(key), "{edit:?}");
        }
    }

    #[test]
    fn an_edit_sends_only_what_changed() {
        let now = kst::parse_date("2026-12-03").unwrap_or_default();
        let c = Campaign {
            id: "c".into(),
            title: "텀블러 공구".into(),
            product: product(),
            community_ids: vec![],
            group_price_krw: 25_000,
            min_participants: 10,
            participants: 3,
            stock: 100,
            remaining: 90,
            per_member_limit: 3,
            starts_at: now,
            deadline_at: kst_moment("2026-12-10", "20:00").unwrap_or_default(),
            status: CampaignStatus::Open,
            closed_at: None,
            created_at: now,
            updated_at: now,
        };
        let mut draft = CampaignEditDraft::of(&c);
        assert_eq!(draft.request(&c, now), Ok(EditCampaignRequest::default()));
        draft.stock = "150".into();
        draft.time = "21:30".into();
        assert_eq!(
            draft.request(&c, now),
            Ok(EditCampaignRequest {
                stock: Some(150),
                deadline_at: kst_moment("2026-12-10", "21:30"),
                ..EditCampaignRequest::default()
            })
        );
    }
}
