//! A place or product page with its reviews (and its link, a map or the
//! shop's page, opened in the system browser), and the reviews of a tag.
//! The member who added a place or product (or a moderator) edits it or
//! deletes it here (through the outbox; a deleted one with reviews shows as
//! deleted). These are online reads: offline they say so and offer to try
//! again. A product's page also shows 비슷한 상품 (hidden when there is none),
//! each opening that product's page.

use dioxus::prelude::*;
use moa_client_core::Topic;
use moa_client_core::protocol::{
    EditPlaceRequest, EditProductRequest, Product, Review, SubjectType,
};

use super::feed::ReviewRow;
use super::{Empty, Failed, Loading, Photo, stars};
use crate::i18n::Arg;
use crate::route::Route;
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_session, use_topics};

/// What a subject page shows at its top.
#[derive(Debug, Clone, PartialEq)]
struct Head {
    name: String,
    detail: String,
    link: Option<String>,
    reviews: i64,
    rating: Option<f64>,
    created_by: String,
    deleted: bool,
    /// The place's address or the product's price, as the edit form shows it.
    second: String,
}

#[component]
pub fn SubjectScreen(kind: SubjectType, id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let session = use_session();
    let notices = use_notices();
    let topics = use_topics();
    let mut editing = use_signal(|| false);
    let mut confirm_delete = use_signal(|| false);
    let sid = id.clone();
    let data = use_resource(move || {
        let id = sid.clone();
        // Read again once a change of it was sent.
        let _ = topics.watch(Topic::Outbox);
        async move {
            let client = client.get();
            let head = match kind {
                SubjectType::Place => client.place(&id).await.map(|p| Head {
                    name: p.name,
                    detail: p.address.clone(),
                    link: (!p.link.is_empty()).then_some(p.link),
                    reviews: p.review_count,
                    rating: p.average_rating,
                    created_by: p.created_by,
                    deleted: p.deleted,
                    second: p.address,
                })?,
                SubjectType::Product => client.product(&id).await.map(|p| Head {
                    name: p.name,
                    detail: format!("₩{}", group_thousands(p.price_krw)),
                    link: (!p.shop_url.is_empty()).then_some(p.shop_url),
                    reviews: p.review_count,
                    rating: p.average_rating,
                    created_by: p.created_by,
                    deleted: p.deleted,
                    second: p.price_krw.to_string(),
                })?,
            };
            let page = client.subject_reviews(kind, &id, None).await?;
            Ok::<_, moa_client_core::Error>((head, page.items))
        }
    });
    let title = prefs.t(if kind == SubjectType::Place {
        "target-place"
    } else {
        "target-product"
    });
    let body = match &*data.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => {
            rsx! { Failed { error: e.clone(), retry: move |_| { let mut d = data; d.restart() } } }
        }
        Some(Ok((head, reviews))) => {
            let head = head.clone();
            let may_change = !head.deleted
                && (session.my_id().as_deref() == Some(head.created_by.as_str())
                    || session.is_moderator());
            rsx! {
                div { class: "card subject-head",
                    if head.deleted { p { class: "pill warn", {prefs.t("subject-deleted")} } }
                    h2 { if kind == SubjectType::Place { "📍 " } else { "🛍 " } "{head.name}" }
                    p { class: "muted", "{head.detail}" }
                    p {
                        if let Some(r) = head.rating { span { class: "stars", {stars(r.round() as i64)} } " {r:.1} · " }
                        {prefs.ta("subject-review-count", &[("count", Arg::Num(head.reviews))])}
                    }
                    div { class: "row-actions",
                        if let Some(link) = head.link.clone() {
                            button { class: "btn", onclick: move |_| crate::media::open_external(&link),
                                "↗ " {prefs.t(if kind == SubjectType::Place { "subject-open-link" } else { "subject-open-shop" })}
                            }
                        }
                        if kind == SubjectType::Place && !head.deleted {
                            super::ShareButton { kind: moa_client_core::protocol::links::LinkKind::Place, id: id.clone() }
                        }
                        if may_change {
                            button { class: "btn ghost", onclick: move |_| editing.set(true), {prefs.t("action-edit")} }
                            button { class: "btn ghost danger", onclick: move |_| confirm_delete.set(true), {prefs.t("action-delete")} }
                        }
                    }
                }
                if *editing.read() {
                    EditSubject { kind, id: id.clone(), head: head.clone(), on_close: move |_| editing.set(false) }
                }
                if *confirm_delete.read() {
                    div { class: "dialog-backdrop",
                        div { class: "dialog", role: "dialog",
                            p { {prefs.t(if head.reviews > 0 { "subject-delete-keeps" } else { "subject-delete-confirm" })} }
                            div { class: "dialog-actions",
                                button { class: "btn", onclick: move |_| confirm_delete.set(false), {prefs.t("action-cancel")} }
                                button { class: "btn danger",
                                    onclick: {
                                        let id = id.clone();
                                        move |_| {
                                            confirm_delete.set(false);
                                            let id = id.clone();
                                            spawn(async move {
                                                let client = client.get();
                                                let sent = match kind {
                                                    SubjectType::Place => client.delete_place(&id).await,
                                                    SubjectType::Product => client.delete_product(&id).await,
                                                };
                                                match sent {
                                                    Ok(_) => notices.notify(prefs.t("subject-deleted-toast")),
                                                    Err(e) => notices.fail(&e),
                                                }
                                            });
                                        }
                                    },
                                    {prefs.t("action-delete")}
                                }
                            }
                        }
                    }
                }
                if kind == SubjectType::Product && !head.deleted {
                    SimilarProducts { id: id.clone() }
                }
                ReviewList { reviews: reviews.clone() }
            }
        }
    };
    rsx! {
        super::Header { title }
        div { class: "scroll", {body} }
    }
}

