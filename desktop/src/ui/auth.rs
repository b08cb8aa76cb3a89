//! Sign in, sign up, "forgot your password?" (a code mailed by the
//! server, then a new password), and 카카오·네이버·Google로 계속하기: the
//! provider's page in the system browser, then — as the server decides —
//! signed in, a new member's handle to confirm (모아에 처음 오셨네요!), or
//! an existing account's password to link the provider with. Errors show
//! under the form; the button says what it is doing while the server
//! answers.

use dioxus::prelude::*;
use moa_client_core::protocol::SocialProvider;
use moa_client_core::{Error, SocialSignIn};

use super::social::{self, ProviderButton, Purpose};
use crate::i18n::Arg;
use crate::state::{use_client, use_prefs};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    SignIn,
    SignUp,
    Reset,
}

/// Where a provider sign-in stands.
#[derive(Debug, Clone, PartialEq)]
enum Social {
    /// Not started (or over).
    Idle,
    /// The provider's page is open in the browser.
    Waiting(SocialProvider),
    /// New to Moa: confirm a handle.
    SignUp {
        provider: SocialProvider,
        ticket: String,
        email: String,
        display_name: String,
        proposed_handle: String,
    },
    /// The email is an existing member's: link with its password, or (no
    /// password) sign in with one of `providers` and link from settings.
    Link {
        provider: SocialProvider,
        ticket: String,
        email: String,
        has_password: bool,
        providers: Vec<SocialProvider>,
    },
}

impl Social {
    /// Where a finished round leads on this screen (signed in: nowhere,
    /// the root follows the session).
    fn after(provider: SocialProvider, outcome: SocialSignIn) -> Social {
        match outcome {
            SocialSignIn::SignedIn(_) | SocialSignIn::Linked(_) => Social::Idle,
            SocialSignIn::SignUp {
                ticket,
                email,
                display_name,
                proposed_handle,
            } => Social::SignUp {
                provider,
                ticket,
                email,
                display_name,
                proposed_handle,
            },
            SocialSignIn::LinkRequired {
                ticket,
                email,
                has_password,
                providers,
            } => Social::Link {
                provider,
                ticket,
                email,
                has_password,
                providers,
            },
        }
    }
}

