//! Sign in and sign up. Errors show under the form; the button says what it
//! is doing while the server answers.

use dioxus::prelude::*;
use moa_client_core::Error;

use crate::state::{use_client, use_prefs};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    SignIn,
    SignUp,
}

#[component]
pub fn AuthScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut mode = use_signal(|| Mode::SignIn);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);

    // The fields are read from the form as submitted, never written back
    // from app state while someone types: a keystroke that lands before the
    // re-render of the previous one is never lost (fast typists, slow
    // machines).
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let field = |name: &str| match e.get_first(name) {
            Some(FormValue::Text(text)) => text,
            _ => String::new(),
        };
        let community = Some(field("community")).filter(|c| !c.is_empty());
        let (em, pw, h, n, m) = (
            field("email").trim().to_owned(),
            field("password"),
            field("handle").trim().to_owned(),
            field("display_name").trim().to_owned(),
            *mode.peek(),
        );
        if em.is_empty() || pw.is_empty() || (m == Mode::SignUp && (h.is_empty() || n.is_empty())) {
            error.set(Some(prefs.t("auth-fill-all")));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn(async move {
            let client = client.get();
            let result = match m {
                Mode::SignIn => client.sign_in(&em, &pw).await,
                Mode::SignUp => client.sign_up_in(&em, &pw, &h, &n, community).await,
            };
            // Signed in, this screen is gone already (the root follows the
            // session: see `shell::App`); only a refusal is left to show.
            busy.set(false);
            match result {
                Ok(_) => {}
                Err(Error::Auth(_)) if m == Mode::SignIn => error.set(Some(prefs.t("auth-wrong"))),
                Err(e) => error.set(Some(super::error_text(prefs.lang(), &e))),
            }
        });
    };

    let signing_up = *mode.read() == Mode::SignUp;
    rsx! {
        div { class: "auth",
            div { class: "auth-card",
                div { class: "brand big", span { class: "logo", "모아" } }
                p { class: "auth-tagline", {prefs.t("auth-tagline")} }
                form { onsubmit: submit,
                    label { {prefs.t("auth-email")}
                        input { r#type: "email", name: "email", autofocus: true, autocomplete: "username" }
                    }
                    label { {prefs.t("auth-password")}
                        input { r#type: "password", name: "password",
                            autocomplete: if signing_up { "new-password" } else { "current-password" } }
                    }
                    if signing_up {
                        label { {prefs.t("auth-handle")}
                            input { name: "handle", placeholder: "moa_friend", autocomplete: "off" }
                        }
                        label { {prefs.t("auth-display-name")}
                            input { name: "display_name", autocomplete: "nickname" }
                        }
                        label { {prefs.t("auth-community")}
                            super::shop::CommunitySelect { name: "community" }
                        }
                    }
                    if let Some(err) = error.read().clone() {
                        p { class: "form-error", role: "alert", "{err}" }
                    }
                    button { class: "btn primary wide", r#type: "submit", disabled: *busy.read(),
                        if *busy.read() { {prefs.t("state-working")} }
                        else if signing_up { {prefs.t("auth-sign-up")} }
                        else { {prefs.t("auth-sign-in")} }
                    }
                }
                button { class: "btn ghost wide",
                    onclick: move |_| { error.set(None); mode.set(if signing_up { Mode::SignIn } else { Mode::SignUp }) },
                    if signing_up { {prefs.t("auth-have-account")} } else { {prefs.t("auth-no-account")} }
                }
                p { class: "muted small", {prefs.t("auth-server")} " " code { "{prefs.server_url()}" } }
            }
        }
    }
}
