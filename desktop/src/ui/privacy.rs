//! The member's own data, in settings: "내 데이터 받기" (the server builds a
//! zip of everything of theirs, the app downloads it into the Downloads
//! folder with a progress bar, resuming a cut download the next time) and
//! "계정 삭제" (what is erased at once, what later, what is kept for the
//! legal period — the server's own figures — then the password and a
//! confirmation; the device forgets the account).

use std::path::{Path, PathBuf};

use dioxus::prelude::*;
use moa_client_core::protocol::DeletionPolicy;
use moa_client_core::{DataExportProgress, Error, SavedExport};

use crate::i18n::Arg;
use crate::state::{use_client, use_notices, use_prefs};
use crate::ui::backoffice::orders::{file_size, reveal};
use crate::ui::shell::DataDir;

/// Where downloads go: `MOA_DOWNLOAD_DIR` when set, else the system's
/// Downloads folder (`XDG_DOWNLOAD_DIR`, then `~/Downloads`), else the
/// app's data folder.
pub fn downloads_folder(data_dir: &Path) -> PathBuf {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    downloads_folder_from(
        std::env::var_os("MOA_DOWNLOAD_DIR").map(PathBuf::from),
        std::env::var_os("XDG_DOWNLOAD_DIR").map(PathBuf::from),
        home.map(PathBuf::from),
        data_dir,
    )
}

fn downloads_folder_from(
    configured: Option<PathBuf>,
    xdg: Option<PathBuf>,
    home: Option<PathBuf>,
    data_dir: &Path,
) -> PathBuf {
    configured
        .filter(|p| p.is_absolute())
        .or(xdg.filter(|p| p.is_absolute()))
        .or(home.map(|h| h.join("Downloads")))
        .unwrap_or_else(|| data_dir.join("downloads"))
}

/// Where a download of the member's data stands.
#[derive(Debug, Clone, PartialEq)]
enum Export {
    Idle,
    Asking,
    Running(DataExportProgress),
    Done(SavedExport),
    Failed(Error),
}

/// The bar's percent and words: building is the first half, the download
/// the second.
fn meter(lang: crate::i18n::Lang, state: &Export) -> (u64, String) {
    match state {
        Export::Idle | Export::Failed(_) => (0, String::new()),
        Export::Asking => (2, lang.t("mydata-asking")),
        Export::Running(DataExportProgress::Building { done, total }) => {
            let part = if *total == 0 {
                0
            } else {
                u64::from(*done) * 48 / u64::from(*total)
            };
            (
                2 + part,
                lang.ta(
                    "mydata-building",
                    &[
                        ("done", Arg::Num(i64::from(*done))),
                        ("total", Arg::Num(i64::from(*total))),
                    ],
                ),
            )
        }
        Export::Running(DataExportProgress::Downloading { received, total }) => {
            let part = (*received * 50).checked_div(*total).unwrap_or(50);
            (
                50 + part.min(50),
                lang.ta(
                    "mydata-downloading",
                    &[
                        ("received", Arg::Str(file_size(*received))),
                        ("total", Arg::Str(file_size(*total))),
                    ],
                ),
            )
        }
        Export::Done(saved) => (
            100,
            lang.ta(
                "mydata-done",
                &[
                    ("size", Arg::Str(file_size(saved.bytes))),
                    ("path", Arg::Str(saved.path.display().to_string())),
                ],
            ),
        ),
    }
}

/// "내 데이터 받기": one button, then the bar, then where the file went.
#[component]
pub fn MyData() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let dir = use_context::<DataDir>().0;
    let mut state = use_signal(|| Export::Idle);
    let busy = matches!(*state.read(), Export::Asking | Export::Running(_));
    let start = move |_| {
        let folder = downloads_folder(&dir);
        state.set(Export::Asking);
        spawn(async move {
            let result = client
                .get()
                .export_my_data(&folder, move |p| {
                    let mut state = state;
                    state.set(Export::Running(p));
                })
                .await;
            state.set(match result {
                Ok(saved) => Export::Done(saved),
                Err(e) => Export::Failed(e),
            });
        });
    };
    let current = state.read().clone();
    let (percent, words) = meter(prefs.lang(), &current);
    let folder = match &current {
        Export::Done(saved) => saved.path.parent().map(Path::to_path_buf),
        _ => None,
    };
    rsx! {
        div { class: "mydata",
            p { class: "muted small", {prefs.t("mydata-what")} }
            button { class: "btn", id: "mydata-start", disabled: busy, onclick: start,
                "⤓ " {prefs.t("mydata-start")}
            }
            if let Export::Failed(e) = &current {
                p { class: "form-error", role: "alert",
                    {prefs.ta("mydata-failed", &[("reason", Arg::Str(super::error_text(prefs.lang(), e)))])}
                }
            } else if current != Export::Idle {
                div { class: "meter", role: "progressbar", aria_valuenow: "{percent}",
                    div { class: if percent == 100 { "fill done" } else { "fill" }, style: "width:{percent}%" }
                }
                p { class: if percent == 100 { "good-text export-words" } else { "export-words" }, role: "status", "{words}" }
                if let Some(folder) = folder {
                    button { class: "btn ghost", onclick: move |_| reveal(&folder), {prefs.t("bo-export-open-folder")} }
                }
            }
        }
    }
}

