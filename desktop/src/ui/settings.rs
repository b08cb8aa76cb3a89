//! Settings: language (한국어 / English), the member's community (its
//! group-buys), their mobile number and whether they agree to marketing
//! texts, verifying the number by a texted code (휴대폰 인증: ordering and
//! quoting need it where the server sends texts), the way to their points
//! (포인트), the ways in (연결된 계정: the password, Kakao, Naver and Google
//! linked or not; linking through the browser, unlinking but never the
//! last one), "download my data" and deleting the account (`privacy`),
//! server URL (the app reopens its client against the new server), and
//! signing out.

use dioxus::prelude::*;
use moa_client_core::protocol::{
    NotificationKind, NotificationSettings, PhoneCodeSent, SignInMethods, SocialProvider,
    korean_mobile,
};
use moa_client_core::{Client, ProfileChanges, SocialSignIn};

use super::social::{self, ProviderBadge, Purpose};
use crate::i18n::{Arg, Lang};
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
    let phone_offered = use_phone_offered();
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
                    h3 { {prefs.t("notify-title")} }
                    NotificationPrefs {}
                    p { class: "muted small", {prefs.t("notify-hint")} }
                    if phone_offered {
                        h3 { {prefs.t("phone-title")} }
                        PhoneVerify { phone: me.phone.clone().unwrap_or_default(), verified: me.phone_verified }
                        p { class: "muted small", {prefs.t("phone-hint")} }
                    }
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
                    h3 { id: "linked-sign-ins", {prefs.t("linked-title")} }
                    LinkedSignIns {}
                    p { class: "muted small", {prefs.t("linked-hint")} }
                    h3 { id: "my-data", {prefs.t("mydata-title")} }
                    super::privacy::MyData {}
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
                if session.me().is_some() {
                    h3 { id: "delete-account", {prefs.t("delete-title")} }
                    super::privacy::DeleteAccount {}
                }
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

/// Whether the server verifies numbers (it sends texts), asked once when
/// the screen opens; offline it is taken as no (the server still refuses an
/// order or a quote that needs it, and says why).
pub fn use_phone_offered() -> bool {
    let client = use_client();
    let offered = use_resource(move || async move {
        client
            .get()
            .sign_in_methods()
            .await
            .is_ok_and(|m| m.phone_verification)
    });
    offered.read().unwrap_or(false)
}

/// Whether the member must verify their number before ordering or quoting.
pub fn use_phone_needed() -> bool {
    let session = use_session();
    let offered = use_phone_offered();
    offered && session.me().is_some_and(|me| !me.phone_verified)
}

/// In place of an order or quote form while the number is unverified: why,
/// and the way to Settings.
#[component]
pub fn PhoneNeeded(reason: String) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    rsx! {
        div { class: "card phone-needed", role: "note",
            h3 { "📱 " {prefs.t("phone-needed")} }
            p { class: "muted", "{reason}" }
            button { class: "btn", onclick: move |_| nav.go(Route::Settings), {prefs.t("phone-go")} }
        }
    }
}

