//! Sending one queued upload: start (or resume) the session, send the
//! chunks from where the server is, complete. An interrupted upload (network,
//! the app killed) resumes from the server's offset on the next try, because
//! starting the same file again answers the open session; a file the server
//! already has is not sent at all.

use moa_protocol::{CreateUploadRequest, Media, UploadSession};

use crate::account::Account;
use crate::error::{Error, Result};
use crate::media::UploadArgs;
use crate::model::Event;

/// Bytes per chunk: small enough for steady progress and cheap resumes.
pub const CHUNK_BYTES: u64 = 256 * 1024;

/// Uploads the file of `args`; answers the stored media.
pub(crate) async fn send(account: &Account, args: &UploadArgs) -> Result<Media> {
    let path = args.path.clone();
    let bytes = tokio::fs::read(&path).await.map_err(|e| Error::Rejected {
        code: "file_missing".into(),
        message: format!("the file to upload is gone from the device ({path}): {e}"),
        field: None,
    })?;
    if bytes.len() as u64 != args.size || moa_media::sha256_hex(&bytes) != args.sha256 {
        return Err(Error::Rejected {
            code: "file_changed".into(),
            message: format!("the file to upload changed on the device ({path})"),
            field: None,
        });
    }
    let request = CreateUploadRequest {
        sha256: args.sha256.clone(),
        size: args.size,
        kind: args.kind,
    };
    let request = &request;
    let started = account
        .authed(|api, token| async move { api.start_upload(&token, request).await })
        .await?;
    if let Some(media) = started.media {
        progress(account, args, args.size);
        return Ok(media);
    }
    let mut session = started
        .upload
        .ok_or_else(|| Error::Server("the upload answer has neither media nor session".into()))?;
    let bytes = &bytes;
    while session.received < session.size {
        progress(account, args, session.received);
        let start = session.received;
        let end = (start + CHUNK_BYTES.min(session.max_chunk.max(1))).min(session.size);
        let (from, to) = (
            usize::try_from(start).unwrap_or(usize::MAX),
            usize::try_from(end).unwrap_or(usize::MAX),
        );
        let chunk = bytes
            .get(from..to)
            .ok_or_else(|| Error::Server("the server asked for bytes past the file".into()))?;
        let id = session.id.as_str();
        let sent = account
            .authed(
                |api, token| async move { api.send_chunk(&token, id, start, chunk.to_vec()).await },
            )
            .await;
        session = match sent {
            Ok(s) => s,
            // Someone (an earlier try whose answer was lost) got there first:
            // ask where the server is and go on from there.
            Err(Error::Rejected { code, .. }) if code == "upload_offset_mismatch" => {
                status(account, id).await?
            }
            Err(e) => return Err(e),
        };
    }
    let id = session.id.as_str();
    let media = account
        .authed(|api, token| async move { api.complete_upload(&token, id).await })
        .await?;
    progress(account, args, args.size);
    Ok(media)
}

async fn status(account: &Account, id: &str) -> Result<UploadSession> {
    account
        .authed(|api, token| async move { api.upload_status(&token, id).await })
        .await
}

fn progress(account: &Account, args: &UploadArgs, sent: u64) {
    account.send(Event::Uploading {
        media_id: args.sha256.clone(),
        sent,
        total: args.size,
    });
}
