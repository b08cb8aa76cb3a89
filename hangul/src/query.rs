//! Search queries over the normalised forms: what a document is indexed as
//! ([`forms`], [`words`]), what a query asks for tier by tier
//! ([`Query::plans`]), and
//! where it matched in a text shown to the reader ([`Query::highlight`],
//! [`snippet`]). The server and client-core both build their SQL from the
//! same plans ([`crate::sql`]), so a query finds the same things online and
//! offline.
//!
//! A document is indexed under three forms of its text, each
//! [`normalize`]d: `norm` itself, `keys` (its [`keystrokes`]) and
//! `initials` (its title's 초성). The server's trigram index leaves `keys`
//! out (most of the index, and of the cost of writing it): a way a keys
//! pattern drives is read there through the vocabulary's words that hold
//! its match ([`Way::through`]), so a run of one or two syllables is found
//! within a word on the server, anywhere on the device. A query then
//! matches in tiers, best first:
//!
//! 1. [`Tier::Exact`]: the document's `norm` contains the query's (case,
//!    width and spacing aside: `스테인리스텀블러` finds "스테인리스 텀블러").
//! 2. [`Tier::Prefix`]: the query as typed so far: all but its last
//!    character whole, and its keys, so a half-typed last syllable matches
//!    (`장바ㄱ`, `장박` → 장바구니).
//! 3. [`Tier::Words`]: the query's words all found apart, in any order
//!    (`스테인리스 텀블러`), or a query typed without spaces found in two
//!    pieces (`스테인리스텀블러` finds "스테인리스 보온 텀블러"), each piece
//!    one that stands as a word somewhere: the first ends a word of the
//!    vocabulary, the second begins one ([`prune`], asked once before any
//!    document is read).
//! 4. [`Tier::Initials`]: a query of initial consonants only (`ㅈㅂㄱㄴ`)
//!    found in `initials`.
//! 5. [`Tier::Keyboard`]: Latin letters typed with the Korean input off,
//!    read as the Hangul they type (`gksrmf` → 한글).
//! 6. [`Tier::Typo`]: a word of the vocabulary (every word indexed) within
//!    one key of the query — a key wrong, missing or extra (`텀블럭` →
//!    텀블러) — for queries of four keys or more.
//!
//! Every pattern is a SQL `LIKE` pattern over one form (`%` around, `_` for
//! the one unknown key), the shape both SQLite's FTS5 trigram index and
//! PostgreSQL's `pg_trgm` accelerate. `%`, `_` and `\` in a text are
//! folded to private-use characters in every form (queries and documents
//! alike), so `haneul_kim` finds `haneul_kim` and no pattern needs an escape.

use crate::{initials, is_initials, keys_of, normalize};
use unicode_normalization::UnicodeNormalization;

/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// Joins the fields of one document in its forms: control characters, which
/// a query never holds (they are stripped), two of them so that not even a
/// typo's one unknown key spans two fields. (A query's words may be found in
/// different fields.)
pub const FIELD_SEPARATOR: &str = "\u{1f}\u{1f}";

/// The fewest keys a query needs before its typos are looked for: shorter
/// ones would match nearly anything.
const TYPO_MIN_KEYS: usize = 4;
/// The most keys a query's typos are looked for in (each key is a pattern).
const TYPO_MAX_KEYS: usize = 24;

/// Why a query cannot be searched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing but white space and control characters.
    Empty,
    /// Longer than [`MAX_QUERY_CHARS`].
    TooLong,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Empty => f.write_str("the search text is empty"),
            QueryError::TooLong => write!(
                f,
                "the search text is longer than {MAX_QUERY_CHARS} characters"
            ),
        }
    }
}

impl std::error::Error for QueryError {}

/// How well a hit matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Exact,
    Prefix,
    Words,
    Initials,
    Keyboard,
    Typo,
}

impl Tier {
    pub const ALL: [Tier; 6] = [
        Tier::Exact,
        Tier::Prefix,
        Tier::Words,
        Tier::Initials,
        Tier::Keyboard,
        Tier::Typo,
    ];

    /// Its place in [`Tier::ALL`] (cursors carry it).
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(index: usize) -> Option<Tier> {
        Tier::ALL.get(index).copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Exact => "exact",
            Tier::Prefix => "prefix",
            Tier::Words => "words",
            Tier::Initials => "initials",
            Tier::Keyboard => "keyboard",
            Tier::Typo => "typo",
        }
    }
}

