//! The state every handler shares, and the settings it is built from.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::tokens::TokenKeys;

/// Everything that configures a running server (the CLI builds it from flags
/// and environment variables; tests build it directly).
#[derive(Clone)]
pub struct Settings {
    /// Where the SQLite database, the signing key and media live.
    pub data_dir: PathBuf,
    /// `postgres://...` to use PostgreSQL; `None` for SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// JWT signing secret (at least 32 bytes); `None` to use the key file.
    pub jwt_secret: Option<String>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Sign-in and sign-up attempts per minute from one IP address.
    pub auth_rate_per_ip: u32,
    /// Sign-in attempts per minute for one account.
    pub auth_rate_per_account: u32,
    /// Searches per minute from one IP address (search reads more than
    /// other reads do).
    pub search_rate_per_ip: u32,
    /// Take the client address from `X-Forwarded-For` (behind a proxy only).
    pub trust_forwarded_for: bool,
    /// Where media is stored and what uploads may be.
    pub media: MediaSettings,
    /// The payment provider (PortOne, or the local fake); `None` and the
    /// shop takes no orders.
    pub payments: Option<crate::payments::portone::PaymentSettings>,
    /// How long an unpaid order holds its units.
    pub order_ttl: Duration,
    /// How often each node's job poller looks for due jobs.
    pub job_poll: Duration,
    /// How long a taken job is this node's before another may retake it
    /// (a node that died mid-job).
    pub job_lease: Duration,
    /// Operations alerts to a Slack webhook; `None`: no alerts.
    pub alerts: Option<crate::alerts::AlertSettings>,
    /// Texts to members through Naver Cloud SENS (or the local fake);
    /// `None`: texts can be previewed, not sent.
    pub sms: Option<crate::sms::SensSettings>,
    /// Mail to members (password reset codes): SMTP or a folder; `None`:
    /// no password reset.
    pub mail: Option<crate::mail::MailSettings>,
    /// Push notifications to phones (FCM, APNs); none: no pushes.
    pub push: crate::push::PushSettings,
    /// Where members reach this server (`https://moa.example`): the
    /// address in share links and their previews. `None`: taken from each
    /// request's `Host`.
    pub public_url: Option<String>,
    /// Sign-in with Kakao, Naver and Google; a provider without settings
    /// is not offered.
    pub social: crate::auth::social::SocialSettings,
    /// A review or comment this many distinct members report is hidden
    /// pending a moderator (0: never).
    pub auto_hide_reports: u32,
    /// How often each node folds recorded views into the counters
    /// (`discovery::views`).
    pub views_flush: Duration,
    /// How often the "for you" neighbours are refreshed
    /// (`discovery::neighbours`).
    pub recs_every: Duration,
    /// Scheduled backups (`backup`): how often (`None`: never), how many
    /// to keep, and where (default `DATA_DIR/backups`).
    pub backup_every: Option<Duration>,
    pub backup_keep: u32,
    pub backup_dir: Option<PathBuf>,
    /// How long after an account's deletion its content is erased
    /// (`privacy::erase`; 30 days).
    pub erase_after: Duration,
}

/// See [`Settings::auto_hide_reports`].
pub const DEFAULT_AUTO_HIDE_REPORTS: u32 = 3;

/// Media storage and upload limits.
#[derive(Clone, Debug)]
pub struct MediaSettings {
    pub store: MediaStoreConfig,
    /// Largest photo upload, in bytes.
    pub max_photo_bytes: u64,
    /// Largest video upload, in bytes.
    pub max_video_bytes: u64,
    /// Largest photo in pixels (width x height), checked from the header.
    pub max_photo_pixels: u64,
    /// How long an unfinished upload session is kept.
    pub upload_ttl: Duration,
}

