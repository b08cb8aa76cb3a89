//! `moa`: starts the desktop app. Opens client-core on the data directory
//! (instantly, from the cache, online or not) and shows the window.

use std::path::PathBuf;

use clap::Parser;
use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
use dioxus::prelude::*;
use moa_client_core::Client;
use moa_desktop::route::Route;
use moa_desktop::settings::Settings;
use moa_desktop::ui::shell::{App, AppProps, Start};
use moa_desktop::{media, startup, style};

#[derive(Parser, Debug)]
#[command(name = "moa", about = "Moa desktop app")]
struct Args {
    /// Server URL (saved in settings; default from settings, else http://127.0.0.1:8080).
    #[arg(long, env = "MOA_SERVER_URL")]
    server: Option<String>,
    /// Where the local cache and settings live.
    #[arg(long, env = "MOA_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Sign in with these credentials at start (scripts and demos).
    #[arg(long, env = "MOA_EMAIL")]
    email: Option<String>,
    #[arg(long, env = "MOA_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Open this screen first: home, review:ID, compose[:ID], place:ID,
    /// product:ID, tag:TAG, profile[:ID], followers:ID, following:ID,
    /// notifications, chat[:ID], outbox, settings, shop, campaign:ID, orders,
    /// order:ID, requests[:mine|quotes|helping], request:ID,
    /// request-form[:ID], points, admin[:stats|users|audit|official|...],
    /// or a link such as moa://review/ID.
    #[arg(long, value_name = "ROUTE")]
    open: Option<Route>,
    /// A link to open: `moa://review/ID` or a share link
    /// (`https://HOST/r/ID`, `/p/ID`, `/c/ID`), as the system passes it when
    /// one is clicked. With the app already running on this data directory,
    /// the link goes to that window and this launch quits.
    #[arg(value_name = "LINK")]
    link: Option<String>,
    /// Language: ko or en (saved in settings).
    #[arg(long)]
    lang: Option<String>,
    /// Window size, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x820")]
    size: String,
    /// Print launch timings and memory as one JSON line once the first feed
    /// is painted from the cache, then quit.
    #[arg(long)]
    measure_startup: bool,
    /// Write what the window shows (status bar, feed rows, error states) to
    /// this file as one JSON line, every 200 ms: for end-to-end tests.
    #[arg(long, hide = true)]
    probe: Option<PathBuf>,
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("moa")
}

fn main() {
    #[cfg(target_os = "linux")]
    choose_webkit_renderer();
    let args = Args::parse();
    startup::begin(args.measure_startup);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MOA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(args) {
        eprintln!("moa: {e}");
        std::process::exit(1);
    }
}

/// WebKitGTK's DMA-BUF renderer hands frames over through a GPU render node.
/// Without one (a VM, Xvfb, a remote X session) it is emulated in software,
/// which cost about 250 ms before the first paint here (BENCHMARKS.md
/// "Desktop app"); the shared-memory path it falls back to paints at once.
/// A value the user set is kept either way.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn choose_webkit_renderer() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    let has_render_node = std::fs::read_dir("/dev/dri").is_ok_and(|dir| {
        dir.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    if std::env::var_os(VAR).is_none() && !has_render_node {
        // SAFETY: called first thing in `main`, before any thread exists, so
        // nothing reads or writes the environment at the same time.
        unsafe { std::env::set_var(VAR, "1") };
    }
}

