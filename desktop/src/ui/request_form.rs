//! The request form (부탁하기): a new request, or an open one edited by its
//! requester. Title, category, region, Korean dates typed as `YYYY-MM-DD`
//! (read back in words beside them), a budget in 원 (typed as "50000",
//! "50,000" or "5만"), details, photos (compressed on the device and
//! uploaded like a review's) and "우리 커뮤니티에만 보이기". What the
//! device can check is checked on the spot, field by field; what client-core
//! or the server refuse comes back under the field it names.

use std::path::PathBuf;

use dioxus::prelude::*;
use moa_client_core::protocol::{
    HelpRequest, MAX_REGION_CHARS, MAX_REQUEST_DETAILS_CHARS, MAX_REQUEST_PHOTOS,
    MAX_REQUEST_PRICE_KRW, MAX_REQUEST_TITLE_CHARS, RequestCategory, RequestStatus, kst,
};
use moa_client_core::{Error, MediaSource, RequestDraft};

use super::requests::{CATEGORIES, category_key, korean_date, parse_won};
use super::{Failed, Loading, Photo};
use crate::i18n::Lang;
use crate::route::{RequestsTab, Route};
use crate::state::{use_client, use_nav, use_notices, use_prefs, use_session, use_uploads};

/// What the member typed, as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestForm {
    pub title: String,
    pub category: RequestCategory,
    pub region: String,
    pub place_id: Option<String>,
    pub starts_on: String,
    pub ends_on: String,
    pub budget_min: String,
    pub budget_max: String,
    pub details: String,
    pub photos: Vec<String>,
    pub community_only: bool,
}

impl Default for RequestForm {
    fn default() -> Self {
        RequestForm {
            title: String::new(),
            category: RequestCategory::Purchase,
            region: String::new(),
            place_id: None,
            starts_on: String::new(),
            ends_on: String::new(),
            budget_min: String::new(),
            budget_max: String::new(),
            details: String::new(),
            photos: Vec::new(),
            community_only: false,
        }
    }
}

/// A field's problem: the field's name (as the form names its inputs) and
/// the words for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn key(lang: Lang, field: &str, key: &str) -> FieldError {
        FieldError {
            field: field.to_owned(),
            message: lang.t(key),
        }
    }
}

impl RequestForm {
    /// The form of an existing request (to edit it).
    pub fn of(request: &HelpRequest) -> RequestForm {
        let d = RequestDraft::of(request);
        RequestForm {
            title: d.title,
            category: d.category,
            region: d.region,
            place_id: d.place_id,
            starts_on: d.starts_on,
            ends_on: d.ends_on,
            budget_min: d.budget_min_krw.to_string(),
            budget_max: d.budget_max_krw.to_string(),
            details: d.details,
            photos: d.photos,
            community_only: d.community_only,
        }
    }

    /// The draft to post, or the first field that keeps it from going
    /// (what can be told without the server; client-core and the server
    /// check everything again).
    pub fn draft(&self, lang: Lang) -> Result<RequestDraft, FieldError> {
        let title = self.title.trim().chars().count();
        if !(2..=MAX_REQUEST_TITLE_CHARS).contains(&title) {
            return Err(FieldError::key(lang, "title", "request-error-title"));
        }
        let region = self.region.trim().chars().count();
        if region == 0 || region > MAX_REGION_CHARS {
            return Err(FieldError::key(lang, "region", "request-error-region"));
        }
        for (field, date) in [("starts_on", &self.starts_on), ("ends_on", &self.ends_on)] {
            if kst::parse_date(date.trim()).is_none() {
                return Err(FieldError::key(lang, field, "request-error-date"));
            }
        }
        if self.starts_on.trim() > self.ends_on.trim() {
            return Err(FieldError::key(
                lang,
                "starts_on",
                "request-error-date-order",
            ));
        }
        let won = |text: &str| -> Result<i64, FieldError> {
            let n = parse_won(text)
                .ok_or_else(|| FieldError::key(lang, "budget", "request-error-budget-number"))?;
            if n > MAX_REQUEST_PRICE_KRW {
                return Err(FieldError::key(lang, "budget", "request-error-budget-max"));
            }
            Ok(n)
        };
        let (min, max) = (won(&self.budget_min)?, won(&self.budget_max)?);
        if min > max {
            return Err(FieldError::key(
                lang,
                "budget",
                "request-error-budget-order",
            ));
        }
        if self.details.trim().chars().count() > MAX_REQUEST_DETAILS_CHARS {
            return Err(FieldError::key(lang, "details", "request-error-details"));
        }
        if self.photos.len() > MAX_REQUEST_PHOTOS {
            return Err(FieldError::key(lang, "photos", "request-error-photos"));
        }
        Ok(RequestDraft {
            title: self.title.trim().to_owned(),
            category: self.category,
            region: self.region.trim().to_owned(),
            place_id: self.place_id.clone(),
            starts_on: self.starts_on.trim().to_owned(),
            ends_on: self.ends_on.trim().to_owned(),
            budget_min_krw: min,
            budget_max_krw: max,
            details: self.details.trim().to_owned(),
            photos: self.photos.clone(),
            community_only: self.community_only,
        })
    }
}

