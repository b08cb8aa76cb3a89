//! Profiles: the member's own page (their reviews, scraps and likes, editing
//! the profile and avatar, the way to their points) and other members'
//! pages (follow, message, report), plus follower and following lists. A
//! member who has helped with requests (부탁) shows their helper rating
//! (★ average and count) and a tab of the reviews they received.

use dioxus::prelude::*;
use moa_client_core::protocol::{Author, ReportTarget};
use moa_client_core::{MediaSource, ProfileChanges, Topic};

use super::requests::{HelperReviews, helper_rating};
use super::review::ReportDialog;
use super::subject::ReviewList;
use super::{Avatar, Empty, Failed, Loading};
use crate::i18n::{Arg, ago};
use crate::route::{PeopleList, Route};
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_session, use_topics};

#[component]
pub fn ProfileScreen(user_id: Option<String>) -> Element {
    let session = use_session();
    let mine = user_id.is_none() || user_id == session.my_id();
    if mine {
        rsx! { MyPageScreen {} }
    } else {
        let id = user_id.unwrap_or_default();
        rsx! { OtherProfile { key: "{id}", user_id: id } }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum MyTab {
    Reviews,
    Comments,
    Scraps,
    Liked,
    /// Reviews received as a helper of requests (부탁).
    Helper,
}

#[component]
fn MyPageScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let version = move || {
        topics.watch(Topic::Profile)
            + topics.watch(Topic::Reviews)
            + topics.watch(Topic::Scraps)
            + topics.watch(Topic::Likes)
    };
    let mut tab = use_signal(|| MyTab::Reviews);
    let mut editing = use_signal(|| false);
    let page = use_resource(move || {
        let _ = version();
        async move { client.get().my_page().await }
    });
    let list = use_resource(move || {
        let t = *tab.read();
        let _ = version();
        async move {
            let client = client.get();
            match t {
                MyTab::Reviews | MyTab::Comments => client.my_page().await.map(|p| p.reviews),
                MyTab::Scraps => client.scraps().await,
                MyTab::Liked => client.liked_reviews().await,
                MyTab::Helper => Ok(Vec::new()),
            }
        }
    });
    let (me, _) = match &*page.read() {
        None => return rsx! { Loading {} },
        Some(Err(e)) => return rsx! { Failed { error: e.clone() } },
        Some(Ok(p)) => (p.me.clone(), p.reviews.len()),
    };
    let author = super::shell::author_of(&me);
    let my_rating = helper_rating(
        &prefs,
        me.counts.helper_reviews,
        me.counts.helper_rating_sum,
    );
    let my_tabs: Vec<(MyTab, &str)> = [
        (MyTab::Reviews, "profile-tab-reviews"),
        (MyTab::Comments, "profile-tab-comments"),
        (MyTab::Scraps, "profile-tab-scraps"),
        (MyTab::Liked, "profile-tab-liked"),
    ]
    .into_iter()
    .chain((me.counts.helper_reviews > 0).then_some((MyTab::Helper, "profile-tab-helper")))
    .collect();
    let my_id = me.id.clone();
    let my_id2 = me.id.clone();
    rsx! {
        super::Header { title: prefs.t("nav-profile") }
        div { class: "scroll",
            div { class: "card profile-head",
                Avatar { author, size: 72 }
                div { class: "profile-names",
                    h2 { "{me.display_name}" }
                    div { class: "handle", "@{me.handle}" }
                    if !me.bio.is_empty() { p { "{me.bio}" } }
                    div { class: "counts",
                        span { b { "{me.counts.reviews}" } " " {prefs.t("profile-reviews")} }
                        a { onclick: move |_| nav.go(Route::People(my_id.clone(), PeopleList::Followers)), b { "{me.counts.followers}" } " " {prefs.t("profile-followers")} }
                        a { onclick: move |_| nav.go(Route::People(my_id2.clone(), PeopleList::Following)), b { "{me.counts.following}" } " " {prefs.t("profile-following")} }
                        if let Some(rating) = my_rating.clone() {
                            a { class: "helper-rating", onclick: move |_| tab.set(MyTab::Helper), "{rating}" }
                        }
                    }
                }
                div { class: "profile-actions",
                    button { class: "btn", onclick: move |_| editing.set(true), {prefs.t("profile-edit")} }
                    button { class: "btn ghost", onclick: move |_| nav.go(Route::Wallet), "💰 " {prefs.t("nav-points")} }
                }
            }
            if *editing.read() {
                EditProfile { me: me.clone(), on_close: move |_| editing.set(false) }
            }
            div { class: "tabs",
                for (t, key) in my_tabs {
                    button { class: if *tab.read() == t { "tab active" } else { "tab" }, onclick: move |_| tab.set(t), {prefs.t(key)} }
                }
            }
            if *tab.read() == MyTab::Comments {
                MemberComments { user_id: me.id.clone() }
            } else if *tab.read() == MyTab::Helper {
                HelperReviews { user_id: me.id.clone() }
            } else {
                match &*list.read() {
                    None => rsx! { Loading {} },
                    Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| { let mut l = list; l.restart() } } },
                    Some(Ok(reviews)) => rsx! { ReviewList { reviews: reviews.clone() } },
                }
            }
        }
    }
}

