//! Settings: language (한국어 / English), the member's community (its
//! group-buys), server URL (the app reopens its client against the new
//! server), and signing out.

use dioxus::prelude::*;
use moa_client_core::Client;

use crate::i18n::Lang;
use crate::settings::valid_server_url;
use crate::state::{use_client, use_notices, use_prefs, use_session, use_status};
use crate::ui::shell::DataDir;

#[component]
pub fn SettingsScreen() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let session = use_session();
    let status = use_status();
    let notices = use_notices();
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
                    p { class: "muted", "{me.email}" }
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
