//! 상품: what the shop sells. The list (archived ones marked, their option
//! groups and the stock left), a form for the name, description, base price
//! and option groups with their choices (name, price difference, stock),
//! and archiving, which asks first.
//!
//! The form keeps what was typed as text ([`ProductDraft`]) and turns it
//! into the request in a plain function, tested below, that names the
//! field a person must fix.

use dioxus::prelude::*;
use moa_client_core::protocol::shop::{MAX_OPTION_CHOICES, MAX_OPTION_GROUPS, MAX_SHOP_NAME_CHARS};
use moa_client_core::protocol::{
    OptionChoiceInput, OptionGroupInput, ShopProduct, ShopProductRequest,
};

use super::{parse_count, parse_won, refusal};
use crate::i18n::Arg;
use crate::state::{use_client, use_notices, use_prefs};
use crate::ui::shop::won;
use crate::ui::{Empty, Failed, Loading};

/// A choice of an option group as typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChoiceDraft {
    /// Kept for an existing choice (its stock counts and orders stay linked).
    pub id: Option<String>,
    pub name: String,
    pub delta: String,
    pub stock: String,
}

/// An option group as typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupDraft {
    pub name: String,
    pub choices: Vec<ChoiceDraft>,
}

/// A product as typed in the form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductDraft {
    pub name: String,
    pub description: String,
    pub base_price: String,
    pub groups: Vec<GroupDraft>,
}

