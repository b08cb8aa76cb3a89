//! A table of cases, and properties checked over every syllable from 가 to
//! 힣 and over pseudo-random words of them.

#![allow(clippy::unwrap_used)]

use super::*;

fn every_syllable() -> impl Iterator<Item = char> {
    (SYLLABLE_FIRST..=SYLLABLE_LAST).filter_map(char::from_u32)
}

/// A small deterministic generator (no dependency, same words every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        u32::try_from((self.0 >> 33) % u64::from(below)).unwrap()
    }

    fn word(&mut self) -> String {
        let len = 1 + self.next(6);
        (0..len)
            .map(|_| {
                char::from_u32(SYLLABLE_FIRST + self.next(SYLLABLE_LAST - SYLLABLE_FIRST + 1))
                    .unwrap()
            })
            .collect()
    }
}

/// An input, the form applied to it, the expected output.
type Case = (&'static str, fn(&str) -> String, &'static str);

#[test]
fn a_table_of_cases() {
    let cases: &[Case] = &[
        ("  성수  카페 ", normalize, "성수카페"),
        ("ＡｐｐＬＥ Ｗａｔｃｈ", normalize, "applewatch"),
        ("과", keystrokes, "ㄱㅗㅏ"),
        ("값", keystrokes, "ㄱㅏㅂㅅ"),
        ("의자", keystrokes, "ㅇㅡㅣㅈㅏ"),
        ("ㄳ", keystrokes, "ㄱㅅ"),
        ("\u{11AA}", keystrokes, "ㄱㅅ"),
        ("\u{1112}\u{1161}\u{11AB}", normalize, "한"),
        (
            "닭갈비 2인분",
            keystrokes,
            "ㄷㅏㄹㄱㄱㅏㄹㅂㅣ2ㅇㅣㄴㅂㅜㄴ",
        ),
        ("iPhone 15", keystrokes, "iphone15"),
        ("장바구니", initials, "ㅈㅂㄱㄴ"),
        ("아이폰 15 프로", initials, "ㅇㅇㅍ15ㅍㄹ"),
        ("gksrmf", from_qwerty, "한글"),
        ("dkdlvhs 15", from_qwerty, "아이폰 15"),
        ("RkaWkr", from_qwerty, "깜짝"),
        ("dhkdml", from_qwerty, "와의"),
        ("dhkddml", from_qwerty, "왕의"),
        ("한글", to_qwerty, "gksrmf"),
        ("깜짝 놀람", to_qwerty, "RkaWkr shffka"),
        ("ㄱㅏㅂㅅㅇㅣ", compose, "값이"),
        ("ㄱㅏㅂㅅㅏ", compose, "갑사"),
        ("ㅈㅏㅇㅂㅏㄱ", compose, "장박"),
        ("ㅏㅏ", compose, "ㅏㅏ"),
        ("ㄱㄴ", compose, "ㄱㄴ"),
        ("ㅗㅏ", compose, "ㅘ"),
    ];
    for (input, form, expected) in cases {
        assert_eq!(form(input), *expected, "{input:?}");
    }
}

#[test]
fn a_half_typed_last_syllable_is_a_prefix_of_the_word() {
    let word = keystrokes("장바구니");
    for typed in [
        "장",
        "장바",
        "장바ㄱ",
        "장박",
        "장바구",
        "장바군",
        "장바구니",
    ] {
        assert!(word.starts_with(&keystrokes(typed)), "{typed}");
    }
    assert!(!word.starts_with(&keystrokes("장바기")));
}

#[test]
fn initials_queries_are_told_apart() {
    assert!(is_initials("ㅈㅂㄱㄴ"));
    assert!(is_initials(" ㅇㄴ "));
    assert!(!is_initials("ㅈㅂ구니"));
    assert!(!is_initials("ㅏ"));
    assert!(!is_initials(""));
}

#[test]
fn every_syllable_round_trips_through_its_keystrokes_and_its_keys() {
    for s in every_syllable() {
        let one = s.to_string();
        let keys = keystrokes(&one);
        assert!(
            keys.chars()
                .all(|c| !(SYLLABLE_FIRST..=SYLLABLE_LAST).contains(&u32::from(c)))
        );
        assert_eq!(compose(&keys), one, "{s}: {keys}");
        assert_eq!(from_qwerty(&to_qwerty(&one)), one, "{s}");
        assert!(
            to_qwerty(&one).chars().all(|c| c.is_ascii_alphabetic()),
            "{s}"
        );
        let initial = initials(&one);
        assert_eq!(initial.chars().count(), 1);
        assert!(keys.starts_with(&initial), "{s}");
    }
}

#[test]
fn words_round_trip_and_every_prefix_of_keys_stays_a_prefix() {
    let mut rng = Lcg(18);
    for _ in 0..20_000 {
        let word = rng.word();
        let keys = keystrokes(&word);
        assert_eq!(compose(&keys), word, "{word}: {keys}");
        assert_eq!(from_qwerty(&to_qwerty(&word)), word, "{word}");
        // Typing it key by key: every intermediate text, read back as
        // keystrokes, is a prefix of the word's keystrokes.
        let chars: Vec<char> = keys.chars().collect();
        for end in 1..chars.len() {
            let typed: String = chars[..end].iter().collect();
            assert!(
                keys.starts_with(&keystrokes(&compose(&typed))),
                "{word} at {end}"
            );
        }
    }
}

#[test]
fn normalizing_is_idempotent_and_the_forms_of_normal_text_do_not_move() {
    let mut rng = Lcg(7);
    for _ in 0..2_000 {
        let text = format!("{} AbC {}", rng.word(), rng.word());
        let normal = normalize(&text);
        assert_eq!(normalize(&normal), normal);
        assert_eq!(keystrokes(&normal), keystrokes(&text));
        assert_eq!(initials(&normal), initials(&text));
        assert!(!normal.chars().any(char::is_whitespace));
    }
}
