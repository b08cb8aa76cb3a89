//! Chat: the room list (unread counts, last message) beside the open room
//! (history from the cache at once, older pages on demand, typing, read
//! counts per message, photos), creating rooms and managing members.

use dioxus::prelude::*;
use moa_client_core::protocol::{Author, ReportTarget, RoomKind};
use moa_client_core::{ChatMessage, ChatRoom, MediaSource, MessageState, RoomChanges, Topic};

use super::review::ReportDialog;
use super::{Avatar, Empty, Failed, Loading, Photo};
use crate::i18n::{Arg, ago};
use crate::route::Route;
use crate::state::{
    use_client, use_nav, use_notices, use_prefs, use_session, use_topics, use_typing,
};

/// Messages shown at first and per "older" page.
const PAGE: u32 = 50;

/// The room's name as the member sees it: a group's name, or the other
/// member of a direct room.
pub fn room_title(room: &ChatRoom, me: Option<&str>) -> String {
    if let Some(name) = room.room.name.clone().filter(|n| !n.is_empty()) {
        return name;
    }
    let others: Vec<String> = room
        .room
        .members
        .iter()
        .filter(|m| Some(m.user.id.as_str()) != me)
        .map(|m| m.user.display_name.clone())
        .collect();
    others.join(", ")
}

/// How many other members have not read `message` yet (the number Korean
/// chat apps show beside a message).
pub fn unread_by(room: &ChatRoom, message: &ChatMessage) -> usize {
    let Some(seq) = message.seq else {
        return 0;
    };
    room.room
        .members
        .iter()
        .filter(|m| m.user.id != message.sender_id && m.last_read_seq < seq)
        .count()
}

#[component]
pub fn ChatScreen(room: Option<String>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let session = use_session();
    let topics = use_topics();
    let version = move || topics.watch(Topic::Rooms);
    let rooms = use_resource(move || {
        let _ = version();
        async move { client.get().rooms().await }
    });
    let mut creating = use_signal(|| false);
    let me = session.my_id();
    let now = super::now_ms();
    let list = match &*rooms.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone() } },
        Some(Ok(list)) if list.is_empty() => rsx! {
            Empty { title: prefs.t("chat-empty"), hint: prefs.t("chat-empty-hint") }
        },
        Some(Ok(list)) => rsx! {
            ul { class: "room-list",
                for r in list.iter().cloned() {
                    li { key: "{r.room.id}",
                        class: if room.as_deref() == Some(r.room.id.as_str()) { "room active" } else { "room" },
                        onclick: { let id = r.room.id.clone(); move |_| nav.switch(Route::Chat(Some(id.clone()))) },
                        RoomAvatar { room: r.clone() }
                        div { class: "room-main",
                            div { class: "room-top",
                                b { class: "room-name", {room_title(&r, me.as_deref())} }
                                if r.room.kind == RoomKind::Group { span { class: "muted small", " {r.room.members.len()}" } }
                                if r.muted { span { class: "muted small", " 🔕" } }
                                span { class: "spacer" }
                                if let Some(m) = &r.last_message { span { class: "muted small", {ago(prefs.lang(), m.created_at, now)} } }
                            }
                            div { class: "room-bottom",
                                span { class: "muted small last", {last_line(prefs.lang(), r.last_message.as_ref())} }
                                if r.unread > 0 { span { class: if r.muted { "badge muted" } else { "badge" }, if r.unread > 99 { "99+" } else { "{r.unread}" } } }
                            }
                        }
                    }
                }
            }
        },
    };
    rsx! {
        div { class: "chat",
            aside { class: "rooms",
                header { class: "screen-header",
                    h1 { {prefs.t("nav-chat")} }
                    div { class: "header-actions",
                        button { class: "btn ghost", title: prefs.t("chat-new"), onclick: move |_| creating.set(true), "＋" }
                    }
                }
                div { class: "scroll", {list} }
            }
            section { class: "room-view",
                if let Some(id) = room.clone() {
                    RoomView { key: "{id}", room_id: id }
                } else {
                    Empty { title: prefs.t("chat-pick"), hint: prefs.t("chat-pick-hint") }
                }
            }
        }
        if *creating.read() {
            NewRoom { on_close: move |_| creating.set(false) }
        }
    }
}

