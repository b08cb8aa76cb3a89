//! The SQL of a search plan, written once for the server (SQLite or
//! PostgreSQL through sqlx) and client-core (SQLite through rusqlite), so
//! both read their index the same way.
//!
//! The tables it reads (each side's migrations create them):
//! - `search_docs d`: one row per document, with its forms `norm`, `keys`
//!   and `initials`, newest the highest `doc`;
//! - SQLite: `search_fts f`, an FTS5 trigram table over `kind3`, `norm` and
//!   `initials` (the device's over `keys` too) whose rowid is `d.doc`;
//!   PostgreSQL: pg_trgm GIN indexes on `norm` and `initials`
//!   ([`Dialect::indexes`]);
//! - `search_words`: the vocabulary (`word`, `keys`), with `search_words_fts`
//!   on SQLite and a GIN index on `keys` on PostgreSQL;
//! - the server's `search_short s`: `(kind, word, doc)` for each word of one
//!   or two characters a document holds ([`Via::Word`]), and
//!   `search_common`: the `(kind, word)` pairs whose rows it no longer adds
//!   ([`Via::Common`]).
//!
//! Placeholders are `$1`, `$2`, … in the order of [`Sql::binds`]; both
//! drivers bind them by position.

use crate::query::{Form, Like, Plan, Via, Way, indexable, partial as partial_pattern};

/// A kind as SQLite's FTS table holds it: its first three letters, unique
/// among the kinds (`rev`, `pla`, `pro`, `per`, `cam`, `req`).
pub fn kind3(kind: &str) -> &str {
    kind.get(..3).unwrap_or(kind)
}

/// Which engine the SQL is for, and so which forms its trigram index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The server on SQLite: FTS5 over `kind3`, `norm` and `initials`.
    Sqlite,
    /// The server on PostgreSQL: GIN over `norm` and `initials`.
    Postgres,
    /// client-core's cache (SQLite): FTS5 over every form, `keys` too.
    Device,
}

impl Dialect {
    /// Whether its trigram index holds `form`. The server's leaves `keys`
    /// out (most of a document's index entries, and of the cost of
    /// writing one); what a keys pattern drove is read through the
    /// vocabulary there ([`Way::through`]).
    pub fn indexes(self, form: Form) -> bool {
        self == Dialect::Device || form != Form::Keys
    }

