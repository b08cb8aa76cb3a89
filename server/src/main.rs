//! The `moa-server` command: parses flags and environment variables, sets up
//! logging, and either serves (the default) or manages accounts
//! (`moa-server user ...`). Everything else lives in the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use moa_protocol::Role;
use moa_server::auth::service::{ValidSignup, create_account, validate_signup};
use moa_server::payments::portone::PaymentSettings;
use moa_server::sms::SensSettings;
use moa_server::sms::fake::FakeSens;
use moa_server::state::{MediaSettings, MediaStoreConfig, S3Settings};
use moa_server::{Db, Settings, demo, users::service as users, util};

/// Moa community server: reviews, feeds, chat and group-buys, with sync for
/// offline-first apps. Runs on embedded SQLite by default; point it at
/// PostgreSQL to run several nodes.
#[derive(Debug, Parser)]
#[command(name = "moa-server", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args)]
struct CommonArgs {
    /// Directory for the SQLite database, the JWT signing key and media.
    #[arg(
        long,
        env = "MOA_DATA_DIR",
        default_value = "./moa-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Use this database instead of SQLite in the data dir (postgres://user:pass@host/db).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,
    /// Log format.
    #[arg(long, env = "MOA_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    log_format: LogFormat,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "MOA_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Fill an empty database with a demo community (passwords printed once).
    #[arg(long, env = "MOA_DEMO")]
    demo: bool,
    /// Where members reach this server (`https://moa.example`), for share
    /// links and their previews. Default: each request's Host.
    #[arg(long, env = "MOA_PUBLIC_URL")]
    public_url: Option<String>,
    /// Hide a review or comment this many distinct members report, pending
    /// a moderator (0: never).
    #[arg(long, env = "MOA_AUTO_HIDE_REPORTS", default_value_t = moa_server::state::DEFAULT_AUTO_HIDE_REPORTS)]
    auto_hide_reports: u32,
    /// How often recorded views are folded into the counters, in seconds.
    #[arg(long, env = "MOA_VIEWS_FLUSH_SECS", default_value_t = 5)]
    views_flush_secs: u64,
    /// How often the "for you" neighbours are refreshed, in seconds.
    #[arg(long, env = "MOA_RECS_EVERY_SECS", default_value_t = 300)]
    recs_every_secs: u64,
    /// Back up the database, media and signing key every this many
    /// seconds (embedded SQLite with media on disk only; 0: never).
    #[arg(long, env = "MOA_BACKUP_EVERY_SECS", default_value_t = 0)]
    backup_every_secs: u64,
    /// How many scheduled backups to keep (the oldest go first).
    #[arg(long, env = "MOA_BACKUP_KEEP", default_value_t = 7)]
    backup_keep: u32,
    /// Seconds after an account's deletion when its content is erased
    /// (reviews, comments, messages, photos, likes, follows); orders and
    /// the points ledger are kept five years (전자상거래법). Default 30 days.
    #[arg(long, env = "MOA_ERASE_AFTER_SECS", default_value_t = 30 * 24 * 3600)]
    erase_after_secs: u64,
    /// Where scheduled backups go. Default: DATA_DIR/backups (put them on
    /// another disk).
    #[arg(long, env = "MOA_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
    /// JWT signing secret, at least 32 bytes; every node of a cluster needs the same.
    /// Default: a random key created in the data dir (file jwt-secret, mode 0600).
    #[arg(long, env = "MOA_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "MOA_ACCESS_TOKEN_TTL", default_value_t = 900)]
    access_token_ttl: u64,
    /// Lifetime of refresh tokens, in days.
    #[arg(long, env = "MOA_REFRESH_TOKEN_DAYS", default_value_t = 30)]
    refresh_token_days: u64,
    /// Sign-in and sign-up attempts allowed per minute from one IP address.
    #[arg(long, env = "MOA_AUTH_RATE_PER_IP", default_value_t = 20)]
    auth_rate_per_ip: u32,
    /// Sign-in attempts allowed per minute for one account.
    #[arg(long, env = "MOA_AUTH_RATE_PER_ACCOUNT", default_value_t = 5)]
    auth_rate_per_account: u32,
    /// Searches allowed per minute from one IP address.
    #[arg(long, env = "MOA_SEARCH_RATE_PER_IP", default_value_t = 300)]
    search_rate_per_ip: u32,
    /// Trust X-Forwarded-For for the client address (only behind a reverse proxy).
    #[arg(long, env = "MOA_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    #[command(flatten)]
    media: MediaArgs,
    #[command(flatten)]
    shop: ShopArgs,
    #[command(flatten)]
    mail: MailArgs,
    #[command(flatten)]
    push: PushArgs,
    #[command(flatten)]
    social: SocialArgs,
}

