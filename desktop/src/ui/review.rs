//! A review: photos (full size on click), body, subject, likes, scrap, a
//! share link, comments and replies with likes, and reports. The author can
//! edit or delete it. Everything shows from the cache; writes show at once
//! and go out through the outbox. Under the review, 비슷한 리뷰: reviews like
//! it (kept for offline). A review that stays on screen for
//! [`VIEW_DWELL_MS`] counts as read (`note_view`, batched in the outbox),
//! which is what the 추천 tab learns from.

use dioxus::prelude::*;
use moa_client_core::protocol::limits::VIEW_DWELL_MS;
use moa_client_core::protocol::links::LinkKind;
use moa_client_core::protocol::{Comment, ReportReason, ReportTarget, Review, ReviewKind};
use moa_client_core::{LikeTarget, Topic};

use super::feed::subject_icon;
use super::{AuthorName, Avatar, Failed, Loading, Photo, stars};
use crate::i18n::ago;
use crate::route::Route;
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_session, use_topics};

#[component]
pub fn ReviewScreen(id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let topics = use_topics();
    let version = move || {
        topics.watch(Topic::Reviews)
            + topics.watch(Topic::Comments)
            + topics.watch(Topic::Likes)
            + topics.watch(Topic::Scraps)
    };
    let rid = id.clone();
    let detail = use_resource(move || {
        let _ = version();
        let id = rid.clone();
        async move { client.get().review(&id).await }
    });
    // Once the review shows, a timer: still on screen after the dwell (this
    // screen unmounts when another opens, which drops the timer), it counts
    // as read. Once per opening; not the member's own nor a deleted one.
    let session = use_session();
    let timing = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(false)));
    let view_id = id.clone();
    use_effect(move || {
        let readable = match &*detail.read() {
            Some(Ok(d)) => {
                !d.review.deleted && session.my_id().as_deref() != Some(d.review.author.id.as_str())
            }
            _ => false,
        };
        if !readable || timing.replace(true) {
            return;
        }
        let id = view_id.clone();
        spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(VIEW_DWELL_MS)).await;
            if let Err(e) = client.get().note_view(&id, VIEW_DWELL_MS).await {
                tracing::debug!(error = %e, "the view was not noted");
            }
        });
    });
    let mut lightbox = use_signal(|| None::<String>);
    let body = match &*detail.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => {
            rsx! { Failed { error: e.clone(), retry: move |_| { let mut d = detail; d.restart() } } }
        }
        Some(Ok(d)) => {
            let review = d.review.clone();
            let comments = d.comments.clone();
            rsx! {
                ReviewBody { review: review.clone(), on_photo: move |p| lightbox.set(Some(p)) }
                SimilarReviews { id: review.id.clone() }
                Comments { review_id: review.id.clone(), comments }
            }
        }
    };
    rsx! {
        super::Header { title: prefs.t("review-title") }
        div { class: "scroll",
            div { class: "review-detail", {body} }
        }
        if let Some(photo) = lightbox.read().clone() {
            div { class: "lightbox", onclick: move |_| lightbox.set(None),
                img { src: crate::media::url(&photo, false), alt: "" }
                button { class: "icon-btn close", "×" }
            }
        }
    }
}

