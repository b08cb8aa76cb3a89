//! The window's frame: the root component (context, the event pump from
//! client-core), the sidebar, the status bar, toasts, and the switch from a
//! [`Route`] to its screen. Signed out, it shows only the sign-in screen.

use std::path::PathBuf;

use dioxus::prelude::*;
use moa_client_core::protocol::SubjectType;
use moa_client_core::{Client, RealtimeState, Topic};
use tokio::sync::broadcast::error::RecvError;

use super::{
    admin, auth, chat, compose, feed, notifications, outbox, profile, review, settings, subject,
};
use crate::i18n::Arg;
use crate::settings::Settings;
use crate::state::{AdminTab, Ctx, Route, use_ctx};

/// How the app was started.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Start {
    /// The screen to open first (see [`parse_route`]).
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

/// The root: provides [`Ctx`], keeps it current from client-core's events,
/// and lays out the window.
#[allow(non_snake_case)]
pub fn App(props: AppProps) -> Element {
    let AppProps {
        client,
        settings,
        data_dir,
        start,
    } = props;
    let ctx = use_hook(|| {
        crate::startup::mark("first_render");
        Ctx::new(client.clone(), settings.clone())
    });
    use_context_provider(|| ctx);
    use_context_provider(|| DataDir(data_dir.clone()));
    use_context_provider(|| start.clone());
    use_hook(|| {
        if let Some(route) = start.open.clone() {
            ctx.switch(route);
        }
    });
    use_hook(|| spawn(pump(ctx)));
    // One path for every start of a session — a launch with a stored one, a
    // sign-in or sign-up from the form, another member after a sign-out —
    // and for its end. client-core starts the account's sync loop and
    // realtime connection itself (see `Client::sign_in`); here the window
    // follows: the member is loaded, and a change of member starts over from
    // the home screen with nothing of the previous one left on screen.
    let signed_in = ctx.status.read().signed_in;
    let profile_version = ctx.watch(Topic::Profile);
    let was_signed_in = use_hook(|| std::rc::Rc::new(std::cell::Cell::new(signed_in)));
    use_effect(use_reactive!(|(signed_in, profile_version)| {
        let _ = profile_version;
        if was_signed_in.replace(signed_in) != signed_in {
            session_changed(ctx);
        }
        let mut me = ctx.me;
        if !signed_in {
            me.set(None);
            return;
        }
        spawn(async move {
            if let Ok(m) = ctx.client().me().await {
                me.set(Some(m));
            }
        });
    }));

    if !signed_in {
        return rsx! {
            div { class: "app signed-out", lang: ctx.lang().code(),
                auth::AuthScreen {}
                Toasts {}
            }
        };
    }
    rsx! {
        div { class: "app", lang: ctx.lang().code(),
            Sidebar {}
            main { class: "content", Screen {} }
            StatusBar {}
            Toasts {}
        }
    }
}

/// A session began or ended: what was on screen belonged to the previous
/// member (or to nobody), so the window starts over at home with fresh
/// per-member state, and every view reads its data again.
fn session_changed(ctx: Ctx) {
    ctx.switch(Route::Home);
    let (mut uploads, mut typing, mut toast, mut me) = (ctx.uploads, ctx.typing, ctx.toast, ctx.me);
    uploads.write().clear();
    typing.write().clear();
    toast.set(None);
    me.set(None);
    let mut status = ctx.status;
    status.set(ctx.client().status());
    let mut realtime = ctx.realtime;
    realtime.set(ctx.client().realtime_state());
    let mut versions = ctx.versions;
    let mut v = versions.write();
    for topic in ALL_TOPICS {
        v.bump(topic);
    }
}

/// Turns client-core's events into signal changes, for as long as the app runs.
pub async fn pump(ctx: Ctx) {
    let mut events = crate::startup::early_events().unwrap_or_else(|| ctx.client().subscribe());
    let mut status = ctx.status;
    status.set(ctx.client().status());
    loop {
        match events.recv().await {
            Ok(event) => ctx.apply(event),
            Err(RecvError::Lagged(_)) => {
                // Skipped some: re-read everything.
                let mut versions = ctx.versions;
                let mut v = versions.write();
                for topic in ALL_TOPICS {
                    v.bump(topic);
                }
                drop(v);
                status.set(ctx.client().status());
            }
            Err(RecvError::Closed) => break,
        }
    }
}

