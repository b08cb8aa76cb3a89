//! Notices: the short message (toast) at the bottom of the window, for
//! things done and things that failed, in the current language.

use dioxus::prelude::*;

use super::Prefs;

/// A short message at the bottom of the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub text: String,
    pub error: bool,
}

/// The toast being shown, shared.
#[derive(Clone, Copy)]
pub struct Notices {
    toast: Signal<Option<Toast>>,
    prefs: Prefs,
}

impl Notices {
    /// Creates the signal (call inside a component, once).
    pub(super) fn new(prefs: Prefs) -> Notices {
        Notices {
            toast: Signal::new(None),
            prefs,
        }
    }

    /// Says something went well.
    pub fn notify(&self, text: String) {
        self.show(text, false);
    }

    /// Says what went wrong, in words for people.
    pub fn fail(&self, error: &moa_client_core::Error) {
        self.show(crate::ui::error_text(self.prefs.lang(), error), true);
    }

    /// Shows an error already in words.
    pub fn error(&self, text: String) {
        self.show(text, true);
    }

    fn show(&self, text: String, error: bool) {
        let mut toast = self.toast;
        toast.set(Some(Toast { text, error }));
    }

    /// The toast on screen (subscribes the caller).
    pub fn current(&self) -> Option<Toast> {
        self.toast.read().clone()
    }

    pub fn dismiss(&self) {
        let mut toast = self.toast;
        toast.set(None);
    }

    /// Dismisses `shown` if it is still the toast on screen.
    pub fn dismiss_if(&self, shown: &Toast) {
        if self.toast.peek().as_ref() == Some(shown) {
            self.dismiss();
        }
    }
}

/// The notices of the current component tree.
pub fn use_notices() -> Notices {
    use_context()
}