/// Verifying the member's number: a code texted to it, typed back here.
/// Resending waits out the server's minute (counted down on the button).
#[component]
fn PhoneVerify(phone: String, verified: bool) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut number = use_signal(|| phone.clone());
    let mut code = use_signal(String::new);
    let mut sent = use_signal(|| None::<PhoneCodeSent>);
    let mut resend_at = use_signal(|| 0i64);
    let mut problem = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let typed_is_verified =
        verified && korean_mobile(&number.read()).as_deref() == Some(phone.as_str());
    if typed_is_verified && sent.read().is_none() {
        return rsx! {
            p { class: "pill ok phone-verified", role: "status",
                {prefs.ta("phone-verified", &[("phone", crate::i18n::Arg::Str(phone.clone()))])}
            }
        };
    }
    let send = move || {
        let typed = number.peek().trim().to_owned();
        if korean_mobile(&typed).is_none() {
            problem.set(Some(prefs.t("settings-phone-invalid")));
            return;
        }
        problem.set(None);
        busy.set(true);
        spawn(async move {
            let result = client.get().request_phone_verification(&typed).await;
            busy.set(false);
            match result {
                Ok(s) => {
                    resend_at.set(super::now_ms() + s.resend_after_secs * 1000);
                    sent.set(Some(s));
                    code.set(String::new());
                }
                Err(e) => problem.set(Some(super::error_text(prefs.lang(), &e))),
            }
        });
    };
    let mut send2 = send;
    let mut send1 = send;
    rsx! {
        form { class: "row-form phone-form",
            onsubmit: move |e: FormEvent| {
                e.prevent_default();
                if sent.peek().is_none() {
                    send1();
                    return;
                }
                let typed: String = code.peek().chars().filter(|c| !c.is_whitespace()).collect();
                if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
                    problem.set(Some(prefs.t("phone-code-invalid")));
                    return;
                }
                problem.set(None);
                busy.set(true);
                spawn(async move {
                    let result = client.get().confirm_phone_verification(&typed).await;
                    busy.set(false);
                    match result {
                        Ok(_) => {
                            sent.set(None);
                            notices.notify(prefs.t("phone-done"));
                        }
                        Err(e) => problem.set(Some(super::error_text(prefs.lang(), &e))),
                    }
                });
            },
            if let Some(s) = sent.read().clone() {
                p { class: "muted small", role: "status",
                    {prefs.ta("phone-sent", &[("phone", crate::i18n::Arg::Str(s.phone.clone()))])}
                }
                // Not bound to the signals: typing stays smooth while the
                // countdown below re-renders.
                input { name: "phone-code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "7",
                    placeholder: prefs.t("phone-code"), oninput: move |e| code.set(e.value()) }
                button { class: "btn", r#type: "submit", disabled: *busy.read(), {prefs.t("phone-confirm")} }
                ResendButton { resend_at: *resend_at.read(), busy: *busy.read(), onclick: move |_| send2() }
            } else {
                input { name: "verify-phone", r#type: "text", inputmode: "tel", autocomplete: "tel", placeholder: "010-1234-5678",
                    initial_value: "{phone}", oninput: move |e| number.set(e.value()) }
                button { class: "btn", r#type: "submit", disabled: *busy.read(), {prefs.t("phone-send")} }
            }
        }
        if let Some(p) = problem.read().clone() { p { class: "form-error", role: "alert", "{p}" } }
    }
}

/// "Resend", counting down the server's minute (a component of its own:
/// its ticking re-renders only the button).
#[component]
fn ResendButton(resend_at: i64, busy: bool, onclick: EventHandler<()>) -> Element {
    let prefs = use_prefs();
    let now = super::shop::use_clock(1);
    let wait_secs = ((resend_at - *now.read()) / 1000).max(0);
    rsx! {
        button { class: "btn ghost", r#type: "button", disabled: busy || wait_secs > 0,
            onclick: move |_| onclick.call(()),
            if wait_secs > 0 {
                {prefs.ta("phone-resend", &[("secs", crate::i18n::Arg::Num(wait_secs))])}
            } else {
                {prefs.t("phone-resend-now")}
            }
        }
    }
}

/// Which notifications the member gets (in the app and as pushes), one
/// switch a kind, and whether chat pushes show the message; saved at each
/// change (online; offline the server's answer says so).
#[component]
fn NotificationPrefs() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut current =
        use_resource(move || async move { client.get().notification_settings().await });
    let save = move |next: NotificationSettings| {
        spawn(async move {
            match client.get().set_notification_settings(next).await {
                Ok(_) => {
                    notices.notify(prefs.t("notify-saved"));
                    current.restart();
                }
                Err(e) => notices.fail(&e),
            }
        });
    };
    let shown = current.read().clone();
    match shown {
        None => rsx! { p { class: "muted small", {prefs.t("state-loading")} } },
        Some(Err(e)) => rsx! { p { class: "muted small", {super::error_text(prefs.lang(), &e)} } },
        Some(Ok(settings)) => rsx! {
            div { class: "notify-prefs",
                for kind in NotificationKind::ALL {
                    label { class: "check", key: "{kind.as_str()}",
                        input { r#type: "checkbox", name: "notify-{kind.as_str()}",
                            checked: !settings.muted.contains(&kind),
                            onchange: {
                                let settings = settings.clone();
                                move |e: FormEvent| {
                                    let mut next = settings.clone();
                                    next.muted.retain(|k| *k != kind);
                                    if !e.checked() {
                                        next.muted.push(kind);
                                    }
                                    save(next);
                                }
                            }
                        }
                        {prefs.t(&format!("mute-{}", kind.as_str().replace('_', "-")))}
                    }
                }
            }
            label { class: "check",
                input { r#type: "checkbox", name: "chat-previews", checked: settings.chat_previews,
                    onchange: {
                        let settings = settings.clone();
                        move |e: FormEvent| {
                            let mut next = settings.clone();
                            next.chat_previews = e.checked();
                            save(next);
                        }
                    }
                }
                {prefs.t("notify-chat-previews")}
            }
        },
    }
}