fn last_line(lang: crate::i18n::Lang, m: Option<&ChatMessage>) -> String {
    match m {
        None => lang.t("chat-no-messages"),
        Some(m) if m.deleted => lang.t("chat-deleted"),
        Some(m) if m.body.is_empty() && !m.media.is_empty() => lang.t("chat-photo"),
        Some(m) => m.body.lines().next().unwrap_or_default().to_owned(),
    }
}

#[component]
fn RoomAvatar(room: ChatRoom) -> Element {
    let session = use_session();
    let me = session.my_id();
    let other = room
        .room
        .members
        .iter()
        .find(|m| Some(m.user.id.as_str()) != me.as_deref())
        .map(|m| m.user.clone());
    match (room.room.kind, room.room.photo_media_id.clone(), other) {
        (RoomKind::Group, Some(photo), _) => {
            rsx! { Photo { id: photo, thumbnail: true, class: "avatar room-photo" } }
        }
        (RoomKind::Group, None, _) => rsx! {
            Avatar { author: Author { id: room.room.id.clone(), handle: String::new(),
                display_name: room.room.name.clone().unwrap_or_default(), avatar_media_id: None, deleted: false }, size: 44 }
        },
        (_, _, Some(other)) => rsx! { Avatar { author: other, size: 44 } },
        _ => rsx! { span { class: "avatar initial", "?" } },
    }
}

#[component]
fn RoomView(room_id: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let session = use_session();
    let topics = use_topics();
    let typing = use_typing();
    let notices = use_notices();
    let rooms_version = move || topics.watch(Topic::Rooms);
    let messages_version = move || topics.watch(Topic::Messages);
    let rid = room_id.clone();
    let room = use_resource(move || {
        let _ = rooms_version();
        let id = rid.clone();
        async move { client.get().room(&id).info().await }
    });
    let rid = room_id.clone();
    let recent = use_resource(move || {
        let _ = messages_version();
        let id = rid.clone();
        async move { client.get().room(&id).messages(None, PAGE).await }
    });
    let mut older = use_signal(Vec::<ChatMessage>::new);
    let mut older_state = use_signal(|| (false, false)); // (loading, at the beginning)
    let mut draft = use_signal(String::new);
    let mut managing = use_signal(|| false);
    let mut reporting = use_signal(|| None::<String>);
    let mut sending_photo = use_signal(|| false);

    // Everything shown is read: move the marker to the newest message.
    let newest = recent
        .read()
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .and_then(|m| m.iter().rev().find_map(|m| m.seq));
    let read_id = room_id.clone();
    use_effect(use_reactive!(|newest| {
        if let Some(seq) = newest {
            let id = read_id.clone();
            spawn(async move {
                let _ = client.get().room(&id).mark_read(seq).await;
            });
        }
    }));
    // Keep the newest message in view.
    use_effect(use_reactive!(|newest| {
        let _ = newest;
        let _ = dioxus::document::eval(
            "const l = document.querySelector('.messages'); if (l) l.scrollTop = l.scrollHeight;",
        );
    }));

    let room = match &*room.read() {
        None => return rsx! { Loading {} },
        Some(Err(e)) => return rsx! { Failed { error: e.clone() } },
        Some(Ok(r)) => r.clone(),
    };
    let mut messages = older.read().clone();
    match &*recent.read() {
        Some(Ok(list)) => {
            for m in list {
                if !messages.iter().any(|x| x.id == m.id) {
                    messages.push(m.clone());
                }
            }
        }
        Some(Err(e)) => return rsx! { Failed { error: e.clone() } },
        None => return rsx! { Loading {} },
    }
    let me = session.my_id();
    let title = room_title(&room, me.as_deref());
    let typing: Vec<String> = typing
        .in_room(&room.room.id)
        .into_iter()
        .filter_map(|uid| {
            room.room
                .members
                .iter()
                .find(|m| m.user.id == uid)
                .map(|m| m.user.display_name.clone())
        })
        .collect();
    let first_seq = messages.iter().find_map(|m| m.seq);
    let (loading_older, at_start) = *older_state.read();
    let send_id = room_id.clone();
    let type_id = room_id.clone();
    let photo_id = room_id.clone();
    let older_id = room_id.clone();
    let now = super::now_ms();
    rsx! {
        header { class: "screen-header",
            h1 { "{title}" }
            div { class: "header-actions",
                button { class: "btn ghost", onclick: move |_| managing.toggle(), title: prefs.t("chat-manage"), "☰" }
            }
        }
        div { class: "messages",
            if first_seq.is_some_and(|s| s > 1) && !at_start {
                button { class: "btn ghost older", disabled: loading_older,
                    onclick: move |_| {
                        let Some(before) = first_seq else { return };
                        let id = older_id.clone();
                        older_state.set((true, false));
                        spawn(async move {
                            match client.get().room(&id).load_older(before, PAGE).await {
                                Ok(page) => {
                                    let at_start = page.is_empty() || page.first().and_then(|m| m.seq) == Some(1);
                                    let mut o = older.write();
                                    let mut merged = page;
                                    merged.extend(o.drain(..));
                                    *o = merged;
                                    older_state.set((false, at_start));
                                }
                                Err(e) => { older_state.set((false, false)); notices.fail(&e) }
                            }
                        });
                    },
                    if loading_older { {prefs.t("state-loading")} } else { {prefs.t("chat-older")} }
                }
            }
            if messages.is_empty() {
                p { class: "muted center", {prefs.t("chat-say-hello")} }
            }
            for m in messages.iter().cloned() {
                MessageBubble { key: "{m.id}", mine: Some(m.sender_id.as_str()) == me.as_deref(),
                    sender: room.room.members.iter().find(|x| x.user.id == m.sender_id).map(|x| x.user.clone()),
                    unread: unread_by(&room, &m), message: m.clone(), now,
                    on_report: move |id| reporting.set(Some(id)) }
            }
        }
        div { class: "typing", if !typing.is_empty() { {prefs.ta("chat-typing", &[("names", Arg::Str(typing.join(", ")))])} } }
        form { class: "composer",
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let body = draft.peek().trim().to_owned();
                if body.is_empty() { return; }
                let id = send_id.clone();
                draft.set(String::new());
                spawn(async move {
                    if let Err(e) = client.get().room(&id).send(&body, vec![], None).await {
                        draft.set(body);
                        notices.fail(&e);
                    }
                });
            },
            label { class: "icon-btn", title: prefs.t("chat-send-photo"),
                input { r#type: "file", accept: "image/*", class: "hidden",
                    onchange: move |e: FormEvent| {
                        let Some(path) = e.files().first().map(|f| f.path()) else { return };
                        let id = photo_id.clone();
                        sending_photo.set(true);
                        spawn(async move {
                            let client = client.get();
                            let result = match client.media().add_photo(MediaSource::Path(path)).await {
                                Ok(p) => client.room(&id).send("", vec![p.media_id], None).await.map(|_| ()),
                                Err(e) => Err(e),
                            };
                            sending_photo.set(false);
                            if let Err(e) = result { notices.fail(&e) }
                        });
                    }
                }
                if *sending_photo.read() { "…" } else { "📷" }
            }
            input { class: "composer-input", value: "{draft}", placeholder: prefs.t("chat-placeholder"),
                oninput: move |e| {
                    draft.set(e.value());
                    let id = type_id.clone();
                    spawn(async move { let _ = client.get().room(&id).typing().await; });
                }
            }
            button { class: "btn primary", r#type: "submit", disabled: draft.read().trim().is_empty(), {prefs.t("action-send")} }
        }
        if *managing.read() {
            ManageRoom { room: room.clone(), on_close: move |_| managing.set(false) }
        }
        if let Some(id) = reporting.read().clone() {
            ReportDialog { target: ReportTarget::Message, id, on_close: move |_| reporting.set(None) }
        }
    }
}

