//! The device's search index: the cached reviews, places, products and
//! people under moa-hangul's forms, in an FTS5 trigram table, so search
//! answers offline with the server's rules. [`index`] and [`unindex`] run in
//! the transaction that stores or deletes the entity (`entities::put`,
//! `entities::delete`); [`search`] reads a page of one kind; recent searches
//! are kept here too.

use moa_hangul::query::{self, Plan, Query};
use moa_hangul::sql::{self as plan_sql, Dialect, Page, Sql, Value as Bound};
use moa_protocol::{EntityKind, MatchKind, SearchHit, SearchKind, TextRange};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use serde_json::Value;

use crate::error::Result;

/// Recent searches kept.
const RECENT_KEPT: i64 = 20;

/// The search kind an entity kind is found as, if any.
fn kind_of(kind: &EntityKind) -> Option<SearchKind> {
    match kind {
        EntityKind::Review => Some(SearchKind::Review),
        EntityKind::Place => Some(SearchKind::Place),
        EntityKind::Product => Some(SearchKind::Product),
        EntityKind::Profile => Some(SearchKind::Person),
        EntityKind::HelpRequest => Some(SearchKind::Request),
        _ => None,
    }
}

/// What an entity is indexed as.
struct Doc {
    title: String,
    body: String,
    extra: String,
    photo_id: Option<String>,
    counts: [i64; 4],
    created_at: i64,
}

