//! The one error type across the boundary, [`MoaError`], and the one place
//! client-core's [`moa_client_core::Error`] becomes it. Apps match on the
//! variant (show "offline", go to sign-in, reload after a conflict); the
//! `reason` of `Invalid` and `Other` is for people.

use moa_client_core::Error as CoreError;
use moa_client_core::protocol::ErrorCode;

/// What went wrong, as the apps see it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum MoaError {
    /// The server could not be reached, or is failing for now: the action
    /// can be retried later (writes are queued and need no retry).
    #[error("the server cannot be reached")]
    Network,
    /// Not signed in, wrong email or password, or the session ended.
    #[error("not signed in, or the session ended")]
    Auth,
    /// The change conflicts with what the server has (an edit based on an
    /// old version, an email or handle already taken, a repeated report).
    #[error("conflict with the server's data")]
    Conflict,
    /// The input was refused (on the device or by the server).
    #[error("invalid input: {reason}")]
    Invalid { reason: String },
    /// No such thing (here or on the server).
    #[error("not found")]
    NotFound,
    /// A group-buy refused the order, a request (부탁) refused the action,
    /// or a payment (an order's or a points charge's) is not through:
    /// `code` says why (`sold_out`, `over_limit`, `campaign_closed`,
    /// `payment_incomplete` (not paid yet: ask again), `payment_mismatch`,
    /// `invalid_state`, `payment_provider`, `insufficient_points` (accepting
    /// a quote: charge points first), `request_closed`, `phone_unverified`
    /// (ordering or quoting needs a verified number:
    /// `MoaClient.requestPhoneVerification`)).
    #[error("{reason}")]
    Shop { code: String, reason: String },
    /// Sign-in with a provider (Kakao, Naver, Google) or a change to the
    /// member's ways in did not go through: `code` says why
    /// (`oauth_failed`: cancelled, or the provider refused or could not
    /// vouch for the sign-in; `invalid_oauth_state`: this attempt is
    /// unknown, used or expired: start again; `email_unverified`: the
    /// provider does not vouch for the email (verify it there, or allow Moa
    /// to see it); `identity_taken`: that provider account is another
    /// member's; `invalid_ticket`: the sign-up or link step expired or was
    /// used: start again; `last_sign_in_method`: unlinking would leave no
    /// way in).
    #[error("{reason}")]
    SignIn { code: String, reason: String },
    /// A photo of a type this device cannot decode: `format` is `heic`
    /// (what iPhones store: let the system convert it to JPEG and add that),
    /// `avif` or `gif`. Hand over JPEG, PNG or WebP. (Bytes that are no
    /// photo at all are `Invalid`.)
    #[error("{reason}")]
    UnsupportedPhoto { format: String, reason: String },
    /// Anything else: not allowed, local storage failing, an answer the
    /// client does not understand.
    #[error("{reason}")]
    Other { reason: String },
}

pub(crate) type Result<T, E = MoaError> = std::result::Result<T, E>;

