//! The error body every failing request answers with, and the stable error
//! codes clients may match on.

use serde::{Deserialize, Serialize};

/// `{"error": {...}}`: the body of every 4xx and 5xx response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable snake_case code.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: ErrorCode,
    /// Human-readable explanation (English); never contains internal details.
    pub message: String,
    /// The request field at fault, for validation errors (`"email"`, `"links[1]"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// With `conflict`: the entity as it is now on the server, so the client
    /// can show it next to the user's rejected edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub current: Option<serde_json::Value>,
}

wire_enum! {
    /// Stable error codes. Clients switch on these, so they never change
    /// meaning; a code this build does not know (from a newer server) decodes
    /// to [`ErrorCode::Unknown`] with its spelling kept.
    ErrorCode {
        /// The body is not valid JSON.
        MalformedJson = "malformed_json",
        /// A field is missing, has the wrong type or breaks a rule.
        InvalidField = "invalid_field",
        /// The request needs `Content-Type: application/json`.
        UnsupportedMediaType = "unsupported_media_type",
        /// The body is larger than the server accepts.
        PayloadTooLarge = "payload_too_large",
        /// A path or query parameter is malformed.
        InvalidParameter = "invalid_parameter",
        /// The email address is already registered.
        EmailTaken = "email_taken",
        /// The handle is already taken.
        HandleTaken = "handle_taken",
        /// Email or password is wrong (never says which).
        InvalidCredentials = "invalid_credentials",
        /// No access token was sent.
        MissingToken = "missing_token",
        /// The access token is malformed, forged or for a revoked session.
        InvalidToken = "invalid_token",
        /// The access token has expired; refresh it.
        TokenExpired = "token_expired",
        /// The refresh token is unknown or expired.
        InvalidRefreshToken = "invalid_refresh_token",
        /// A spent refresh token was presented again: its whole session was revoked.
        RefreshTokenReused = "refresh_token_reused",
        /// The role of the caller does not allow this.
        Forbidden = "forbidden",
        /// The account is suspended: it may read but not write.
        AccountSuspended = "account_suspended",
        /// The thing asked for does not exist (or is not visible to the caller).
        NotFound = "not_found",
        /// The HTTP method is not allowed on this path.
        MethodNotAllowed = "method_not_allowed",
        /// Too many attempts; wait for `Retry-After` seconds.
        RateLimited = "rate_limited",
        /// The write conflicts with existing data, or an edit is based on an old
        /// version of a field that changed meanwhile (`current` has the new one).
        Conflict = "conflict",
        /// The member already has an open report on this target.
        AlreadyReported = "already_reported",
        /// Only the author may change this.
        NotAuthor = "not_author",
        /// A pushed mutation names no mutation the server knows
        /// (see [`crate::Op`]).
        UnknownMutation = "unknown_mutation",
        /// The file is not a type this endpoint takes (decided by its content),
        /// or a format Moa cannot decode (HEIC).
        UnsupportedFormat = "unsupported_format",
        /// The image is larger in pixels than the server accepts (an image
        /// bomb is refused from its header, before any decoding).
        TooManyPixels = "too_many_pixels",
        /// The file is truncated or damaged.
        CorruptMedia = "corrupt_media",
        /// The photo still carries EXIF, XMP or text metadata (location!); strip
        /// it before uploading (client-core does).
        MediaHasMetadata = "media_has_metadata",
        /// The uploaded bytes do not hash to the SHA-256 the upload named.
        HashMismatch = "hash_mismatch",
        /// A chunk was sent at an offset other than the one the server is at;
        /// the message and `GET` on the upload tell the right one.
        UploadOffsetMismatch = "upload_offset_mismatch",
        /// Completing an upload that has not received all its bytes.
        UploadIncomplete = "upload_incomplete",
        /// The requested byte range is outside the file.
        RangeNotSatisfiable = "range_not_satisfiable",
        /// The campaign is not taking orders (not started, past its
        /// deadline, or closed).
        CampaignClosed = "campaign_closed",
        /// Fewer units are left (of the campaign or of a choice) than asked for.
        SoldOut = "sold_out",
        /// The order would take the member past the campaign's per-member limit.
        OverLimit = "over_limit",
        /// The payment provider has no completed payment for this order yet.
        PaymentIncomplete = "payment_incomplete",
        /// The provider's payment does not match the order (amount, currency);
        /// it was refused and cancelled.
        PaymentMismatch = "payment_mismatch",
        /// A webhook's signature is missing, forged or too old.
        InvalidSignature = "invalid_signature",
        /// The payment provider could not be reached or answered an error.
        PaymentProvider = "payment_provider",
        /// The order's state does not allow this (e.g. cancelling a refunded one).
        InvalidState = "invalid_state",
        /// The member's points do not cover it (accepting a quote): charge
        /// points first.
        InsufficientPoints = "insufficient_points",
        /// The request is not open any more (matched, closed or expired).
        RequestClosed = "request_closed",
        /// Members cannot quote on their own requests.
        OwnRequest = "own_request",
        /// Ordering in a group-buy or quoting on a request needs a verified
        /// mobile number (`POST /v1/me/phone/verification`).
        PhoneUnverified = "phone_unverified",
        /// A mailed or texted code is wrong, used or expired (ask for a
        /// new one); five wrong tries end a code.
        InvalidCode = "invalid_code",
        /// This server does not offer it (e.g. password reset without mail
        /// settings); `GET /v1/auth/methods` tells what it offers.
        NotOffered = "not_offered",
        /// A provider sign-in's `state` is unknown, used or expired: start
        /// again.
        InvalidOauthState = "invalid_oauth_state",
        /// The provider refused the code (replayed, expired) or its answer
        /// did not verify (ID token signature, issuer, audience, expiry,
        /// nonce).
        OauthFailed = "oauth_failed",
        /// The provider does not vouch for the account's email address.
        EmailUnverified = "email_unverified",
        /// The provider account is already linked to another member.
        IdentityTaken = "identity_taken",
        /// Removing this would leave the account with no way in.
        LastSignInMethod = "last_sign_in_method",
        /// A sign-up or link ticket is unknown, used or expired.
        InvalidTicket = "invalid_ticket",
        /// Something failed on the server; details are in its logs.
        Internal = "internal",
        /// The server cannot reach its database right now.
        Unavailable = "unavailable",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_spelling() {
        for code in ErrorCode::KNOWN {
            assert_eq!(&ErrorCode::parse(code.as_str()), code);
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(&serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
    }

    #[test]
    fn unknown_codes_keep_their_spelling() {
        let detail: ErrorDetail =
            serde_json::from_str(r#"{"code":"quota_exceeded","message":"m"}"#).unwrap();
        assert_eq!(detail.code, ErrorCode::Unknown("quota_exceeded".into()));
        assert_eq!(
            serde_json::to_string(&detail).unwrap(),
            r#"{"code":"quota_exceeded","message":"m"}"#
        );
    }
}