#[component]
fn MessageBubble(
    message: ChatMessage,
    mine: bool,
    sender: Option<Author>,
    unread: usize,
    now: i64,
    on_report: EventHandler<String>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let m = message;
    let state = match &m.state {
        MessageState::Pending => Some(("pending", prefs.t("chat-sending"))),
        MessageState::Failed(e) => Some((
            "failed",
            format!("{} · {}", prefs.t("chat-failed"), e.message),
        )),
        MessageState::Sent => None,
    };
    let (edit_room, edit_id, del_room, del_id, rep_id) = (
        m.room_id.clone(),
        m.id.clone(),
        m.room_id.clone(),
        m.id.clone(),
        m.id.clone(),
    );
    let mut editing = use_signal(|| None::<String>);
    rsx! {
        div { class: if mine { "msg mine" } else { "msg" },
            if !mine {
                if let Some(s) = sender.clone() { Avatar { author: s, size: 32 } }
            }
            div { class: "msg-col",
                if !mine { if let Some(s) = sender { span { class: "msg-sender small", "{s.display_name}" } } }
                div { class: "msg-row",
                    if m.deleted {
                        div { class: "bubble deleted", {prefs.t("chat-deleted")} }
                    } else if let Some(text) = editing.read().clone() {
                        form { class: "bubble editing",
                            onsubmit: move |e: FormEvent| {
                                e.prevent_default();
                                let (room, id, body) = (edit_room.clone(), edit_id.clone(), editing.peek().clone().unwrap_or_default());
                                spawn(async move {
                                    match client.get().room(&room).edit(&id, &body).await {
                                        Ok(()) => editing.set(None),
                                        Err(e) => notices.fail(&e),
                                    }
                                });
                            },
                            input { value: "{text}", oninput: move |e| editing.set(Some(e.value())) }
                        }
                    } else {
                        div { class: "bubble",
                            for media in m.media.iter().cloned() { Photo { id: media, thumbnail: true, class: "msg-photo" } }
                            if !m.body.is_empty() { span { "{m.body}" } }
                        }
                    }
                    div { class: "msg-meta",
                        if unread > 0 { span { class: "unread-count", "{unread}" } }
                        span { class: "muted small", {ago(prefs.lang(), m.created_at, now)} }
                        if m.edited_at.is_some() && !m.deleted { span { class: "muted small", {prefs.t("chat-edited")} } }
                    }
                    if !m.deleted {
                        div { class: "msg-actions",
                            if mine {
                                a { onclick: { let body = m.body.clone(); move |_| editing.set(Some(body.clone())) }, {prefs.t("action-edit")} }
                                a { class: "danger", onclick: move |_| {
                                    let (room, id) = (del_room.clone(), del_id.clone());
                                    spawn(async move { if let Err(e) = client.get().room(&room).delete(&id).await { notices.fail(&e) } });
                                }, {prefs.t("action-delete")} }
                            } else {
                                a { onclick: move |_| on_report.call(rep_id.clone()), {prefs.t("action-report")} }
                            }
                        }
                    }
                }
                if let Some((class, text)) = state { span { class: "msg-state {class} small", "{text}" } }
            }
        }
    }
}

