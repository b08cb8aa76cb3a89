//! The "for you" tab: reviews like the ones the member engaged with.
//!
//! 1. The member's history: what they liked, scrapped, commented on, read
//!    and ordered, and the subjects they wrote about, each weighted by kind
//!    and halved per month of age (`model::Model::decayed`); the heaviest
//!    [`HISTORY_ITEMS`].
//! 2. Collaborative candidates: the neighbours of those items (the
//!    `item_neighbours` table the refresh job keeps), each scored by the
//!    sum of similarity × history weight over the history items that list
//!    it; only reviews.
//! 3. Popular candidates: the top of the popular tab.
//! 4. Both are filtered in one query: never the member's own reviews, ones
//!    they have read, liked or scrapped, hidden or deleted ones, or ones by
//!    suspended or deleted members.
//! 5. Blend: `h · cf + (1 − h) · pop`, where `cf` is the collaborative score
//!    over the best one, `pop` falls with the popular position, and the
//!    confidence `h = n / (n + 2)` grows with the history size `n`: a
//!    newcomer sees the popular tab (minus what they read), a regular
//!    mostly their neighbours' picks, with popular ones after them.
//! 6. Diversity: no more than two in a row by one author or about one
//!    subject (the next best that breaks the run moves up).
//!
//! The list (at most [`LIST_SIZE`]) is computed per request from indexed
//! reads; a page is a slice of it, the cursor its offset.

use std::collections::HashMap;

use moa_protocol::{Page, Review};
use sqlx::AnyConnection;

use super::model::Model;
use super::neighbours;
use crate::actor::{Actor, Reader};
use crate::error::Result;
use crate::pagination::{self, page_size};
use crate::reviews::feed::{self, Source};
use crate::reviews::service::{AUTHOR_OF_REVIEW, REVIEW_COLUMNS, REVIEW_JOINS, review_from_row};

/// The longest list a member is offered.
pub const LIST_SIZE: usize = 200;
/// History items whose neighbours are read.
const HISTORY_ITEMS: usize = 100;
/// Popular reviews considered.
const POPULAR_POOL: u32 = 100;
/// History size at which collaborative and popular weigh the same.
const CONFIDENCE: f64 = 2.0;
/// The longest run of one author or subject.
const MAX_RUN: usize = 2;

/// A candidate: review id, author, subject (or `""`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Candidate {
    pub id: String,
    pub author_id: String,
    pub subject_id: String,
}

