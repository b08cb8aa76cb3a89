//! `moa-hangul`: the one normaliser that Korean search uses on both sides
//! (the server indexes with it, client-core searches its cache with it), so
//! a query means the same thing online and offline.
//!
//! Every form starts from [`normalize`]: NFKC (full-width letters, composed
//! jamo), lower case, no white space. From there:
//!
//! - [`keystrokes`]: each Hangul syllable as the keys that type it on the
//!   두벌식 keyboard, compound vowels and finals split (과 → ㄱㅗㅏ,
//!   값 → ㄱㅏㅂㅅ). A half-typed last syllable is then a prefix of the
//!   word it is on the way to: `장바ㄱ` and `장박` both give `ㅈㅏㅇㅂㅏㄱ`,
//!   the start of 장바구니's `ㅈㅏㅇㅂㅏㄱㅜㄴㅣ`.
//! - [`initials`]: each syllable as its initial consonant (초성), so
//!   `ㅈㅂㄱㄴ` finds 장바구니; [`is_initials`] tells such a query apart.
//! - [`from_qwerty`] / [`to_qwerty`]: text typed with the Korean input off
//!   (`gksrmf`) read as the Hangul it meant (한글), and back. [`compose`]
//!   is the input method's automaton that joins keystrokes into syllables.
//!
//! It needs no dictionary (the Korean morphological dictionaries on
//! crates.io download their data at build time); search builds n-grams
//! over these forms instead.

#![forbid(unsafe_code)]

pub mod query;
pub mod sql;

use unicode_normalization::UnicodeNormalization;

const SYLLABLE_FIRST: u32 = 0xAC00;
const SYLLABLE_LAST: u32 = 0xD7A3;

/// The 19 initial consonants, in syllable order, as compatibility jamo.
const INITIALS: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];
/// The 21 vowels, in syllable order.
const VOWELS: [char; 21] = [
    'ㅏ', 'ㅐ', 'ㅑ', 'ㅒ', 'ㅓ', 'ㅔ', 'ㅕ', 'ㅖ', 'ㅗ', 'ㅘ', 'ㅙ', 'ㅚ', 'ㅛ', 'ㅜ', 'ㅝ', 'ㅞ',
    'ㅟ', 'ㅠ', 'ㅡ', 'ㅢ', 'ㅣ',
];
/// The 27 finals, in syllable order (index + 1; 0 is "no final").
const FINALS: [char; 27] = [
    'ㄱ', 'ㄲ', 'ㄳ', 'ㄴ', 'ㄵ', 'ㄶ', 'ㄷ', 'ㄹ', 'ㄺ', 'ㄻ', 'ㄼ', 'ㄽ', 'ㄾ', 'ㄿ', 'ㅀ', 'ㅁ',
    'ㅂ', 'ㅄ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅊ', 'ㅋ', 'ㅌ', 'ㅍ', 'ㅎ',
];

/// Compound jamo and the two keys that type them (vowels and finals).
const COMPOUNDS: [(char, char, char); 18] = [
    ('ㅘ', 'ㅗ', 'ㅏ'),
    ('ㅙ', 'ㅗ', 'ㅐ'),
    ('ㅚ', 'ㅗ', 'ㅣ'),
    ('ㅝ', 'ㅜ', 'ㅓ'),
    ('ㅞ', 'ㅜ', 'ㅔ'),
    ('ㅟ', 'ㅜ', 'ㅣ'),
    ('ㅢ', 'ㅡ', 'ㅣ'),
    ('ㄳ', 'ㄱ', 'ㅅ'),
    ('ㄵ', 'ㄴ', 'ㅈ'),
    ('ㄶ', 'ㄴ', 'ㅎ'),
    ('ㄺ', 'ㄹ', 'ㄱ'),
    ('ㄻ', 'ㄹ', 'ㅁ'),
    ('ㄼ', 'ㄹ', 'ㅂ'),
    ('ㄽ', 'ㄹ', 'ㅅ'),
    ('ㄾ', 'ㄹ', 'ㅌ'),
    ('ㄿ', 'ㄹ', 'ㅍ'),
    ('ㅀ', 'ㄹ', 'ㅎ'),
    ('ㅄ', 'ㅂ', 'ㅅ'),
];

