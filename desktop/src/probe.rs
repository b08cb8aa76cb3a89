//! `moa --probe FILE`: what the window shows, written to FILE as one JSON
//! line and rewritten every 200 ms, for end-to-end tests that drive the app
//! through its forms with a real mouse and keyboard (`scripts/screenshots.sh`
//! under Xvfb): the status bar's words, how many feed rows are on screen,
//! whether a screen shows its error or offline state (and its words), and
//! whether the sign-in form is up, the screen's heading, the home tab chosen,
//! the "similar" rows (비슷한 리뷰, 비슷한 상품: how many cards, where),
//! the linked sign-ins, an open dialog's
//! words, what status lines say, and where each button, link and named
//! field is (so a test clicks what a person would). It reads the page itself, so it reports
//! what a person sees, not what the app meant to show. Off unless asked.

use std::path::PathBuf;
use std::time::Duration;

/// What the page is asked for: the rendered text, as a person reads it.
const READ_PAGE: &str = "const text = s => { const e = document.querySelector(s); return e ? e.innerText.replace(/\\s+/g, ' ').trim() : null; };
return {
  status: text('.status-bar'),
  feed_rows: document.querySelectorAll('.review-row').length,
  error: text('.state.error') || text('.state.offline'),
  form_error: text('.form-error'),
  sign_in_form: !!document.querySelector('.auth form'),
  member: text('.me-card'),
  // The settings' 연결된 계정 list (the ways in), as it reads.
  linked: text('.linked-list'),
  screen: text('.screen-header h1'),
  // The tab chosen (on the home feed: 인기, 최신, 팔로잉, 추천).
  tab: text('.tabs .tab.active'),
  // Each row of similar items: [its heading, its cards, its top, its bottom].
  similar: [...document.querySelectorAll('.similar')].map(e => { const r = e.getBoundingClientRect(); const h = e.querySelector('h3');
    return [h ? h.innerText.trim() : '', e.querySelectorAll('.similar-card').length, Math.round(r.top), Math.round(r.bottom)]; }),
  dialog: text('[role=dialog]'),
  // What status lines say (totals, progress, toasts).
  statuses: [...document.querySelectorAll('[role=status]')].map(e => e.innerText.replace(/\\s+/g, ' ').trim()),
  // Where a person would click: each visible button or link by its words,
  // each named field by its name (centres, in window coordinates).
  targets: [...document.querySelectorAll('button, a, input[name], textarea[name], select[name]')]
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.width > 0 && r.height > 0 && !e.disabled)
    .map(([e, r]) => [e.name || e.innerText.replace(/\\s+/g, ' ').trim(), Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]),
};";

/// Starts writing reports to `path` (call inside the app's root scope).
pub fn start(path: PathBuf) {
    dioxus::prelude::spawn(async move {
        loop {
            if let Ok(report) = dioxus::document::eval(READ_PAGE).await {
                let line = format!("{report}\n");
                // Written whole then renamed, so a reader never sees half.
                let tmp = path.with_extension("tmp");
                if let Err(e) =
                    std::fs::write(&tmp, line).and_then(|()| std::fs::rename(&tmp, &path))
                {
                    tracing::warn!(error = %e, "cannot write the probe report");
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
}
