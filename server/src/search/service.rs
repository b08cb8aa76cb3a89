//! The search index and its queries.
//!
//! Writing: [`put`] and [`remove`] keep one `search_docs` row per visible
//! review, place, product and member, called from each kind's `publish` (the
//! one write path), so the index changes in the write's own transaction and a
//! hidden or deleted thing is gone the moment that commits. SQLite mirrors
//! the rows' `norm` and `initials` into an FTS5 trigram table by trigger;
//! PostgreSQL indexes the same columns with pg_trgm. Each document's words
//! join the vocabulary (`search_words`), and its words of one or two
//! characters `search_short`, but those common in its kind
//! ([`super::common`]).
//!
//! Reading: [`search`] runs `moa_hangul::query` plans tier by tier, each a
//! `LIKE` the trigram index serves (or, for a run of one or two syllables,
//! the vocabulary's words that hold it: [`through_vocabulary`]), newest
//! first within a tier, and pages with a cursor of (tier, last doc). Members who are suspended or deleted
//! are left out when read, so lifting a suspension brings them back.

use moa_hangul::query::{self, Plan, Query, QueryError, Tier, Way};
use moa_hangul::sql::{self as plan_sql, Dialect, Page, Sql, Value};
use moa_protocol::limits::{MAX_PAGE_SIZE, SEARCH_ALL_PER_KIND};
use moa_protocol::{MatchKind, SearchHit, SearchKind, SearchResults, SearchType, TextRange};
use sqlx::AnyConnection;

use crate::db::Backend;
use crate::error::{Error, Result};
use crate::pagination;

/// What a searchable thing shows and is found by.
pub struct Doc<'a> {
    pub kind: SearchKind,
    pub id: &'a str,
    /// Whose content it is (a review's author, the member themself).
    pub author_id: Option<&'a str>,
    pub title: &'a str,
    pub body: &'a str,
    /// Text it is found by, shown only when the match is there (tags, a bio).
    pub extra: &'a str,
    pub photo_id: Option<&'a str>,
    pub created_at: i64,
}