#[component]
fn EditProfile(me: moa_client_core::Me, on_close: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut name = use_signal(|| me.display_name.clone());
    let mut bio = use_signal(|| me.bio.clone());
    let mut avatar = use_signal(|| me.avatar_media_id.clone());
    let mut compressing = use_signal(|| false);
    let author = Author {
        avatar_media_id: avatar.read().clone(),
        ..super::shell::author_of(&me)
    };
    rsx! {
        div { class: "card edit-profile",
            div { class: "avatar-edit",
                Avatar { author, size: 64 }
                label { class: "btn",
                    input { r#type: "file", accept: "image/*", class: "hidden",
                        onchange: move |e: FormEvent| {
                            let Some(path) = e.files().first().map(|f| f.path()) else { return };
                            compressing.set(true);
                            spawn(async move {
                                let result = client.get().media().add_photo(MediaSource::Path(path)).await;
                                compressing.set(false);
                                match result {
                                    Ok(p) => avatar.set(Some(p.media_id)),
                                    Err(e) => notices.fail(&e),
                                }
                            });
                        }
                    }
                    if *compressing.read() { {prefs.t("compose-compressing")} } else { {prefs.t("profile-change-avatar")} }
                }
            }
            label { {prefs.t("auth-display-name")} input { value: "{name}", oninput: move |e| name.set(e.value()) } }
            label { {prefs.t("profile-bio")} textarea { value: "{bio}", oninput: move |e| bio.set(e.value()) } }
            div { class: "dialog-actions",
                button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("action-cancel")} }
                button { class: "btn primary",
                    onclick: move |_| {
                        let changes = ProfileChanges {
                            display_name: Some(name.peek().trim().to_owned()),
                            bio: Some(bio.peek().clone()),
                            links: None,
                            avatar_media_id: Some(avatar.peek().clone()),
                            ..ProfileChanges::default()
                        };
                        spawn(async move {
                            match client.get().update_profile(changes).await {
                                Ok(()) => { notices.notify(prefs.t("toast-saved")); on_close.call(()) }
                                Err(e) => notices.fail(&e),
                            }
                        });
                    },
                    {prefs.t("action-save")}
                }
            }
        }
    }
}

/// The tabs of another member's page.
#[derive(Clone, Copy, PartialEq)]
enum OtherTab {
    Reviews,
    Comments,
    Helper,
}