/// The form's field for a field client-core or the server named
/// (`budget_min_krw` is the budget's).
fn form_field(field: &str) -> &str {
    match field {
        "budget_min_krw" | "budget_max_krw" => "budget",
        "starts_on" | "ends_on" | "title" | "region" | "details" | "photos" | "category" => field,
        _ => "",
    }
}

/// Where a refusal of the form belongs, in words: client-core's checks
/// (`Error::Invalid`) and the server's (`Error::Rejected` naming a field).
/// Anything else is the form's as a whole (field "").
pub fn field_error(lang: Lang, e: &Error) -> FieldError {
    match e {
        Error::Invalid { field, reason } => {
            let key = match (field.as_str(), reason.as_str()) {
                ("title", _) => "request-error-title",
                ("region", _) => "request-error-region",
                ("starts_on", r) if r.contains("after") => "request-error-date-order",
                ("ends_on", r) if r.contains("past") => "request-error-date-past",
                ("starts_on" | "ends_on", _) => "request-error-date",
                ("budget_min_krw", r) if r.contains("more than") => "request-error-budget-order",
                ("budget_min_krw" | "budget_max_krw", _) => "request-error-budget-number",
                _ => {
                    return FieldError {
                        field: form_field(field).to_owned(),
                        message: reason.clone(),
                    };
                }
            };
            FieldError::key(lang, form_field(field), key)
        }
        Error::Rejected {
            field: Some(field), ..
        } => FieldError {
            field: form_field(field).to_owned(),
            message: super::error_text(lang, e),
        },
        _ => FieldError {
            field: String::new(),
            message: super::error_text(lang, e),
        },
    }
}

/// 부탁하기 (`edit: None`) or 부탁 수정.
#[component]
pub fn RequestFormScreen(edit: Option<String>) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let editing = edit.clone();
    let initial = use_resource(move || {
        let editing = editing.clone();
        async move {
            match editing {
                None => Ok(Some(RequestForm::default())),
                Some(id) => {
                    let requests = client.get().requests();
                    let card = match requests.request(&id).await {
                        Err(Error::NotFound(_)) => requests.refresh(&id).await?,
                        other => other?,
                    };
                    let editable = card.mine && card.request.status == RequestStatus::Open;
                    Ok::<_, Error>(editable.then(|| RequestForm::of(&card.request)))
                }
            }
        }
    });
    let title = prefs.t(if edit.is_some() {
        "request-form-edit-title"
    } else {
        "request-form-title"
    });
    match &*initial.read() {
        None => rsx! { super::Header { title } Loading {} },
        Some(Err(e)) => rsx! { super::Header { title } Failed { error: e.clone() } },
        Some(Ok(None)) => rsx! {
            super::Header { title }
            div { class: "scroll", super::Empty { title: prefs.t("request-edit-closed") } }
        },
        Some(Ok(Some(form))) => rsx! { Editor { form: form.clone(), edit: edit.clone(), title } },
    }
}

