//! Local reads: load confirmed state from the database, then lay the pending
//! outbox on top (`crate::overlay`). Everything here runs on the reader
//! connection and never waits for the network.

use moa_protocol::{
    Author, Comment, EntityKind, FeedTab, Me, Notification, Op, Profile, Review, Subject,
    SubjectRef, SubjectType,
};
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

use crate::error::Result;
use crate::model::{MyPage, ReviewDetail};
use crate::overlay::{self, Known, ReviewBase};
use crate::store::{entities, outbox, session};

/// The pending ops in view, oldest first, and the ids among the entities
/// they create that the confirmed state already has.
pub fn pending(conn: &Connection) -> Result<(Vec<Op>, Known)> {
    let rows = outbox::in_view(conn)?;
    let mut ops = Vec::with_capacity(rows.len());
    let mut known = Known::new();
    for row in rows {
        let op = Op::lenient(&row.name, &row.args);
        let created = match &op {
            Op::ReviewCreate(r) => r.id.as_deref().map(|id| (EntityKind::Review, id)),
            Op::CommentCreate(c) => c.comment.id.as_deref().map(|id| (EntityKind::Comment, id)),
            _ => None,
        };
        if let Some((kind, id)) = created
            && entities::exists(conn, &kind, id)?
        {
            known.insert(id.to_owned());
        }
        ops.push(op);
    }
    Ok((ops, known))
}

/// The signed-in member with pending profile edits.
pub fn me(conn: &Connection, ops: &[Op]) -> Result<Option<Me>> {
    Ok(session::load(conn)?.map(|s| overlay::me(s.me, ops)))
}

pub fn author_of(me: &Me) -> Author {
    Author {
        id: me.id.clone(),
        handle: me.handle.clone(),
        display_name: me.display_name.clone(),
        avatar_media_id: me.avatar_media_id.clone(),
        deleted: false,
    }
}

fn decode<T: serde::de::DeserializeOwned>(v: Value) -> Option<T> {
    serde_json::from_value(v).ok()
}

/// A confirmed review with the reader's confirmed like and scrap.
fn review_base(conn: &Connection, id: &str) -> Result<Option<ReviewBase>> {
    let Some(review) = entities::get(conn, &EntityKind::Review, id)?.and_then(decode::<Review>)
    else {
        return Ok(None);
    };
    Ok(Some(ReviewBase {
        liked: entities::exists(conn, &EntityKind::Like, &format!("review:{id}"))?,
        scrapped: entities::exists(conn, &EntityKind::Scrap, id)?,
        review,
    }))
}

/// A review as the reader sees it (`None`: unknown here, or deleted).
pub fn review(
    conn: &Connection,
    id: &str,
    ops: &[Op],
    known: &Known,
    me: &Me,
) -> Result<Option<Review>> {
    if let Some(base) = review_base(conn, id)? {
        return Ok(overlay::review(base, ops, known));
    }
    let created = overlay::new_reviews(ops, known, &author_of(me), &|s| subject(conn, s), 0);
    let found = created.into_iter().find(|r| r.id == id);
    Ok(found.and_then(|r| {
        let base = ReviewBase {
            review: r,
            liked: false,
            scrapped: false,
        };
        overlay::review(base, ops, known)
    }))
}

