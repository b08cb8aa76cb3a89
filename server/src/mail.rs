//! Mail to members (password reset codes): over SMTP through `lettre`
//! (`smtps://` for TLS on connect, `smtp://...?tls=required` for STARTTLS,
//! plain `smtp://` on a trusted network; credentials in the URL), or into
//! a folder of `.eml` files for the demo and development, where nothing
//! leaves the machine.

use std::path::PathBuf;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where mail goes.
#[derive(Clone)]
pub enum MailSettings {
    /// An SMTP relay, e.g. `smtps://user:pass@mail.example.kr:465` (see
    /// `lettre`'s `AsyncSmtpTransport::from_url`).
    Smtp { url: String, from: String },
    /// Each message written as an `.eml` file into this folder.
    Dir { path: PathBuf, from: String },
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: it stays out of logs.
        match self {
            MailSettings::Smtp { from, .. } => f
                .debug_struct("smtp")
                .field("url", &"<configured>")
                .field("from", from)
                .finish(),
            MailSettings::Dir { path, from } => f
                .debug_struct("dir")
                .field("path", path)
                .field("from", from)
                .finish(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail settings are wrong: {0}")]
    Settings(String),
    #[error("the message cannot be built: {0}")]
    Build(String),
    #[error("the mail could not be sent: {0}")]
    Send(String),
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Dir(AsyncFileTransport<Tokio1Executor>),
}

/// Sends plain-text mail from the configured sender.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailError> {
        let (transport, from) = match settings {
            MailSettings::Smtp { url, from } => {
                crate::media::store::install_tls_provider();
                let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::Settings(format!("the SMTP URL: {e}")))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build();
                (Transport::Smtp(smtp), from)
            }
            MailSettings::Dir { path, from } => {
                std::fs::create_dir_all(path).map_err(|e| {
                    MailError::Settings(format!("cannot create {}: {e}", path.display()))
                })?;
                (Transport::Dir(AsyncFileTransport::new(path)), from)
            }
        };
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| MailError::Settings(format!("the sender address {from:?}: {e}")))?;
        Ok(Mailer { transport, from })
    }

    /// Sends `body` (plain text, UTF-8) to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|e| MailError::Build(format!("the address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
            Transport::Dir(dir) => dir
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
        }
    }
}
