//! The app's shared state, provided once as context at the root: the
//! client-core handle, the language, navigation, and the signals the event
//! pump keeps current (sync status, the member, per-topic versions that make
//! views reload when their data changes, upload progress, toasts).

use std::collections::HashMap;

use dioxus::prelude::*;
use moa_client_core::protocol::{ReportTarget, Role, SubjectType};
use moa_client_core::{Client, Event, Me, RealtimeState, SyncStatus, Topic};

use crate::i18n::{Arg, Lang};
use crate::settings::Settings;

/// Where the app is.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Home,
    Review(String),
    /// Compose a new review, or edit one (`Some(id)`).
    Compose(Option<String>),
    Subject(SubjectType, String),
    Tag(String),
    /// A member's page (`None`: the signed-in member's own).
    Profile(Option<String>),
    People(String, PeopleList),
    Notifications,
    /// The room list, with a room open (`Some(id)`).
    Chat(Option<String>),
    Outbox,
    Settings,
    Admin(AdminTab),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleList {
    Followers,
    Following,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminTab {
    Reports,
    Stats,
    Users,
    Audit,
    Official,
}

/// The change counters views read to reload (one per client-core topic).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Versions(HashMap<Topic, u64>);

impl Versions {
    pub fn get(&self, topic: Topic) -> u64 {
        self.0.get(&topic).copied().unwrap_or(0)
    }

    pub fn bump(&mut self, topic: Topic) {
        *self.0.entry(topic).or_default() += 1;
    }
}

/// A short message at the bottom of the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub text: String,
    pub error: bool,
}

/// Everything views share. Signals are `Copy`; the client is cheap to clone.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub client: Signal<Client>,
    pub settings: Signal<Settings>,
    pub nav: Signal<Vec<Route>>,
    pub status: Signal<SyncStatus>,
    pub realtime: Signal<RealtimeState>,
    pub me: Signal<Option<Me>>,
    pub versions: Signal<Versions>,
    /// Upload progress by media id: (sent, total).
    pub uploads: Signal<HashMap<String, (u64, u64)>>,
    /// Members typing, by room id.
    pub typing: Signal<HashMap<String, Vec<String>>>,
    pub toast: Signal<Option<Toast>>,
}

impl Ctx {
    /// Creates the signals (call inside a component, once).
    pub fn new(client: Client, settings: Settings) -> Ctx {
        let status = client.status();
        let realtime = client.realtime_state();
        Ctx {
            client: Signal::new(client),
            settings: Signal::new(settings),
            nav: Signal::new(vec![Route::Home]),
            status: Signal::new(status),
            realtime: Signal::new(realtime),
            me: Signal::new(None),
            versions: Signal::new(Versions::default()),
            uploads: Signal::new(HashMap::new()),
            typing: Signal::new(HashMap::new()),
            toast: Signal::new(None),
        }
    }

    pub fn client(&self) -> Client {
        self.client.peek().clone()
    }

    pub fn lang(&self) -> Lang {
        self.settings.read().lang
    }

    pub fn t(&self, key: &str) -> String {
        self.lang().t(key)
    }

    pub fn ta(&self, key: &str, args: &[(&str, Arg)]) -> String {
        self.lang().ta(key, args)
    }

    /// Subscribes the calling scope to `topic` and answers its version.
    pub fn watch(&self, topic: Topic) -> u64 {
        self.versions.read().get(topic)
    }

    pub fn route(&self) -> Route {
        self.nav.read().last().cloned().unwrap_or(Route::Home)
    }

    /// Opens a screen on top of the current one.
    pub fn go(&self, route: Route) {
        let mut nav = self.nav;
        if nav.peek().last() != Some(&route) {
            nav.write().push(route);
        }
    }

    /// Switches to a top-level screen (the sidebar): history starts over.
    pub fn switch(&self, route: Route) {
        let mut nav = self.nav;
        nav.set(vec![route]);
    }

    pub fn back(&self) {
        let mut nav = self.nav;
        if nav.peek().len() > 1 {
            nav.write().pop();
        }
    }

    pub fn can_go_back(&self) -> bool {
        self.nav.read().len() > 1
    }

    pub fn is_moderator(&self) -> bool {
        matches!(
            self.me.read().as_ref().map(|m| m.role),
            Some(Role::Moderator | Role::Admin)
        )
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.me.read().as_ref().map(|m| m.role), Some(Role::Admin))
    }

    pub fn my_id(&self) -> Option<String> {
        self.me.read().as_ref().map(|m| m.id.clone())
    }

    pub fn notify(&self, text: String) {
        self.toast(text, false);
    }

    pub fn fail(&self, error: &moa_client_core::Error) {
        self.toast(crate::ui::error_text(self.lang(), error), true);
    }

    fn toast(&self, text: String, error: bool) {
        let mut toast = self.toast;
        toast.set(Some(Toast { text, error }));
    }

    /// Applies one client-core event to the signals.
    pub fn apply(&self, event: Event) {
        let mut versions = self.versions;
        match event {
            Event::Changed(topics) => {
                let mut v = versions.write();
                for topic in topics {
                    v.bump(topic);
                }
            }
            Event::Status(status) => {
                let mut s = self.status;
                s.set(status);
            }
            Event::Rejected(rejection) => {
                self.toast(
                    self.ta(
                        "toast-rejected",
                        &[("reason", Arg::Str(rejection.error.message))],
                    ),
                    true,
                );
                versions.write().bump(Topic::Outbox);
            }
            Event::Compressing { .. } => {}
            Event::Uploading {
                media_id,
                sent,
                total,
            } => {
                let mut uploads = self.uploads;
                uploads.write().insert(media_id, (sent, total));
            }
            Event::Message(m) | Event::MessageChanged(m) => {
                let mut typing = self.typing;
                if let Some(list) = typing.write().get_mut(&m.room_id) {
                    list.retain(|u| u != &m.sender_id);
                }
                let mut v = versions.write();
                v.bump(Topic::Messages);
                v.bump(Topic::Rooms);
            }
            Event::ReadMarker { .. } => {
                let mut v = versions.write();
                v.bump(Topic::Messages);
                v.bump(Topic::Rooms);
            }
            Event::Typing { room_id, .. } => {
                let members = self.client.peek().typing_members(&room_id);
                let mut typing = self.typing;
                typing.write().insert(room_id, members);
            }
            Event::Realtime(state) => {
                let mut r = self.realtime;
                r.set(state);
            }
            Event::Notification(_) => versions.write().bump(Topic::Notifications),
            Event::RoomMoved { from, to } => {
                let mut nav = self.nav;
                for route in nav.write().iter_mut() {
                    if *route == Route::Chat(Some(from.clone())) {
                        *route = Route::Chat(Some(to.clone()));
                    }
                }
                versions.write().bump(Topic::Rooms);
            }
        }
    }
}

/// The context of the current component tree.
pub fn use_ctx() -> Ctx {
    use_context::<Ctx>()
}

/// Report targets as the admin screens group them.
pub fn target_key(target: ReportTarget) -> &'static str {
    match target {
        ReportTarget::Review => "target-review",
        ReportTarget::Comment => "target-comment",
        ReportTarget::User => "target-user",
        ReportTarget::Message => "target-message",
        ReportTarget::Product => "target-product",
    }
}
