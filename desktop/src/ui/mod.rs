//! The screens and the pieces they share. Every screen handles its loading,
//! empty, offline and error states through [`Loadable`]'s few components, so
//! they look and read the same everywhere.

pub mod admin;
pub mod auth;
pub mod backoffice;
pub mod chat;
pub mod compose;
pub mod feed;
pub mod notifications;
pub mod outbox;
pub mod privacy;
pub mod profile;
pub mod request_form;
pub mod requests;
pub mod review;
pub mod search;
pub mod settings;
pub mod shell;
pub mod shop;
pub mod social;
pub mod subject;
pub mod wallet;

use dioxus::prelude::*;
use moa_client_core::Error;
use moa_client_core::protocol::{Author, ErrorCode};

use crate::i18n::Lang;
use crate::media;
use crate::route::Route;
use crate::state::{use_client, use_nav, use_prefs};

/// The words for an error, for people.
pub fn error_text(lang: Lang, error: &Error) -> String {
    match error {
        Error::Network(_) => lang.t("error-offline"),
        Error::Auth(_) => lang.t("error-auth"),
        Error::NotFound(_) => lang.t("error-not-found"),
        Error::Rejected { code, message, .. } => match code {
            ErrorCode::Forbidden => lang.t("error-forbidden"),
            ErrorCode::Conflict => lang.t("error-conflict"),
            ErrorCode::RateLimited => lang.t("error-rate-limited"),
            ErrorCode::InsufficientPoints => lang.t("error-insufficient-points"),
            ErrorCode::RequestClosed => lang.t("error-request-closed"),
            ErrorCode::OwnRequest => lang.t("error-own-request"),
            ErrorCode::InvalidCode => lang.t("error-invalid-code"),
            ErrorCode::NotOffered => lang.t("error-not-offered"),
            ErrorCode::PhoneUnverified => lang.t("error-phone-unverified"),
            ErrorCode::HandleTaken => lang.t("error-handle-taken"),
            ErrorCode::EmailTaken => lang.t("error-email-taken"),
            ErrorCode::InvalidOauthState => lang.t("error-oauth-state"),
            ErrorCode::OauthFailed => lang.t("error-oauth-failed"),
            ErrorCode::EmailUnverified => lang.t("error-email-unverified"),
            ErrorCode::IdentityTaken => lang.t("error-identity-taken"),
            ErrorCode::LastSignInMethod => lang.t("error-last-sign-in-method"),
            ErrorCode::InvalidTicket => lang.t("error-invalid-ticket"),
            _ => message.clone(),
        },
        Error::Invalid { reason, .. } => reason.clone(),
        Error::Storage(_) => lang.t("error-storage"),
        Error::UnsupportedPhoto { format } => lang.ta(
            "error-unsupported-photo",
            &[("format", crate::i18n::Arg::Str(format.to_uppercase()))],
        ),
        Error::Server(_) => lang.t("error-server"),
    }
}

/// Copies `text` to the clipboard through the page (the async clipboard
/// API where the webview offers it, else a selected textarea and the copy
/// command, which WebKitGTK allows inside a click).
pub fn copy_to_clipboard(text: &str) {
    let quoted = serde_json::Value::String(text.to_owned());
    let script = format!(
        "const t = {quoted};\n\
         const fallback = () => {{ const a = document.createElement('textarea'); a.value = t; \
         a.setAttribute('readonly', ''); a.style.position = 'fixed'; a.style.opacity = '0'; \
         document.body.appendChild(a); a.select(); try {{ document.execCommand('copy'); }} catch (e) {{}} a.remove(); }};\n\
         if (navigator.clipboard && navigator.clipboard.writeText) {{ navigator.clipboard.writeText(t).catch(fallback); }} else {{ fallback(); }}"
    );
    let _ = dioxus::document::eval(&script);
}

/// A button that copies the share link of a review, place or group-buy
/// (`https://SERVER/r/ID`: messengers show its preview, which opens the
/// app) and says so with the link.
#[component]
pub fn ShareButton(kind: moa_client_core::protocol::links::LinkKind, id: String) -> Element {
    let client = crate::state::use_client();
    let prefs = use_prefs();
    let notices = crate::state::use_notices();
    rsx! {
        button { class: "btn ghost share-btn", title: prefs.t("share-hint"),
            onclick: move |_| {
                let link = client.get().share_link(kind, &id);
                copy_to_clipboard(&link);
                notices.notify(prefs.ta("toast-link-copied-url", &[("link", crate::i18n::Arg::Str(link))]));
            },
            "🔗 " {prefs.t("review-share")}
        }
    }
}

