//! Limits both sides enforce: clients validate before sending (to show errors
//! at once), the server validates again (it is the authority).

/// Largest JSON request body the server accepts, in bytes (1 MiB).
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;
/// The largest chunk of an upload in one request (`PATCH /v1/media/uploads/{id}`).
pub const MAX_UPLOAD_CHUNK: u64 = 4 * 1024 * 1024;

/// Email addresses are at most this long (RFC 5321).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Handles: 3 to 30 of `a-z`, `0-9`, `_`, stored lowercase.
pub const MIN_HANDLE_CHARS: usize = 3;
/// See [`MIN_HANDLE_CHARS`].
pub const MAX_HANDLE_CHARS: usize = 30;
/// Passwords: 8 to 128 characters (Unicode scalar values).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// See [`MIN_PASSWORD_CHARS`].
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Display names: 1 to 40 characters after trimming.
pub const MAX_DISPLAY_NAME_CHARS: usize = 40;
/// Profile bio.
pub const MAX_BIO_CHARS: usize = 500;
/// Links on a profile.
pub const MAX_PROFILE_LINKS: usize = 3;
/// One profile link (an `http` or `https` URL).
pub const MAX_LINK_CHARS: usize = 300;
/// Suspensions last 1 to this many days.
pub const MAX_SUSPENSION_DAYS: u32 = 3650;
/// Reason given for a moderation action.
pub const MAX_REASON_CHARS: usize = 500;
/// Review ids in one `views.record` batch.
pub const MAX_VIEWS_PER_BATCH: usize = 100;
/// How long a review must stay open to count as viewed (clients apply it).
pub const VIEW_DWELL_MS: u64 = 3_000;
/// Most items of a "similar" row (`/v1/reviews/{id}/similar`,
/// `/v1/products/{id}/similar`).
pub const MAX_SIMILAR: u32 = 20;
/// Default and largest page size of list endpoints.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// See [`DEFAULT_PAGE_SIZE`].
pub const MAX_PAGE_SIZE: u32 = 100;

/// Place and product names.
pub const MAX_NAME_CHARS: usize = 100;
/// Place addresses.
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Product options, values per option, and characters of each.
pub const MAX_PRODUCT_OPTIONS: usize = 10;
/// See [`MAX_PRODUCT_OPTIONS`].
pub const MAX_OPTION_VALUES: usize = 30;
/// See [`MAX_PRODUCT_OPTIONS`].
pub const MAX_OPTION_CHARS: usize = 30;
/// Photos of a product.
pub const MAX_PRODUCT_PHOTOS: usize = 10;
/// Product price ceiling (₩10 billion).
pub const MAX_PRICE_KRW: i64 = 10_000_000_000;
/// Shop links.
pub const MAX_URL_CHARS: usize = 500;
/// Story reviews: title, body and photos.
pub const MAX_TITLE_CHARS: usize = 100;
/// See [`MAX_TITLE_CHARS`].
pub const MAX_STORY_BODY_CHARS: usize = 20_000;
/// See [`MAX_TITLE_CHARS`].
pub const MAX_STORY_PHOTOS: usize = 20;
/// Snap reviews: body and photos.
pub const MAX_SNAP_BODY_CHARS: usize = 500;
/// See [`MAX_SNAP_BODY_CHARS`].
pub const MAX_SNAP_PHOTOS: usize = 4;
/// Tags per review, and characters per tag.
pub const MAX_TAGS: usize = 10;
/// See [`MAX_TAGS`].
pub const MAX_TAG_CHARS: usize = 20;
/// Comments and replies.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Most mutations in one `POST /v1/sync/push`.
pub const MAX_PUSH_MUTATIONS: usize = 100;
/// Most buckets in one `POST /v1/sync/pull`.
pub const MAX_PULL_BUCKETS: usize = 20;
/// Most feed windows in one `POST /v1/sync/pull`.
pub const MAX_PULL_WINDOWS: usize = 5;
/// Largest feed window (reviews of a tab's first page).
pub const MAX_WINDOW_SIZE: u32 = 50;

/// `suspended_until` of an indefinite suspension: 9999-12-31T23:59:59.999Z
/// (a time every client can represent, unlike `i64::MAX`).
pub const INDEFINITE: i64 = 253_402_300_799_999;

/// Longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// Photos and videos in one chat message.
pub const MAX_MESSAGE_MEDIA: usize = 10;
/// Longest group room name, in characters.
pub const MAX_ROOM_NAME_CHARS: usize = 50;
/// Members of one group room.
pub const MAX_ROOM_MEMBERS: usize = 500;
/// Largest frame the realtime socket accepts from a client, in bytes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// The longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;
/// Hits of each kind in a `type=all` search.
pub const SEARCH_ALL_PER_KIND: u32 = 5;
