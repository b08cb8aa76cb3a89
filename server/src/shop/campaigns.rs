//! Campaigns: a sellable product at a group price, offered to some
//! communities (or everyone) from a start to a deadline, with a minimum of
//! paid participants, a stock and a per-member limit.
//!
//! A campaign's row keeps its live counts (`reserved` units held by pending
//! and paid orders, `paid_units`, `participants`), updated in the write
//! that changes them; each change is recorded in the campaign's buckets
//! (`public` for everyone, else `community:<id>` of each community), which
//! is how the count reaches every viewer: their waiting sync pulls wake, no
//! request per viewer. Members of other communities cannot see a
//! community-only campaign: it answers 404.

use moa_protocol::shop::{MAX_CAMPAIGN_STOCK, MAX_ORDER_QUANTITY, MAX_SHOP_NAME_CHARS};
use moa_protocol::{
    Campaign, CampaignScrap, CampaignStatus, CreateCampaignRequest, EntityKind, ErrorCode, Page,
    Role,
};
use sqlx::AnyConnection;

use crate::actor::{Actor, Reader};
use crate::changelog::{self, Change, SHOP, community_bucket};
use crate::error::{Error, Result};
use crate::jobs;
use crate::pagination::{self, into_page, page_size};
use crate::shop::products;
use crate::util::{new_id, to_json};
use crate::validate;

use super::jobs::{CAMPAIGN_DEADLINE, CAMPAIGN_ENDING_SOON};

/// A campaign row (the product is read separately).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: String,
    pub product_id: String,
    pub title: String,
    pub everyone: i64,
    pub group_price_krw: i64,
    pub min_participants: i64,
    pub stock: i64,
    pub reserved: i64,
    pub paid_units: i64,
    pub participants: i64,
    pub per_member_limit: i64,
    pub starts_at: i64,
    pub deadline_at: i64,
    pub status: String,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, product_id, title, everyone, group_price_krw, min_participants, stock, \
     reserved, paid_units, participants, per_member_limit, starts_at, deadline_at, status, \
     closed_at, created_at, updated_at";

impl CampaignRow {
    pub fn status(&self) -> CampaignStatus {
        CampaignStatus::parse(&self.status).unwrap_or(CampaignStatus::Cancelled)
    }

    /// Whether it takes orders at `now`.
    pub fn taking_orders(&self, now: i64) -> bool {
        self.status() == CampaignStatus::Open && self.starts_at <= now && now < self.deadline_at
    }
}

