//! Admin mode, for moderators and admins only (the server enforces the
//! rules; this only hides what a role cannot do): the report queue grouped
//! by target with the reported content inline and the actions on it, report
//! statistics as a chart, the audit log, member search with role changes and
//! suspensions (admins), and official reviews; and, for admins only, the
//! back office's tabs ([`super::backoffice`]).

use dioxus::prelude::*;
use moa_client_core::protocol::kst::{DAY_MS, day_start};
use moa_client_core::protocol::{
    AdminUser, ModerationAction, ModerationRequest, ReportGroup, ReportState, ReportStats,
    ReportTarget, Review, Role,
};
use serde_json::Value;

use super::backoffice::{
    catalog::CatalogTab, communities::CommunitiesTab, dashboard::DashboardTab, orders::OrdersTab,
    texts::TextsTab,
};
use super::feed::ReviewRow;
use super::{Empty, Failed, Loading};
use crate::i18n::{Arg, ago};
use crate::route::{AdminTab, Route};
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_session};

#[component]
pub fn Admin(tab: AdminTab) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let session = use_session();
    let admin = session.is_admin();
    let back_office = tab.back_office() && admin;
    let tabs: Vec<(AdminTab, &str)> = if back_office {
        vec![
            (AdminTab::Orders, "bo-tab-orders"),
            (AdminTab::Catalog, "bo-tab-catalog"),
            (AdminTab::Communities, "bo-tab-communities"),
            (AdminTab::Dashboard, "bo-tab-dashboard"),
            (AdminTab::Texts, "bo-tab-texts"),
        ]
    } else {
        let mut tabs = vec![
            (AdminTab::Reports, "admin-reports"),
            (AdminTab::Stats, "admin-stats"),
            (AdminTab::Audit, "admin-audit"),
            (AdminTab::Official, "admin-official"),
        ];
        if admin {
            tabs.insert(2, (AdminTab::Users, "admin-users"));
        }
        tabs
    };
    let title = if back_office {
        "nav-back-office"
    } else {
        "nav-admin-section"
    };
    rsx! {
        super::Header { title: prefs.t(title) }
        div { class: "tabs",
            for (t, key) in tabs {
                button { class: if tab == t { "tab active" } else { "tab" }, onclick: move |_| nav.switch(Route::Admin(t)), {prefs.t(key)} }
            }
        }
        div { class: if back_office { "scroll wide" } else { "scroll" },
            match tab {
                AdminTab::Reports => rsx! { Reports {} },
                AdminTab::Stats => rsx! { Stats {} },
                AdminTab::Users => rsx! { if admin { Users {} } },
                AdminTab::Audit => rsx! { Audit {} },
                AdminTab::Official => rsx! { Official {} },
                // The back office is for admins only (the route shows a
                // moderator the report queue instead).
                AdminTab::Orders => rsx! { if admin { OrdersTab {} } },
                AdminTab::Catalog => rsx! { if admin { CatalogTab {} } },
                AdminTab::Communities => rsx! { if admin { CommunitiesTab {} } },
                AdminTab::Dashboard => rsx! { if admin { DashboardTab {} } },
                AdminTab::Texts => rsx! { if admin { TextsTab {} } },
            }
        }
    }
}

/// The reported content as moderators read it: (who, headline, text, hidden).
pub fn summary(target: ReportTarget, content: Option<&Value>) -> (String, String, String, bool) {
    let Some(v) = content else {
        return (String::new(), String::new(), String::new(), false);
    };
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let author = v
        .get("author")
        .map(|a| format!("{} @{}", s(a, "display_name"), s(a, "handle")))
        .unwrap_or_default();
    let hidden = v.get("hidden").and_then(Value::as_bool).unwrap_or(false);
    match target {
        ReportTarget::Review => (author, s(v, "title"), s(v, "body"), hidden),
        ReportTarget::Comment => (author, String::new(), s(v, "body"), hidden),
        ReportTarget::User => (
            format!("{} @{}", s(v, "display_name"), s(v, "handle")),
            s(v, "email"),
            String::new(),
            false,
        ),
        ReportTarget::Product => (String::new(), s(v, "name"), s(v, "shop_url"), false),
        ReportTarget::Message => (s(v, "sender_id"), String::new(), s(v, "body"), false),
        // The request (with its quotes and chat, which its page shows).
        ReportTarget::Request => {
            let r = v.get("request").unwrap_or(&Value::Null);
            let who = r
                .get("requester")
                .map(|a| format!("{} @{}", s(a, "display_name"), s(a, "handle")))
                .unwrap_or_default();
            let text = s(r, "details");
            (who, s(r, "title"), text, false)
        }
    }
}

