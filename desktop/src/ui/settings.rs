//! Settings: language (한국어 / English), server URL (the app reopens its
//! client against the new server), and signing out.

use dioxus::prelude::*;
use moa_client_core::Client;

use crate::i18n::Lang;
use crate::settings::valid_server_url;
use crate::state::use_ctx;
use crate::ui::shell::DataDir;

#[component]
pub fn SettingsScreen() -> Element {
    let ctx = use_ctx();
    let dir = use_context::<DataDir>().0;
    let mut url = use_signal(|| ctx.settings.read().server_url.clone());
    let mut url_error = use_signal(|| None::<String>);
    let lang = ctx.lang();
    let save_dir = dir.clone();
    let set_lang = move |l: Lang| {
        let mut settings = ctx.settings;
        settings.write().lang = l;
        if let Err(e) = settings.peek().save(&save_dir) {
            tracing::warn!("{e}");
        }
    };
    let set_lang2 = set_lang.clone();
    let set_lang1 = set_lang;
    let url_dir = dir.clone();
    rsx! {
        super::Header { title: ctx.t("nav-settings") }
        div { class: "scroll",
            div { class: "card settings",
                h3 { {ctx.t("settings-language")} }
                div { class: "segmented",
                    button { class: if lang == Lang::Ko { "seg active" } else { "seg" }, onclick: move |_| set_lang1(Lang::Ko), "한국어" }
                    button { class: if lang == Lang::En { "seg active" } else { "seg" }, onclick: move |_| set_lang2(Lang::En), "English" }
                }
                h3 { {ctx.t("settings-server")} }
                form { class: "row-form",
                    onsubmit: move |e: FormEvent| {
                        e.prevent_default();
                        let new_url = url.peek().trim().trim_end_matches('/').to_owned();
                        if !valid_server_url(&new_url) {
                            url_error.set(Some(ctx.t("settings-server-invalid")));
                            return;
                        }
                        url_error.set(None);
                        let dir = url_dir.clone();
                        spawn(async move {
                            match Client::open(&dir, &new_url).await {
                                Ok(client) => {
                                    let _ = ctx.client().sign_out().await;
                                    let mut settings = ctx.settings;
                                    settings.write().server_url = new_url;
                                    if let Err(e) = settings.peek().save(&dir) {
                                        tracing::warn!("{e}");
                                    }
                                    let mut c = ctx.client;
                                    let mut status = ctx.status;
                                    status.set(client.status());
                                    c.set(client);
                                    spawn(crate::ui::shell::pump(ctx));
                                    ctx.notify(ctx.t("settings-server-changed"));
                                }
                                Err(e) => url_error.set(Some(super::error_text(ctx.lang(), &e))),
                            }
                        });
                    },
                    input { value: "{url}", oninput: move |e| url.set(e.value()) }
                    button { class: "btn", r#type: "submit", {ctx.t("action-save")} }
                }
                if let Some(err) = url_error.read().clone() { p { class: "form-error", "{err}" } }
                p { class: "muted small", {ctx.t("settings-server-hint")} }
                h3 { {ctx.t("settings-account")} }
                if let Some(me) = ctx.me.read().clone() {
                    p { class: "muted", "{me.email}" }
                }
                button { class: "btn danger",
                    onclick: move |_| {
                        spawn(async move {
                            // The root follows the session's end (see `shell::App`).
                            if let Err(e) = ctx.client().sign_out().await {
                                ctx.fail(&e);
                            }
                        });
                    },
                    {ctx.t("settings-sign-out")}
                }
                p { class: "muted small", {ctx.t("settings-sign-out-hint")} }
            }
        }
    }
}