#[component]
fn Editor(form: RequestForm, edit: Option<String>, title: String) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let nav = use_nav();
    let session = use_session();
    let notices = use_notices();
    // The inputs are not bound to the signal's value: the page keeps what is
    // typed (a value written back while keys still arrive would drop some);
    // they start from `form`.
    let mut f = use_signal(|| form.clone());
    let mut problem = use_signal(|| None::<FieldError>);
    let mut busy = use_signal(|| false);
    let mut adding = use_signal(|| 0_usize);
    let is_edit = edit.is_some();
    let lang = prefs.lang();
    let edit_id = edit.clone();
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if *busy.peek() || *adding.peek() > 0 {
            return;
        }
        let draft = match f.peek().draft(prefs.lang()) {
            Ok(d) => d,
            Err(p) => {
                problem.set(Some(p));
                return;
            }
        };
        problem.set(None);
        busy.set(true);
        let edit_id = edit_id.clone();
        spawn(async move {
            let requests = client.get().requests();
            let result = match &edit_id {
                Some(id) => requests.edit(id, draft).await.map(|()| id.clone()),
                None => requests.post(draft).await,
            };
            busy.set(false);
            match result {
                Ok(id) => {
                    if edit_id.is_some() {
                        notices.notify(prefs.t("request-saved"));
                        nav.back();
                    } else {
                        notices.notify(prefs.t("request-posted"));
                        nav.back();
                        nav.go(Route::Request(id));
                    }
                }
                Err(e) => problem.set(Some(field_error(prefs.lang(), &e))),
            }
        });
    };
    let current = f.read().clone();
    let has_community = session.me().is_some_and(|m| m.community_id.is_some());
    let error_of = |field: &str| {
        problem
            .read()
            .as_ref()
            .filter(|p| p.field == field)
            .map(|p| p.message.clone())
    };
    let (e_title, e_region, e_start, e_end, e_budget, e_details, e_photos, e_other) = (
        error_of("title"),
        error_of("region"),
        error_of("starts_on"),
        error_of("ends_on"),
        error_of("budget"),
        error_of("details"),
        error_of("photos"),
        error_of(""),
    );
    let date_words = |d: &str| {
        kst::parse_date(d.trim())
            .is_some()
            .then(|| korean_date(lang, d))
    };
    let won_words = |t: &str| parse_won(t).map(|n| super::shop::won(lang, n));
    let (start_words, end_words) = (date_words(&current.starts_on), date_words(&current.ends_on));
    let (min_words, max_words) = (
        won_words(&current.budget_min),
        won_words(&current.budget_max),
    );
    rsx! {
        super::Header { title,
            actions: rsx! {
                if !is_edit {
                    button { class: "btn ghost", onclick: move |_| nav.switch(Route::Requests(RequestsTab::Mine)), {prefs.t("requests-tab-mine")} }
                }
            }
        }
        form { class: "scroll request-form", onsubmit: submit,
            div { class: "card",
                label { {prefs.t("request-field-title")}
                    input { name: "title", maxlength: MAX_REQUEST_TITLE_CHARS as i64, placeholder: prefs.t("request-field-title-placeholder"),
                        initial_value: "{form.title}", oninput: move |e| f.write().title = e.value() }
                }
                if let Some(m) = e_title { p { class: "form-error", "{m}" } }
                div { class: "field-label", {prefs.t("request-field-category")} }
                div { class: "chips",
                    for c in CATEGORIES {
                        button { r#type: "button", class: if current.category == c { "chip active" } else { "chip" },
                            onclick: move |_| f.write().category = c, {prefs.t(category_key(c))}
                        }
                    }
                }
                label { {prefs.t("request-field-region")}
                    input { name: "region", maxlength: MAX_REGION_CHARS as i64, placeholder: prefs.t("request-field-region-placeholder"),
                        initial_value: "{form.region}", oninput: move |e| f.write().region = e.value() }
                }
                if let Some(m) = e_region { p { class: "form-error", "{m}" } }
                div { class: "grid-2",
                    label { {prefs.t("request-field-starts")}
                        input { name: "starts_on", placeholder: "YYYY-MM-DD", maxlength: 10,
                            initial_value: "{form.starts_on}", oninput: move |e| f.write().starts_on = e.value() }
                        span { class: "muted small field-echo", {start_words.unwrap_or_default()} }
                    }
                    label { {prefs.t("request-field-ends")}
                        input { name: "ends_on", placeholder: "YYYY-MM-DD", maxlength: 10,
                            initial_value: "{form.ends_on}", oninput: move |e| f.write().ends_on = e.value() }
                        span { class: "muted small field-echo", {end_words.unwrap_or_default()} }
                    }
                }
                if let Some(m) = e_start.or(e_end) { p { class: "form-error", "{m}" } }
                div { class: "grid-2",
                    label { {prefs.t("request-field-budget-min")}
                        div { class: "won-field",
                            input { name: "budget_min", inputmode: "numeric", placeholder: "10,000",
                                initial_value: "{form.budget_min}", oninput: move |e| f.write().budget_min = e.value() }
                            span { class: "muted", {prefs.t("unit-won")} }
                        }
                        span { class: "muted small field-echo", {min_words.unwrap_or_default()} }
                    }
                    label { {prefs.t("request-field-budget-max")}
                        div { class: "won-field",
                            input { name: "budget_max", inputmode: "numeric", placeholder: "50,000",
                                initial_value: "{form.budget_max}", oninput: move |e| f.write().budget_max = e.value() }
                            span { class: "muted", {prefs.t("unit-won")} }
                        }
                        span { class: "muted small field-echo", {max_words.unwrap_or_default()} }
                    }
                }
                if let Some(m) = e_budget { p { class: "form-error", "{m}" } }
                p { class: "muted small", {prefs.t("request-field-budget-hint")} }
                label { {prefs.t("request-field-details")}
                    textarea { name: "details", rows: "6", maxlength: MAX_REQUEST_DETAILS_CHARS as i64,
                        placeholder: prefs.t("request-field-details-placeholder"),
                        initial_value: "{form.details}", oninput: move |e| f.write().details = e.value() }
                }
                if let Some(m) = e_details { p { class: "form-error", "{m}" } }
            }
            div { class: "card",
                h3 { {prefs.t("compose-photos")} }
                PhotoPicker { photos: current.photos.clone(), max: MAX_REQUEST_PHOTOS,
                    on_add: move |id: String| { let mut w = f.write(); if !w.photos.contains(&id) { w.photos.push(id) } },
                    on_remove: move |id: String| f.write().photos.retain(|p| p != &id),
                    on_busy: move |n: usize| adding.set(n) }
                if let Some(m) = e_photos { p { class: "form-error", "{m}" } }
                label { class: "check",
                    input { r#type: "checkbox", name: "community_only", disabled: !has_community && !current.community_only,
                        checked: current.community_only, onchange: move |e| f.write().community_only = e.checked() }
                    {prefs.t("request-field-community-only")}
                }
                p { class: "muted small",
                    {prefs.t(if has_community { "request-field-community-hint" } else { "request-field-no-community" })}
                }
            }
            if let Some(m) = e_other { p { class: "form-error", role: "alert", "{m}" } }
            div { class: "row-actions",
                button { class: "btn", r#type: "button", onclick: move |_| nav.back(), {prefs.t("action-cancel")} }
                button { class: "btn primary", r#type: "submit", disabled: *busy.read() || *adding.read() > 0,
                    if *busy.read() { {prefs.t("state-working")} } else if is_edit { {prefs.t("action-save")} } else { {prefs.t("request-form-post")} }
                }
            }
        }
    }
}