#[component]
fn OtherProfile(user_id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let notices = use_notices();
    let version = move || topics.watch(Topic::Follows);
    let uid = user_id.clone();
    let profile = use_resource(move || {
        let _ = version();
        let id = uid.clone();
        async move { client.get().profile(&id).await }
    });
    let uid = user_id.clone();
    let reviews = use_resource(move || {
        let id = uid.clone();
        async move { client.get().user_reviews(&id, None).await }
    });
    let mut reporting = use_signal(|| false);
    let mut other_tab = use_signal(|| OtherTab::Reviews);
    let p = match &*profile.read() {
        None => return rsx! { Loading {} },
        Some(Err(e)) => {
            return rsx! { Failed { error: e.clone(), retry: move |_| { let mut p = profile; p.restart() } } };
        }
        Some(Ok(p)) => p.clone(),
    };
    let author = Author {
        id: p.id.clone(),
        handle: p.handle.clone(),
        display_name: p.display_name.clone(),
        avatar_media_id: p.avatar_media_id.clone(),
        deleted: p.deleted,
    };
    let following = p.followed_by_me;
    let rating = helper_rating(&prefs, p.counts.helper_reviews, p.counts.helper_rating_sum);
    let other_tabs: Vec<(OtherTab, &str)> = [
        (OtherTab::Reviews, "profile-tab-reviews"),
        (OtherTab::Comments, "profile-tab-comments"),
    ]
    .into_iter()
    .chain((p.counts.helper_reviews > 0).then_some((OtherTab::Helper, "profile-tab-helper")))
    .collect();
    let (follow_id, dm_id, f1, f2) = (p.id.clone(), p.id.clone(), p.id.clone(), p.id.clone());
    rsx! {
        super::Header { title: p.display_name.clone() }
        div { class: "scroll",
            div { class: "card profile-head",
                Avatar { author, size: 72 }
                div { class: "profile-names",
                    h2 { "{p.display_name}" }
                    div { class: "handle", "@{p.handle}" }
                    if !p.bio.is_empty() { p { "{p.bio}" } }
                    div { class: "counts",
                        span { b { "{p.counts.reviews}" } " " {prefs.t("profile-reviews")} }
                        a { onclick: move |_| nav.go(Route::People(f1.clone(), PeopleList::Followers)), b { "{p.counts.followers}" } " " {prefs.t("profile-followers")} }
                        a { onclick: move |_| nav.go(Route::People(f2.clone(), PeopleList::Following)), b { "{p.counts.following}" } " " {prefs.t("profile-following")} }
                        if let Some(rating) = rating.clone() {
                            a { class: "helper-rating", onclick: move |_| other_tab.set(OtherTab::Helper), "{rating}" }
                        }
                    }
                }
                div { class: "profile-actions",
                    button { class: if following { "btn" } else { "btn primary" },
                        onclick: move |_| {
                            let id = follow_id.clone();
                            spawn(async move { if let Err(e) = client.get().set_follow(&id, !following).await { notices.fail(&e) } });
                        },
                        if following { {prefs.t("profile-unfollow")} } else { {prefs.t("profile-follow")} }
                    }
                    button { class: "btn",
                        onclick: move |_| {
                            let id = dm_id.clone();
                            spawn(async move {
                                match client.get().create_direct_room(&id).await {
                                    Ok(room) => nav.switch(Route::Chat(Some(room))),
                                    Err(e) => notices.fail(&e),
                                }
                            });
                        },
                        "💬 " {prefs.t("profile-message")}
                    }
                    button { class: "btn ghost", onclick: move |_| reporting.set(true), "⚑" }
                }
            }
            if *reporting.read() {
                ReportDialog { target: ReportTarget::User, id: p.id.clone(), on_close: move |_| reporting.set(false) }
            }
            div { class: "tabs",
                for (t, key) in other_tabs {
                    button { class: if *other_tab.read() == t { "tab active" } else { "tab" }, onclick: move |_| other_tab.set(t), {prefs.t(key)} }
                }
            }
            if *other_tab.read() == OtherTab::Comments {
                MemberComments { user_id: p.id.clone() }
            } else if *other_tab.read() == OtherTab::Helper {
                HelperReviews { user_id: p.id.clone() }
            } else {
                match &*reviews.read() {
                    None => rsx! { Loading {} },
                    Some(Err(e)) => rsx! { Failed { error: e.clone() } },
                    Some(Ok(page)) => rsx! { ReviewList { reviews: page.items.clone() } },
                }
            }
        }
    }
}