/// Sign-in with Kakao, Naver and Google (each offered only with its
/// client id and secret).
#[derive(Debug, Args)]
struct SocialArgs {
    #[arg(long, env = "MOA_KAKAO_CLIENT_ID")]
    kakao_client_id: Option<String>,
    #[arg(
        long,
        env = "MOA_KAKAO_CLIENT_SECRET",
        hide_env_values = true,
        default_value = ""
    )]
    kakao_client_secret: String,
    #[arg(
        long,
        env = "MOA_KAKAO_ISSUER",
        default_value = "https://kauth.kakao.com"
    )]
    kakao_issuer: String,
    #[arg(
        long,
        env = "MOA_KAKAO_SCOPES",
        default_value = "openid account_email profile_nickname"
    )]
    kakao_scopes: String,
    #[arg(long, env = "MOA_GOOGLE_CLIENT_ID")]
    google_client_id: Option<String>,
    #[arg(
        long,
        env = "MOA_GOOGLE_CLIENT_SECRET",
        hide_env_values = true,
        default_value = ""
    )]
    google_client_secret: String,
    #[arg(
        long,
        env = "MOA_GOOGLE_ISSUER",
        default_value = "https://accounts.google.com"
    )]
    google_issuer: String,
    #[arg(
        long,
        env = "MOA_GOOGLE_SCOPES",
        default_value = "openid email profile"
    )]
    google_scopes: String,
    #[arg(long, env = "MOA_NAVER_CLIENT_ID")]
    naver_client_id: Option<String>,
    #[arg(
        long,
        env = "MOA_NAVER_CLIENT_SECRET",
        hide_env_values = true,
        default_value = ""
    )]
    naver_client_secret: String,
    #[arg(
        long,
        env = "MOA_NAVER_AUTH_BASE",
        default_value = "https://nid.naver.com"
    )]
    naver_auth_base: String,
    #[arg(
        long,
        env = "MOA_NAVER_API_BASE",
        default_value = "https://openapi.naver.com"
    )]
    naver_api_base: String,
}

