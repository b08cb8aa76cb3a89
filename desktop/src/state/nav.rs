//! Navigation: a stack of [`Route`]s. Opening a screen pushes it, the back
//! button pops it, the sidebar starts the stack over.

use dioxus::prelude::*;

use crate::route::Route;

/// The navigation stack (never empty: home at the bottom when nothing else).
#[derive(Clone, Copy)]
pub struct Nav(Signal<Vec<Route>>);

impl Nav {
    /// Creates the signal at home (call inside a component, once).
    pub(super) fn new() -> Nav {
        Nav(Signal::new(vec![Route::Home]))
    }

    /// Where the app is (subscribes the caller).
    pub fn route(&self) -> Route {
        self.0.read().last().cloned().unwrap_or(Route::Home)
    }

    /// Opens a screen on top of the current one.
    pub fn go(&self, route: Route) {
        let mut stack = self.0;
        if stack.peek().last() != Some(&route) {
            stack.write().push(route);
        }
    }

    /// Switches to a top-level screen (the sidebar): history starts over.
    pub fn switch(&self, route: Route) {
        let mut stack = self.0;
        stack.set(vec![route]);
    }

    pub fn back(&self) {
        let mut stack = self.0;
        if stack.peek().len() > 1 {
            stack.write().pop();
        }
    }

    pub fn can_go_back(&self) -> bool {
        self.0.read().len() > 1
    }

    /// A chat room made here turned out to be an existing one: every place
    /// in the history that shows `from` shows `to` instead.
    pub fn room_moved(&self, from: &str, to: &str) {
        let mut stack = self.0;
        let from = Route::Chat(Some(from.to_owned()));
        for route in stack.write().iter_mut() {
            if *route == from {
                *route = Route::Chat(Some(to.to_owned()));
            }
        }
    }
}

/// The navigation of the current component tree.
pub fn use_nav() -> Nav {
    use_context()
}
