//! The two migration folders are one schema written twice. This test reads
//! every pair, reduces both files to their SQL tokens (comments and layout
//! dropped, case folded outside string literals), rewrites the SQLite
//! file's dialect tokens into PostgreSQL's, and fails on any other
//! difference, so a change made to one file only cannot slip through.
//! What follows a `-- engine-specific below` line (an index only one engine
//! has, such as search's FTS5 table and pg_trgm indexes) is not compared.

use std::path::Path;

/// SQLite spellings and the PostgreSQL ones they stand for, longest first
/// (a key column before the plain integer type).
const DIALECT: &[(&[&str], &[&str])] = &[
    (
        &["integer", "primary", "key", "autoincrement"],
        &["bigserial", "primary", "key"],
    ),
    (&["integer"], &["bigint"]),
    (&["real"], &["double", "precision"]),
    (&["blob"], &["bytea"]),
];

/// The SQL tokens of `sql`: words and numbers (lowercased), quoted strings
/// and identifiers (as written), punctuation one character each.
fn tokens(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '-' if chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' | '"' => {
                let mut literal = String::from(c);
                while let Some(d) = chars.next() {
                    literal.push(d);
                    if d == c {
                        // A doubled quote is an escaped one.
                        if chars.peek() == Some(&c) {
                            literal.extend(chars.next());
                            continue;
                        }
                        break;
                    }
                }
                out.push(literal);
            }
            c if c.is_whitespace() => {}
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = c.to_lowercase().collect::<String>();
                while let Some(&d) = chars.peek() {
                    if !(d.is_alphanumeric() || d == '_') {
                        break;
                    }
                    word.extend(d.to_lowercase());
                    chars.next();
                }
                out.push(word);
            }
            c => out.push(c.to_string()),
        }
    }
    out
}

/// `tokens` with every SQLite dialect token rewritten as PostgreSQL's.
fn as_postgres(tokens: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    'next: while i < tokens.len() {
        for (sqlite, postgres) in DIALECT {
            let end = i + sqlite.len();
            if end <= tokens.len() && tokens[i..end].iter().zip(*sqlite).all(|(t, s)| t == s) {
                out.extend(postgres.iter().map(|t| (*t).to_owned()));
                i = end;
                continue 'next;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// Where two token lists first differ, with a little of what surrounds it.
fn first_difference(a: &[String], b: &[String]) -> Option<String> {
    let at = a.iter().zip(b).position(|(x, y)| x != y);
    let at = match at {
        Some(at) => at,
        None if a.len() == b.len() => return None,
        None => a.len().min(b.len()),
    };
    let around = |t: &[String]| t[at.saturating_sub(8)..(at + 8).min(t.len())].join(" ");
    Some(format!(
        "token {at}:\n  sqlite (as postgres): … {} …\n  postgres:             … {} …",
        around(a),
        around(b)
    ))
}

fn read(dialect: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(dialect)
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match text.find(ENGINE_SPECIFIC) {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The line after which a migration is one engine's own.
const ENGINE_SPECIFIC: &str = "-- engine-specific below";

#[test]
fn every_migration_pair_differs_only_in_dialect_tokens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/sqlite");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let sqlite = as_postgres(&tokens(&read("sqlite", &name)));
        let postgres = tokens(&read("postgres", &name));
        if let Some(diff) = first_difference(&sqlite, &postgres) {
            panic!("{name}: the dialects differ beyond their type names at {diff}");
        }
    }
}

#[test]
fn the_normaliser_sees_what_matters() {
    let sqlite = "-- comment\nCREATE TABLE t (\n  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n  x REAL, b BLOB,\n  s TEXT DEFAULT '-- not a comment'\n);";
    let postgres = "CREATE TABLE t (seq BIGSERIAL PRIMARY KEY, x DOUBLE PRECISION, b BYTEA, s text default '-- not a comment');";
    assert_eq!(as_postgres(&tokens(sqlite)), tokens(postgres));
    // A column, a constraint or a literal that differs is caught.
    let other = "CREATE TABLE t (seq BIGSERIAL PRIMARY KEY, x DOUBLE PRECISION, b BYTEA, s TEXT DEFAULT '-- other');";
    assert!(first_difference(&as_postgres(&tokens(sqlite)), &tokens(other)).is_some());
    let shorter = "CREATE TABLE t (seq BIGSERIAL PRIMARY KEY);";
    assert!(first_difference(&as_postgres(&tokens(sqlite)), &tokens(shorter)).is_some());
    // INTEGER in the PostgreSQL file is not a dialect token.
    assert_ne!(as_postgres(&tokens("x INTEGER")), tokens("x INTEGER"));
}