#[component]
fn ReviewBody(review: Review, on_photo: EventHandler<String>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let session = use_session();
    let notices = use_notices();
    let mine = session.my_id().as_deref() == Some(review.author.id.as_str());
    let mut reporting = use_signal(|| false);
    let mut confirm_delete = use_signal(|| false);
    let now = super::now_ms();
    let (id, liked, scrapped) = (review.id.clone(), review.liked_by_me, review.scrapped_by_me);
    let like_id = id.clone();
    let scrap_id = id.clone();
    let share_id = id.clone();
    let edit_id = id.clone();
    let delete_id = id.clone();
    rsx! {
        article { class: "card review",
            div { class: "review-head",
                Avatar { author: review.author.clone(), size: 44 }
                div {
                    div { AuthorName { author: review.author.clone() } }
                    div { class: "muted small",
                        {ago(prefs.lang(), review.created_at, now)}
                        if review.edited_at.is_some() { " · " {prefs.t("review-edited")} }
                    }
                }
                if review.official { span { class: "pill official", {prefs.t("review-official")} } }
                if review.hidden { span { class: "pill warn", {prefs.t("review-hidden")} } }
            }
            if !review.title.is_empty() { h2 { class: "review-title", "{review.title}" } }
            if let Some(subject) = review.subject.clone() {
                div { class: "subject-line",
                    a { class: "pill subject",
                        onclick: move |_| nav.go(Route::Subject(subject.kind, subject.id.clone())),
                        {subject_icon(subject.kind)} " {subject.name}"
                    }
                    if let Some(r) = review.rating { span { class: "stars", {stars(r)} } }
                }
            }
            if !review.photos.is_empty() {
                div { class: "photos",
                    for photo in review.photos.iter().cloned() {
                        Photo { key: "{photo}", id: photo.clone(), thumbnail: false, class: "review-photo",
                            onclick: move |_| on_photo.call(photo.clone()) }
                    }
                }
            }
            p { class: "review-text", "{review.body}" }
            if !review.tags.is_empty() {
                div { class: "tags",
                    for tag in review.tags.iter().cloned() {
                        a { class: "tag", onclick: move |_| nav.go(Route::Tag(tag.clone())), "#{tag}" }
                    }
                }
            }
            div { class: "actions",
                button { class: if liked { "btn ghost liked" } else { "btn ghost" },
                    onclick: move |_| {
                        let id = like_id.clone();
                        spawn(async move { if let Err(e) = client.get().set_like(LikeTarget::Review, &id, !liked).await { notices.fail(&e) } });
                    },
                    if liked { "♥ " } else { "♡ " } {prefs.t("review-like")} " {review.like_count}"
                }
                button { class: if scrapped { "btn ghost active" } else { "btn ghost" },
                    onclick: move |_| {
                        let id = scrap_id.clone();
                        spawn(async move {
                            match client.get().set_scrap(&id, !scrapped).await {
                                Ok(()) => notices.notify(prefs.t(if scrapped { "toast-unscrapped" } else { "toast-scrapped" })),
                                Err(e) => notices.fail(&e),
                            }
                        });
                    },
                    "🔖 " {prefs.t("review-scrap")}
                }
                super::ShareButton { kind: LinkKind::Review, id: share_id.clone() }
                span { class: "spacer" }
                if mine {
                    button { class: "btn ghost", onclick: move |_| nav.go(Route::Compose(Some(edit_id.clone()))), {prefs.t("action-edit")} }
                    button { class: "btn ghost danger", onclick: move |_| confirm_delete.set(true), {prefs.t("action-delete")} }
                } else {
                    button { class: "btn ghost", onclick: move |_| reporting.set(true), "⚑ " {prefs.t("action-report")} }
                }
            }
        }
        if *reporting.read() {
            ReportDialog { target: ReportTarget::Review, id: id.clone(), on_close: move |_| reporting.set(false) }
        }
        if *confirm_delete.read() {
            div { class: "dialog-backdrop",
                div { class: "dialog", role: "dialog",
                    p { {prefs.t("review-delete-confirm")} }
                    div { class: "dialog-actions",
                        button { class: "btn", onclick: move |_| confirm_delete.set(false), {prefs.t("action-cancel")} }
                        button { class: "btn danger",
                            onclick: move |_| {
                                let id = delete_id.clone();
                                confirm_delete.set(false);
                                spawn(async move {
                                    match client.get().delete_review(&id).await {
                                        Ok(()) => { notices.notify(prefs.t("toast-deleted")); nav.back(); }
                                        Err(e) => notices.fail(&e),
                                    }
                                });
                            },
                            {prefs.t("action-delete")}
                        }
                    }
                }
            }
        }
    }
}

/// 비슷한 리뷰: a row of cards that open the review. Asked once per opening
/// (online the server's answer, offline the one kept); loading shows the
/// heading with a spinner; nothing to show (or nothing kept offline) hides
/// the section.
#[component]
fn SimilarReviews(id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let rid = id.clone();
    let similar = use_resource(move || {
        let id = rid.clone();
        async move { client.get().similar_reviews(&id).await }
    });
    let reviews = match &*similar.read() {
        None => {
            return rsx! {
                section { class: "similar loading",
                    h3 { {prefs.t("similar-reviews")} }
                    div { class: "similar-row", div { class: "spinner" } }
                }
            };
        }
        Some(Err(e)) => {
            tracing::debug!(error = %e, "no similar reviews");
            return rsx! {};
        }
        Some(Ok(list)) if list.is_empty() => return rsx! {},
        Some(Ok(list)) => list.clone(),
    };
    rsx! {
        section { class: "similar",
            h3 { {prefs.t("similar-reviews")} }
            div { class: "similar-row",
                for review in reviews {
                    SimilarReviewCard { key: "{review.id}", review }
                }
            }
        }
    }
}