/// A spinner with a word.
#[component]
pub fn Loading() -> Element {
    let prefs = use_prefs();
    rsx! {
        div { class: "state loading", role: "status",
            div { class: "spinner" }
            span { {prefs.t("state-loading")} }
        }
    }
}

/// Nothing to show yet, and what to do about it.
#[component]
pub fn Empty(title: String, hint: Option<String>, action: Option<Element>) -> Element {
    rsx! {
        div { class: "state empty",
            div { class: "state-icon", "∅" }
            p { class: "state-title", "{title}" }
            if let Some(hint) = hint {
                p { class: "state-hint", "{hint}" }
            }
            {action}
        }
    }
}

/// A failed load: offline gets its own calm wording; other errors say what
/// happened. Both offer to try again.
#[component]
pub fn Failed(error: Error, retry: Option<EventHandler<()>>) -> Element {
    let prefs = use_prefs();
    let offline = matches!(error, Error::Network(_));
    let (class, title) = if offline {
        ("state offline", prefs.t("state-offline"))
    } else {
        ("state error", prefs.t("state-error"))
    };
    let detail = error_text(prefs.lang(), &error);
    rsx! {
        div { class: "{class}", role: "alert",
            div { class: "state-icon", if offline { "⚡" } else { "!" } }
            p { class: "state-title", "{title}" }
            p { class: "state-hint", "{detail}" }
            if let Some(retry) = retry {
                button { class: "btn", onclick: move |_| retry.call(()), {prefs.t("action-retry")} }
            }
        }
    }
}

/// A member's round picture, or their initial on a colour of their own.
#[component]
pub fn Avatar(author: Author, size: Option<u32>) -> Element {
    let size = size.unwrap_or(36);
    let style = format!(
        "width:{size}px;height:{size}px;font-size:{}px",
        size * 4 / 9
    );
    match &author.avatar_media_id {
        Some(id) => rsx! {
            img { class: "avatar", style: "{style}", src: media::url(id, true), alt: "" }
        },
        None => {
            let initial: String = author.display_name.chars().take(1).collect();
            let hue = author
                .id
                .bytes()
                .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32))
                % 360;
            rsx! {
                span { class: "avatar initial", style: "{style};background:hsl({hue},55%,62%)", "{initial}" }
            }
        }
    }
}

/// A member's name, linking to their page.
#[component]
pub fn AuthorName(author: Author) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    if author.deleted {
        return rsx! { span { class: "author deleted", {prefs.t("author-deleted")} } };
    }
    let id = author.id.clone();
    rsx! {
        a { class: "author", onclick: move |e| { e.stop_propagation(); nav.go(Route::Profile(Some(id.clone()))) },
            "{author.display_name}"
        }
        span { class: "handle", " @{author.handle}" }
    }
}

/// A photo with its blurhash behind it until the file arrives.
#[component]
pub fn Photo(
    id: String,
    thumbnail: bool,
    class: Option<String>,
    onclick: Option<EventHandler<()>>,
) -> Element {
    let client = use_client();
    let info_id = id.clone();
    let placeholder = use_resource(move || {
        let client = client.get();
        let id = info_id.clone();
        async move {
            let info = client.media().info(&id).await.ok()?;
            media::placeholder(info.blurhash.as_deref()?)
        }
    });
    let background = match &*placeholder.read() {
        Some(Some(uri)) => format!("background-image:url({uri})"),
        _ => String::new(),
    };
    let class = class.unwrap_or_default();
    rsx! {
        div { class: "photo {class}", style: "{background}",
            onclick: move |_| if let Some(h) = onclick { h.call(()) },
            img { src: media::url(&id, thumbnail), alt: "", loading: "lazy" }
        }
    }
}

/// Stars for a 1–5 rating.
pub fn stars(rating: i64) -> String {
    let r = rating.clamp(0, 5) as usize;
    format!("{}{}", "★".repeat(r), "☆".repeat(5 - r))
}

/// The time now, in Unix ms.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A screen's heading with a back button when there is somewhere to go back.
#[component]
pub fn Header(title: String, actions: Option<Element>) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    rsx! {
        header { class: "screen-header",
            if nav.can_go_back() {
                button { class: "icon-btn", title: prefs.t("action-back"), onclick: move |_| nav.back(), "←" }
            }
            h1 { "{title}" }
            div { class: "header-actions", {actions} }
        }
    }
}