impl SocialArgs {
    /// The providers' settings; with `--demo` and no Naver settings, a
    /// local fake Naver (kept alive by the returned handle) whose login
    /// page lists a demo member and a newcomer.
    async fn settings(
        &self,
        demo: bool,
    ) -> Result<
        (
            moa_server::auth::social::SocialSettings,
            Option<moa_server::auth::social::naver::fake::FakeNaver>,
        ),
        String,
    > {
        use moa_server::auth::social::{naver::NaverSettings, oidc::OidcSettings};
        let oidc =
            |id: &Option<String>, secret: &str, issuer: &str, scopes: &str, flag: &str| match id {
                Some(id) if secret.is_empty() => Err(format!(
                    "--{flag}-client-id {id} needs --{flag}-client-secret"
                )),
                Some(id) => Ok(Some(OidcSettings {
                    issuer: issuer.trim_end_matches('/').to_owned(),
                    client_id: id.clone(),
                    client_secret: secret.to_owned(),
                    scopes: scopes.to_owned(),
                })),
                None => Ok(None),
            };
        let mut settings = moa_server::auth::social::SocialSettings {
            kakao: oidc(
                &self.kakao_client_id,
                &self.kakao_client_secret,
                &self.kakao_issuer,
                &self.kakao_scopes,
                "kakao",
            )?,
            google: oidc(
                &self.google_client_id,
                &self.google_client_secret,
                &self.google_issuer,
                &self.google_scopes,
                "google",
            )?,
            naver: None,
        };
        let mut fake = None;
        match &self.naver_client_id {
            Some(id) if self.naver_client_secret.is_empty() => {
                return Err(format!(
                    "--naver-client-id {id} needs --naver-client-secret"
                ));
            }
            Some(id) => {
                settings.naver = Some(NaverSettings {
                    client_id: id.clone(),
                    client_secret: self.naver_client_secret.clone(),
                    auth_base: self.naver_auth_base.trim_end_matches('/').to_owned(),
                    api_base: self.naver_api_base.trim_end_matches('/').to_owned(),
                });
            }
            None if demo => {
                use moa_server::auth::social::naver::fake::{Account, FakeNaver};
                let naver = FakeNaver::start("127.0.0.1:0")
                    .await
                    .map_err(|e| format!("the demo's fake Naver: {e}"))?;
                naver.add_account(Account {
                    id: "naver-demo-newcomer".into(),
                    email: Some("saebom@naver.com".into()),
                    nickname: "새봄".into(),
                });
                naver.add_account(Account {
                    id: "naver-demo-jiwoo".into(),
                    email: Some("jiwoo@moa.example".into()),
                    nickname: "지우".into(),
                });
                tracing::warn!(base = %naver.base, "FAKE NAVER: sign-in with Naver goes to a local stand-in");
                settings.naver = Some(naver.settings());
                fake = Some(naver);
            }
            None => {}
        }
        Ok((settings, fake))
    }
}

/// Push notifications to phones.
#[derive(Debug, Args)]
struct PushArgs {
    /// A Firebase service account's JSON key file: push to Android phones
    /// through FCM HTTP v1.
    #[arg(long, env = "MOA_FCM_SERVICE_ACCOUNT")]
    fcm_service_account: Option<std::path::PathBuf>,
    #[arg(
        long,
        env = "MOA_FCM_API_BASE",
        default_value = "https://fcm.googleapis.com"
    )]
    fcm_api_base: String,
    /// An APNs auth key (.p8): push to iPhones; needs the key id, team id
    /// and the app's bundle id.
    #[arg(long, env = "MOA_APNS_KEY_FILE")]
    apns_key_file: Option<std::path::PathBuf>,
    #[arg(long, env = "MOA_APNS_KEY_ID", default_value = "")]
    apns_key_id: String,
    #[arg(long, env = "MOA_APNS_TEAM_ID", default_value = "")]
    apns_team_id: String,
    /// The iOS app's bundle id (`apns-topic`).
    #[arg(long, env = "MOA_APNS_TOPIC", default_value = "")]
    apns_topic: String,
    /// `https://api.push.apple.com`, or `https://api.sandbox.push.apple.com`
    /// for development builds.
    #[arg(
        long,
        env = "MOA_APNS_API_BASE",
        default_value = "https://api.push.apple.com"
    )]
    apns_api_base: String,
}

impl PushArgs {
    fn settings(&self) -> Result<moa_server::push::PushSettings, String> {
        use moa_server::push::{apns::ApnsSettings, fcm::FcmSettings};
        let read = |path: &std::path::Path| {
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
        };
        let fcm = match &self.fcm_service_account {
            Some(path) => Some(
                FcmSettings::from_service_account(&read(path)?, &self.fcm_api_base)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
            ),
            None => None,
        };
        let apns = match &self.apns_key_file {
            Some(path) => {
                if self.apns_key_id.is_empty()
                    || self.apns_team_id.is_empty()
                    || self.apns_topic.is_empty()
                {
                    return Err(
                        "--apns-key-file needs --apns-key-id, --apns-team-id and --apns-topic"
                            .into(),
                    );
                }
                Some(ApnsSettings {
                    team_id: self.apns_team_id.clone(),
                    key_id: self.apns_key_id.clone(),
                    private_key_pem: read(path)?,
                    topic: self.apns_topic.clone(),
                    api_base: self.apns_api_base.trim_end_matches('/').to_owned(),
                })
            }
            None => None,
        };
        Ok(moa_server::push::PushSettings { fcm, apns })
    }
}

