//! The string catalog: every word the app shows goes through here, Korean
//! first (`locales/ko.ftl`), English complete beside it (`locales/en.ftl`).
//! Fluent bundles are built once per language; a key missing from a catalog
//! shows the key itself (and a unit test keeps both catalogs complete and in
//! step with the keys the code uses).

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The languages of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    Ko,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The catalog source of this language.
    pub fn source(self) -> &'static str {
        match self {
            Lang::Ko => include_str!("../locales/ko.ftl"),
            Lang::En => include_str!("../locales/en.ftl"),
        }
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static KO: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
        static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
        let cell = match self {
            Lang::Ko => &KO,
            Lang::En => &EN,
        };
        cell.get_or_init(|| build(self))
    }

    /// The string of `key`.
    pub fn t(self, key: &str) -> String {
        self.format(key, None)
    }

    /// The string of `key` with named arguments (`{ $name }` in the catalog).
    pub fn ta(self, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Str(s) => FluentValue::from(s.clone()),
                Arg::Num(n) => FluentValue::from(*n),
            };
            fluent.set(*name, value);
        }
        self.format(key, Some(&fluent))
    }

    fn format(self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

/// A value for a `{ $name }` placeholder.
#[derive(Debug, Clone)]
pub enum Arg {
    Str(String),
    Num(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Str(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Str(s)
    }
}

impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Num(n)
    }
}

fn build(lang: Lang) -> FluentBundle<FluentResource> {
    let id = match lang {
        Lang::Ko => unic_langid::langid!("ko-KR"),
        Lang::En => unic_langid::langid!("en-US"),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No bidi isolation marks around arguments: they show as boxes in some fonts.
    bundle.set_use_isolating(false);
    // A broken entry is skipped (the test below catches it); the rest loads.
    let resource = match FluentResource::try_new(lang.source().to_owned()) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    let _ = bundle.add_resource(resource);
    bundle
}

/// Message keys defined in a catalog source.
pub fn keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| !l.starts_with(['#', ' ', '\t', '.', '[', '*']) && l.contains(" ="))
        .filter_map(|l| l.split(" =").next())
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect()
}

/// A relative time ("3분 전", "3 min ago") from Unix ms.
pub fn ago(lang: Lang, at_ms: i64, now_ms: i64) -> String {
    let secs = (now_ms - at_ms).max(0) / 1000;
    let (key, n) = match secs {
        0..=59 => return lang.t("time-now"),
        60..=3599 => ("time-minutes", secs / 60),
        3600..=86_399 => ("time-hours", secs / 3600),
        86_400..=2_591_999 => ("time-days", secs / 86_400),
        _ => ("time-months", secs / 2_592_000),
    };
    lang.ta(key, &[("n", Arg::Num(n))])
}

pub use moa_client_core::protocol::kst::Kst;

/// A date and time in Korean time: "12월 5일 (토) 18:00" /
/// "Sat, Dec 5, 18:00 KST".
pub fn kst_datetime(lang: Lang, at_ms: i64) -> String {
    let k = Kst::of(at_ms);
    match lang {
        Lang::Ko => {
            const DAYS: [&str; 7] = ["일", "월", "화", "수", "목", "금", "토"];
            format!(
                "{}월 {}일 ({}) {:02}:{:02}",
                k.month, k.day, DAYS[k.weekday as usize], k.hour, k.minute
            )
        }
        Lang::En => {
            const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            format!(
                "{}, {} {}, {:02}:{:02} KST",
                DAYS[k.weekday as usize],
                MONTHS[(k.month as usize).saturating_sub(1) % 12],
                k.day,
                k.hour,
                k.minute
            )
        }
    }
}

