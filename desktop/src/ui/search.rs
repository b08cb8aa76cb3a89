//! Search: the box at the top of every screen (Ctrl+K / ⌘K focuses it;
//! suggestions from the device while typing; Enter opens the results) and
//! the results screen — tabs per kind, matches highlighted, recent searches,
//! and calm empty and offline states. client-core answers from the device
//! first and adds the server's hits below (`client.search()`).

use dioxus::prelude::*;
use moa_client_core::protocol::{
    MatchKind, SearchHit, SearchKind, SearchType, SubjectType, TextRange,
};

use super::{Empty, Failed, Loading, Photo};
use crate::i18n::Arg;
use crate::route::Route;
use crate::state::{use_client, use_nav, use_notices, use_prefs};

/// How long typing pauses before suggestions are looked up.
const DEBOUNCE_MS: u64 = 180;

/// Installs the Ctrl+K / ⌘K shortcut that focuses the search box (once per
/// window; the listener lives in the page).
pub fn install_shortcut() {
    let _ = dioxus::document::eval(
        "if (!window.__moaSearchKey) { window.__moaSearchKey = true; \
         document.addEventListener('keydown', e => { \
           if ((e.ctrlKey || e.metaKey) && (e.key === 'k' || e.key === 'K')) { \
             e.preventDefault(); const box = document.getElementById('search-box'); \
             if (box) { box.focus(); box.select(); } } }); }",
    );
}

/// The tab of each search type, in the order they are shown.
const TABS: [(SearchType, &str); 7] = [
    (SearchType::All, "search-tab-all"),
    (SearchType::Reviews, "search-tab-reviews"),
    (SearchType::Places, "search-tab-places"),
    (SearchType::Products, "search-tab-products"),
    (SearchType::People, "search-tab-people"),
    (SearchType::Campaigns, "search-tab-campaigns"),
    (SearchType::Requests, "search-tab-requests"),
];

fn tab_of(kind: SearchKind) -> SearchType {
    match kind {
        SearchKind::Review => SearchType::Reviews,
        SearchKind::Place => SearchType::Places,
        SearchKind::Product => SearchType::Products,
        SearchKind::Person => SearchType::People,
        SearchKind::Campaign => SearchType::Campaigns,
        SearchKind::Request => SearchType::Requests,
    }
}

fn tab_key(kind: SearchType) -> &'static str {
    TABS.iter()
        .find(|(t, _)| *t == kind)
        .map_or("search-tab-all", |(_, k)| k)
}

/// Where a hit leads.
fn target(hit: &SearchHit) -> Option<Route> {
    match hit.kind {
        SearchKind::Review => Some(Route::Review(hit.id.clone())),
        SearchKind::Place => Some(Route::Subject(SubjectType::Place, hit.id.clone())),
        SearchKind::Product => Some(Route::Subject(SubjectType::Product, hit.id.clone())),
        SearchKind::Person => Some(Route::Profile(Some(hit.id.clone()))),
        SearchKind::Campaign => Some(Route::Campaign(hit.id.clone())),
        SearchKind::Request => Some(Route::Request(hit.id.clone())),
    }
}

fn kind_icon(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Review => "✎",
        SearchKind::Place => "📍",
        SearchKind::Product => "🛍",
        SearchKind::Person => "☺",
        SearchKind::Campaign => "🤝",
        SearchKind::Request => "🙋",
    }
}

/// The badge of a match that is not the text itself.
fn match_key(matched: MatchKind) -> Option<&'static str> {
    match matched {
        MatchKind::Exact => None,
        MatchKind::Prefix => Some("search-match-prefix"),
        MatchKind::Words => Some("search-match-words"),
        MatchKind::Initials => Some("search-match-initials"),
        MatchKind::Keyboard => Some("search-match-keyboard"),
        MatchKind::Typo => Some("search-match-typo"),
    }
}

/// `text` split at `ranges` (characters): (piece, highlighted).
pub fn pieces(text: &str, ranges: &[TextRange]) -> Vec<(String, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0usize;
    for r in ranges {
        let (start, end) = (r.start as usize, (r.end as usize).min(chars.len()));
        if start < at || start >= end {
            continue;
        }
        if start > at {
            out.push((chars[at..start].iter().collect(), false));
        }
        out.push((chars[start..end].iter().collect(), true));
        at = end;
    }
    if at < chars.len() {
        out.push((chars[at..].iter().collect(), false));
    }
    out
}

/// Text with its matches marked.
#[component]
pub fn Highlighted(text: String, ranges: Vec<TextRange>) -> Element {
    rsx! {
        for (piece, marked) in pieces(&text, &ranges) {
            if marked { mark { "{piece}" } } else { "{piece}" }
        }
    }
}

