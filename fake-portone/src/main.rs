//! `fake-portone`: runs the local PortOne stand-in on its own (the server's
//! `--demo` starts one inside itself when no provider is configured).

use std::process::ExitCode;

use clap::Parser;

/// A local PortOne V2 stand-in: checkout page, payment lookup, cancel, and
/// signed webhooks. For tests and demos; it moves no money.
#[derive(Debug, Parser)]
#[command(name = "fake-portone", version, about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: String,
    /// The API secret clients must send (`Authorization: PortOne <secret>`).
    #[arg(
        long,
        env = "FAKE_PORTONE_API_SECRET",
        default_value = "fake-api-secret"
    )]
    api_secret: String,
    /// The webhook signing secret (`whsec_<base64>`); default: a fixed test key.
    #[arg(long, env = "FAKE_PORTONE_WEBHOOK_SECRET")]
    webhook_secret: Option<String>,
    /// Where to send webhooks (e.g. http://127.0.0.1:8080/v1/payments/webhook).
    #[arg(long)]
    webhook_url: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let mut config = fake_portone::Config {
        api_secret: cli.api_secret,
        webhook_url: cli.webhook_url,
        ..fake_portone::Config::default()
    };
    if let Some(secret) = cli.webhook_secret {
        config.webhook_secret = secret;
    }
    match fake_portone::Fake::start(config, &cli.bind).await {
        Ok(fake) => {
            tracing::info!(url = fake.url(), "fake PortOne listening");
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::error!(error = %e, "cannot wait for Ctrl-C");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "fake PortOne did not start");
            ExitCode::FAILURE
        }
    }
}
