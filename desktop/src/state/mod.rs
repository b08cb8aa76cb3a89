//! The app's shared state, in focused pieces. The root creates them all
//! ([`AppState`]) and provides each as a context of its own, so a component
//! takes only what it uses (`use_nav()`, `use_prefs()`, ...):
//!
//! - [`ClientHandle`]: the one client-core handle;
//! - [`Prefs`]: the settings (the language words are read in, the server);
//! - [`Nav`]: where the app is, a stack of [`Route`](crate::route::Route)s;
//! - [`Session`]: the signed-in member; [`Status`]: sync and realtime state;
//! - [`Topics`]: per-topic versions that make views reload when their data
//!   changes; [`Uploads`]: upload progress; [`Typing`]: who is typing;
//! - [`Notices`]: the toast at the bottom of the window.
//!
//! The event pump ([`AppState::apply`]) is the one writer that sees them all.

mod client;
mod live;
mod nav;
mod notices;
mod prefs;
mod session;

use dioxus::prelude::*;
use moa_client_core::{Client, Event, Topic};

pub use client::{ClientHandle, use_client};
pub use live::{
    ALL_TOPICS, Topics, Typing, Uploads, Versions, use_topics, use_typing, use_uploads,
};
pub use nav::{Nav, use_nav};
pub use notices::{Notices, Toast, use_notices};
pub use prefs::{Prefs, use_prefs};
pub use session::{Session, Status, use_session, use_status};

use crate::i18n::Arg;
use crate::route::Route;
use crate::settings::Settings;

/// Every piece of shared state: what the root provides and the event pump
/// writes. Components take the pieces, never this.
#[derive(Clone, Copy)]
pub struct AppState {
    pub client: ClientHandle,
    pub prefs: Prefs,
    pub nav: Nav,
    pub session: Session,
    pub status: Status,
    pub topics: Topics,
    pub uploads: Uploads,
    pub typing: Typing,
    pub notices: Notices,
}

impl AppState {
    /// Creates the signals (call inside a component, once).
    pub fn new(client: Client, settings: Settings) -> AppState {
        let status = Status::new(client.status(), client.realtime_state());
        let prefs = Prefs::new(settings);
        AppState {
            client: ClientHandle::new(client),
            prefs,
            nav: Nav::new(),
            session: Session::new(),
            status,
            topics: Topics::new(),
            uploads: Uploads::new(),
            typing: Typing::new(),
            notices: Notices::new(prefs),
        }
    }

    /// Provides each piece as a context of its own (a hook: call it in the
    /// root on every render, unconditionally).
    pub fn provide(self) {
        use_context_provider(|| self.client);
        use_context_provider(|| self.prefs);
        use_context_provider(|| self.nav);
        use_context_provider(|| self.session);
        use_context_provider(|| self.status);
        use_context_provider(|| self.topics);
        use_context_provider(|| self.uploads);
        use_context_provider(|| self.typing);
        use_context_provider(|| self.notices);
    }

    /// A session began or ended: what was on screen belonged to the previous
    /// member (or to nobody), so the window starts over at home with fresh
    /// per-member state, and every view reads its data again.
    pub fn session_changed(&self) {
        self.nav.switch(Route::Home);
        self.uploads.clear();
        self.typing.clear();
        self.notices.dismiss();
        self.session.set(None);
        let client = self.client.get();
        self.status.set_sync(client.status());
        self.status.set_realtime(client.realtime_state());
        self.topics.bump_all();
    }

    /// Applies one client-core event to the signals.
    pub fn apply(&self, event: Event) {
        match event {
            Event::Changed(topics) => self.topics.bump(topics),
            Event::Status(status) => self.status.set_sync(status),
            Event::Rejected(rejection) => {
                self.notices.error(self.prefs.ta(
                    "toast-rejected",
                    &[("reason", Arg::Str(rejection.error.message))],
                ));
                self.topics.bump([Topic::Outbox]);
            }
            Event::Compressing { .. } => {}
            Event::Uploading {
                media_id,
                sent,
                total,
            } => self.uploads.set(media_id, sent, total),
            Event::Message(m) | Event::MessageChanged(m) => {
                self.typing.stopped(&m.room_id, &m.sender_id);
                self.topics.bump([Topic::Messages, Topic::Rooms]);
            }
            Event::ReadMarker { .. } => self.topics.bump([Topic::Messages, Topic::Rooms]),
            Event::Typing { room_id, .. } => {
                let members = self.client.get().room(&room_id).typing_members();
                self.typing.set(room_id, members);
            }
            Event::Realtime(state) => self.status.set_realtime(state),
            Event::Notification(_) => self.topics.bump([Topic::Notifications]),
            Event::RoomMoved { from, to } => {
                self.nav.room_moved(&from, &to);
                self.topics.bump([Topic::Rooms]);
            }
        }
    }
}