/// 비슷한 상품: a row of products like this one, each opening its page.
/// Asked once per opening (offline: the list kept); hidden when there is
/// none, a spinner under the heading while asking.
#[component]
fn SimilarProducts(id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let pid = id.clone();
    let similar = use_resource(move || {
        let id = pid.clone();
        async move { client.get().similar_products(&id).await }
    });
    let products = match &*similar.read() {
        None => {
            return rsx! {
                section { class: "similar loading",
                    h3 { {prefs.t("similar-products")} }
                    div { class: "similar-row", div { class: "spinner" } }
                }
            };
        }
        Some(Err(e)) => {
            tracing::debug!(error = %e, "no similar products");
            return rsx! {};
        }
        Some(Ok(list)) if list.is_empty() => return rsx! {},
        Some(Ok(list)) => list.clone(),
    };
    rsx! {
        section { class: "similar",
            h3 { {prefs.t("similar-products")} }
            div { class: "similar-row",
                for product in products {
                    SimilarProductCard { key: "{product.id}", product }
                }
            }
        }
    }
}

/// One card of 비슷한 상품: photo (if any), name, price, rating and how
/// many reviews.
#[component]
fn SimilarProductCard(product: Product) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let id = product.id.clone();
    rsx! {
        a { class: "similar-card product",
            onclick: move |_| nav.go(Route::Subject(SubjectType::Product, id.clone())),
            if let Some(photo) = product.photos.first() {
                Photo { id: photo.clone(), thumbnail: true, class: "similar-thumb" }
            }
            span { class: "similar-title", "🛍 {product.name}" }
            span { class: "similar-price", "₩{group_thousands(product.price_krw)}" }
            span { class: "similar-foot",
                if let Some(r) = product.average_rating {
                    span { class: "stars", {stars(r.round() as i64)} }
                    span { " {r:.1}" }
                }
                span { {prefs.ta("subject-review-count", &[("count", Arg::Num(product.review_count))])} }
            }
        }
    }
}

