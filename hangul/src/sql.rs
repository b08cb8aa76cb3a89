//! The SQL of a search plan, written once for the server (SQLite or
//! PostgreSQL through sqlx) and client-core (SQLite through rusqlite), so
//! both read their index the same way.
//!
//! The tables it reads (each side's migrations create them):
//! - `search_docs d`: one row per document, with its forms `norm`, `keys`
//!   and `initials`, newest the highest `doc`;
//! - SQLite: `search_fts f`, an FTS5 trigram table over `kind`, `norm`,
//!   `keys` and `initials` whose rowid is `d.doc`; PostgreSQL: pg_trgm GIN
//!   indexes on the same columns;
//! - `search_words`: the vocabulary (`word`, `keys`), with `search_words_fts`
//!   on SQLite and a GIN index on `keys` on PostgreSQL.
//!
//! Placeholders are `$1`, `$2`, … in the order of [`Sql::binds`]; both
//! drivers bind them by position.

use crate::query::{Like, Plan, Way, indexable};

/// A kind as SQLite's FTS table holds it: its first three letters, unique
/// among the kinds (`rev`, `pla`, `pro`, `per`, `cam`, `req`).
pub fn kind3(kind: &str) -> &str {
    kind.get(..3).unwrap_or(kind)
}

/// Which engine the SQL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Int(i64),
}

/// SQL text and its binds, numbered as they are added.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Value>,
}

impl Sql {
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Adds a placeholder for `value`.
    pub fn bind(&mut self, value: Value) -> &mut Self {
        self.binds.push(value);
        let n = self.binds.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    fn like(&mut self, table: &str, like: &Like) -> &mut Self {
        self.push(&format!(" AND {table}.{} LIKE ", like.form.column()))
            .bind(Value::Text(like.pattern.clone()))
    }
}

/// Which rows of a tier a page reads: `kind`'s, below `before`, at most
/// `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub kind: &'a str,
    pub before: i64,
    pub limit: i64,
}

/// Adds conditions on `d` of the caller's own (the server leaves out
/// suspended members' content).
pub type Filter<'a> = &'a dyn Fn(&mut Sql);

/// The literal runs of a `LIKE` pattern.
fn pieces(pattern: &str) -> impl Iterator<Item = &str> {
    pattern.split(['%', '_']).filter(|run| !run.is_empty())
}

/// Whether the index sees only part of a pattern (a piece of it is
/// shorter than a trigram).
fn partial(like: &Like) -> bool {
    pieces(&like.pattern).any(|run| run.chars().count() < 3)
}

/// The condition a `SELECT` of `way` is read through on `dialect`. A way's
/// driver, except on PostgreSQL when the index sees only part of it and
/// another condition it sees whole: `%스테인%러%` shows it only 스테인,
/// common (320 ms over 1M reviews, reading 56,314 rows), its keys whole
/// 9 ms. (FTS5 pays instead for every trigram it opens: there the keys,
/// with many more trigrams, cost more when nothing matches.)
fn driver(dialect: Dialect, way: &Way) -> &Like {
    match dialect {
        Dialect::Postgres if partial(&way.driver) => way
            .all
            .iter()
            .find(|l| indexable(&l.pattern) && !partial(l))
            .unwrap_or(&way.driver),
        _ => &way.driver,
    }
}

/// One `SELECT` of `way`: rows that meet it and none of `plan.none`,
/// newest first.
fn select(
    dialect: Dialect,
    plan: &Plan,
    way: &Way,
    columns: &str,
    page: Page,
    filter: Filter,
    sql: &mut Sql,
) {
    let driver = driver(dialect, way);
    sql.push(&format!("SELECT {columns} FROM "));
    match dialect {
        Dialect::Sqlite => {
            // The kind is matched in the FTS table too: for a rare kind its
            // short doclist is what keeps the walk short. CROSS JOIN keeps
            // the FTS table the outer loop (SQLite's planner may otherwise
            // probe it once per row of the other table).
            // The kind is matched by its first three letters (`kind3`, one
            // trigram: one doclist to walk, where `review` is four).
            sql.push(
                "search_fts f CROSS JOIN search_docs d ON d.doc = f.rowid WHERE f.kind3 LIKE ",
            )
            .bind(Value::Text(kind3(page.kind).into()))
            .push(" AND f.rowid < ")
            .bind(Value::Int(page.before))
            .like("f", driver);
        }
        Dialect::Postgres => {
            sql.push("search_docs d WHERE d.kind = ")
                .bind(Value::Text(page.kind.into()))
                .push(" AND d.doc < ")
                .bind(Value::Int(page.before))
                .like("d", driver);
        }
    }
    // SQLite: when the driver has a piece too short for the index (which
    // then sees only the rest of it), the way's other conditions it can
    // serve are given to FTS5 too: it walks the doclists together, so a
    // rare run in any of them keeps the walk short (`%스테인%러%` is common
    // where its keys' `ㄹㅓㅅㅡ` is rare: 56 ms → 15 over 200k reviews). Not
    // always: every trigram costs FTS5 a doclist to open, and a keys
    // pattern has many (a full driver plus its keys: 0.6 → 3 ms).
    let partial = partial(driver);
    for l in way.all.iter().filter(|l| *l != driver) {
        match dialect {
            Dialect::Sqlite if partial && indexable(&l.pattern) => sql.like("f", l),
            Dialect::Sqlite => sql.like("d", l),
            // PostgreSQL multiplies the selectivities of conditions as if
            // they were independent; these hold for most rows the driver
            // finds (`%장바%` where `%ㅈㅏㅇㅂㅏㄱ%` holds), so the product
            // came out 60 times too low and the planner read and sorted all
            // 7,203 matches (80 ms) instead of walking the newest (1.7 ms).
            // Behind COALESCE a condition counts as an even chance. (Not
            // when the driver has a piece too short to index: then what
            // the other conditions add is not in the driver, and a plain
            // LIKE lets the planner combine their GIN indexes.)
            Dialect::Postgres if partial && indexable(&l.pattern) => sql.like("d", l),
            Dialect::Postgres => sql
                .push(&format!(" AND COALESCE(d.{} LIKE ", l.form.column()))
                .bind(Value::Text(l.pattern.clone()))
                .push(", FALSE)"),
        };
    }
    for group in &plan.none {
        sql.push(" AND NOT (1 = 1");
        for l in group {
            sql.like("d", l);
        }
        sql.push(")");
    }
    filter(sql);
    // SQLite: in the FTS table's own rowid order (the same as `d.doc`), so
    // FTS5 walks its matches newest first and stops at the limit; by `d.doc`
    // SQLite collects and sorts every match first (BENCHMARKS.md, issue 19).
    sql.push(match dialect {
        Dialect::Sqlite => " ORDER BY f.rowid",
        Dialect::Postgres => " ORDER BY d.doc",
    })
    .push(" DESC LIMIT ")
    .bind(Value::Int(page.limit));
}