/// A member's comments, newest first, each leading to its review (online;
/// "more" pages on).
#[component]
fn MemberComments(user_id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let mut items = use_signal(Vec::<moa_client_core::protocol::ProfileComment>::new);
    let mut cursor = use_signal(|| None::<String>);
    let mut more = use_signal(|| true);
    let mut error = use_signal(|| None::<moa_client_core::Error>);
    let mut loading = use_signal(|| false);
    let mut load = move |uid: String| {
        if *loading.peek() || !*more.peek() {
            return;
        }
        loading.set(true);
        let after = cursor.peek().clone();
        spawn(async move {
            match client.get().member_comments(&uid, after).await {
                Ok(page) => {
                    more.set(page.next_cursor.is_some());
                    cursor.set(page.next_cursor);
                    items.write().extend(page.items);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            loading.set(false);
        });
    };
    let first = user_id.clone();
    use_hook(move || load(first));
    let now = super::now_ms();
    let list = items.read().clone();
    if let Some(e) = error.read().clone()
        && list.is_empty()
    {
        let uid = user_id.clone();
        return rsx! { Failed { error: e, retry: move |_| { more.set(true); load(uid.clone()) } } };
    }
    if list.is_empty() {
        return if *loading.read() {
            rsx! { Loading {} }
        } else {
            rsx! { Empty { title: prefs.t("profile-comments-empty") } }
        };
    }
    let uid = user_id.clone();
    rsx! {
        ul { class: "card comment-list",
            for pc in list {
                li { key: "{pc.comment.id}", class: "comment-row",
                    onclick: {
                        let review = pc.comment.review_id.clone();
                        move |_| nav.go(Route::Review(review.clone()))
                    },
                    p { class: "muted small", "💬 " {prefs.ta("profile-comment-on", &[("title", Arg::Str(pc.review_title.clone()))])} }
                    p { "{pc.comment.body}" }
                    span { class: "muted small", {crate::i18n::ago(prefs.lang(), pc.comment.created_at, now)} }
                }
            }
        }
        if *more.read() {
            button { class: "btn ghost wide", disabled: *loading.read(), onclick: move |_| load(uid.clone()), {prefs.t("search-more")} }
        }
    }
}

#[component]
pub fn People(user_id: String, list: PeopleList) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let topics = use_topics();
    let version = move || topics.watch(Topic::Follows);
    let uid = user_id.clone();
    let people = use_resource(move || {
        let _ = version();
        let id = uid.clone();
        async move {
            match list {
                PeopleList::Followers => client.get().followers(&id).await,
                PeopleList::Following => client.get().following_list(&id).await,
            }
        }
    });
    let title = prefs.t(match list {
        PeopleList::Followers => "profile-followers",
        PeopleList::Following => "profile-following",
    });
    let now = super::now_ms();
    let body = match &*people.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => {
            rsx! { Failed { error: e.clone(), retry: move |_| { let mut p = people; p.restart() } } }
        }
        Some(Ok(items)) if items.is_empty() => rsx! { Empty { title: prefs.t("people-empty") } },
        Some(Ok(items)) => rsx! {
            ul { class: "card people",
                for item in items.iter().cloned() {
                    li { onclick: move |_| nav.go(Route::Profile(Some(item.member.id.clone()))),
                        Avatar { author: item.member.clone(), size: 36 }
                        div { b { "{item.member.display_name}" } div { class: "handle", "@{item.member.handle}" } }
                        span { class: "muted small", {prefs.ta("people-since", &[("when", Arg::Str(ago(prefs.lang(), item.at, now)))])} }
                    }
                }
            }
        },
    };
    rsx! {
        super::Header { title }
        div { class: "scroll", {body} }
    }
}
