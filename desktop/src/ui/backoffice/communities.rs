//! 커뮤니티: the schools, neighbourhoods and companies members belong to.
//! A list with each one's kind, email domain and members; a form to add
//! one; renaming in place; and merging one into another, which asks first
//! (its members and group-buys move over and it is gone).

use dioxus::prelude::*;
use moa_client_core::protocol::shop::MAX_SHOP_NAME_CHARS;
use moa_client_core::protocol::{Community, CommunityKind, CreateCommunityRequest};

use super::refusal;
use crate::i18n::Arg;
use crate::state::{use_client, use_notices, use_prefs};
use crate::ui::shop::community_kind_key;
use crate::ui::{Empty, Failed, Loading};

/// A new community as typed, or the catalog key of what to fix.
pub fn community_request(
    name: &str,
    kind: &str,
    domain: &str,
) -> Result<CreateCommunityRequest, &'static str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_SHOP_NAME_CHARS {
        return Err("bo-community-need-name");
    }
    let kind = CommunityKind::parse(kind).ok_or("bo-community-need-kind")?;
    let domain = domain.trim().trim_start_matches('@').to_lowercase();
    if !domain.is_empty() && (!domain.contains('.') || domain.contains(char::is_whitespace)) {
        return Err("bo-community-bad-domain");
    }
    Ok(CreateCommunityRequest {
        name: name.to_owned(),
        kind,
        email_domain: (!domain.is_empty()).then_some(domain),
    })
}

/// What the list is doing.
#[derive(Debug, Clone, PartialEq)]
enum Editing {
    None,
    Rename(Community),
    Merge(Community),
}

