//! Runs the server-side check on photos and prints one JSON-ish line each:
//! `cargo run --release -p moa-media --example inspect -- FILE... [--thumb-edge N]`.
//! `ms` is the wall time of `inspect_photo` alone (the file is read before).

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut thumb_edge = 320;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--thumb-edge" {
            match args.next().and_then(|v| v.parse().ok()) {
                Some(v) => thumb_edge = v,
                None => {
                    eprintln!("--thumb-edge needs a number");
                    return ExitCode::from(2);
                }
            }
        } else {
            files.push(arg);
        }
    }
    let mut stdout = std::io::stdout().lock();
    let mut status = ExitCode::SUCCESS;
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("{file}: {e}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        let started = Instant::now();
        let result = moa_media::inspect_photo(&bytes, 50_000_000, thumb_edge);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let line = match result {
            Ok(info) => format!(
                "{{\"file\":{file:?},\"format\":\"{}\",\"width\":{},\"height\":{},\"has_metadata\":{},\
                 \"thumb\":\"{}x{}\",\"thumb_bytes\":{},\"blurhash\":{:?},\"ms\":{ms:.2}}}",
                info.format.extension(),
                info.width,
                info.height,
                info.has_metadata,
                info.thumbnail.width,
                info.thumbnail.height,
                info.thumbnail.bytes.len(),
                info.blurhash,
            ),
            Err(e) => {
                status = ExitCode::FAILURE;
                format!(
                    "{{\"file\":{file:?},\"error\":{:?},\"ms\":{ms:.2}}}",
                    e.to_string()
                )
            }
        };
        if writeln!(stdout, "{line}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    status
}
