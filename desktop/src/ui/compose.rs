//! Compose or edit a review: story or snap, a subject (search places and
//! products, or add one), rating, tags, photos from files or dropped on the
//! window (each compressed on the device, then uploaded with progress). A new
//! review's text is saved as a draft in the data directory as it is typed, so
//! closing the window loses nothing.

use std::path::{Path, PathBuf};

use dioxus::prelude::*;
use moa_client_core::protocol::{
    CreatePlaceRequest, CreateProductRequest, PlaceCategory, ReviewKind, SearchType, SubjectRef,
    SubjectType, limits,
};
use moa_client_core::{MediaSource, NewReview, ReviewChanges};
use serde::{Deserialize, Serialize};

use super::{Failed, Loading, Photo};
use crate::i18n::Arg;
use crate::route::Route;
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_session, use_uploads};
use crate::ui::shell::DataDir;

/// What the member typed so far.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Draft {
    pub snap: bool,
    pub title: String,
    pub body: String,
    /// (type, id, name)
    pub subject: Option<(String, String, String)>,
    pub rating: Option<i64>,
    pub tags: String,
    pub photos: Vec<String>,
    pub official: bool,
}

impl Draft {
    fn file(dir: &Path) -> PathBuf {
        dir.join("compose-draft.json")
    }