#[component]
fn Reports() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut state = use_signal(|| ReportState::Open);
    let mut filter = use_signal(|| None::<ReportTarget>);
    let mut refresh = use_signal(|| 0u32);
    let queue = use_resource(move || {
        let (s, f, _) = (*state.read(), *filter.read(), refresh.read());
        async move { client.get().admin().report_queue(s, f, None).await }
    });
    let states = [
        (ReportState::Open, "report-open"),
        (ReportState::Dismissed, "report-dismissed"),
        (ReportState::Actioned, "report-actioned"),
    ];
    rsx! {
        div { class: "filters",
            div { class: "segmented",
                for (s, key) in states {
                    button { class: if *state.read() == s { "seg active" } else { "seg" }, onclick: move |_| state.set(s), {prefs.t(key)} }
                }
            }
            select { onchange: move |e| filter.set(ReportTarget::parse(&e.value())),
                option { value: "", {prefs.t("admin-all-types")} }
                for t in ReportTarget::ALL {
                    option { value: t.as_str(), selected: *filter.read() == Some(t), {prefs.t(target_key(t))} }
                }
            }
        }
        match &*queue.read() {
            None => rsx! { Loading {} },
            Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| refresh += 1 } },
            Some(Ok(q)) if q.items.is_empty() => rsx! { Empty { title: prefs.t("admin-queue-empty"), hint: prefs.t("admin-queue-empty-hint") } },
            Some(Ok(q)) => rsx! {
                for g in q.items.iter().cloned() {
                    ReportCard { key: "{g.target_id}", group: g, on_done: move |_| refresh += 1 }
                }
            },
        }
    }
}

#[component]
fn ReportCard(group: ReportGroup, on_done: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let notices = use_notices();
    let mut reason = use_signal(String::new);
    let mut days = use_signal(|| "7".to_owned());
    let mut busy = use_signal(|| false);
    let (who, headline, text, hidden) = summary(group.target_type, group.content.as_ref());
    let now = super::now_ms();
    let (target_type, target_id) = (group.target_type, group.target_id.clone());
    let act = use_callback(move |action: ModerationAction| {
        let req = ModerationRequest {
            target_type,
            target_id: target_id.clone(),
            action,
            reason: reason.peek().trim().to_owned(),
            days: (action == ModerationAction::Suspend)
                .then(|| days.peek().trim().parse().ok())
                .flatten(),
        };
        busy.set(true);
        spawn(async move {
            let result = client.get().admin().moderate(req).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    notices.notify(prefs.t("admin-done"));
                    on_done.call(());
                }
                Err(e) => notices.fail(&e),
            }
        });
    });
    let mut reasons: Vec<String> = group
        .reports
        .iter()
        .map(|r| r.reason.as_str().to_owned())
        .collect();
    reasons.dedup();
    let target = group.target_type;
    let open_id = group.target_id.clone();
    rsx! {
        article { class: "card report",
            div { class: "report-head",
                span { class: "pill", {prefs.t(target_key(target))} }
                b { {prefs.ta("admin-report-count", &[("count", Arg::Num(group.report_count))])} }
                span { class: "muted small", " · " {ago(prefs.lang(), group.first_reported_at, now)} }
                if hidden { span { class: "pill warn", {prefs.t("review-hidden")} } }
                span { class: "spacer" }
                if target == ReportTarget::Review {
                    a { onclick: move |_| nav.go(Route::Review(open_id.clone())), {prefs.t("admin-open")} }
                } else if target == ReportTarget::Request {
                    a { onclick: move |_| nav.go(Route::Request(open_id.clone())), {prefs.t("admin-open")} }
                }
            }
            blockquote { class: "reported",
                if !who.is_empty() { div { class: "muted small", "{who}" } }
                if !headline.is_empty() { div { b { "{headline}" } } }
                if !text.is_empty() { p { "{text}" } }
                if group.content.is_none() { p { class: "muted", {prefs.t("admin-content-gone")} } }
            }
            ul { class: "report-reasons",
                for r in group.reports.iter().cloned() {
                    li { span { class: "pill", {prefs.t(&format!("reason-{}", r.reason.as_str().replace('_', "-")))} } " "
                        if !r.detail.is_empty() { span { "{r.detail}" } }
                        span { class: "muted small", " · " {ago(prefs.lang(), r.created_at, now)} }
                    }
                }
            }
            div { class: "report-actions",
                input { class: "reason", placeholder: prefs.t("admin-reason"), value: "{reason}", oninput: move |e| reason.set(e.value()) }
                button { class: "btn", disabled: *busy.read(), onclick: move |_| act.call(ModerationAction::Dismiss), {prefs.t("admin-dismiss")} }
                if matches!(target, ReportTarget::Review | ReportTarget::Comment | ReportTarget::Request) {
                    if hidden {
                        button { class: "btn", disabled: *busy.read(), onclick: move |_| act.call(ModerationAction::Restore), {prefs.t("admin-restore")} }
                    } else {
                        button { class: "btn", disabled: *busy.read(), onclick: move |_| act.call(ModerationAction::Hide), {prefs.t("admin-hide")} }
                    }
                }
                if !matches!(target, ReportTarget::User | ReportTarget::Request) {
                    button { class: "btn danger", disabled: *busy.read(), onclick: move |_| act.call(ModerationAction::Delete), {prefs.t("action-delete")} }
                }
                span { class: "suspend",
                    input { class: "days", r#type: "number", min: "1", max: "3650", value: "{days}", oninput: move |e| days.set(e.value()) }
                    {prefs.t("admin-days")}
                    button { class: "btn danger", disabled: *busy.read(), onclick: move |_| act.call(ModerationAction::Suspend), {prefs.t("admin-suspend")} }
                    button { class: "btn", disabled: *busy.read(), onclick: move |_| act.call(ModerationAction::Unsuspend), {prefs.t("admin-lift")} }
                }
            }
        }
    }
}

