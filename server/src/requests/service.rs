//! Requests (부탁) and their quotes: posting and editing a request, the
//! one quote per member per request, accepting one (the price held from the
//! requester's points, a direct room opened with a message naming the
//! request), completing (the points paid to the helper), cancelling
//! (released, exactly once), the helper's review, and what each reader may
//! see.
//!
//! Every change publishes the request to the buckets that show it (the
//! `shop` bucket when it is offered to everyone, its community's bucket
//! otherwise, and the requester's and helper's own), and each quote to the
//! requester's and the quoter's own buckets: a quoter never sees the others'
//! quotes, only their count on the request.

use moa_protocol::chat::{CreateRoomRequest, RoomKind, SendMessageRequest};
use moa_protocol::kst;
use moa_protocol::{
    Author, CancelRequestArgs, EntityKind, ErrorCode, HelpRequest, HelperReview, HelperReviewInput,
    MAX_HELPER_REVIEW_CHARS, MAX_QUOTE_MESSAGE_CHARS, MAX_REGION_CHARS, MAX_REQUEST_DAYS_AHEAD,
    MAX_REQUEST_DETAILS_CHARS, MAX_REQUEST_PHOTOS, MAX_REQUEST_PRICE_KRW, MAX_REQUEST_TITLE_CHARS,
    NotificationKind, PointKind, Quote, QuoteInput, QuoteStatus, RequestCategory, RequestInput,
    RequestStatus,
};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::changelog::{self, Change, Content, SHOP, community_bucket, user_bucket};
use crate::db::json_column;
use crate::error::{Error, Result};
use crate::jobs;
use crate::media::service::{RefType, attach_photos};
use crate::notifications::service::{self as notifications, Event};
use crate::search::service as search;
use crate::state::Events;
use crate::users::service::{AUTHOR_COLUMNS, AuthorColumns};
use crate::util::{is_uuid, new_id, to_json_text};
use crate::validate;

use super::points::{self, Ledger};

/// The job that expires an open request whose dates passed.
pub const REQUEST_EXPIRY: &str = "request_expiry";

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A `requests` row with its requester's author columns.
#[derive(Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: String,
    pub user_id: String,
    pub title: String,
    pub category: String,
    pub region: String,
    pub place_id: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    pub budget_min_krw: i64,
    pub budget_max_krw: i64,
    pub details: String,
    pub photos: String,
    pub community_id: Option<String>,
    pub status: String,
    pub quote_count: i64,
    pub accepted_quote_id: Option<String>,
    pub helper_id: Option<String>,
    pub price_krw: Option<i64>,
    pub room_id: Option<String>,
    pub closing_note: Option<String>,
    pub hidden_at: Option<i64>,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    #[sqlx(flatten)]
    author: AuthorColumns,
}

/// The columns of [`RequestRow`] from `requests r JOIN users u`.
pub const REQUEST_COLUMNS: &str = "r.id, r.user_id, r.title, r.category, r.region, r.place_id, \
     r.starts_on, r.ends_on, r.budget_min_krw, r.budget_max_krw, r.details, r.photos, \
     r.community_id, r.status, r.quote_count, r.accepted_quote_id, r.helper_id, r.price_krw, \
     r.room_id, r.closing_note, r.hidden_at, r.expires_at, r.created_at, r.updated_at";

impl RequestRow {
    pub fn status(&self) -> RequestStatus {
        RequestStatus::parse(&self.status).unwrap_or(RequestStatus::Expired)
    }
}

/// A `quotes` row with its quoter's author columns.
#[derive(Debug, sqlx::FromRow)]
pub struct QuoteRow {
    pub id: String,
    pub request_id: String,
    pub user_id: String,
    pub price_krw: i64,
    pub message: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[sqlx(flatten)]
    author: AuthorColumns,
}

const QUOTE_COLUMNS: &str = "q.id, q.request_id, q.user_id, q.price_krw, q.message, q.status, \
     q.created_at, q.updated_at";

impl QuoteRow {
    pub fn status(&self) -> QuoteStatus {
        QuoteStatus::parse(&self.status).unwrap_or(QuoteStatus::Withdrawn)
    }