/// One of a document's indexed forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Norm,
    Keys,
    Initials,
}

impl Form {
    /// The column that holds it.
    pub fn column(self) -> &'static str {
        match self {
            Form::Norm => "norm",
            Form::Keys => "keys",
            Form::Initials => "initials",
        }
    }
}

/// A document's indexed forms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Forms {
    pub norm: String,
    pub keys: String,
    pub initials: String,
}

/// The `initials` form of normalised text: each syllable's initial, and
/// every initial consonant, written as the conjoining jamo (U+1100 block)
/// rather than the compatibility jamo people type (U+3130 block), which
/// `norm` and `keys` hold. The forms share one trigram index (FTS5 keeps no
/// column in its doclists here), so their alphabets are kept apart: `ㅈㅂㄱ`
/// in `norm` (someone typed it) is not found among every 장바구니's initials.
pub fn initials_form(norm: &str) -> String {
    initials(norm)
        .chars()
        .map(|c| {
            crate::INITIALS
                .iter()
                .position(|&i| i == c)
                .and_then(|at| char::from_u32(0x1100 + u32::try_from(at).unwrap_or(0)))
                .unwrap_or(c)
        })
        .collect()
}

/// The forms of a document made of `fields` (a title and a body, a name and
/// an address, a display name and a handle), the one it is shown by first.
/// `initials` holds the title's only (the first field, or when it is empty
/// the first [`TITLE_FROM_BODY_CHARS`] characters of the second's form, the
/// part a hit shows as its title): 초성 are typed
/// for names and titles, and over a long body four initials meet chance
/// syllables (one review in a thousand for `ㅈㅂㄱㄴ`) at the cost of an
/// index entry for every syllable.
pub fn forms(fields: &[&str]) -> Forms {
    let folded: Vec<String> = fields.iter().map(|f| fold(f)).collect();
    let title: String = match folded.as_slice() {
        [first, ..] if !first.is_empty() => first.clone(),
        [_, second, ..] => second.chars().take(TITLE_FROM_BODY_CHARS).collect(),
        _ => String::new(),
    };
    Forms {
        keys: keys_of(&folded.join(FIELD_SEPARATOR)),
        initials: initials_form(&title),
        norm: folded.join(FIELD_SEPARATOR),
    }
}

/// A condition on one form: `column LIKE pattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Like {
    pub form: Form,
    pub pattern: String,
}

/// One way a document matches a tier: all of `all`. `driver` is the one of
/// them (or one they imply) a trigram index serves best: a `SELECT` per way
/// reads the index through it and checks the rest on the row. A run of
/// syllables is far rarer than the same run of keys (three keys are about
/// one syllable), so a driver is a `norm` pattern wherever one has three
/// characters in a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Way {
    pub driver: Like,
    pub all: Vec<Like>,
    /// Patterns over the vocabulary's keys each of which some word must
    /// meet for this way to be read at all (see [`prune`]); empty for most.
    pub needs: Vec<String>,
    /// A pattern over the vocabulary's keys that a word of every document
    /// in this way meets, where the match lies within one word: what an
    /// index without `keys` reads a keys-driven way through
    /// ([`Way::through`]). `None` where no one word holds the match.
    pub lookup: Option<String>,
    /// Where the rows are read from.
    pub via: Via,
}

/// Where a way's rows are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The trigram index, through the driver.
    Index,
    /// The short words' table: documents holding this word of one or two
    /// characters as a word of their own (too short for a trigram), unless
    /// the word is common in the kind (`search_common`).
    Word(String),
    /// The kind's rows newest first, each checked, when this short word is
    /// common in the kind: the server stops adding its rows to the short
    /// words' table once so many of the kind's newest documents hold it
    /// that a page fills from the newest few (the pair of [`Via::Word`];
    /// of the two, the one the kind's `search_common` calls for reads).
    Common(String),
    /// The kind's rows newest first, each checked: a run so common that
    /// a page fills from the newest few.
    Scan,
}

/// The most words of the vocabulary a way is read through ([`Way::through`]);
/// a run in more words than these is common, and read newest first.
pub const LOOKUP_WORDS: usize = 32;

/// The longest word read through the short words' table.
pub const SHORT_WORD_CHARS: usize = 2;