impl From<CoreError> for MoaError {
    fn from(e: CoreError) -> Self {
        let reason = e.to_string();
        match e {
            CoreError::UnsupportedPhoto { format } => MoaError::UnsupportedPhoto { format, reason },
            CoreError::Network(_) => MoaError::Network,
            CoreError::Auth(_) => MoaError::Auth,
            CoreError::NotFound(_) => MoaError::NotFound,
            CoreError::Invalid { .. } => MoaError::Invalid { reason },
            CoreError::Rejected { code, .. } => match code {
                ErrorCode::Conflict
                | ErrorCode::EmailTaken
                | ErrorCode::HandleTaken
                | ErrorCode::AlreadyReported => MoaError::Conflict,
                ErrorCode::NotFound => MoaError::NotFound,
                ErrorCode::InvalidCredentials
                | ErrorCode::MissingToken
                | ErrorCode::InvalidToken
                | ErrorCode::TokenExpired
                | ErrorCode::InvalidRefreshToken
                | ErrorCode::RefreshTokenReused => MoaError::Auth,
                ErrorCode::InvalidField
                | ErrorCode::InvalidParameter
                | ErrorCode::MalformedJson
                | ErrorCode::PayloadTooLarge
                | ErrorCode::UnsupportedFormat
                | ErrorCode::TooManyPixels
                | ErrorCode::CorruptMedia
                | ErrorCode::OwnRequest
                // A mailed or texted code that is wrong, used or expired.
                | ErrorCode::InvalidCode => MoaError::Invalid { reason },
                ErrorCode::SoldOut
                | ErrorCode::OverLimit
                | ErrorCode::CampaignClosed
                | ErrorCode::PaymentIncomplete
                | ErrorCode::PaymentMismatch
                | ErrorCode::InvalidState
                | ErrorCode::PaymentProvider
                | ErrorCode::InsufficientPoints
                | ErrorCode::RequestClosed
                | ErrorCode::PhoneUnverified => MoaError::Shop {
                    code: code.as_str().to_owned(),
                    reason,
                },
                ErrorCode::OauthFailed
                | ErrorCode::InvalidOauthState
                | ErrorCode::EmailUnverified
                | ErrorCode::IdentityTaken
                | ErrorCode::InvalidTicket
                | ErrorCode::LastSignInMethod => MoaError::SignIn {
                    code: code.as_str().to_owned(),
                    reason,
                },
                _ => MoaError::Other { reason },
            },
            CoreError::Storage(_) | CoreError::Server(_) => MoaError::Other { reason },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(code: &str) -> CoreError {
        CoreError::Rejected {
            code: code.into(),
            message: "refused".into(),
            field: None,
        }
    }

    #[test]
    fn each_kind_of_core_error_maps_to_its_variant() {
        assert_eq!(
            MoaError::from(CoreError::Network("x".into())),
            MoaError::Network
        );
        assert_eq!(MoaError::from(CoreError::Auth("x".into())), MoaError::Auth);
        assert_eq!(
            MoaError::from(CoreError::NotFound("x".into())),
            MoaError::NotFound
        );
        assert_eq!(
            MoaError::from(CoreError::Invalid {
                field: "rating".into(),
                reason: "must be 1 to 5".into()
            }),
            MoaError::Invalid {
                reason: "invalid rating: must be 1 to 5".into()
            }
        );
        assert_eq!(MoaError::from(rejected("conflict")), MoaError::Conflict);
        assert_eq!(MoaError::from(rejected("email_taken")), MoaError::Conflict);
        assert_eq!(
            MoaError::from(rejected("invalid_credentials")),
            MoaError::Auth
        );
        assert_eq!(
            MoaError::from(rejected("invalid_field")),
            MoaError::Invalid {
                reason: "refused".into()
            }
        );
        assert_eq!(
            MoaError::from(rejected("insufficient_points")),
            MoaError::Shop {
                code: "insufficient_points".into(),
                reason: "refused".into()
            }
        );
        assert_eq!(
            MoaError::from(rejected("own_request")),
            MoaError::Invalid {
                reason: "refused".into()
            }
        );
        assert_eq!(
            MoaError::from(rejected("forbidden")),
            MoaError::Other {
                reason: "refused".into()
            }
        );
        for code in [
            "oauth_failed",
            "invalid_oauth_state",
            "email_unverified",
            "identity_taken",
            "invalid_ticket",
            "last_sign_in_method",
        ] {
            assert_eq!(
                MoaError::from(rejected(code)),
                MoaError::SignIn {
                    code: code.into(),
                    reason: "refused".into()
                },
                "{code}"
            );
        }
        assert!(matches!(
            MoaError::from(CoreError::UnsupportedPhoto {
                format: "heic".into(),
            }),
            MoaError::UnsupportedPhoto { format, .. } if format == "heic"
        ));
        assert!(matches!(
            MoaError::from(CoreError::Invalid {
                field: "photo".into(),
                reason: "not a photo (unknown): choose a JPEG, PNG or WebP photo".into()
            }),
            MoaError::Invalid { .. }
        ));
        assert!(matches!(
            MoaError::from(CoreError::Storage("disk full".into())),
            MoaError::Other { reason } if reason.contains("disk full")
        ));
    }
}