/// The 두벌식 layout: each jamo key and its Latin key (shifted keys in
/// upper case; a shifted key without a jamo of its own types the plain one).
const KEYS: [(char, char); 33] = [
    ('ㅂ', 'q'),
    ('ㅈ', 'w'),
    ('ㄷ', 'e'),
    ('ㄱ', 'r'),
    ('ㅅ', 't'),
    ('ㅛ', 'y'),
    ('ㅕ', 'u'),
    ('ㅑ', 'i'),
    ('ㅐ', 'o'),
    ('ㅔ', 'p'),
    ('ㅁ', 'a'),
    ('ㄴ', 's'),
    ('ㅇ', 'd'),
    ('ㄹ', 'f'),
    ('ㅎ', 'g'),
    ('ㅗ', 'h'),
    ('ㅓ', 'j'),
    ('ㅏ', 'k'),
    ('ㅣ', 'l'),
    ('ㅋ', 'z'),
    ('ㅌ', 'x'),
    ('ㅊ', 'c'),
    ('ㅍ', 'v'),
    ('ㅠ', 'b'),
    ('ㅜ', 'n'),
    ('ㅡ', 'm'),
    ('ㅃ', 'Q'),
    ('ㅉ', 'W'),
    ('ㄸ', 'E'),
    ('ㄲ', 'R'),
    ('ㅆ', 'T'),
    ('ㅒ', 'O'),
    ('ㅖ', 'P'),
];

/// NFKC, lower case, white space removed: the form every other form and
/// every comparison starts from. NFKC turns a loose jamo (ㄳ, typed alone)
/// into its conjoining form (ᆪ); it is turned back, so a loose jamo reads
/// the same whichever form it came in.
pub fn normalize(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace())
        .map(compatibility_jamo)
        .flat_map(char::to_lowercase)
        .collect()
}

/// A conjoining jamo (U+1100 block) as the compatibility jamo people type
/// (U+3130 block); any other character unchanged.
fn compatibility_jamo(c: char) -> char {
    let code = u32::from(c);
    let at = |first: u32| usize::try_from(code - first).unwrap_or(usize::MAX);
    let found = match code {
        0x1100..=0x1112 => INITIALS.get(at(0x1100)),
        0x1161..=0x1175 => VOWELS.get(at(0x1161)),
        0x11A8..=0x11C2 => FINALS.get(at(0x11A8)),
        _ => None,
    };
    found.copied().unwrap_or(c)
}

/// A syllable's initial, vowel and final (0 = none) indexes.
fn parts(c: char) -> Option<(usize, usize, usize)> {
    let code = u32::from(c);
    if !(SYLLABLE_FIRST..=SYLLABLE_LAST).contains(&code) {
        return None;
    }
    let i = usize::try_from(code - SYLLABLE_FIRST).ok()?;
    Some((i / 588, (i % 588) / 28, i % 28))
}

/// The syllable of these indexes.
fn syllable(initial: usize, vowel: usize, last: usize) -> Option<char> {
    let index = u32::try_from((initial * 21 + vowel) * 28 + last).ok()?;
    char::from_u32(SYLLABLE_FIRST + index)
}

/// The two keys of a compound jamo.
fn split(c: char) -> Option<(char, char)> {
    COMPOUNDS
        .iter()
        .find(|(whole, ..)| *whole == c)
        .map(|&(_, a, b)| (a, b))
}

/// The compound two keys make, if any (vowels with vowels, finals with
/// consonants).
fn join(a: char, b: char) -> Option<char> {
    COMPOUNDS
        .iter()
        .find(|&&(_, x, y)| x == a && y == b)
        .map(|&(whole, ..)| whole)
}

fn push_keys(out: &mut String, jamo: char) {
    match split(jamo) {
        Some((a, b)) => {
            out.push(a);
            out.push(b);
        }
        None => out.push(jamo),
    }
}

/// [`normalize`]d text with each Hangul syllable (and each compound jamo
/// typed alone) as the 두벌식 keys that type it; anything else unchanged.
pub fn keystrokes(text: &str) -> String {
    keys_of(&normalize(text))
}

/// `text` as is, with each Hangul syllable and compound jamo as its keys.
fn keys_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        match parts(c) {
            Some((initial, vowel, last)) => {
                out.push(INITIALS[initial]);
                push_keys(&mut out, VOWELS[vowel]);
                if last > 0 {
                    push_keys(&mut out, FINALS[last - 1]);
                }
            }
            None => push_keys(&mut out, c),
        }
    }
    out
}

/// [`normalize`]d text with each Hangul syllable as its initial consonant
/// (초성); anything else unchanged.
pub fn initials(text: &str) -> String {
    normalize(text)
        .chars()
        .map(|c| parts(c).map_or(c, |(initial, ..)| INITIALS[initial]))
        .collect()
}

