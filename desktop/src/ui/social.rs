//! The pieces of sign-in with Kakao, Naver and Google that the sign-in
//! screen and the settings' 연결된 계정 share: the providers' names and
//! buttons (each in its own brand colours), the words for what went wrong
//! on the way through the browser, and the one round trip both start
//! (browser, loopback, then client-core's `finish_social_sign_in`).

use dioxus::prelude::*;
use moa_client_core::protocol::{SignInMethods, SocialProvider, SocialStart};
use moa_client_core::{Client, SocialSignIn};

use crate::i18n::{Arg, Lang};
use crate::oauth::{self, OauthError};

/// The providers this app can show, in the order it shows them.
pub const SHOWN: [SocialProvider; 3] = [
    SocialProvider::Kakao,
    SocialProvider::Naver,
    SocialProvider::Google,
];

/// The providers of `offered` (what the server offers) the app shows, in
/// its order; a provider from a newer server it has no button for is left
/// out.
pub fn shown(offered: &[SocialProvider]) -> Vec<SocialProvider> {
    SHOWN
        .iter()
        .filter(|p| offered.contains(p))
        .cloned()
        .collect()
}

/// A provider's name: 카카오, 네이버, Google.
pub fn provider_name(lang: Lang, provider: &SocialProvider) -> String {
    match provider {
        SocialProvider::Kakao => lang.t("provider-kakao"),
        SocialProvider::Naver => lang.t("provider-naver"),
        SocialProvider::Google => lang.t("provider-google"),
        SocialProvider::Unknown(name) => name.clone(),
    }
}

