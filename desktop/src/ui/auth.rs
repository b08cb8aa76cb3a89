//! Sign in, sign up, and "forgot your password?" (a code mailed by the
//! server, then a new password). Errors show under the form; the button
//! says what it is doing while the server answers.

use dioxus::prelude::*;
use moa_client_core::Error;

use crate::i18n::Arg;
use crate::state::{use_client, use_prefs};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    SignIn,
    SignUp,
    Reset,
}

#[component]
pub fn AuthScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut mode = use_signal(|| Mode::SignIn);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    // Whether the server mails reset codes (the link shows only then).
    let methods = use_resource(move || async move { client.get().sign_in_methods().await.ok() });
    let offers_reset = methods
        .read()
        .as_ref()
        .and_then(|m| m.as_ref().map(|m| m.password_reset))
        .unwrap_or(false);

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
        let m = *mode.peek();
        if m == Mode::Reset {
            return;
        }
        let (em, pw, h, n) = (
            field("email").trim().to_owned(),
            field("password"),
            field("handle").trim().to_owned(),
            field("display_name").trim().to_owned(),
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
                Mode::SignUp => client.sign_up_in(&em, &pw, &h, &n, community).await,
                _ => client.sign_in(&em, &pw).await,
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
    if *mode.read() == Mode::Reset {
        return rsx! {
            div { class: "auth",
                div { class: "auth-card",
                    div { class: "brand big", span { class: "logo", "모아" } }
                    ResetPassword { on_back: move |_| { error.set(None); mode.set(Mode::SignIn) } }
                }
            }
        };
    }
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
                if offers_reset && !signing_up {
                    button { class: "btn link wide", id: "forgot-password",
                        onclick: move |_| { error.set(None); mode.set(Mode::Reset) },
                        {prefs.t("reset-forgot")}
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

/// "Forgot your password?": the address first (a code is mailed), then the
/// code and a new password, which signs in.
#[component]
fn ResetPassword(on_back: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    // The address the code went to; `None` while asking for it.
    let mut sent_to = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let mut notice = use_signal(|| None::<String>);

    let mut ask = move |email: String| {
        busy.set(true);
        error.set(None);
        spawn(async move {
            let result = client.get().request_password_reset(&email).await;
            busy.set(false);
            match result {
                Ok(sent) => {
                    notice.set(Some(prefs.ta(
                        "reset-sent",
                        &[
                            ("email", Arg::Str(email.clone())),
                            ("minutes", Arg::Num(sent.valid_for_secs / 60)),
                        ],
                    )));
                    sent_to.set(Some(email));
                }
                Err(e) => error.set(Some(super::error_text(prefs.lang(), &e))),
            }
        });
    };
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let field = |name: &str| match e.get_first(name) {
            Some(FormValue::Text(text)) => text,
            _ => String::new(),
        };
        let Some(email) = sent_to.peek().clone() else {
            let email = field("email").trim().to_owned();
            if email.is_empty() {
                error.set(Some(prefs.t("auth-fill-all")));
            } else {
                ask(email);
            }
            return;
        };
        let (code, password, again) = (
            field("code"),
            field("new_password"),
            field("new_password_again"),
        );
        if code.trim().is_empty() || password.is_empty() {
            error.set(Some(prefs.t("auth-fill-all")));
            return;
        }
        if password != again {
            error.set(Some(prefs.t("reset-mismatch")));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn(async move {
            // Success signs in: the root follows the session and this
            // screen goes away.
            let result = client.get().reset_password(&email, &code, &password).await;
            busy.set(false);
            if let Err(e) = result {
                error.set(Some(super::error_text(prefs.lang(), &e)));
            }
        });
    };

    let step_two = sent_to.read().is_some();
    rsx! {
        h2 { class: "auth-title", {prefs.t("reset-title")} }
        p { class: "muted",
            if step_two { {notice.read().clone().unwrap_or_default()} } else { {prefs.t("reset-intro")} }
        }
        form { onsubmit: submit, id: "reset-form",
            if !step_two {
                label { {prefs.t("auth-email")}
                    input { r#type: "email", name: "email", autofocus: true, autocomplete: "username" }
                }
            } else {
                label { {prefs.t("reset-code")}
                    input { name: "code", inputmode: "numeric", autocomplete: "one-time-code",
                        maxlength: "7", placeholder: "123456", autofocus: true }
                }
                label { {prefs.t("reset-new-password")}
                    input { r#type: "password", name: "new_password", autocomplete: "new-password" }
                }
                label { {prefs.t("reset-new-password-again")}
                    input { r#type: "password", name: "new_password_again", autocomplete: "new-password" }
                }
            }
            if let Some(err) = error.read().clone() {
                p { class: "form-error", role: "alert", "{err}" }
            }
            button { class: "btn primary wide", r#type: "submit", disabled: *busy.read(),
                if *busy.read() { {prefs.t("state-working")} }
                else if step_two { {prefs.t("reset-set")} }
                else { {prefs.t("reset-send")} }
            }
        }
        if step_two {
            button { class: "btn ghost wide", disabled: *busy.read(),
                onclick: move |_| {
                    if let Some(email) = sent_to.peek().clone() { ask(email) }
                },
                {prefs.t("reset-resend")}
            }
        }
        button { class: "btn ghost wide", onclick: move |_| on_back.call(()), {prefs.t("reset-back")} }
    }
}
