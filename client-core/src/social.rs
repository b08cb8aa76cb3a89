//! Sign-in with Kakao, Naver and Google, in two steps an app can drive
//! from any platform:
//! 1. [`Client::start_social_sign_in`] answers the provider's URL; the app
//!    opens it in the system browser (the desktop app listens on a
//!    loopback port for the redirect, RFC 8252; mobile apps receive
//!    `moa://oauth/callback`).
//! 2. [`Client::finish_social_sign_in`] takes the whole redirect URL the
//!    browser came back to and answers what it led to: signed in, a new
//!    account to name ([`Client::complete_social_sign_up`]), or an existing
//!    account to link with its password ([`Client::link_social_with_password`]).
//!
//! From settings, [`Client::start_linking`] starts the same flow for the
//! signed-in member, and [`Client::unlink_provider`] removes one (never the
//! last way in). Everything here is online.

use moa_protocol::{
    AuthResponse, SignInMethods, SocialFinishRequest, SocialLinkRequest, SocialOutcome,
    SocialProvider, SocialSignupRequest, SocialStart, SocialStartRequest,
};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::Me;

/// The redirect address of the desktop app's loopback listener on `port`.
pub fn loopback_redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/oauth/callback")
}

/// The mobile apps' redirect address (their registered URL scheme).
pub const MOBILE_REDIRECT_URI: &str = "moa://oauth/callback";

/// What a provider's redirect carried: `code` and `state`, or the
/// provider's refusal (the member pressed cancel: `access_denied`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OauthRedirect {
    Code { code: String, state: String },
    Refused { error: String, description: String },
}

/// Reads a redirect URL (`http://127.0.0.1:PORT/oauth/callback?code=…&state=…`,
/// `moa://oauth/callback?…`) or just its query (`code=…&state=…`).
pub fn parse_oauth_redirect(url: &str) -> Result<OauthRedirect> {
    let query = match url.split_once('?') {
        Some((_, q)) => q,
        None if url.contains('=') => url,
        None => return Err(Error::invalid("redirect", "has no code or error")),
    };
    let query = query.split('#').next().unwrap_or_default();
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = String::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = v.into_owned(),
            _ => {}
        }
    }
    match (error, code, state) {
        (Some(error), _, _) => Ok(OauthRedirect::Refused { error, description }),
        (None, Some(code), Some(state)) if !code.is_empty() && !state.is_empty() => {
            Ok(OauthRedirect::Code { code, state })
        }
        _ => Err(Error::invalid("redirect", "has no code or no state")),
    }
}

/// What finishing a provider sign-in led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocialSignIn {
    /// Signed in (the account was linked already).
    SignedIn(Me),
    /// New to Moa: confirm a handle with [`Client::complete_social_sign_up`].
    SignUp {
        ticket: String,
        email: String,
        display_name: String,
        proposed_handle: String,
    },
    /// The email is an existing member's: its password links the provider
    /// ([`Client::link_social_with_password`]). Without a password
    /// (`has_password` false) sign in with one of `providers` and link from
    /// settings.
    LinkRequired {
        ticket: String,
        email: String,
        has_password: bool,
        providers: Vec<SocialProvider>,
    },
    /// Started from settings: linked; the member's ways in now.
    Linked(SignInMethods),
}

impl Client {
    /// Step 1: the provider's URL to open in the system browser, which
    /// comes back to `redirect_uri` ([`loopback_redirect_uri`] or
    /// [`MOBILE_REDIRECT_URI`]).
    pub async fn start_social_sign_in(
        &self,
        provider: SocialProvider,
        redirect_uri: &str,
    ) -> Result<SocialStart> {
        let req = SocialStartRequest {
            redirect_uri: redirect_uri.to_owned(),
        };
        let path = format!("/auth/social/{}/start", provider.as_str());
        self.api().post(None, &path, &req).await
    }