impl Way {
    fn new(driver: Like, all: Vec<Like>) -> Way {
        Way {
            driver,
            all,
            needs: Vec::new(),
            lookup: None,
            via: Via::Index,
        }
    }

    /// Whether an index of `norm` and `initials` alone (the server's) reads
    /// this way better through the vocabulary: its driver is a keys pattern
    /// (a run of one or two syllables, a half-typed syllable after one or
    /// two), or a `norm` pattern the index sees only part of, and one word
    /// holds every match.
    pub fn wants_words(&self) -> bool {
        self.via == Via::Index
            && self.lookup.is_some()
            && (self.driver.form == Form::Keys || partial(&self.driver.pattern))
    }

    /// The vocabulary pattern to look this way's words up by, when a
    /// trigram index serves it.
    pub fn lookup(&self) -> Option<&str> {
        self.lookup.as_deref().filter(|p| indexable(p))
    }

    /// This way read through the vocabulary's `found` words (those meeting
    /// [`Way::lookup`]), or, when there were too many to read (`None`), a
    /// keys-driven way read newest first and any other as it is. A word
    /// holding another found word of three characters or more adds nothing
    /// and is left out. Every condition of the way is still checked on the
    /// row.
    pub fn through(&self, found: Option<&[String]>) -> Vec<Way> {
        let Some(found) = found else {
            let mut way = self.clone();
            way.lookup = None;
            if way.driver.form == Form::Keys {
                way.via = Via::Scan;
            }
            return vec![way];
        };
        let mut sorted: Vec<&String> = found.iter().collect();
        sorted.sort_by_key(|w| (w.chars().count(), w.as_str()));
        sorted.dedup();
        let mut kept: Vec<&str> = Vec::new();
        for word in sorted {
            let covered = kept.iter().any(|k| !is_short(k) && word.contains(k));
            if !covered {
                kept.push(word);
            }
        }
        let mut ways = Vec::with_capacity(kept.len());
        for word in kept {
            let mut way = Way::new(contains(Form::Norm, word), self.all.clone());
            if is_short(word) {
                // Read one way or the other, as the kind has it.
                let mut common = way.clone();
                common.via = Via::Common(word.to_owned());
                way.via = Via::Word(word.to_owned());
                ways.push(way);
                ways.push(common);
            } else {
                ways.push(way);
            }
        }
        ways
    }
}

/// What one tier asks of a document: one of its `ways`, and not all of any
/// group in `none` (what better tiers found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub tier: Tier,
    pub ways: Vec<Way>,
    pub none: Vec<Vec<Like>>,
    /// The typo tier: its ways are key patterns with a gap, dozens of them,
    /// which share long runs with common words, so reading the documents
    /// through each would cost a scan for a query that matches nothing.
    /// The vocabulary (every word indexed) is asked first which words meet
    /// them ([`Plan::vocabulary`]): these are key runs one of which every
    /// such word holds, for its index. The words found then drive
    /// ([`Plan::through_words`]). Empty for the other tiers.
    pub by_words: Vec<String>,
}

impl Plan {
    /// A plan of one condition (what the tests check a single `LIKE` with).
    #[cfg(test)]
    pub(crate) fn single(like: Like) -> Plan {
        Plan {
            tier: Tier::Exact,
            ways: vec![Way::new(like.clone(), vec![like])],
            none: Vec::new(),
            by_words: Vec::new(),
        }
    }

    /// Whether a document of these forms is in this tier.
    pub fn holds(&self, forms: &Forms) -> bool {
        self.ways
            .iter()
            .any(|w| w.all.iter().all(|l| like(forms, l)))
            && !self.none.iter().any(|g| g.iter().all(|l| like(forms, l)))
    }

    /// How to look this tier up in the vocabulary: key runs (`LIKE`
    /// patterns an index serves) one of which a word's keys hold, and the
    /// patterns one of which they meet. `None` unless the tier is read
    /// through words.
    pub fn vocabulary(&self) -> Option<(&[String], Vec<&str>)> {
        if self.by_words.is_empty() {
            return None;
        }
        let patterns = self
            .ways
            .iter()
            .map(|w| w.driver.pattern.as_str())
            .collect();
        Some((&self.by_words, patterns))
    }

