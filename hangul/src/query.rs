//! Search queries over the normalised forms: what a document is indexed as
//! ([`forms`]), what a query asks for tier by tier ([`Query::plan`]), and
//! where it matched in a text shown to the reader ([`Query::highlight`],
//! [`snippet`]). The server and client-core both build their SQL from the
//! same plans, so a query finds the same things online and offline.
//!
//! A document is indexed under three forms of its text, each
//! [`normalize`]d: `norm` itself, `keys` (its [`keystrokes`]) and
//! `initials` (its 초성). A query then matches in tiers, best first:
//!
//! 1. [`Tier::Exact`]: the document's `norm` contains the query's (case,
//!    width and spacing aside: `스테인리스텀블러` finds "스테인리스 텀블러").
//! 2. [`Tier::Prefix`]: its `keys` contain the query's keys, so a
//!    half-typed last syllable matches (`장바ㄱ`, `장박` → 장바구니).
//! 3. [`Tier::Words`]: the query's words all found apart, in any order
//!    (`스테인리스 텀블러`), or a query typed without spaces found in two
//!    pieces (`스테인리스텀블러` finds "스테인리스 보온 텀블러").
//! 4. [`Tier::Initials`]: a query of initial consonants only (`ㅈㅂㄱㄴ`)
//!    found in `initials`.
//! 5. [`Tier::Keyboard`]: Latin letters typed with the Korean input off,
//!    read as the Hangul they type (`gksrmf` → 한글).
//! 6. [`Tier::Typo`]: the query's keys with one key wrong, missing or extra
//!    (`텀블럭` → 텀블러), for queries of four keys or more.
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

/// The forms of a document made of `fields` (a title and a body, a name and
/// an address, a handle and a display name).
pub fn forms(fields: &[&str]) -> Forms {
    let norm = fields
        .iter()
        .map(|f| fold(f))
        .collect::<Vec<_>>()
        .join(FIELD_SEPARATOR);
    Forms {
        keys: keys_of(&norm),
        initials: initials(&norm),
        norm,
    }
}

/// A condition on one form: `column LIKE pattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Like {
    pub form: Form,
    pub pattern: String,
}

/// What one tier asks of a document: any of `any` (one is always there and
/// is the one an index serves), all of `all`, and not all of any group in
/// `none` (what better tiers found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub tier: Tier,
    pub any: Vec<Like>,
    pub all: Vec<Like>,
    pub none: Vec<Vec<Like>>,
}

/// A parsed search query.
#[derive(Debug, Clone)]
pub struct Query {
    text: String,
    norm: String,
    keys: String,
    /// The keys of each word, when the query has more than one.
    words: Vec<String>,
    initials: Option<String>,
    keyboard: Option<String>,
}

/// The fewest characters each piece of a query typed without spaces has
/// when it is looked for in two pieces.
const PIECE_MIN_CHARS: usize = 2;

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
            .map(|w| keys_of(&fold(w)))
            .filter(|w| !w.is_empty())
            .collect();
        words.sort();
        words.dedup();
        if words.len() < 2 {
            words.clear();
        }
        let initials = is_initials(&norm).then(|| norm.clone());
        let typed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let keyboard = (typed.chars().any(|c| c.is_ascii_alphabetic())
            && typed.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| keys_of(&normalize(&crate::from_qwerty(&typed))))
        .filter(|k| *k != keys && !k.is_ascii());
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

    /// The words of the query as key patterns that must all be found; for a
    /// query of one word, its two-piece splits (`%a%b%`), any one of which
    /// is enough.
    fn word_patterns(&self) -> (Vec<String>, bool) {
        if !self.words.is_empty() {
            return (self.words.clone(), true);
        }
        let chars: Vec<char> = self.norm.chars().collect();
        if chars.len() < 2 * PIECE_MIN_CHARS || self.initials.is_some() {
            return (Vec::new(), false);
        }
        let splits = (PIECE_MIN_CHARS..=chars.len() - PIECE_MIN_CHARS)
            .map(|i| {
                let a: String = chars[..i].iter().collect();
                let b: String = chars[i..].iter().collect();
                format!("{}%{}", keys_of(&a), keys_of(&b))
            })
            .filter(|p| indexable(p))
            .collect();
        (splits, false)
    }

    /// The tiers this query can match in, each with its conditions, best
    /// first. A tier's `none` rules out what a better tier already found, so
    /// every document is found once, in its best tier.
    pub fn plans(&self) -> Vec<Plan> {
        if self.is_blank() {
            return Vec::new();
        }
        let keys = contains(Form::Keys, &self.keys);
        let norm = contains(Form::Norm, &self.norm);
        let mut plans = vec![
            Plan {
                tier: Tier::Exact,
                any: vec![keys.clone()],
                all: vec![norm.clone()],
                none: vec![],
            },
            Plan {
                tier: Tier::Prefix,
                any: vec![keys.clone()],
                all: vec![],
                none: vec![vec![norm]],
            },
        ];
        let mut better = vec![vec![keys]];
        let (words, every) = self.word_patterns();
        if !words.is_empty() {
            let likes: Vec<Like> = words.iter().map(|w| contains(Form::Keys, w)).collect();
            let found = if every {
                vec![likes.clone()]
            } else {
                likes.iter().map(|l| vec![l.clone()]).collect()
            };
            plans.push(if every {
                // The longest word is the rarest: the one the index serves.
                let longest = likes
                    .iter()
                    .max_by_key(|l| l.pattern.chars().count())
                    .cloned()
                    .into_iter()
                    .collect();
                Plan {
                    tier: Tier::Words,
                    any: longest,
                    all: likes,
                    none: better.clone(),
                }
            } else {
                Plan {
                    tier: Tier::Words,
                    any: likes,
                    all: vec![],
                    none: better.clone(),
                }
            });
            better.extend(found);
        }
        if let Some(initials) = &self.initials {
            let like = contains(Form::Initials, initials);
            plans.push(Plan {
                tier: Tier::Initials,
                any: vec![like.clone()],
                all: vec![],
                none: better.clone(),
            });
            better.push(vec![like]);
        }
        if let Some(keyboard) = &self.keyboard {
            let like = contains(Form::Keys, keyboard);
            plans.push(Plan {
                tier: Tier::Keyboard,
                any: vec![like.clone()],
                all: vec![],
                none: better.clone(),
            });
            better.push(vec![like]);
        }
        // Fuzzy patterns a trigram index cannot serve would scan every
        // document: left out (and an initials query has no typos).
        let typos: Vec<String> = if self.initials.is_some() {
            Vec::new()
        } else {
            self.typo_patterns()
                .into_iter()
                .filter(|p| indexable(p))
                .collect()
        };
        if !typos.is_empty() {
            plans.push(Plan {
                tier: Tier::Typo,
                any: typos.iter().map(|p| contains(Form::Keys, p)).collect(),
                all: vec![],
                none: better,
            });
        }
        plans
    }

    /// The best tier a document of these forms matches in, if any (the same
    /// answer the plans give in SQL; client-core's merge and the tests use it).
    pub fn tier_of(&self, forms: &Forms) -> Option<Tier> {
        self.plans()
            .into_iter()
            .find(|plan| {
                plan.any.iter().any(|l| like(forms, l))
                    && plan.all.iter().all(|l| like(forms, l))
                    && !plan.none.iter().any(|g| g.iter().all(|l| like(forms, l)))
            })
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
                ranges = found(&keys, keyboard);
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
fn indexable(pattern: &str) -> bool {
    pattern
        .split(['%', '_'])
        .any(|run| run.chars().count() >= INDEXED_RUN)
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
                Form::Initials => initials(&normal),
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
