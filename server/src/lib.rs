//! `moa-server`: Moa's HTTP server, the source of truth and sync hub.
//!
//! [`app`] builds the router from one router per feature (`auth`, `users`,
//! `admin`, ...), merged here with the operational endpoints (`/health`,
//! `/ready`, `/metrics`, `/v1/openapi.json`, `/docs`), with responses
//! gzip-compressed for clients that accept it. [`serve`] runs it on a
//! bound listener until a shutdown signal, finishing in-flight requests.
//! [`start`] opens the database, runs migrations and loads the signing key.
//! `main.rs` only parses the command line and calls these.

#![forbid(unsafe_code)]

pub mod actor;
pub mod admin;
pub mod alerts;
pub mod auth;
pub mod backup;
pub mod catalog;
pub mod changelog;
pub mod chat;
pub mod comments;
pub mod db;
pub mod demo;
pub mod discovery;
pub mod docs;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod metrics;
pub mod moderation;
pub mod notifications;
pub mod pagination;
pub mod password;
pub mod payments;
pub mod privacy;
pub mod push;
pub mod ratelimit;
pub mod realtime;
pub mod requests;
pub mod reviews;
pub mod search;
pub mod share;
pub mod shop;
pub mod sms;
pub mod social;
pub mod state;
pub mod sync;
pub mod texts;
pub mod tokens;
pub mod users;
pub mod util;
pub mod validate;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router, middleware};
use moa_protocol::limits::MAX_JSON_BODY_BYTES;
use tokio::net::TcpListener;
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

pub use db::{Backend, Db, DbError};
pub use error::{Error, Result};
pub use state::{AppState, Settings};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Moa API",
        description = "Reviews, feeds, chat and group-buys for the Moa community. \
            Errors answer `{\"error\": {\"code\", \"message\"}}`; ids are UUIDv7 strings; \
            times are Unix milliseconds UTC.",
    ),
    modifiers(&BearerAuth),
    // Schemas only query parameters refer to (the routes register the rest).
    components(schemas(moa_protocol::OrderSort, moa_protocol::ReportState, moa_protocol::ReportTarget)),
    tags(
        (name = "auth", description = "Sign-up, sign-in, tokens"),
        (name = "account", description = "The member's own account and public profiles"),
        (name = "catalog", description = "Places and products, the subjects of reviews"),
        (name = "search", description = "One search box over everything, Korean-aware"),
        (name = "reviews", description = "Reviews, feeds and review lists"),
        (name = "comments", description = "Comments and replies"),
        (name = "social", description = "Likes, scraps and follows"),
        (name = "notifications", description = "Notifications and their settings"),
        (name = "moderation", description = "Reports, the moderation queue and actions"),
        (name = "admin", description = "Accounts and the audit log (moderators and admins)"),
        (name = "media", description = "Resumable uploads of photos and videos, and serving them"),
        (name = "chat", description = "Chat rooms, members, messages, read markers, and the realtime socket"),
        (name = "shop", description = "Communities, group-buys, orders and payments"),
        (name = "admin-shop", description = "The back office: the order table and its Excel export, order actions, campaign and community edits, statistics, official posts (admins)"),
        (name = "requests", description = "Requests (부탁) and quotes: ask for help, quote, accept, complete, review"),
        (name = "points", description = "The points wallet: balance, ledger, charges through the payment provider, grants"),
        (name = "sync", description = "Pushing mutations and pulling changes by bucket and feed window"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document and the API router it describes; both come from the
/// same handler annotations, so the document cannot miss an endpoint.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            moa_protocol::API_PREFIX,
            OpenApiRouter::new()
                .merge(auth::router())
                .merge(users::router())
                .merge(privacy::router())
                .merge(catalog::router())
                .merge(search::router())
                .merge(discovery::router())
                .merge(reviews::router())
                .merge(comments::router())
                .merge(social::router())
                .merge(notifications::router())
                .merge(moderation::router())
                .merge(admin::router())
                .merge(media::router())
                .merge(chat::router())
                .merge(shop::router())
                .merge(requests::router())
                .merge(texts::router())
                .merge(push::router())
                .merge(realtime::socket::router())
                .merge(sync::router()),
        )
        .split_for_parts()
}

/// The OpenAPI 3.1 document of the whole API, as published at
/// `/v1/openapi.json` (see [`docs::finish`]).
pub fn openapi() -> serde_json::Value {
    docs::finish(&api().1)
}