impl ProductDraft {
    /// The form filled with `product`.
    pub fn of(product: &ShopProduct) -> ProductDraft {
        ProductDraft {
            name: product.name.clone(),
            description: product.description.clone(),
            base_price: product.base_price_krw.to_string(),
            groups: product
                .option_groups
                .iter()
                .map(|g| GroupDraft {
                    name: g.name.clone(),
                    choices: g
                        .choices
                        .iter()
                        .map(|c| ChoiceDraft {
                            id: Some(c.id.clone()),
                            name: c.name.clone(),
                            delta: c.price_delta_krw.to_string(),
                            stock: c.stock.to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// The request, keeping `existing`'s photos and catalog link; or the
    /// catalog key of what to fix.
    pub fn request(
        &self,
        existing: Option<&ShopProduct>,
    ) -> Result<ShopProductRequest, &'static str> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_SHOP_NAME_CHARS {
            return Err("bo-product-need-name");
        }
        let base_price_krw = parse_count(&self.base_price).ok_or("bo-product-need-price")?;
        if self.groups.len() > MAX_OPTION_GROUPS {
            return Err("bo-product-too-many-groups");
        }
        let mut option_groups = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let group_name = g.name.trim();
            if group_name.is_empty() || group_name.chars().count() > MAX_SHOP_NAME_CHARS {
                return Err("bo-product-need-group-name");
            }
            if g.choices.is_empty() || g.choices.len() > MAX_OPTION_CHOICES {
                return Err("bo-product-need-choices");
            }
            let mut choices = Vec::with_capacity(g.choices.len());
            for c in &g.choices {
                let choice_name = c.name.trim();
                if choice_name.is_empty() || choice_name.chars().count() > MAX_SHOP_NAME_CHARS {
                    return Err("bo-product-need-choice-name");
                }
                let price_delta_krw = if c.delta.trim().is_empty() {
                    0
                } else {
                    parse_won(&c.delta).ok_or("bo-product-bad-delta")?
                };
                let stock = parse_count(&c.stock).ok_or("bo-product-bad-stock")?;
                choices.push(OptionChoiceInput {
                    id: c.id.clone(),
                    name: choice_name.to_owned(),
                    price_delta_krw,
                    stock,
                });
            }
            option_groups.push(OptionGroupInput {
                name: group_name.to_owned(),
                choices,
            });
        }
        Ok(ShopProductRequest {
            name: name.to_owned(),
            description: self.description.trim().to_owned(),
            photos: existing.map(|p| p.photos.clone()).unwrap_or_default(),
            base_price_krw,
            option_groups,
            catalog_product_id: existing.and_then(|p| p.catalog_product_id.clone()),
        })
    }
}

/// What the product list is doing: nothing, a form, or asking to archive.
#[derive(Debug, Clone, PartialEq)]
enum ProductDialog {
    None,
    New,
    Edit(ShopProduct),
    Archive(ShopProduct),
}

#[component]
pub(super) fn Products() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut refresh = use_signal(|| 0u32);
    let mut dialog = use_signal(|| ProductDialog::None);
    let list = use_resource(move || {
        let _ = refresh.read();
        async move { client.get().admin().products().await }
    });
    let lang = prefs.lang();
    let body = match &*list.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| refresh += 1 } },
        Some(Ok(products)) if products.is_empty() => rsx! {
            Empty { title: prefs.t("bo-products-empty"), hint: prefs.t("bo-products-empty-hint") }
        },
        Some(Ok(products)) => rsx! {
            div { class: "card table-card",
                table { class: "table",
                    thead { tr {
                        th { {prefs.t("subject-name")} }
                        th { class: "num", {prefs.t("bo-base-price")} }
                        th { {prefs.t("bo-options")} }
                        th { class: "num", {prefs.t("bo-stock-left")} }
                        th {}
                    } }
                    tbody {
                        for p in products.clone() {
                            tr { key: "{p.id}", class: if p.archived { "archived" } else { "" },
                                td {
                                    b { "{p.name}" }
                                    if p.archived { " " span { class: "pill", {prefs.t("bo-archived")} } }
                                    if !p.description.is_empty() { div { class: "muted small ellipsis", "{p.description}" } }
                                }
                                td { class: "num nowrap", {won(lang, p.base_price_krw)} }
                                td { class: "small",
                                    if p.option_groups.is_empty() { span { class: "muted", {prefs.t("bo-no-options")} } }
                                    for g in p.option_groups.clone() {
                                        div { key: "{g.name}", b { "{g.name}" } " "
                                            span { class: "muted", {g.choices.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(" · ")} }
                                        }
                                    }
                                }
                                td { class: "num", {stock_left(&p)} }
                                td { class: "row-buttons",
                                    {
                                        let (edit, archive) = (p.clone(), p.clone());
                                        rsx! {
                                            button { class: "btn ghost", onclick: move |_| dialog.set(ProductDialog::Edit(edit.clone())), {prefs.t("action-edit")} }
                                            if !p.archived {
                                                button { class: "btn ghost danger", onclick: move |_| dialog.set(ProductDialog::Archive(archive.clone())), {prefs.t("bo-archive")} }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    };
    let archive = move |p: ShopProduct| {
        spawn(async move {
            match client.get().admin().archive_product(&p.id).await {
                Ok(_) => {
                    notices.notify(prefs.t("bo-archived-done"));
                    dialog.set(ProductDialog::None);
                    refresh += 1;
                }
                Err(e) => notices.error(refusal(prefs.lang(), &e)),
            }
        });
    };
    rsx! {
        div { class: "bo-toolbar",
            p { class: "muted small", {prefs.t("bo-products-hint")} }
            span { class: "spacer" }
            button { class: "btn primary", onclick: move |_| dialog.set(ProductDialog::New), "+ " {prefs.t("bo-product-new")} }
        }
        {body}
        match dialog.read().clone() {
            ProductDialog::None => rsx! {},
            ProductDialog::New => rsx! {
                ProductForm { product: None, on_close: move |_| dialog.set(ProductDialog::None), on_saved: move |_| { dialog.set(ProductDialog::None); refresh += 1 } }
            },
            ProductDialog::Edit(p) => rsx! {
                ProductForm { key: "{p.id}", product: Some(p.clone()), on_close: move |_| dialog.set(ProductDialog::None), on_saved: move |_| { dialog.set(ProductDialog::None); refresh += 1 } }
            },
            ProductDialog::Archive(p) => rsx! {
                div { class: "dialog-backdrop",
                    div { class: "dialog", role: "dialog",
                        h3 { {prefs.ta("bo-archive-title", &[("name", Arg::Str(p.name.clone()))])} }
                        p { {prefs.t("bo-archive-hint")} }
                        div { class: "dialog-actions",
                            button { class: "btn", onclick: move |_| dialog.set(ProductDialog::None), {prefs.t("action-keep")} }
                            button { class: "btn danger", onclick: move |_| archive(p.clone()), {prefs.t("bo-archive")} }
                        }
                    }
                }
            },
        }
    }
}

/// Units left over every choice ("—" without options).
fn stock_left(p: &ShopProduct) -> String {
    if p.option_groups.is_empty() {
        return "—".into();
    }
    // An order takes one choice of each group, so the first group's stock
    // bounds the units.
    p.option_groups
        .first()
        .map(|g| g.choices.iter().map(|c| c.stock).sum::<i64>().to_string())
        .unwrap_or_default()
}

/// The product form: create, or edit `product`.
#[component]
fn ProductForm(
    product: Option<ShopProduct>,
    on_close: EventHandler<()>,
    on_saved: EventHandler<()>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let start = product
        .as_ref()
        .map(ProductDraft::of)
        .unwrap_or_else(|| ProductDraft {
            groups: vec![],
            ..ProductDraft::default()
        });
    let mut draft = use_signal(|| start);
    let mut busy = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let d = draft.read().clone();
    let existing = product.clone();
    let save = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let req = match draft.peek().request(existing.as_ref()) {
            Ok(req) => req,
            Err(key) => {
                problem.set(Some(prefs.t(key)));
                return;
            }
        };
        problem.set(None);
        busy.set(true);
        let id = existing.as_ref().map(|p| p.id.clone());
        spawn(async move {
            let admin = client.get().admin();
            let result = match &id {
                Some(id) => admin.update_product(id, &req).await,
                None => admin.create_product(&req).await,
            };
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
    let title = if product.is_some() {
        "bo-product-edit"
    } else {
        "bo-product-new"
    };
    rsx! {
        div { class: "dialog-backdrop",
            form { class: "dialog wide bo-form", role: "dialog", onsubmit: save,
                h3 { {prefs.t(title)} }
                label { {prefs.t("subject-name")}
                    input { name: "name", value: "{d.name}", maxlength: MAX_SHOP_NAME_CHARS as i64, oninput: move |e| draft.write().name = e.value() }
                }
                label { {prefs.t("bo-description")}
                    textarea { name: "description", rows: 3, value: "{d.description}", oninput: move |e| draft.write().description = e.value() }
                }
                label { {prefs.t("bo-base-price-won")}
                    input { name: "base_price", inputmode: "numeric", value: "{d.base_price}", placeholder: "10,000", oninput: move |e| draft.write().base_price = e.value() }
                }
                h4 { {prefs.t("bo-options")} }
                if d.groups.is_empty() { p { class: "muted small", {prefs.t("bo-no-options-hint")} } }
                for (gi, g) in d.groups.iter().enumerate() {
                    fieldset { key: "{gi}", class: "option-editor",
                        div { class: "row-form",
                            input { placeholder: prefs.t("bo-group-name"), value: "{g.name}",
                                oninput: move |e| if let Some(g) = draft.write().groups.get_mut(gi) { g.name = e.value() } }
                            button { class: "btn ghost remove-group", r#type: "button",
                                onclick: move |_| { let mut w = draft.write(); if gi < w.groups.len() { w.groups.remove(gi); } },
                                {prefs.t("bo-remove-group")} }
                        }
                        table { class: "table choices",
                            thead { tr { th { {prefs.t("bo-choice-name")} } th { {prefs.t("bo-price-delta")} } th { {prefs.t("campaign-stock")} } th {} } }
                            tbody {
                                for (ci, c) in g.choices.iter().enumerate() {
                                    tr { key: "{ci}",
                                        td { input { value: "{c.name}", placeholder: prefs.t("bo-choice-placeholder"),
                                            oninput: move |e| if let Some(c) = draft.write().groups.get_mut(gi).and_then(|g| g.choices.get_mut(ci)) { c.name = e.value() } } }
                                        td { input { class: "num", value: "{c.delta}", placeholder: "0", inputmode: "numeric",
                                            oninput: move |e| if let Some(c) = draft.write().groups.get_mut(gi).and_then(|g| g.choices.get_mut(ci)) { c.delta = e.value() } } }
                                        td { input { class: "num", value: "{c.stock}", placeholder: "0", inputmode: "numeric",
                                            oninput: move |e| if let Some(c) = draft.write().groups.get_mut(gi).and_then(|g| g.choices.get_mut(ci)) { c.stock = e.value() } } }
                                        td { button { class: "icon-btn", r#type: "button", title: prefs.t("action-remove"),
                                            onclick: move |_| if let Some(g) = draft.write().groups.get_mut(gi) && ci < g.choices.len() { g.choices.remove(ci); },
                                            "×" } }
                                    }
                                }
                            }
                        }
                        if g.choices.len() < MAX_OPTION_CHOICES {
                            button { class: "btn ghost", r#type: "button",
                                onclick: move |_| if let Some(g) = draft.write().groups.get_mut(gi) { g.choices.push(ChoiceDraft::default()) },
                                "+ " {prefs.t("bo-add-choice")} }
                        }
                    }
                }
                if d.groups.len() < MAX_OPTION_GROUPS {
                    button { class: "btn", r#type: "button",
                        onclick: move |_| draft.write().groups.push(GroupDraft { name: String::new(), choices: vec![ChoiceDraft::default()] }),
                        "+ " {prefs.t("bo-add-group")} }
                }
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
    fn a_product_form_round_trips_and_keeps_choice_ids_and_photos() {
        let p = product();
        let mut draft = ProductDraft::of(&p);
        draft.groups[0].choices.push(ChoiceDraft {
            id: None,
            name: "세이지 그린".into(),
            delta: "1,500".into(),
            stock: "8".into(),
        });
        let req = draft.request(Some(&p));
        let req = req.as_ref().map_err(|k| *k);
        assert_eq!(req.map(|r| r.photos.clone()), Ok(vec!["m1".to_owned()]));
        let choices = req
            .map(|r| r.option_groups[0].choices.clone())
            .unwrap_or_default();
        assert_eq!(choices[0].id.as_deref(), Some("c1"));
        assert_eq!(
            (
                choices[1].id.clone(),
                choices[1].price_delta_krw,
                choices[1].stock
            ),
            (None, 1_500, 8)
        );
    }

    #[test]
    fn a_product_form_names_what_to_fix() {
        let ok = ProductDraft {
            name: "감귤".into(),
            base_price: "29,900".into(),
            ..ProductDraft::default()
        };
        assert_eq!(ok.request(None).map(|r| r.base_price_krw), Ok(29_900));
        let cases = [
            (
                ProductDraft {
                    name: " ".into(),
                    ..ok.clone()
                },
                "bo-product-need-name",
            ),
            (
                ProductDraft {
                    base_price: "공짜".into(),
                    ..ok.clone()
                },
                "bo-product-need-price",
            ),
            (
                ProductDraft {
                    groups: vec![GroupDraft {
                        name: "색상".into(),
                        choices: vec![],
                    }],
                    ..ok.clone()
                },
                "bo-product-need-choices",
            ),
            (
                ProductDraft {
                    groups: vec![GroupDraft {
                        name: "".into(),
                        choices: vec![ChoiceDraft::default()],
                    }],
                    ..ok.clone()
                },
                "bo-product-need-group-name",
            ),
            (
                ProductDraft {
                    groups: vec![GroupDraft {
                        name: "색상".into(),
                        choices: vec![ChoiceDraft {
                            name: "블랙".into(),
                            stock: "-1".into(),
                            ..ChoiceDraft::default()
                        }],
                    }],
                    ..ok.clone()
                },
                "bo-product-bad-stock",
            ),
            (
                ProductDraft {
                    groups: vec![GroupDraft {
                        name: "색상".into(),
                        choices: vec![ChoiceDraft {
                            name: "블랙".into(),
                            delta: "x".into(),
                            stock: "1".into(),
                            ..ChoiceDraft::default()
                        }],
                    }],
                    ..ok.clone()
                },
                "bo-product-bad-delta",
            ),
        ];
        for (draft, key) in cases {
            assert_eq!(draft.request(None).err(), Some(key), "{draft:?}");
        }
    }
}