/// "계정 삭제": the consequences in the server's figures, the password,
/// a confirmation box, then the deletion.
#[component]
pub fn DeleteAccount() -> Element {
    let client = use_client();
    let prefs = use_prefs();
    let notices = use_notices();
    let mut open = use_signal(|| false);
    let mut password = use_signal(String::new);
    let mut understood = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<String>);
    // The server's periods, and whether the account has a password (one
    // made through Kakao, Naver or Google deletes right after signing in
    // with it again, without one).
    let facts = use_resource(move || async move {
        if !open() {
            return None;
        }
        let client = client.get();
        let policy = client.deletion_policy().await.ok();
        let has_password = client.linked_sign_ins().await.map_or(true, |m| m.password);
        Some((policy, has_password))
    });
    let fallback = DeletionPolicy {
        erase_after_days: 30,
        keep_records_years: 5,
    };
    let (known, has_password) = match facts.read().clone().flatten() {
        Some((policy, has_password)) => (policy.unwrap_or(fallback), has_password),
        None => (fallback, true),
    };
    let submit = move |e: FormEvent| {
        e.prevent_default();
        if busy() || !understood() || (has_password && password.peek().is_empty()) {
            return;
        }
        busy.set(true);
        error.set(None);
        let typed = password.peek().clone();
        spawn(async move {
            match client.get().delete_account(&typed).await {
                // The root follows the session's end to the sign-in screen.
                Ok(()) => notices.notify(prefs.t("delete-done")),
                Err(e) => {
                    error.set(Some(super::error_text(prefs.lang(), &e)));
                    busy.set(false);
                }
            }
        });
    };
    rsx! {
        if !open() {
            button { class: "btn danger", id: "delete-open", onclick: move |_| open.set(true),
                {prefs.t("delete-open")}
            }
        } else {
            form { class: "delete-account", onsubmit: submit,
                p { b { {prefs.t("delete-now-title")} } " " {prefs.t("delete-now")} }
                p { b { {prefs.ta("delete-later-title", &[("days", Arg::Num(i64::from(known.erase_after_days)))])} } " "
                    {prefs.ta("delete-later", &[("days", Arg::Num(i64::from(known.erase_after_days)))])}
                }
                p { b { {prefs.t("delete-kept-title")} } " "
                    {prefs.ta("delete-kept", &[("years", Arg::Num(i64::from(known.keep_records_years)))])}
                }
                p { class: "muted small", {prefs.t("delete-export-first")} }
                if has_password {
                    label { {prefs.t("delete-password")}
                        input { r#type: "password", name: "password", autocomplete: "current-password",
                            value: "{password}", oninput: move |e| password.set(e.value()) }
                    }
                } else {
                    p { class: "muted small", {prefs.t("delete-no-password")} }
                }
                label { class: "check",
                    input { r#type: "checkbox", name: "understood", checked: understood(),
                        onchange: move |e| understood.set(e.checked()) }
                    " " {prefs.t("delete-understood")}
                }
                if let Some(err) = error.read().clone() { p { class: "form-error", role: "alert", "{err}" } }
                div { class: "row-form",
                    button { class: "btn ghost", r#type: "button", onclick: move |_| { open.set(false); error.set(None); },
                        {prefs.t("action-cancel")}
                    }
                    button { class: "btn primary danger", r#type: "submit", id: "delete-confirm",
                        disabled: busy() || !understood() || (has_password && password.read().is_empty()),
                        {prefs.t("delete-confirm")}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn downloads_go_to_the_configured_then_the_system_folder() {
        let data = Path::new("/data");
        let home = Some(PathBuf::from("/home/minji"));
        assert_eq!(
            downloads_folder_from(Some("/tmp/dl".into()), None, home.clone(), data),
            PathBuf::from("/tmp/dl")
        );
        assert_eq!(
            downloads_folder_from(
                None,
                Some("/home/minji/다운로드".into()),
                home.clone(),
                data
            ),
            PathBuf::from("/home/minji/다운로드")
        );
        assert_eq!(
            downloads_folder_from(Some("relative".into()), None, home, data),
            PathBuf::from("/home/minji/Downloads")
        );
        assert_eq!(
            downloads_folder_from(None, None, None, data),
            PathBuf::from("/data/downloads")
        );
    }

    #[test]
    fn the_bar_builds_in_the_first_half_and_downloads_in_the_second() {
        let at = |p| meter(Lang::Ko, &Export::Running(p)).0;
        assert_eq!(at(DataExportProgress::Building { done: 0, total: 0 }), 2);
        assert_eq!(at(DataExportProgress::Building { done: 6, total: 12 }), 26);
        assert_eq!(
            at(DataExportProgress::Downloading {
                received: 0,
                total: 0
            }),
            100
        );
        assert_eq!(
            at(DataExportProgress::Downloading {
                received: 512,
                total: 1024
            }),
            75
        );
        let (_, words) = meter(
            Lang::Ko,
            &Export::Running(DataExportProgress::Building { done: 3, total: 14 }),
        );
        assert!(words.contains("3") && words.contains("14"), "{words}");
    }
}