/// The complete HTTP application.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api();
    let doc = docs::finish(&doc);
    let doc_json: Arc<str> = serde_json::to_string_pretty(&doc)
        .unwrap_or_default()
        .into();
    let doc_html: Arc<str> = docs::render(&doc).into();
    Router::new()
        .merge(api)
        .merge(share::router())
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics_text))
        .route(
            "/v1/openapi.json",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    doc_json.to_string(),
                )
            }),
        )
        .route(
            "/docs",
            get(move || async move { Html(doc_html.to_string()) }),
        )
        .fallback(|| async { Error::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY_BYTES))
        .layer(middleware::from_fn(run_to_completion))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        // gzip when the client accepts it (sync pulls and feeds compress well);
        // never images or video (already compressed, and byte ranges of video
        // must stay byte ranges of the file).
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("video/"))
                    .and(NotForContentType::const_new("application/zip")),
            ),
        )
        .with_state(state)
}

/// Runs each request on a task of its own, so that a client going away
/// (hyper then drops the request's future) cannot cancel a handler halfway
/// through a database call: sqlx 0.8's PostgreSQL `begin()` is not
/// cancel-safe, and a pull dropped during its `BEGIN` would return its
/// pooled connection inside an open transaction, failing later requests.
async fn run_to_completion(req: axum::extract::Request, next: middleware::Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        Err(e) => Error::from(e).into_response(),
    }
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn ready(State(state): State<AppState>) -> Response {
    if state.db.ping(Duration::from_secs(2)).await {
        Json(serde_json::json!({"status": "ready"})).into_response()
    } else {
        Error::Unavailable.into_response()
    }
}

async fn metrics_text(State(state): State<AppState>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Key(#[from] tokens::KeyError),
    #[error(transparent)]
    Media(#[from] media::store::StoreError),
    #[error("cannot build the search index: {0}")]
    Search(#[from] error::Error),
    #[error("cannot recompute the popular ranks: {0}")]
    Rank(error::Error),
}

/// Opens (and migrates) the database and loads the signing key.
pub async fn start(settings: Settings) -> Result<AppState, StartError> {
    let db = Db::connect(settings.database_url.as_deref(), &settings.data_dir).await?;
    db.migrate().await?;
    search::service::backfill(&db).await?;
    reviews::rank::rerank_if_needed(&db)
        .await
        .map_err(StartError::Rank)?;
    let secret = tokens::load_or_create_secret(&settings.data_dir, settings.jwt_secret.as_deref())?;
    let media_store = media::store::MediaStore::open(&settings.media.store, &settings.data_dir)?;
    tracing::info!(backend = ?db.backend(), media = media_store.kind(), "database ready");
    Ok(AppState::new(settings, db, &secret, media_store))
}

/// Serves `state` on `listener` until `shutdown` resolves, then stops taking
/// connections, lets in-flight requests finish and closes the database.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let db = state.db.clone();
    let stopping = state.stopping.clone();
    let at_stop = state.clone();
    realtime::spawn_tasks(&state);
    jobs::spawn_poller(&state);
    discovery::spawn(&state);
    push::presence::spawn_refresh(&state);
    tokio::spawn(checkpoints(db.clone(), stopping.subscribe()));
    search::common::spawn(db.clone(), stopping.subscribe());
    tokio::spawn(sync::pull::watch_head(
        db.clone(),
        state.log_head.clone(),
        stopping.subscribe(),
    ));
    let shutdown = async move {
        shutdown.await;
        stopping.send_replace(true);
    };
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    // Frames go out as they are written: with Nagle's algorithm a small
    // frame written while the one before is unacknowledged waits for the
    // peer's (possibly delayed) ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await?;
    push::presence::forget_node(&at_stop).await;
    db.close().await;
    Ok(())
}

/// Checkpoints SQLite's write-ahead log every [`db::CHECKPOINT_EVERY`]
/// until the server stops (nothing to do on PostgreSQL).
async fn checkpoints(db: db::Db, mut stopping: tokio::sync::watch::Receiver<bool>) {
    if db.backend() != db::Backend::Sqlite {
        return;
    }
    let mut every = tokio::time::interval(db::CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stopping.changed() => return,
        }
        if let Err(e) = db.checkpoint().await {
            tracing::warn!(error = %e, "cannot checkpoint the write-ahead log");
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