    /// This tier read through the vocabulary's `words` that met its
    /// patterns: a document holding one of them (whole) is in it. A word
    /// holding another found word adds nothing and is left out.
    pub fn through_words(&self, words: &[String]) -> Plan {
        let mut sorted: Vec<&String> = words.iter().collect();
        sorted.sort_by_key(|w| (w.chars().count(), w.as_str()));
        sorted.dedup();
        let mut kept: Vec<&str> = Vec::new();
        for word in sorted {
            if !kept.iter().any(|k| word.contains(k)) {
                kept.push(word);
            }
        }
        Plan {
            tier: self.tier,
            ways: kept.into_iter().map(whole).collect(),
            none: self.none.clone(),
            by_words: Vec::new(),
        }
    }
}

/// The vocabulary patterns `plans` ask about before any document is read
/// ([`Way::needs`]), each once.
pub fn needs(plans: &[Plan]) -> Vec<String> {
    let mut out: Vec<String> = plans
        .iter()
        .flat_map(|p| p.ways.iter().flat_map(|w| w.needs.iter().cloned()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Takes out of `plans` every way that needs a pattern no word of the
/// vocabulary met (those in `met` were), and what it found from the tiers
/// after it (their `none`), so a document it would have held is still found
/// in a later tier.
pub fn prune(plans: &mut [Plan], met: &[String]) {
    let mut gone: Vec<Vec<Like>> = Vec::new();
    for plan in plans.iter_mut() {
        plan.none.retain(|group| !gone.contains(group));
        plan.ways.retain(|way| {
            let keep = way.needs.iter().all(|n| met.contains(n));
            if !keep {
                gone.push(way.all.clone());
            }
            keep
        });
    }
}

/// A parsed search query.
#[derive(Debug, Clone)]
pub struct Query {
    text: String,
    norm: String,
    keys: String,
    /// Each word (its norm), when the query has more than one.
    words: Vec<String>,
    initials: Option<String>,
    /// The Hangul that Latin letters typed with the Korean input off type.
    keyboard: Option<String>,
}

/// The fewest characters each piece of a query typed without spaces has
/// when it is looked for in two pieces.
const PIECE_MIN_CHARS: usize = 2;

/// The longest word the vocabulary keeps, in characters (longer runs are
/// links and codes, not words anyone mistypes).
const WORD_MAX_CHARS: usize = 40;

/// [`normalize`]d text with the characters a `LIKE` pattern gives a
/// meaning to folded to private-use ones (the same in every form).
fn fold(text: &str) -> String {
    normalize(text)
        .chars()
        .map(|c| match c {
            '%' => '\u{e025}',
            '_' => '\u{e05f}',
            '\\' => '\u{e05c}',
            c => c,
        })
        .collect()
}

fn contains(form: Form, text: &str) -> Like {
    Like {
        form,
        pattern: format!("%{text}%"),
    }
}

/// The document holds `norm` whole: the exact match.
fn whole(norm: &str) -> Way {
    let cond = contains(Form::Norm, norm);
    let driver = if indexable(&cond.pattern) {
        cond.clone()
    } else {
        contains(Form::Keys, &keys_of(norm))
    };
    Way {
        lookup: Some(format!("%{}%", keys_of(norm))),
        ..Way::new(driver, vec![cond])
    }
}

/// All but the last character of `norm`.
fn head(norm: &str) -> &str {
    norm.char_indices().last().map_or("", |(at, _)| &norm[..at])
}

/// The document holds `norm` as typed so far: everything before its last
/// character whole, and its keys, so the last syllable may be half-typed
/// (`장바ㄱ`, `장박` → 장바구니).
fn typed(norm: &str) -> Way {
    let keys = contains(Form::Keys, &keys_of(norm));
    let head = head(norm);
    let lookup = Some(keys.pattern.clone());
    if head.is_empty() {
        return Way {
            lookup,
            ..Way::new(keys.clone(), vec![keys])
        };
    }
    let before = contains(Form::Norm, head);
    let driver = if indexable(&before.pattern) {
        before.clone()
    } else {
        keys.clone()
    };
    Way {
        lookup,
        ..Way::new(driver, vec![keys, before])
    }
}

/// The document holds `a`, then `b` as typed so far further on (a query
/// typed without spaces, found in two pieces); none if no index serves it.
fn apart(a: &str, b: &str) -> Option<Way> {
    let keys = Like {
        form: Form::Keys,
        pattern: format!("%{}%{}%", keys_of(a), keys_of(b)),
    };
    let norm = Like {
        form: Form::Norm,
        pattern: format!("%{a}%{}%", head(b)),
    };
    // The syllables first (fewer trigrams for FTS5 to open); PostgreSQL
    // may read through the keys instead (`sql::select`).
    let driver = [&norm, &keys]
        .into_iter()
        .find(|l| indexable(&l.pattern))?
        .clone();
    // Kept only where each piece can stand as a word: `a` ends a word of
    // the vocabulary and `b`, as typed, begins one. A query typed without
    // spaces joins words (`스테인리스텀블러`); a split inside a word
    // (`스테인` + `러스` of the typo `스테인러스`, `얼룩` + `말자전거`) would
    // read every document holding both runs anywhere, to find none or
    // chance ones (50 ms over 1M reviews for `%스테인%러%`).
    let needs = [format!("%{}", keys_of(a)), format!("{}%", keys_of(b))]
        .into_iter()
        .filter(|p| indexable(p))
        .collect();
    // Where the index holds no keys, the words `b` begins are read.
    Some(Way {
        needs,
        lookup: Some(format!("{}%", keys_of(b))),
        ..Way::new(driver, vec![keys, norm])
    })
}

/// The document holds every one of `words`, each as typed so far, driven
/// by the rarest.
fn every(words: &[String]) -> Option<Way> {
    let ways: Vec<Way> = words.iter().map(|w| typed(w)).collect();
    let rarest = ways.iter().max_by_key(|w| {
        let d = &w.driver;
        (
            indexable(&d.pattern),
            d.form == Form::Norm,
            d.pattern.chars().count(),
        )
    })?;
    let (driver, lookup) = (rarest.driver.clone(), rarest.lookup.clone());
    Some(Way {
        lookup,
        ..Way::new(driver, ways.into_iter().flat_map(|w| w.all).collect())
    })
}

/// The words of a document's fields as the vocabulary keeps them: split at
/// white space, punctuation trimmed from their ends, folded, 1 to
/// [`WORD_MAX_CHARS`] characters, each once.
pub fn words(fields: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = fields
        .iter()
        .flat_map(|f| f.split_whitespace())
        .map(|w| fold(w.trim_matches(|c: char| !c.is_alphanumeric())))
        .filter(|w| (1..=WORD_MAX_CHARS).contains(&w.chars().count()))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The words of a document's fields short enough for the short words'
/// table ([`Via::Word`]): [`words`] of at most [`SHORT_WORD_CHARS`].
pub fn short_words(fields: &[&str]) -> Vec<String> {
    words(fields).into_iter().filter(|w| is_short(w)).collect()
}

/// Whether a word is read through the short words' table ([`Via::Word`]):
/// at most [`SHORT_WORD_CHARS`] characters, too short for a trigram.
pub fn is_short(word: &str) -> bool {
    word.chars().count() <= SHORT_WORD_CHARS
}

/// The vocabulary's entries for a document's fields: each of its
/// [`words`] with its keys (what the typo tier looks words up by).
pub fn word_keys(fields: &[&str]) -> Vec<(String, String)> {
    words(fields)
        .into_iter()
        .map(|w| {
            let keys = keys_of(&w);
            (w, keys)
        })
        .collect()
}

impl Query {
    /// Reads what a member typed: control characters stripped, surrounding
    /// space trimmed; empty or over [`MAX_QUERY_CHARS`] is refused.
    pub fn parse(raw: &str) -> Result<Query, QueryError> {
        let text: String = raw.chars().filter(|c| !c.is_control()).collect();
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(QueryError::Empty);
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let norm = fold(&text);
        let keys = keys_of(&norm);
        let mut words: Vec<String> = text
            .split_whitespace()
            .map(fold)
            .filter(|w| !w.is_empty())
            .collect();
        words.sort();
        words.dedup();
        if words.len() < 2 {
            words.clear();
        }
        let initials = is_initials(&norm).then(|| initials_form(&norm));
        let typed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let keyboard = (typed.chars().any(|c| c.is_ascii_alphabetic())
            && typed.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| normalize(&crate::from_qwerty(&typed)))
        .filter(|h| keys_of(h) != keys && !h.is_ascii());
        Ok(Query {
            text,
            norm,
            keys,
            words,
            initials,
            keyboard,
        })
    }

    /// The query as the member typed it, cleaned (what recent searches keep).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether nothing is left to look for (the query was only `%` or `_`):
    /// it finds nothing.
    pub fn is_blank(&self) -> bool {
        self.norm.is_empty()
    }

    /// The key sequence of the query (what suggestions and typos build on).
    pub fn keys(&self) -> &str {
        &self.keys
    }

    /// The query's typos as key patterns: each key dropped, each inner key
    /// replaced by any key, any key put between two of its keys.
    fn typo_patterns(&self) -> Vec<String> {
        let keys: Vec<char> = self.keys.chars().collect();
        let k = keys.len();
        if !(TYPO_MIN_KEYS..=TYPO_MAX_KEYS).contains(&k) {
            return Vec::new();
        }
        let text = |parts: &[&[char]], gap: bool| {
            let mut s: String = parts[0].iter().collect();
            if gap {
                s.push('_');
            }
            s.extend(parts[1].iter());
            s
        };
        let mut out = Vec::with_capacity(3 * k);
        for i in 0..k {
            out.push(text(&[&keys[..i], &keys[i + 1..]], false));
        }
        for i in 1..k - 1 {
            out.push(text(&[&keys[..i], &keys[i + 1..]], true));
        }
        for i in 1..k {
            out.push(text(&[&keys[..i], &keys[i..]], true));
        }
        out.sort();
        out.dedup();
        out
    }

    /// A query of one word typed without spaces in its two-piece splits
    /// (norms), for the words tier.
    fn splits(&self) -> Vec<(String, String)> {
        let chars: Vec<char> = self.norm.chars().collect();
        if !self.words.is_empty() || chars.len() < 2 * PIECE_MIN_CHARS || self.initials.is_some() {
            return Vec::new();
        }
        (PIECE_MIN_CHARS..=chars.len() - PIECE_MIN_CHARS)
            .map(|i| (chars[..i].iter().collect(), chars[i..].iter().collect()))
            .collect()
    }

    /// The words tier as key patterns (what highlighting looks for): each
    /// word, or the splits (`a%b`), any one of which is enough.
    fn word_patterns(&self) -> (Vec<String>, bool) {
        if !self.words.is_empty() {
            return (self.words.iter().map(|w| keys_of(w)).collect(), true);
        }
        let splits = self
            .splits()
            .into_iter()
            .map(|(a, b)| format!("{}%{}", keys_of(&a), keys_of(&b)))
            .collect();
        (splits, false)
    }

    /// The tiers this query can match in, each with its ways, best first. A
    /// tier's `none` rules out what a better tier already found, so every
    /// document is found once, in its best tier.
    pub fn plans(&self) -> Vec<Plan> {
        let mut plans = Vec::new();
        if self.is_blank() {
            return plans;
        }
        let mut better: Vec<Vec<Like>> = Vec::new();
        let mut add = |tier: Tier, ways: Vec<Way>, by_words: Vec<String>| {
            if ways.is_empty() {
                return;
            }
            let found: Vec<Vec<Like>> = ways.iter().map(|w| w.all.clone()).collect();
            plans.push(Plan {
                tier,
                ways,
                none: better.clone(),
                by_words,
            });
            better.extend(found);
        };
        add(Tier::Exact, vec![whole(&self.norm)], Vec::new());
        add(Tier::Prefix, vec![typed(&self.norm)], Vec::new());
        let words = if self.words.is_empty() {
            self.splits()
                .iter()
                .filter_map(|(a, b)| apart(a, b))
                .collect()
        } else {
            every(&self.words).into_iter().collect()
        };
        add(Tier::Words, words, Vec::new());
        if let Some(initials) = &self.initials {
            let like = contains(Form::Initials, initials);
            let way = Way::new(like.clone(), vec![like]);
            add(Tier::Initials, vec![way], Vec::new());
        }
        if let Some(keyboard) = &self.keyboard {
            add(Tier::Keyboard, vec![typed(keyboard)], Vec::new());
        }
        // Typos are looked for through the vocabulary (an initials query
        // has none).
        if self.initials.is_none() {
            let patterns = self.typo_patterns();
            let runs = self.typo_runs(&patterns);
            if !runs.is_empty() {
                let ways = patterns
                    .into_iter()
                    .map(|p| {
                        let like = contains(Form::Keys, &p);
                        Way::new(like.clone(), vec![like])
                    })
                    .collect();
                add(Tier::Typo, ways, runs);
            }
        }
        plans
    }

    /// Key runs one of which every word meeting a typo pattern holds, as
    /// `LIKE` patterns an index serves: the two halves of the query's keys
    /// (a key changed, dropped or added leaves one half whole), or, when a
    /// half is too short to index, the patterns themselves that can be.
    fn typo_runs(&self, patterns: &[String]) -> Vec<String> {
        let keys: Vec<char> = self.keys.chars().collect();
        let half = keys.len() / 2;
        if half >= INDEXED_RUN && keys.len() - half >= INDEXED_RUN {
            let a: String = keys[..half].iter().collect();
            let b: String = keys[half..].iter().collect();
            return vec![format!("%{a}%"), format!("%{b}%")];
        }
        patterns
            .iter()
            .filter(|p| indexable(p))
            .map(|p| format!("%{p}%"))
            .collect()
    }

    /// The best tier a document of these forms matches in, if any (the same
    /// answer the plans give in SQL, typos aside: in SQL a typo is found
    /// within one word of the vocabulary).
    pub fn tier_of(&self, forms: &Forms) -> Option<Tier> {
        self.plans()
            .into_iter()
            .find(|plan| plan.holds(forms))
            .map(|plan| plan.tier)
    }

    /// Where the query matches in `text` (a title, a name, a body), as
    /// character ranges `[start, end)` of `text`, in order, not overlapping.
    pub fn highlight(&self, text: &str) -> Vec<(usize, usize)> {
        if self.is_blank() {
            return Vec::new();
        }
        let found = |stream: &Stream, pattern: &str| stream.find_all(pattern);
        let norm = Stream::of(text, Form::Norm);
        let mut ranges = found(&norm, &self.norm);
        if ranges.is_empty() {
            let keys = Stream::of(text, Form::Keys);
            ranges = found(&keys, &self.keys);
            if ranges.is_empty() {
                let (words, every) = self.word_patterns();
                for word in words {
                    let pieces: Vec<_> = word.split('%').map(|p| found(&keys, p)).collect();
                    if pieces.iter().all(|p| !p.is_empty()) {
                        ranges.extend(pieces.into_iter().flatten());
                        if !every {
                            break;
                        }
                    }
                }
            }
            if ranges.is_empty()
                && let Some(initials) = &self.initials
            {
                ranges = found(&Stream::of(text, Form::Initials), initials);
            }
            if ranges.is_empty()
                && let Some(keyboard) = &self.keyboard
            {
                ranges = found(&keys, &keys_of(keyboard));
            }
            if ranges.is_empty() {
                for pattern in self.typo_patterns() {
                    ranges.extend(found(&keys, &pattern));
                }
                ranges.sort_unstable();
            }
        }
        merge(ranges)
    }
}

/// The shortest run of literal characters a trigram index can look up.
const INDEXED_RUN: usize = 3;

/// Whether a pattern has a run of [`INDEXED_RUN`] literal characters, so a
/// trigram index (FTS5's, pg_trgm's) can serve it instead of a scan.
pub fn indexable(pattern: &str) -> bool {
    pattern
        .split(['%', '_'])
        .any(|run| run.chars().count() >= INDEXED_RUN)
}

/// Whether a trigram index sees only part of a pattern: a literal run of
/// it is shorter than a trigram.
pub fn partial(pattern: &str) -> bool {
    pattern
        .split(['%', '_'])
        .filter(|run| !run.is_empty())
        .any(|run| run.chars().count() < INDEXED_RUN)
}

/// Whether `forms` satisfy one `LIKE` condition (`%` any run, `_` any one).
fn like(forms: &Forms, like: &Like) -> bool {
    let text: Vec<char> = match like.form {
        Form::Norm => &forms.norm,
        Form::Keys => &forms.keys,
        Form::Initials => &forms.initials,
    }
    .chars()
    .collect();
    let mut from = 0;
    for piece in like.pattern.split('%').filter(|p| !p.is_empty()) {
        let piece: Vec<char> = piece.chars().collect();
        match matches_at(&text[from..], &piece).first() {
            Some(at) => from += at + piece.len(),
            None => return false,
        }
    }
    true
}

/// Each start in `text` where `pattern` (with `_` for any one character)
/// matches.
fn matches_at(text: &[char], pattern: &[char]) -> Vec<usize> {
    if pattern.is_empty() || pattern.len() > text.len() {
        return Vec::new();
    }
    (0..=text.len() - pattern.len())
        .filter(|&s| {
            pattern
                .iter()
                .zip(&text[s..])
                .all(|(p, t)| *p == '_' || p == t)
        })
        .collect()
}

/// A text's form, each character remembering the character of the text it
/// came from.
struct Stream {
    chars: Vec<char>,
    owner: Vec<usize>,
}

impl Stream {
    fn of(text: &str, form: Form) -> Stream {
        let mut chars = Vec::with_capacity(text.len());
        let mut owner = Vec::with_capacity(text.len());
        let mut one = String::new();
        for (i, c) in text.chars().enumerate() {
            one.clear();
            one.push(c);
            let normal = fold(&one.nfkc().collect::<String>());
            let shown = match form {
                Form::Norm => normal,
                Form::Keys => keys_of(&normal),
                Form::Initials => initials_form(&normal),
            };
            for s in shown.chars() {
                chars.push(s);
                owner.push(i);
            }
        }
        Stream { chars, owner }
    }

    /// The text ranges of each non-overlapping match of `pattern`.
    fn find_all(&self, pattern: &str) -> Vec<(usize, usize)> {
        let pattern: Vec<char> = pattern.chars().collect();
        let mut out = Vec::new();
        let mut next = 0;
        for start in matches_at(&self.chars, &pattern) {
            if start < next {
                continue;
            }
            let end = start + pattern.len();
            out.push((self.owner[start], self.owner[end - 1] + 1));
            next = end;
        }
        out
    }
}

/// Sorted ranges with overlapping and touching ones joined.
fn merge(mut ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// A window of at most `width` characters of `text` around its first
/// highlighted range (from the start when there is none), with an ellipsis
/// where it was cut, and the ranges that fall in it, moved to match.
pub fn snippet(
    text: &str,
    ranges: &[(usize, usize)],
    width: usize,
) -> (String, Vec<(usize, usize)>) {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if chars.len() <= width {
        return (chars.into_iter().collect(), ranges.to_vec());
    }
    let first = ranges.first().map_or(0, |r| r.0);
    let start = first.saturating_sub(width / 4).min(chars.len() - width);
    let end = start + width;
    let mut out = String::new();
    let lead = usize::from(start > 0);
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    let moved = ranges
        .iter()
        .filter(|r| r.0 >= start && r.1 <= end)
        .map(|r| (r.0 - start + lead, r.1 - start + lead))
        .collect();
    (out, moved)
}

/// The characters of a title made from a body (a review without a title).
pub const TITLE_FROM_BODY_CHARS: usize = 40;

/// A hit's title: `title`, or for an untitled review the start of its
/// body's first line (cut with an ellipsis), so no row reads "untitled".
pub fn title_or_body(title: &str, body: &str) -> String {
    if !title.trim().is_empty() {
        return title.to_owned();
    }
    let line = body
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(TITLE_FROM_BODY_CHARS).collect();
    if line.chars().count() > TITLE_FROM_BODY_CHARS {
        out.push('…');
    }
    out
}

/// Tags as a hit shows them: `#카페 #성수`.
pub fn hashtags(tags: &[String]) -> String {
    tags.iter()
        .map(|t| format!("#{t}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a hit row shows of a match: the ranges in its title, and a snippet
/// of its body (or of its extra text — tags, a bio — when only that
/// matched) with the ranges in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub title_ranges: Vec<(usize, usize)>,
    pub snippet: String,
    pub snippet_ranges: Vec<(usize, usize)>,
}

/// The characters of a hit's snippet.
pub const SNIPPET_CHARS: usize = 80;

impl Query {
    /// What a hit with this title, body and extra text shows of the match.
    pub fn show(&self, title: &str, body: &str, extra: &str) -> Shown {
        let mut shown = (body, self.highlight(body));
        if shown.1.is_empty() {
            let found = self.highlight(extra);
            if !found.is_empty() {
                shown = (extra, found);
            }
        }
        let (snippet, snippet_ranges) = snippet(shown.0, &shown.1, SNIPPET_CHARS);
        Shown {
            title_ranges: self.highlight(title),
            snippet,
            snippet_ranges,
        }
    }
}
