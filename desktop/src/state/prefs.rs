//! The app's settings as a context: the language every word on screen is
//! read in, and the server URL. Reading a word subscribes the reader, so a
//! change of language re-renders what shows words.

use std::path::Path;

use dioxus::prelude::*;

use crate::i18n::{Arg, Lang};
use crate::settings::Settings;

/// The settings, shared (`Copy`).
#[derive(Clone, Copy)]
pub struct Prefs(Signal<Settings>);

impl Prefs {
    /// Creates the signal (call inside a component, once).
    pub(super) fn new(settings: Settings) -> Prefs {
        Prefs(Signal::new(settings))
    }

    pub fn lang(&self) -> Lang {
        self.0.read().lang
    }

    /// The words of `key` in the current language.
    pub fn t(&self, key: &str) -> String {
        self.lang().t(key)
    }

    /// The words of `key` with named arguments.
    pub fn ta(&self, key: &str, args: &[(&str, Arg)]) -> String {
        self.lang().ta(key, args)
    }

    pub fn server_url(&self) -> String {
        self.0.read().server_url.clone()
    }

    /// Changes the settings and saves them in `data_dir` (a failure to save
    /// is logged: the change holds for this run).
    pub fn update(&self, data_dir: &Path, change: impl FnOnce(&mut Settings)) {
        let mut signal = self.0;
        change(&mut signal.write());
        if let Err(e) = signal.peek().save(data_dir) {
            tracing::warn!("{e}");
        }
    }
}

/// The settings of the current component tree.
pub fn use_prefs() -> Prefs {
    use_context()
}
