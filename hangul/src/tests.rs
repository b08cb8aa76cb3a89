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

mod query {
    use crate::query::*;

    fn tier(q: &str, fields: &[&str]) -> Option<Tier> {
        Query::parse(q).unwrap().tier_of(&forms(fields))
    }

    #[test]
    fn every_matching_rule_in_its_tier() {
        let tumbler = [
            "스테인리스 보온 텀블러",
            "겨울에 쓰기 좋은 Stanley 텀블러예요",
        ];
        let cases: &[(&str, Option<Tier>)] = &[
            ("텀블러", Some(Tier::Exact)),
            ("보온텀블러", Some(Tier::Exact)),
            ("STANLEY", Some(Tier::Exact)),
            ("ｓｔａｎｌｅｙ", Some(Tier::Exact)),
            ("텀", Some(Tier::Exact)),
            ("텀블ㄹ", Some(Tier::Prefix)),
            ("텀블럭", Some(Tier::Typo)),
            ("텀불러", Some(Tier::Typo)),
            ("터블러", Some(Tier::Typo)),
            ("스테인리스텀블러", Some(Tier::Words)),
            ("텀블러 스테인리스", Some(Tier::Words)),
            ("ㅅㅌㅇㄹㅅ", Some(Tier::Initials)),
            ("ㅌㅂㄹ", Some(Tier::Initials)),
            ("xjaqmffj", Some(Tier::Keyboard)),
            ("냉장고", None),
            ("텀블러 냉장고", None),
            ("ㄴㅈㄱ", None),
            ("%", None),
            ("_", None),
        ];
        for (q, want) in cases {
            assert_eq!(tier(q, &tumbler), *want, "{q}");
        }
    }

    #[test]
    fn half_typed_and_initials_of_a_word() {
        let basket = ["장바구니 후기", ""];
        assert_eq!(tier("장바ㄱ", &basket), Some(Tier::Prefix));
        assert_eq!(tier("장박", &basket), Some(Tier::Prefix));
        assert_eq!(tier("ㅈㅂㄱㄴ", &basket), Some(Tier::Initials));
        assert_eq!(tier("wkdqkrnsl", &basket), Some(Tier::Keyboard));
        // Jamo typed loose are found as written before as initials.
        assert_eq!(tier("ㅈㅂ", &["ㅈㅂ 모임", ""]), Some(Tier::Exact));
    }

    #[test]
    fn no_match_spans_two_fields() {
        assert_eq!(tier("후기장", &["후기", "장소"]), None);
        assert_eq!(tier("후기장", &["후기장소", ""]), Some(Tier::Exact));
    }

    #[test]
    fn bad_queries() {
        assert_eq!(Query::parse("").unwrap_err(), QueryError::Empty);
        assert_eq!(Query::parse(" \t\u{7}\n ").unwrap_err(), QueryError::Empty);
        assert_eq!(
            Query::parse(&"가".repeat(101)).unwrap_err(),
            QueryError::TooLong
        );
        assert!(Query::parse(&"가".repeat(100)).is_ok());
        let odd = Query::parse("a\u{0}b\u{202e}😀\u{301}").unwrap();
        assert_eq!(odd.text(), "ab\u{202e}😀\u{301}");
        for q in ["😀", "\u{202e}", "\u{301}", "\u{ffff}", "ﷺ", "%_\\"] {
            let q = Query::parse(q).unwrap();
            let _ = q.plans();
            let _ = q.highlight("😀 \u{202e}ﷺ\u{301} 텀블러");
        }
    }

    #[test]
    fn highlights_in_characters_of_the_shown_text() {
        let q = |q: &str| Query::parse(q).unwrap();
        let text = "스테인리스 보온 텀블러";
        assert_eq!(q("텀블러").highlight(text), vec![(9, 12)]);
        assert_eq!(q("보온텀블").highlight(text), vec![(6, 11)]);
        assert_eq!(q("텀블ㄹ").highlight(text), vec![(9, 12)]);
        assert_eq!(q("ㅅㅌㅇ").highlight(text), vec![(0, 3)]);
        assert_eq!(q("스테인리스텀블러").highlight(text), vec![(0, 5), (9, 12)]);
        assert_eq!(q("텀블럭").highlight(text), vec![(9, 12)]);
        assert_eq!(q("xjaqmffj").highlight(text), vec![(9, 12)]);
        assert_eq!(q("STAN").highlight("Stanley 컵"), vec![(0, 4)]);
        assert!(q("냉장고").highlight(text).is_empty());
    }

