//! The window's showing, and launch timings for `moa --measure-startup`: when
//! the process started, when the window appeared, and when the first feed
//! rows were painted (two animation frames after they entered the page, so
//! the rows are really on screen). It
//! prints one JSON line with those and the memory of the app and its webview
//! processes, then quits. Off unless asked: the app pays one atomic load.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static WINDOW: OnceLock<Instant> = OnceLock::new();
static MEASURE: AtomicBool = AtomicBool::new(false);
static REPORTED: AtomicBool = AtomicBool::new(false);
static MARKS: std::sync::Mutex<Vec<(&'static str, Instant)>> = std::sync::Mutex::new(Vec::new());

/// Notes a moment of the launch (reported with `--measure-startup`).
pub fn mark(what: &'static str) {
    if MEASURE.load(Ordering::Relaxed)
        && let Ok(mut marks) = MARKS.lock()
        && !marks.iter().any(|(w, _)| *w == what)
    {
        marks.push((what, Instant::now()));
    }
}

type FeedTask =
    tokio::task::JoinHandle<moa_client_core::Result<Vec<moa_client_core::protocol::Review>>>;
static PREFETCH: std::sync::Mutex<Option<(moa_client_core::protocol::FeedTab, FeedTask)>> =
    std::sync::Mutex::new(None);

static EARLY_EVENTS: std::sync::Mutex<
    Option<tokio::sync::broadcast::Receiver<moa_client_core::Event>>,
> = std::sync::Mutex::new(None);

/// Subscribes to the client's events before anything is read, so a change
/// that lands while the webview loads still reaches the app's event pump.
pub fn subscribe_early(client: &moa_client_core::Client) {
    if let Ok(mut slot) = EARLY_EVENTS.lock() {
        *slot = Some(client.subscribe());
    }
}

/// The receiver [`subscribe_early`] made, once.
pub fn early_events() -> Option<tokio::sync::broadcast::Receiver<moa_client_core::Event>> {
    EARLY_EVENTS.lock().ok()?.take()
}

/// Starts reading the first feed from the cache while the webview loads, so
/// the first render has it at hand (call inside the tokio runtime).
pub fn prefetch_feed(client: &moa_client_core::Client, tab: moa_client_core::protocol::FeedTab) {
    let client = client.clone();
    let task = tokio::spawn(async move { client.feed(tab).await });
    if let Ok(mut slot) = PREFETCH.lock() {
        *slot = Some((tab, task));
    }
}

/// The feed [`prefetch_feed`] read, once, if it was for `tab` and has
/// finished: the first render then shows it without waiting for a second
/// round trip to the webview.
pub fn ready_feed(
    tab: moa_client_core::protocol::FeedTab,
) -> Option<moa_client_core::Result<Vec<moa_client_core::protocol::Review>>> {
    use std::future::Future;
    let mut slot = PREFETCH.lock().ok()?;
    let (t, task) = slot.as_mut()?;
    if *t != tab || !task.is_finished() {
        return None;
    }
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let result = match std::pin::Pin::new(task).poll(&mut cx) {
        std::task::Poll::Ready(result) => result.ok(),
        std::task::Poll::Pending => return None,
    };
    *slot = None;
    result
}

/// The feed [`prefetch_feed`] read, once, if it was for `tab`.
pub async fn prefetched_feed(
    tab: moa_client_core::protocol::FeedTab,
) -> Option<moa_client_core::Result<Vec<moa_client_core::protocol::Review>>> {
    let task = {
        let mut slot = PREFETCH.lock().ok()?;
        match slot.take() {
            Some((t, task)) if t == tab => task,
            _ => return None,
        }
    };
    task.await.ok()
}

/// Put in the page's head with `--measure-startup`: notes the page's time
/// two animation frames after the first feed row entered the DOM (the frame
/// holding it has been painted by then), without a round trip to the app.
pub const PAINT_PROBE: &str = "<script>window.__moaFeedPainted = new Promise(done => {
  const seen = () => document.querySelector('.review-row');
  new MutationObserver((_, observer) => {
    if (!seen()) return;
    observer.disconnect();
    window.__moaRowsInserted = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now())));
  }).observe(document, {childList: true, subtree: true});
});</script>";

/// Call first thing in `main`.
pub fn begin(measure: bool) {
    let _ = START.set(Instant::now());
    MEASURE.store(measure, Ordering::Relaxed);
}