/// The search box at the top of the window.
#[component]
pub fn SearchBox() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let mut text = use_signal(String::new);
    let mut open = use_signal(|| false);
    let mut typed = use_signal(|| 0u64);
    let suggestions = use_resource(move || {
        let q = text.read().clone();
        let generation = *typed.read();
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(DEBOUNCE_MS)).await;
            if generation != *typed.peek() {
                return Vec::new();
            }
            let search = client.get().search();
            if q.trim().is_empty() {
                search
                    .recent()
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .take(6)
                    .collect()
            } else {
                search.suggestions(&q).await.unwrap_or_default()
            }
        }
    });
    let mut submit = move |q: String| {
        let q = q.trim().to_owned();
        if q.is_empty() {
            return;
        }
        open.set(false);
        nav.go(Route::Search(Some(q)));
    };
    let listed = suggestions.read().clone().unwrap_or_default();
    rsx! {
        div { class: "top-bar",
            div { class: "search-box",
                span { class: "search-icon", "⌕" }
                input { id: "search-box", name: "search", r#type: "search", autocomplete: "off",
                    placeholder: prefs.t("search-placeholder"),
                    value: "{text}",
                    oninput: move |e| { text.set(e.value()); typed += 1; open.set(true); },
                    onfocus: move |_| open.set(true),
                    onblur: move |_| {
                        // Late enough for a click on a suggestion to land.
                        spawn(async move {
                            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                            open.set(false);
                        });
                    },
                    onkeydown: move |e| match e.key() {
                        Key::Enter => submit(text.peek().clone()),
                        Key::Escape => open.set(false),
                        _ => {}
                    },
                }
                span { class: "kbd muted small", "Ctrl K" }
                if *open.read() && !listed.is_empty() {
                    ul { class: "suggestions", role: "listbox",
                        if text.read().trim().is_empty() {
                            li { class: "suggestion-head muted small", {prefs.t("search-recent")} }
                        }
                        for s in listed {
                            li { class: "suggestion", role: "option",
                                onmousedown: {
                                    let s = s.clone();
                                    move |_| { text.set(s.clone()); submit(s.clone()) }
                                },
                                "{s}"
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The results of `query` (`None`: the recent searches).
#[component]
pub fn SearchScreen(query: Option<String>) -> Element {
    let prefs = use_prefs();
    let mut tab = use_signal(|| SearchType::All);
    let title = match &query {
        Some(q) => prefs.ta("search-title-for", &[("query", Arg::Str(q.clone()))]),
        None => prefs.t("search-title"),
    };
    rsx! {
        super::Header { title }
        div { class: "tabs",
            for (kind, key) in TABS {
                button { class: if *tab.read() == kind { "tab active" } else { "tab" },
                    onclick: move |_| tab.set(kind),
                    {prefs.t(key)}
                }
            }
        }
        div { class: "scroll",
            match query {
                None => rsx! { Recent {} },
                Some(q) => rsx! { Results { key: "{q}-{tab_key(*tab.read())}", query: q, kind: *tab.read(), on_tab: move |t| tab.set(t) } },
            }
        }
    }
}

/// Recent searches: open one, forget one, forget all.
#[component]
fn Recent() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let notices = use_notices();
    let mut recent = use_resource(move || async move { client.get().search().recent().await });
    let list = match &*recent.read() {
        None => return rsx! { Loading {} },
        Some(Err(e)) => return rsx! { Failed { error: e.clone() } },
        Some(Ok(list)) => list.clone(),
    };
    if list.is_empty() {
        return rsx! {
            Empty { title: prefs.t("search-recent-empty"), hint: prefs.t("search-hint") }
        };
    }
    rsx! {
        div { class: "card recent-searches",
            div { class: "recent-head",
                h3 { {prefs.t("search-recent")} }
                button { class: "btn ghost",
                    onclick: move |_| {
                        spawn(async move {
                            match client.get().search().clear_recent().await {
                                Ok(()) => recent.restart(),
                                Err(e) => notices.fail(&e),
                            }
                        });
                    },
                    {prefs.t("search-recent-clear")}
                }
            }
            ul {
                for text in list {
                    li { key: "{text}", class: "recent-item",
                        a { onclick: { let text = text.clone(); move |_| nav.go(Route::Search(Some(text.clone()))) }, "{text}" }
                        button { class: "icon-btn", title: prefs.t("search-recent-forget"),
                            onclick: {
                                let text = text.clone();
                                move |_| {
                                    let text = text.clone();
                                    spawn(async move {
                                        match client.get().search().forget(&text).await {
                                            Ok(()) => recent.restart(),
                                            Err(e) => notices.fail(&e),
                                        }
                                    });
                                }
                            },
                            "×"
                        }
                    }
                }
            }
        }
    }
}

/// The hits of one query and tab, with more pages on demand.
#[component]
fn Results(query: String, kind: SearchType, on_tab: EventHandler<SearchType>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let q = query.clone();
    let mut first = use_resource(move || {
        let q = q.clone();
        async move {
            let search = client.get().search();
            // What was submitted is a recent search (kept on the device).
            let _ = search.remember(&q).await;
            search.query(&q, kind, None).await
        }
    });
    // The pages after the first: their hits, and the cursor after the last.
    let mut more = use_signal(Vec::<SearchHit>::new);
    let mut after = use_signal(|| None::<Option<String>>);
    let mut loading_more = use_signal(|| false);
    let outcome = match &*first.read() {
        None => return rsx! { Loading {} },
        Some(Err(e)) => {
            return rsx! { Failed { error: e.clone(), retry: move |_| first.restart() } };
        }
        Some(Ok(outcome)) => outcome.clone(),
    };
    let cursor = after.read().clone().unwrap_or(outcome.next_cursor.clone());
    let mut hits = outcome.hits.clone();
    hits.extend(more.read().iter().cloned());
    let offline = outcome.offline;
    if hits.is_empty() {
        let hint = if offline {
            prefs.t("search-offline-hint")
        } else {
            prefs.t("search-hint")
        };
        return rsx! {
            if offline { OfflineNote {} }
            Empty { title: prefs.ta("search-empty", &[("query", Arg::Str(query.clone()))]), hint }
        };
    }
    let has_more = cursor.is_some();
    let load_more = move |_| {
        let Some(next) = cursor.clone() else {
            return;
        };
        let q = query.clone();
        loading_more.set(true);
        spawn(async move {
            match client.get().search().query(&q, kind, Some(next)).await {
                Ok(page) => {
                    more.write().extend(page.hits);
                    after.set(Some(page.next_cursor));
                }
                Err(e) => notices.fail(&e),
            }
            loading_more.set(false);
        });
    };
    rsx! {
        if offline { OfflineNote {} }
        if kind == SearchType::All {
            for section in SearchKind::ALL {
                if hits.iter().any(|h| h.kind == section) {
                    section { class: "search-section",
                        div { class: "section-head",
                            h3 { {prefs.t(tab_key(tab_of(section)))} }
                            button { class: "btn ghost", onclick: move |_| on_tab.call(tab_of(section)),
                                {prefs.t("search-see-all")} " →"
                            }
                        }
                        ul { class: "card hits",
                            for hit in hits.iter().filter(|h| h.kind == section).cloned() {
                                HitRow { key: "{hit.id}", hit }
                            }
                        }
                    }
                }
            }
        } else {
            ul { class: "card hits",
                for hit in hits.iter().cloned() {
                    HitRow { key: "{hit.id}", hit }
                }
            }
            if has_more {
                div { class: "feed-end",
                    button { class: "btn", disabled: *loading_more.read(), onclick: load_more,
                        {prefs.t("search-more")}
                    }
                }
            }
        }
    }
}

#[component]
fn OfflineNote() -> Element {
    let prefs = use_prefs();
    rsx! { p { class: "note offline-note", role: "status", "⚡ " {prefs.t("search-offline")} } }
}

/// One hit: picture, highlighted title and snippet, counts, how it matched.
#[component]
fn HitRow(hit: SearchHit) -> Element {
    let prefs = use_prefs();
    let nav = use_nav();
    let go = target(&hit);
    let clickable = go.is_some();
    let mut counts = Vec::new();
    if hit.kind == SearchKind::Review {
        counts.push(format!("♥ {}", hit.likes));
        counts.push(format!("💬 {}", hit.comments));
    }
    if matches!(
        hit.kind,
        SearchKind::Place | SearchKind::Product | SearchKind::Person
    ) {
        counts.push(prefs.ta("search-count-reviews", &[("count", Arg::Num(hit.reviews))]));
    }
    if hit.kind == SearchKind::Person {
        counts.push(prefs.ta(
            "search-count-followers",
            &[("count", Arg::Num(hit.followers))],
        ));
    }
    rsx! {
        li { class: if clickable { "hit clickable" } else { "hit" },
            onclick: move |_| { if let Some(route) = go.clone() { nav.go(route) } },
            match hit.photo_id.clone() {
                Some(id) => rsx! { Photo { id, thumbnail: true, class: "hit-thumb" } },
                None => rsx! { span { class: "hit-icon", {kind_icon(hit.kind)} } },
            }
            div { class: "hit-main",
                p { class: "hit-title",
                    if hit.title.is_empty() {
                        span { class: "muted", {prefs.t("search-untitled")} }
                    } else {
                        Highlighted { text: hit.title.clone(), ranges: hit.title_ranges.clone() }
                    }
                }
                if !hit.snippet.is_empty() {
                    p { class: "hit-snippet", Highlighted { text: hit.snippet.clone(), ranges: hit.snippet_ranges.clone() } }
                }
                div { class: "hit-foot",
                    for c in counts { span { "{c}" } }
                    if let Some(key) = match_key(hit.matched) {
                        span { class: "pill", {prefs.t(key)} }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u32, end: u32) -> TextRange {
        TextRange { start, end }
    }

    #[test]
    fn pieces_split_at_character_ranges() {
        let text = "스테인리스 보온 텀블러";
        assert_eq!(
            pieces(text, &[r(0, 5), r(9, 12)]),
            vec![
                ("스테인리스".to_owned(), true),
                (" 보온 ".to_owned(), false),
                ("텀블러".to_owned(), true),
            ]
        );
        // Ranges out of order, overlapping or past the end are skipped or cut.
        assert_eq!(
            pieces("abc", &[r(1, 9), r(0, 1)]),
            vec![("a".to_owned(), false), ("bc".to_owned(), true)]
        );
        assert_eq!(pieces("", &[r(0, 3)]), vec![]);
    }
}
