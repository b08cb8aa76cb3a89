//! Compresses one photo with Moa's client pipeline (`moa_media::compress`) and prints one JSON
//! line: `cargo run --release -p moa-client-core --example compress -- IN OUT [--max-edge N]
//! [--quality Q] [--webp] [--thumb THUMB_OUT]`.
//!
//! `ms` is the wall time of reading IN, compressing and writing OUT (and THUMB_OUT), without
//! process start; `stages_ms` splits the compression by [`moa_media::Stage`].

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use moa_media::{CompressOptions, OutputFormat, Stage};

const USAGE: &str =
    "usage: compress IN OUT [--max-edge N] [--quality Q] [--webp] [--thumb THUMB_OUT]";

struct Args {
    input: String,
    output: String,
    thumb: Option<String>,
    opts: CompressOptions,
}

fn parse() -> Result<Args, String> {
    let mut opts = CompressOptions::default();
    let mut thumb = None;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--max-edge" => {
                opts.max_edge = value("--max-edge")?
                    .parse()
                    .map_err(|e| format!("--max-edge: {e}"))?
            }
            "--quality" => {
                opts.quality = value("--quality")?
                    .parse()
                    .map_err(|e| format!("--quality: {e}"))?
            }
            "--webp" => opts.output = OutputFormat::Webp,
            "--thumb" => thumb = Some(value("--thumb")?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{USAGE}"));
            }
            _ => files.push(arg),
        }
    }
    match <[String; 2]>::try_from(files) {
        Ok([input, output]) => Ok(Args {
            input,
            output,
            thumb,
            opts,
        }),
        Err(_) => Err(USAGE.to_owned()),
    }
}

fn run(args: &Args) -> Result<String, String> {
    let started = Instant::now();
    let input = std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input))?;
    let read_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut stages: Vec<(Stage, f64)> = Vec::new();
    let out = moa_media::compress(&input, &args.opts, &mut |stage| {
        stages.push((stage, started.elapsed().as_secs_f64() * 1e3));
    })
    .map_err(|e| format!("{}: {e}", args.input))?;
    std::fs::write(&args.output, &out.image.bytes).map_err(|e| format!("{}: {e}", args.output))?;
    if let Some(path) = &args.thumb {
        std::fs::write(path, &out.thumbnail.bytes).map_err(|e| format!("{path}: {e}"))?;
    }
    let ms = started.elapsed().as_secs_f64() * 1e3;

    let stages_ms: serde_json::Map<String, serde_json::Value> = stages
        .windows(2)
        .map(|w| {
            (
                format!("{:?}", w[0].0).to_lowercase(),
                round(w[1].1 - w[0].1).into(),
            )
        })
        .collect();
    let line = serde_json::json!({
        "input": args.input,
        "input_bytes": input.len(),
        "output": args.output,
        "format": out.image.format.extension(),
        "width": out.image.width,
        "height": out.image.height,
        "bytes": out.image.bytes.len(),
        "thumb_width": out.thumbnail.width,
        "thumb_height": out.thumbnail.height,
        "thumb_bytes": out.thumbnail.bytes.len(),
        "blurhash": out.blurhash,
        "ms": round(ms),
        "read_ms": round(read_ms),
        "stages_ms": stages_ms,
    });
    Ok(line.to_string())
}

fn round(ms: f64) -> f64 {
    (ms * 100.0).round() / 100.0
}

fn main() -> ExitCode {
    let result = parse().and_then(|args| run(&args));
    match result {
        Ok(line) => {
            let mut stdout = std::io::stdout().lock();
            if writeln!(stdout, "{line}").is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}