/// 연결된 계정: whether the account has a password, each provider the
/// server offers — linked (its email, when, 연결 해제 unless it is the
/// last way in) or not (연결하기: the browser, then back here) — read
/// from the server (online).
#[component]
fn LinkedSignIns() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut methods = use_resource(move || async move { client.get().linked_sign_ins().await });
    let offered = use_resource(move || async move {
        client
            .get()
            .sign_in_methods()
            .await
            .map(|m| social::shown(&m.providers))
            .unwrap_or_default()
    });
    // The provider being linked (its browser round) or unlinked.
    let mut working = use_signal(|| None::<(SocialProvider, bool)>);
    let mut round = use_signal(|| None::<dioxus::core::Task>);
    let mut problem = use_signal(|| None::<String>);

    let mut link = move |provider: SocialProvider| {
        if working.peek().is_some() {
            return;
        }
        problem.set(None);
        working.set(Some((provider.clone(), true)));
        let task = spawn(async move {
            let result = social::round(client.get(), provider.clone(), Purpose::Link).await;
            round.set(None);
            working.set(None);
            match result {
                Ok(SocialSignIn::Linked(_)) => {
                    let name = social::provider_name(prefs.lang(), &provider);
                    notices.notify(prefs.ta("linked-done", &[("provider", Arg::Str(name))]));
                }
                // (The server answers a link started here with Linked.)
                Ok(_) => {}
                Err(e) => problem.set(Some(social::error_text(prefs.lang(), &e))),
            }
            methods.restart();
        });
        round.set(Some(task));
    };
    let mut unlink = move |provider: SocialProvider| {
        if working.peek().is_some() {
            return;
        }
        problem.set(None);
        working.set(Some((provider.clone(), false)));
        spawn(async move {
            let result = client.get().unlink_provider(provider.clone()).await;
            working.set(None);
            match result {
                Ok(_) => {
                    let name = social::provider_name(prefs.lang(), &provider);
                    notices.notify(prefs.ta("linked-unlinked", &[("provider", Arg::Str(name))]));
                }
                Err(e) => problem.set(Some(super::error_text(prefs.lang(), &e))),
            }
            methods.restart();
        });
    };
    let mut cancel = move || {
        if let Some(task) = round.take() {
            task.cancel();
        }
        working.set(None);
    };

    let shown = methods.read().clone();
    let offered = offered.read().clone().unwrap_or_default();
    let working_now = working.read().clone();
    let body = match shown {
        None => rsx! { p { class: "muted small", role: "status", {prefs.t("state-loading")} } },
        Some(Err(e)) => rsx! {
            p { class: "muted small", {super::error_text(prefs.lang(), &e)} }
            button { class: "btn", onclick: move |_| methods.restart(), {prefs.t("action-retry")} }
        },
        Some(Ok(current)) => {
            let rows = linked_rows(&current, &offered);
            rsx! {
                ul { class: "linked-list",
                    li { class: "linked-row",
                        span { class: "social-badge password", "🔑" }
                        div { class: "linked-text",
                            b { {prefs.t("linked-password")} }
                            span { class: "muted small",
                                if current.password { {prefs.t("linked-password-set")} } else { {prefs.t("linked-password-none")} }
                            }
                        }
                    }
                    for row in rows {
                        li { class: "linked-row", key: "{row.provider.as_str()}",
                            ProviderBadge { provider: row.provider.clone() }
                            div { class: "linked-text",
                                b { {social::provider_name(prefs.lang(), &row.provider)} }
                                if let Some((email, at)) = row.linked.clone() {
                                    span { class: "small", "{email}" }
                                    span { class: "muted small",
                                        {prefs.ta("linked-at", &[("date", Arg::Str(crate::i18n::kst_datetime(prefs.lang(), at)))])}
                                    }
                                } else {
                                    span { class: "muted small", {prefs.t("linked-not-linked")} }
                                }
                            }
                            if row.linked.is_none() {
                                if working_now.as_ref().is_some_and(|(p, linking)| *linking && *p == row.provider) {
                                    span { class: "muted small", role: "status", {prefs.t("social-waiting")} }
                                    button { class: "btn ghost", r#type: "button", onclick: move |_| cancel(), {prefs.t("action-cancel")} }
                                } else {
                                    button { class: "btn", r#type: "button", disabled: working_now.is_some(),
                                        onclick: {
                                            let p = row.provider.clone();
                                            move |_| link(p.clone())
                                        },
                                        {prefs.t("linked-link")}
                                    }
                                }
                            } else if row.unlinkable {
                                button { class: "btn ghost danger", r#type: "button", disabled: working_now.is_some(),
                                    onclick: {
                                        let p = row.provider.clone();
                                        move |_| unlink(p.clone())
                                    },
                                    {prefs.t("linked-unlink")}
                                }
                            }
                        }
                        if row.linked.is_some() && !row.unlinkable {
                            li { class: "linked-note muted small", role: "note", key: "{row.provider.as_str()}-last",
                                {prefs.t("linked-last")}
                            }
                        }
                    }
                }
            }
        }
    };
    rsx! {
        {body}
        if let Some(p) = problem.read().clone() { p { class: "form-error", role: "alert", "{p}" } }
    }
}