const ALL_TOPICS: [Topic; 12] = [
    Topic::Feed,
    Topic::Reviews,
    Topic::Comments,
    Topic::Likes,
    Topic::Scraps,
    Topic::Follows,
    Topic::Notifications,
    Topic::Profile,
    Topic::Outbox,
    Topic::Drafts,
    Topic::Rooms,
    Topic::Messages,
];

#[component]
fn Screen() -> Element {
    let ctx = use_ctx();
    match ctx.route() {
        Route::Home => rsx! { feed::Home {} },
        Route::Review(id) => rsx! { review::ReviewScreen { key: "{id}", id } },
        Route::Compose(edit) => rsx! { compose::Compose { edit } },
        Route::Subject(kind, id) => rsx! { subject::SubjectScreen { key: "{id}", kind, id } },
        Route::Tag(tag) => rsx! { subject::TagScreen { key: "{tag}", tag } },
        Route::Profile(id) => rsx! { profile::ProfileScreen { user_id: id } },
        Route::People(id, list) => rsx! { profile::People { user_id: id, list } },
        Route::Notifications => rsx! { notifications::Notifications {} },
        Route::Chat(room) => rsx! { chat::ChatScreen { room } },
        Route::Outbox => rsx! { outbox::Outbox {} },
        Route::Settings => rsx! { settings::SettingsScreen {} },
        Route::Admin(tab) => {
            if ctx.is_moderator() {
                rsx! { admin::Admin { tab } }
            } else {
                rsx! { feed::Home {} }
            }
        }
    }
}

#[component]
fn NavItem(label: String, icon: &'static str, target: Route, badge: Option<i64>) -> Element {
    let ctx = use_ctx();
    let current = ctx.route();
    let active = same_section(&current, &target);
    let go = target.clone();
    rsx! {
        button { class: if active { "nav-item active" } else { "nav-item" },
            onclick: move |_| ctx.switch(go.clone()),
            span { class: "nav-icon", "{icon}" }
            span { class: "nav-label", "{label}" }
            if let Some(n) = badge.filter(|n| *n > 0) {
                span { class: "badge", if n > 99 { "99+" } else { "{n}" } }
            }
        }
    }
}

fn same_section(a: &Route, b: &Route) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
        && !matches!((a, b), (Route::Profile(x), Route::Profile(y)) if x != y)
}