/// Place or product name for a subject reference, from the cache.
fn subject(conn: &Connection, s: &SubjectRef) -> Option<Subject> {
    let kind = match s.kind {
        SubjectType::Place => EntityKind::Place,
        SubjectType::Product => EntityKind::Product,
    };
    let data = entities::get(conn, &kind, &s.id).ok().flatten()?;
    let name = data.get("name").and_then(Value::as_str)?.to_owned();
    let detail = data
        .get("address")
        .or_else(|| data.get("shop_url"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(Subject {
        kind: s.kind,
        id: s.id.clone(),
        name,
        detail,
    })
}

/// Reviews by id, in the given order, skipping the unknown and deleted.
pub fn reviews(
    conn: &Connection,
    ids: &[String],
    ops: &[Op],
    known: &Known,
    me: &Me,
) -> Result<Vec<Review>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = review(conn, id, ops, known, me)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// The ids of a feed window as last pulled (empty if never).
pub fn window_ids(conn: &Connection, tab: FeedTab) -> Result<Option<Vec<String>>> {
    let ids: Option<String> = conn
        .prepare_cached("SELECT ids FROM windows WHERE tab = ?1 AND fetched_at IS NOT NULL")?
        .query_row([tab_name(tab)], |r| r.get(0))
        .optional()?;
    Ok(ids.map(|t| serde_json::from_str(&t)).transpose()?)
}

pub fn tab_name(tab: FeedTab) -> &'static str {
    match tab {
        FeedTab::Latest => "latest",
        FeedTab::Following => "following",
        FeedTab::Popular => "popular",
        FeedTab::ForYou => "for_you",
    }
}

/// A feed tab from the cache: the window as last pulled, with the member's
/// own pending reviews on top of "latest". `None` if never pulled and
/// nothing to show.
pub fn feed(conn: &Connection, tab: FeedTab) -> Result<Option<Vec<Review>>> {
    let (ops, known) = pending(conn)?;
    let Some(me) = me(conn, &ops)? else {
        return Ok(None);
    };
    let ids = window_ids(conn, tab)?;
    let pulled = ids.is_some();
    let ids = ids.unwrap_or_default();
    let mut out = Vec::new();
    if tab == FeedTab::Latest {
        let fresh = overlay::new_reviews(
            &ops,
            &known,
            &author_of(&me),
            &|s| subject(conn, s),
            now_ms(),
        );
        out.extend(fresh.into_iter().filter_map(|r| {
            overlay::review(
                ReviewBase {
                    review: r,
                    liked: false,
                    scrapped: false,
                },
                &ops,
                &known,
            )
        }));
    }
    out.extend(reviews(conn, &ids, &ops, &known, &me)?);
    // Never pulled and nothing of one's own: unknown, not empty.
    Ok((pulled || !out.is_empty()).then_some(out))
}

/// A review with its comments, from the cache.
pub fn review_detail(conn: &Connection, id: &str) -> Result<Option<ReviewDetail>> {
    let (ops, known) = pending(conn)?;
    let Some(me) = me(conn, &ops)? else {
        return Ok(None);
    };
    let Some(review) = review(conn, id, &ops, &known, &me)? else {
        return Ok(None);
    };
    let mut confirmed = Vec::new();
    for data in entities::by_parent(conn, &EntityKind::Comment, id)? {
        if let Some(c) = decode::<Comment>(data) {
            let liked = entities::exists(conn, &EntityKind::Like, &format!("comment:{}", c.id))?;
            confirmed.push((c, liked));
        }
    }
    let comments = overlay::comments(id, confirmed, &ops, &author_of(&me), now_ms());
    Ok(Some(ReviewDetail { review, comments }))
}

/// The member's page: profile and own reviews, newest first (pending ones
/// on top); `None` when signed out.
pub fn my_page(conn: &Connection, limit: u32) -> Result<Option<MyPage>> {
    let (ops, known) = pending(conn)?;
    let Some(me) = me(conn, &ops)? else {
        return Ok(None);
    };
    let mut out: Vec<Review> = overlay::new_reviews(
        &ops,
        &known,
        &author_of(&me),
        &|s| subject(conn, s),
        now_ms(),
    );
    let ids: Vec<String> = entities::by_owner(conn, &EntityKind::Review, &me.id, limit)?
        .into_iter()
        .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
        .collect();
    out.extend(reviews(conn, &ids, &ops, &known, &me)?);
    Ok(Some(MyPage { me, reviews: out }))
}

/// Scrapped reviews newest first, and the scrapped ids not in the cache yet.
pub fn scraps(conn: &Connection, limit: u32) -> Result<(Vec<Review>, Vec<String>)> {
    let (ops, known) = pending(conn)?;
    let Some(me) = me(conn, &ops)? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let confirmed: Vec<String> = entities::newest(conn, &EntityKind::Scrap, limit)?
        .into_iter()
        .filter_map(|v| {
            v.get("review_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    let ids = overlay::scrapped_ids(confirmed, &ops);
    let mut missing = Vec::new();
    let mut out = Vec::new();
    for id in &ids {
        match review(conn, id, &ops, &known, &me)? {
            Some(r) => out.push(r),
            None if !entities::exists(conn, &EntityKind::Review, id)? => missing.push(id.clone()),
            None => {}
        }
    }
    Ok((out, missing))
}

/// Notifications newest first and the unread count.
pub fn notifications(conn: &Connection, limit: u32) -> Result<(Vec<Notification>, u32)> {
    let (ops, _) = pending(conn)?;
    let list: Vec<Notification> = entities::newest(conn, &EntityKind::Notification, limit)?
        .into_iter()
        .filter_map(decode)
        .collect();
    let list = overlay::notifications(list, &ops);
    let unread = list.iter().filter(|n| !n.read).count();
    Ok((list, u32::try_from(unread).unwrap_or(u32::MAX)))
}

/// Another member's profile as last fetched, with pending follows.
pub fn profile(conn: &Connection, user_id: &str) -> Result<Option<Profile>> {
    let (ops, _) = pending(conn)?;
    let Some(me) = me(conn, &ops)? else {
        return Ok(None);
    };
    let Some(profile) =
        entities::get(conn, &EntityKind::User, user_id)?.and_then(decode::<Profile>)
    else {
        return Ok(None);
    };
    let followed = entities::exists(conn, &EntityKind::Follow, &format!("{}:{user_id}", me.id))?;
    // The fetched profile's `followed_by_me` may be newer than the follow
    // entity: trust the follow bucket, which sync keeps current.
    let mut base = profile;
    base.followed_by_me = followed;
    Ok(Some(overlay::profile(base, followed, &ops)))
}

/// Ids of members the member follows (confirmed plus pending).
pub fn following_ids(conn: &Connection, me: &str) -> Result<Vec<String>> {
    let (ops, _) = pending(conn)?;
    let mut ids: Vec<String> = entities::by_owner(conn, &EntityKind::Follow, me, 10_000)?
        .into_iter()
        .filter_map(|v| {
            v.get("followee_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    for op in &ops {
        if let Op::FollowSet(f) = op {
            ids.retain(|id| *id != f.user_id);
            if f.following {
                ids.push(f.user_id.clone());
            }
        }
    }
    Ok(ids)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