/// 커뮤니티.
#[component]
pub fn CommunitiesTab() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut refresh = use_signal(|| 0u32);
    let mut editing = use_signal(|| Editing::None);
    let list = use_resource(move || {
        let _ = refresh.read();
        async move { client.get().shop().communities("").await }
    });
    let all: Vec<Community> = match &*list.read() {
        Some(Ok(l)) => l.clone(),
        _ => vec![],
    };
    let body = match &*list.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone(), retry: move |_| refresh += 1 } },
        Some(Ok(l)) if l.is_empty() => rsx! {
            Empty { title: prefs.t("bo-communities-empty"), hint: prefs.t("bo-communities-empty-hint") }
        },
        Some(Ok(l)) => rsx! {
            div { class: "card table-card",
                table { class: "table",
                    thead { tr {
                        th { {prefs.t("subject-name")} }
                        th { {prefs.t("admin-type")} }
                        th { {prefs.t("bo-email-domain")} }
                        th { class: "num", {prefs.t("bo-members")} }
                        th { {prefs.t("bo-created")} }
                        th {}
                    } }
                    tbody {
                        for c in l.clone() {
                            {
                                let (rename, merge) = (c.clone(), c.clone());
                                rsx! {
                                    tr { key: "{c.id}",
                                        td { b { "{c.name}" } }
                                        td { span { class: "pill", {prefs.t(community_kind_key(c.kind))} } }
                                        td { class: "small", {c.email_domain.clone().map(|d| format!("@{d}")).unwrap_or_else(|| "—".into())} }
                                        td { class: "num", {prefs.ta("bo-member-count", &[("n", Arg::Num(c.member_count))])} }
                                        td { class: "small muted nowrap", {moa_client_core::protocol::kst::date_of(c.created_at)} }
                                        td { class: "row-buttons",
                                            button { class: "btn ghost", onclick: move |_| editing.set(Editing::Rename(rename.clone())), {prefs.t("chat-rename")} }
                                            if l.len() > 1 {
                                                button { class: "btn ghost danger", onclick: move |_| editing.set(Editing::Merge(merge.clone())), {prefs.t("bo-merge")} }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    };
    rsx! {
        NewCommunity { on_created: move |_| refresh += 1 }
        {body}
        match editing.read().clone() {
            Editing::None => rsx! {},
            Editing::Rename(c) => rsx! {
                Rename { key: "{c.id}", community: c.clone(), on_close: move |_| editing.set(Editing::None), on_done: move |_| { editing.set(Editing::None); refresh += 1 } }
            },
            Editing::Merge(c) => rsx! {
                Merge { key: "{c.id}", community: c.clone(), others: all.iter().filter(|o| o.id != c.id).cloned().collect::<Vec<_>>(),
                    on_close: move |_| editing.set(Editing::None), on_done: move |_| { editing.set(Editing::None); refresh += 1 } }
            },
        }
    }
}

/// The form that adds a community.
#[component]
fn NewCommunity(on_created: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut name = use_signal(String::new);
    let mut kind = use_signal(|| CommunityKind::University.as_str().to_owned());
    let mut domain = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let save = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() {
            return;
        }
        let req = match community_request(&name.peek(), &kind.peek(), &domain.peek()) {
            Ok(req) => req,
            Err(key) => {
                problem.set(Some(prefs.t(key)));
                return;
            }
        };
        problem.set(None);
        busy.set(true);
        spawn(async move {
            let result = client.get().admin().create_community(&req).await;
            busy.set(false);
            match result {
                Ok(c) => {
                    notices.notify(prefs.ta("bo-community-created", &[("name", Arg::Str(c.name))]));
                    name.set(String::new());
                    domain.set(String::new());
                    on_created.call(());
                }
                Err(e) => problem.set(Some(refusal(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        form { class: "card bo-inline-form", onsubmit: save,
            h4 { {prefs.t("bo-community-new")} }
            div { class: "filters",
                input { name: "community_name", placeholder: prefs.t("bo-community-name"), value: "{name}", maxlength: MAX_SHOP_NAME_CHARS as i64, oninput: move |e| name.set(e.value()) }
                select { name: "kind", onchange: move |e| kind.set(e.value()),
                    for k in CommunityKind::ALL {
                        option { value: k.as_str(), selected: *kind.read() == k.as_str(), {prefs.t(community_kind_key(k))} }
                    }
                }
                input { name: "email_domain", placeholder: prefs.t("bo-email-domain-placeholder"), value: "{domain}", oninput: move |e| domain.set(e.value()) }
                button { class: "btn primary", r#type: "submit", disabled: *busy.read(), "+ " {prefs.t("bo-add")} }
            }
            if let Some(p) = problem.read().clone() { p { class: "form-error", role: "alert", "{p}" } }
        }
    }
}

/// Renaming a community.
#[component]
fn Rename(community: Community, on_close: EventHandler<()>, on_done: EventHandler<()>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut name = use_signal(|| community.name.clone());
    let mut busy = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let id = community.id.clone();
    let save = move |e: FormEvent| {
        e.prevent_default();
        let new = name.peek().trim().to_owned();
        if new.is_empty() || *busy.peek() {
            problem.set(Some(prefs.t("bo-community-need-name")));
            return;
        }
        busy.set(true);
        let id = id.clone();
        spawn(async move {
            let result = client.get().admin().rename_community(&id, &new).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    notices.notify(prefs.t("toast-saved"));
                    on_done.call(());
                }
                Err(e) => problem.set(Some(refusal(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        div { class: "dialog-backdrop",
            form { class: "dialog", role: "dialog", onsubmit: save,
                h3 { {prefs.ta("bo-rename-title", &[("name", Arg::Str(community.name.clone()))])} }
                label { {prefs.t("bo-community-name")}
                    input { name: "new_name", value: "{name}", maxlength: MAX_SHOP_NAME_CHARS as i64, autofocus: true, oninput: move |e| name.set(e.value()) }
                }
                if let Some(p) = problem.read().clone() { p { class: "form-error", role: "alert", "{p}" } }
                div { class: "dialog-actions",
                    button { class: "btn", r#type: "button", onclick: move |_| on_close.call(()), {prefs.t("action-cancel")} }
                    button { class: "btn primary", r#type: "submit", disabled: *busy.read(), {prefs.t("action-save")} }
                }
            }
        }
    }
}

/// Merging a community into another, after saying what happens.
#[component]
fn Merge(
    community: Community,
    others: Vec<Community>,
    on_close: EventHandler<()>,
    on_done: EventHandler<()>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut into = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut problem = use_signal(|| None::<String>);
    let target = others.iter().find(|o| o.id == *into.read()).cloned();
    let id = community.id.clone();
    let merge = move |_| {
        let target = into.peek().clone();
        if target.is_empty() || *busy.peek() {
            return;
        }
        busy.set(true);
        let id = id.clone();
        spawn(async move {
            let result = client.get().admin().merge_community(&id, &target).await;
            busy.set(false);
            match result {
                Ok(c) => {
                    notices.notify(prefs.ta("bo-merged", &[("name", Arg::Str(c.name))]));
                    on_done.call(());
                }
                Err(e) => problem.set(Some(refusal(prefs.lang(), &e))),
            }
        });
    };
    rsx! {
        div { class: "dialog-backdrop",
            div { class: "dialog", role: "dialog",
                h3 { {prefs.ta("bo-merge-title", &[("name", Arg::Str(community.name.clone()))])} }
                label { {prefs.t("bo-merge-into")}
                    select { name: "into", onchange: move |e| into.set(e.value()),
                        option { value: "", {prefs.t("bo-merge-pick")} }
                        for o in others.clone() {
                            option { key: "{o.id}", value: "{o.id}", "{o.name}" }
                        }
                    }
                }
                if let Some(t) = &target {
                    p { class: "warn-box",
                        {prefs.ta("bo-merge-warning", &[
                            ("name", Arg::Str(community.name.clone())),
                            ("into", Arg::Str(t.name.clone())),
                            ("n", Arg::Num(community.member_count)),
                        ])}
                    }
                }
                if let Some(p) = problem.read().clone() { p { class: "form-error", role: "alert", "{p}" } }
                div { class: "dialog-actions",
                    button { class: "btn", onclick: move |_| on_close.call(()), {prefs.t("action-keep")} }
                    button { class: "btn danger", disabled: target.is_none() || *busy.read(), onclick: merge,
                        if *busy.read() { {prefs.t("state-working")} } else { {prefs.t("bo-merge-confirm")} } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_community_as_typed() {
        assert_eq!(
            community_request(" 고려대학교 ", "university", " @Korea.ac.kr "),
            Ok(CreateCommunityRequest {
                name: "고려대학교".into(),
                kind: CommunityKind::University,
                email_domain: Some("korea.ac.kr".into()),
            })
        );
        assert_eq!(
            community_request("망원동", "neighbourhood", "").map(|r| r.email_domain),
            Ok(None)
        );
        assert_eq!(
            community_request(" ", "company", ""),
            Err("bo-community-need-name")
        );
        assert_eq!(
            community_request("a", "club", ""),
            Err("bo-community-need-kind")
        );
        assert_eq!(
            community_request("a", "company", "nodot"),
            Err("bo-community-bad-domain")
        );
    }
}