#[component]
fn Sidebar() -> Element {
    let ctx = use_ctx();
    let notif_version = move || ctx.watch(Topic::Notifications);
    let rooms_version = move || ctx.watch(Topic::Rooms);
    let unread = use_resource(move || {
        let _ = notif_version();
        async move {
            ctx.client()
                .notifications()
                .await
                .map(|(_, n)| n as i64)
                .unwrap_or(0)
        }
    });
    let unread_chat = use_resource(move || {
        let _ = rooms_version();
        async move {
            ctx.client()
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
    let me = ctx.me.read().clone();
    let pending = ctx.status.read().pending as i64 + ctx.status.read().failed as i64;
    rsx! {
        nav { class: "sidebar",
            div { class: "brand", span { class: "logo", "모아" } span { class: "brand-sub", "Moa" } }
            button { class: "btn primary compose-btn", onclick: move |_| ctx.go(Route::Compose(None)),
                "✎ " {ctx.t("nav-compose")}
            }
            NavItem { label: ctx.t("nav-home"), icon: "⌂", target: Route::Home }
            NavItem { label: ctx.t("nav-notifications"), icon: "🔔", target: Route::Notifications, badge: unread.read().unwrap_or(0) }
            NavItem { label: ctx.t("nav-chat"), icon: "💬", target: Route::Chat(None), badge: unread_chat.read().unwrap_or(0) }
            NavItem { label: ctx.t("nav-profile"), icon: "☺", target: Route::Profile(None) }
            NavItem { label: ctx.t("nav-outbox"), icon: "⇅", target: Route::Outbox, badge: pending }
            if ctx.is_moderator() {
                div { class: "nav-section", {ctx.t("nav-admin-section")} }
                NavItem { label: ctx.t("admin-reports"), icon: "⚑", target: Route::Admin(AdminTab::Reports) }
            }
            div { class: "nav-spacer" }
            NavItem { label: ctx.t("nav-settings"), icon: "⚙", target: Route::Settings }
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
    let ctx = use_ctx();
    let status = ctx.status.read().clone();
    let realtime = *ctx.realtime.read();
    let (dot, text) = if status.online {
        ("dot online", ctx.t("status-online"))
    } else {
        ("dot offline", ctx.t("status-offline"))
    };
    let live = match realtime {
        RealtimeState::Connected => ctx.t("status-live"),
        RealtimeState::Connecting => ctx.t("status-connecting"),
        RealtimeState::Disconnected { retry_in } => ctx.ta(
            "status-reconnecting",
            &[("seconds", Arg::Num(retry_in.as_secs() as i64))],
        ),
        RealtimeState::Off => String::new(),
    };
    rsx! {
        footer { class: "status-bar",
            span { class: "{dot}" }
            span { "{text}" }
            if status.syncing { span { class: "muted", {ctx.t("status-syncing")} } }
            if !live.is_empty() { span { class: "muted", "· {live}" } }
            span { class: "status-spacer" }
            if status.pending > 0 {
                a { onclick: move |_| ctx.switch(Route::Outbox),
                    {ctx.ta("status-pending", &[("count", Arg::Num(status.pending as i64))])}
                }
            }
            if status.failed > 0 {
                a { class: "error-text", onclick: move |_| ctx.switch(Route::Outbox),
                    {ctx.ta("status-failed", &[("count", Arg::Num(status.failed as i64))])}
                }
            }
            if let Some(error) = status.error.clone().filter(|_| status.online) {
                span { class: "error-text", title: "{error}", {ctx.t("status-sync-error")} }
            }
        }
    }
}

#[component]
fn Toasts() -> Element {
    let ctx = use_ctx();
    let Some(toast) = ctx.toast.read().clone() else {
        return rsx! {};
    };
    let mut signal = ctx.toast;
    // Each toast goes away by itself after a while.
    let shown = toast.clone();
    use_effect(use_reactive!(|shown| {
        spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(6)).await;
            if signal.peek().as_ref() == Some(&shown) {
                signal.set(None);
            }
        });
    }));
    let class = if toast.error { "toast error" } else { "toast" };
    rsx! {
        div { class: "{class}", role: "status",
            span { "{toast.text}" }
            button { class: "icon-btn", onclick: move |_| signal.set(None), "×" }
        }
    }
}

/// Reads a start screen: `home`, `review:ID`, `compose`, `chat`, `chat:ID`,
/// `notifications`, `profile`, `outbox`, `settings`, `admin`,
/// `admin:stats|users|audit|official`, `place:ID`, `product:ID`.
/// Shared links (`moa://review/ID`) read the same way.
pub fn parse_route(spec: &str) -> Option<Route> {
    let link = spec
        .strip_prefix("moa://")
        .map(|rest| rest.replacen('/', ":", 1));
    let spec = link.as_deref().unwrap_or(spec);
    let (head, arg) = match spec.split_once(':') {
        Some((h, a)) => (h, Some(a.to_owned())),
        None => (spec, None),
    };
    Some(match (head, arg) {
        ("home", None) => Route::Home,
        ("review", Some(id)) => Route::Review(id),
        ("compose", None) => Route::Compose(None),
        ("chat", room) => Route::Chat(room),
        ("notifications", None) => Route::Notifications,
        ("profile", id) => Route::Profile(id),
        ("outbox", None) => Route::Outbox,
        ("settings", None) => Route::Settings,
        ("place", Some(id)) => Route::Subject(SubjectType::Place, id),
        ("product", Some(id)) => Route::Subject(SubjectType::Product, id),
        ("admin", None) => Route::Admin(AdminTab::Reports),
        ("admin", Some(tab)) => Route::Admin(match tab.as_str() {
            "stats" => AdminTab::Stats,
            "users" => AdminTab::Users,
            "audit" => AdminTab::Audit,
            "official" => AdminTab::Official,
            _ => AdminTab::Reports,
        }),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_screens_and_shared_links_parse() {
        assert_eq!(parse_route("home"), Some(Route::Home));
        assert_eq!(parse_route("review:abc"), Some(Route::Review("abc".into())));
        assert_eq!(
            parse_route("moa://review/abc"),
            Some(Route::Review("abc".into()))
        );
        assert_eq!(parse_route("chat"), Some(Route::Chat(None)));
        assert_eq!(
            parse_route("admin:audit"),
            Some(Route::Admin(AdminTab::Audit))
        );
        assert_eq!(parse_route("nowhere"), None);
        assert_eq!(parse_route("review"), None);
    }
}
