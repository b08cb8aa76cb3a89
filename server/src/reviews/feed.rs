//! Lists of reviews: the home tabs (latest, following, popular), a subject's,
//! a tag's and an author's reviews, and a member's scraps and liked reviews.
//!
//! Every list is a keyset page over an index: the rows are ordered by a sort
//! key (a time or the hot rank, then an id) and a page asks for keys strictly
//! below the previous page's last one. New reviews sort above the first page,
//! so paging on while they arrive never repeats or skips one, and a deep page
//! costs what the first does.

use moa_protocol::{Page, Review};
use sqlx::{AnyConnection, FromRow};

use crate::actor::Reader;
use crate::error::Result;
use crate::pagination::{self, into_page, page_size};
use crate::reviews::service::{
    AUTHOR_OF_REVIEW, REVIEW_COLUMNS, REVIEW_JOINS, VISIBLE, review_from_row,
};

/// Which reviews to list.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Latest,
    /// Reviews by the authors this member follows.
    Following(&'a str),
    Popular,
    Author(&'a str),
    /// A place's or a product's reviews.
    Subject(&'a str),
    Tag(&'a str),
    /// This member's scraps, newest scrap first.
    Scraps(&'a str),
    /// Reviews this member liked, newest like first.
    Liked(&'a str),
}

struct Plan {
    /// `FROM` clause up to and including `reviews r`.
    from: &'static str,
    /// Extra condition on `$3` (or `TRUE`).
    filter: &'static str,
    /// The sort key: (score or time, id) expressions.
    key: (&'static str, &'static str),
    /// Whether the first key part is a float (the hot rank).
    float_key: bool,
}

fn plan(source: Source<'_>) -> (Plan, &str) {
    let by_time = ("r.created_at", "r.id");
    match source {
        Source::Latest => (
            Plan {
                from: "reviews r",
                filter: "TRUE",
                key: by_time,
                float_key: false,
            },
            "",
        ),
        Source::Following(me) => (
            Plan {
                from: "follows f JOIN reviews r ON r.author_id = f.followee_id",
                filter: "f.follower_id = $3",
                key: by_time,
                float_key: false,
            },
            me,
        ),
        Source::Popular => (
            Plan {
                from: "reviews r",
                filter: "TRUE",
                key: ("r.hot_rank", "r.id"),
                float_key: true,
            },
            "",
        ),
        Source::Author(id) => (
            Plan {
                from: "reviews r",
                filter: "r.author_id = $3",
                key: by_time,
                float_key: false,
            },
            id,
        ),
        Source::Subject(id) => (
            Plan {
                from: "reviews r",
                filter: "r.subject_id = $3",
                key: by_time,
                float_key: false,
            },
            id,
        ),
        Source::Tag(tag) => (
            Plan {
                from: "review_tags t JOIN reviews r ON r.id = t.review_id",
                filter: "t.tag = $3",
                key: ("t.created_at", "t.review_id"),
                float_key: false,
            },
            tag,
        ),
        Source::Scraps(me) => (
            Plan {
                from: "scraps s0 JOIN reviews r ON r.id = s0.review_id",
                filter: "s0.user_id = $3",
                key: ("s0.created_at", "s0.review_id"),
                float_key: false,
            },
            me,
        ),
        Source::Liked(me) => (
            Plan {
                from: "likes l0 JOIN reviews r ON r.id = l0.target_id AND l0.target_type = 'review'",
                filter: "l0.user_id = $3",
                key: ("l0.created_at", "l0.target_id"),
                float_key: false,
            },
            me,
        ),
    }
}

/// The SQL of one page of `source` (exposed for `EXPLAIN` in the benchmark).
///
/// Two steps: the inner query picks the page's keys from the sort index
/// (narrow rows, index-only where the index covers the visibility rule),
/// the outer one reads those few reviews in full. Sorting a list's candidate
/// keys (the following tab merges several authors) then stays cheap.
pub fn sql(source: Source<'_>) -> String {
    let (p, _) = plan(source);
    let (k1, k2) = p.key;
    format!(
        "SELECT {REVIEW_COLUMNS}, page.k1, page.k2 FROM \
           (SELECT r.id AS rid, {k1} AS k1, {k2} AS k2 FROM {from} \
            WHERE {filter} AND {VISIBLE} AND ({k1}, {k2}) < ($4, $5) \
            ORDER BY {k1} DESC, {k2} DESC LIMIT $6) AS page \
         CROSS JOIN reviews r {REVIEW_JOINS} \
         WHERE r.id = page.rid AND {AUTHOR_OF_REVIEW} \
         ORDER BY page.k1 DESC, page.k2 DESC",
        from = p.from,
        filter = p.filter,
    )
}

/// A row's sort key, `k1` (a time, or the hot rank) then `k2` (an id).
#[derive(sqlx::FromRow)]
struct SortKey<K> {
    k1: K,
    k2: String,
}

impl<K: ToString> SortKey<K> {
    /// The cursor of the page after this row.
    fn cursor(&self) -> String {
        pagination::encode(&[&self.k1.to_string(), &self.k2])
    }
}

/// One page of `source` as `reader` sees it.
pub async fn page(
    conn: &mut AnyConnection,
    reader: &Reader,
    source: Source<'_>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Review>> {
    let (p, arg) = plan(source);
    let size = page_size(limit);
    let sql = sql(source);
    let query = sqlx::query(&sql)
        .bind(reader.id())
        .bind(i64::from(reader.is_moderator()))
        .bind(arg);
    let query = if p.float_key {
        let (score, id) = pagination::below_float_id(cursor)?;
        query.bind(score).bind(id)
    } else {
        let (time, id) = pagination::below_int_id(cursor)?;
        query.bind(time).bind(id)
    };
    let rows = query.bind(size + 1).fetch_all(&mut *conn).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let cursor = if p.float_key {
            SortKey::<f64>::from_row(row)?.cursor()
        } else {
            SortKey::<i64>::from_row(row)?.cursor()
        };
        items.push((review_from_row(row)?.review, cursor));
    }
    let page = into_page(items, size, |(_, cursor)| cursor.clone());
    Ok(Page {
        items: page.items.into_iter().map(|(r, _)| r).collect(),
        next_cursor: page.next_cursor,
    })
}
