//! 상품·공동구매: what the shop sells ([`super::products`]) and the
//! group-buys it runs ([`super::campaigns`]), as one tab with a switch
//! between the two.

use dioxus::prelude::*;

use super::campaigns::Campaigns;
use super::products::Products;
use crate::state::use_prefs;

/// Which half of the tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    Campaigns,
    Products,
}

/// 상품·공동구매.
#[component]
pub fn CatalogTab() -> Element {
    let prefs = use_prefs();
    let mut half = use_signal(|| Half::Campaigns);
    let now = *half.read();
    rsx! {
        div { class: "segmented",
            button { class: if now == Half::Campaigns { "seg active" } else { "seg" }, onclick: move |_| half.set(Half::Campaigns), {prefs.t("bo-campaigns")} }
            button { class: if now == Half::Products { "seg active" } else { "seg" }, onclick: move |_| half.set(Half::Products), {prefs.t("bo-products")} }
        }
        match now {
            Half::Campaigns => rsx! { Campaigns {} },
            Half::Products => rsx! { Products {} },
        }
    }
}