    #[test]
    fn snippets_keep_the_match_in_view() {
        let long = format!("{}텀블러{}", "가".repeat(100), "나".repeat(100));
        let q = Query::parse("텀블러").unwrap();
        let (text, ranges) = snippet(&long, &q.highlight(&long), 40);
        assert_eq!(ranges.len(), 1);
        let chars: Vec<char> = text.chars().collect();
        let (s, e) = ranges[0];
        assert_eq!(chars[s..e].iter().collect::<String>(), "텀블러");
        assert!(text.starts_with('…') && text.ends_with('…'));
        assert_eq!(
            snippet("짧은 글", &[(0, 2)], 40),
            ("짧은 글".into(), vec![(0, 2)])
        );
    }

    /// The plans and `tier_of` agree with a direct reading of the rules over
    /// pseudo-random documents: an exact query is always found exactly, a
    /// word with one key changed never better than as a typo.
    #[test]
    fn generated_words_are_found_in_their_tier() {
        let mut lcg = super::Lcg(7);
        for _ in 0..2_000 {
            let (a, b, c) = (lcg.word(), lcg.word(), lcg.word());
            let doc = forms(&[&format!("{a} {b} {c}"), ""]);
            assert_eq!(Query::parse(&b).unwrap().tier_of(&doc), Some(Tier::Exact));
            let keys: String = crate::initials(&b);
            if keys.chars().count() > 1 {
                let t = Query::parse(&keys).unwrap().tier_of(&doc);
                assert!(
                    t.is_some_and(|t| t <= Tier::Initials),
                    "{keys} in {a} {b} {c}"
                );
            }
            let qwerty = crate::to_qwerty(&b);
            let t = Query::parse(&qwerty).unwrap().tier_of(&doc);
            assert!(t.is_some_and(|t| t <= Tier::Keyboard), "{qwerty}");
        }
    }
}

/// Each document matches at most one tier's plan: the `none` groups rule
/// out what better tiers found, so a hit is never listed twice.
#[test]
fn tiers_are_exclusive() {
    use crate::query::*;
    let holds = |forms: &Forms, l: &Like| {
        let text = match l.form {
            Form::Norm => &forms.norm,
            Form::Keys => &forms.keys,
            Form::Initials => &forms.initials,
        };
        let pieces: Vec<&str> = l.pattern.split('%').filter(|p| !p.is_empty()).collect();
        let mut at = 0;
        pieces.iter().all(|piece| {
            let piece: Vec<char> = piece.chars().collect();
            let hay: Vec<char> = text.chars().skip(at).collect();
            (0..=hay.len().saturating_sub(piece.len()))
                .find(|&s| {
                    s + piece.len() <= hay.len()
                        && piece
                            .iter()
                            .zip(&hay[s..])
                            .all(|(p, t)| *p == '_' || p == t)
                })
                .map(|s| at += s + piece.len())
                .is_some()
        })
    };
    let mut lcg = Lcg(11);
    let queries = [
        "스테인리스텀블러",
        "텀블러 보온",
        "ㅌㅂㄹ",
        "xjaqmffj",
        "텀블럭",
        "haneul_kim",
        "장박",
    ];
    for i in 0..3_000 {
        let words: Vec<String> = (0..3).map(|_| lcg.word()).collect();
        let extra = [
            "텀블러",
            "스테인리스",
            "보온",
            "장바구니",
            "haneul_kim",
            "턴블러",
        ][i % 6];
        let doc = forms(&[&format!("{} {extra} {}", words[0], words[1]), &words[2]]);
        for q in queries {
            let q = Query::parse(q).unwrap();
            let matching: Vec<Tier> = q
                .plans()
                .iter()
                .filter(|p| {
                    p.ways.iter().any(|w| w.all.iter().all(|l| holds(&doc, l)))
                        && !p.none.iter().any(|g| g.iter().all(|l| holds(&doc, l)))
                })
                .map(|p| p.tier)
                .collect();
            assert!(matching.len() <= 1, "{matching:?} for {:?}", doc.norm);
            assert_eq!(matching.first().copied(), q.tier_of(&doc));
        }
    }
}