/// The window is built hidden and shown at the app's first render
/// ([`show_window`]): the page has loaded by then, and the first screen's
/// edits reach it while the window maps, so nobody looks at an empty white
/// window while WebKit starts (dioxus does the same on macOS and Windows).
/// Should the page never answer, it is shown anyway after [`SHOW_AT_LATEST`].
pub const SHOW_AT_LATEST: std::time::Duration = std::time::Duration::from_millis(2000);

/// The window exists (called from the desktop config's window hook).
pub fn window_built(window: std::sync::Arc<dioxus::desktop::tao::window::Window>) {
    mark("window_built");
    std::thread::spawn(move || {
        std::thread::sleep(SHOW_AT_LATEST);
        show_window(&window);
    });
}

/// Shows the window, once.
pub fn show_window(window: &dioxus::desktop::tao::window::Window) {
    if WINDOW.set(Instant::now()).is_ok() {
        window.set_visible(true);
    }
}

/// The feed has rows in the DOM; once painted, report and quit.
pub fn feed_rendered(rows: usize) {
    if !MEASURE.load(Ordering::Relaxed) || REPORTED.swap(true, Ordering::Relaxed) {
        return;
    }
    dioxus::prelude::spawn(async move {
        // The page's clock: when the rows were painted (see [`PAINT_PROBE`]),
        // when its navigation started and when it first painted anything,
        // put on our timeline through the page's "now".
        let page = dioxus::document::eval(
            "const painted = await window.__moaFeedPainted;
             const fcp = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
             return {now: performance.now(), painted, inserted: window.__moaRowsInserted, first_paint: fcp ? fcp.startTime : null};",
        )
        .await
        .ok();
        let answered = Instant::now();
        let ms = |t: Option<&Instant>, from: Option<&Instant>| match (t, from) {
            (Some(t), Some(f)) => t.saturating_duration_since(*f).as_secs_f64() * 1000.0,
            _ => -1.0,
        };
        let page_ms = |key: &str| page.as_ref()?.get(key)?.as_f64();
        let page_start = page_ms("now").map(|now| ms(Some(&answered), START.get()) - now);
        let Some((page_start, painted)) = page_start.zip(page_ms("painted")) else {
            tracing::error!("the page did not report the feed painted: {page:?}");
            std::process::exit(1);
        };
        let painted_ms = page_start + painted;
        let window_ms = ms(WINDOW.get(), START.get());
        // Let the webview settle before reading memory.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let (app_kb, webview_kb) = memory_kb();
        let mut marks: serde_json::Map<String, serde_json::Value> = MARKS
            .lock()
            .map(|m| {
                m.iter()
                    .map(|(w, t)| ((*w).to_owned(), serde_json::json!(ms(Some(t), START.get()))))
                    .collect()
            })
            .unwrap_or_default();
        marks.insert("page_start".into(), serde_json::json!(page_start));
        for (key, mark) in [
            ("first_paint", "page_first_paint"),
            ("inserted", "page_rows_inserted"),
        ] {
            if let Some(t) = page_ms(key) {
                marks.insert(mark.into(), serde_json::json!(page_start + t));
            }
        }
        let line = serde_json::json!({
            "marks": marks,
            "window_ms": window_ms,
            "feed_painted_ms": painted_ms,
            "feed_after_window_ms": painted_ms - window_ms,
            "rows": rows,
            "app_rss_kb": app_kb,
            "webview_rss_kb": webview_kb,
        });
        // The one line the bench script reads.
        #[allow(clippy::print_stdout)]
        {
            println!("{line}");
        }
        std::process::exit(0);
    });
}

/// Resident memory of this process and of all its descendants (WebKit's web
/// and network processes), in KiB.
pub fn memory_kb() -> (u64, u64) {
    let me = std::process::id();
    let own = rss_kb(me).unwrap_or(0);
    let mut children = 0;
    let mut frontier = vec![me];
    let procs = all_parents();
    while let Some(parent) = frontier.pop() {
        for (pid, ppid) in &procs {
            if *ppid == parent {
                children += rss_kb(*pid).unwrap_or(0);
                frontier.push(*pid);
            }
        }
    }
    (own, children)
}

fn all_parents() -> Vec<(u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The command name may hold spaces: fields start after the last ')'.
            let rest = &stat[stat.rfind(')')? + 2..];
            let ppid = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect()
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}