/// The member's history: item → decayed weight, heaviest first.
pub async fn history(
    conn: &mut AnyConnection,
    member: &str,
    now: i64,
) -> Result<Vec<(String, f64)>> {
    let since = now - super::views::KEEP_VIEW_DAYS * 86_400_000;
    let rows = neighbours::interactions(conn, since, Some(member)).await?;
    let mut weights: HashMap<String, f64> = HashMap::new();
    for x in rows {
        let w = Model::decayed(x.weight, x.at, now);
        let e = weights.entry(x.item).or_insert(0.0);
        *e = e.max(w);
    }
    let mut out: Vec<(String, f64)> = weights.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

/// The history items whose neighbours count: the heaviest
/// [`HISTORY_ITEMS`].
pub fn history_items(history: &[(String, f64)]) -> Vec<String> {
    history
        .iter()
        .take(HISTORY_ITEMS)
        .map(|(i, _)| i.clone())
        .collect()
}

/// Collaborative scores of reviews: for each review among the neighbours
/// of the history items (`lists`), the sum of similarity × the history
/// item's weight.
pub fn score_neighbours(
    history: &[(String, f64)],
    lists: &[(String, Vec<(String, f32)>)],
) -> HashMap<String, f64> {
    let weight: HashMap<&str, f64> = history.iter().map(|(i, w)| (i.as_str(), *w)).collect();
    let mut scores: HashMap<String, f64> = HashMap::new();
    for (item, list) in lists {
        let w = weight.get(item.as_str()).copied().unwrap_or(0.0);
        for (n, sim) in list {
            if let Some(id) = n.strip_prefix("r:") {
                *scores.entry(id.to_owned()).or_insert(0.0) += w * f64::from(*sim);
            }
        }
    }
    scores
}

/// Collaborative scores from the stored neighbours of `history`.
async fn collaborative(
    conn: &mut AnyConnection,
    history: &[(String, f64)],
) -> Result<HashMap<String, f64>> {
    let lists = neighbours::lists(conn, &history_items(history)).await?;
    Ok(score_neighbours(history, &lists))
}

/// The reviews among `ids` the member may be offered (see the module).
pub async fn offerable(
    conn: &mut AnyConnection,
    member: &str,
    ids: &[String],
    now: i64,
) -> Result<Vec<Candidate>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(200) {
        let params: Vec<String> = (0..chunk.len()).map(|k| format!("${}", k + 3)).collect();
        let sql = format!(
            "SELECT r.id, r.author_id, COALESCE(r.subject_id, '') AS subject_id \
             FROM reviews r CROSS JOIN users u \
             WHERE r.id IN ({}) AND u.id = r.author_id \
             AND r.deleted_at IS NULL AND r.hidden_at IS NULL AND r.author_id <> $1 \
             AND u.deleted_at IS NULL AND (u.suspended_until IS NULL OR u.suspended_until <= $2) \
             AND NOT EXISTS (SELECT 1 FROM review_views v WHERE v.review_id = r.id AND v.user_id = $1) \
             AND NOT EXISTS (SELECT 1 FROM likes l WHERE l.user_id = $1 \
                 AND l.target_type = 'review' AND l.target_id = r.id) \
             AND NOT EXISTS (SELECT 1 FROM scraps s WHERE s.user_id = $1 AND s.review_id = r.id)",
            params.join(", ")
        );
        let mut q = sqlx::query_as::<_, Candidate>(&sql).bind(member).bind(now);
        for id in chunk {
            q = q.bind(id.as_str());
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Blends collaborative and popular scores (see the module): `cf` by
/// review id, `popular` in popular order, `n` the history size; answers
/// the ids best first.
pub fn blend(cf: &HashMap<String, f64>, popular: &[String], n: usize) -> Vec<(String, f64)> {
    let h = n as f64 / (n as f64 + CONFIDENCE);
    let best = cf.values().copied().fold(0.0f64, f64::max);
    let mut scores: HashMap<&str, f64> = HashMap::new();
    if best > 0.0 {
        for (id, s) in cf {
            *scores.entry(id).or_insert(0.0) += h * s / best;
        }
    }
    for (pos, id) in popular.iter().enumerate() {
        let pop = 1.0 / (1.0 + pos as f64 / 10.0);
        // A little of popularity always counts: it orders the rest.
        *scores.entry(id).or_insert(0.0) += (1.0 - h) * pop + 0.01 * pop;
    }
    let mut out: Vec<(String, f64)> = scores
        .into_iter()
        .map(|(id, s)| (id.to_owned(), s))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    out
}

/// Reorders `ranked` so no more than [`MAX_RUN`] in a row share an author
/// or a subject: at each position the best remaining one that does not
/// extend such a run (the best remaining when none can).
pub fn diversify(ranked: Vec<Candidate>) -> Vec<Candidate> {
    let mut left = ranked;
    let mut out: Vec<Candidate> = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let runs = |c: &Candidate| {
            let tail = &out[out.len().saturating_sub(MAX_RUN)..];
            let full = tail.len() == MAX_RUN;
            let author = full && tail.iter().all(|t| t.author_id == c.author_id);
            let subject = full
                && !c.subject_id.is_empty()
                && tail.iter().all(|t| t.subject_id == c.subject_id);
            author || subject
        };
        let pick = left.iter().position(|c| !runs(c)).unwrap_or(0);
        out.push(left.remove(pick));
    }
    out
}

/// The member's whole list, best first.
pub async fn ranked(conn: &mut AnyConnection, member: &Actor, now: i64) -> Result<Vec<Candidate>> {
    let history = history(conn, &member.user_id, now).await?;
    let cf = collaborative(conn, &history).await?;
    let reader = Reader(Some(Actor {
        // Popular as a member (not a moderator) sees it.
        role: moa_protocol::Role::Member,
        ..member.clone()
    }));
    let popular: Vec<String> = feed::page(conn, &reader, Source::Popular, None, Some(POPULAR_POOL))
        .await?
        .items
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut blended = blend(&cf, &popular, history.len());
    blended.truncate(LIST_SIZE * 2);
    let ids: Vec<String> = blended.iter().map(|(id, _)| id.clone()).collect();
    let allowed: HashMap<String, Candidate> = offerable(conn, &member.user_id, &ids, now)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut list: Vec<Candidate> = ids
        .iter()
        .filter_map(|id| allowed.get(id).cloned())
        .collect();
    list.truncate(LIST_SIZE);
    Ok(diversify(list))
}

/// Full reviews of `ids`, in that order.
pub async fn reviews(
    conn: &mut AnyConnection,
    reader: &str,
    ids: &[String],
) -> Result<Vec<Review>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<String> = (0..ids.len()).map(|k| format!("${}", k + 2)).collect();
    let sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM reviews r {REVIEW_JOINS} \
         WHERE r.id IN ({}) AND {AUTHOR_OF_REVIEW}",
        params.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(reader);
    for id in ids {
        q = q.bind(id.as_str());
    }
    let mut by_id: HashMap<String, Review> = HashMap::new();
    for row in q.fetch_all(&mut *conn).await? {
        let r = review_from_row(&row)?.review;
        by_id.insert(r.id.clone(), r);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// One page of the member's list; the cursor is the offset of the next.
pub async fn page(
    conn: &mut AnyConnection,
    member: &Actor,
    cursor: Option<&str>,
    limit: Option<u32>,
    now: i64,
) -> Result<Page<Review>> {
    let offset = match cursor {
        None => 0,
        Some(c) => pagination::decode(c, 1)?[0]
            .parse::<usize>()
            .ok()
            .filter(|&o| o <= LIST_SIZE)
            .ok_or_else(|| crate::Error::BadRequest {
                code: moa_protocol::ErrorCode::InvalidParameter,
                message: "cursor: not a cursor from this list".into(),
            })?,
    };
    let size = page_size(limit) as usize;
    let list = ranked(conn, member, now).await?;
    let ids: Vec<String> = list
        .iter()
        .skip(offset)
        .take(size)
        .map(|c| c.id.clone())
        .collect();
    let end = offset + ids.len();
    let items = reviews(conn, &member.user_id, &ids).await?;
    let next_cursor = (end < list.len()).then(|| pagination::encode(&[&end.to_string()]));
    Ok(Page { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, author: &str, subject: &str) -> Candidate {
        Candidate {
            id: id.into(),
            author_id: author.into(),
            subject_id: subject.into(),
        }
    }

    #[test]
    fn no_more_than_two_in_a_row_from_one_author_or_subject() {
        let ranked = vec![
            c("1", "a", ""),
            c("2", "a", ""),
            c("3", "a", ""),
            c("4", "b", "x"),
            c("5", "c", "x"),
            c("6", "d", "x"),
            c("7", "e", ""),
        ];
        let ids: Vec<String> = diversify(ranked).into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["1", "2", "4", "3", "5", "6", "7"]);
        let ranked = vec![
            c("1", "b", "x"),
            c("2", "c", "x"),
            c("3", "d", "x"),
            c("4", "e", ""),
        ];
        let ids: Vec<String> = diversify(ranked).into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["1", "2", "4", "3"]);
    }

    #[test]
    fn diversity_gives_way_when_nothing_else_is_left() {
        let ranked = vec![c("1", "a", ""), c("2", "a", ""), c("3", "a", "")];
        assert_eq!(diversify(ranked).len(), 3);
    }

    #[test]
    fn newcomers_get_popular_and_regulars_their_neighbours_picks() {
        let cf: HashMap<String, f64> = [("cf1".to_owned(), 2.0), ("cf2".to_owned(), 1.0)].into();
        let popular: Vec<String> = (0..5).map(|i| format!("p{i}")).collect();
        let newcomer = blend(&HashMap::new(), &popular, 0);
        assert_eq!(newcomer[0].0, "p0");
        let regular = blend(&cf, &popular, 50);
        assert_eq!(regular[0].0, "cf1");
        assert_eq!(regular[1].0, "cf2");
        assert_eq!(regular[2].0, "p0", "popular fills in after");
        let some = blend(&cf, &popular, 1);
        let pos = |id: &str| some.iter().position(|(i, _)| i == id);
        assert!(
            pos("p0") < pos("cf2"),
            "little history: popular still leads"
        );
    }
}