/// Whether `query` is made of initial consonants only (`ㅈㅂㄱㄴ`), the
/// kind of query to match against [`initials`].
pub fn is_initials(query: &str) -> bool {
    let normal = normalize(query);
    !normal.is_empty() && normal.chars().all(|c| INITIALS.contains(&c))
}

fn is_vowel(c: char) -> bool {
    VOWELS.contains(&c)
}

fn initial_index(c: char) -> Option<usize> {
    INITIALS.iter().position(|&x| x == c)
}

fn final_index(c: char) -> Option<usize> {
    FINALS.iter().position(|&x| x == c).map(|i| i + 1)
}

/// The syllable being typed.
#[derive(Default)]
struct Block {
    initial: Option<char>,
    vowel: Option<char>,
    last: Option<char>,
}

impl Block {
    /// Writes the block out (a syllable, or the loose jamo of an
    /// unfinished one) and starts an empty one.
    fn flush(&mut self, out: &mut String) {
        let block = std::mem::take(self);
        let composed = match (block.initial, block.vowel) {
            (Some(i), Some(v)) => {
                let last = block.last.map_or(Some(0), final_index);
                match (initial_index(i), VOWELS.iter().position(|&x| x == v), last) {
                    (Some(i), Some(v), Some(t)) => syllable(i, v, t),
                    _ => None,
                }
            }
            _ => None,
        };
        match composed {
            Some(c) => out.push(c),
            None => {
                out.extend(block.initial);
                out.extend(block.vowel);
                out.extend(block.last);
            }
        }
    }
}

/// Joins 두벌식 keystrokes into syllables as the input method does: a
/// consonant after a vowel becomes the final, and moves on to start the
/// next syllable when a vowel follows it (값이 = ㄱㅏㅂㅅㅇㅣ, 갑사 =
/// ㄱㅏㅂㅅㅏ). Anything that is not a jamo key passes through.
pub fn compose(keys: &str) -> String {
    let mut out = String::with_capacity(keys.len());
    let mut block = Block::default();
    for c in keys.chars() {
        if is_vowel(c) {
            match (block.initial, block.vowel, block.last) {
                (Some(_), Some(_), Some(last)) => {
                    // The final (or its second key) starts the next syllable.
                    let (stays, moves) = match split(last) {
                        Some((a, b)) => (Some(a), b),
                        None => (None, last),
                    };
                    block.last = stays;
                    block.flush(&mut out);
                    block.initial = Some(moves);
                    block.vowel = Some(c);
                }
                (_, Some(v), None) => match join(v, c) {
                    Some(compound) => block.vowel = Some(compound),
                    None => {
                        block.flush(&mut out);
                        block.vowel = Some(c);
                    }
                },
                (Some(_), None, _) => block.vowel = Some(c),
                _ => {
                    block.flush(&mut out);
                    block.vowel = Some(c);
                }
            }
        } else if initial_index(c).is_some() {
            match (block.initial, block.vowel, block.last) {
                (Some(_), Some(_), None) if final_index(c).is_some() => block.last = Some(c),
                (Some(_), Some(_), Some(last)) => match join(last, c) {
                    Some(compound) => block.last = Some(compound),
                    None => {
                        block.flush(&mut out);
                        block.initial = Some(c);
                    }
                },
                _ => {
                    block.flush(&mut out);
                    block.initial = Some(c);
                }
            }
        } else {
            block.flush(&mut out);
            out.push(c);
        }
    }
    block.flush(&mut out);
    out
}

/// Text typed on a 두벌식 keyboard with the Korean input off, read as the
/// Hangul it meant: `gksrmf` → 한글. Characters that are not letter keys
/// pass through (`dkdlvhs 15` → 아이폰 15).
pub fn from_qwerty(text: &str) -> String {
    let keys: String = text
        .chars()
        .map(|c| {
            let key = |k: char| KEYS.iter().find(|&&(_, l)| l == k).map(|&(j, _)| j);
            key(c).or_else(|| key(c.to_ascii_lowercase())).unwrap_or(c)
        })
        .collect();
    compose(&keys)
}

/// The Latin keys that type `text` on a 두벌식 keyboard: 한글 → `gksrmf`.
/// Characters that are not Hangul pass through.
pub fn to_qwerty(text: &str) -> String {
    keys_of(text)
        .chars()
        .map(|c| KEYS.iter().find(|&&(j, _)| j == c).map_or(c, |&(_, l)| l))
        .collect()
}

#[cfg(test)]
mod tests;