    pub fn into_wire(self) -> Quote {
        let status = self.status();
        Quote {
            quoter: self.author.into_author(self.user_id),
            id: self.id,
            request_id: self.request_id,
            price_krw: self.price_krw,
            message: self.message,
            status,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The row of request `id` (hidden ones too).
pub async fn row(conn: &mut AnyConnection, id: &str) -> Result<Option<RequestRow>> {
    if !is_uuid(id) {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {REQUEST_COLUMNS}, {AUTHOR_COLUMNS} FROM requests r JOIN users u ON u.id = r.user_id \
         WHERE r.id = $1"
    );
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The row of quote `id`.
pub async fn quote_row(conn: &mut AnyConnection, id: &str) -> Result<Option<QuoteRow>> {
    if !is_uuid(id) {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {QUOTE_COLUMNS}, {AUTHOR_COLUMNS} FROM quotes q JOIN users u ON u.id = q.user_id \
         WHERE q.id = $1"
    );
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Member `id` as shown beside content.
pub async fn author(conn: &mut AnyConnection, id: &str) -> Result<Author> {
    let sql = format!("SELECT {AUTHOR_COLUMNS} FROM users u WHERE u.id = $1");
    let columns: Option<AuthorColumns> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    columns
        .map(|c| c.into_author(id.to_owned()))
        .ok_or_else(|| Error::Internal(format!("member {id} is gone")))
}

/// The helper review of request `id`, if given.
async fn review_of(conn: &mut AnyConnection, request_id: &str) -> Result<Option<HelperReview>> {
    let sql = format!(
        "SELECT h.id, h.request_id, r.title, h.reviewer_id, h.helper_id, h.rating, h.text, \
         h.photos, h.created_at, {AUTHOR_COLUMNS} FROM helper_reviews h \
         JOIN requests r ON r.id = h.request_id JOIN users u ON u.id = h.reviewer_id \
         WHERE h.request_id = $1"
    );
    let row: Option<ReviewRow> = sqlx::query_as(&sql)
        .bind(request_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(ReviewRow::into_wire).transpose()
}

/// A `helper_reviews` row with its request's title and reviewer.
#[derive(sqlx::FromRow)]
pub struct ReviewRow {
    id: String,
    request_id: String,
    title: String,
    reviewer_id: String,
    helper_id: String,
    rating: i64,
    text: String,
    photos: String,
    created_at: i64,
    #[sqlx(flatten)]
    author: AuthorColumns,
}

impl ReviewRow {
    pub fn into_wire(self) -> Result<HelperReview> {
        Ok(HelperReview {
            photos: json_column(&self.photos, "review photos")?,
            reviewer: self.author.into_author(self.reviewer_id),
            id: self.id,
            request_id: self.request_id,
            request_title: self.title,
            helper_id: self.helper_id,
            rating: self.rating,
            text: self.text,
            created_at: self.created_at,
        })
    }
}

/// The helper reviews member `helper_id` received, newest first.
pub async fn reviews_of_helper(
    conn: &mut AnyConnection,
    helper_id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<moa_protocol::Page<HelperReview>> {
    use crate::pagination::{below_int_id, into_page, page_size};
    let size = page_size(limit);
    let (before, before_id) = below_int_id(cursor)?;
    let sql = format!(
        "SELECT h.id, h.request_id, r.title, h.reviewer_id, h.helper_id, h.rating, h.text, \
         h.photos, h.created_at, {AUTHOR_COLUMNS} FROM helper_reviews h \
         JOIN requests r ON r.id = h.request_id JOIN users u ON u.id = h.reviewer_id \
         WHERE h.helper_id = $1 AND r.hidden_at IS NULL AND (h.created_at, h.id) < ($2, $3) \
         ORDER BY h.created_at DESC, h.id DESC LIMIT $4"
    );
    let rows: Vec<ReviewRow> = sqlx::query_as(&sql)
        .bind(helper_id)
        .bind(before)
        .bind(&before_id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .into_iter()
        .map(ReviewRow::into_wire)
        .collect::<Result<Vec<_>>>()?;
    Ok(into_page(items, size, |h| {
        crate::pagination::encode(&[&h.created_at.to_string(), &h.id])
    }))
}

/// The request as the wire shows it.
pub async fn to_wire(conn: &mut AnyConnection, row: RequestRow) -> Result<HelpRequest> {
    let helper = match &row.helper_id {
        Some(id) => Some(author(conn, id).await?),
        None => None,
    };
    let review = review_of(conn, &row.id).await?;
    let status = row.status();
    Ok(HelpRequest {
        requester: row.author.into_author(row.user_id),
        photos: json_column(&row.photos, "request photos")?,
        category: RequestCategory::parse(&row.category).unwrap_or(RequestCategory::Other),
        id: row.id,
        title: row.title,
        region: row.region,
        place_id: row.place_id,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        budget_min_krw: row.budget_min_krw,
        budget_max_krw: row.budget_max_krw,
        details: row.details,
        community_id: row.community_id,
        status,
        quote_count: row.quote_count,
        accepted_quote_id: row.accepted_quote_id,
        helper,
        price_krw: row.price_krw,
        room_id: row.room_id,
        review,
        closing_note: row.closing_note,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Records request `id` as it now stands in every bucket that shows it,
/// and keeps its search entry (open requests offered to everyone only).
pub async fn publish(conn: &mut AnyConnection, id: &str, now: i64) -> Result<HelpRequest> {
    let row = row(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("a changed request is gone".into()))?;
    let hidden = row.hidden_at.is_some();
    let mut shared = vec![match &row.community_id {
        Some(c) => community_bucket(c),
        None => SHOP.to_owned(),
    }];
    if let Some(helper) = &row.helper_id {
        shared.push(user_bucket(helper));
    }
    let own = user_bucket(&row.user_id);
    let searchable = !hidden && row.community_id.is_none() && row.status() == RequestStatus::Open;
    let request = to_wire(conn, row).await?;
    if searchable {
        index(conn, &request).await?;
    } else {
        search::remove(conn, moa_protocol::SearchKind::Request, &request.id).await?;
    }
    changelog::record_content(
        conn,
        Content {
            entity: EntityKind::HelpRequest,
            id,
            value: &request,
            deleted: false,
            hidden,
            shared,
            own,
        },
        now,
    )
    .await?;
    Ok(request)
}

/// Indexes stored request `id` as [`publish`] would (the search backfill).
pub async fn reindex(conn: &mut AnyConnection, id: &str) -> Result<()> {
    let Some(row) = row(conn, id).await? else {
        return Ok(());
    };
    if row.hidden_at.is_none() && row.community_id.is_none() && row.status() == RequestStatus::Open
    {
        let request = to_wire(conn, row).await?;
        index(conn, &request).await?;
    }
    Ok(())
}

async fn index(conn: &mut AnyConnection, request: &HelpRequest) -> Result<()> {
    search::put(
        conn,
        &search::Doc {
            kind: moa_protocol::SearchKind::Request,
            id: &request.id,
            author_id: Some(&request.requester.id),
            title: &request.title,
            body: &request.details,
            extra: &format!("{} {}", request.region, request.category.label_ko()),
            photo_id: request.photos.first().map(String::as_str),
            created_at: request.created_at,
        },
    )
    .await
}

/// Records quote `id` in the requester's and the quoter's own buckets.
pub async fn publish_quote(conn: &mut AnyConnection, id: &str, now: i64) -> Result<Quote> {
    let row = quote_row(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("a changed quote is gone".into()))?;
    let requester: String = sqlx::query_scalar("SELECT user_id FROM requests WHERE id = $1")
        .bind(&row.request_id)
        .fetch_one(&mut *conn)
        .await?;
    let buckets = vec![user_bucket(&requester), user_bucket(&row.user_id)];
    let quote = row.into_wire();
    changelog::record(
        conn,
        Change::upsert(
            EntityKind::Quote,
            id,
            crate::util::to_json(&quote)?,
            buckets,
        ),
        now,
    )
    .await?;
    Ok(quote)
}

/// The reader's community (`None` for members of none and anonymous readers).
pub async fn community_of(conn: &mut AnyConnection, user_id: &str) -> Result<Option<String>> {
    if user_id.is_empty() {
        return Ok(None);
    }
    Ok(
        sqlx::query_scalar::<_, Option<String>>("SELECT community_id FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .flatten(),
    )
}

/// Whether `reader` (`""`: anonymous) may see the request.
pub async fn visible(
    conn: &mut AnyConnection,
    row: &RequestRow,
    reader: &str,
    moderator: bool,
) -> Result<bool> {
    if moderator || row.user_id == reader || row.helper_id.as_deref() == Some(reader) {
        return Ok(true);
    }
    if row.hidden_at.is_some() {
        return Ok(false);
    }
    Ok(match &row.community_id {
        None => true,
        Some(c) => community_of(conn, reader).await?.as_deref() == Some(c),
    })
}

/// Request `id` for `reader`, or 404 when they may not see it.
pub async fn get_for(
    conn: &mut AnyConnection,
    id: &str,
    reader: &str,
    moderator: bool,
) -> Result<RequestRow> {
    let row = row(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound("no such request".into()))?;
    if !visible(conn, &row, reader, moderator).await? {
        return Err(Error::NotFound("no such request".into()));
    }
    Ok(row)
}

/// The fields of a request as checked, ready to store.
struct Checked {
    title: String,
    region: String,
    details: String,
    photos: Vec<String>,
    starts_on: String,
    ends_on: String,
    expires_at: i64,
    place_id: Option<String>,
}

/// Checks everything that needs no database but today's date.
fn check(input: &RequestInput, now: i64) -> Result<Checked> {
    validate::uuid("id", &input.id)?;
    let title = validate::text("title", &input.title, 2, MAX_REQUEST_TITLE_CHARS)?;
    let region = validate::text("region", &input.region, 1, MAX_REGION_CHARS)?;
    let details = validate::text("details", &input.details, 0, MAX_REQUEST_DETAILS_CHARS)?;
    let photos = validate::media_ids("photos", &input.photos, MAX_REQUEST_PHOTOS)?;
    let start = kst::parse_date(input.starts_on.trim())
        .ok_or_else(|| Error::invalid("starts_on", "a date as YYYY-MM-DD"))?;
    let end = kst::parse_date(input.ends_on.trim())
        .ok_or_else(|| Error::invalid("ends_on", "a date as YYYY-MM-DD"))?;
    let today = kst::day_start(now);
    if end < today {
        return Err(Error::invalid("ends_on", "the dates are in the past"));
    }
    if start > end {
        return Err(Error::invalid("starts_on", "must not be after ends_on"));
    }
    if end > today + MAX_REQUEST_DAYS_AHEAD * DAY_MS {
        return Err(Error::invalid(
            "ends_on",
            format!("at most {MAX_REQUEST_DAYS_AHEAD} days ahead"),
        ));
    }
    for (field, v) in [
        ("budget_min_krw", input.budget_min_krw),
        ("budget_max_krw", input.budget_max_krw),
    ] {
        if !(0..=MAX_REQUEST_PRICE_KRW).contains(&v) {
            return Err(Error::invalid(
                field,
                format!("0 to {MAX_REQUEST_PRICE_KRW} won"),
            ));
        }
    }
    if input.budget_min_krw > input.budget_max_krw {
        return Err(Error::invalid(
            "budget_min_krw",
            "must not be more than budget_max_krw",
        ));
    }
    let place_id = match input.place_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => {
            validate::uuid("place_id", id)?;
            Some(id.to_owned())
        }
    };
    Ok(Checked {
        title,
        region,
        details,
        photos,
        starts_on: kst::date_of(start),
        ends_on: kst::date_of(end),
        expires_at: end + DAY_MS,
        place_id,
    })
}

async fn check_place(conn: &mut AnyConnection, place_id: Option<&str>) -> Result<()> {
    if let Some(id) = place_id {
        let known: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM places WHERE id = $1 AND deleted_at IS NULL")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        if known.is_none() {
            return Err(Error::invalid("place_id", "no such place"));
        }
    }
    Ok(())
}

/// Posts a request; the same id again (a retried push) answers the stored
/// request.
pub async fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &RequestInput,
    now: i64,
) -> Result<HelpRequest> {
    actor.ensure_can_write()?;
    validate::uuid("id", &input.id)?;
    if let Some(existing) = row(conn, &input.id).await? {
        // A retried push or POST answers what was stored.
        if existing.user_id == actor.user_id {
            return to_wire(conn, existing).await;
        }
        return Err(Error::conflict(
            ErrorCode::Conflict,
            "this request id is taken",
        ));
    }
    let c = check(input, now)?;
    check_place(conn, c.place_id.as_deref()).await?;
    let community = if input.community_only {
        Some(
            community_of(conn, &actor.user_id)
                .await?
                .ok_or_else(|| Error::invalid("community_only", "you are in no community"))?,
        )
    } else {
        None
    };
    attach_photos(
        conn,
        &actor.user_id,
        RefType::Request,
        &input.id,
        "photos",
        &c.photos,
    )
    .await?;
    save(
        conn,
        &input.id,
        &actor.user_id,
        input,
        &c,
        community.as_deref(),
        now,
    )
    .await?;
    schedule_expiry(conn, &input.id, c.expires_at, now).await?;
    publish(conn, &input.id, now).await
}

async fn schedule_expiry(
    conn: &mut AnyConnection,
    id: &str,
    expires_at: i64,
    now: i64,
) -> Result<()> {
    let key = format!("{REQUEST_EXPIRY}:{id}");
    jobs::schedule(
        conn,
        REQUEST_EXPIRY,
        &key,
        &serde_json::json!({ "request_id": id }),
        expires_at,
        now,
    )
    .await?;
    jobs::reschedule(conn, &key, expires_at).await
}

/// Stores a request's fields: a new row (open, created now), or the
/// fields of an existing one (its requester, state and creation stay).
#[allow(clippy::too_many_arguments)]
async fn save(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
    input: &RequestInput,
    c: &Checked,
    community: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO requests (id, user_id, title, category, region, place_id, starts_on, ends_on, \
         budget_min_krw, budget_max_krw, details, photos, community_id, status, expires_at, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14, $15, $15) \
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, category = excluded.category, \
         region = excluded.region, place_id = excluded.place_id, starts_on = excluded.starts_on, \
         ends_on = excluded.ends_on, budget_min_krw = excluded.budget_min_krw, \
         budget_max_krw = excluded.budget_max_krw, details = excluded.details, \
         photos = excluded.photos, community_id = excluded.community_id, \
         expires_at = excluded.expires_at, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(user_id)
    .bind(&c.title)
    .bind(input.category.as_str())
    .bind(&c.region)
    .bind(&c.place_id)
    .bind(&c.starts_on)
    .bind(&c.ends_on)
    .bind(input.budget_min_krw)
    .bind(input.budget_max_krw)
    .bind(&c.details)
    .bind(to_json_text(&c.photos)?)
    .bind(community)
    .bind(c.expires_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The requester's own request, for a change only they may make.
async fn own(conn: &mut AnyConnection, actor: &Actor, id: &str) -> Result<RequestRow> {
    let row = get_for(conn, id, &actor.user_id, false).await?;
    if row.user_id != actor.user_id {
        return Err(Error::Forbidden {
            code: ErrorCode::NotAuthor,
            message: "only the requester may do this".into(),
        });
    }
    Ok(row)
}

fn closed(status: RequestStatus) -> Error {
    Error::conflict(
        ErrorCode::RequestClosed,
        format!("the request is {} and no longer open", status.as_str()),
    )
}

/// Replaces an open request's fields (the requester's).
pub async fn edit(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &RequestInput,
    now: i64,
) -> Result<HelpRequest> {
    actor.ensure_can_write()?;
    let c = check(input, now)?;
    let row = own(conn, actor, &input.id).await?;
    if row.status() != RequestStatus::Open {
        return Err(closed(row.status()));
    }
    check_place(conn, c.place_id.as_deref()).await?;
    let community = if input.community_only {
        match row.community_id.clone() {
            Some(c) => Some(c),
            None => Some(
                community_of(conn, &actor.user_id)
                    .await?
                    .ok_or_else(|| Error::invalid("community_only", "you are in no community"))?,
            ),
        }
    } else {
        None
    };
    if community != row.community_id {
        // It leaves the bucket it was in.
        let old = match &row.community_id {
            Some(c) => community_bucket(c),
            None => SHOP.to_owned(),
        };
        changelog::record(
            conn,
            Change::delete(EntityKind::HelpRequest, &row.id, vec![old]),
            now,
        )
        .await?;
    }
    attach_photos(
        conn,
        &actor.user_id,
        RefType::Request,
        &row.id,
        "photos",
        &c.photos,
    )
    .await?;
    save(
        conn,
        &row.id,
        &row.user_id,
        input,
        &c,
        community.as_deref(),
        now,
    )
    .await?;
    schedule_expiry(conn, &row.id, c.expires_at, now).await?;
    publish(conn, &row.id, now).await
}

/// Makes or edits the member's one quote on an open request.
pub async fn set_quote(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &QuoteInput,
    now: i64,
) -> Result<Quote> {
    actor.ensure_can_write()?;
    validate::uuid("id", &input.id)?;
    if !(1..=MAX_REQUEST_PRICE_KRW).contains(&input.price_krw) {
        return Err(Error::invalid(
            "price_krw",
            format!("1 to {MAX_REQUEST_PRICE_KRW} won"),
        ));
    }
    let message = validate::text("message", &input.message, 1, MAX_QUOTE_MESSAGE_CHARS)?;
    let request = get_for(conn, &input.request_id, &actor.user_id, false).await?;
    if request.user_id == actor.user_id {
        return Err(Error::conflict(
            ErrorCode::OwnRequest,
            "you cannot quote on your own request",
        ));
    }
    let mine: Option<QuoteRow> = {
        let sql = format!(
            "SELECT {QUOTE_COLUMNS}, {AUTHOR_COLUMNS} FROM quotes q JOIN users u ON u.id = q.user_id \
             WHERE q.request_id = $1 AND q.user_id = $2"
        );
        sqlx::query_as(&sql)
            .bind(&request.id)
            .bind(&actor.user_id)
            .fetch_optional(&mut *conn)
            .await?
    };
    if let Some(q) = &mine
        && q.id == input.id
        && q.status() == QuoteStatus::Active
        && q.price_krw == input.price_krw
        && q.message == message
    {
        // A replay of the same quote.
        return publish_quote(conn, &q.id, now).await;
    }
    if request.status() != RequestStatus::Open {
        return Err(closed(request.status()));
    }
    if let Some(id) = quote_id_taken(conn, &input.id, &actor.user_id, &request.id).await? {
        return Err(Error::conflict(
            ErrorCode::Conflict,
            format!("quote id {id} is taken"),
        ));
    }
    let id = match mine {
        Some(q) => {
            let was_active = q.status() == QuoteStatus::Active;
            sqlx::query(
                "UPDATE quotes SET price_krw = $1, message = $2, status = 'active', updated_at = $3 \
                 WHERE id = $4",
            )
            .bind(input.price_krw)
            .bind(&message)
            .bind(now)
            .bind(&q.id)
            .execute(&mut *conn)
            .await?;
            if !was_active {
                bump_quotes(conn, &request.id, 1, now).await?;
                tell_requester(conn, &request, actor, input.price_krw, now).await?;
            }
            q.id
        }
        None => {
            sqlx::query(
                "INSERT INTO quotes (id, request_id, user_id, price_krw, message, status, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'active', $6, $6)",
            )
            .bind(&input.id)
            .bind(&request.id)
            .bind(&actor.user_id)
            .bind(input.price_krw)
            .bind(&message)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            bump_quotes(conn, &request.id, 1, now).await?;
            tell_requester(conn, &request, actor, input.price_krw, now).await?;
            input.id.clone()
        }
    };
    publish(conn, &request.id, now).await?;
    publish_quote(conn, &id, now).await
}

/// A quote id used by someone else or on another request.
async fn quote_id_taken(
    conn: &mut AnyConnection,
    id: &str,
    user_id: &str,
    request_id: &str,
) -> Result<Option<String>> {
    let other: Option<String> = sqlx::query_scalar(
        "SELECT id FROM quotes WHERE id = $1 AND (user_id <> $2 OR request_id <> $3)",
    )
    .bind(id)
    .bind(user_id)
    .bind(request_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(other)
}

async fn tell_requester(
    conn: &mut AnyConnection,
    request: &RequestRow,
    actor: &Actor,
    price: i64,
    now: i64,
) -> Result<()> {
    let preview = format!("{}: {}원 견적", request.title, won(price));
    tell(
        conn,
        &request.user_id,
        NotificationKind::QuoteReceived,
        Some(&actor.user_id),
        &request.id,
        &preview,
        now,
    )
    .await
}

/// Tells `user_id` of `kind` on request `request_id` (a notification in
/// their own bucket, live over the socket).
async fn tell(
    conn: &mut AnyConnection,
    user_id: &str,
    kind: NotificationKind,
    actor_id: Option<&str>,
    request_id: &str,
    preview: &str,
    now: i64,
) -> Result<()> {
    notifications::notify(
        conn,
        Event {
            user_id,
            kind,
            actor_id,
            target_type: "request",
            target_id: request_id,
            review_id: None,
            preview,
        },
        now,
    )
    .await
}

/// `12,000`.
pub fn won(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

async fn bump_quotes(conn: &mut AnyConnection, request_id: &str, by: i64, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE requests SET quote_count = quote_count + $1, updated_at = $2 WHERE id = $3",
    )
    .bind(by)
    .bind(now)
    .bind(request_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Withdraws the member's active quote while the request is open.
pub async fn withdraw_quote(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> Result<Quote> {
    actor.ensure_can_write()?;
    let quote = quote_row(conn, id)
        .await?
        .filter(|q| q.user_id == actor.user_id)
        .ok_or_else(|| Error::NotFound("no such quote".into()))?;
    match quote.status() {
        QuoteStatus::Withdrawn => return publish_quote(conn, id, now).await,
        QuoteStatus::Active => {}
        other => {
            return Err(Error::conflict(
                ErrorCode::InvalidState,
                format!("the quote is {} and cannot be withdrawn", other.as_str()),
            ));
        }
    }
    let request = row(conn, &quote.request_id)
        .await?
        .ok_or_else(|| Error::Internal("a quote's request is gone".into()))?;
    if request.status() != RequestStatus::Open {
        return Err(closed(request.status()));
    }
    sqlx::query("UPDATE quotes SET status = 'withdrawn', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    bump_quotes(conn, &request.id, -1, now).await?;
    publish(conn, &request.id, now).await?;
    publish_quote(conn, id, now).await
}

/// The text of the first message in the pair's room.
fn opening_message(request: &RequestRow, price: i64) -> String {
    format!(
        "📌 부탁 「{}」의 견적({}원)이 수락되었어요. 포인트 {}P가 보관되었고, 완료를 확인하면 도우미에게 지급됩니다. 이 방에서 자세한 이야기를 나눠 주세요.",
        request.title,
        won(price),
        won(price)
    )
}

/// Accepts a quote: the request is matched, the price held from the
/// requester's points (refused when short), the other quoters told, and a
/// direct room opened between the two with a message naming the request.
pub async fn accept(
    conn: &mut AnyConnection,
    actor: &Actor,
    request_id: &str,
    quote_id: &str,
    now: i64,
) -> Result<(moa_protocol::AcceptedQuote, Events)> {
    actor.ensure_can_write()?;
    let request = own(conn, actor, request_id).await?;
    let quote = quote_row(conn, quote_id)
        .await?
        .filter(|q| q.request_id == request.id)
        .ok_or_else(|| Error::invalid("quote_id", "no such quote on this request"))?;
    if request.status() == RequestStatus::Matched
        && request.accepted_quote_id.as_deref() == Some(quote_id)
    {
        // Accepted before (another device, a retry): the same answer.
        let wallet = points::wallet(conn, &actor.user_id).await?;
        let quote = quote.into_wire();
        let request = to_wire(conn, request).await?;
        return Ok((
            moa_protocol::AcceptedQuote {
                request,
                quote,
                wallet,
            },
            Vec::new(),
        ));
    }
    if request.status() != RequestStatus::Open {
        return Err(closed(request.status()));
    }
    if quote.status() != QuoteStatus::Active {
        return Err(Error::conflict(
            ErrorCode::InvalidState,
            "the quote was withdrawn",
        ));
    }
    let price = quote.price_krw;
    let note = format!("부탁: {}", request.title);
    points::move_points(
        conn,
        Ledger {
            user_id: &actor.user_id,
            kind: PointKind::Hold,
            amount: -price,
            held: price,
            cause: ("request", &request.id),
            note: &note,
        },
        now,
    )
    .await?;
    // The pair's room (the direct room they already have, if any).
    let (created, mut events) = crate::chat::service::create_room(
        conn,
        actor,
        &CreateRoomRequest {
            id: new_id(),
            kind: RoomKind::Direct,
            members: vec![quote.user_id.clone()],
            name: None,
            photo_media_id: None,
        },
        now,
    )
    .await?;
    let room_id = created.room.id.clone();
    let ((_, _), sent) = crate::chat::service::send(
        conn,
        actor,
        &room_id,
        &SendMessageRequest {
            id: new_id(),
            body: opening_message(&request, price),
            media: Vec::new(),
            reply_to: None,
        },
        now,
    )
    .await?;
    events.extend(sent);
    sqlx::query(
        "UPDATE requests SET status = 'matched', accepted_quote_id = $1, helper_id = $2, \
         price_krw = $3, room_id = $4, updated_at = $5 WHERE id = $6 AND status = 'open'",
    )
    .bind(&quote.id)
    .bind(&quote.user_id)
    .bind(price)
    .bind(&room_id)
    .bind(now)
    .bind(&request.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE quotes SET status = 'accepted', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&quote.id)
        .execute(&mut *conn)
        .await?;
    let preview = format!("{}: {}원", request.title, won(price));
    tell(
        conn,
        &quote.user_id,
        NotificationKind::QuoteAccepted,
        Some(&actor.user_id),
        &request.id,
        &preview,
        now,
    )
    .await?;
    decline_others(conn, &request, Some(&quote.id), now).await?;
    let request = publish(conn, &request.id, now).await?;
    let quote = publish_quote(conn, quote_id, now).await?;
    let wallet = points::wallet(conn, &actor.user_id).await?;
    Ok((
        moa_protocol::AcceptedQuote {
            request,
            quote,
            wallet,
        },
        events,
    ))
}

/// Declines every active quote but `keep`, telling each quoter.
async fn decline_others(
    conn: &mut AnyConnection,
    request: &RequestRow,
    keep: Option<&str>,
    now: i64,
) -> Result<()> {
    let others: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, user_id FROM quotes WHERE request_id = $1 AND status = 'active' AND id <> $2",
    )
    .bind(&request.id)
    .bind(keep.unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    for (id, user_id) in &others {
        sqlx::query("UPDATE quotes SET status = 'declined', updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        let (kind, preview) = if keep.is_some() {
            (
                NotificationKind::QuoteDeclined,
                format!("{}: 다른 견적이 선택되었어요", request.title),
            )
        } else {
            (
                NotificationKind::RequestCancelled,
                format!("{}: 부탁이 마감되었어요", request.title),
            )
        };
        tell(conn, user_id, kind, None, &request.id, &preview, now).await?;
        publish_quote(conn, id, now).await?;
    }
    if keep.is_some() {
        sqlx::query("UPDATE requests SET quote_count = 1 WHERE id = $1")
            .bind(&request.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The requester confirms the help: the held points go to the helper.
pub async fn complete(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> Result<HelpRequest> {
    actor.ensure_can_write()?;
    let request = own(conn, actor, id).await?;
    match request.status() {
        RequestStatus::Matched => {}
        RequestStatus::Completed => return to_wire(conn, request).await,
        other => {
            return Err(Error::conflict(
                ErrorCode::InvalidState,
                format!(
                    "only a matched request can be completed (this one is {})",
                    other.as_str()
                ),
            ));
        }
    }
    let (Some(helper), Some(price)) = (request.helper_id.clone(), request.price_krw) else {
        return Err(Error::Internal("a matched request has no helper".into()));
    };
    let note = format!("부탁: {}", request.title);
    points::settle_hold(conn, &actor.user_id, price, now).await?;
    points::move_points(
        conn,
        Ledger {
            user_id: &helper,
            kind: PointKind::Pay,
            amount: price,
            held: 0,
            cause: ("request", &request.id),
            note: &note,
        },
        now,
    )
    .await?;
    set_status(conn, &request.id, RequestStatus::Completed, None, now).await?;
    let preview = format!("{}: {}P 지급", request.title, won(price));
    tell(
        conn,
        &helper,
        NotificationKind::RequestCompleted,
        Some(&actor.user_id),
        &request.id,
        &preview,
        now,
    )
    .await?;
    publish(conn, &request.id, now).await
}

async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: RequestStatus,
    note: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE requests SET status = $1, closing_note = COALESCE($2, closing_note), \
         updated_at = $3 WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(note)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Either side cancels before completion: held points are released (once),
/// open quotes declined, the other side told.
pub async fn cancel(
    conn: &mut AnyConnection,
    actor: &Actor,
    args: &CancelRequestArgs,
    now: i64,
) -> Result<HelpRequest> {
    actor.ensure_can_write()?;
    let reason = validate::text("reason", &args.reason, 0, MAX_HELPER_REVIEW_CHARS)?;
    let request = get_for(conn, &args.id, &actor.user_id, false).await?;
    let is_requester = request.user_id == actor.user_id;
    let is_helper = request.helper_id.as_deref() == Some(actor.user_id.as_str());
    if !is_requester && !is_helper {
        return Err(Error::forbidden(
            "only the requester or the helper may cancel a request",
        ));
    }
    match request.status() {
        RequestStatus::Cancelled => return to_wire(conn, request).await,
        RequestStatus::Open | RequestStatus::Matched => {}
        other => {
            return Err(Error::conflict(
                ErrorCode::InvalidState,
                format!("a {} request cannot be cancelled", other.as_str()),
            ));
        }
    }
    release(conn, &request, now).await?;
    decline_others(conn, &request, None, now).await?;
    let note = if reason.is_empty() {
        if is_requester {
            "요청자가 취소했어요".to_owned()
        } else {
            "도우미가 취소했어요".to_owned()
        }
    } else {
        reason
    };
    set_status(
        conn,
        &request.id,
        RequestStatus::Cancelled,
        Some(&note),
        now,
    )
    .await?;
    let other = if is_requester {
        request.helper_id.clone()
    } else {
        Some(request.user_id.clone())
    };
    if let Some(other) = other {
        let preview = format!("{}: {note}", request.title);
        tell(
            conn,
            &other,
            NotificationKind::RequestCancelled,
            Some(&actor.user_id),
            &request.id,
            &preview,
            now,
        )
        .await?;
    }
    publish(conn, &request.id, now).await
}

/// Gives a matched request's held points back to the requester (once: the
/// ledger has one release per request).
async fn release(conn: &mut AnyConnection, request: &RequestRow, now: i64) -> Result<()> {
    if request.status() != RequestStatus::Matched {
        return Ok(());
    }
    let Some(price) = request.price_krw else {
        return Ok(());
    };
    let note = format!("부탁 취소: {}", request.title);
    points::move_points(
        conn,
        Ledger {
            user_id: &request.user_id,
            kind: PointKind::Release,
            amount: price,
            held: -price,
            cause: ("request", &request.id),
            note: &note,
        },
        now,
    )
    .await?;
    if let Some(quote) = &request.accepted_quote_id {
        sqlx::query("UPDATE quotes SET status = 'declined', updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(quote)
            .execute(&mut *conn)
            .await?;
        publish_quote(conn, quote, now).await?;
    }
    Ok(())
}

/// The requester's review of the helper of a completed request (once).
pub async fn review(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &HelperReviewInput,
    now: i64,
) -> Result<HelperReview> {
    actor.ensure_can_write()?;
    if !(1..=5).contains(&input.rating) {
        return Err(Error::invalid("rating", "1 to 5"));
    }
    let text = validate::text("text", &input.text, 0, MAX_HELPER_REVIEW_CHARS)?;
    let photos = validate::media_ids("photos", &input.photos, MAX_REQUEST_PHOTOS)?;
    let request = own(conn, actor, &input.request_id).await?;
    if let Some(existing) = review_of(conn, &request.id).await? {
        return Ok(existing);
    }
    if request.status() != RequestStatus::Completed {
        return Err(Error::conflict(
            ErrorCode::InvalidState,
            "a helper is reviewed once the request is completed",
        ));
    }
    let helper = request
        .helper_id
        .clone()
        .ok_or_else(|| Error::Internal("a completed request has no helper".into()))?;
    let id = new_id();
    attach_photos(
        conn,
        &actor.user_id,
        RefType::HelperReview,
        &id,
        "photos",
        &photos,
    )
    .await?;
    sqlx::query(
        "INSERT INTO helper_reviews (id, request_id, reviewer_id, helper_id, rating, text, photos, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(&request.id)
    .bind(&actor.user_id)
    .bind(&helper)
    .bind(input.rating)
    .bind(&text)
    .bind(to_json_text(&photos)?)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE users SET helper_review_count = helper_review_count + 1, \
         helper_rating_sum = helper_rating_sum + $1 WHERE id = $2",
    )
    .bind(input.rating)
    .bind(&helper)
    .execute(&mut *conn)
    .await?;
    if let Some(user) = crate::users::service::find_by_id(conn, &helper).await? {
        crate::users::service::publish(conn, &user, now).await?;
    }
    let preview = format!(
        "{}: {}",
        request.title,
        "★".repeat(usize::try_from(input.rating).unwrap_or(0))
    );
    tell(
        conn,
        &helper,
        NotificationKind::HelperReviewed,
        Some(&actor.user_id),
        &request.id,
        &preview,
        now,
    )
    .await?;
    let request = publish(conn, &request.id, now).await?;
    request
        .review
        .ok_or_else(|| Error::Internal("a stored review is gone".into()))
}

/// The quotes `reader` may see on a request: all of them for the requester
/// (and moderators), their own for anyone else.
pub async fn quotes_for(
    conn: &mut AnyConnection,
    request: &RequestRow,
    reader: &str,
    moderator: bool,
) -> Result<Vec<Quote>> {
    let all = moderator || request.user_id == reader;
    let sql = format!(
        "SELECT {QUOTE_COLUMNS}, {AUTHOR_COLUMNS} FROM quotes q JOIN users u ON u.id = q.user_id \
         WHERE q.request_id = $1 AND ($2 = 1 OR q.user_id = $3) ORDER BY q.created_at, q.id"
    );
    let rows: Vec<QuoteRow> = sqlx::query_as(&sql)
        .bind(&request.id)
        .bind(i64::from(all))
        .bind(reader)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(QuoteRow::into_wire).collect())
}

/// Filters of the open-request feed.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    pub category: Option<RequestCategory>,
    /// Text the region contains.
    pub region: String,
    /// Only requests whose budget reaches this much (`budget_max >= n`).
    pub budget_min: Option<i64>,
    /// Only requests whose budget starts at most this much (`budget_min <= n`).
    pub budget_max: Option<i64>,
}

/// Open requests the reader may see, newest first, in cursor pages.
pub async fn list_open(
    conn: &mut AnyConnection,
    reader: &str,
    filters: &Filters,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<moa_protocol::Page<HelpRequest>> {
    use crate::pagination::{below_int_id, encode, into_page, page_size};
    let size = page_size(limit);
    let (before, before_id) = below_int_id(cursor)?;
    let community = community_of(conn, reader).await?;
    let sql = format!(
        "SELECT {REQUEST_COLUMNS}, {AUTHOR_COLUMNS} FROM requests r JOIN users u ON u.id = r.user_id \
         WHERE r.status = 'open' AND r.hidden_at IS NULL \
         AND (r.community_id IS NULL OR r.community_id = $1 OR r.user_id = $2) \
         AND ($3 = '' OR r.category = $3) \
         AND ($4 = '' OR LOWER(r.region) LIKE $5 ESCAPE '\\') \
         AND r.budget_max_krw >= $6 AND r.budget_min_krw <= $7 \
         AND (r.created_at, r.id) < ($8, $9) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT $10"
    );
    let region = filters.region.trim().to_lowercase();
    let rows: Vec<RequestRow> = sqlx::query_as(&sql)
        .bind(community.unwrap_or_default())
        .bind(reader)
        .bind(filters.category.map_or("", RequestCategory::as_str))
        .bind(&region)
        .bind(crate::util::like_pattern(&region))
        .bind(filters.budget_min.unwrap_or(0))
        .bind(filters.budget_max.unwrap_or(i64::MAX))
        .bind(before)
        .bind(&before_id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(to_wire(conn, row).await?);
    }
    Ok(into_page(items, size, |r| {
        encode(&[&r.created_at.to_string(), &r.id])
    }))
}

/// Which of the member's own requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mine {
    /// The ones they posted.
    Posted,
    /// The ones they help with (a quote accepted).
    Helping,
}

/// The member's requests, newest first.
pub async fn mine(
    conn: &mut AnyConnection,
    user_id: &str,
    which: Mine,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<moa_protocol::Page<HelpRequest>> {
    use crate::pagination::{below_int_id, encode, into_page, page_size};
    let size = page_size(limit);
    let (before, before_id) = below_int_id(cursor)?;
    let column = match which {
        Mine::Posted => "r.user_id",
        Mine::Helping => "r.helper_id",
    };
    let sql = format!(
        "SELECT {REQUEST_COLUMNS}, {AUTHOR_COLUMNS} FROM requests r JOIN users u ON u.id = r.user_id \
         WHERE {column} = $1 AND (r.created_at, r.id) < ($2, $3) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT $4"
    );
    let rows: Vec<RequestRow> = sqlx::query_as(&sql)
        .bind(user_id)
        .bind(before)
        .bind(&before_id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(to_wire(conn, row).await?);
    }
    Ok(into_page(items, size, |r| {
        encode(&[&r.created_at.to_string(), &r.id])
    }))
}

/// The member's quotes, latest change first.
pub async fn my_quotes(
    conn: &mut AnyConnection,
    user_id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<moa_protocol::Page<Quote>> {
    use crate::pagination::{below_int_id, encode, into_page, page_size};
    let size = page_size(limit);
    let (before, before_id) = below_int_id(cursor)?;
    let sql = format!(
        "SELECT {QUOTE_COLUMNS}, {AUTHOR_COLUMNS} FROM quotes q JOIN users u ON u.id = q.user_id \
         WHERE q.user_id = $1 AND (q.updated_at, q.id) < ($2, $3) \
         ORDER BY q.updated_at DESC, q.id DESC LIMIT $4"
    );
    let rows: Vec<QuoteRow> = sqlx::query_as(&sql)
        .bind(user_id)
        .bind(before)
        .bind(&before_id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items: Vec<Quote> = rows.into_iter().map(QuoteRow::into_wire).collect();
    Ok(into_page(items, size, |q| {
        encode(&[&q.updated_at.to_string(), &q.id])
    }))
}

/// The expiry job: an open request whose dates passed expires (its quotes
/// declined); any other state is left as it is.
pub async fn expire(state: &crate::state::AppState, job: &jobs::Job) -> Result<()> {
    let id = job.text("request_id")?.to_owned();
    let now = crate::util::now_ms();
    state
        .write_quiet(async |tx| {
            let Some(request) = row(tx, &id).await? else {
                return Ok(());
            };
            if request.status() != RequestStatus::Open {
                return Ok(());
            }
            if request.expires_at > now {
                // Edited to later dates: the job was moved; run then.
                return jobs::reschedule(tx, &job.key, request.expires_at).await;
            }
            decline_others(tx, &request, None, now).await?;
            set_status(
                tx,
                &request.id,
                RequestStatus::Expired,
                Some("기간이 지나 마감되었어요"),
                now,
            )
            .await?;
            publish(tx, &request.id, now).await?;
            Ok(())
        })
        .await
}

/// Hides or restores a request (moderation).
pub async fn set_hidden(
    conn: &mut AnyConnection,
    id: &str,
    hidden: bool,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE requests SET hidden_at = CASE WHEN $1 = 1 THEN $2 ELSE NULL END, updated_at = $2 \
         WHERE id = $3",
    )
    .bind(i64::from(hidden))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    publish(conn, id, now).await?;
    Ok(true)
}

/// What moderators see of a reported request: it, its quotes and the
/// pair's latest messages.
pub async fn moderation_view(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<serde_json::Value>> {
    let Some(row) = row(conn, id).await? else {
        return Ok(None);
    };
    let room = row.room_id.clone();
    let quotes = quotes_for(conn, &row, "", true).await?;
    let request = to_wire(conn, row).await?;
    let messages = match room {
        Some(room) => crate::chat::service::latest_messages(conn, &room, 50).await?,
        None => Vec::new(),
    };
    Ok(Some(serde_json::json!({
        "request": request,
        "quotes": quotes,
        "messages": messages,
    })))
}

#[cfg(test)]
mod tests {
    use super::won;

    #[test]
    fn won_groups_thousands() {
        assert_eq!(won(0), "0");
        assert_eq!(won(999), "999");
        assert_eq!(won(1000), "1,000");
        assert_eq!(won(1234567), "1,234,567");
        assert_eq!(won(-50000), "-50,000");
    }
}