#[test]
fn untitled_reviews_are_shown_by_their_first_line() {
    use crate::query::{hashtags, title_or_body};
    assert_eq!(title_or_body("제목", "본문"), "제목");
    assert_eq!(title_or_body(" ", "\n  첫 줄\n둘째 줄"), "첫 줄");
    let long = "가".repeat(50);
    assert_eq!(title_or_body("", &long), format!("{}…", "가".repeat(40)));
    assert_eq!(title_or_body("", ""), "");
    assert_eq!(hashtags(&["카페".into(), "성수".into()]), "#카페 #성수");
}

/// Each way's driver (what the index is read through) holds wherever the
/// way does, so reading through it loses nothing; and a query of three
/// syllables or more is read through its syllables, not its keys.
#[test]
fn drivers_hold_wherever_their_way_does() {
    use crate::query::*;
    let mut lcg = Lcg(5);
    let queries = [
        "스테인리스텀블러",
        "텀블러 보온",
        "장바ㄱ",
        "장박",
        "xjaqmffj",
        "얼룩말자전거",
        "커피",
        "텀",
    ];
    for i in 0..2_000 {
        let words: Vec<String> = (0..3).map(|_| lcg.word()).collect();
        let extra = [
            "텀블러",
            "스테인리스 보온",
            "장바구니",
            "얼룩말 자전거",
            "커피",
        ][i % 5];
        let doc = forms(&[&format!("{} {extra} {}", words[0], words[1]), &words[2]]);
        for q in queries {
            let q = Query::parse(q).unwrap();
            for plan in q.plans() {
                for way in &plan.ways {
                    let all = way.all.iter().all(|l| Plan::single(l.clone()).holds(&doc));
                    if all {
                        assert!(
                            Plan::single(way.driver.clone()).holds(&doc),
                            "{:?} in {}",
                            way.driver,
                            doc.norm
                        );
                    }
                }
            }
        }
    }
    let exact = &Query::parse("얼룩말자전거").unwrap().plans()[0];
    assert_eq!(exact.ways[0].driver.form, Form::Norm);
    let prefix = &Query::parse("장바구ㄴ").unwrap().plans()[1];
    assert_eq!(prefix.ways[0].driver.pattern, "%장바구%");
    let short = &Query::parse("커피").unwrap().plans()[0];
    assert_eq!(short.ways[0].driver.form, Form::Keys);
}

#[test]
fn the_vocabulary_keeps_words_and_typos_are_read_through_them() {
    use crate::query::*;
    assert_eq!(
        words(&["텀블러예요! 스테인리스, 텀블러예요", "a 12-3 (보온)"]),
        vec!["12-3", "a", "보온", "스테인리스", "텀블러예요"]
    );
    assert_eq!(
        short_words(&["텀블러예요! 커피 a 맛, 커피", "12-3"]),
        vec!["a", "맛", "커피"]
    );
    let q = Query::parse("텀블럭").unwrap();
    let typo = q.plans().pop().unwrap();
    assert_eq!(typo.tier, Tier::Typo);
    let (runs, patterns) = typo.vocabulary().unwrap();
    assert_eq!(
        runs,
        ["%ㅌㅓㅁㅂ%", "%ㅡㄹㄹㅓㄱ%"],
        "the halves of ㅌㅓㅁㅂㅡㄹㄹㅓㄱ"
    );
    assert!(patterns.contains(&"%ㅌㅓㅁㅂㅡㄹㄹㅓ%"));
    // Every typo pattern holds one of the runs (so reading through them loses none).
    for p in &patterns {
        let text = p.trim_matches('%');
        assert!(
            runs.iter().any(|r| text
                .split('_')
                .any(|piece| piece.contains(r.trim_matches('%')))),
            "{p}"
        );
    }
    // A query too short to halve is looked up by its patterns.
    let (runs, _) = Query::parse("커피")
        .unwrap()
        .plans()
        .pop()
        .unwrap()
        .vocabulary()
        .map(|(r, p)| (r.to_vec(), p.len()))
        .unwrap();
    assert!(
        runs.iter()
            .all(|r| r.trim_matches('%').chars().count() >= 3)
    );
    let through = typo.through_words(&["텀블러를".into(), "텀블러".into(), "텀블".into()]);
    assert!(through.by_words.is_empty() && through.vocabulary().is_none());
    assert_eq!(through.ways.len(), 1, "텀블 holds the others");
    assert_eq!(through.none, typo.none);
    assert!(typo.through_words(&[]).ways.is_empty());
    // An initials query has no typos.
    assert!(
        Query::parse("ㅈㅂㄱㄴ")
            .unwrap()
            .plans()
            .iter()
            .all(|p| p.tier != Tier::Typo)
    );
}