/// Which of the last `days` Korean days (0 = the oldest) holds `day`, a
/// Korean day's start as the server names it, as of `now_ms`.
pub fn day_index(day: i64, days: u32, now_ms: i64) -> Option<usize> {
    let first = day_start(now_ms) - (i64::from(days) - 1) * DAY_MS;
    let i = (day_start(day) - first).div_euclid(DAY_MS);
    (0..i64::from(days)).contains(&i).then_some(i as usize)
}

/// Bars of reports per day, stacked by type (SVG, no chart library); the
/// days are Korean days.
#[component]
pub fn StatsChart(stats: ReportStats, days: u32) -> Element {
    let prefs = use_prefs();
    let now = super::now_ms();
    let colors = ["#5b6cff", "#ff8a4c", "#20b486", "#d64545", "#9b59b6"];
    let mut per_day = vec![[0i64; 5]; days as usize];
    for d in &stats.by_day {
        if let Some(i) = day_index(d.day, days, now) {
            let t = ReportTarget::ALL
                .iter()
                .position(|x| *x == d.target_type)
                .unwrap_or(0);
            per_day[i][t] += d.count;
        }
    }
    let max = per_day
        .iter()
        .map(|d| d.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h) = (640.0, 180.0);
    let bar = w / f64::from(days);
    rsx! {
        svg { class: "chart", view_box: "0 0 {w} {h + 20.0}", width: "100%", role: "img",
            for (i, counts) in per_day.iter().enumerate() {
                {
                    let mut y = h;
                    let x = i as f64 * bar + 2.0;
                    let rects: Vec<(f64, f64, &str)> = counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(t, c)| {
                        let bh = *c as f64 / max as f64 * (h - 10.0);
                        y -= bh;
                        (y, bh, colors[t])
                    }).collect();
                    rsx! {
                        for (y, bh, color) in rects {
                            rect { x: "{x}", y: "{y}", width: "{bar - 4.0}", height: "{bh}", fill: color, rx: "2" }
                        }
                    }
                }
            }
            line { x1: "0", y1: "{h}", x2: "{w}", y2: "{h}", stroke: "#ccd" }
            text { x: "0", y: "{h + 16.0}", class: "axis", {prefs.ta("admin-days-ago", &[("n", Arg::Num(i64::from(days) - 1))])} }
            text { x: "{w}", y: "{h + 16.0}", text_anchor: "end", class: "axis", {prefs.t("admin-today")} }
            text { x: "4", y: "12", class: "axis", "{max}" }
        }
        div { class: "legend",
            for (t, color) in ReportTarget::ALL.iter().zip(colors) {
                span { span { class: "swatch", style: "background:{color}" } {prefs.t(target_key(*t))} }
            }
        }
    }
}