/// Mail to members (password reset codes).
#[derive(Debug, Args)]
struct MailArgs {
    /// SMTP relay for mail to members: smtps://user:pass@mail.example.kr:465 (TLS on
    /// connect), smtp://user:pass@mail.example.kr:587?tls=required (STARTTLS), or plain
    /// smtp://host:port for a relay on a trusted network.
    #[arg(long, env = "MOA_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Write mail as .eml files into this folder instead of sending it (on by
    /// default with --demo when no SMTP relay is given: DATA_DIR/mail).
    #[arg(long, env = "MOA_MAIL_DIR")]
    mail_dir: Option<std::path::PathBuf>,
    /// The sender of mail to members.
    #[arg(
        long,
        env = "MOA_MAIL_FROM",
        default_value = "모아 <no-reply@moa.local>"
    )]
    mail_from: String,
}

impl MailArgs {
    fn settings(
        &self,
        demo: bool,
        data_dir: &std::path::Path,
    ) -> Result<Option<moa_server::mail::MailSettings>, String> {
        use moa_server::mail::MailSettings;
        let from = self.mail_from.clone();
        match (&self.smtp_url, &self.mail_dir) {
            (Some(_), Some(_)) => Err("--smtp-url and --mail-dir exclude each other".into()),
            (Some(url), None) => Ok(Some(MailSettings::Smtp {
                url: url.clone(),
                from,
            })),
            (None, Some(path)) => Ok(Some(MailSettings::Dir {
                path: path.clone(),
                from,
            })),
            (None, None) if demo => {
                let path = data_dir.join("mail");
                tracing::warn!(dir = %path.display(), "mail to members is written to files: nothing is sent");
                Ok(Some(MailSettings::Dir { path, from }))
            }
            (None, None) => Ok(None),
        }
    }
}

#[derive(Debug, Args)]
struct ShopArgs {
    /// PortOne V2 API base URL.
    #[arg(
        long,
        env = "MOA_PORTONE_API_BASE",
        default_value = "https://api.portone.io"
    )]
    portone_api_base: String,
    /// PortOne V2 API secret; without it (and the webhook secret) the shop takes no orders.
    #[arg(long, env = "MOA_PORTONE_API_SECRET", hide_env_values = true)]
    portone_api_secret: Option<String>,
    /// PortOne webhook signing secret (whsec_...).
    #[arg(long, env = "MOA_PORTONE_WEBHOOK_SECRET", hide_env_values = true)]
    portone_webhook_secret: Option<String>,
    /// PortOne store id.
    #[arg(long, env = "MOA_PORTONE_STORE_ID", default_value = "")]
    portone_store_id: String,
    /// PortOne channel key (the browser checkout's payment channel).
    #[arg(long, env = "MOA_PORTONE_CHANNEL_KEY", default_value = "")]
    portone_channel_key: String,
    /// A provider's own checkout page base (a PortOne stand-in); PortOne itself has none.
    #[arg(long, env = "MOA_PORTONE_CHECKOUT_BASE")]
    portone_checkout_base: Option<String>,
    /// Run the local fake PortOne inside the server and take payments through it
    /// (on by default with --demo when no PortOne secret is given). It moves no money.
    #[arg(long, env = "MOA_FAKE_PAYMENTS")]
    fake_payments: bool,
    /// How long an unpaid order holds its units, in seconds.
    #[arg(long, env = "MOA_ORDER_TTL", default_value_t = 900)]
    order_ttl: u64,
    /// How often each node looks for due jobs, in milliseconds.
    #[arg(long, env = "MOA_JOB_POLL_MS", default_value_t = 1000)]
    job_poll_ms: u64,
    /// How long a node holds a job it took before another may retake it, in seconds.
    #[arg(long, env = "MOA_JOB_LEASE", default_value_t = 60)]
    job_lease: u64,
    /// A Slack incoming-webhook URL for operations alerts (orders paid,
    /// campaigns closed, jobs failing, server errors), grouped and rate-limited.
    #[arg(long, env = "MOA_SLACK_WEBHOOK_URL", hide_env_values = true)]
    slack_webhook_url: Option<String>,
    /// Slack alert messages a minute at most.
    #[arg(long, env = "MOA_SLACK_PER_MINUTE", default_value_t = 6)]
    slack_per_minute: u32,
    /// Naver Cloud SENS access key (texts to members).
    #[arg(long, env = "MOA_SENS_ACCESS_KEY")]
    sens_access_key: Option<String>,
    /// Naver Cloud SENS secret key.
    #[arg(long, env = "MOA_SENS_SECRET_KEY", hide_env_values = true)]
    sens_secret_key: Option<String>,
    /// The SENS SMS project's service id (ncp:sms:kr:...).
    #[arg(long, env = "MOA_SENS_SERVICE_ID", default_value = "")]
    sens_service_id: String,
    /// The registered calling number texts come from.
    #[arg(long, env = "MOA_SENS_FROM", default_value = "")]
    sens_from: String,
    #[arg(
        long,
        env = "MOA_SENS_API_BASE",
        default_value = "https://sens.apigw.ntruss.com"
    )]
    sens_api_base: String,
    /// Run a local fake SENS inside the server and send texts to it (on by
    /// default with --demo when no SENS key is given). It sends nothing.
    #[arg(long, env = "MOA_FAKE_SMS")]
    fake_sms: bool,
}