impl Default for MediaSettings {
    fn default() -> Self {
        MediaSettings {
            store: MediaStoreConfig::Disk,
            max_photo_bytes: 20 * 1024 * 1024,
            max_video_bytes: 100 * 1024 * 1024,
            max_photo_pixels: 50_000_000,
            upload_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// Which storage holds media.
#[derive(Clone)]
pub enum MediaStoreConfig {
    /// Files under `data_dir/media` (one node).
    Disk,
    /// An S3-compatible object store (several nodes).
    S3(S3Settings),
}

/// Where and how to reach an S3-compatible bucket.
#[derive(Clone)]
pub struct S3Settings {
    pub bucket: String,
    /// `None` for AWS itself; the URL of another S3-compatible service.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Keys are stored under this prefix (several deployments in one bucket).
    pub prefix: Option<String>,
}

impl std::fmt::Debug for MediaStoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaStoreConfig::Disk => f.write_str("disk"),
            // Keys stay out of logs.
            MediaStoreConfig::S3(s3) => f
                .debug_struct("s3")
                .field("bucket", &s3.bucket)
                .field("endpoint", &s3.endpoint)
                .field("region", &s3.region)
                .field("prefix", &s3.prefix)
                .finish(),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets and database passwords stay out of logs.
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field(
                "database",
                &if self.database_url.is_some() {
                    "postgres"
                } else {
                    "sqlite"
                },
            )
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<configured>"),
            )
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("auth_rate_per_ip", &self.auth_rate_per_ip)
            .field("auth_rate_per_account", &self.auth_rate_per_account)
            .field("search_rate_per_ip", &self.search_rate_per_ip)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("media", &self.media)
            .field("payments", &self.payments)
            .field("order_ttl", &self.order_ttl)
            .field("job_poll", &self.job_poll)
            .field("job_lease", &self.job_lease)
            .field("alerts", &self.alerts.as_ref().map(|_| "<slack webhook>"))
            .field("sms", &self.sms)
            .field("mail", &self.mail)
            .field("public_url", &self.public_url)
            .field("push", &self.push)
            .field("social", &self.social)
            .field("auto_hide_reports", &self.auto_hide_reports)
            .field("views_flush", &self.views_flush)
            .field("recs_every", &self.recs_every)
            .field("backup_every", &self.backup_every)
            .field("backup_keep", &self.backup_keep)
            .field("backup_dir", &self.backup_dir)
            .field("erase_after", &self.erase_after)
            .finish()
    }
}

