//! What the event pump counts and tracks for views: per-topic change
//! counters ([`Topics`]) that make views reload when their data changes,
//! upload progress ([`Uploads`]) and who is typing ([`Typing`]).

use std::collections::HashMap;

use dioxus::prelude::*;
use moa_client_core::Topic;

/// Every client-core topic (to reload everything at once).
pub const ALL_TOPICS: [Topic; 16] = [
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
    Topic::Campaigns,
    Topic::Orders,
    Topic::Requests,
    Topic::Wallet,
];

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

/// The change counters, shared.
#[derive(Clone, Copy)]
pub struct Topics(Signal<Versions>);

impl Topics {
    /// Creates the signal (call inside a component, once).
    pub(super) fn new() -> Topics {
        Topics(Signal::new(Versions::default()))
    }

    /// Subscribes the calling scope to `topic` and answers its version.
    pub fn watch(&self, topic: Topic) -> u64 {
        self.0.read().get(topic)
    }

    /// Marks these topics changed: views that show them read them again.
    pub fn bump(&self, topics: impl IntoIterator<Item = Topic>) {
        let mut signal = self.0;
        let mut versions = signal.write();
        for topic in topics {
            versions.bump(topic);
        }
    }

    /// Marks every topic changed.
    pub fn bump_all(&self) {
        self.bump(ALL_TOPICS);
    }
}

/// Upload progress by media id: (sent, total).
#[derive(Clone, Copy)]
pub struct Uploads(Signal<HashMap<String, (u64, u64)>>);

impl Uploads {
    /// Creates the signal (call inside a component, once).
    pub(super) fn new() -> Uploads {
        Uploads(Signal::new(HashMap::new()))
    }

    pub fn all(&self) -> HashMap<String, (u64, u64)> {
        self.0.read().clone()
    }

    pub fn set(&self, media_id: String, sent: u64, total: u64) {
        let mut signal = self.0;
        signal.write().insert(media_id, (sent, total));
    }

    pub fn clear(&self) {
        let mut signal = self.0;
        signal.write().clear();
    }
}

/// Members typing (user ids), by room id.
#[derive(Clone, Copy)]
pub struct Typing(Signal<HashMap<String, Vec<String>>>);

impl Typing {
    /// Creates the signal (call inside a component, once).
    pub(super) fn new() -> Typing {
        Typing(Signal::new(HashMap::new()))
    }

    /// The members typing in `room_id` (subscribes the caller).
    pub fn in_room(&self, room_id: &str) -> Vec<String> {
        self.0.read().get(room_id).cloned().unwrap_or_default()
    }

    pub fn set(&self, room_id: String, members: Vec<String>) {
        let mut signal = self.0;
        signal.write().insert(room_id, members);
    }

    /// `user_id` sent a message in `room_id`: they are no longer typing.
    pub fn stopped(&self, room_id: &str, user_id: &str) {
        let mut signal = self.0;
        if let Some(list) = signal.write().get_mut(room_id) {
            list.retain(|u| u != user_id);
        }
    }

    pub fn clear(&self) {
        let mut signal = self.0;
        signal.write().clear();
    }
}

/// The change counters of the current component tree.
pub fn use_topics() -> Topics {
    use_context()
}

/// Upload progress in the current component tree.
pub fn use_uploads() -> Uploads {
    use_context()
}

/// Who is typing, in the current component tree.
pub fn use_typing() -> Typing {
    use_context()
}
