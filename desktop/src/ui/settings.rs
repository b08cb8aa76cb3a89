//! Settings: language (한국어 / English), the member's community (its
//! group-buys), their mobile number and whether they agree to marketing
//! texts, the way to their points (포인트), server URL (the app reopens its
//! client against the new server), and signing out.

use dioxus::prelude::*;
use moa_client_core::protocol::korean_mobile;
use moa_client_core::{Client, ProfileChanges};

use crate::i18n::Lang;
use crate::route::Route;
use crate::settings::valid_server_url;
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_session, use_status};
use crate::ui::shell::DataDir;

#[component]
pub fn SettingsScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let session = use_session();
    let status = use_status();
    let notices = use_notices();
    let nav = use_nav();
    let dir = use_context::<DataDir>().0;
    let mut url = use_signal(|| prefs.server_url());
    let mut url_error = use_signal(|| None::<String>);
    let lang = prefs.lang();
    let save_dir = dir.clone();
    let set_lang = move |l: Lang| prefs.update(&save_dir, |s| s.lang = l);
    let set_lang2 = set_lang.clone();
    let set_lang1 = set_lang;
    let url_dir = dir.clone();
    rsx! {
        super::Header { title: prefs.t("nav-settings") }
        div { class: "scroll",
            div { class: "card settings",
                h3 { {prefs.t("settings-language")} }
                div { class: "segmented",
                    button { class: if lang == Lang::Ko { "seg active" } else { "seg" }, onclick: move |_| set_lang1(Lang::Ko), "한국어" }
                    button { class: if lang == Lang::En { "seg active" } else { "seg" }, onclick: move |_| set_lang2(Lang::En), "English" }
                }
                if let Some(me) = session.me() {
                    h3 { {prefs.t("settings-community")} }
                    div { class: "row-form",
                        super::shop::CommunitySelect { name: "community", value: me.community_id.clone(),
                            onchange: move |picked: Option<String>| {
                                spawn(async move {
                                    match client.get().shop().join_community(picked).await {
                                        Ok(()) => notices.notify(prefs.t("settings-community-saved")),
                                        Err(e) => notices.fail(&e),
                                    }
                                });
                            }
                        }
                    }
                    p { class: "muted small", {prefs.t("settings-community-hint")} }
                    h3 { {prefs.t("settings-texts")} }
                    TextConsent { phone: me.phone.clone().unwrap_or_default(), opted_in: me.sms_opt_in }
                    p { class: "muted small", {prefs.t("settings-texts-hint")} }
                }
                h3 { {prefs.t("settings-server")} }
                form { class: "row-form",
                    onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let new_url = url.peek().trim().trim_end_matches('/').to_owned();
                        if !valid_server_url(&new_url) {
                            url_error.set(Some(prefs.t("settings-server-invalid")));
                            return;
                        }
                        url_error.set(None);
                        let dir = url_dir.clone();
                        spawn(async move {
                            match Client::open(&dir, &new_url).await {
                                Ok(new_client) => {
                                    let _ = client.get().sign_out().await;
                                    prefs.update(&dir, |s| s.server_url = new_url);
                                    status.set_sync(new_client.status());
                                    // The root starts the event pump for it.
                                    client.replace(new_client);
                                    notices.notify(prefs.t("settings-server-changed"));
                                }
                                Err(e) => url_error.set(Some(super::error_text(prefs.lang(), &e))),
                            }
                        });
                    },
                    input { value: "{url}", oninput: move |e| url.set(e.value()) }
                    button { class: "btn", r#type: "submit", {prefs.t("action-save")} }
                }
                if let Some(err) = url_error.read().clone() { p { class: "form-error", "{err}" } }
                p { class: "muted small", {prefs.t("settings-server-hint")} }
                h3 { {prefs.t("settings-account")} }
                if let Some(me) = session.me() {
                    div { class: "account-row",
                        p { class: "muted", "{me.email}" }
                        button { class: "btn ghost", title: prefs.t("settings-points-hint"),
                            onclick: move |_| nav.go(Route::Wallet), "💰 " {prefs.t("settings-points")}
                        }
                    }
                }
                button { class: "btn danger",
                    onclick: move |_| {
                        spawn(async move {
                            // The root follows the session's end (see `shell::App`).
                            if let Err(e) = client.get().sign_out().await {
                                notices.fail(&e);
                            }
                        });
                    },
                    {prefs.t("settings-sign-out")}
                }
                p { class: "muted small", {prefs.t("settings-sign-out-hint")} }
            }
        }
    }
}

/// The member's mobile number and their consent to marketing texts, saved
/// through the outbox (offline too). The number is checked here with the
/// server's own rule, so a typo is said at once rather than refused later.
#[component]
fn TextConsent(phone: String, opted_in: bool) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut number = use_signal(|| phone.clone());
    let mut agree = use_signal(|| opted_in);
    let mut problem = use_signal(|| None::<String>);
    rsx! {
        form { class: "row-form",
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                let typed = number.peek().trim().to_owned();
                let phone = if typed.is_empty() {
                    None
                } else if let Some(digits) = korean_mobile(&typed) {
                    Some(digits)
                } else {
                    problem.set(Some(prefs.t("settings-phone-invalid")));
                    return;
                };
                if phone.is_none() && *agree.peek() {
                    problem.set(Some(prefs.t("settings-texts-need-phone")));
                    return;
                }
                problem.set(None);
                let changes = ProfileChanges {
                    phone: Some(phone),
                    sms_opt_in: Some(*agree.peek()),
                    ..ProfileChanges::default()
                };
                spawn(async move {
                    match client.get().update_profile(changes).await {
                        Ok(()) => notices.notify(prefs.t("settings-texts-saved")),
                        Err(e) => notices.fail(&e),
                    }
                });
            },
            input { name: "phone", r#type: "tel", placeholder: "010-1234-5678", value: "{number}", oninput: move |e| number.set(e.value()) }
            label { class: "check",
                input { r#type: "checkbox", name: "sms-opt-in", checked: *agree.read(), onchange: move |e| agree.set(e.checked()) }
                {prefs.t("settings-texts-agree")}
            }
            button { class: "btn", r#type: "submit", {prefs.t("action-save")} }
        }
        if let Some(p) = problem.read().clone() { p { class: "form-error", "{p}" } }
    }
}