impl Settings {
    /// The defaults, with data in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Settings {
            data_dir: data_dir.into(),
            database_url: None,
            jwt_secret: None,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            auth_rate_per_ip: 20,
            auth_rate_per_account: 5,
            search_rate_per_ip: 300,
            trust_forwarded_for: false,
            media: MediaSettings::default(),
            payments: None,
            order_ttl: Duration::from_secs(15 * 60),
            job_poll: Duration::from_secs(1),
            job_lease: Duration::from_secs(60),
            alerts: None,
            sms: None,
            mail: None,
            public_url: None,
            push: crate::push::PushSettings::default(),
            social: crate::auth::social::SocialSettings::default(),
            auto_hide_reports: DEFAULT_AUTO_HIDE_REPORTS,
            views_flush: Duration::from_secs(5),
            recs_every: Duration::from_secs(300),
            backup_every: None,
            backup_keep: 7,
            backup_dir: None,
            erase_after: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub settings: Settings,
    pub db: Db,
    pub tokens: TokenKeys,
    pub metrics: Metrics,
    pub signup_per_ip: RateLimiter,
    pub login_per_ip: RateLimiter,
    pub login_per_account: RateLimiter,
    pub search_per_ip: RateLimiter,
    /// Verification texts per client address and per number (an hour's
    /// allowance; see `users::phone`).
    pub phone_per_ip: RateLimiter,
    pub phone_per_number: RateLimiter,
    /// Turns `true` when the server starts shutting down, so that waiting
    /// requests (long-polling pulls) answer at once instead of holding the
    /// shutdown up.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// The change log's latest `seq` as last seen by the head watcher
    /// (`sync::pull::watch_head`); waiting pulls wake when it moves.
    pub log_head: tokio::sync::watch::Sender<i64>,
    /// Where media files live (disk or S3, by `settings.media.store`).
    pub media_store: crate::media::store::MediaStore,
    /// Realtime connections, fan-out and the socket writer.
    pub realtime: crate::realtime::Realtime,
    /// The payment provider's adapter, if payments are configured.
    pub payments: Option<crate::payments::PortOne>,
    /// Wakes this node's job poller early (a job was just scheduled).
    pub jobs_kick: tokio::sync::Notify,
    /// Operations alerts (Slack), grouped and rate-limited; off when not
    /// configured.
    pub alerts: crate::alerts::Alerts,
    /// The text provider's adapter, if texts are configured.
    pub sms: Option<crate::sms::Sens>,
    /// The mailer, if mail is configured.
    pub mail: Option<crate::mail::Mailer>,
    /// The push providers' adapters (none configured: nothing is pushed).
    pub push: crate::push::Push,
    /// The sign-in providers (none configured: email and password only).
    pub social: crate::auth::social::Social,
    /// This node's collaborative-filtering model, kept between refreshes.
    pub recs: tokio::sync::Mutex<Option<crate::discovery::neighbours::Built>>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        settings: Settings,
        db: Db,
        secret: &[u8],
        media_store: crate::media::store::MediaStore,
    ) -> Self {
        let ttl_ms = i64::try_from(settings.access_token_ttl.as_millis()).unwrap_or(i64::MAX);
        let payments = settings.payments.clone().and_then(|p| {
            crate::payments::PortOne::new(p)
                .inspect_err(|e| tracing::error!(error = %e, "cannot set up the payment provider"))
                .ok()
        });
        let alerts = match &settings.alerts {
            Some(a) => {
                crate::media::store::install_tls_provider();
                match reqwest::Client::builder()
                    .connect_timeout(std::time::Duration::from_secs(5))
                    .build()
                {
                    Ok(http) => crate::alerts::Alerts::start(a.clone(), http),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot set up Slack alerts");
                        crate::alerts::Alerts::off()
                    }
                }
            }
            None => crate::alerts::Alerts::off(),
        };
        let sms = settings.sms.clone().and_then(|s| {
            crate::sms::Sens::new(s)
                .inspect_err(|e| tracing::error!(error = %e, "cannot set up texts"))
                .ok()
        });
        let mail = settings.mail.as_ref().and_then(|m| {
            crate::mail::Mailer::new(m)
                .inspect_err(|e| tracing::error!(error = %e, "cannot set up mail"))
                .ok()
        });
        let push = crate::push::Push::new(&settings.push);
        let social = crate::auth::social::Social::new(&settings.social);
        AppState(Arc::new(Inner {
            push,
            social,
            alerts,
            sms,
            mail,
            tokens: TokenKeys::new(secret, ttl_ms),
            metrics: Metrics::default(),
            signup_per_ip: RateLimiter::per_minute(settings.auth_rate_per_ip),
            login_per_ip: RateLimiter::per_minute(settings.auth_rate_per_ip),
            login_per_account: RateLimiter::per_minute(settings.auth_rate_per_account),
            search_per_ip: RateLimiter::per_minute(settings.search_rate_per_ip),
            phone_per_ip: RateLimiter::per_period(20, Duration::from_secs(3600)),
            phone_per_number: RateLimiter::per_period(5, Duration::from_secs(3600)),
            stopping: tokio::sync::watch::Sender::new(false),
            log_head: tokio::sync::watch::Sender::new(0),
            media_store,
            realtime: crate::realtime::Realtime::new(db.clone()),
            payments,
            jobs_kick: tokio::sync::Notify::new(),
            recs: tokio::sync::Mutex::new(None),
            settings,
            db,
        }))
    }
}

/// What a write returns besides its answer: the realtime events to fan out
/// once it commits (none for most writes: see [`quiet`]).
pub type Events = Vec<crate::realtime::Event>;

/// The answer of a write that has no realtime events.
pub fn quiet<T>(value: T) -> (T, Events) {
    (value, Vec::new())
}

impl AppState {
    /// Runs one write: begins the write transaction, calls `f` with it (a
    /// service function, answering its value and the realtime events it
    /// caused) and commits through [`crate::realtime::Realtime::commit`],
    /// which fans the events out if and only if the write commits. An error
    /// from `f` rolls everything back.
    pub async fn write<T>(
        &self,
        f: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> crate::Result<(T, Events)>,
    ) -> crate::Result<T> {
        let mut tx = self.db.begin_write().await?;
        let (value, events) = f(&mut tx).await?;
        self.realtime.commit(tx, events).await?;
        Ok(value)
    }

    /// [`AppState::write`] for a write that causes no realtime events (most
    /// of them): `f` answers just its value.
    pub async fn write_quiet<T>(
        &self,
        f: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> crate::Result<T>,
    ) -> crate::Result<T> {
        self.write(async |tx| f(tx).await.map(quiet)).await
    }
}