impl ShopArgs {
    /// The text settings, starting the local fake SENS when asked (or for
    /// the demo without a real one).
    async fn sms(&self, demo: bool) -> Result<(Option<SensSettings>, Option<FakeSens>), String> {
        if let (Some(access_key), Some(secret_key)) = (&self.sens_access_key, &self.sens_secret_key)
        {
            if self.fake_sms {
                return Err("--fake-sms and a SENS key exclude each other".into());
            }
            return Ok((
                Some(SensSettings {
                    api_base: self.sens_api_base.clone(),
                    service_id: self.sens_service_id.clone(),
                    access_key: access_key.clone(),
                    secret_key: secret_key.clone(),
                    from: self.sens_from.clone(),
                }),
                None,
            ));
        }
        if !(self.fake_sms || demo) {
            return Ok((None, None));
        }
        let fake = FakeSens::start(FakeSens::demo_settings(), "127.0.0.1:0")
            .await
            .map_err(|e| format!("the fake text provider: {e}"))?;
        tracing::warn!(
            url = fake.url(),
            "texts go to the local FAKE SENS: nothing is sent"
        );
        Ok((Some(fake.settings()), Some(fake)))
    }

    /// The payment settings, starting the local fake provider when asked
    /// (or for the demo without a real one). Answers the fake too, whose
    /// webhook URL is set once the server listens.
    async fn payments(
        &self,
        demo: bool,
    ) -> Result<(Option<PaymentSettings>, Option<fake_portone::Fake>), String> {
        if let (Some(api_secret), Some(webhook_secret)) =
            (&self.portone_api_secret, &self.portone_webhook_secret)
        {
            if self.fake_payments {
                return Err("--fake-payments and a PortOne secret exclude each other".into());
            }
            return Ok((
                Some(PaymentSettings {
                    api_base: self.portone_api_base.clone(),
                    api_secret: api_secret.clone(),
                    webhook_secret: webhook_secret.clone(),
                    store_id: self.portone_store_id.clone(),
                    channel_key: self.portone_channel_key.clone(),
                    checkout_base: self.portone_checkout_base.clone(),
                }),
                None,
            ));
        }
        if !(self.fake_payments || demo) {
            return Ok((None, None));
        }
        let config = fake_portone::Config::default();
        let fake = fake_portone::Fake::start(config.clone(), "127.0.0.1:0")
            .await
            .map_err(|e| format!("the fake payment provider: {e}"))?;
        tracing::warn!(
            url = fake.url(),
            "payments go to the local FAKE PortOne: no money moves"
        );
        Ok((
            Some(PaymentSettings {
                api_base: fake.url().to_owned(),
                api_secret: config.api_secret,
                webhook_secret: config.webhook_secret,
                store_id: "store-fake".into(),
                channel_key: "channel-fake".into(),
                checkout_base: Some(fake.url().to_owned()),
            }),
            Some(fake),
        ))
    }
}