#[component]
pub fn AuthScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut mode = use_signal(|| Mode::SignIn);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let mut social = use_signal(|| Social::Idle);
    let mut social_error = use_signal(|| None::<String>);
    let mut round = use_signal(|| None::<dioxus::core::Task>);
    // What the server offers: "forgot your password?" only when it mails
    // reset codes, and only its providers' buttons.
    let methods = use_resource(move || async move { client.get().sign_in_methods().await.ok() });
    let offered = methods.read().clone().flatten();
    let offers_reset = offered.as_ref().is_some_and(|m| m.password_reset);
    let providers = social::shown(offered.as_ref().map_or(&[][..], |m| &m.providers));

    // A provider round: the browser, its return, the server's answer. The
    // task is kept so 취소 can drop it (which closes the loopback port).
    let mut begin = move |provider: SocialProvider| {
        if matches!(*social.peek(), Social::Waiting(_)) {
            return;
        }
        error.set(None);
        social_error.set(None);
        social.set(Social::Waiting(provider.clone()));
        let task = spawn(async move {
            let result = social::round(client.get(), provider.clone(), Purpose::SignIn).await;
            round.set(None);
            match result {
                // Signed in: the root follows the session, as after a
                // password sign-in, and this screen goes away.
                Ok(outcome) => social.set(Social::after(provider, outcome)),
                Err(e) => {
                    social.set(Social::Idle);
                    social_error.set(Some(social::error_text(prefs.lang(), &e)));
                }
            }
        });
        round.set(Some(task));
    };
    let mut cancel = move || {
        if let Some(task) = round.take() {
            task.cancel();
        }
        social.set(Social::Idle);
    };

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

    let stage = social.read().clone();
    match stage {
        Social::SignUp {
            provider,
            ticket,
            email,
            display_name,
            proposed_handle,
        } => {
            return rsx! {
                div { class: "auth",
                    div { class: "auth-card",
                        div { class: "brand big", span { class: "logo", "모아" } }
                        SocialSignUp { provider, ticket, email, display_name, proposed_handle,
                            on_back: move |_| social.set(Social::Idle) }
                    }
                }
            };
        }
        Social::Link {
            provider,
            ticket,
            email,
            has_password,
            providers: theirs,
        } => {
            // Without a password: their providers' buttons, where offered.
            let theirs_offered: Vec<SocialProvider> = providers
                .iter()
                .filter(|p| theirs.contains(p))
                .cloned()
                .collect();
            return rsx! {
                div { class: "auth",
                    div { class: "auth-card",
                        div { class: "brand big", span { class: "logo", "모아" } }
                        if has_password {
                            SocialLink { provider, ticket, email, on_back: move |_| social.set(Social::Idle) }
                        } else {
                            h2 { class: "auth-title", {prefs.t("social-link-title")} }
                            p { class: "muted", role: "note",
                                {prefs.ta("social-link-no-password", &[
                                    ("email", Arg::Str(email.clone())),
                                    ("providers", Arg::Str(social::provider_names(prefs.lang(), &theirs))),
                                    ("provider", Arg::Str(social::provider_name(prefs.lang(), &provider))),
                                ])}
                            }
                            div { class: "social-buttons",
                                for p in theirs_offered {
                                    ProviderButton { key: "{p.as_str()}", provider: p.clone(),
                                        label: social::continue_label(prefs.lang(), &p),
                                        onclick: move |_| begin(p.clone()) }
                                }
                            }
                            button { class: "btn ghost wide", onclick: move |_| social.set(Social::Idle), {prefs.t("reset-back")} }
                        }
                    }
                }
            };
        }
        Social::Idle | Social::Waiting(_) => {}
    }
    let waiting = match &*social.read() {
        Social::Waiting(p) => Some(p.clone()),
        _ => None,
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
                if !providers.is_empty() {
                    div { class: "social-divider", span { {prefs.t("social-or")} } }
                    if let Some(p) = waiting {
                        social::Waiting { provider: p, on_cancel: move |_| cancel() }
                    } else {
                        div { class: "social-buttons",
                            for p in providers {
                                ProviderButton { key: "{p.as_str()}", provider: p.clone(),
                                    label: social::continue_label(prefs.lang(), &p),
                                    onclick: move |_| begin(p.clone()) }
                            }
                        }
                    }
                    if let Some(err) = social_error.read().clone() {
                        p { class: "form-error social-error", role: "alert", "{err}" }
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

/// 모아에 처음 오셨네요!: the handle (the server's proposal, editable) and
/// the name (the provider's) of a new member, then 가입하기, which signs in.
#[component]
fn SocialSignUp(
    provider: SocialProvider,
    ticket: String,
    email: String,
    display_name: String,
    proposed_handle: String,
    on_back: EventHandler<()>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let ticket_for_submit = ticket.clone();
    // The fields are read from the form as submitted (filled in once,
    // never bound: no keystroke lost to a re-render).
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let field = |name: &str| match e.get_first(name) {
            Some(FormValue::Text(text)) => text,
            _ => String::new(),
        };
        let (handle, name) = (field("social-handle"), field("social-name"));
        if handle.trim().is_empty() {
            error.set(Some(prefs.t("auth-fill-all")));
            return;
        }
        busy.set(true);
        error.set(None);
        let ticket = ticket_for_submit.clone();
        spawn(async move {
            let result = client
                .get()
                .complete_social_sign_up(&ticket, &handle, Some(&name))
                .await;
            // Signed up and in: the root follows the session.
            busy.set(false);
            match result {
                Ok(_) => {}
                Err(Error::Invalid { field, .. }) if field == "handle" => {
                    error.set(Some(prefs.t("social-handle-rule")))
                }
                Err(e) => error.set(Some(super::error_text(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        h2 { class: "auth-title", {prefs.t("social-signup-title")} }
        p { class: "muted social-intro",
            {prefs.ta("social-signup-intro", &[
                ("provider", Arg::Str(social::provider_name(prefs.lang(), &provider))),
                ("email", Arg::Str(email.clone())),
            ])}
        }
        form { onsubmit: submit, id: "social-signup-form",
            label { {prefs.t("auth-handle")}
                input { name: "social-handle", initial_value: "{proposed_handle}", autofocus: true,
                    autocomplete: "off", spellcheck: "false", maxlength: "30" }
                span { class: "muted small", {prefs.t("social-handle-hint")} }
            }
            label { {prefs.t("auth-display-name")}
                input { name: "social-name", initial_value: "{display_name}", autocomplete: "nickname", maxlength: "40" }
            }
            if let Some(err) = error.read().clone() {
                p { class: "form-error", role: "alert", "{err}" }
            }
            button { class: "btn primary wide", r#type: "submit", disabled: *busy.read(),
                if *busy.read() { {prefs.t("state-working")} } else { {prefs.t("social-sign-up")} }
            }
        }
        button { class: "btn ghost wide", onclick: move |_| on_back.call(()), {prefs.t("reset-back")} }
    }
}

/// An account with the provider's email exists: its password links the
/// provider and signs in (연결하고 로그인).
#[component]
fn SocialLink(
    provider: SocialProvider,
    ticket: String,
    email: String,
    on_back: EventHandler<()>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    let ticket_for_submit = ticket.clone();
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let password = match e.get_first("link-password") {
            Some(FormValue::Text(text)) => text,
            _ => String::new(),
        };
        if password.is_empty() {
            error.set(Some(prefs.t("auth-fill-all")));
            return;
        }
        busy.set(true);
        error.set(None);
        let ticket = ticket_for_submit.clone();
        spawn(async move {
            let result = client
                .get()
                .link_social_with_password(&ticket, &password)
                .await;
            // Linked and signed in: the root follows the session.
            busy.set(false);
            match result {
                Ok(_) => {}
                Err(Error::Auth(_)) => error.set(Some(prefs.t("auth-wrong-password"))),
                Err(e) => error.set(Some(super::error_text(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        h2 { class: "auth-title", {prefs.t("social-link-title")} }
        p { class: "muted social-intro",
            {prefs.ta("social-link-intro", &[
                ("email", Arg::Str(email.clone())),
                ("provider", Arg::Str(social::provider_name(prefs.lang(), &provider))),
            ])}
        }
        form { onsubmit: submit, id: "social-link-form",
            label { {prefs.t("auth-password")}
                input { r#type: "password", name: "link-password", autofocus: true, autocomplete: "current-password" }
            }
            if let Some(err) = error.read().clone() {
                p { class: "form-error", role: "alert", "{err}" }
            }
            button { class: "btn primary wide", r#type: "submit", disabled: *busy.read(),
                if *busy.read() { {prefs.t("state-working")} } else { {prefs.t("social-link")} }
            }
        }
        button { class: "btn ghost wide", onclick: move |_| on_back.call(()), {prefs.t("reset-back")} }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_round_leads_to_the_form_it_needs() {
        let naver = SocialProvider::Naver;
        assert_eq!(
            Social::after(
                naver.clone(),
                SocialSignIn::SignUp {
                    ticket: "t".into(),
                    email: "saebom@naver.com".into(),
                    display_name: "새봄".into(),
                    proposed_handle: "saebom".into(),
                }
            ),
            Social::SignUp {
                provider: naver.clone(),
                ticket: "t".into(),
                email: "saebom@naver.com".into(),
                display_name: "새봄".into(),
                proposed_handle: "saebom".into(),
            }
        );
        assert!(matches!(
            Social::after(
                naver.clone(),
                SocialSignIn::LinkRequired {
                    ticket: "t".into(),
                    email: "jiwoo@moa.example".into(),
                    has_password: true,
                    providers: vec![],
                }
            ),
            Social::Link {
                has_password: true,
                ..
            }
        ));
        assert_eq!(
            Social::after(naver, SocialSignIn::Linked(Default::default())),
            Social::Idle
        );
    }
}
