//! 통계: the dashboard over the last 7 to 90 Korean days. Totals of the
//! window, then SVG charts drawn here (no chart library): orders and
//! revenue per day (bars of revenue, a line of orders), sign-ups per day
//! stacked by community, reports per day, and each recent group-buy's
//! funnel (viewers → orderers → payers). The days are the server's Korean
//! dates, shown as they are; the chart geometry is plain functions, tested
//! below.

use dioxus::prelude::*;
use moa_client_core::protocol::{AdminStats, CampaignFunnel};

use crate::i18n::{Arg, Lang};
use crate::state::{use_client, use_prefs};
use crate::ui::shop::won;
use crate::ui::subject::group_thousands;
use crate::ui::{Empty, Failed, Loading};

/// The windows an admin can pick, in days.
const WINDOWS: [u32; 4] = [7, 14, 30, 90];

/// Colours of stacked series, in order.
const PALETTE: [&str; 8] = [
    "#5b6cff", "#ff8a4c", "#20b486", "#d64545", "#9b59b6", "#e0a100", "#3aa7c9", "#8a8f98",
];

/// The chart's top: the smallest 1, 2 or 5 × 10ⁿ at or above `max` (1 at
/// least), so the scale reads in round numbers.
pub fn nice_max(max: i64) -> i64 {
    let mut step = 1_i64;
    loop {
        for m in [1, 2, 5] {
            let top = step.saturating_mul(m);
            if top >= max {
                return top;
            }
        }
        if step > i64::MAX / 10 {
            return i64::MAX;
        }
        step *= 10;
    }
}

/// Every how many days a day is labelled under a chart of `days` days
/// (about eight labels at most).
pub fn label_step(days: usize) -> usize {
    days.div_ceil(8).max(1)
}

/// Won in few characters, for axes and tiles: "1.2억", "35만", "9,000원" /
/// "₩1.2M", "₩350K", "₩9,000".
pub fn won_short(lang: Lang, krw: i64) -> String {
    let n = krw.abs();
    let sign = if krw < 0 { "-" } else { "" };
    let trim = |x: f64| {
        let s = format!("{x:.1}");
        s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
    };
    match lang {
        Lang::Ko if n >= 100_000_000 => format!("{sign}{}억", trim(n as f64 / 1e8)),
        Lang::Ko if n >= 10_000 => format!("{sign}{}만", trim(n as f64 / 1e4)),
        Lang::En if n >= 1_000_000 => format!("{sign}₩{}M", trim(n as f64 / 1e6)),
        Lang::En if n >= 10_000 => format!("{sign}₩{}K", trim(n as f64 / 1e3)),
        _ => won(lang, krw),
    }
}

/// Percent of `part` in `whole`, when it is a share of it (views are
/// counted from when the app reports them, so a step may outnumber the one
/// before it: no percent then).
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0 && (0..=whole).contains(&part)).then(|| part * 100 / whole)
}

/// One series of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub color: &'static str,
    /// One value per day, oldest first.
    pub values: Vec<i64>,
}

/// Sign-ups per day stacked by community: one series per community (the
/// largest first, "no community" last), values aligned to `days`.
pub fn signup_series(stats: &AdminStats, none_name: &str) -> Vec<Series> {
    let mut names: Vec<(Option<String>, String, i64)> = vec![];
    for s in &stats.signups_by_community {
        match names.iter_mut().find(|(id, _, _)| *id == s.community_id) {
            Some(entry) => entry.2 += s.signups,
            None => names.push((
                s.community_id.clone(),
                s.community_name
                    .clone()
                    .unwrap_or_else(|| none_name.to_owned()),
                s.signups,
            )),
        }
    }
    names.sort_by_key(|(id, _, total)| (id.is_none(), -total));
    names
        .into_iter()
        .enumerate()
        .map(|(i, (id, name, _))| Series {
            name,
            color: if id.is_none() {
                "#b9b5ae"
            } else {
                PALETTE[i % PALETTE.len()]
            },
            values: stats
                .days
                .iter()
                .map(|d| {
                    stats
                        .signups_by_community
                        .iter()
                        .filter(|s| s.day == d.day && s.community_id == id)
                        .map(|s| s.signups)
                        .sum()
                })
                .collect(),
        })
        .collect()
}

