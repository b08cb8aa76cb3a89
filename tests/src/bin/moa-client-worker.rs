//! A client-core process for the crash test: opens a signed-in data
//! directory, queues N reviews, then syncs in a loop until killed.
//! `moa-client-worker DATA_DIR SERVER_URL N`; prints `syncing` once the
//! reviews are queued.

#![allow(clippy::print_stdout)]

use std::io::Write;

use moa_client_core::{Client, NewReview, Options, ReviewKind};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(url), Some(n)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: moa-client-worker DATA_DIR SERVER_URL N".into());
    };
    let n: usize = n.parse()?;
    let client = Client::open_with(
        &dir,
        &url,
        Options {
            background_sync: false,
            ..Options::default()
        },
    )
    .await?;
    for i in 0..n {
        client
            .create_review(NewReview {
                kind: ReviewKind::Snap,
                title: String::new(),
                body: format!("죽기 전에 쓴 글 {i}"),
                photos: vec![],
                subject: None,
                rating: None,
                tags: vec![],
                official: false,
            })
            .await?;
    }
    println!("syncing");
    std::io::stdout().flush()?;
    loop {
        let _ = client.sync().await;
    }
}
