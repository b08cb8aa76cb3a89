//! A place or product page with its reviews (and the product's shop link,
//! opened in the system browser), and the reviews of a tag. These are online
//! reads: offline they say so and offer to try again.

use dioxus::prelude::*;
use moa_client_core::protocol::{Review, SubjectType};

use super::feed::ReviewRow;
use super::{Empty, Failed, Loading, stars};
use crate::i18n::Arg;
use crate::state::{use_client, use_prefs};

/// What a subject page shows at its top.
#[derive(Debug, Clone, PartialEq)]
struct Head {
    name: String,
    detail: String,
    link: Option<String>,
    reviews: i64,
    rating: Option<f64>,
}

#[component]
pub fn SubjectScreen(kind: SubjectType, id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let sid = id.clone();
    let data = use_resource(move || {
        let id = sid.clone();
        async move {
            let client = client.get();
            let head = match kind {
                SubjectType::Place => client.place(&id).await.map(|p| Head {
                    name: p.name,
                    detail: p.address,
                    link: None,
                    reviews: p.review_count,
                    rating: p.average_rating,
                })?,
                SubjectType::Product => client.product(&id).await.map(|p| Head {
                    name: p.name,
                    detail: format!("₩{}", group_thousands(p.price_krw)),
                    link: (!p.shop_url.is_empty()).then_some(p.shop_url),
                    reviews: p.review_count,
                    rating: p.average_rating,
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
            rsx! {
                div { class: "card subject-head",
                    h2 { if kind == SubjectType::Place { "📍 " } else { "🛍 " } "{head.name}" }
                    p { class: "muted", "{head.detail}" }
                    p {
                        if let Some(r) = head.rating { span { class: "stars", {stars(r.round() as i64)} } " {r:.1} · " }
                        {prefs.ta("subject-review-count", &[("count", Arg::Num(head.reviews))])}
                    }
                    if let Some(link) = head.link.clone() {
                        button { class: "btn", onclick: move |_| crate::media::open_external(&link), "↗ " {prefs.t("subject-open-shop")} }
                    }
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