/// Indexes `doc`, replacing what was indexed for it (its row, and so its
/// place among the newest, is kept), and adds its words to the vocabulary.
///
/// One statement, one round trip to the database: the row is upserted
/// (updated only when what is shown or indexed changed, so an unchanged
/// thing costs no index work) and the words inserted where new. On SQLite
/// these are two statements sent as one query; on PostgreSQL the words go
/// in a data-modifying `WITH`. Three round trips (read the row, write it,
/// add the words) made this 1.03 ms a review over 1M on SQLite and 0.77 on
/// PostgreSQL, most of it waiting (`BENCHMARKS.md`, issue 19).
pub async fn put(conn: &mut AnyConnection, doc: &Doc<'_>) -> Result<()> {
    let fields = [doc.title, doc.body, doc.extra];
    let forms = query::forms(&fields);
    // The words once: the vocabulary's entries, and of them the short ones.
    let entries = query::word_keys(&fields);
    let short: Vec<&str> = entries
        .iter()
        .map(|(w, _)| w.as_str())
        .filter(|w| query::is_short(w))
        .collect();
    let words = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into());
    let short = serde_json::to_string(&short).unwrap_or_else(|_| "[]".into());
    let sql = if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        PUT_SQLITE
    } else {
        put_postgres(doc.kind)
    };
    sqlx::query(sql)
        .bind(doc.kind.as_str())
        .bind(doc.id)
        .bind(doc.author_id)
        .bind(doc.title)
        .bind(doc.body)
        .bind(doc.extra)
        .bind(doc.photo_id)
        .bind(&forms.norm)
        .bind(&forms.keys)
        .bind(&forms.initials)
        .bind(doc.created_at)
        .bind(words)
        .bind(short)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The upsert both engines share, into `$table` (named `search_docs` in the
/// statement): the columns a change to is worth rewriting the row (and its
/// index entries) for.
macro_rules! upsert_doc {
    ($table:literal) => {
        concat!("INSERT INTO ", $table, " (kind, ref_id, author_id, title, body, extra, photo_id, \
         norm, keys, initials, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (kind, ref_id) DO UPDATE SET author_id = excluded.author_id, \
         title = excluded.title, body = excluded.body, extra = excluded.extra, \
         photo_id = excluded.photo_id, norm = excluded.norm, keys = excluded.keys, \
         initials = excluded.initials \
         WHERE search_docs.author_id IS DISTINCT FROM excluded.author_id \
         OR search_docs.title <> excluded.title OR search_docs.body <> excluded.body \
         OR search_docs.extra <> excluded.extra \
         OR search_docs.photo_id IS DISTINCT FROM excluded.photo_id \
         OR search_docs.norm <> excluded.norm")
    };
}

/// SQLite: the upsert, the words (`$12`, a JSON array of `[word, keys]`),
/// then the short words (`$13`, a JSON array) not common in the kind
/// (`super::common`), as one query (sqlx runs each
/// statement of it with the numbered binds it names).
const PUT_SQLITE: &str = concat!(
    upsert_doc!("search_docs"),
    "; INSERT INTO search_words (word, keys) \
     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each($12) \
     WHERE true ON CONFLICT (word) DO NOTHING; \
     INSERT INTO search_short (kind, word, doc) SELECT $1, value, \
     (SELECT doc FROM search_docs WHERE kind = $1 AND ref_id = $2) FROM json_each($13) \
     WHERE NOT EXISTS (SELECT 1 FROM search_common c WHERE c.kind = $1 AND c.word = value) \
     ON CONFLICT DO NOTHING"
);

/// PostgreSQL: the words and the upsert in data-modifying `WITH`s (run
/// once whatever the outer statement reads), then the short words of the
/// row the upsert wrote (none when it changed nothing), but those common in
/// the kind. Words the vocabulary has are left out before the insert (most
/// are): a plain index probe, where `ON CONFLICT` alone takes each through
/// a speculative insertion (0.335 → 0.309 ms a review, issue 19, seventh
/// round); it stays for a word another writer adds meanwhile. The row goes
/// straight into its kind's partition (`put_postgres`).
macro_rules! put_postgres {
    ($partition:literal) => {
        concat!(
            "WITH words AS (INSERT INTO search_words (word, keys) \
             SELECT w->>0, w->>1 FROM jsonb_array_elements($12::jsonb) AS w \
             WHERE NOT EXISTS (SELECT 1 FROM search_words k WHERE k.word = w->>0) \
             ON CONFLICT (word) DO NOTHING), written AS (",
            upsert_doc!($partition),
            " RETURNING doc) INSERT INTO search_short (kind, word, doc) \
             SELECT $1, w, written.doc FROM written, jsonb_array_elements_text($13::jsonb) AS w \
             WHERE NOT EXISTS (SELECT 1 FROM search_common c WHERE c.kind = $1 AND c.word = w) \
             ON CONFLICT DO NOTHING"
        )
    };
}

/// `put`'s statement on PostgreSQL for `kind`: into the kind's partition of
/// `search_docs` (migration 9) by name, which spares routing each row
/// through the parent (0.309 → 0.300 ms a review, issue 19, seventh round).
fn put_postgres(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Review => put_postgres!("search_docs_review AS search_docs"),
        SearchKind::Place => put_postgres!("search_docs_place AS search_docs"),
        SearchKind::Product => put_postgres!("search_docs_product AS search_docs"),
        SearchKind::Person => put_postgres!("search_docs_person AS search_docs"),
        SearchKind::Campaign => put_postgres!("search_docs_campaign AS search_docs"),
        SearchKind::Request => put_postgres!("search_docs_request AS search_docs"),
    }
}