#[component]
fn Stats() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let days = 14u32;
    let stats = use_resource(move || async move { client.get().admin().report_stats(days).await });
    match &*stats.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone() } },
        Some(Ok(s)) => rsx! {
            div { class: "card",
                h3 { {prefs.ta("admin-stats-title", &[("days", Arg::Num(i64::from(days)))])} }
                StatsChart { stats: s.clone(), days }
            }
            div { class: "card",
                table { class: "table",
                    thead { tr { th { {prefs.t("admin-type")} } th { {prefs.t("report-open")} } th { {prefs.t("admin-closed")} } } }
                    tbody {
                        for t in s.by_type.iter().cloned() {
                            tr { td { {prefs.t(target_key(t.target_type))} } td { "{t.open}" } td { "{t.closed}" } }
                        }
                    }
                }
            }
        },
    }
}

#[component]
fn Users() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut query = use_signal(String::new);
    let mut refresh = use_signal(|| 0u32);
    let users = use_resource(move || {
        let (q, _) = (query.read().trim().to_owned(), refresh.read());
        async move { client.get().admin().users(&q, None).await }
    });
    rsx! {
        div { class: "filters",
            input { placeholder: prefs.t("admin-user-search"), value: "{query}", oninput: move |e| query.set(e.value()) }
        }
        match &*users.read() {
            None => rsx! { Loading {} },
            Some(Err(e)) => rsx! { Failed { error: e.clone() } },
            Some(Ok(page)) if page.items.is_empty() => rsx! { Empty { title: prefs.t("admin-no-users") } },
            Some(Ok(page)) => rsx! {
                table { class: "card table",
                    thead { tr { th { {prefs.t("admin-member")} } th { {prefs.t("auth-email")} } th { {prefs.t("admin-role")} } th { {prefs.t("admin-status")} } th {} } }
                    tbody {
                        for u in page.items.iter().cloned() {
                            UserRow { key: "{u.id}", user: u, on_change: move |_| refresh += 1 }
                        }
                    }
                }
            },
        }
    }
}

#[component]
fn UserRow(user: AdminUser, on_change: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let now = super::now_ms();
    let suspended = user.suspended_until.is_some_and(|t| t > now);
    let (role_id, lift_id, susp_id) = (user.id.clone(), user.id.clone(), user.id.clone());
    rsx! {
        tr {
            td { b { "{user.display_name}" } div { class: "handle", "@{user.handle}" } }
            td { "{user.email}" }
            td {
                select {
                    onchange: move |e| {
                        let role = match e.value().as_str() { "admin" => Role::Admin, "moderator" => Role::Moderator, _ => Role::Member };
                        let id = role_id.clone();
                        spawn(async move {
                            match client.get().admin().set_role(&id, role).await {
                                Ok(_) => { notices.notify(prefs.t("admin-done")); on_change.call(()) }
                                Err(e) => notices.fail(&e),
                            }
                        });
                    },
                    for (r, key) in [(Role::Member, "role-member"), (Role::Moderator, "role-moderator"), (Role::Admin, "role-admin")] {
                        option { value: r.as_str(), selected: user.role == r, {prefs.t(key)} }
                    }
                }
            }
            td { if suspended { span { class: "pill warn", {prefs.t("admin-suspended")} } } else if user.deleted { span { class: "pill", {prefs.t("author-deleted")} } } else { span { class: "muted", {prefs.t("admin-active")} } } }
            td {
                if suspended {
                    button { class: "btn", onclick: move |_| { let id = lift_id.clone(); spawn(async move { match client.get().admin().lift_suspension(&id).await { Ok(_) => on_change.call(()), Err(e) => notices.fail(&e) } }); }, {prefs.t("admin-lift")} }
                } else {
                    button { class: "btn danger", onclick: move |_| { let id = susp_id.clone(); spawn(async move { match client.get().admin().suspend(&id, Some(7), "admin").await { Ok(_) => on_change.call(()), Err(e) => notices.fail(&e) } }); }, {prefs.t("admin-suspend-7")} }
                }
            }
        }
    }
}

#[component]
fn Audit() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let log = use_resource(move || async move { client.get().admin().audit_log(None).await });
    let now = super::now_ms();
    match &*log.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone() } },
        Some(Ok(page)) if page.items.is_empty() => {
            rsx! { Empty { title: prefs.t("admin-audit-empty") } }
        }
        Some(Ok(page)) => rsx! {
            table { class: "card table",
                thead { tr { th { {prefs.t("admin-when")} } th { {prefs.t("admin-action")} } th { {prefs.t("admin-target")} } th { {prefs.t("admin-detail")} } } }
                tbody {
                    for e in page.items.iter().cloned() {
                        tr { key: "{e.id}",
                            td { class: "muted small", {ago(prefs.lang(), e.created_at, now)} }
                            td { code { "{e.action}" } }
                            td { "{e.target_type} " span { class: "muted small", {e.target_id.chars().take(8).collect::<String>()} } }
                            td { "{e.detail}" }
                        }
                    }
                }
            }
        },
    }
}