#[test]
fn the_sql_of_a_plan_binds_what_it_names() {
    use crate::query::*;
    use crate::sql::{self, Dialect, Page, Sql};
    let count = |s: &Sql| (1..=s.binds.len()).all(|n| s.text.contains(&format!("${n}")));
    let page = Page {
        kind: "review",
        before: i64::MAX,
        limit: 21,
    };
    for q in [
        "스테인리스텀블러",
        "텀블러 보온",
        "ㅈㅂㄱㄴ",
        "얼룩말자전거",
    ] {
        for plan in Query::parse(q).unwrap().plans() {
            for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                if plan.vocabulary().is_some() {
                    let v = sql::vocabulary(dialect, &plan).unwrap();
                    assert!(count(&v) && v.text.contains("search_words"));
                    assert!(
                        sql::tier(dialect, &plan.through_words(&[]), "d.doc", page, &|_| {})
                            .is_none()
                    );
                    continue;
                }
                let s = sql::tier(dialect, &plan, "d.doc", page, &|s: &mut Sql| {
                    s.push(" AND 1 = ").bind(sql::Value::Int(1));
                })
                .unwrap();
                assert!(count(&s), "{}", s.text);
                assert!(!s.text.contains(&format!("${}", s.binds.len() + 1)));
            }
        }
    }
    let insert = sql::remember(&(0..450).map(|i| format!("낱말{i}")).collect::<Vec<_>>());
    assert_eq!(insert.len(), 3);
    assert_eq!(insert[0].binds.len(), 400);
}

/// A split whose syllables the index sees only in part (`%스테인%러%`) is
/// read through them on the device (SQLite, every form indexed) and on
/// PostgreSQL too now that the server's index holds no keys; the server
/// first reads it through the words its second piece begins.
#[test]
fn each_engine_reads_a_split_through_its_own_driver() {
    use crate::query::*;
    use crate::sql::{self, Dialect, Page, Value};
    let words = Query::parse("스테인러스")
        .unwrap()
        .plans()
        .into_iter()
        .find(|p| p.tier == Tier::Words)
        .unwrap();
    let way = words
        .ways
        .iter()
        .find(|w| w.driver.pattern == "%스테인%러%")
        .unwrap()
        .clone();
    assert!(way.wants_words());
    assert_eq!(way.lookup(), Some("ㄹㅓㅅㅡ%"));
    let plan = Plan {
        ways: vec![way],
        ..words
    };
    let page = Page {
        kind: "review",
        before: i64::MAX,
        limit: 21,
    };
    let driver = |dialect| {
        let s = sql::tier(dialect, &plan, "d.doc", page, &|_| {}).unwrap();
        match &s.binds[2] {
            Value::Text(t) => t.clone(),
            Value::Int(_) => panic!("{}", s.text),
        }
    };
    for dialect in [Dialect::Device, Dialect::Sqlite, Dialect::Postgres] {
        assert_eq!(driver(dialect), "%스테인%러%", "{dialect:?}");
    }
    // The device's FTS5 table holds keys, so it is given the keys too; the
    // server's never is.
    let text = |dialect| {
        sql::tier(dialect, &plan, "d.doc", page, &|_| {})
            .unwrap()
            .text
    };
    assert!(text(Dialect::Device).contains("f.keys LIKE"));
    assert!(!text(Dialect::Sqlite).contains("f.keys"));
}

