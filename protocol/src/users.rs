//! Members: the signed-in member's own view, public profiles, profile edits,
//! and the admin views of accounts (roles, suspensions, audit log).

use serde::{Deserialize, Serialize};

/// What a member may do. Checked by the server on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

impl Role {
    /// The lowercase name used on the wire, in the database and on the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Parses [`Role::as_str`]'s output.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "member" => Some(Role::Member),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Moderators and admins may moderate.
    pub fn can_moderate(self) -> bool {
        self >= Role::Moderator
    }
}

/// The signed-in member's own account (`GET /v1/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: String,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub links: Vec<String>,
    pub avatar_media_id: Option<String>,
    pub role: Role,
    /// Set while the account is suspended (Unix ms; [`crate::limits::INDEFINITE`]
    /// for an indefinite suspension): it can read but not write.
    pub suspended_until: Option<i64>,
    pub counts: crate::ProfileCounts,
    /// The community the member belongs to (group-buys offered to it).
    #[serde(default)]
    pub community_id: Option<String>,
    /// The member's mobile number (digits); only they see it.
    #[serde(default)]
    pub phone: Option<String>,
    /// Whether they agreed to marketing texts.
    #[serde(default)]
    pub sms_opt_in: bool,
    /// Whether `phone` was confirmed with a texted code (changing the
    /// number clears it). Ordering and quoting need it where the server
    /// sends texts (`GET /v1/auth/methods`, `phone_verification`).
    #[serde(default)]
    pub phone_verified: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A member as others see them (`GET /v1/users/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    pub id: String,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub links: Vec<String>,
    pub avatar_media_id: Option<String>,
    pub role: Role,
    /// A deleted account keeps its id (its content stays) but shows no
    /// personal data; clients show "deleted user" in the reader's language.
    pub deleted: bool,
    pub counts: crate::ProfileCounts,
    /// Whether the signed-in reader follows this member.
    pub followed_by_me: bool,
    pub created_at: i64,
}

/// `PATCH /v1/me`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProfileRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    /// Up to 3 `http`/`https` URLs; replaces the whole list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<String>>,
    /// A media id, or `null` to remove the avatar.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub avatar_media_id: Option<Option<String>>,
    /// A community id, or `null` to leave one's community.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub community_id: Option<Option<String>>,
    /// A Korean mobile number (`010-1234-5678`), or `null` to remove it.
    /// Private: only the member and the texts admins send use it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    /// Agree (or no longer agree) to marketing texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_opt_in: Option<bool>,
}

/// An account as moderators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUser {
    pub id: String,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub role: Role,
    pub suspended_until: Option<i64>,
    pub deleted: bool,
    pub created_at: i64,
}

/// One page of a list; `next_cursor` is opaque and absent on the last page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// `PUT /v1/admin/users/{id}/role` (admins only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRoleRequest {
    pub role: Role,
}

/// `POST /v1/admin/users/{id}/suspension` (moderators and admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuspendRequest {
    /// 1 to 3650 days; absent for an indefinite suspension.
    #[serde(default)]
    pub days: Option<u32>,
    pub reason: String,
}

/// One entry of the moderation audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    pub actor_id: String,
    /// e.g. `set_role`, `suspend`, `unsuspend`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// Free-form details of the action (JSON text).
    pub detail: String,
    pub created_at: i64,
}

/// A Korean mobile number as its digits (`01012345678`): spaces, hyphens,
/// dots and brackets are dropped and `+82 10…` becomes `010…`; `None` when
/// it is not a mobile number (010, 011, 016-019, 10 or 11 digits). The
/// server stores this form; apps check with it before sending.
pub fn korean_mobile(raw: &str) -> Option<String> {
    let mut digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    if let Some(rest) = digits.strip_prefix("+82") {
        digits = format!("0{}", rest.trim_start_matches('0'));
    }
    let ok = digits.chars().all(|c| c.is_ascii_digit())
        && (10..=11).contains(&digits.len())
        && digits.starts_with("01")
        && matches!(
            digits.as_bytes().get(2),
            Some(b'0' | b'1' | b'6' | b'7' | b'8' | b'9')
        );
    ok.then_some(digits)
}

/// A number in [`korean_mobile`]'s form as E.164 (`+821012345678`), the
/// form shown back to a member verifying it.
pub fn e164(domestic: &str) -> String {
    format!("+82{}", domestic.strip_prefix('0').unwrap_or(domestic))
}

/// `POST /v1/me/phone/verification`: text a 6-digit code to this number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneVerificationRequest {
    /// A Korean mobile number in any usual spelling (`010-1234-5678`,
    /// `+82 10 1234 5678`).
    pub phone: String,
}

/// The answer to a verification request: where the code went and for how
/// long it is good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneCodeSent {
    /// The number, normalised to E.164 (`+821012345678`).
    pub phone: String,
    /// How long the code stays valid, in seconds (180).
    pub valid_for_secs: i64,
    /// How long before another code can be asked for, in seconds (60).
    pub resend_after_secs: i64,
}

/// `POST /v1/me/phone/verification/confirm`: the texted code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneVerificationConfirm {
    /// The 6 digits from the text.
    pub code: String,
}

/// Where a "download my data" export is (`DataExport::state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    /// Asked for; the job has not started.
    Queued,
    /// Being built (`done` of `total` steps).
    Building,
    /// Built: `GET /v1/me/exports/{id}/file` downloads it until `expires_at`.
    Ready,
    /// The build failed after its retries; ask for a new one.
    Failed,
    /// Past `expires_at`: the file is gone; ask for a new one.
    Expired,
    /// A state this build does not know (from a newer server).
    #[serde(other)]
    Unknown,
}

