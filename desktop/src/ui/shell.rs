//! The window's frame: the root component (it creates the shared state,
//! provides each piece, and runs the event pump from client-core), the
//! sidebar, the status bar, toasts, and the current [`Route`]'s screen
//! ([`Route::screen`]). Signed out, it shows only the sign-in screen.

use std::path::PathBuf;

use dioxus::prelude::*;
use moa_client_core::{Client, RealtimeState, Topic};
use tokio::sync::broadcast::error::RecvError;

use super::auth;
use crate::i18n::Arg;
use crate::route::{AdminTab, RequestsTab, Route};
use crate::settings::Settings;
use crate::state::{
    AppState, use_client, use_nav, use_notices, use_prefs, use_session, use_status, use_topics,
};

/// How the app was started.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Start {
    /// The screen to open first (`moa --open ROUTE`, read by [`Route`]'s
    /// `FromStr`).
    pub open: Option<Route>,
    /// Report the launch timings (see `--measure-startup`) and quit.
    pub measure: bool,
}

#[derive(Props, Clone)]
pub struct AppProps {
    pub client: Client,
    pub settings: Settings,
    pub data_dir: PathBuf,
    pub start: Start,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        self.data_dir == other.data_dir
            && self.settings == other.settings
            && self.start == other.start
    }
}

/// The data directory, for screens that save settings.
#[derive(Clone)]
pub struct DataDir(pub PathBuf);

/// The root: creates the [`AppState`] and provides each of its pieces,
/// keeps them current from client-core's events, and lays out the window.
#[allow(non_snake_case)]
pub fn App(props: AppProps) -> Element {
    let AppProps {
        client,
        settings,
        data_dir,
        start,
    } = props;
    let state = use_hook(|| {
        crate::startup::mark("first_render");
        AppState::new(client.clone(), settings.clone())
    });
    state.provide();
    use_context_provider(|| DataDir(data_dir.clone()));
    use_context_provider(|| start.clone());
    use_hook(|| {
        if let Some(route) = start.open.clone() {
            state.nav.switch(route);
        }
    });
    // Links clicked elsewhere while the app runs (`moa LINK` hands them
    // over): opened here, the window brought forward.
    let links_dir = data_dir.clone();
    use_future(move || {
        let dir = links_dir.clone();
        async move {
            #[cfg(unix)]
            {
                let Some(listener) = crate::links::listen(&dir) else {
                    return;
                };
                while let Some(link) = crate::links::next_link(&listener).await {
                    match link.parse::<Route>() {
                        Ok(route) => {
                            state.nav.go(route);
                            let window = dioxus::desktop::window();
                            window.set_visible(true);
                            window.set_focus();
                        }
                        Err(e) => {
                            tracing::warn!(%link, error = %e, "a link handed over could not be opened")
                        }
                    }
                }
            }
            #[cfg(not(unix))]
            let _ = dir;
        }
    });
    // The event pump: one for the client the app starts with, and one more
    // whenever the settings screen points the app at another server.
    use_effect(move || {
        let _client = state.client.watch();
        spawn(pump(state));
    });
    // One path for every start of a session — a launch with a stored one, a
    // sign-in or sign-up from the form, another member after a sign-out —
    // and for its end. client-core starts the account's sync loop and
    // realtime connection itself (see `Client::sign_in`); here the window
    // follows: the member is loaded, and a change of member starts over from
    // the home screen with nothing of the previous one left on screen.
    let signed_in = state.status.signed_in();
    let profile_version = state.topics.watch(Topic::Profile);
    let was_signed_in = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(signed_in)));
    use_effect(use_reactive!(|(signed_in, profile_version)| {
        let _ = profile_version;
        if was_signed_in.replace(signed_in) != signed_in {
            state.session_changed();
        }
        if !signed_in {
            state.session.set(None);
            return;
        }
        spawn(async move {
            if let Ok(m) = state.client.get().me().await {
                state.session.set(Some(m));
            }
        });
    }));

    use_effect(super::search::install_shortcut);
    let lang = state.prefs.lang().code();
    if !signed_in {
        return rsx! {
            div { class: "app signed-out", lang,
                auth::AuthScreen {}
                Toasts {}
            }
        };
    }
    rsx! {
        div { class: "app", lang,
            Sidebar {}
            main { class: "content", super::search::SearchBox {} Screen {} }
            StatusBar {}
            Toasts {}
        }
    }
}

/// Turns client-core's events into signal changes, for as long as the
/// client lives.
async fn pump(state: AppState) {
    let client = state.client.get();
    let mut events = crate::startup::early_events().unwrap_or_else(|| client.subscribe());
    state.status.set_sync(client.status());
    loop {
        match events.recv().await {
            Ok(event) => state.apply(event),
            Err(RecvError::Lagged(_)) => {
                // Skipped some: re-read everything.
                state.topics.bump_all();
                state.status.set_sync(state.client.get().status());
            }
            Err(RecvError::Closed) => break,
        }
    }
}

/// The current route's screen.
#[component]
fn Screen() -> Element {
    let nav = use_nav();
    let session = use_session();
    nav.route().screen(session)
}

#[component]
fn NavItem(label: String, icon: &'static str, target: Route, badge: Option<i64>) -> Element {
    let nav = use_nav();
    let current = nav.route();
    let active = current.same_section(&target);
    let go = target.clone();
    rsx! {
        button { class: if active { "nav-item active" } else { "nav-item" },
            onclick: move |_| nav.switch(go.clone()),
            span { class: "nav-icon", "{icon}" }
            span { class: "nav-label", "{label}" }
            if let Some(n) = badge.filter(|n| *n > 0) {
                span { class: "badge", if n > 99 { "99+" } else { "{n}" } }
            }
        }
    }
}