/// Names joined for a sentence: "카카오, Google".
pub fn provider_names(lang: Lang, providers: &[SocialProvider]) -> String {
    providers
        .iter()
        .map(|p| provider_name(lang, p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "카카오로 계속하기" and the like.
pub fn continue_label(lang: Lang, provider: &SocialProvider) -> String {
    match provider {
        SocialProvider::Kakao => lang.t("social-continue-kakao"),
        SocialProvider::Naver => lang.t("social-continue-naver"),
        SocialProvider::Google => lang.t("social-continue-google"),
        SocialProvider::Unknown(name) => name.clone(),
    }
}

/// Whether `provider` may be unlinked without leaving no way in: the
/// account keeps a password or another provider (the server refuses with
/// `last_sign_in_method` otherwise).
pub fn can_unlink(methods: &SignInMethods, provider: &SocialProvider) -> bool {
    let linked = methods.identities.iter().any(|i| &i.provider == provider);
    linked && (methods.password || methods.identities.len() > 1)
}

/// The words for what went wrong through the browser.
pub fn error_text(lang: Lang, error: &OauthError) -> String {
    match error {
        OauthError::Cancelled => lang.t("social-cancelled"),
        OauthError::TimedOut => lang.ta(
            "social-timed-out",
            &[("minutes", Arg::Num(oauth::WAIT.as_secs() as i64 / 60))],
        ),
        OauthError::Browser(e) => {
            lang.ta("social-no-browser", &[("reason", Arg::Str(e.to_string()))])
        }
        OauthError::Listen(e) => {
            lang.ta("social-no-listener", &[("reason", Arg::Str(e.to_string()))])
        }
        OauthError::Core(e) => super::error_text(lang, e),
    }
}

/// Which flow a round belongs to: signing in (signed out), or linking
/// another provider to the signed-in member (settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignIn,
    Link,
}

/// One whole round: the provider's page in the browser, its return on the
/// loopback port, and what the server made of it.
pub async fn round(
    client: Client,
    provider: SocialProvider,
    purpose: Purpose,
) -> Result<SocialSignIn, OauthError> {
    let starter = client.clone();
    let url = oauth::through_browser(move |redirect_uri: String| async move {
        let started: moa_client_core::Result<SocialStart> = match purpose {
            Purpose::SignIn => starter.start_social_sign_in(provider, &redirect_uri).await,
            Purpose::Link => starter.start_linking(provider, &redirect_uri).await,
        };
        started
    })
    .await?;
    Ok(client.finish_social_sign_in(&url).await?)
}

/// The small brand mark of a provider (inline SVG, no text, so a button's
/// words are only its label).
fn icon(provider: &SocialProvider) -> &'static str {
    match provider {
        SocialProvider::Kakao => {
            r##"<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="#000" d="M12 3C6.48 3 2 6.58 2 11c0 2.83 1.86 5.32 4.66 6.74l-.95 3.5c-.08.3.26.55.52.37l4.16-2.77c.53.06 1.07.1 1.61.1 5.52 0 10-3.58 10-8S17.52 3 12 3z"/></svg>"##
        }
        SocialProvider::Naver => {
            r##"<svg viewBox="0 0 20 20" aria-hidden="true"><path fill="#fff" d="M13.56 10.7 6.17 0H0v20h6.44V9.3L13.83 20H20V0h-6.44z"/></svg>"##
        }
        SocialProvider::Google => {
            r##"<svg viewBox="0 0 48 48" aria-hidden="true"><path fill="#EA4335" d="M24 9.5c3.54 0 6.71 1.22 9.21 3.6l6.85-6.85C35.9 2.38 30.47 0 24 0 14.62 0 6.51 5.38 2.56 13.22l7.98 6.19C12.43 13.72 17.74 9.5 24 9.5z"/><path fill="#4285F4" d="M46.98 24.55c0-1.57-.15-3.09-.38-4.55H24v9.02h12.94c-.58 2.96-2.26 5.48-4.78 7.18l7.73 6c4.51-4.18 7.09-10.36 7.09-17.65z"/><path fill="#FBBC05" d="M10.53 28.59c-.48-1.45-.76-2.99-.76-4.59s.27-3.14.76-4.59l-7.98-6.19C.92 16.46 0 20.12 0 24c0 3.88.92 7.54 2.56 10.78l7.97-6.19z"/><path fill="#34A853" d="M24 48c6.48 0 11.93-2.13 15.89-5.81l-7.73-6c-2.15 1.45-4.92 2.3-8.16 2.3-6.26 0-11.57-4.22-13.47-9.91l-7.98 6.19C6.51 42.62 14.62 48 24 48z"/></svg>"##
        }
        SocialProvider::Unknown(_) => "",
    }
}

/// A provider's button in its brand colours: Kakao yellow with black
/// words, Naver green with white, Google white with a grey border.
#[component]
pub fn ProviderButton(
    provider: SocialProvider,
    label: String,
    disabled: Option<bool>,
    wide: Option<bool>,
    onclick: EventHandler<()>,
) -> Element {
    let wide = if wide.unwrap_or(true) { " wide" } else { "" };
    rsx! {
        button { class: "btn social {provider.as_str()}{wide}", r#type: "button",
            disabled: disabled.unwrap_or(false),
            onclick: move |_| onclick.call(()),
            span { class: "social-icon", dangerous_inner_html: icon(&provider) }
            span { class: "social-label", "{label}" }
        }
    }
}

/// A provider's round mark (the settings' list of linked accounts).
#[component]
pub fn ProviderBadge(provider: SocialProvider) -> Element {
    rsx! {
        span { class: "social-badge {provider.as_str()}", dangerous_inner_html: icon(&provider) }
    }
}

/// "브라우저에서 로그인을 마쳐 주세요…" with a way to give up.
#[component]
pub fn Waiting(provider: SocialProvider, on_cancel: EventHandler<()>) -> Element {
    let prefs = crate::state::use_prefs();
    rsx! {
        div { class: "social-waiting", role: "status",
            div { class: "spinner" }
            p { {prefs.t("social-waiting")} }
            p { class: "muted small",
                {prefs.ta("social-waiting-hint", &[("provider", Arg::Str(provider_name(prefs.lang(), &provider)))])}
            }
            button { class: "btn", r#type: "button", onclick: move |_| on_cancel.call(()), {prefs.t("action-cancel")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moa_client_core::protocol::LinkedIdentity;

    fn linked(providers: &[SocialProvider], password: bool) -> SignInMethods {
        SignInMethods {
            password,
            identities: providers
                .iter()
                .map(|p| LinkedIdentity {
                    provider: p.clone(),
                    email: "a@b.c".into(),
                    linked_at: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn the_last_way_in_is_never_offered_for_unlinking() {
        use SocialProvider::{Google, Kakao, Naver};
        assert!(!can_unlink(&linked(&[Naver], false), &Naver));
        assert!(can_unlink(&linked(&[Naver], true), &Naver));
        assert!(can_unlink(&linked(&[Naver, Kakao], false), &Naver));
        assert!(!can_unlink(&linked(&[Naver, Kakao], true), &Google));
    }

    #[test]
    fn only_known_offered_providers_are_shown_in_order() {
        use SocialProvider::{Google, Kakao, Naver, Unknown};
        assert_eq!(
            shown(&[Google, Unknown("apple".into()), Naver]),
            vec![Naver, Google]
        );
        assert!(shown(&[]).is_empty());
        assert_eq!(shown(&[Kakao]), vec![Kakao]);
    }

    #[test]
    fn errors_and_names_read_in_both_languages() {
        assert_eq!(provider_name(Lang::Ko, &SocialProvider::Naver), "네이버");
        assert_eq!(provider_name(Lang::En, &SocialProvider::Naver), "Naver");
        assert_eq!(
            continue_label(Lang::Ko, &SocialProvider::Kakao),
            "카카오로 계속하기"
        );
        assert_eq!(
            provider_names(Lang::Ko, &[SocialProvider::Kakao, SocialProvider::Google]),
            "카카오, Google"
        );
        assert_eq!(
            error_text(Lang::Ko, &OauthError::Cancelled),
            "로그인을 취소했어요."
        );
        assert!(error_text(Lang::Ko, &OauthError::TimedOut).contains("5분"));
        assert!(error_text(Lang::En, &OauthError::TimedOut).contains("5 minutes"));
        for code in [
            "invalid_oauth_state",
            "oauth_failed",
            "email_unverified",
            "identity_taken",
            "last_sign_in_method",
            "invalid_ticket",
            "handle_taken",
        ] {
            let error = OauthError::Core(moa_client_core::Error::Rejected {
                code: code.into(),
                message: "server words".into(),
                field: None,
            });
            for lang in [Lang::Ko, Lang::En] {
                let text = error_text(lang, &error);
                assert_ne!(text, "server words", "{code} has no words of its own");
                assert!(!text.starts_with("error-"), "{code}: {text}");
            }
        }
    }
}