/// People the member follows, to start rooms with or invite.
fn use_candidates() -> Resource<Result<Vec<Author>, moa_client_core::Error>> {
    let client = use_client();
    let session = use_session();
    use_resource(move || async move {
        let me = session.my_id().unwrap_or_default();
        let list = client.get().following_list(&me).await?;
        Ok(list.into_iter().map(|i| i.member).collect())
    })
}

#[component]
fn NewRoom(on_close: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let notices = use_notices();
    let candidates = use_candidates();
    let mut picked = use_signal(Vec::<String>::new);
    let mut name = use_signal(String::new);
    let create = move |_| {
        let members = picked.peek().clone();
        let group_name = name.peek().trim().to_owned();
        spawn(async move {
            let client = client.get();
            let result = if members.len() == 1 && group_name.is_empty() {
                client.create_direct_room(&members[0]).await
            } else {
                client.create_group_room(&group_name, members).await
            };
            match result {
                Ok(id) => {
                    on_close.call(());
                    nav.switch(Route::Chat(Some(id)))
                }
                Err(e) => notices.fail(&e),
            }
        });
    };
    rsx! {
        div { class: "dialog-backdrop",
            div { class: "dialog", role: "dialog",
                h3 { {prefs.t("chat-new")} }
                match &*candidates.read() {
                    None => rsx! { Loading {} },
                    Some(Err(e)) => rsx! { Failed { error: e.clone() } },
                    Some(Ok(list)) if list.is_empty() => rsx! { p { class: "muted", {prefs.t("chat-no-candidates")} } },
                    Some(Ok(list)) => rsx! {
                        ul { class: "people pick",
                            for a in list.iter().cloned() {
                                li { onclick: { let id = a.id.clone(); move |_| { let mut p = picked.write(); if let Some(i) = p.iter().position(|x| x == &id) { p.remove(i); } else { p.push(id.clone()); } } },
                                    input { r#type: "checkbox", checked: picked.read().contains(&a.id) }
                                    Avatar { author: a.clone(), size: 28 }
                                    span { "{a.display_name}" }
                                }
                            }
                        }
                    },
                }
                if picked.read().len() > 1 {
                    input { placeholder: prefs.t("chat-group-name"), value: "{name}", oninput: move |e| name.set(e.value()) }
                }
                div { class: "dialog-actions",
                    button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("action-cancel")} }
                    button { class: "btn primary", disabled: picked.read().is_empty(), onclick: create, {prefs.t("chat-create")} }
                }
            }
        }
    }
}