    /// Step 2: the redirect URL the browser came back to. Signed in at
    /// once when the provider account is a member's; a cancelled sign-in
    /// is `Error::Rejected` with code `oauth_failed`.
    pub async fn finish_social_sign_in(&self, redirect_url: &str) -> Result<SocialSignIn> {
        let (code, state) = match parse_oauth_redirect(redirect_url)? {
            OauthRedirect::Code { code, state } => (code, state),
            OauthRedirect::Refused { error, description } => {
                return Err(Error::Rejected {
                    code: moa_protocol::ErrorCode::OauthFailed,
                    message: if error == "access_denied" {
                        "sign-in was cancelled".into()
                    } else {
                        format!("the provider refused: {error} {description}")
                    },
                    field: None,
                });
            }
        };
        let req = SocialFinishRequest { state, code };
        // Signed in: the server may be finishing a link for this member.
        let outcome: SocialOutcome = match self.account() {
            Ok(account) => account.post("/auth/social/finish", &req).await?,
            Err(_) => self.api().post(None, "/auth/social/finish", &req).await?,
        };
        Ok(match outcome {
            SocialOutcome::SignedIn { auth } => {
                SocialSignIn::SignedIn(self.begin_session(*auth).await?)
            }
            SocialOutcome::SignUp {
                ticket,
                email,
                display_name,
                proposed_handle,
                ..
            } => SocialSignIn::SignUp {
                ticket,
                email,
                display_name,
                proposed_handle,
            },
            SocialOutcome::LinkRequired {
                ticket,
                email,
                has_password,
                providers,
                ..
            } => SocialSignIn::LinkRequired {
                ticket,
                email,
                has_password,
                providers,
            },
            SocialOutcome::Linked { methods } => SocialSignIn::Linked(methods),
        })
    }

    /// Creates the account a [`SocialSignIn::SignUp`] ticket describes
    /// with `handle` (and `display_name`, else the provider's name), and
    /// signs in.
    pub async fn complete_social_sign_up(
        &self,
        ticket: &str,
        handle: &str,
        display_name: Option<&str>,
    ) -> Result<Me> {
        let handle = handle.trim().to_lowercase();
        if !(3..=30).contains(&handle.len())
            || !handle
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(Error::invalid("handle", "3 to 30 of a-z, 0-9 and _"));
        }
        let req = SocialSignupRequest {
            ticket: ticket.to_owned(),
            handle,
            display_name: display_name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            community_id: None,
        };
        let auth: AuthResponse = self.api().post(None, "/auth/social/signup", &req).await?;
        self.begin_session(auth).await
    }

    /// Links the provider of a [`SocialSignIn::LinkRequired`] ticket to the
    /// existing account with its password, and signs in.
    pub async fn link_social_with_password(&self, ticket: &str, password: &str) -> Result<Me> {
        if password.is_empty() {
            return Err(Error::invalid("password", "is required"));
        }
        let req = SocialLinkRequest {
            ticket: ticket.to_owned(),
            password: password.to_owned(),
        };
        let auth: AuthResponse = self.api().post(None, "/auth/social/link", &req).await?;
        self.begin_session(auth).await
    }

    /// The signed-in member's ways in (online).
    pub async fn linked_sign_ins(&self) -> Result<SignInMethods> {
        self.account()?.get("/me/identities").await
    }

    /// Starts linking `provider` to the signed-in member; finish with
    /// [`Client::finish_social_sign_in`] (answers [`SocialSignIn::Linked`]).
    pub async fn start_linking(
        &self,
        provider: SocialProvider,
        redirect_uri: &str,
    ) -> Result<SocialStart> {
        let req = SocialStartRequest {
            redirect_uri: redirect_uri.to_owned(),
        };
        let path = format!("/me/identities/{}/start", provider.as_str());
        self.account()?.post(&path, &req).await
    }

    /// Unlinks `provider`; refused with `last_sign_in_method` when it is the
    /// only way in.
    pub async fn unlink_provider(&self, provider: SocialProvider) -> Result<SignInMethods> {
        let path = format!("/me/identities/{}", provider.as_str());
        self.account()?.delete(&path).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn redirects_are_read_whole_or_as_a_query() {
        assert_eq!(
            parse_oauth_redirect("http://127.0.0.1:5000/oauth/callback?code=a%2Bb&state=s1")
                .unwrap(),
            OauthRedirect::Code {
                code: "a+b".into(),
                state: "s1".into()
            }
        );
        assert_eq!(
            parse_oauth_redirect("state=s&code=c").unwrap(),
            OauthRedirect::Code {
                code: "c".into(),
                state: "s".into()
            }
        );
        assert!(matches!(
            parse_oauth_redirect("moa://oauth/callback?error=access_denied&state=s").unwrap(),
            OauthRedirect::Refused { error, .. } if error == "access_denied"
        ));
        for bad in [
            "",
            "moa://oauth/callback",
            "x?code=c",
            "x?state=s",
            "x?code=&state=s",
        ] {
            assert!(parse_oauth_redirect(bad).is_err(), "{bad}");
        }
    }
}