/// On the server's index (no keys) a way driven by keys is read through
/// the vocabulary's words: a long word through `norm`, a short one through
/// the short words' table, a common run newest first; every condition of
/// the way is still checked on the row.
#[test]
fn a_keys_driven_way_is_read_through_words_or_newest_first() {
    use crate::query::*;
    use crate::sql::{self, Dialect, Page};
    let plans = Query::parse("커피").unwrap().plans();
    let exact = &plans[0].ways[0];
    assert_eq!(exact.driver.form, Form::Keys);
    assert!(exact.wants_words());
    assert_eq!(exact.lookup(), Some("%ㅋㅓㅍㅣ%"));
    let found: Vec<String> = ["커피가", "커피", "아이스커피", "커피가좋아"]
        .iter()
        .map(|w| w.to_string())
        .collect();
    let ways = exact.through(Some(&found));
    // 커피가좋아 holds 커피가 (three characters): it adds nothing. 커피가
    // holds 커피, but 커피 is read as a word of its own, so 커피가 stays.
    // A short word has two reads, the short words' table or, when the word
    // is common in the kind, the kind's rows newest first.
    let drivers: Vec<(&str, &Via)> = ways
        .iter()
        .map(|w| (w.driver.pattern.as_str(), &w.via))
        .collect();
    assert_eq!(
        drivers,
        vec![
            ("%커피%", &Via::Word("커피".into())),
            ("%커피%", &Via::Common("커피".into())),
            ("%커피가%", &Via::Index),
            ("%아이스커피%", &Via::Index),
        ]
    );
    assert!(ways.iter().all(|w| w.all == exact.all && !w.wants_words()));
    // Too many words: newest first. No word: no way.
    let scan = exact.through(None);
    assert_eq!(scan[0].via, Via::Scan);
    assert!(!scan[0].wants_words());
    assert!(exact.through(Some(&[])).is_empty());
    // The half-typed head of two syllables, and a one-syllable query.
    let prefix = &Query::parse("장바ㄱ").unwrap().plans()[1].ways[0];
    assert_eq!(prefix.lookup(), Some("%ㅈㅏㅇㅂㅏㄱ%"));
    let one = &Query::parse("ㅋ").unwrap().plans()[0].ways[0];
    assert_eq!(one.lookup(), None);
    assert_eq!(one.through(None)[0].via, Via::Scan);
    // Their SQL: the short words' table, or the kind's rows, never FTS5.
    let page = Page {
        kind: "review",
        before: 99,
        limit: 21,
    };
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let plan = Plan {
            ways: ways.clone(),
            ..plans[0].clone()
        };
        let words = sql::tier(dialect, &plan, "d.doc", page, &|_| {})
            .unwrap()
            .text;
        assert!(words.contains("FROM search_short s"), "{words}");
        assert!(words.contains("ORDER BY s.doc DESC"), "{words}");
        // Each of a short word's two reads is guarded by the kind's
        // `search_common`, one by its absence, the other by its presence.
        let guard = "EXISTS (SELECT 1 FROM search_common c WHERE c.kind = ";
        assert_eq!(words.matches(&format!("NOT {guard}")).count(), 1, "{words}");
        assert_eq!(words.matches(guard).count(), 2, "{words}");
        let plan = Plan {
            ways: vec![ways[1].clone()],
            ..plans[0].clone()
        };
        let common = sql::tier(dialect, &plan, "d.doc", page, &|_| {}).unwrap();
        assert!(
            common.text.contains(&format!(" AND {guard}")),
            "{}",
            common.text
        );
        assert!(!common.text.contains("search_short"), "{}", common.text);
        assert!(common.text.contains("LIKE"), "{}", common.text);
        assert!(common.binds.contains(&sql::Value::Text("커피".into())));
        let plan = Plan {
            ways: scan.clone(),
            ..plans[0].clone()
        };
        let newest = sql::tier(dialect, &plan, "d.doc", page, &|_| {})
            .unwrap()
            .text;
        assert!(
            newest.starts_with("SELECT * FROM (SELECT d.doc FROM search_docs d WHERE"),
            "{newest}"
        );
        assert!(!newest.contains("search_fts"), "{newest}");
        // Unresolved, a keys driver is read newest first there too.
        let plan = Plan {
            ways: vec![exact.clone()],
            ..plans[0].clone()
        };
        let unresolved = sql::tier(dialect, &plan, "d.doc", page, &|_| {})
            .unwrap()
            .text;
        assert!(!unresolved.contains("search_fts"), "{unresolved}");
    }
}

