//! Likes (reviews, comments, replies), scraps (bookmarks of reviews) and
//! follows. All are idempotent sets: adding twice is one, removing what is
//! not there is nothing; counters move only when the set really changes, in
//! the same transaction, so they stay exact under concurrent requests.

use moa_protocol::{
    EntityKind, FollowState, LikeState, MemberListItem, NotificationKind, Page, ScrapState,
};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::changelog::{self, Change, user_bucket};
use crate::comments::service as comments;
use crate::error::{Error, Result};
use crate::notifications::service as notifications;
use crate::pagination::{self, into_page, page_size};
use crate::reviews::{rank, service as reviews};
use crate::users::service::{AUTHOR_COLUMNS, AuthorColumns};

/// What can be liked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Review,
    Comment,
}

impl Target {
    fn as_str(self) -> &'static str {
        match self {
            Target::Review => "review",
            Target::Comment => "comment",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Target::Review => "reviews",
            Target::Comment => "comments",
        }
    }
}

/// 404 unless the target exists and the actor can see it (and it is not deleted).
async fn ensure_visible(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: Target,
    id: &str,
) -> Result<()> {
    let visible = match target {
        Target::Review => reviews::get(conn, &actor.user_id, false, id)
            .await?
            .is_some_and(|r| !r.review.deleted && !r.review.hidden),
        Target::Comment => comments::get(conn, &actor.user_id, false, id)
            .await?
            .is_some_and(|c| !c.comment.deleted && !c.comment.hidden),
    };
    if visible {
        Ok(())
    } else {
        Err(Error::NotFound(format!("no such {}", target.as_str())))
    }
}