/// Up to `page.limit` rows of `plan`'s tier, newest first: one `SELECT` per
/// way, merged. `columns` are the `d.` columns read, `d.doc` first. `None`
/// when the plan has no way (a typo tier no word met).
pub fn tier(
    dialect: Dialect,
    plan: &Plan,
    columns: &str,
    page: Page,
    filter: Filter,
) -> Option<Sql> {
    let mut sql = Sql::default();
    for (i, way) in plan.ways.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ");
        }
        sql.push("SELECT * FROM (");
        select(dialect, plan, way, columns, page, filter, &mut sql);
        sql.push(&format!(") AS t{i}"));
    }
    match plan.ways.len() {
        0 => None,
        1 => Some(sql),
        _ => {
            sql.push(" ORDER BY 1 DESC LIMIT ")
                .bind(Value::Int(page.limit));
            Some(sql)
        }
    }
}

/// Which of `needs` ([`crate::query::needs`]) some word of the vocabulary
/// meets (over its keys): one row per pattern met, the pattern itself.
/// `None` when there is nothing to ask.
pub fn needs_met(dialect: Dialect, needs: &[String]) -> Option<Sql> {
    if needs.is_empty() {
        return None;
    }
    let mut sql = Sql::default();
    for (i, need) in needs.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT ");
        let n = sql.binds.len() + 1;
        sql.bind(Value::Text(need.clone()));
        match dialect {
            Dialect::Sqlite => sql.push(&format!(
                " WHERE EXISTS (SELECT 1 FROM search_words_fts WHERE keys LIKE ${n})"
            )),
            Dialect::Postgres => sql.push(&format!(
                "::text WHERE EXISTS (SELECT 1 FROM search_words WHERE keys LIKE ${n})"
            )),
        };
    }
    Some(sql)
}

/// The most words of the vocabulary a typo tier is read through.
pub const VOCABULARY_WORDS: i64 = 64;

/// The vocabulary's words that meet one of `plan`'s typo patterns (over
/// their keys), read through the key runs one of which each holds; `None`
/// when the plan is not read through words.
pub fn vocabulary(dialect: Dialect, plan: &Plan) -> Option<Sql> {
    let (runs, patterns) = plan.vocabulary()?;
    let mut sql = Sql::default();
    let meets = |sql: &mut Sql, column: &str| {
        sql.push(" AND (");
        for (i, pattern) in patterns.iter().enumerate() {
            sql.push(if i == 0 { "" } else { " OR " })
                .push(&format!("{column} LIKE "))
                .bind(Value::Text((*pattern).to_owned()));
        }
        sql.push(")");
    };
    match dialect {
        Dialect::Sqlite => {
            for (i, run) in runs.iter().enumerate() {
                // CROSS JOIN: the FTS table outside (see `select`); with the
                // vocabulary outside, every word re-ran the FTS query.
                sql.push(if i == 0 { "" } else { " UNION " })
                    .push(
                        "SELECT w.word FROM search_words_fts f CROSS JOIN search_words w \
                         ON w.rowid = f.rowid WHERE f.keys LIKE ",
                    )
                    .bind(Value::Text(run.clone()));
                meets(&mut sql, "w.keys");
            }
        }
        Dialect::Postgres => {
            sql.push("SELECT word FROM search_words WHERE (");
            for (i, run) in runs.iter().enumerate() {
                sql.push(if i == 0 { "" } else { " OR " })
                    .push("keys LIKE ")
                    .bind(Value::Text(run.clone()));
            }
            sql.push(")");
            meets(&mut sql, "keys");
        }
    }
    sql.push(" LIMIT ").bind(Value::Int(VOCABULARY_WORDS));
    Some(sql)
}

/// The most words one statement adds to the vocabulary.
const WORDS_PER_INSERT: usize = 200;

/// Adds `words` ([`crate::query::words`]) to the vocabulary, those not in
/// it yet: a statement per [`WORDS_PER_INSERT`].
pub fn remember(words: &[String]) -> Vec<Sql> {
    words
        .chunks(WORDS_PER_INSERT)
        .map(|chunk| {
            let mut sql = Sql::default();
            sql.push("INSERT INTO search_words (word, keys) VALUES ");
            for (i, word) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind(Value::Text(word.clone()))
                    .push(", ")
                    .bind(Value::Text(crate::keys_of(word)))
                    .push(")");
            }
            sql.push(" ON CONFLICT (word) DO NOTHING");
            sql
        })
        .collect()
}