#[component]
fn ManageRoom(room: ChatRoom, on_close: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let session = use_session();
    let notices = use_notices();
    let me = session.my_id().unwrap_or_default();
    let owner = room.room.owner_id.as_deref() == Some(me.as_str());
    let group = room.room.kind == RoomKind::Group;
    let candidates = use_candidates();
    let mut name = use_signal(|| room.room.name.clone().unwrap_or_default());
    let id = room.room.id.clone();
    let muted = room.muted;
    let (mute_id, leave_id, rename_id, invite_id) =
        (id.clone(), id.clone(), id.clone(), id.clone());
    let members: Vec<String> = room
        .room
        .members
        .iter()
        .map(|m| m.user.id.clone())
        .collect();
    rsx! {
        div { class: "dialog-backdrop",
            div { class: "dialog manage", role: "dialog",
                h3 { {prefs.t("chat-manage")} }
                if group && owner {
                    form { class: "row-form",
                        onsubmit: move |e: FormEvent| {
                            e.prevent_default();
                            let (id, n) = (rename_id.clone(), name.peek().trim().to_owned());
                            spawn(async move { if let Err(e) = client.get().room(&id).update(RoomChanges { name: Some(n), photo_media_id: None }).await { notices.fail(&e) } });
                        },
                        input { value: "{name}", oninput: move |e| name.set(e.value()) }
                        button { class: "btn", r#type: "submit", {prefs.t("chat-rename")} }
                    }
                }
                h4 { {prefs.ta("chat-members", &[("count", Arg::Num(room.room.members.len() as i64))])} }
                ul { class: "people",
                    for m in room.room.members.iter().cloned() {
                        li {
                            Avatar { author: m.user.clone(), size: 28 }
                            span { "{m.user.display_name}" }
                            if room.room.owner_id.as_deref() == Some(m.user.id.as_str()) { span { class: "pill", {prefs.t("chat-owner")} } }
                            span { class: "spacer" }
                            if group && owner && m.user.id != me {
                                a { onclick: { let (r, u) = (id.clone(), m.user.id.clone()); move |_| { let (r, u) = (r.clone(), u.clone()); spawn(async move { if let Err(e) = client.get().room(&r).transfer_owner(&u).await { notices.fail(&e) } }); } }, {prefs.t("chat-make-owner")} }
                                a { class: "danger", onclick: { let (r, u) = (id.clone(), m.user.id.clone()); move |_| { let (r, u) = (r.clone(), u.clone()); spawn(async move { if let Err(e) = client.get().room(&r).remove_member(&u).await { notices.fail(&e) } }); } }, {prefs.t("action-remove")} }
                            }
                        }
                    }
                }
                if group {
                    h4 { {prefs.t("chat-invite")} }
                    match &*candidates.read() {
                        Some(Ok(list)) => rsx! {
                            ul { class: "people",
                                for a in list.iter().filter(|a| !members.contains(&a.id)).cloned() {
                                    li {
                                        Avatar { author: a.clone(), size: 28 }
                                        span { "{a.display_name}" }
                                        span { class: "spacer" }
                                        a { onclick: { let (r, u) = (invite_id.clone(), a.id.clone()); move |_| { let (r, u) = (r.clone(), u.clone()); spawn(async move { if let Err(e) = client.get().room(&r).invite(&u).await { notices.fail(&e) } }); } }, {prefs.t("chat-invite")} }
                                    }
                                }
                            }
                        },
                        Some(Err(e)) => rsx! { p { class: "muted small", {super::error_text(prefs.lang(), e)} } },
                        None => rsx! { Loading {} },
                    }
                }
                div { class: "dialog-actions",
                    button { class: "btn",
                        onclick: move |_| { let id = mute_id.clone(); spawn(async move { if let Err(e) = client.get().room(&id).set_muted(!muted).await { notices.fail(&e) } }); },
                        if muted { {prefs.t("chat-unmute")} } else { {prefs.t("chat-mute")} }
                    }
                    if group {
                        button { class: "btn danger",
                            onclick: move |_| { let id = leave_id.clone(); spawn(async move { match client.get().room(&id).leave().await { Ok(()) => { on_close.call(()); nav.switch(Route::Chat(None)) } Err(e) => notices.fail(&e) } }); },
                            {prefs.t("chat-leave")}
                        }
                    }
                    button { class: "btn primary", onclick: move |_| on_close.call(()), {prefs.t("action-close")} }
                }
            }
        }
    }
}