/// The edit form of a place (name, address, link) or a product (name,
/// price, shop link), sent through the outbox.
#[component]
fn EditSubject(kind: SubjectType, id: String, head: Head, on_close: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut name = use_signal(|| head.name.clone());
    let mut second = use_signal(|| head.second.clone());
    let mut link = use_signal(|| head.link.clone().unwrap_or_default());
    let mut error = use_signal(|| None::<String>);
    let place = kind == SubjectType::Place;
    rsx! {
        div { class: "dialog-backdrop",
            div { class: "dialog", role: "dialog",
                h3 { {prefs.t(if place { "subject-edit-place" } else { "subject-edit-product" })} }
                label { {prefs.t("subject-name")} input { value: "{name}", oninput: move |e| name.set(e.value()) } }
                if place {
                    label { {prefs.t("subject-address")} input { value: "{second}", oninput: move |e| second.set(e.value()) } }
                } else {
                    label { {prefs.t("subject-price")} input { r#type: "number", min: "0", value: "{second}", oninput: move |e| second.set(e.value()) } }
                }
                label { {prefs.t(if place { "subject-link" } else { "subject-shop-link" })}
                    input { value: "{link}", placeholder: "https://", oninput: move |e| link.set(e.value()) }
                }
                if let Some(err) = error.read().clone() { p { class: "form-error", "{err}" } }
                div { class: "dialog-actions",
                    button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("action-cancel")} }
                    button { class: "btn primary",
                        onclick: move |_| {
                            let id = id.clone();
                            let (n, s, l) = (name.peek().trim().to_owned(), second.peek().trim().to_owned(), link.peek().trim().to_owned());
                            spawn(async move {
                                let client = client.get();
                                let sent = if place {
                                    client.edit_place(&id, EditPlaceRequest { name: Some(n), address: Some(s), category: None, link: Some(l) }).await
                                } else {
                                    let Ok(price) = s.parse::<i64>() else {
                                        error.set(Some(prefs.t("subject-price-invalid")));
                                        return;
                                    };
                                    client.edit_product(&id, EditProductRequest { name: Some(n), price_krw: Some(price), shop_url: Some(l), ..Default::default() }).await
                                };
                                match sent {
                                    Ok(_) => { notices.notify(prefs.t("toast-saved")); on_close.call(()) }
                                    Err(e) => error.set(Some(super::error_text(prefs.lang(), &e))),
                                }
                            });
                        },
                        {prefs.t("action-save")}
                    }
                }
            }
        }
    }
}

#[component]
pub fn TagScreen(tag: String) -> Element {
    let client = use_client();
    let t = tag.clone();
    let data = use_resource(move || {
        let tag = t.clone();
        async move { client.get().tag_reviews(&tag, None).await }
    });
    let body = match &*data.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => {
            rsx! { Failed { error: e.clone(), retry: move |_| { let mut d = data; d.restart() } } }
        }
        Some(Ok(page)) => rsx! { ReviewList { reviews: page.items.clone() } },
    };
    rsx! {
        super::Header { title: "#{tag}" }
        div { class: "scroll", {body} }
    }
}

/// Reviews in a plain list (short lists: subject pages, profiles).
#[component]
pub fn ReviewList(reviews: Vec<Review>) -> Element {
    let prefs = use_prefs();
    if reviews.is_empty() {
        return rsx! { Empty { title: prefs.t("reviews-empty") } };
    }
    rsx! {
        div { class: "feed",
            for review in reviews {
                ReviewRow { key: "{review.id}", review }
            }
        }
    }
}

/// 12000 → "12,000".
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prices_group_by_thousands() {
        assert_eq!(super::group_thousands(0), "0");
        assert_eq!(super::group_thousands(4500), "4,500");
        assert_eq!(super::group_thousands(1_234_567), "1,234,567");
    }
}