fn run(args: Args) -> Result<(), String> {
    let data_dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
    std::fs::create_dir_all(&data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut settings = Settings::load(&data_dir);
    if let Some(url) = &args.server {
        settings.server_url = url.trim_end_matches('/').to_owned();
    }
    if let Some(lang) = args
        .lang
        .as_deref()
        .and_then(moa_desktop::i18n::Lang::from_code)
    {
        settings.lang = lang;
    }
    if args.server.is_some() || args.lang.is_some() {
        settings.save(&data_dir).map_err(|e| e.to_string())?;
    }
    let mut open = args.open.clone();
    if let Some(link) = &args.link {
        let route: Route = link
            .trim()
            .parse()
            .map_err(|e| format!("cannot open {link}: {e}"))?;
        if moa_desktop::links::hand_over(&data_dir, link) {
            tracing::info!(%link, "handed to the running app");
            return Ok(());
        }
        open = Some(route);
    }
    let (width, height) = args
        .size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<f64>().ok()?, h.parse::<f64>().ok()?)))
        .ok_or_else(|| format!("--size wants WIDTHxHEIGHT, not {}", args.size))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let client = runtime.block_on(async {
        let client = Client::open(&data_dir, &settings.server_url)
            .await
            .map_err(|e| format!("cannot open the local database: {e}"))?;
        startup::subscribe_early(&client);
        if let (Some(email), Some(password)) = (&args.email, &args.password) {
            let signed_in_as = client.me().await.ok().map(|m| m.email);
            if signed_in_as.as_deref() != Some(email.as_str()) {
                client
                    .sign_in(email, password)
                    .await
                    .map_err(|e| format!("cannot sign in as {email}: {e}"))?;
            }
        }
        startup::mark("client_open");
        // Signed out there is no feed to read yet: the sign-in screen shows
        // first, and the feed loads once a session has started.
        if client.status().signed_in && open.as_ref().is_none_or(|r| *r == Route::Home) {
            startup::prefetch_feed(&client, moa_client_core::protocol::FeedTab::Popular);
        }
        Ok::<_, String>(client)
    })?;

    let window = WindowBuilder::new()
        .with_title("모아 Moa")
        .with_inner_size(LogicalSize::new(width, height))
        .with_min_inner_size(LogicalSize::new(720.0, 520.0))
        .with_visible(false);
    let config = Config::new()
        .with_window(window)
        .with_menu(None)
        .with_data_directory(data_dir.join("webview"))
        .with_background_color((247, 246, 243, 255))
        .with_custom_head(style::head(if args.measure_startup {
            startup::PAINT_PROBE
        } else {
            ""
        }))
        .with_on_window(|window, _| startup::window_built(window));
    let probe = args.probe.clone();
    let props = AppProps {
        client: client.clone(),
        settings,
        data_dir,
        start: Start {
            open,
            measure: args.measure_startup,
        },
    };
    let dom = VirtualDom::new_with_props(DesktopRoot, RootProps { app: props, probe });
    let _guard = runtime.enter();
    // The whole app runs inside this one poll (the window's event loop never
    // returns), so tokio's cooperative budget, set once per poll, would never
    // be renewed: after some 128 timer, channel and socket operations on the
    // main thread, every later one would answer "not yet" and wake itself at
    // once, the UI thread spinning while timers, toasts and loads stall.
    // Unconstrained, as dioxus's own `launch_virtual_dom` runs it.
    runtime.block_on(tokio::task::unconstrained(async move {
        dioxus::desktop::launch::launch_virtual_dom_blocking(dom, config);
    }));
    #[allow(unreachable_code)]
    Ok(())
}

#[derive(Props, Clone, PartialEq)]
struct RootProps {
    app: AppProps,
    probe: Option<PathBuf>,
}

/// The desktop root: serves photos to the webview, shows the window at the
/// first render (see [`startup::SHOW_AT_LATEST`]), reports to `--probe`,
/// then the app.
#[allow(non_snake_case)]
fn DesktopRoot(root: RootProps) -> Element {
    let RootProps { app: props, probe } = root;
    let client = props.client.clone();
    dioxus::desktop::use_asset_handler("media", move |request, responder| {
        media::serve(client.clone(), request, responder);
    });
    // The first render happens once the page has loaded; its edits reach the
    // page while the window maps.
    use_hook(|| startup::show_window(&dioxus::desktop::window().window));
    use_hook(|| {
        if let Some(path) = probe {
            moa_desktop::probe::start(path);
        }
    });
    rsx! {
        App { client: props.client, settings: props.settings, data_dir: props.data_dir, start: props.start }
    }
}