    fn sqlite(self) -> bool {
        self != Dialect::Postgres
    }
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

/// Whether the index sees only part of a pattern (a piece of it is
/// shorter than a trigram).
fn partial(like: &Like) -> bool {
    partial_pattern(&like.pattern)
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
            .find(|l| indexable(&l.pattern) && !partial(l) && dialect.indexes(l.form))
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
    // A driver the index does not hold (a way the server did not read
    // through the vocabulary) is read newest first.
    let via = match &way.via {
        Via::Index if !dialect.indexes(driver.form) => &Via::Scan,
        via => via,
    };
    sql.push(&format!("SELECT {columns} FROM "));
    let order = match (via, dialect.sqlite()) {
        (Via::Index, true) => {
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
            // SQLite: in the FTS table's own rowid order (the same as
            // `d.doc`), so FTS5 walks its matches newest first and stops at
            // the limit; by `d.doc` SQLite collects and sorts every match
            // first (BENCHMARKS.md, issue 19).
            "f.rowid"
        }
        (Via::Word(word), _) => {
            // CROSS JOIN: SQLite walks the short words' rows outside.
            sql.push(if dialect.sqlite() {
                "search_short s CROSS JOIN search_docs d ON d.doc = s.doc WHERE s.kind = "
            } else {
                "search_short s JOIN search_docs d ON d.doc = s.doc WHERE s.kind = "
            })
            .bind(Value::Text(page.kind.into()))
            .push(" AND s.word = ")
            .bind(Value::Text(word.clone()))
            .push(" AND s.doc < ")
            .bind(Value::Int(page.before))
            .push(" AND d.kind = ")
            .bind(Value::Text(page.kind.into()));
            common(sql, "NOT EXISTS", page.kind, word);
            "s.doc"
        }
        (via, _) => {
            sql.push("search_docs d WHERE d.kind = ")
                .bind(Value::Text(page.kind.into()))
                .push(" AND d.doc < ")
                .bind(Value::Int(page.before));
            match via {
                Via::Index => {
                    sql.like("d", driver);
                }
                Via::Common(word) => common(sql, "EXISTS", page.kind, word),
                _ => {}
            }
            "d.doc"
        }
    };
    // SQLite: when the driver has a piece too short for the index (which
    // then sees only the rest of it), the way's other conditions it can
    // serve are given to FTS5 too: it walks the doclists together, so a
    // rare run in any of them keeps the walk short (`%스테인%러%` is common
    // where its keys' `ㄹㅓㅅㅡ` is rare: 56 ms → 15 over 200k reviews). Not
    // always: every trigram costs FTS5 a doclist to open, and a keys
    // pattern has many (a full driver plus its keys: 0.6 → 3 ms).
    let indexed = *via == Via::Index;
    let partial = indexed && partial(driver);
    let served = |l: &Like| partial && indexable(&l.pattern) && dialect.indexes(l.form);
    for l in way.all.iter().filter(|l| !indexed || *l != driver) {
        match dialect {
            _ if dialect.sqlite() && served(l) => sql.like("f", l),
            _ if dialect.sqlite() => sql.like("d", l),
            // PostgreSQL multiplies the selectivities of conditions as if
            // they were independent; these hold for most rows the driver
            // finds (`%장바%` where `%ㅈㅏㅇㅂㅏㄱ%` holds), so the product
            // came out 60 times too low and the planner read and sorted all
            // 7,203 matches (80 ms) instead of walking the newest (1.7 ms).
            // Behind COALESCE a condition counts as an even chance. (Not
            // when the driver has a piece too short to index: then what
            // the other conditions add is not in the driver, and a plain
            // LIKE lets the planner combine their GIN indexes.)
            _ if served(l) => sql.like("d", l),
            _ => sql
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
    sql.push(&format!(" ORDER BY {order} DESC LIMIT "))
        .bind(Value::Int(page.limit));
}

/// Whether (`EXISTS`) or not (`NOT EXISTS`) `word` is common in `kind`:
/// the condition that picks one of a short word's two reads. It names no
/// row, so both engines test it once, before the walk (PostgreSQL's
/// one-time filter, SQLite's constant term), and the read not picked costs
/// nothing.
fn common(sql: &mut Sql, exists: &str, kind: &str, word: &str) {
    sql.push(&format!(
        " AND {exists} (SELECT 1 FROM search_common c WHERE c.kind = "
    ))
    .bind(Value::Text(kind.into()))
    .push(" AND c.word = ")
    .bind(Value::Text(word.into()))
    .push(")");
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
            Dialect::Sqlite | Dialect::Device => sql.push(&format!(
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
        Dialect::Sqlite | Dialect::Device => {
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

/// The vocabulary's words that meet `lookup` (a [`Way::lookup`], over
/// their keys), at most one more than [`crate::query::LOOKUP_WORDS`]: more
/// than those, and the way is read another way.
pub fn lookup(dialect: Dialect, lookup: &str) -> Sql {
    let mut sql = Sql::default();
    sql.push(if dialect.sqlite() {
        "SELECT w.word FROM search_words_fts f CROSS JOIN search_words w \
         ON w.rowid = f.rowid WHERE f.keys LIKE "
    } else {
        "SELECT word FROM search_words WHERE keys LIKE "
    })
    .bind(Value::Text(lookup.to_owned()))
    .push(" LIMIT ")
    .bind(Value::Int(
        i64::try_from(crate::query::LOOKUP_WORDS).unwrap_or(i64::MAX) + 1,
    ));
    sql
}

/// Adds documents' short words ([`crate::query::short_words`]) to the short
/// words' table: `(kind, word, doc)` rows, a statement per
/// [`WORDS_PER_INSERT`].
pub fn remember_short(rows: &[(&str, String, i64)]) -> Vec<Sql> {
    rows.chunks(WORDS_PER_INSERT)
        .map(|chunk| {
            let mut sql = Sql::default();
            sql.push("INSERT INTO search_short (kind, word, doc) VALUES ");
            for (i, (kind, word, doc)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" })
                    .bind(Value::Text((*kind).to_owned()))
                    .push(", ")
                    .bind(Value::Text(word.clone()))
                    .push(", ")
                    .bind(Value::Int(*doc))
                    .push(")");
            }
            sql.push(" ON CONFLICT DO NOTHING");
            sql
        })
        .collect()
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