/// Photos of a form: each picked file is compressed on the device and
/// uploaded (with progress), as the review composer does; `on_busy` tells
/// how many are still being prepared.
#[component]
pub fn PhotoPicker(
    photos: Vec<String>,
    max: usize,
    on_add: EventHandler<String>,
    on_remove: EventHandler<String>,
    on_busy: EventHandler<usize>,
) -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let uploads = use_uploads();
    // Files being prepared: (name, error once failed).
    let mut adding = use_signal(Vec::<(String, Option<String>)>::new);
    let mut add_files = move |paths: Vec<PathBuf>| {
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            adding.write().push((name.clone(), None));
            on_busy.call(adding.peek().iter().filter(|a| a.1.is_none()).count());
            spawn(async move {
                let result = client
                    .get()
                    .media()
                    .add_photo(MediaSource::Path(path))
                    .await;
                match result {
                    Ok(prepared) => {
                        adding.write().retain(|a| a.0 != name);
                        on_add.call(prepared.media_id);
                    }
                    Err(e) => {
                        if let Some(a) = adding.write().iter_mut().find(|a| a.0 == name) {
                            a.1 = Some(super::error_text(prefs.lang(), &e));
                        }
                    }
                }
                on_busy.call(adding.peek().iter().filter(|a| a.1.is_none()).count());
            });
        }
    };
    let uploads = uploads.all();
    let full = photos.len() >= max;
    rsx! {
        div { class: "photo-grid",
            for id in photos.iter().cloned() {
                div { key: "{id}", class: "photo-tile",
                    Photo { id: id.clone(), thumbnail: true }
                    if let Some((sent, total)) = uploads.get(&id).copied().filter(|(s, t)| s < t) {
                        div { class: "progress", div { class: "bar", style: "width:{sent * 100 / total.max(1)}%" } }
                    }
                    button { class: "icon-btn remove", r#type: "button", title: prefs.t("action-remove"),
                        onclick: move |_| on_remove.call(id.clone()), "×" }
                }
            }
            for (name, error) in adding.read().iter().cloned() {
                div { class: "photo-tile adding",
                    if let Some(err) = error {
                        span { class: "error-text small", "{name}: {err}" }
                    } else {
                        div { class: "spinner" }
                        span { class: "small muted", {prefs.t("compose-compressing")} }
                    }
                }
            }
            if !full {
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> RequestForm {
        RequestForm {
            title: "도쿄 굿즈 대신 사 주세요".into(),
            region: "도쿄 시부야".into(),
            starts_on: "2099-12-03".into(),
            ends_on: "2099-12-05".into(),
            budget_min: "3만".into(),
            budget_max: "80,000".into(),
            details: "키링 2개".into(),
            ..RequestForm::default()
        }
    }

    #[test]
    fn a_filled_form_drafts_with_sums_in_won() {
        let d = filled().draft(Lang::Ko).expect("a draft");
        assert_eq!((d.budget_min_krw, d.budget_max_krw), (30_000, 80_000));
        assert_eq!(d.category, RequestCategory::Purchase);
        assert_eq!(d.region, "도쿄 시부야");
    }

    #[test]
    fn each_field_says_what_is_wrong_with_it() {
        let problem = |change: fn(&mut RequestForm)| {
            let mut f = filled();
            change(&mut f);
            f.draft(Lang::Ko).err().map(|e| e.field)
        };
        assert_eq!(problem(|f| f.title = "가".into()).as_deref(), Some("title"));
        assert_eq!(
            problem(|f| f.region = " ".into()).as_deref(),
            Some("region")
        );
        assert_eq!(
            problem(|f| f.starts_on = "12/03".into()).as_deref(),
            Some("starts_on")
        );
        assert_eq!(
            problem(|f| f.ends_on = "2099-02-30".into()).as_deref(),
            Some("ends_on")
        );
        assert_eq!(
            problem(|f| f.starts_on = "2099-12-09".into()).as_deref(),
            Some("starts_on")
        );
        assert_eq!(
            problem(|f| f.budget_max = "만원쯤".into()).as_deref(),
            Some("budget")
        );
        assert_eq!(
            problem(|f| f.budget_min = "10만".into()).as_deref(),
            Some("budget")
        );
        assert_eq!(problem(|_| {}), None);
        let words = filled();
        let mut words = words;
        words.title.clear();
        assert_eq!(
            words.draft(Lang::Ko).err().map(|e| e.message),
            Some(Lang::Ko.t("request-error-title"))
        );
    }

    #[test]
    fn refusals_land_under_their_field() {
        let invalid = |field: &str, reason: &str| Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        };
        let e = field_error(Lang::Ko, &invalid("ends_on", "the dates are in the past"));
        assert_eq!(e.field, "ends_on");
        assert_eq!(e.message, Lang::Ko.t("request-error-date-past"));
        let e = field_error(
            Lang::Ko,
            &invalid("budget_min_krw", "must not be more than budget_max_krw"),
        );
        assert_eq!(e.field, "budget");
        assert_eq!(e.message, Lang::Ko.t("request-error-budget-order"));
        let e = field_error(Lang::Ko, &Error::Network("down".into()));
        assert_eq!(e.field, "");
        assert_eq!(e.message, Lang::Ko.t("error-offline"));
    }
}