/// One card of 비슷한 리뷰: its photo and title (a snap's first line), or
/// without a photo its words; then the author and the counts.
#[component]
fn SimilarReviewCard(review: Review) -> Element {
    let nav = use_nav();
    let id = review.id.clone();
    let heading =
        (review.kind != ReviewKind::Snap && !review.title.is_empty()).then(|| review.title.clone());
    let first_line = review.body.lines().next().unwrap_or_default().to_owned();
    rsx! {
        a { class: "similar-card", onclick: move |_| nav.go(Route::Review(id.clone())),
            if let Some(photo) = review.photos.first() {
                Photo { id: photo.clone(), thumbnail: true, class: "similar-thumb" }
                span { class: "similar-title", {heading.unwrap_or(first_line)} }
            } else {
                if let Some(heading) = heading.clone() {
                    span { class: "similar-title", "{heading}" }
                }
                span { class: if heading.is_some() { "similar-body" } else { "similar-body long" }, "{review.body}" }
            }
            span { class: "similar-meta",
                Avatar { author: review.author.clone(), size: 18 }
                span { class: "author-name", "{review.author.display_name}" }
            }
            span { class: "similar-foot",
                if let Some(r) = review.rating { span { class: "stars", {stars(r)} } }
                span { class: if review.liked_by_me { "count liked" } else { "count" }, "♥ {review.like_count}" }
                span { class: "count", "💬 {review.comment_count}" }
            }
        }
    }
}