fn text(data: &Value, pointer: &str) -> String {
    data.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn number(data: &Value, pointer: &str) -> i64 {
    data.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn strings(data: &Value, pointer: &str) -> Vec<String> {
    data.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A member as a hit shows them: the display name (or handle) and `@handle`.
fn person(handle: String, name: String, bio: String, photo: Option<String>) -> Doc {
    Doc {
        title: if name.is_empty() {
            handle.clone()
        } else {
            name
        },
        body: format!("@{handle}"),
        extra: bio,
        photo_id: photo,
        counts: [0; 4],
        created_at: 0,
    }
}

fn doc(kind: SearchKind, data: &Value) -> Option<Doc> {
    let hidden = data.get("hidden").and_then(Value::as_bool) == Some(true)
        || data.get("deleted").and_then(Value::as_bool) == Some(true);
    if hidden {
        return None;
    }
    let first_photo = strings(data, "/photos").into_iter().next();
    let created_at = number(data, "/created_at");
    Some(match kind {
        SearchKind::Review => Doc {
            title: query::title_or_body(&text(data, "/title"), &text(data, "/body")),
            body: text(data, "/body"),
            extra: query::hashtags(&strings(data, "/tags")),
            photo_id: first_photo,
            counts: [
                number(data, "/like_count"),
                number(data, "/comment_count"),
                0,
                0,
            ],
            created_at,
        },
        SearchKind::Place => Doc {
            title: text(data, "/name"),
            body: text(data, "/address"),
            extra: String::new(),
            photo_id: None,
            counts: [0, 0, number(data, "/review_count"), 0],
            created_at,
        },
        SearchKind::Product => {
            let options = data
                .get("options")
                .and_then(Value::as_array)
                .map(|o| {
                    o.iter()
                        .flat_map(|o| {
                            std::iter::once(text(o, "/name")).chain(strings(o, "/values"))
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            Doc {
                title: text(data, "/name"),
                body: String::new(),
                extra: options,
                photo_id: first_photo,
                counts: [0, 0, number(data, "/review_count"), 0],
                created_at,
            }
        }
        SearchKind::Person => {
            let avatar = data
                .get("avatar_media_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let mut doc = person(
                text(data, "/handle"),
                text(data, "/display_name"),
                text(data, "/bio"),
                avatar,
            );
            doc.counts = [
                0,
                0,
                number(data, "/counts/reviews"),
                number(data, "/counts/followers"),
            ];
            doc.created_at = created_at;
            doc
        }
        // Open requests only: a matched or closed one leaves the index.
        SearchKind::Request => {
            if text(data, "/status") != "open" {
                return None;
            }
            Doc {
                title: text(data, "/title"),
                body: text(data, "/details"),
                extra: text(data, "/region"),
                photo_id: first_photo,
                counts: [0, number(data, "/quote_count"), 0, 0],
                created_at,
            }
        }
        SearchKind::Campaign => return None,
    })
}

/// Writes (or replaces) the entry of (kind, id); with `keep`, an existing
/// entry is left as it is (a review's author does not replace a profile).
fn put(tx: &Transaction<'_>, kind: SearchKind, id: &str, doc: &Doc, keep: bool) -> Result<()> {
    let forms = query::forms(&[&doc.title, &doc.body, &doc.extra]);
    let conflict = if keep {
        "DO NOTHING"
    } else {
        "DO UPDATE SET title = excluded.title, body = excluded.body, extra = excluded.extra, \
         photo_id = excluded.photo_id, norm = excluded.norm, keys = excluded.keys, \
         initials = excluded.initials, likes = excluded.likes, comments = excluded.comments, \
         reviews = excluded.reviews, followers = excluded.followers"
    };
    let [likes, comments, reviews, followers] = doc.counts;
    tx.prepare_cached(&format!(
        "INSERT INTO search_docs (kind, ref_id, title, body, extra, photo_id, norm, keys, initials, \
         likes, comments, reviews, followers, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
         ON CONFLICT (kind, ref_id) {conflict}"
    ))?
    .execute(params![
        kind.as_str(),
        id,
        doc.title,
        doc.body,
        doc.extra,
        doc.photo_id,
        forms.norm,
        forms.keys,
        forms.initials,
        likes,
        comments,
        reviews,
        followers,
        doc.created_at
    ])?;
    add_words(tx, &[&doc.title, &doc.body, &doc.extra])
}

/// Adds the words of a document's fields to the vocabulary (what typos are
/// looked for among).
fn add_words(tx: &Transaction<'_>, fields: &[&str]) -> Result<()> {
    for sql in plan_sql::remember(&query::words(fields)) {
        let (sql, binds) = values(sql);
        tx.execute(&sql, params_from_iter(binds))?;
    }
    Ok(())
}

/// Indexes a stored entity (or takes it out when it is hidden or deleted);
/// a review's author becomes findable too.
pub fn index(tx: &Transaction<'_>, kind: &EntityKind, id: &str, data: &Value) -> Result<()> {
    let Some(search_kind) = kind_of(kind) else {
        return Ok(());
    };
    match doc(search_kind, data) {
        Some(doc) => put(tx, search_kind, id, &doc, false)?,
        None => unindex(tx, kind, id)?,
    }
    if search_kind == SearchKind::Review {
        let author = text(data, "/author/id");
        let handle = text(data, "/author/handle");
        if !author.is_empty() && !handle.is_empty() {
            let avatar = data
                .pointer("/author/avatar_media_id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let doc = person(
                handle,
                text(data, "/author/display_name"),
                String::new(),
                avatar,
            );
            put(tx, SearchKind::Person, &author, &doc, true)?;
        }
    }
    Ok(())
}

/// Takes (kind, id) out of the index.
pub fn unindex(tx: &Transaction<'_>, kind: &EntityKind, id: &str) -> Result<()> {
    if let Some(kind) = kind_of(kind) {
        tx.prepare_cached("DELETE FROM search_docs WHERE kind = ?1 AND ref_id = ?2")?
            .execute(params![kind.as_str(), id])?;
    }
    Ok(())
}

/// Indexes cached entities that have no entry (a cache from before search).
pub fn backfill(tx: &Transaction<'_>) -> Result<usize> {
    let rows: Vec<(String, String, String)> = tx
        .prepare(
            "SELECT e.kind, e.id, e.data FROM entities e \
             WHERE e.kind IN ('review', 'place', 'product', 'profile', 'request') AND NOT EXISTS \
             (SELECT 1 FROM search_docs d WHERE d.ref_id = e.id \
             AND d.kind = CASE e.kind WHEN 'profile' THEN 'person' ELSE e.kind END)",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, id, data) in &rows {
        let data: Value = serde_json::from_str(data)?;
        index(tx, &EntityKind::parse(kind), id, &data)?;
    }
    // A cache indexed before the vocabulary existed: its words.
    let no_words = tx
        .prepare("SELECT word FROM search_words LIMIT 1")?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_none();
    if no_words {
        let docs: Vec<(String, String, String)> = tx
            .prepare("SELECT title, body, extra FROM search_docs")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let fields: Vec<&str> = docs
            .iter()
            .flat_map(|(t, b, e)| [t.as_str(), b.as_str(), e.as_str()])
            .collect();
        add_words(tx, &fields)?;
    }
    Ok(rows.len())
}

/// Binds the values of built SQL.
fn values(sql: Sql) -> (String, Vec<SqlValue>) {
    let binds = sql
        .binds
        .into_iter()
        .map(|v| match v {
            Bound::Text(s) => SqlValue::Text(s),
            Bound::Int(i) => SqlValue::Integer(i),
        })
        .collect();
    (sql.text, binds)
}

/// Drops the ways the vocabulary says cannot match (`query::prune`).
fn prune(conn: &Connection, plans: &mut [Plan]) -> Result<()> {
    if let Some(sql) = plan_sql::needs_met(Dialect::Device, &query::needs(plans)) {
        let (sql, binds) = values(sql);
        let met: Vec<String> = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(binds), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        query::prune(plans, &met);
    }
    Ok(())
}

/// Reads a typo tier through the vocabulary's words that meet it (the
/// first time a search reaches it; then it is an ordinary plan, with no way
/// if no word met it).
fn through_words(conn: &Connection, plan: &mut Plan) -> Result<()> {
    if let Some(sql) = plan_sql::vocabulary(Dialect::Device, plan) {
        let (sql, binds) = values(sql);
        let words: Vec<String> = conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(binds), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        *plan = plan.through_words(&words);
    }
    Ok(())
}

const HIT_COLUMNS: &str = "d.doc, d.ref_id, d.title, d.body, d.extra, d.photo_id, d.likes, \
     d.comments, d.reviews, d.followers, d.created_at";

/// Up to `limit` entries of `kind` in `plan`'s tier below `before`, newest
/// first, as (doc, hit).
fn tier_hits(
    conn: &Connection,
    q: &Query,
    kind: SearchKind,
    plan: &Plan,
    before: i64,
    limit: i64,
) -> Result<Vec<(i64, SearchHit)>> {
    let page = Page {
        kind: kind.as_str(),
        before,
        limit,
    };
    let Some(sql) = plan_sql::tier(Dialect::Device, plan, HIT_COLUMNS, page, &|_| {}) else {
        return Ok(Vec::new());
    };
    let (sql, binds) = values(sql);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(binds), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
            [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?],
            r.get::<_, i64>(10)?,
        ))
    })?;
    let mut hits = Vec::new();
    for row in rows {
        let (
            doc,
            id,
            title,
            body,
            extra,
            photo_id,
            [likes, comments, reviews, followers],
            created_at,
        ) = row?;
        let shown = q.show(&title, &body, &extra);
        hits.push((
            doc,
            SearchHit {
                kind,
                id,
                title,
                title_ranges: TextRange::from_pairs(&shown.title_ranges),
                snippet: shown.snippet,
                snippet_ranges: TextRange::from_pairs(&shown.snippet_ranges),
                photo_id,
                likes,
                comments,
                reviews,
                followers,
                matched: MatchKind::ALL[plan.tier.index()],
                created_at,
            },
        ));
    }
    Ok(hits)
}

/// Up to `size` hits of `kind` from the cache: tiers in order, newest first
/// in each.
pub fn search(
    conn: &Connection,
    q: &Query,
    kind: SearchKind,
    size: usize,
) -> Result<Vec<SearchHit>> {
    let mut plans = q.plans();
    prune(conn, &mut plans)?;
    search_with(conn, (q, &mut plans), kind, size)
}

/// [`search`] with the plans already read.
fn search_with(
    conn: &Connection,
    (q, plans): (&Query, &mut [Plan]),
    kind: SearchKind,
    size: usize,
) -> Result<Vec<SearchHit>> {
    let mut hits = Vec::with_capacity(size);
    for plan in plans.iter_mut() {
        let want = size - hits.len();
        if want == 0 {
            break;
        }
        through_words(conn, plan)?;
        let found = tier_hits(
            conn,
            q,
            kind,
            plan,
            i64::MAX,
            i64::try_from(want).unwrap_or(i64::MAX),
        )?;
        hits.extend(found.into_iter().map(|(_, hit)| hit));
    }
    Ok(hits)
}

/// Titles of cached things that `q` finds, for suggestions while typing.
pub fn suggestions(conn: &Connection, q: &Query, limit: usize) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut plans = q.plans();
    prune(conn, &mut plans)?;
    for kind in [
        SearchKind::Place,
        SearchKind::Product,
        SearchKind::Person,
        SearchKind::Review,
    ] {
        for hit in search_with(conn, (q, &mut plans), kind, limit)? {
            if !hit.title.is_empty() && !out.contains(&hit.title) {
                out.push(hit.title);
            }
        }
    }
    out.truncate(limit);
    Ok(out)
}

/// Remembers `text` as the newest recent search.
pub fn remember(tx: &Transaction<'_>, text: &str, now: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO recent_searches (text, at) VALUES (?1, ?2) \
         ON CONFLICT (text) DO UPDATE SET at = excluded.at",
        params![text, now],
    )?;
    tx.execute(
        "DELETE FROM recent_searches WHERE text NOT IN \
         (SELECT text FROM recent_searches ORDER BY at DESC LIMIT ?1)",
        params![RECENT_KEPT],
    )?;
    Ok(())
}

/// Recent searches, newest first.
pub fn recent(conn: &Connection) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached("SELECT text FROM recent_searches ORDER BY at DESC")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Forgets one recent search (`Some`) or all of them.
pub fn forget(tx: &Transaction<'_>, text: Option<&str>) -> Result<()> {
    match text {
        Some(text) => tx.execute("DELETE FROM recent_searches WHERE text = ?1", [text])?,
        None => tx.execute("DELETE FROM recent_searches", [])?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache indexed before the vocabulary existed gets its words when it
    /// is opened, so its typos are found offline.
    #[test]
    fn a_cache_from_before_the_vocabulary_gets_its_words() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrate(&mut conn, super::super::MIGRATIONS).unwrap();
        let review = serde_json::json!({
            "title": "스테인리스 텀블러",
            "body": "보온이 잘 돼요",
            "tags": ["여행"],
        });
        let tx = conn.transaction().unwrap();
        index(&tx, &EntityKind::Review, "r1", &review).unwrap();
        tx.execute("DELETE FROM search_words", []).unwrap();
        tx.commit().unwrap();
        let typo = Query::parse("스테인러스").unwrap();
        assert!(
            search(&conn, &typo, SearchKind::Review, 10)
                .unwrap()
                .is_empty()
        );
        let tx = conn.transaction().unwrap();
        backfill(&tx).unwrap();
        tx.commit().unwrap();
        let hits = search(&conn, &typo, SearchKind::Review, 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].matched, MatchKind::Typo);
        // The words are kept once: a second backfill adds none.
        let words: i64 = conn
            .query_row("SELECT COUNT(*) FROM search_words", [], |r| r.get(0))
            .unwrap();
        let tx = conn.transaction().unwrap();
        backfill(&tx).unwrap();
        tx.commit().unwrap();
        let again: i64 = conn
            .query_row("SELECT COUNT(*) FROM search_words", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            (words, again),
            (6, 6),
            "스테인리스 텀블러 보온이 잘 돼요 #여행"
        );
    }
}