#[derive(Debug, Args)]
struct MediaArgs {
    /// Where media files live: `disk` (DATA_DIR/media) or `s3` (several nodes).
    #[arg(long, env = "MOA_MEDIA_STORE", value_enum, default_value_t = StoreArg::Disk)]
    media_store: StoreArg,
    /// S3 bucket (with --media-store s3).
    #[arg(long, env = "MOA_S3_BUCKET")]
    s3_bucket: Option<String>,
    /// S3-compatible endpoint URL; omit for AWS.
    #[arg(long, env = "MOA_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    #[arg(long, env = "MOA_S3_REGION", default_value = "us-east-1")]
    s3_region: String,
    #[arg(long, env = "MOA_S3_ACCESS_KEY_ID", hide_env_values = true)]
    s3_access_key_id: Option<String>,
    #[arg(long, env = "MOA_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    s3_secret_access_key: Option<String>,
    /// Store keys under this prefix of the bucket.
    #[arg(long, env = "MOA_S3_PREFIX")]
    s3_prefix: Option<String>,
    /// Largest photo upload in bytes.
    #[arg(long, env = "MOA_MAX_PHOTO_BYTES", default_value_t = 20 * 1024 * 1024)]
    max_photo_bytes: u64,
    /// Largest video upload in bytes.
    #[arg(long, env = "MOA_MAX_VIDEO_BYTES", default_value_t = 100 * 1024 * 1024)]
    max_video_bytes: u64,
    /// Largest photo in pixels (width x height).
    #[arg(long, env = "MOA_MAX_PHOTO_PIXELS", default_value_t = 50_000_000)]
    max_photo_pixels: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StoreArg {
    Disk,
    S3,
}

impl MediaArgs {
    fn settings(self) -> Result<MediaSettings, String> {
        let store = match self.media_store {
            StoreArg::Disk => MediaStoreConfig::Disk,
            StoreArg::S3 => {
                let need = |v: Option<String>, name: &str| {
                    v.filter(|v| !v.is_empty())
                        .ok_or_else(|| format!("--media-store s3 needs {name}"))
                };
                MediaStoreConfig::S3(S3Settings {
                    bucket: need(self.s3_bucket, "--s3-bucket (MOA_S3_BUCKET)")?,
                    endpoint: self.s3_endpoint.filter(|e| !e.is_empty()),
                    region: self.s3_region,
                    access_key_id: need(
                        self.s3_access_key_id,
                        "--s3-access-key-id (MOA_S3_ACCESS_KEY_ID)",
                    )?,
                    secret_access_key: need(
                        self.s3_secret_access_key,
                        "--s3-secret-access-key (MOA_S3_SECRET_ACCESS_KEY)",
                    )?,
                    prefix: self.s3_prefix,
                })
            }
        };
        Ok(MediaSettings {
            store,
            max_photo_bytes: self.max_photo_bytes,
            max_video_bytes: self.max_video_bytes,
            max_photo_pixels: self.max_photo_pixels,
            ..MediaSettings::default()
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Manage accounts from the command line (e.g. create the first admin).
    #[command(subcommand)]
    User(UserCommand),
    /// Copy a running server on embedded SQLite (database, media on disk,
    /// signing key) into a new directory while it keeps serving.
    Backup {
        /// The directory to write the backup into (new or empty).
        #[arg(long)]
        to: PathBuf,
        /// Where the server keeps media: a backup copies `disk` only.
        #[arg(long, env = "MOA_MEDIA_STORE", value_enum, default_value_t = StoreArg::Disk)]
        media_store: StoreArg,
    },
    /// Rebuild a data directory (given by --data-dir, new or without a
    /// database) from a backup.
    Restore {
        /// The backup's directory (what `backup --to` wrote).
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account with a role. Without --password one is generated and printed.
    Create {
        #[arg(long)]
        email: String,
        /// Handle (3-30 of a-z, 0-9, _). Default: from the email's local part.
        #[arg(long)]
        handle: Option<String>,
        /// Display name. Default: the handle.
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, value_enum, default_value_t = RoleArg::Member)]
        role: RoleArg,
        /// Password (prefer MOA_NEW_PASSWORD: flags show up in process lists).
        #[arg(long, env = "MOA_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Give an existing account a role (promote to moderator or admin, or demote).
    Promote {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Member,
    Moderator,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Member => Role::Member,
            RoleArg::Moderator => Role::Moderator,
            RoleArg::Admin => Role::Admin,
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MOA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.common.log_format);
    let result = match cli.command {
        None => serve(cli.common, cli.serve).await,
        Some(Command::User(cmd)) => user_command(cli.common, cmd).await,
        Some(Command::Backup { to, media_store }) => backup(cli.common, &to, media_store).await,
        Some(Command::Restore { from }) => restore(cli.common, &from).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("moa-server: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn backup(common: CommonArgs, to: &std::path::Path, store: StoreArg) -> Result<(), String> {
    let media = match store {
        StoreArg::Disk => MediaStoreConfig::Disk,
        StoreArg::S3 => return Err(moa_server::backup::BackupError::S3Media.to_string()),
    };
    let m =
        moa_server::backup::backup(&common.data_dir, common.database_url.as_deref(), &media, to)
            .await
            .map_err(|e| e.to_string())?;
    report(&format!(
        "backup in {}: database {} bytes, {} media files ({} bytes), signing key {}",
        to.display(),
        m.database_bytes,
        m.media_files,
        m.media_bytes,
        if m.key {
            "included"
        } else {
            "not in the data dir"
        }
    ));
    Ok(())
}

async fn restore(common: CommonArgs, from: &std::path::Path) -> Result<(), String> {
    if common.database_url.is_some() {
        return Err(moa_server::backup::BackupError::Postgres.to_string());
    }
    let m = moa_server::backup::restore(from, &common.data_dir)
        .await
        .map_err(|e| e.to_string())?;
    report(&format!(
        "restored {} into {}: the backup began at {} (UTC ms); start the server with --data-dir {}",
        from.display(),
        common.data_dir.display(),
        m.taken_at,
        common.data_dir.display()
    ));
    Ok(())
}

async fn serve(common: CommonArgs, args: ServeArgs) -> Result<(), String> {
    let (payments, fake) = args.shop.payments(args.demo).await?;
    // Kept alive while the server runs.
    let (sms, _fake_sms) = args.shop.sms(args.demo).await?;
    let mail = args.mail.settings(args.demo, &common.data_dir)?;
    let (social, _fake_naver) = args.social.settings(args.demo).await?;
    let settings = Settings {
        social,
        auto_hide_reports: args.auto_hide_reports,
        views_flush: Duration::from_secs(args.views_flush_secs.max(1)),
        recs_every: Duration::from_secs(args.recs_every_secs.max(10)),
        backup_every: (args.backup_every_secs > 0)
            .then(|| Duration::from_secs(args.backup_every_secs.max(60))),
        backup_keep: args.backup_keep.max(1),
        backup_dir: args.backup_dir,
        erase_after: Duration::from_secs(args.erase_after_secs),
        data_dir: common.data_dir,
        database_url: common.database_url,
        jwt_secret: args.jwt_secret,
        access_token_ttl: Duration::from_secs(args.access_token_ttl.max(1)),
        refresh_token_ttl: Duration::from_secs(args.refresh_token_days.max(1) * 24 * 3600),
        auth_rate_per_ip: args.auth_rate_per_ip,
        auth_rate_per_account: args.auth_rate_per_account,
        search_rate_per_ip: args.search_rate_per_ip,
        trust_forwarded_for: args.trust_forwarded_for,
        media: args.media.settings()?,
        payments,
        order_ttl: Duration::from_secs(args.shop.order_ttl.max(1)),
        job_poll: Duration::from_millis(args.shop.job_poll_ms.max(10)),
        job_lease: Duration::from_secs(args.shop.job_lease.max(1)),
        alerts: args.shop.slack_webhook_url.as_ref().map(|url| {
            let mut a = moa_server::alerts::AlertSettings::new(url.clone());
            a.per_minute = args.shop.slack_per_minute.max(1);
            a
        }),
        sms,
        mail,
        push: args.push.settings()?,
        public_url: args
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty()),
    };
    tracing::info!(settings = ?settings, "starting");
    if settings.backup_every.is_some() {
        if settings
            .database_url
            .as_deref()
            .is_some_and(|u| !u.starts_with("sqlite:"))
        {
            return Err(format!(
                "--backup-every: {}",
                moa_server::backup::BackupError::Postgres
            ));
        }
        if matches!(settings.media.store, MediaStoreConfig::S3(_)) {
            return Err(format!(
                "--backup-every: {}",
                moa_server::backup::BackupError::S3Media
            ));
        }
    }
    let state = moa_server::start(settings)
        .await
        .map_err(|e| e.to_string())?;
    if args.demo {
        let accounts = demo::seed(&state.db, &state.media_store)
            .await
            .map_err(|e| format!("demo data: {e}"))?;
        if !accounts.is_empty() {
            print_once(&demo::credentials_table(&accounts));
        }
    }
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, "listening; API docs at http://{addr}/docs");
    if let Some(fake) = &fake {
        fake.set_webhook_url(&format!("http://{addr}/v1/payments/webhook"));
        // The embedded fake starts empty: it learns the payments the
        // database holds as taken, so their refunds work after a restart.
        let store = state
            .settings
            .payments
            .as_ref()
            .map(|p| p.store_id.clone())
            .unwrap_or_default();
        let held = demo::shop::held_payments(&state.db)
            .await
            .map_err(|e| format!("payments held: {e}"))?;
        for (order, name, amount) in held {
            fake.pay(&order, &store, &name, amount, false);
        }
    }
    moa_server::serve(listener, state, moa_server::shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// What a command did, for the operator at the console.
#[allow(clippy::print_stdout)]
fn report(text: &str) {
    println!("{text}");
}

/// Secrets meant for the operator go to the console, never into the logs.
#[allow(clippy::print_stdout)]
fn print_once(text: &str) {
    println!("{text}");
}

async fn open_db(common: &CommonArgs) -> Result<Db, String> {
    let db = Db::connect(common.database_url.as_deref(), &common.data_dir)
        .await
        .map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    Ok(db)
}

async fn user_command(common: CommonArgs, cmd: UserCommand) -> Result<(), String> {
    let db = open_db(&common).await?;
    let result = match cmd {
        UserCommand::Create {
            email,
            handle,
            display_name,
            role,
            password,
        } => {
            let handle = handle.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
            let generated = password.is_none();
            let password = password.unwrap_or_else(|| util::random_password(16));
            let input = validate_signup(moa_protocol::SignupRequest {
                display_name: display_name.unwrap_or_else(|| handle.clone()),
                email,
                handle,
                password: password.clone(),
                community_id: None,
            })
            .map_err(|e| e.to_string())?;
            let ValidSignup { email, handle, .. } = input.clone();
            let user = create_account(&db, input, role.into())
                .await
                .map_err(|e| e.to_string())?;
            let mut text = format!(
                "created {} @{handle} <{email}> as {}",
                user.id,
                user.role.as_str()
            );
            if generated {
                text.push_str(&format!("\npassword (shown once): {password}"));
            }
            print_once(&text);
            Ok(())
        }
        UserCommand::Promote { email, role } => promote(&db, &email, role.into()).await,
    };
    db.close().await;
    result
}

async fn promote(db: &Db, email: &str, role: Role) -> Result<(), String> {
    let email = email.trim().to_lowercase();
    let mut conn = db.read().acquire().await.map_err(|e| e.to_string())?;
    let found = users::find_by_email(&mut conn, &email)
        .await
        .map_err(|e| e.to_string())?;
    drop(conn);
    let (user, _) = found.ok_or_else(|| format!("no account with email {email}"))?;
    let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
    users::set_role(&mut tx, &user.id, role, util::now_ms())
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    print_once(&format!(
        "@{} <{email}> is now {}",
        user.handle,
        role.as_str()
    ));
    Ok(())
}