/// One provider's row in 연결된 계정.
#[derive(Debug, Clone, PartialEq)]
struct LinkedRow {
    provider: SocialProvider,
    /// Its email and when it was linked, if it is.
    linked: Option<(String, i64)>,
    /// Whether 연결 해제 is offered (never for the last way in).
    unlinkable: bool,
}

/// The rows of 연결된 계정: every linked provider, then the offered ones
/// not linked yet, in the app's order of providers.
fn linked_rows(methods: &SignInMethods, offered: &[SocialProvider]) -> Vec<LinkedRow> {
    social::SHOWN
        .iter()
        .filter_map(|provider| {
            let identity = methods.identities.iter().find(|i| &i.provider == provider);
            if identity.is_none() && !offered.contains(provider) {
                return None;
            }
            Some(LinkedRow {
                provider: provider.clone(),
                linked: identity.map(|i| (i.email.clone(), i.linked_at)),
                unlinkable: social::can_unlink(methods, provider),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use moa_client_core::protocol::LinkedIdentity;

    #[test]
    fn linked_rows_show_linked_then_offered_and_guard_the_last_way_in() {
        use SocialProvider::{Google, Kakao, Naver};
        let only_naver = SignInMethods {
            password: false,
            identities: vec![LinkedIdentity {
                provider: Naver,
                email: "saebom@naver.com".into(),
                linked_at: 7,
            }],
        };
        let rows = linked_rows(&only_naver, &[Naver, Google]);
        assert_eq!(
            rows,
            vec![
                LinkedRow {
                    provider: Naver,
                    linked: Some(("saebom@naver.com".into(), 7)),
                    unlinkable: false,
                },
                LinkedRow {
                    provider: Google,
                    linked: None,
                    unlinkable: false,
                },
            ]
        );
        // A provider linked earlier stays listed when the server no longer offers it.
        let rows = linked_rows(&only_naver, &[Kakao]);
        assert_eq!(
            rows.iter().map(|r| r.provider.clone()).collect::<Vec<_>>(),
            vec![Kakao, Naver]
        );
        let with_password = SignInMethods {
            password: true,
            ..only_naver
        };
        assert!(linked_rows(&with_password, &[])[0].unlinkable);
    }
}