/// 통계.
#[component]
pub fn DashboardTab() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut days = use_signal(|| 14u32);
    let mut refresh = use_signal(|| 0u32);
    let stats = use_resource(move || {
        let n = *days.read();
        let _ = refresh.read();
        async move { client.get().admin().stats(n).await }
    });
    let lang = prefs.lang();
    let window = *days.read();
    rsx! {
        div { class: "bo-toolbar",
            div { class: "segmented",
                for n in WINDOWS {
                    button { class: if window == n { "seg active" } else { "seg" }, onclick: move |_| days.set(n),
                        {prefs.ta("bo-last-days", &[("n", Arg::Num(i64::from(n)))])} }
                }
            }
            span { class: "spacer" }
            button { class: "btn ghost", onclick: move |_| refresh += 1, "↻ " {prefs.t("action-refresh")} }
        }
        match &*stats.read() {
            None => rsx! { Loading {} },
            Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| refresh += 1 } },
            Some(Ok(s)) if s.days.is_empty() => rsx! { Empty { title: prefs.t("bo-stats-empty") } },
            Some(Ok(s)) => {
                let labels: Vec<String> = s.days.iter().map(|d| d.day.clone()).collect();
                let col = |f: fn(&moa_client_core::protocol::DayStats) -> i64| s.days.iter().map(f).collect::<Vec<i64>>();
                let (orders, paid, revenue, signups, reports) = (col(|d| d.orders), col(|d| d.paid_orders), col(|d| d.revenue_krw), col(|d| d.signups), col(|d| d.reports));
                let sum = |v: &[i64]| v.iter().sum::<i64>();
                let first = labels.first().cloned().unwrap_or_default();
                let last = labels.last().cloned().unwrap_or_default();
                rsx! {
                    p { class: "muted small", {prefs.ta("bo-stats-window", &[("from", Arg::Str(first)), ("to", Arg::Str(last))])} }
                    div { class: "tiles",
                        Tile { label: prefs.t("bo-stat-orders"), value: prefs.ta("bo-count-orders", &[("n", Arg::Num(sum(&orders)))]) }
                        Tile { label: prefs.t("bo-stat-paid"), value: prefs.ta("bo-count-orders", &[("n", Arg::Num(sum(&paid)))]) }
                        Tile { label: prefs.t("bo-stat-revenue"), value: won(lang, sum(&revenue)), accent: true }
                        Tile { label: prefs.t("bo-stat-signups"), value: prefs.ta("bo-count-people", &[("n", Arg::Num(sum(&signups)))]) }
                        Tile { label: prefs.t("bo-stat-reports"), value: prefs.ta("bo-count-reports", &[("n", Arg::Num(sum(&reports)))]) }
                    }
                    div { class: "card chart-card",
                        h3 { {prefs.t("bo-chart-orders")} }
                        DayChart { days: labels.clone(), money: true,
                            stacks: vec![Series { name: prefs.t("bo-stat-revenue"), color: "#ffb89c", values: revenue.clone() }],
                            line: Some(Series { name: prefs.t("bo-stat-orders"), color: "#c2410c", values: orders.clone() }) }
                    }
                    div { class: "chart-pair",
                        div { class: "card chart-card",
                            h3 { {prefs.t("bo-chart-signups")} }
                            DayChart { days: labels.clone(), stacks: signup_series(s, &prefs.t("bo-no-community")), narrow: true }
                        }
                        div { class: "card chart-card",
                            h3 { {prefs.t("bo-chart-reports")} }
                            DayChart { days: labels.clone(), stacks: vec![Series { name: prefs.t("bo-stat-reports"), color: "#d64545", values: reports.clone() }], narrow: true }
                        }
                    }
                    div { class: "card chart-card",
                        h3 { {prefs.t("bo-chart-funnels")} }
                        if s.funnels.is_empty() {
                            p { class: "muted", {prefs.t("bo-funnels-empty")} }
                        } else {
                            for f in s.funnels.clone() {
                                Funnel { key: "{f.campaign_id}", funnel: f.clone() }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A figure with its name.
#[component]
fn Tile(label: String, value: String, accent: Option<bool>) -> Element {
    rsx! {
        div { class: if accent.unwrap_or(false) { "tile accent" } else { "tile" },
            div { class: "tile-label", "{label}" }
            div { class: "tile-value", "{value}" }
        }
    }
}

/// Bars per day (stacked when there are several series), with an optional
/// line on a scale of its own; Korean dates under it.
#[component]
fn DayChart(
    days: Vec<String>,
    stacks: Vec<Series>,
    line: Option<Series>,
    money: Option<bool>,
    narrow: Option<bool>,
) -> Element {
    let prefs = use_prefs();
    let lang = prefs.lang();
    let money = money.unwrap_or(false);
    let n = days.len().max(1);
    // A half-width chart draws on a narrower canvas, so its words keep
    // their size on screen.
    let w = if narrow.unwrap_or(false) {
        440.0
    } else {
        720.0_f64
    };
    let (h, top, bottom) = (170.0_f64, 16.0_f64, 22.0_f64);
    let plot = h - top;
    let slot = w / n as f64;
    let bar = (slot * 0.7).min(36.0);
    let totals: Vec<i64> = (0..days.len())
        .map(|i| {
            stacks
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let max = nice_max(totals.iter().copied().max().unwrap_or(0));
    let mut rects = vec![];
    for i in 0..days.len() {
        let mut y = h;
        for s in &stacks {
            let v = s.values.get(i).copied().unwrap_or(0);
            if v <= 0 {
                continue;
            }
            let bh = v as f64 / max as f64 * plot;
            y -= bh;
            rects.push((i as f64 * slot + (slot - bar) / 2.0, y, bh, s.color));
        }
    }
    let line_points = line.as_ref().map(|l| {
        let lmax = nice_max(l.values.iter().copied().max().unwrap_or(0));
        let points: Vec<(f64, f64)> = l
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    i as f64 * slot + slot / 2.0,
                    h - *v as f64 / lmax as f64 * plot,
                )
            })
            .collect();
        (lmax, points)
    });
    let step = label_step(days.len());
    let labels: Vec<(f64, String)> = days
        .iter()
        .enumerate()
        .filter(|(i, _)| (days.len() - 1 - i) % step == 0)
        .map(|(i, d)| (i as f64 * slot + slot / 2.0, super::short_day(lang, d)))
        .collect();
    let max_label = if money {
        won_short(lang, max)
    } else {
        group_thousands(max)
    };
    let total: i64 = totals.iter().sum();
    let show_values = days.len() <= 14;
    rsx! {
        svg { class: "chart", view_box: "0 0 {w} {h + bottom}", width: "100%", role: "img",
            line { x1: "0", y1: "{top}", x2: "{w}", y2: "{top}", stroke: "#eeebe5", stroke_dasharray: "4 4" }
            line { x1: "0", y1: "{top + plot / 2.0}", x2: "{w}", y2: "{top + plot / 2.0}", stroke: "#f2efea" }
            for (x, y, bh, color) in rects {
                rect { x: "{x}", y: "{y}", width: "{bar}", height: "{bh}", fill: color, rx: "2" }
            }
            if show_values && line.is_none() {
                for (i, t) in totals.iter().enumerate() {
                    if *t > 0 {
                        text { x: "{i as f64 * slot + slot / 2.0}", y: "{h - *t as f64 / max as f64 * plot - 4.0}", text_anchor: "middle", class: "value", "{t}" }
                    }
                }
            }
            if let (Some(l), Some((lmax, points))) = (&line, &line_points) {
                polyline { points: points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" "),
                    fill: "none", stroke: l.color, stroke_width: "2" }
                for (i, (x, y)) in points.iter().enumerate() {
                    circle { cx: "{x}", cy: "{y}", r: "3", fill: l.color }
                    if show_values && l.values.get(i).copied().unwrap_or(0) > 0 {
                        text { x: "{x}", y: "{y - 7.0}", text_anchor: "middle", class: "value", fill: l.color, {l.values.get(i).copied().unwrap_or(0).to_string()} }
                    }
                }
                text { x: "{w - 2.0}", y: "11", text_anchor: "end", class: "axis", fill: l.color, {format!("{} {}", l.name, group_thousands(*lmax))} }
            }
            line { x1: "0", y1: "{h}", x2: "{w}", y2: "{h}", stroke: "#ccc8c0" }
            text { x: "2", y: "11", class: "axis", "{max_label}" }
            for (x, label) in labels {
                text { x: "{x}", y: "{h + 16.0}", text_anchor: "middle", class: "axis", "{label}" }
            }
        }
        div { class: "legend",
            for s in stacks.iter().filter(|s| s.values.iter().any(|v| *v > 0) || stacks.len() == 1) {
                span { span { class: "swatch", style: "background:{s.color}" } "{s.name}" }
            }
            if let Some(l) = &line {
                span { span { class: "swatch line", style: "background:{l.color}" } "{l.name}" }
            }
            span { class: "spacer" }
            span { {prefs.t("bo-window-total")} " " b { if money { {won(lang, total)} } else { {group_thousands(total)} } } }
        }
    }
}

/// One group-buy's funnel: viewers → orderers → payers, as bars.
#[component]
fn Funnel(funnel: CampaignFunnel) -> Element {
    let prefs = use_prefs();
    let f = funnel;
    let max = f.viewers.max(f.orderers).max(f.payers).max(1);
    let steps = [
        (prefs.t("bo-funnel-viewers"), f.viewers, None, "#c9cdf9"),
        (
            prefs.t("bo-funnel-orderers"),
            f.orderers,
            Some(percent(f.orderers, f.viewers)),
            "#8f9bff",
        ),
        (
            prefs.t("bo-funnel-payers"),
            f.payers,
            Some(percent(f.payers, f.orderers)),
            "#5b6cff",
        ),
    ];
    let (w, row) = (720.0_f64, 24.0_f64);
    let label_w = 96.0;
    rsx! {
        div { class: "funnel",
            div { class: "funnel-title", b { "{f.title}" }
                if let Some(p) = percent(f.payers, f.viewers) {
                    span { class: "muted small", " · " {prefs.ta("bo-funnel-overall", &[("n", Arg::Num(p))])} }
                }
            }
            svg { class: "chart", view_box: "0 0 {w} {row * 3.0}", width: "100%", role: "img",
                for (i, (name, n, pct, color)) in steps.into_iter().enumerate() {
                    {
                        let y = i as f64 * row;
                        let bw = ((w - label_w - 150.0) * n as f64 / max as f64).max(2.0);
                        let words = match pct.flatten() {
                            Some(p) => prefs.ta("bo-funnel-step", &[("n", Arg::Num(n)), ("pct", Arg::Num(p))]),
                            None => prefs.ta("bo-count-people", &[("n", Arg::Num(n))]),
                        };
                        rsx! {
                            text { x: "0", y: "{y + 16.0}", class: "axis", "{name}" }
                            rect { x: "{label_w}", y: "{y + 4.0}", width: "{bw}", height: "{row - 8.0}", fill: color, rx: "3" }
                            text { x: "{label_w + bw + 8.0}", y: "{y + 16.0}", class: "value", "{words}" }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use moa_client_core::protocol::{CommunitySignups, DayStats};

    #[test]
    fn scales_are_round_and_labels_few() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(1), 1);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(120_000), 200_000);
        assert_eq!(nice_max(500_001), 1_000_000);
        assert_eq!(label_step(7), 1);
        assert_eq!(label_step(14), 2);
        assert_eq!(label_step(30), 4);
        assert_eq!(label_step(90), 12);
    }

    #[test]
    fn won_in_few_characters() {
        assert_eq!(won_short(Lang::Ko, 9_000), "9,000원");
        assert_eq!(won_short(Lang::Ko, 350_000), "35만");
        assert_eq!(won_short(Lang::Ko, 15_000), "1.5만");
        assert_eq!(won_short(Lang::Ko, 120_000_000), "1.2억");
        assert_eq!(won_short(Lang::En, 350_000), "₩350K");
        assert_eq!(won_short(Lang::En, 1_200_000), "₩1.2M");
        assert_eq!(percent(1, 4), Some(25));
        assert_eq!(percent(4, 4), Some(100));
        assert_eq!(percent(3, 0), None);
        assert_eq!(percent(4, 1), None);
    }

    #[test]
    fn signups_stack_by_community_aligned_to_the_days() {
        let day = |d: &str| DayStats {
            day: d.into(),
            orders: 0,
            paid_orders: 0,
            revenue_krw: 0,
            signups: 0,
            reports: 0,
        };
        let s = |d: &str, id: Option<&str>, n| CommunitySignups {
            day: d.into(),
            community_id: id.map(str::to_owned),
            community_name: id.map(|i| format!("{i}대학교")),
            signups: n,
        };
        let stats = AdminStats {
            days: vec![day("2026-12-01"), day("2026-12-02"), day("2026-12-03")],
            funnels: vec![],
            signups_by_community: vec![
                s("2026-12-01", Some("서울"), 1),
                s("2026-12-03", None, 2),
                s("2026-12-02", Some("연세"), 3),
                s("2026-12-03", Some("연세"), 1),
            ],
        };
        let series = signup_series(&stats, "없음");
        let shown: Vec<(&str, Vec<i64>)> = series
            .iter()
            .map(|s| (s.name.as_str(), s.values.clone()))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("연세대학교", vec![0, 3, 1]),
                ("서울대학교", vec![1, 0, 0]),
                ("없음", vec![0, 0, 2]),
            ]
        );
    }
}