/// 초성 are indexed for the title only: the first field, or the start of
/// the second when the first is empty.
#[test]
fn initials_are_the_titles() {
    use crate::query::*;
    let f = forms(&["장바구니 팁", "마트에서 장 볼 때", "#살림"]);
    assert_eq!(f.initials, initials_form("장바구니팁"));
    assert!(f.norm.contains("마트에서"));
    let untitled = forms(&["", &"가".repeat(60)]);
    assert_eq!(untitled.initials.chars().count(), TITLE_FROM_BODY_CHARS);
    let q = Query::parse("ㅈㅂㄱㄴ").unwrap();
    assert_eq!(q.tier_of(&f), Some(Tier::Initials));
    let body_only = forms(&["정리 팁", "장바구니 쓰는 법"]);
    assert_eq!(q.tier_of(&body_only), None);
}

#[test]
fn a_split_is_read_only_where_its_pieces_stand_as_words() {
    use crate::query::*;
    let q = Query::parse("스테인리스텀블러").unwrap();
    let mut plans = q.plans();
    let asked = needs(&plans);
    // (스테인리스, 텀블러): a word ending in 스테인리스, one starting with 텀블러.
    assert!(asked.contains(&"%ㅅㅡㅌㅔㅇㅣㄴㄹㅣㅅㅡ".to_owned()));
    assert!(asked.contains(&"ㅌㅓㅁㅂㅡㄹㄹㅓ%".to_owned()));
    let words_tier = |plans: &[Plan]| {
        plans
            .iter()
            .find(|p| p.tier == Tier::Words)
            .map_or(0, |p| p.ways.len())
    };
    let before = words_tier(&plans);
    assert!(before > 1);
    // Only the whole words are in the vocabulary: one split is left.
    let met: Vec<String> = asked
        .iter()
        .filter(|n| {
            let run = n.trim_matches('%');
            ["ㅅㅡㅌㅔㅇㅣㄴㄹㅣㅅㅡ", "ㅌㅓㅁㅂㅡㄹㄹㅓ"]
                .iter()
                .any(|w| {
                    if n.starts_with('%') {
                        w.ends_with(run)
                    } else {
                        w.starts_with(run)
                    }
                })
        })
        .cloned()
        .collect();
    let untouched = plans.clone();
    prune(&mut plans, &met);
    assert_eq!(words_tier(&plans), 1);
    // What the dropped splits would have found is not ruled out of the
    // tiers after them.
    let typo_before = untouched.iter().find(|p| p.tier == Tier::Typo).unwrap();
    let typo_after = plans.iter().find(|p| p.tier == Tier::Typo).unwrap();
    assert_eq!(typo_after.none.len(), typo_before.none.len() - (before - 1));
    // Nothing met: the words tier is empty, the exact and prefix untouched.
    let mut none_met = untouched.clone();
    prune(&mut none_met, &[]);
    assert_eq!(words_tier(&none_met), 0);
    assert_eq!(none_met[0], untouched[0]);
    assert_eq!(none_met[1], untouched[1]);
    // Queries with spaces, and exact or prefix tiers, ask nothing.
    assert!(needs(&Query::parse("스테인리스 텀블러").unwrap().plans()).is_empty());
    assert!(needs(&Query::parse("커피").unwrap().plans()).is_empty());
}