/// Official reviews from the server (hidden and deleted ones marked),
/// newest first, a page at a time.
#[component]
fn Official() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let notices = use_notices();
    let mut refresh = use_signal(|| 0u32);
    let mut more = use_signal(|| None::<(u32, Vec<Review>, Option<String>)>);
    let mut loading_more = use_signal(|| false);
    let first = use_resource(move || {
        let _ = refresh.read();
        async move { client.get().admin().official_posts(None).await }
    });
    let key = *refresh.read();
    rsx! {
        div { class: "card",
            p { {prefs.t("admin-official-hint")} }
            button { class: "btn primary", onclick: move |_| nav.go(Route::Compose(None)), "✎ " {prefs.t("admin-official-write")} }
        }
        match &*first.read() {
            None => rsx! { Loading {} },
            Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| refresh += 1 } },
            Some(Ok(page)) => {
                let extra = more.read().clone().filter(|m| m.0 == key);
                let cursor = match &extra {
                    Some(m) => m.2.clone(),
                    None => page.next_cursor.clone(),
                };
                let mut reviews = page.items.clone();
                if let Some(m) = extra {
                    reviews.extend(m.1);
                }
                if reviews.is_empty() {
                    rsx! { Empty { title: prefs.t("admin-official-empty") } }
                } else {
                    rsx! {
                        div { class: "feed",
                            for review in reviews {
                                ReviewRow { key: "{review.id}", review: review.clone() }
                            }
                        }
                        if let Some(cursor) = cursor {
                            div { class: "center",
                                button { class: "btn", disabled: *loading_more.read(),
                                    onclick: move |_| {
                                        let cursor = cursor.clone();
                                        loading_more.set(true);
                                        spawn(async move {
                                            let result = client.get().admin().official_posts(Some(cursor)).await;
                                            loading_more.set(false);
                                            match result {
                                                Ok(next) => {
                                                    let mut slot = more.write();
                                                    match slot.as_mut().filter(|m| m.0 == key) {
                                                        Some(m) => { m.1.extend(next.items); m.2 = next.next_cursor; }
                                                        None => *slot = Some((key, next.items, next.next_cursor)),
                                                    }
                                                }
                                                Err(e) => notices.fail(&e),
                                            }
                                        });
                                    },
                                    {prefs.t("search-more")}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Report targets as the admin screens group them.
pub fn target_key(target: ReportTarget) -> &'static str {
    match target {
        ReportTarget::Review => "target-review",
        ReportTarget::Comment => "target-comment",
        ReportTarget::User => "target-user",
        ReportTarget::Message => "target-message",
        ReportTarget::Product => "target-product",
        ReportTarget::Request => "target-request",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_content_reads_as_text() {
        let review = serde_json::json!({"title": "제목", "body": "본문", "hidden": true,
            "author": {"display_name": "민지", "handle": "minji"}});
        let (who, head, text, hidden) = summary(ReportTarget::Review, Some(&review));
        assert_eq!(
            (who.as_str(), head.as_str(), text.as_str(), hidden),
            ("민지 @minji", "제목", "본문", true)
        );
        assert_eq!(summary(ReportTarget::Comment, None).2, "");
        let request = serde_json::json!({"request": {"title": "도쿄 굿즈", "details": "키링 2개",
            "requester": {"display_name": "민지", "handle": "minji"}}, "quotes": [], "messages": []});
        let (who, head, text, _) = summary(ReportTarget::Request, Some(&request));
        assert_eq!(
            (who.as_str(), head.as_str(), text.as_str()),
            ("민지 @minji", "도쿄 굿즈", "키링 2개")
        );
    }

    #[test]
    fn report_days_are_korean_days() {
        use moa_client_core::protocol::kst::parse_date;
        // 2026-12-03 08:00 in Seoul (still 12-02 in UTC).
        let now = parse_date("2026-12-03").unwrap_or_default() + 8 * 3_600_000;
        let today = parse_date("2026-12-03").unwrap_or_default();
        assert_eq!(day_index(today, 14, now), Some(13));
        assert_eq!(day_index(today - DAY_MS, 14, now), Some(12));
        assert_eq!(day_index(today - 13 * DAY_MS, 14, now), Some(0));
        assert_eq!(day_index(today - 14 * DAY_MS, 14, now), None);
        assert_eq!(day_index(today + DAY_MS, 14, now), None);
    }
}