    pub fn load(dir: &Path) -> Draft {
        std::fs::read(Self::file(dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, dir: &Path) {
        if let Ok(bytes) = serde_json::to_vec(self) {
            let tmp = Self::file(dir).with_extension("tmp");
            if std::fs::write(&tmp, bytes)
                .and_then(|_| std::fs::rename(&tmp, Self::file(dir)))
                .is_err()
            {
                tracing::warn!("cannot save the compose draft");
            }
        }
    }

    pub fn clear(dir: &Path) {
        let _ = std::fs::remove_file(Self::file(dir));
    }

    pub fn is_empty(&self) -> bool {
        self.title.trim().is_empty() && self.body.trim().is_empty() && self.photos.is_empty()
    }

    /// Tags typed as `#카페 #라떼` or `카페, 라떼`.
    pub fn tag_list(&self) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for t in self
            .tags
            .split([' ', ',', '#'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            if !tags.iter().any(|x| x == t) {
                tags.push(t.to_owned());
            }
        }
        tags
    }

    /// What keeps it from being posted (a catalog key), if anything.
    pub fn problem(&self) -> Option<&'static str> {
        let body = self.body.trim().chars().count();
        if body == 0 {
            return Some("compose-need-body");
        }
        if self.snap {
            if body > limits::MAX_SNAP_BODY_CHARS {
                return Some("compose-snap-too-long");
            }
            if self.photos.len() > limits::MAX_SNAP_PHOTOS {
                return Some("compose-too-many-photos");
            }
        } else {
            if self.title.trim().is_empty() {
                return Some("compose-need-title");
            }
            if self.title.chars().count() > limits::MAX_TITLE_CHARS {
                return Some("compose-title-too-long");
            }
            if self.photos.len() > limits::MAX_STORY_PHOTOS {
                return Some("compose-too-many-photos");
            }
        }
        if self.tag_list().len() > limits::MAX_TAGS {
            return Some("compose-too-many-tags");
        }
        None
    }

    pub fn to_new_review(&self) -> NewReview {
        NewReview {
            kind: if self.snap {
                ReviewKind::Snap
            } else {
                ReviewKind::Story
            },
            title: if self.snap {
                String::new()
            } else {
                self.title.trim().to_owned()
            },
            body: self.body.trim().to_owned(),
            photos: self.photos.clone(),
            subject: self.subject.as_ref().and_then(|(kind, id, _)| {
                Some(SubjectRef {
                    kind: SubjectType::parse(kind)?,
                    id: id.clone(),
                })
            }),
            rating: self.rating,
            tags: self.tag_list(),
            official: self.official,
        }
    }
}

/// A photo being added: compressing, then uploading.
#[derive(Debug, Clone, PartialEq)]
struct Adding {
    name: String,
    error: Option<String>,
}

#[component]
pub fn Compose(edit: Option<String>) -> Element {
    let client = use_client();
    let dir = use_context::<DataDir>().0;
    let editing = edit.clone();
    let load_dir = dir.clone();
    // A new review starts from the saved draft; an edit from the review.
    let initial = use_resource(move || {
        let editing = editing.clone();
        let dir = load_dir.clone();
        async move {
            match editing {
                None => Ok(Draft::load(&dir)),
                Some(id) => client.get().review(&id).await.map(|d| {
                    let r = d.review;
                    Draft {
                        snap: r.kind == ReviewKind::Snap,
                        title: r.title,
                        body: r.body,
                        subject: r
                            .subject
                            .map(|s| (s.kind.as_str().to_owned(), s.id, s.name)),
                        rating: r.rating,
                        tags: r
                            .tags
                            .iter()
                            .map(|t| format!("#{t}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        photos: r.photos,
                        official: r.official,
                    }
                }),
            }
        }
    });
    match &*initial.read() {
        None => rsx! { Loading {} },
        Some(Err(e)) => rsx! { Failed { error: e.clone() } },
        Some(Ok(draft)) => rsx! { Editor { draft: draft.clone(), edit, dir } },
    }
}

#[component]
fn Editor(draft: Draft, edit: Option<String>, dir: PathBuf) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let session = use_session();
    let uploads = use_uploads();
    let notices = use_notices();
    let mut d = use_signal(|| draft.clone());
    let mut adding = use_signal(Vec::<Adding>::new);
    let mut busy = use_signal(|| false);
    let mut picking = use_signal(|| false);
    let mut dragging = use_signal(|| false);
    let is_edit = edit.is_some();
    let save_dir = dir.clone();
    // Save the draft of a new review whenever it changes.
    use_effect(move || {
        let current = d.read().clone();
        if !is_edit {
            current.save(&save_dir);
        }
    });

    let mut add_files = move |paths: Vec<PathBuf>| {
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            adding.write().push(Adding {
                name: name.clone(),
                error: None,
            });
            spawn(async move {
                let result = client
                    .get()
                    .media()
                    .add_photo(MediaSource::Path(path))
                    .await;
                let mut list = adding.write();
                match result {
                    Ok(prepared) => {
                        list.retain(|a| a.name != name);
                        let mut draft = d.write();
                        if !draft.photos.contains(&prepared.media_id) {
                            draft.photos.push(prepared.media_id);
                        }
                    }
                    Err(e) => {
                        if let Some(a) = list.iter_mut().find(|a| a.name == name) {
                            a.error = Some(super::error_text(prefs.lang(), &e));
                        }
                    }
                }
            });
        }
    };

    let edit_id = edit.clone();
    let post_dir = dir.clone();
    let post = move |_| {
        let draft = d.peek().clone();
        if let Some(key) = draft.problem() {
            notices.fail(&moa_client_core::Error::Invalid {
                field: "review".into(),
                reason: prefs.t(key),
            });
            return;
        }
        busy.set(true);
        let edit_id = edit_id.clone();
        let dir = post_dir.clone();
        spawn(async move {
            let client = client.get();
            let result = match edit_id {
                Some(id) => {
                    let new = draft.to_new_review();
                    client
                        .edit_review(
                            &id,
                            ReviewChanges {
                                title: (!draft.snap).then_some(new.title),
                                body: Some(new.body),
                                photos: Some(new.photos),
                                rating: Some(new.rating),
                                tags: Some(new.tags),
                            },
                        )
                        .await
                        .map(|_| id)
                }
                None => client.create_review(draft.to_new_review()).await,
            };
            busy.set(false);
            match result {
                Ok(id) => {
                    Draft::clear(&dir);
                    notices.notify(prefs.t("toast-posted"));
                    nav.back();
                    nav.go(Route::Review(id));
                }
                Err(e) => notices.fail(&e),
            }
        });
    };

    let current = d.read().clone();
    let body_len = current.body.chars().count();
    let body_max = if current.snap {
        limits::MAX_SNAP_BODY_CHARS
    } else {
        limits::MAX_STORY_BODY_CHARS
    };
    let uploads = uploads.all();
    let title = if is_edit {
        prefs.t("compose-edit-title")
    } else {
        prefs.t("compose-title")
    };
    rsx! {
        super::Header { title,
            actions: rsx! {
                if !is_edit && !current.is_empty() {
                    button { class: "btn ghost", onclick: move |_| { d.set(Draft::default()); }, {prefs.t("compose-discard")} }
                }
                button { class: "btn primary", disabled: *busy.read() || !adding.read().iter().all(|a| a.error.is_some()), onclick: post,
                    if *busy.read() { {prefs.t("state-working")} } else if is_edit { {prefs.t("action-save")} } else { {prefs.t("compose-post")} }
                }
            }
        }
        div { class: if *dragging.read() { "scroll compose dragging" } else { "scroll compose" },
            ondragover: move |e| { e.prevent_default(); dragging.set(true) },
            ondragleave: move |_| dragging.set(false),
            ondrop: move |e: DragEvent| {
                e.prevent_default();
                dragging.set(false);
                let paths: Vec<PathBuf> = e.data_transfer().files().iter().map(|f| f.path()).collect();
                add_files(paths);
            },
            div { class: "card",
                if !is_edit {
                    div { class: "segmented",
                        button { class: if !current.snap { "seg active" } else { "seg" }, onclick: move |_| d.write().snap = false, {prefs.t("compose-story")} }
                        button { class: if current.snap { "seg active" } else { "seg" }, onclick: move |_| d.write().snap = true, {prefs.t("compose-snap")} }
                    }
                }
                if !current.snap {
                    input { class: "title-input", placeholder: prefs.t("compose-title-placeholder"), value: "{current.title}",
                        oninput: move |e| d.write().title = e.value() }
                }
                textarea { class: "body-input", placeholder: prefs.t("compose-body-placeholder"), value: "{current.body}",
                    rows: if current.snap { "4" } else { "10" },
                    oninput: move |e| d.write().body = e.value() }
                div { class: if body_len > body_max { "counter over" } else { "counter" }, "{body_len} / {body_max}" }
            }
            div { class: "card",
                h3 { {prefs.t("compose-photos")} }
                div { class: "photo-grid",
                    for id in current.photos.iter().cloned() {
                        div { key: "{id}", class: "photo-tile",
                            Photo { id: id.clone(), thumbnail: true }
                            if let Some((sent, total)) = uploads.get(&id).copied().filter(|(s, t)| s < t) {
                                div { class: "progress", div { class: "bar", style: "width:{sent * 100 / total.max(1)}%" } }
                            }
                            button { class: "icon-btn remove", title: prefs.t("action-remove"),
                                onclick: move |_| d.write().photos.retain(|p| p != &id), "×" }
                        }
                    }
                    for a in adding.read().iter().cloned() {
                        div { class: "photo-tile adding",
                            if let Some(err) = a.error.clone() {
                                span { class: "error-text small", "{a.name}: {err}" }
                            } else {
                                div { class: "spinner" }
                                span { class: "small muted", {prefs.t("compose-compressing")} }
                            }
                        }
                    }
                    label { class: "photo-tile add",
                        input { r#type: "file", accept: "image/*", multiple: true, class: "hidden",
                            onchange: move |e: FormEvent| {
                                let paths: Vec<PathBuf> = e.files().iter().map(|f| f.path()).collect();
                                add_files(paths);
                            }
                        }
                        span { "+" }
                        span { class: "small", {prefs.t("compose-add-photos")} }
                    }
                }
                p { class: "muted small", {prefs.t("compose-drop-hint")} }
            }
            div { class: "card",
                h3 { {prefs.t("compose-subject")} }
                if let Some((_, _, name)) = current.subject.clone() {
                    div { class: "chosen",
                        span { class: "pill subject", "📍 {name}" }
                        a { onclick: move |_| d.write().subject = None, {prefs.t("action-remove")} }
                    }
                } else if *picking.read() {
                    SubjectPicker { on_pick: move |s| { d.write().subject = Some(s); picking.set(false) } }
                } else {
                    button { class: "btn", onclick: move |_| picking.set(true), {prefs.t("compose-pick-subject")} }
                }
                h3 { {prefs.t("compose-rating")} }
                div { class: "rating-input",
                    for n in 1..=5i64 {
                        button { class: if current.rating.is_some_and(|r| r >= n) { "star on" } else { "star" },
                            onclick: move |_| { let r = d.peek().rating; d.write().rating = if r == Some(n) { None } else { Some(n) } },
                            "★"
                        }
                    }
                }
                h3 { {prefs.t("compose-tags")} }
                input { placeholder: "#카페 #라떼", value: "{current.tags}", oninput: move |e| d.write().tags = e.value() }
                if session.is_moderator() && !is_edit {
                    label { class: "check",
                        input { r#type: "checkbox", checked: current.official, onchange: move |e| d.write().official = e.checked() }
                        {prefs.t("compose-official")}
                    }
                }
            }
            if let Some(key) = current.problem().filter(|_| !current.is_empty()) {
                p { class: "muted small hint", {prefs.t(key)} }
            }
            if !is_edit && !current.is_empty() {
                p { class: "muted small", {prefs.t("compose-draft-saved")} }
            }
        }
    }
}

/// Find a place or product with the app's search (on the device first,
/// then the server; Korean-aware), or add a new one.
#[component]
fn SubjectPicker(on_pick: EventHandler<(String, String, String)>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut query = use_signal(String::new);
    let mut adding = use_signal(|| None::<SubjectType>);
    let results = use_resource(move || {
        let q = query.read().trim().to_owned();
        async move {
            if q.is_empty() {
                return Ok(Vec::new());
            }
            let search = client.get().search();
            let mut out: Vec<(String, String, String, String)> = Vec::new();
            for kind in [SearchType::Places, SearchType::Products] {
                for hit in search.query(&q, kind, None).await?.hits {
                    let name = if kind == SearchType::Places {
                        "place"
                    } else {
                        "product"
                    };
                    out.push((name.to_owned(), hit.id, hit.title, hit.snippet));
                }
            }
            Ok::<_, moa_client_core::Error>(out)
        }
    });
    rsx! {
        div { class: "picker",
            input { placeholder: prefs.t("compose-search-subject"), value: "{query}", autofocus: true, oninput: move |e| query.set(e.value()) }
            match &*results.read() {
                Some(Ok(list)) if !list.is_empty() => rsx! {
                    ul { class: "picker-list",
                        for (kind, id, name, detail) in list.iter().cloned() {
                            li { onclick: move |_| on_pick.call((kind.clone(), id.clone(), name.clone())),
                                span { if kind == "place" { "📍 " } else { "🛍 " } "{name}" }
                                span { class: "muted small", " {detail}" }
                            }
                        }
                    }
                },
                Some(Ok(_)) if !query.read().trim().is_empty() => rsx! { p { class: "muted small", {prefs.t("compose-no-subject")} } },
                Some(Err(e)) => rsx! { p { class: "error-text small", {super::error_text(prefs.lang(), e)} } },
                _ => rsx! {},
            }
            div { class: "picker-add",
                button { class: "btn ghost", onclick: move |_| adding.set(Some(SubjectType::Place)), "+ " {prefs.t("compose-add-place")} }
                button { class: "btn ghost", onclick: move |_| adding.set(Some(SubjectType::Product)), "+ " {prefs.t("compose-add-product")} }
            }
            if let Some(kind) = *adding.read() {
                NewSubject { kind, name: query.read().clone(), on_done: move |s| { adding.set(None); on_pick.call(s) } }
            }
        }
    }
}

#[component]
fn NewSubject(
    kind: SubjectType,
    name: String,
    on_done: EventHandler<(String, String, String)>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let mut name = use_signal(|| name.clone());
    let mut extra = use_signal(String::new);
    let mut price = use_signal(String::new);
    let mut place_link = use_signal(String::new);
    let mut category = use_signal(|| PlaceCategory::Cafe);
    let mut error = use_signal(|| None::<String>);
    let submit = move |e: FormEvent| {
        e.prevent_default();
        let n = name.peek().trim().to_owned();
        let x = extra.peek().trim().to_owned();
        let p = price.peek().trim().replace(',', "");
        let cat = *category.peek();
        let link = place_link.peek().trim().to_owned();
        spawn(async move {
            let client = client.get();
            let result = match kind {
                SubjectType::Place => client
                    .add_place(CreatePlaceRequest {
                        id: None,
                        name: n,
                        address: x,
                        latitude: None,
                        longitude: None,
                        category: cat,
                        link,
                    })
                    .await
                    .map(|p| ("place".to_owned(), p.place.id, p.place.name)),
                SubjectType::Product => {
                    let Ok(price_krw) = p.parse::<i64>() else {
                        error.set(Some(prefs.t("compose-price-invalid")));
                        return;
                    };
                    client
                        .add_product(CreateProductRequest {
                            id: None,
                            name: n,
                            price_krw,
                            options: vec![],
                            photos: vec![],
                            shop_url: x,
                        })
                        .await
                        .map(|p| ("product".to_owned(), p.product.id, p.product.name))
                }
            };
            match result {
                Ok(s) => on_done.call(s),
                Err(e) => error.set(Some(super::error_text(prefs.lang(), &e))),
            }
        });
    };
    let categories = [
        (PlaceCategory::Cafe, "category-cafe"),
        (PlaceCategory::Restaurant, "category-restaurant"),
        (PlaceCategory::Bar, "category-bar"),
        (PlaceCategory::Bakery, "category-bakery"),
        (PlaceCategory::Shop, "category-shop"),
        (PlaceCategory::Culture, "category-culture"),
        (PlaceCategory::Travel, "category-travel"),
        (PlaceCategory::Other, "category-other"),
    ];
    rsx! {
        form { class: "new-subject", onsubmit: submit,
            input { placeholder: prefs.t("subject-name"), value: "{name}", oninput: move |e| name.set(e.value()) }
            if kind == SubjectType::Place {
                input { placeholder: prefs.t("subject-address"), value: "{extra}", oninput: move |e| extra.set(e.value()) }
                select { onchange: move |e| { if let Some((c, _)) = categories.iter().find(|(_, k)| *k == e.value()) { category.set(*c) } },
                    for (c, key) in categories {
                        option { value: key, selected: *category.read() == c, {prefs.t(key)} }
                    }
                }
                input { placeholder: prefs.t("subject-link"), value: "{place_link}", oninput: move |e| place_link.set(e.value()) }
            } else {
                input { placeholder: prefs.t("subject-price"), value: "{price}", inputmode: "numeric", oninput: move |e| price.set(e.value()) }
                input { placeholder: prefs.t("subject-shop-url"), value: "{extra}", oninput: move |e| extra.set(e.value()) }
            }
            if let Some(err) = error.read().clone() { p { class: "form-error", "{err}" } }
            button { class: "btn primary", r#type: "submit", {prefs.ta("compose-add-subject", &[("kind", Arg::Str(prefs.t(if kind == SubjectType::Place { "target-place" } else { "target-product" })))])} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_check_what_the_server_would_refuse_and_round_trip() {
        let mut d = Draft::default();
        assert_eq!(d.problem(), Some("compose-need-body"));
        d.body = "맛있어요".into();
        assert_eq!(d.problem(), Some("compose-need-title"));
        d.title = "성수 카페".into();
        assert_eq!(d.problem(), None);
        d.snap = true;
        d.body = "가".repeat(501);
        assert_eq!(d.problem(), Some("compose-snap-too-long"));
        d.tags = "#카페, #라떼 카페".into();
        assert_eq!(d.tag_list(), vec!["카페", "라떼"]);
        let dir = tempfile::tempdir().expect("tempdir");
        d.save(dir.path());
        assert_eq!(Draft::load(dir.path()), d);
        Draft::clear(dir.path());
        assert_eq!(Draft::load(dir.path()), Draft::default());
    }
}