/// The time left until `deadline_ms`: "2일 3시간 남음", "13분 남음", "마감".
pub fn time_left(lang: Lang, deadline_ms: i64, now_ms: i64) -> String {
    let secs = (deadline_ms - now_ms) / 1000;
    if secs <= 0 {
        return lang.t("time-closed");
    }
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let (key, args) = if d > 0 {
        ("time-left-days", [("d", Arg::Num(d)), ("h", Arg::Num(h))])
    } else if h > 0 {
        ("time-left-hours", [("d", Arg::Num(h)), ("h", Arg::Num(m))])
    } else {
        (
            "time-left-minutes",
            [("d", Arg::Num(m.max(1))), ("h", Arg::Num(secs % 60))],
        )
    };
    lang.ta(key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn korean_time_is_nine_hours_ahead_across_days_and_years() {
        // 2026-12-31 15:30 UTC is 2027-01-01 00:30 in Seoul, a Friday.
        let at = 1_798_731_000_000;
        assert_eq!(
            Kst::of(at),
            Kst {
                year: 2027,
                month: 1,
                day: 1,
                weekday: 5,
                hour: 0,
                minute: 30
            }
        );
        assert_eq!(kst_datetime(Lang::Ko, at), "1월 1일 (금) 00:30");
        assert_eq!(kst_datetime(Lang::En, at), "Fri, Jan 1, 00:30 KST");
        // The epoch: 1970-01-01 09:00 in Seoul, a Thursday.
        assert_eq!(
            Kst::of(0),
            Kst {
                year: 1970,
                month: 1,
                day: 1,
                weekday: 4,
                hour: 9,
                minute: 0
            }
        );
        // A leap day.
        let leap = Kst::of(1_709_164_800_000); // 2024-02-29 00:00 UTC
        assert_eq!((leap.year, leap.month, leap.day), (2024, 2, 29));
    }

    #[test]
    fn time_left_counts_down_to_closed() {
        let now = 1_000_000_000_000;
        let ko = |ms| time_left(Lang::Ko, now + ms, now);
        assert_eq!(ko(2 * 86_400_000 + 3 * 3_600_000), "2일 3시간 남음");
        assert_eq!(ko(5 * 3_600_000 + 7 * 60_000), "5시간 7분 남음");
        assert_eq!(ko(13 * 60_000 + 5_000), "13분 남음");
        assert_eq!(ko(-1), time_left(Lang::Ko, now, now));
        assert_eq!(time_left(Lang::En, now + 90_000, now), "1 min left");
    }

    #[test]
    fn both_catalogs_parse_and_have_the_same_keys() {
        for lang in [Lang::Ko, Lang::En] {
            assert!(
                FluentResource::try_new(lang.source().to_owned()).is_ok(),
                "{} catalog has syntax errors",
                lang.code()
            );
        }
        let ko: BTreeSet<_> = keys(Lang::Ko.source()).into_iter().collect();
        let en: BTreeSet<_> = keys(Lang::En.source()).into_iter().collect();
        let only_ko: Vec<_> = ko.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ko).collect();
        assert!(only_ko.is_empty(), "missing in en.ftl: {only_ko:?}");
        assert!(only_en.is_empty(), "missing in ko.ftl: {only_en:?}");
        assert!(ko.len() > 100, "catalog suspiciously small: {}", ko.len());
    }

    #[test]
    fn every_key_the_code_uses_is_in_the_catalog() {
        let known: BTreeSet<_> = keys(Lang::Ko.source()).into_iter().collect();
        let mut missing = BTreeSet::new();
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut dirs = vec![std::path::PathBuf::from(src)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for call in [".t(\"", ".ta(\"", "tr(\"", "tra(\""] {
                    for (i, _) in text.match_indices(call) {
                        let rest = &text[i + call.len()..];
                        if let Some(end) = rest.find('"') {
                            let key = &rest[..end];
                            if !key.is_empty() && !known.contains(key) && key != "no-such-key" {
                                missing.insert(key.to_owned());
                            }
                        }
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not in ko.ftl: {missing:?}"
        );
    }

    #[test]
    fn korean_is_default_and_arguments_fill_in() {
        assert_eq!(Lang::default(), Lang::Ko);
        assert_eq!(Lang::Ko.t("nav-home"), "홈");
        assert_eq!(Lang::En.t("nav-home"), "Home");
        assert_eq!(ago(Lang::Ko, 0, 3 * 60_000), "3분 전");
        assert_eq!(ago(Lang::En, 0, 2 * 3_600_000), "2 h ago");
        assert_eq!(Lang::Ko.t("no-such-key"), "no-such-key");
    }
}