#[component]
fn Comments(review_id: String, comments: Vec<Comment>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut draft = use_signal(String::new);
    let mut reply_to = use_signal(|| None::<Comment>);
    let top: Vec<Comment> = comments
        .iter()
        .filter(|c| c.parent_id.is_none())
        .cloned()
        .collect();
    let rid = review_id.clone();
    let send = move |e: FormEvent| {
        e.prevent_default();
        let body = draft.peek().trim().to_owned();
        if body.is_empty() {
            return;
        }
        let parent = reply_to
            .peek()
            .as_ref()
            .map(|c| c.parent_id.clone().unwrap_or(c.id.clone()));
        let rid = rid.clone();
        spawn(async move {
            match client.get().comment(&rid, &body, parent.as_deref()).await {
                Ok(_) => {
                    draft.set(String::new());
                    reply_to.set(None);
                }
                Err(e) => notices.fail(&e),
            }
        });
    };
    rsx! {
        section { class: "card comments",
            h3 { {prefs.t("comments-title")} " " span { class: "muted", "{comments.len()}" } }
            if comments.is_empty() {
                p { class: "muted", {prefs.t("comments-empty")} }
            }
            for c in top {
                CommentItem { key: "{c.id}", comment: c.clone(), on_reply: move |c| reply_to.set(Some(c)) }
                for r in comments.iter().filter(|r| r.parent_id.as_deref() == Some(c.id.as_str())).cloned() {
                    div { class: "reply", CommentItem { key: "{r.id}", comment: r, on_reply: move |c| reply_to.set(Some(c)) } }
                }
            }
            form { class: "comment-form", onsubmit: send,
                if let Some(target) = reply_to.read().clone() {
                    div { class: "replying",
                        {prefs.t("comments-replying")} " @{target.author.handle} "
                        a { onclick: move |_| reply_to.set(None), "×" }
                    }
                }
                input { value: "{draft}", placeholder: prefs.t("comments-placeholder"), oninput: move |e| draft.set(e.value()) }
                button { class: "btn primary", r#type: "submit", disabled: draft.read().trim().is_empty(), {prefs.t("action-send")} }
            }
        }
    }
}

#[component]
fn CommentItem(comment: Comment, on_reply: EventHandler<Comment>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let session = use_session();
    let notices = use_notices();
    let now = super::now_ms();
    let mut reporting = use_signal(|| false);
    let mut editing = use_signal(|| None::<String>);
    let mine = session.my_id().as_deref() == Some(comment.author.id.as_str());
    let (id, liked) = (comment.id.clone(), comment.liked_by_me);
    let like_id = id.clone();
    let edit_id = id.clone();
    let delete_id = id.clone();
    let reply_target = comment.clone();
    if comment.deleted {
        return rsx! { div { class: "comment deleted muted", {prefs.t("comment-deleted")} } };
    }
    rsx! {
        div { class: "comment",
            Avatar { author: comment.author.clone(), size: 28 }
            div { class: "comment-main",
                div { AuthorName { author: comment.author.clone() } span { class: "muted small", " · " {ago(prefs.lang(), comment.created_at, now)} } }
                if let Some(text) = editing.read().clone() {
                    form { class: "comment-form",
                        onsubmit: move |e: FormEvent| {
                            e.prevent_default();
                            let (id, body) = (edit_id.clone(), editing.peek().clone().unwrap_or_default());
                            spawn(async move {
                                match client.get().edit_comment(&id, &body).await {
                                    Ok(()) => editing.set(None),
                                    Err(e) => notices.fail(&e),
                                }
                            });
                        },
                        input { value: "{text}", oninput: move |e| editing.set(Some(e.value())) }
                        button { class: "btn primary", r#type: "submit", {prefs.t("action-save")} }
                        button { class: "btn", r#type: "button", onclick: move |_| editing.set(None), {prefs.t("action-cancel")} }
                    }
                } else {
                    p { class: if comment.hidden { "comment-body hidden" } else { "comment-body" }, "{comment.body}" }
                }
                div { class: "comment-actions",
                    a { class: if liked { "liked" } else { "" },
                        onclick: move |_| {
                            let id = like_id.clone();
                            spawn(async move { if let Err(e) = client.get().set_like(LikeTarget::Comment, &id, !liked).await { notices.fail(&e) } });
                        },
                        if liked { "♥ " } else { "♡ " } "{comment.like_count}"
                    }
                    a { onclick: move |_| on_reply.call(reply_target.clone()), {prefs.t("comments-reply")} }
                    if mine {
                        a { onclick: move |_| editing.set(Some(comment.body.clone())), {prefs.t("action-edit")} }
                        a { class: "danger",
                            onclick: move |_| {
                                let id = delete_id.clone();
                                spawn(async move { if let Err(e) = client.get().delete_comment(&id).await { notices.fail(&e) } });
                            },
                            {prefs.t("action-delete")}
                        }
                    } else {
                        a { onclick: move |_| reporting.set(true), {prefs.t("action-report")} }
                    }
                }
            }
        }
        if *reporting.read() {
            ReportDialog { target: ReportTarget::Comment, id: id.clone(), on_close: move |_| reporting.set(false) }
        }
    }
}

/// Reports a review, comment, member or message: a reason and a note.
#[component]
pub fn ReportDialog(target: ReportTarget, id: String, on_close: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut reason = use_signal(|| ReportReason::Spam);
    let mut detail = use_signal(String::new);
    let reasons = [
        (ReportReason::Spam, "reason-spam"),
        (ReportReason::Abuse, "reason-abuse"),
        (ReportReason::Illegal, "reason-illegal"),
        (ReportReason::FalseInformation, "reason-false-information"),
        (ReportReason::Other, "reason-other"),
    ];
    rsx! {
        div { class: "dialog-backdrop",
            div { class: "dialog", role: "dialog",
                h3 { {prefs.t("report-title")} }
                for (r, key) in reasons {
                    label { class: "radio",
                        input { r#type: "radio", name: "reason", checked: *reason.read() == r, onchange: move |_| reason.set(r) }
                        {prefs.t(key)}
                    }
                }
                textarea { placeholder: prefs.t("report-detail"), value: "{detail}", oninput: move |e| detail.set(e.value()) }
                div { class: "dialog-actions",
                    button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("action-cancel")} }
                    button { class: "btn primary",
                        onclick: move |_| {
                            let (id, r, d) = (id.clone(), *reason.peek(), detail.peek().clone());
                            spawn(async move {
                                match client.get().report(target, &id, r, &d).await {
                                    Ok(()) => { notices.notify(prefs.t("toast-reported")); on_close.call(()) }
                                    Err(e) => notices.fail(&e),
                                }
                            });
                        },
                        {prefs.t("action-report")}
                    }
                }
            }
        }
    }
}