/// The row of campaign `id`.
pub async fn row(conn: &mut AnyConnection, id: &str) -> Result<Option<CampaignRow>> {
    if !crate::util::is_uuid(id) {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1");
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The communities a campaign is offered to (none: everyone).
pub async fn communities_of(conn: &mut AnyConnection, id: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT community_id FROM campaign_communities WHERE campaign_id = $1 ORDER BY community_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The campaign as the wire shows it.
pub async fn to_wire(conn: &mut AnyConnection, row: &CampaignRow) -> Result<Campaign> {
    let product = products::get(conn, &row.product_id)
        .await?
        .ok_or_else(|| Error::Internal("a campaign's product is gone".into()))?;
    Ok(Campaign {
        id: row.id.clone(),
        title: row.title.clone(),
        product,
        community_ids: communities_of(conn, &row.id).await?,
        group_price_krw: row.group_price_krw,
        min_participants: row.min_participants,
        participants: row.participants,
        stock: row.stock,
        remaining: (row.stock - row.reserved).max(0),
        per_member_limit: row.per_member_limit,
        starts_at: row.starts_at,
        deadline_at: row.deadline_at,
        status: row.status(),
        closed_at: row.closed_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Whether `reader` may see the campaign: offered to everyone, to the
/// reader's community, or the reader is an admin.
pub async fn visible(conn: &mut AnyConnection, row: &CampaignRow, reader: &Reader) -> Result<bool> {
    if row.everyone != 0 {
        return Ok(true);
    }
    let Some(actor) = &reader.0 else {
        return Ok(false);
    };
    if actor.role >= Role::Admin {
        return Ok(true);
    }
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_communities cc JOIN users u ON u.community_id = cc.community_id \
         WHERE cc.campaign_id = $1 AND u.id = $2",
    )
    .bind(&row.id)
    .bind(&actor.user_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// The campaign `id` if `reader` may see it, else 404.
pub async fn visible_row(
    conn: &mut AnyConnection,
    id: &str,
    reader: &Reader,
) -> Result<CampaignRow> {
    match row(conn, id).await? {
        Some(row) if visible(conn, &row, reader).await? => Ok(row),
        _ => Err(Error::NotFound("no such campaign".into())),
    }
}

/// Records the campaign's current state in its buckets (after any change
/// of its counts or status), in the caller's transaction.
pub async fn publish(conn: &mut AnyConnection, id: &str, now: i64) -> Result<Campaign> {
    let row = row(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("a changed campaign is gone".into()))?;
    let campaign = to_wire(conn, &row).await?;
    let buckets = if campaign.community_ids.is_empty() {
        vec![SHOP.to_owned()]
    } else {
        campaign
            .community_ids
            .iter()
            .map(|c| community_bucket(c))
            .collect()
    };
    let change = Change::upsert(EntityKind::Campaign, id, to_json(&campaign)?, buckets);
    changelog::record(conn, change, now).await?;
    Ok(campaign)
}

/// Creates a campaign (admins) and schedules its deadline (and the
/// 24-hour reminder).
pub async fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreateCampaignRequest,
    now: i64,
) -> Result<Campaign> {
    actor.ensure_role(Role::Admin)?;
    validate::uuid("product_id", &req.product_id)?;
    let product = products::get(conn, &req.product_id)
        .await?
        .ok_or_else(|| Error::invalid("product_id", "no such product"))?;
    if product.archived {
        return Err(Error::invalid("product_id", "the product is archived"));
    }
    let title = match &req.title {
        Some(t) => validate::text("title", t, 1, MAX_SHOP_NAME_CHARS)?,
        None => product.name.clone(),
    };
    let price = products::price("group_price_krw", req.group_price_krw)?;
    if !(1..=MAX_CAMPAIGN_STOCK).contains(&req.stock) {
        return Err(Error::invalid(
            "stock",
            format!("must be 1 to {MAX_CAMPAIGN_STOCK}"),
        ));
    }
    if !(1..=req.stock).contains(&req.min_participants) {
        return Err(Error::invalid("min_participants", "must be 1 to the stock"));
    }
    if !(1..=MAX_ORDER_QUANTITY).contains(&req.per_member_limit) {
        return Err(Error::invalid(
            "per_member_limit",
            format!("must be 1 to {MAX_ORDER_QUANTITY}"),
        ));
    }
    let starts_at = req.starts_at.unwrap_or(now);
    if req.deadline_at <= starts_at.max(now) {
        return Err(Error::invalid(
            "deadline_at",
            "must be after the start and in the future",
        ));
    }
    let mut communities = req.community_ids.clone();
    communities.sort();
    communities.dedup();
    for (i, c) in communities.iter().enumerate() {
        let field = format!("community_ids[{i}]");
        validate::uuid(&field, c)?;
        if super::communities::get(conn, c).await?.is_none() {
            return Err(Error::invalid(field, "no such community"));
        }
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO campaigns (id, product_id, title, everyone, group_price_krw, \
         min_participants, stock, per_member_limit, starts_at, deadline_at, status, \
         created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $12, $12)",
    )
    .bind(&id)
    .bind(&product.id)
    .bind(&title)
    .bind(i64::from(communities.is_empty()))
    .bind(price)
    .bind(req.min_participants)
    .bind(req.stock)
    .bind(req.per_member_limit)
    .bind(starts_at)
    .bind(req.deadline_at)
    .bind(&actor.user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for c in &communities {
        sqlx::query("INSERT INTO campaign_communities (campaign_id, community_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(c)
            .execute(&mut *conn)
            .await?;
    }
    let payload = serde_json::json!({ "campaign_id": id });
    jobs::schedule(
        conn,
        CAMPAIGN_DEADLINE,
        &format!("{CAMPAIGN_DEADLINE}:{id}"),
        &payload,
        req.deadline_at,
        now,
    )
    .await?;
    let reminder = req.deadline_at - 24 * 3600 * 1000;
    if reminder > now {
        jobs::schedule(
            conn,
            CAMPAIGN_ENDING_SOON,
            &format!("{CAMPAIGN_ENDING_SOON}:{id}"),
            &payload,
            reminder,
            now,
        )
        .await?;
    }
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        "create_campaign",
        ("campaign", &id),
        serde_json::json!({ "title": title, "stock": req.stock }),
        now,
    )
    .await?;
    crate::search::service::put(
        conn,
        &crate::search::service::Doc {
            kind: moa_protocol::SearchKind::Campaign,
            id: &id,
            author_id: None,
            title: &title,
            body: &product.description,
            extra: &product.name,
            photo_id: product.photos.first().map(String::as_str),
            created_at: now,
        },
    )
    .await?;
    publish(conn, &id, now).await
}

/// Which campaigns a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Open ones, the deadline nearest first.
    Open,
    /// Closed ones, the latest closed first.
    Closed,
}

/// The campaigns `reader` may see.
pub async fn list(
    conn: &mut AnyConnection,
    reader: &Reader,
    listing: Listing,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Campaign>> {
    let size = page_size(limit);
    let admin = reader.0.as_ref().is_some_and(|a| a.role >= Role::Admin);
    let community = match &reader.0 {
        Some(a) => super::communities::of_member(conn, &a.user_id)
            .await?
            .unwrap_or_default(),
        None => String::new(),
    };
    let (sql, key) = match listing {
        Listing::Open => {
            let (at, id) = pagination::above_int_id(cursor)?;
            (
                format!(
                    "SELECT {COLUMNS} FROM campaigns c WHERE status = 'open' \
                     AND (deadline_at > $1 OR (deadline_at = $1 AND id > $2)) \
                     AND (everyone = 1 OR $3 = 1 OR EXISTS (SELECT 1 FROM campaign_communities cc \
                          WHERE cc.campaign_id = c.id AND cc.community_id = $4)) \
                     ORDER BY deadline_at, id LIMIT $5"
                ),
                (at, id),
            )
        }
        Listing::Closed => {
            let (at, id) = pagination::below_int_id(cursor)?;
            (
                format!(
                    "SELECT {COLUMNS} FROM campaigns c WHERE status <> 'open' \
                     AND (closed_at < $1 OR (closed_at = $1 AND id < $2)) \
                     AND (everyone = 1 OR $3 = 1 OR EXISTS (SELECT 1 FROM campaign_communities cc \
                          WHERE cc.campaign_id = c.id AND cc.community_id = $4)) \
                     ORDER BY closed_at DESC, id DESC LIMIT $5"
                ),
                (at, id),
            )
        }
    };
    let rows: Vec<CampaignRow> = sqlx::query_as(&sql)
        .bind(key.0)
        .bind(key.1)
        .bind(i64::from(admin))
        .bind(community)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(to_wire(conn, row).await?);
    }
    Ok(into_page(items, size, |c: &Campaign| {
        let at = match listing {
            Listing::Open => c.deadline_at,
            Listing::Closed => c.closed_at.unwrap_or(0),
        };
        pagination::encode(&[&at.to_string(), &c.id])
    }))
}

/// Remembers that a member looked at a campaign (for the 24-hour reminder).
pub async fn viewed(
    conn: &mut AnyConnection,
    campaign_id: &str,
    user_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO campaign_views (campaign_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(campaign_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Saves (찜) a campaign for the member, or lets it go (the desired state:
/// setting it twice is once). Another community's campaign is 404. The
/// member's devices hear of it through their bucket.
pub async fn set_scrap(
    conn: &mut AnyConnection,
    actor: &Actor,
    campaign_id: &str,
    scrapped: bool,
    now: i64,
) -> Result<CampaignScrap> {
    actor.ensure_can_write()?;
    crate::validate::uuid("campaign_id", campaign_id)?;
    if scrapped {
        // Only what the member may see can be saved; letting go always works
        // (they may have moved to another community since).
        let reader = Reader(Some(actor.clone()));
        visible_row(conn, campaign_id, &reader).await?;
    }
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT created_at FROM campaign_scraps WHERE campaign_id = $1 AND user_id = $2",
    )
    .bind(campaign_id)
    .bind(&actor.user_id)
    .fetch_optional(&mut *conn)
    .await?;
    let scrap = CampaignScrap {
        campaign_id: campaign_id.to_owned(),
        scrapped,
        created_at: existing.unwrap_or(now),
    };
    if existing.is_some() == scrapped {
        return Ok(scrap);
    }
    if scrapped {
        sqlx::query(
            "INSERT INTO campaign_scraps (campaign_id, user_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(campaign_id)
        .bind(&actor.user_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query("DELETE FROM campaign_scraps WHERE campaign_id = $1 AND user_id = $2")
            .bind(campaign_id)
            .bind(&actor.user_id)
            .execute(&mut *conn)
            .await?;
    }
    let data = scrapped.then(|| to_json(&scrap)).transpose()?;
    let change = Change::upsert_or_delete(
        EntityKind::CampaignScrap,
        campaign_id,
        data,
        vec![crate::changelog::user_bucket(&actor.user_id)],
    );
    changelog::record(conn, change, now).await?;
    Ok(scrap)
}

/// Ends an open campaign with `status` at `now` (in the caller's
/// transaction); false if it was not open.
pub async fn close(
    conn: &mut AnyConnection,
    id: &str,
    status: CampaignStatus,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE campaigns SET status = $1, closed_at = $2, updated_at = $2 \
         WHERE id = $3 AND status = 'open'",
    )
    .bind(status.as_str())
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Recounts a campaign's live counts from its orders (after any order of
/// it changed state).
pub async fn recount(conn: &mut AnyConnection, id: &str, now: i64) -> Result<()> {
    let (reserved, paid_units, participants): (i64, i64, i64) = sqlx::query_as(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN status IN ('pending_payment', 'paid', 'confirmed', \
                        'fulfilled') THEN quantity ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN status IN ('paid', 'confirmed', 'fulfilled') \
                        THEN quantity ELSE 0 END), 0) AS BIGINT), \
           COUNT(DISTINCT CASE WHEN status IN ('paid', 'confirmed', 'fulfilled') \
                          THEN user_id END) \
         FROM orders WHERE campaign_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE campaigns SET reserved = $1, paid_units = $2, participants = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(reserved)
    .bind(paid_units)
    .bind(participants)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The 409 for a campaign not taking orders.
pub fn closed_error(row: &CampaignRow, now: i64) -> Error {
    let message = if row.status() != CampaignStatus::Open {
        "this group-buy has ended"
    } else if now < row.starts_at {
        "this group-buy has not started yet"
    } else {
        "this group-buy is past its deadline"
    };
    Error::conflict(ErrorCode::CampaignClosed, message)
}