/// The counter `column` of row `id` of `table` (a like, scrap or follower
/// count).
async fn counter(conn: &mut AnyConnection, table: &str, column: &str, id: &str) -> Result<i64> {
    let sql = format!("SELECT {column} FROM {table} WHERE id = $1");
    Ok(sqlx::query_scalar::<_, i64>(&sql)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// Moves the counter `column` of row `id` of `table` by `by` (1 or -1).
async fn add_to_counter(
    conn: &mut AnyConnection,
    table: &str,
    column: &str,
    id: &str,
    by: i64,
) -> Result<()> {
    let sql = format!("UPDATE {table} SET {column} = {column} + $1 WHERE id = $2");
    sqlx::query(&sql)
        .bind(by)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// `1` when something was added, `-1` when it was taken back.
fn step(on: bool) -> i64 {
    if on { 1 } else { -1 }
}

/// After a like was added or taken back: the like count, the rank (reviews)
/// and the change log.
async fn after_like(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: Target,
    id: &str,
    liked: bool,
    now: i64,
) -> Result<()> {
    add_to_counter(conn, target.table(), "like_count", id, step(liked)).await?;
    let key = format!("{}:{id}", target.as_str());
    let data = liked.then(
        || serde_json::json!({"target_type": target.as_str(), "target_id": id, "created_at": now}),
    );
    let change = Change::upsert_or_delete(
        EntityKind::Like,
        &key,
        data,
        vec![user_bucket(&actor.user_id)],
    );
    changelog::record(conn, change, now).await?;
    match target {
        Target::Review => {
            rank::refresh(conn, id).await?;
            reviews::publish(conn, id, now).await
        }
        Target::Comment => comments::publish(conn, id, now).await,
    }
}

/// Tells the author of the liked review or comment.
async fn notify_like(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: Target,
    id: &str,
    now: i64,
) -> Result<()> {
    let (author, review_id, preview) = match target {
        Target::Review => match reviews::get(conn, "", true, id).await? {
            Some(r) => {
                let preview = if r.review.title.is_empty() {
                    r.review.body
                } else {
                    r.review.title
                };
                (r.author_id, r.review.id, preview)
            }
            None => return Ok(()),
        },
        Target::Comment => match comments::get(conn, "", true, id).await? {
            Some(c) => (c.author_id, c.comment.review_id, c.comment.body),
            None => return Ok(()),
        },
    };
    let event = notifications::Event {
        user_id: &author,
        kind: NotificationKind::Like,
        actor_id: Some(&actor.user_id),
        target_type: target.as_str(),
        target_id: id,
        review_id: Some(&review_id),
        preview: &preview,
    };
    notifications::notify(conn, event, now).await
}

pub async fn like(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: Target,
    id: &str,
    now: i64,
) -> Result<LikeState> {
    actor.ensure_can_write()?;
    ensure_visible(conn, actor, target, id).await?;
    let inserted = sqlx::query(
        "INSERT INTO likes (user_id, target_type, target_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&actor.user_id)
    .bind(target.as_str())
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        after_like(conn, actor, target, id, true, now).await?;
        notify_like(conn, actor, target, id, now).await?;
    }
    Ok(LikeState {
        liked: true,
        like_count: counter(conn, target.table(), "like_count", id).await?,
    })
}

pub async fn unlike(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: Target,
    id: &str,
    now: i64,
) -> Result<LikeState> {
    actor.ensure_can_write()?;
    let deleted =
        sqlx::query("DELETE FROM likes WHERE user_id = $1 AND target_type = $2 AND target_id = $3")
            .bind(&actor.user_id)
            .bind(target.as_str())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    if deleted.rows_affected() == 1 {
        after_like(conn, actor, target, id, false, now).await?;
    } else {
        ensure_visible(conn, actor, target, id).await?;
    }
    Ok(LikeState {
        liked: false,
        like_count: counter(conn, target.table(), "like_count", id).await?,
    })
}

/// A row of [`member_page`].
#[derive(sqlx::FromRow)]
struct MemberColumns {
    id: String,
    #[sqlx(flatten)]
    author: AuthorColumns,
    at: i64,
}

impl From<MemberColumns> for MemberListItem {
    fn from(c: MemberColumns) -> Self {
        MemberListItem {
            member: c.author.into_author(c.id),
            at: c.at,
        }
    }
}

/// A list of members keyed by (`at`, member id), newest first. `from_where`
/// selects `u` with `at` and filters on `$1`.
async fn member_page(
    conn: &mut AnyConnection,
    from_where: &str,
    at: &str,
    arg: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<MemberListItem>> {
    let size = page_size(limit);
    let (time, id) = pagination::below_int_id(cursor)?;
    let sql = format!(
        "SELECT u.id, {AUTHOR_COLUMNS}, {at} AS at {from_where} AND ({at}, u.id) < ($2, $3) \
         ORDER BY {at} DESC, u.id DESC LIMIT $4"
    );
    let rows = sqlx::query_as::<_, MemberColumns>(&sql)
        .bind(arg)
        .bind(time)
        .bind(id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows.into_iter().map(MemberListItem::from).collect();
    Ok(into_page(items, size, |m| {
        pagination::encode(&[&m.at.to_string(), &m.member.id])
    }))
}

/// Who liked a review or comment, newest first.
pub async fn likers(
    conn: &mut AnyConnection,
    target: Target,
    id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<MemberListItem>> {
    let from_where = format!(
        "FROM likes l JOIN users u ON u.id = l.user_id WHERE l.target_type = '{}' AND l.target_id = $1",
        target.as_str()
    );
    member_page(conn, &from_where, "l.created_at", id, cursor, limit).await
}

async fn after_scrap(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    scrapped: bool,
    now: i64,
) -> Result<()> {
    add_to_counter(conn, "reviews", "scrap_count", id, step(scrapped)).await?;
    let data = scrapped.then(|| serde_json::json!({"review_id": id, "created_at": now}));
    let change = Change::upsert_or_delete(
        EntityKind::Scrap,
        id,
        data,
        vec![user_bucket(&actor.user_id)],
    );
    changelog::record(conn, change, now).await?;
    rank::refresh(conn, id).await?;
    reviews::publish(conn, id, now).await
}

pub async fn scrap(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> Result<ScrapState> {
    actor.ensure_can_write()?;
    ensure_visible(conn, actor, Target::Review, id).await?;
    let inserted = sqlx::query(
        "INSERT INTO scraps (user_id, review_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(&actor.user_id)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        after_scrap(conn, actor, id, true, now).await?;
    }
    Ok(ScrapState {
        scrapped: true,
        scrap_count: counter(conn, "reviews", "scrap_count", id).await?,
    })
}

pub async fn unscrap(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> Result<ScrapState> {
    actor.ensure_can_write()?;
    let deleted = sqlx::query("DELETE FROM scraps WHERE user_id = $1 AND review_id = $2")
        .bind(&actor.user_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if deleted.rows_affected() == 1 {
        after_scrap(conn, actor, id, false, now).await?;
    } else {
        ensure_visible(conn, actor, Target::Review, id).await?;
    }
    Ok(ScrapState {
        scrapped: false,
        scrap_count: counter(conn, "reviews", "scrap_count", id).await?,
    })
}

/// Whether `follower` follows `followee` (false for an anonymous `""`).
pub async fn follows(conn: &mut AnyConnection, follower: &str, followee: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM follows WHERE follower_id = $1 AND followee_id = $2",
    )
    .bind(follower)
    .bind(followee)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Moves both members' counters and logs the follow for both of them.
async fn after_follow(
    conn: &mut AnyConnection,
    follower: &str,
    followee: &str,
    on: bool,
    now: i64,
) -> Result<()> {
    add_to_counter(conn, "users", "following_count", follower, step(on)).await?;
    add_to_counter(conn, "users", "follower_count", followee, step(on)).await?;
    // Both members' own accounts carry the counts: log them as they are now.
    crate::users::service::republish(conn, follower, now).await?;
    crate::users::service::republish(conn, followee, now).await?;
    let key = format!("{follower}:{followee}");
    let buckets = vec![user_bucket(follower), user_bucket(followee)];
    let data = on.then(
        || serde_json::json!({"follower_id": follower, "followee_id": followee, "created_at": now}),
    );
    let change = Change::upsert_or_delete(EntityKind::Follow, &key, data, buckets);
    changelog::record(conn, change, now).await
}

async fn ensure_member(conn: &mut AnyConnection, id: &str) -> Result<()> {
    let user = crate::users::service::find_by_id(conn, id).await?;
    match user {
        Some(u) if u.deleted_at.is_none() => Ok(()),
        _ => Err(Error::NotFound("no such member".into())),
    }
}

pub async fn follow(
    conn: &mut AnyConnection,
    actor: &Actor,
    followee: &str,
    now: i64,
) -> Result<FollowState> {
    actor.ensure_can_write()?;
    if followee == actor.user_id {
        return Err(Error::invalid("id", "you cannot follow yourself"));
    }
    ensure_member(conn, followee).await?;
    let inserted = sqlx::query(
        "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(&actor.user_id)
    .bind(followee)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 1 {
        after_follow(conn, &actor.user_id, followee, true, now).await?;
        let event = notifications::Event {
            user_id: followee,
            kind: NotificationKind::Follow,
            actor_id: Some(&actor.user_id),
            target_type: "user",
            target_id: &actor.user_id,
            review_id: None,
            preview: "",
        };
        notifications::notify(conn, event, now).await?;
    }
    Ok(FollowState {
        following: true,
        follower_count: counter(conn, "users", "follower_count", followee).await?,
    })
}

/// Removes the follow `follower → followee` if it exists.
pub(crate) async fn unfollow_pair(
    conn: &mut AnyConnection,
    follower: &str,
    followee: &str,
    now: i64,
) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
        .bind(follower)
        .bind(followee)
        .execute(&mut *conn)
        .await?;
    if deleted.rows_affected() == 1 {
        after_follow(conn, follower, followee, false, now).await?;
    }
    Ok(())
}

pub async fn unfollow(
    conn: &mut AnyConnection,
    actor: &Actor,
    followee: &str,
    now: i64,
) -> Result<FollowState> {
    actor.ensure_can_write()?;
    ensure_member(conn, followee).await?;
    unfollow_pair(conn, &actor.user_id, followee, now).await?;
    Ok(FollowState {
        following: false,
        follower_count: counter(conn, "users", "follower_count", followee).await?,
    })
}

/// Removes `follower` from the actor's followers.
pub async fn remove_follower(
    conn: &mut AnyConnection,
    actor: &Actor,
    follower: &str,
    now: i64,
) -> Result<()> {
    actor.ensure_can_write()?;
    unfollow_pair(conn, follower, &actor.user_id, now).await
}

/// A member's followers, newest first.
pub async fn followers(
    conn: &mut AnyConnection,
    id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<MemberListItem>> {
    let from_where = "FROM follows f JOIN users u ON u.id = f.follower_id WHERE f.followee_id = $1";
    member_page(conn, from_where, "f.created_at", id, cursor, limit).await
}

/// Whom a member follows, newest first.
pub async fn following(
    conn: &mut AnyConnection,
    id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<MemberListItem>> {
    let from_where = "FROM follows f JOIN users u ON u.id = f.followee_id WHERE f.follower_id = $1";
    member_page(conn, from_where, "f.created_at", id, cursor, limit).await
}

/// Likes (`on`) or unlikes a review or comment: the one entry point of the
/// REST `PUT`/`DELETE` pair and the push's `like.set`.
pub async fn set_like(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: Target,
    id: &str,
    on: bool,
    now: i64,
) -> Result<LikeState> {
    if on {
        like(conn, actor, target, id, now).await
    } else {
        unlike(conn, actor, target, id, now).await
    }
}

/// Scraps (`on`) or unscraps a review (REST and the push's `scrap.set`).
pub async fn set_scrap(
    conn: &mut AnyConnection,
    actor: &Actor,
    review_id: &str,
    on: bool,
    now: i64,
) -> Result<ScrapState> {
    if on {
        scrap(conn, actor, review_id, now).await
    } else {
        unscrap(conn, actor, review_id, now).await
    }
}

/// Follows (`on`) or unfollows a member (REST and the push's `follow.set`).
pub async fn set_follow(
    conn: &mut AnyConnection,
    actor: &Actor,
    user_id: &str,
    on: bool,
    now: i64,
) -> Result<FollowState> {
    if on {
        follow(conn, actor, user_id, now).await
    } else {
        unfollow(conn, actor, user_id, now).await
    }
}