/// Takes `id` of `kind` out of the index (hidden or deleted), with its
/// short words' rows.
pub async fn remove(conn: &mut AnyConnection, kind: SearchKind, id: &str) -> Result<()> {
    let removed: Option<(i64, String, String, String)> = sqlx::query_as(
        "DELETE FROM search_docs WHERE kind = $1 AND ref_id = $2 \
         RETURNING doc, title, body, extra",
    )
    .bind(kind.as_str())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((doc, title, body, extra)) = removed {
        for word in query::short_words(&[&title, &body, &extra]) {
            sqlx::query("DELETE FROM search_short WHERE kind = $1 AND word = $2 AND doc = $3")
                .bind(kind.as_str())
                .bind(word)
                .bind(doc)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The things of each kind a backfill indexes: those with no entry yet.
const UNINDEXED: [(SearchKind, &str); 4] = [
    (
        SearchKind::Review,
        "SELECT r.id FROM reviews r WHERE r.deleted_at IS NULL AND r.hidden_at IS NULL",
    ),
    (
        SearchKind::Place,
        "SELECT r.id FROM places r WHERE r.deleted_at IS NULL",
    ),
    (
        SearchKind::Product,
        "SELECT r.id FROM products r WHERE r.hidden_at IS NULL AND r.deleted_at IS NULL",
    ),
    (
        SearchKind::Person,
        "SELECT r.id FROM users r WHERE r.deleted_at IS NULL",
    ),
];

/// Indexes what was written before the index existed (a database from an
/// older version), a batch per transaction; a no-op once every thing has
/// its entry. Runs at start-up, before the server takes requests.
pub async fn backfill(db: &crate::Db) -> Result<()> {
    const BATCH: i64 = 500;
    let mut total = 0usize;
    for (kind, select) in UNINDEXED {
        loop {
            let mut tx = db.begin_write().await?;
            let sql = format!(
                "{select} AND NOT EXISTS (SELECT 1 FROM search_docs d \
                 WHERE d.kind = $1 AND d.ref_id = r.id) LIMIT $2"
            );
            let ids: Vec<String> = sqlx::query_scalar(&sql)
                .bind(kind.as_str())
                .bind(BATCH)
                .fetch_all(&mut *tx)
                .await?;
            for id in &ids {
                index_stored(&mut tx, kind, id).await?;
            }
            tx.commit().await?;
            total += ids.len();
            if ids.len() < BATCH as usize {
                break;
            }
        }
    }
    if total > 0 {
        tracing::info!(total, "search index backfilled");
    }
    backfill_words(db).await
}

/// Fills the vocabulary and the short words' table from the indexed
/// documents when the vocabulary is empty (an index from before it
/// existed, or from before one-character words were kept), in one
/// transaction, so a start that stops half-way leaves it empty and the
/// next start begins again.
async fn backfill_words(db: &crate::Db) -> Result<()> {
    const BATCH: i64 = 2_000;
    let mut tx = db.begin_write().await?;
    let any_word: Option<String> = sqlx::query_scalar("SELECT word FROM search_words LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    if any_word.is_some() {
        return Ok(());
    }
    let mut docs = 0usize;
    for kind in SearchKind::ALL {
        let mut after = i64::MIN;
        loop {
            let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT doc, title, body, extra FROM search_docs \
                 WHERE kind = $1 AND doc > $2 ORDER BY doc LIMIT $3",
            )
            .bind(kind.as_str())
            .bind(after)
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            let mut words: Vec<&str> = Vec::new();
            let mut short = Vec::new();
            for (doc, title, body, extra) in &rows {
                let fields = [title.as_str(), body.as_str(), extra.as_str()];
                words.extend(fields);
                short.extend(
                    query::short_words(&fields)
                        .into_iter()
                        .map(|w| (kind.as_str(), w, *doc)),
                );
                after = *doc;
            }
            remember(&mut tx, &words).await?;
            remember_short(&mut tx, &short).await?;
            docs += rows.len();
            if rows.len() < BATCH as usize {
                break;
            }
        }
    }
    tx.commit().await?;
    if docs > 0 {
        tracing::info!(docs, "search vocabulary backfilled");
    }
    Ok(())
}

/// Indexes the stored `id` of `kind` as its own write path would.
async fn index_stored(conn: &mut AnyConnection, kind: SearchKind, id: &str) -> Result<()> {
    use crate::{
        catalog::service as catalog, reviews::service as reviews, users::service as users,
    };
    match kind {
        SearchKind::Review => match reviews::load(conn, id).await? {
            Some(row) => reviews::index(conn, &row).await,
            None => Ok(()),
        },
        SearchKind::Place => match catalog::get_place(conn, id).await? {
            Some(place) => catalog::index_place(conn, &place).await,
            None => Ok(()),
        },
        SearchKind::Product => match catalog::get_product(conn, id).await? {
            Some(product) => catalog::index_product(conn, &product).await,
            None => Ok(()),
        },
        SearchKind::Person => match users::find_by_id(conn, id).await? {
            Some(user) => users::index(conn, &user).await,
            None => Ok(()),
        },
        SearchKind::Request => crate::requests::service::reindex(conn, id).await,
        SearchKind::Campaign => Ok(()),
    }
}

fn dialect(backend: Backend) -> Dialect {
    match backend {
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Postgres => Dialect::Postgres,
    }
}

/// Runs SQL built from a plan. Not a named prepared statement: PostgreSQL
/// would switch it to a generic plan after five runs, and a generic plan
/// cannot see how common the pattern is. For a common word it then reads
/// every match through the GIN index and sorts them (570 ms for 커피 over
/// 200k entries) where the plan for the actual pattern walks the newest
/// rows backwards and stops at the page (4 ms). An unnamed statement is
/// planned for its values every time.
async fn fetch<T>(conn: &mut AnyConnection, sql: Sql) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut q = sqlx::query_as::<_, T>(&sql.text).persistent(false);
    for value in sql.binds {
        q = match value {
            Value::Text(s) => q.bind(s),
            Value::Int(i) => q.bind(i),
        };
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// Runs built SQL that answers no rows.
async fn execute(conn: &mut AnyConnection, sql: Sql) -> Result<()> {
    let mut q = sqlx::query(&sql.text);
    for value in sql.binds {
        q = match value {
            Value::Text(s) => q.bind(s),
            Value::Int(i) => q.bind(i),
        };
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Adds the words of a document's fields to the vocabulary (the benchmark's
/// fill calls it too).
pub async fn remember(conn: &mut AnyConnection, fields: &[&str]) -> Result<()> {
    for sql in plan_sql::remember(&query::words(fields)) {
        execute(conn, sql).await?;
    }
    Ok(())
}

/// Adds `(kind, word, doc)` rows to the short words' table (the benchmark's
/// fill calls it too).
pub async fn remember_short(conn: &mut AnyConnection, rows: &[(&str, String, i64)]) -> Result<()> {
    for sql in plan_sql::remember_short(rows) {
        execute(conn, sql).await?;
    }
    Ok(())
}

/// An indexed row as a query reads it.
#[derive(sqlx::FromRow)]
struct Row {
    doc: i64,
    ref_id: String,
    title: String,
    body: String,
    extra: String,
    photo_id: Option<String>,
    created_at: i64,
}

const ROW_COLUMNS: &str = "d.doc, d.ref_id, d.title, d.body, d.extra, d.photo_id, d.created_at";

/// Reads a typo tier through the vocabulary's words that meet it (the
/// first time a page reaches it; then it is an ordinary plan, with no way
/// if no word met it).
async fn through_words(conn: &mut AnyConnection, backend: Backend, plan: &mut Plan) -> Result<()> {
    if let Some(sql) = plan_sql::vocabulary(dialect(backend), plan) {
        let words: Vec<(String,)> = fetch(conn, sql).await?;
        let words: Vec<String> = words.into_iter().map(|(w,)| w).collect();
        *plan = plan.through_words(&words);
    }
    Ok(())
}

/// Reads the ways of `plan` the server's index does not drive well (a keys
/// pattern: it holds no keys; a `norm` pattern it sees only part of)
/// through the vocabulary's words that hold their match (`Way::through`),
/// the first time a page reaches the tier: a word of three characters or
/// more through `norm`, a shorter one through the short words' table, and
/// a run in more words than `LOOKUP_WORDS` (common) newest first.
async fn through_vocabulary(
    conn: &mut AnyConnection,
    backend: Backend,
    plan: &mut Plan,
) -> Result<()> {
    if !plan.ways.iter().any(Way::wants_words) {
        return Ok(());
    }
    let mut ways = Vec::with_capacity(plan.ways.len());
    for way in std::mem::take(&mut plan.ways) {
        if !way.wants_words() {
            ways.push(way);
            continue;
        }
        let found = match way.lookup() {
            Some(pattern) => {
                let words: Vec<(String,)> =
                    fetch(conn, plan_sql::lookup(dialect(backend), pattern)).await?;
                (words.len() <= query::LOOKUP_WORDS)
                    .then(|| words.into_iter().map(|(w,)| w).collect::<Vec<_>>())
            }
            None => None,
        };
        ways.extend(way.through(found.as_deref()));
    }
    plan.ways = ways;
    Ok(())
}

/// Drops the ways the vocabulary says cannot match (`query::prune`), with
/// one query before any document is read.
async fn prune(conn: &mut AnyConnection, backend: Backend, plans: &mut [Plan]) -> Result<()> {
    if let Some(sql) = plan_sql::needs_met(dialect(backend), &query::needs(plans)) {
        let met: Vec<(String,)> = fetch(conn, sql).await?;
        let met: Vec<String> = met.into_iter().map(|(m,)| m).collect();
        query::prune(plans, &met);
    }
    Ok(())
}

/// Up to `limit` rows of `kind` in `plan`'s tier below `before`, newest
/// first; members suspended at `now` left out.
async fn tier_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    plan: &Plan,
    page: Page<'_>,
    now: i64,
) -> Result<Vec<Row>> {
    let suspended = |sql: &mut Sql| {
        sql.push(
            " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.author_id \
             AND (u.suspended_until IS NOT NULL OR u.deleted_at IS NOT NULL) \
             AND (u.deleted_at IS NOT NULL AND d.kind = 'person' OR u.suspended_until > ",
        )
        .bind(Value::Int(now))
        .push("))");
    };
    match plan_sql::tier(dialect(backend), plan, ROW_COLUMNS, page, &suspended) {
        Some(sql) => fetch(conn, sql).await,
        None => Ok(Vec::new()),
    }
}

/// A hit of `kind` from its indexed row (counts filled in later).
fn hit(q: &Query, kind: SearchKind, tier: Tier, row: Row) -> SearchHit {
    let shown = q.show(&row.title, &row.body, &row.extra);
    SearchHit {
        kind,
        title_ranges: TextRange::from_pairs(&shown.title_ranges),
        title: row.title,
        snippet: shown.snippet,
        snippet_ranges: TextRange::from_pairs(&shown.snippet_ranges),
        id: row.ref_id,
        photo_id: row.photo_id,
        likes: 0,
        comments: 0,
        reviews: 0,
        followers: 0,
        matched: MatchKind::ALL[tier.index()],
        created_at: row.created_at,
    }
}

/// Where a page of one kind starts: its tier and the doc below which it
/// goes on.
fn decode_cursor(cursor: Option<&str>) -> Result<(usize, i64)> {
    let Some(cursor) = cursor else {
        return Ok((0, i64::MAX));
    };
    let parts = pagination::decode(cursor, 2)?;
    match (parts[0].parse::<usize>(), parts[1].parse::<i64>()) {
        (Ok(tier), Ok(doc)) if Tier::from_index(tier).is_some() => Ok((tier, doc)),
        _ => Err(Error::BadRequest {
            code: moa_protocol::ErrorCode::InvalidParameter,
            message: "cursor: not a cursor from this list".into(),
        }),
    }
}

/// One page of `kind`: tiers in order from the cursor's, newest first in
/// each, and the cursor of the next page.
async fn kind_page(
    conn: &mut AnyConnection,
    backend: Backend,
    (q, plans): (&Query, &mut [Plan]),
    kind: SearchKind,
    cursor: Option<&str>,
    size: usize,
    now: i64,
) -> Result<(Vec<SearchHit>, Option<String>)> {
    let (start, mut before) = decode_cursor(cursor)?;
    // A kind with nothing indexed (group-buys before the first one) answers
    // at once: its tier queries could only scan to find nothing.
    let any: Option<i64> =
        sqlx::query_scalar("SELECT doc FROM search_docs WHERE kind = $1 LIMIT 1")
            .bind(kind.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    if any.is_none() {
        return Ok((Vec::new(), None));
    }
    let mut from_tier = start;
    let mut hits = Vec::with_capacity(size);
    let last = plans.last().map(|p| p.tier.index());
    for plan in plans.iter_mut().filter(|p| p.tier.index() >= start) {
        through_words(conn, backend, plan).await?;
        through_vocabulary(conn, backend, plan).await?;
        if plan.tier.index() > from_tier {
            before = i64::MAX;
            from_tier = plan.tier.index();
        }
        let want = size - hits.len();
        let page = Page {
            kind: kind.as_str(),
            before,
            limit: i64::try_from(want + 1).unwrap_or(i64::MAX),
        };
        let rows = tier_rows(conn, backend, plan, page, now).await?;
        let more = rows.len() > want;
        for row in rows.into_iter().take(want) {
            before = row.doc;
            hits.push(hit(q, kind, plan.tier, row));
        }
        if more {
            let next = pagination::encode(&[&from_tier.to_string(), &before.to_string()]);
            return Ok((hits, Some(next)));
        }
        if hits.len() == size {
            // The page ends with this tier: the next starts at the next one.
            let next = pagination::encode(&[&(from_tier + 1).to_string(), &i64::MAX.to_string()]);
            let left = last.is_some_and(|t| t > from_tier);
            return Ok((hits, left.then_some(next)));
        }
    }
    Ok((hits, None))
}

/// Puts a hit's counts (two numbers read for its kind) in their fields.
type SetCounts = fn(&mut SearchHit, (i64, i64));

/// Fills in each hit's counts from where they live (they change with every
/// like and follow, so the index does not copy them).
async fn fill_counts(conn: &mut AnyConnection, hits: &mut [SearchHit]) -> Result<()> {
    for hit in hits.iter_mut() {
        let (sql, fields): (&str, SetCounts) = match hit.kind {
            SearchKind::Review => (
                "SELECT like_count, comment_count FROM reviews WHERE id = $1",
                |h, (a, b)| (h.likes, h.comments) = (a, b),
            ),
            SearchKind::Place => (
                "SELECT review_count, 0 FROM places WHERE id = $1",
                |h, (a, _)| h.reviews = a,
            ),
            SearchKind::Product => (
                "SELECT review_count, 0 FROM products WHERE id = $1",
                |h, (a, _)| h.reviews = a,
            ),
            SearchKind::Person => (
                "SELECT review_count, follower_count FROM users WHERE id = $1",
                |h, (a, b)| (h.reviews, h.followers) = (a, b),
            ),
            SearchKind::Request => (
                "SELECT quote_count, 0 FROM requests WHERE id = $1",
                |h, (a, _)| h.comments = a,
            ),
            SearchKind::Campaign => continue,
        };
        let counts: Option<(i64, i64)> = sqlx::query_as(sql)
            .bind(&hit.id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(counts) = counts {
            fields(hit, counts);
        }
    }
    Ok(())
}

/// How engaged members were with a hit: the tie breaker after the match.
fn engagement(hit: &SearchHit) -> i64 {
    hit.likes + hit.comments + hit.reviews + hit.followers
}

/// Orders hits by match, then engagement, then recency.
fn rank(hits: &mut [SearchHit]) {
    hits.sort_by(|a, b| {
        a.matched
            .cmp(&b.matched)
            .then(engagement(b).cmp(&engagement(a)))
            .then(b.created_at.cmp(&a.created_at))
    });
}

/// Reads a query, refusing what cannot be searched with a 422.
pub fn parse(q: &str) -> Result<Query> {
    Query::parse(q).map_err(|e| {
        Error::invalid(
            "q",
            match e {
                QueryError::Empty => "enter something to search for".to_owned(),
                QueryError::TooLong => e.to_string(),
            },
        )
    })
}

/// `GET /v1/search`: the best few of every kind for `all`; a page of one
/// kind otherwise. Within a page, hits go by match, then engagement, then
/// recency.
pub async fn search(
    conn: &mut AnyConnection,
    backend: Backend,
    q: &Query,
    kind: SearchType,
    cursor: Option<&str>,
    limit: Option<u32>,
    now: i64,
) -> Result<SearchResults> {
    let mut plans = q.plans();
    prune(conn, backend, &mut plans).await?;
    let result = match kind.kind() {
        None => {
            let mut hits = Vec::new();
            for kind in SearchKind::ALL {
                let size = SEARCH_ALL_PER_KIND as usize;
                let (mut some, _) =
                    kind_page(conn, backend, (q, &mut plans), kind, None, size, now).await?;
                fill_counts(conn, &mut some).await?;
                rank(&mut some);
                hits.extend(some);
            }
            SearchResults {
                hits,
                next_cursor: None,
            }
        }
        Some(kind) => {
            let size = limit
                .unwrap_or(moa_protocol::limits::DEFAULT_PAGE_SIZE)
                .clamp(1, MAX_PAGE_SIZE) as usize;
            let (mut hits, next_cursor) =
                kind_page(conn, backend, (q, &mut plans), kind, cursor, size, now).await?;
            fill_counts(conn, &mut hits).await?;
            rank(&mut hits);
            SearchResults { hits, next_cursor }
        }
    };
    Ok(result)
}

/// The same `LIKE` over the raw text, for the benchmark's comparison: what
/// search was before this index (a scan of every row).
pub async fn like_scan(
    conn: &mut AnyConnection,
    kind: SearchKind,
    text: &str,
    limit: i64,
) -> Result<Vec<String>> {
    let pattern = format!("%{}%", text.to_lowercase());
    let ids = sqlx::query_scalar(
        "SELECT ref_id FROM search_docs WHERE kind = $1 \
         AND (LOWER(title) LIKE $2 OR LOWER(body) LIKE $2) ORDER BY doc DESC LIMIT $3",
    )
    .bind(kind.as_str())
    .bind(pattern)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids)
}