#[component]
fn Sidebar() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let session = use_session();
    let status = use_status();
    let topics = use_topics();
    let notif_version = move || topics.watch(Topic::Notifications);
    let rooms_version = move || topics.watch(Topic::Rooms);
    let unread = use_resource(move || {
        let _ = notif_version();
        async move {
            client
                .get()
                .notifications()
                .await
                .map(|(_, n)| n as i64)
                .unwrap_or(0)
        }
    });
    let unread_chat = use_resource(move || {
        let _ = rooms_version();
        async move {
            client
                .get()
                .rooms()
                .await
                .map(|rooms| {
                    rooms
                        .iter()
                        .filter(|r| !r.muted)
                        .map(|r| r.unread)
                        .sum::<i64>()
                })
                .unwrap_or(0)
        }
    });
    let me = session.me();
    let sync = status.sync();
    let pending = sync.pending as i64 + sync.failed as i64;
    rsx! {
        nav { class: "sidebar",
            div { class: "brand", span { class: "logo", "모아" } span { class: "brand-sub", "Moa" } }
            button { class: "btn primary compose-btn", onclick: move |_| nav.go(Route::Compose(None)),
                "✎ " {prefs.t("nav-compose")}
            }
            NavItem { label: prefs.t("nav-home"), icon: "⌂", target: Route::Home }
            NavItem { label: prefs.t("nav-notifications"), icon: "🔔", target: Route::Notifications, badge: unread.read().unwrap_or(0) }
            NavItem { label: prefs.t("nav-chat"), icon: "💬", target: Route::Chat(None), badge: unread_chat.read().unwrap_or(0) }
            NavItem { label: prefs.t("nav-shop"), icon: "🛒", target: Route::Shop }
            NavItem { label: prefs.t("nav-requests"), icon: "🙋", target: Route::Requests(RequestsTab::Browse) }
            NavItem { label: prefs.t("nav-profile"), icon: "☺", target: Route::Profile(None) }
            NavItem { label: prefs.t("nav-outbox"), icon: "⇅", target: Route::Outbox, badge: pending }
            if session.is_moderator() {
                div { class: "nav-section", {prefs.t("nav-admin-section")} }
                NavItem { label: prefs.t("admin-reports"), icon: "⚑", target: Route::Admin(AdminTab::Reports) }
            }
            if session.is_admin() {
                NavItem { label: prefs.t("nav-back-office"), icon: "📦", target: Route::Admin(AdminTab::Orders) }
            }
            div { class: "nav-spacer" }
            NavItem { label: prefs.t("nav-settings"), icon: "⚙", target: Route::Settings }
            if let Some(me) = me {
                div { class: "me-card",
                    super::Avatar { author: author_of(&me), size: 32 }
                    div { class: "me-names",
                        div { class: "me-name", "{me.display_name}" }
                        div { class: "handle", "@{me.handle}" }
                    }
                }
            }
        }
    }
}

/// The member as an author (for avatars).
pub fn author_of(me: &moa_client_core::Me) -> moa_client_core::protocol::Author {
    moa_client_core::protocol::Author {
        id: me.id.clone(),
        handle: me.handle.clone(),
        display_name: me.display_name.clone(),
        avatar_media_id: me.avatar_media_id.clone(),
        deleted: false,
    }
}

#[component]
fn StatusBar() -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let status = use_status();
    let realtime = status.realtime();
    let status = status.sync();
    let (dot, text) = if status.online {
        ("dot online", prefs.t("status-online"))
    } else {
        ("dot offline", prefs.t("status-offline"))
    };
    let live = match realtime {
        RealtimeState::Connected => prefs.t("status-live"),
        RealtimeState::Connecting => prefs.t("status-connecting"),
        RealtimeState::Disconnected { retry_in } => prefs.ta(
            "status-reconnecting",
            &[("seconds", Arg::Num(retry_in.as_secs() as i64))],
        ),
        RealtimeState::Off => String::new(),
    };
    rsx! {
        footer { class: "status-bar",
            span { class: "{dot}" }
            span { "{text}" }
            if status.syncing { span { class: "muted", {prefs.t("status-syncing")} } }
            if !live.is_empty() { span { class: "muted", "· {live}" } }
            span { class: "status-spacer" }
            if status.pending > 0 {
                a { onclick: move |_| nav.switch(Route::Outbox),
                    {prefs.ta("status-pending", &[("count", Arg::Num(status.pending as i64))])}
                }
            }
            if status.failed > 0 {
                a { class: "error-text", onclick: move |_| nav.switch(Route::Outbox),
                    {prefs.ta("status-failed", &[("count", Arg::Num(status.failed as i64))])}
                }
            }
            if let Some(error) = status.error.clone().filter(|_| status.online) {
                span { class: "error-text", title: "{error}", {prefs.t("status-sync-error")} }
            }
        }
    }
}

#[component]
fn Toasts() -> Element {
    let notices = use_notices();
    let Some(toast) = notices.current() else {
        return rsx! {};
    };
    // Each toast goes away by itself after a while.
    let shown = toast.clone();
    use_effect(use_reactive!(|shown| {
        spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(6)).await;
            notices.dismiss_if(&shown);
        });
    }));
    let class = if toast.error { "toast error" } else { "toast" };
    rsx! {
        div { class: "{class}", role: "status",
            span { "{toast.text}" }
            button { class: "icon-btn", onclick: move |_| notices.dismiss(), "×" }
        }
    }
}