impl ExportState {
    /// The state as spelled on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportState::Queued => "queued",
            ExportState::Building => "building",
            ExportState::Ready => "ready",
            ExportState::Failed => "failed",
            ExportState::Expired => "expired",
            ExportState::Unknown => "unknown",
        }
    }

    /// The state spelled `s` (`Unknown` for anything else).
    pub fn parse(s: &str) -> ExportState {
        match s {
            "queued" => ExportState::Queued,
            "building" => ExportState::Building,
            "ready" => ExportState::Ready,
            "failed" => ExportState::Failed,
            "expired" => ExportState::Expired,
            _ => ExportState::Unknown,
        }
    }

    /// Still on its way (queued or building).
    pub fn is_pending(self) -> bool {
        matches!(self, ExportState::Queued | ExportState::Building)
    }
}

/// A member's copy of their data (`POST /v1/me/exports`): a zip of JSON
/// files (profile, reviews, comments, likes, scraps, follows, chats,
/// orders, points, requests) and their photos, built as a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataExport {
    pub id: String,
    pub state: ExportState,
    /// Steps done of `total` while building (sections, then photos).
    #[serde(default)]
    pub done: u32,
    #[serde(default)]
    pub total: u32,
    /// The zip's size once ready (what a download's progress counts to).
    #[serde(default)]
    pub bytes: u64,
    pub created_at: i64,
    #[serde(default)]
    pub ready_at: Option<i64>,
    /// When the file is deleted (7 days after it is ready).
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// What deleting an account does, as the server is set up (`GET
/// /v1/me/deletion`): shown before the member confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeletionPolicy {
    /// Days after the deletion when the member's content (reviews,
    /// comments, chat messages, photos, likes, scraps, follows) is erased;
    /// until then it shows under "탈퇴한 회원" and moderators may still act
    /// on reports about it.
    pub erase_after_days: u32,
    /// Years orders, payments and the points ledger are kept (전자상거래법:
    /// 대금결제 및 재화 공급 기록 5년), then erased too.
    pub keep_records_years: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AuthResponse, ErrorBody, ErrorDetail};

    fn me() -> Me {
        Me {
            id: "0190b7a0-0000-7000-8000-000000000001".into(),
            email: "minji@example.kr".into(),
            handle: "minji".into(),
            display_name: "김민지".into(),
            bio: "".into(),
            links: vec![],
            avatar_media_id: None,
            role: Role::Member,
            suspended_until: None,
            counts: crate::ProfileCounts::default(),
            community_id: None,
            phone: None,
            sms_opt_in: false,
            phone_verified: false,
            created_at: 1,
            updated_at: 2,
        }
    }

    // Snapshot tests: the JSON shape is the contract with shipped clients.
    #[test]
    fn auth_response_json_shape() {
        let r = AuthResponse {
            access_token: "a".into(),
            access_expires_at: 10,
            refresh_token: "r".into(),
            refresh_expires_at: 20,
            user: me(),
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"access_token":"a","access_expires_at":10,"refresh_token":"r","refresh_expires_at":20,"user":{"id":"0190b7a0-0000-7000-8000-000000000001","email":"minji@example.kr","handle":"minji","display_name":"김민지","bio":"","links":[],"avatar_media_id":null,"role":"member","suspended_until":null,"counts":{"reviews":0,"followers":0,"following":0,"helper_reviews":0,"helper_rating_sum":0},"community_id":null,"phone":null,"sms_opt_in":false,"phone_verified":false,"created_at":1,"updated_at":2}}"#
        );
    }

    #[test]
    fn error_body_json_shape() {
        let e = ErrorBody {
            error: ErrorDetail {
                code: "invalid_field".into(),
                message: "email: not an email address".into(),
                field: Some("email".into()),
                current: None,
            },
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"error":{"code":"invalid_field","message":"email: not an email address","field":"email"}}"#
        );
        let no_field = ErrorBody {
            error: ErrorDetail {
                code: "x".into(),
                message: "y".into(),
                field: None,
                current: None,
            },
        };
        assert_eq!(
            serde_json::to_string(&no_field).unwrap(),
            r#"{"error":{"code":"x","message":"y"}}"#
        );
    }

    #[test]
    fn update_profile_distinguishes_absent_null_and_value() {
        let absent: UpdateProfileRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.avatar_media_id, None);
        let null: UpdateProfileRequest =
            serde_json::from_str(r#"{"avatar_media_id":null}"#).unwrap();
        assert_eq!(null.avatar_media_id, Some(None));
        let value: UpdateProfileRequest =
            serde_json::from_str(r#"{"avatar_media_id":"x"}"#).unwrap();
        assert_eq!(value.avatar_media_id, Some(Some("x".into())));
    }

    #[test]
    fn roles_order_and_round_trip() {
        assert!(Role::Admin > Role::Moderator && Role::Moderator > Role::Member);
        for r in [Role::Member, Role::Moderator, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn export_states_round_trip_and_a_newer_one_is_unknown() {
        for s in ["queued", "building", "ready", "failed", "expired"] {
            let state: ExportState = serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(state.as_str(), s);
            assert_eq!(ExportState::parse(s), state);
        }
        let newer: ExportState = serde_json::from_str("\"archived\"").unwrap();
        assert_eq!(newer, ExportState::Unknown);
    }
}
