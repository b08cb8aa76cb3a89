//! `moa-loadgen`: the chat load generator. Opens N real WebSocket clients
//! across R rooms against a Moa server (signing up its own users and creating
//! group rooms through the API first) or against the reference Socket.IO
//! server in `bench/socketio`, sends on an open-loop schedule for a while,
//! and prints one JSON line with throughput, send-to-delivery latency
//! percentiles and error counts. Progress goes to stderr.
//!
//! Workload: client `i` joins room `i % R` and (Moa) connects as user
//! `i % U`. Every send goes to the other connections in its room; with
//! `--users` below `--clients`, every connection of a member receives the
//! room's messages (Moa delivers to all of a member's connections except the
//! sending one), and the expected count accounts for that.

mod conn;
mod http;
mod setup;
mod stats;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use moa_protocol::limits::MAX_ROOM_MEMBERS;
use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::conn::{Protocol, Shared, Spec};
use crate::http::Target;
use crate::stats::get;

/// Chat load generator: N WebSocket clients in R rooms against Moa or Socket.IO.
///
/// Prints progress to stderr and one JSON line to stdout at the end: sent,
/// delivered, delivered_per_s, p50_ms/p99_ms/p999_ms (from the *scheduled*
/// send time to delivery, on this process's single clock, so a late send
/// counts against the server), ack latency, error counts. Moa: signs up
/// its own users and creates group rooms first (start the server with a high
/// --auth-rate-per-ip). Exits non-zero when nothing was delivered (or, idle,
/// nothing connected).
#[derive(Debug, Parser)]
#[command(name = "moa-loadgen", version)]
struct Args {
    /// Server base URL, plain HTTP (e.g. http://127.0.0.1:8080); several,
    /// comma-separated, for nodes of one cluster: client i connects to the
    /// (i mod N)-th, the setup goes to the first.
    #[arg(long, value_delimiter = ',', required = true)]
    url: Vec<String>,
    /// WebSocket connections to open.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Rooms; client i joins room i % ROOMS.
    #[arg(long, default_value_t = 10)]
    rooms: usize,
    /// Seconds of sending (or, with --rate 0, of holding the connections).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Total sends per second across all clients, open loop: sends follow the
    /// clock, spread evenly over the clients, whether or not the server keeps
    /// up. Default: one message per client per second (RATE = CLIENTS).
    /// 0: idle, connect everything and hold the connections, send nothing.
    #[arg(long)]
    rate: Option<f64>,
    /// Which server: moa (realtime socket) or socketio (bench/socketio).
    #[arg(long, value_enum, default_value_t = Protocol::Moa)]
    protocol: Protocol,
    /// Moa: users to sign up (default: one per client); connections go to
    /// users round-robin, so fewer users means several connections each.
    #[arg(long)]
    users: Option<usize>,
    /// Bytes of each message body, about (the send timestamp, then filler).
    #[arg(long, default_value_t = 64)]
    message_bytes: usize,
    /// Seconds to keep reading after the last send before counting missing deliveries.
    #[arg(long, default_value_t = 2.0)]
    drain: f64,
    /// Moa: sign-ups in flight at once (each costs the server an argon2 hash).
    #[arg(long, default_value_t = 8)]
    signup_concurrency: usize,
    /// WebSocket handshakes in flight at once.
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// Seconds one connection may take to connect (and, Moa, get `ready`).
    #[arg(long, default_value_t = 30.0)]
    connect_timeout: f64,
    /// The server's process id (same machine): report its resident memory
    /// (VmRSS) before connecting, once connected and at the end, the growth
    /// per connection, and its CPU use while sending.
    /// Several, comma-separated, for several nodes: memory and CPU summed.
    #[arg(long, value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// Moa: keep the signed-up users and rooms in this JSON file. Missing: sign
    /// up, create the rooms, write it. Present: reuse them (same --clients,
    /// --users, --rooms; the access tokens must still be valid).
    #[arg(long)]
    setup_file: Option<std::path::PathBuf>,
    /// Moa: stop after signing up and creating rooms (with --setup-file).
    #[arg(long, requires = "setup_file")]
    setup_only: bool,
}

/// The JSON result line.
#[derive(Debug, Serialize)]
struct Report {
    protocol: &'static str,
    url: String,
    clients: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    users: Option<usize>,
    rooms: usize,
    duration_s: f64,
    /// Total sends per second asked for.
    rate: f64,
    message_bytes: usize,
    connected: u64,
    connect_errors: u64,
    sent: u64,
    sent_per_s: f64,
    acked: u64,
    /// Deliveries the sends should have caused.
    expected: u64,
    delivered: u64,
    /// Delivered over the time from the first send to the last delivery
    /// (at least the duration).
    delivered_per_s: f64,
    missing: u64,
    /// Deliveries beyond the expected count (duplicates).
    extra: u64,
    p50_ms: Option<f64>,
    p90_ms: Option<f64>,
    p99_ms: Option<f64>,
    p999_ms: Option<f64>,
    max_ms: Option<f64>,
    ack_p50_ms: Option<f64>,
    ack_p99_ms: Option<f64>,
    /// How late this process sent compared to the schedule (high: the load
    /// generator itself was short of CPU).
    send_lag_p99_ms: Option<f64>,
    error_frames: u64,
    send_errors: u64,
    missing_acks: u64,
    closed: u64,
    bad_frames: u64,
    stray_acks: u64,
    resyncs: u64,
    other_frames: u64,
    /// What the other frames were, by type.
    other_frame_types: std::collections::BTreeMap<String, u64>,
    /// connect_errors + error_frames + missing_acks + closed + bad_frames +
    /// stray_acks + missing.
    errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_rss_before_kb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_rss_connected_kb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_rss_end_kb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_kb_per_connection: Option<f64>,
    /// CPU used by the server during the send window, in % of one core.
    #[serde(skip_serializing_if = "Option::is_none")]
    server_cpu_pct: Option<f64>,
    /// CPU used by this process during the send window, in % of one core.
    #[serde(skip_serializing_if = "Option::is_none")]
    loadgen_cpu_pct: Option<f64>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(report)) => {
            print_report(&report);
            let idle = report.rate == 0.0;
            if (idle && report.connected == 0) || (!idle && report.delivered == 0) {
                eprintln!("moa-loadgen: nothing was delivered");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("moa-loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

// The result line is this program's output; everything else goes to stderr.
#[allow(clippy::print_stdout)]
fn print_report(report: &Report) {
    match serde_json::to_string(report) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!("moa-loadgen: cannot print the result: {e}"),
    }
}

fn say(what: &str) {
    eprintln!("loadgen: {what}");
}

/// Runs the workload; `None` after `--setup-only`.
async fn run(args: Args) -> Result<Option<Report>> {
    let clients = args.clients;
    let rooms = args.rooms;
    if clients == 0 || rooms == 0 || rooms > clients {
        bail!("need 1 <= --rooms <= --clients");
    }
    if args.setup_only && args.protocol != Protocol::Moa {
        bail!("--setup-only is for --protocol moa");
    }
    let users = args.users.unwrap_or(clients);
    if users == 0 || users > clients {
        bail!("need 1 <= --users <= --clients");
    }
    if !(args.duration.is_finite() && args.duration > 0.0) {
        bail!("--duration must be positive");
    }
    let rate = args.rate.unwrap_or(clients as f64);
    if !(rate.is_finite() && rate >= 0.0) {
        bail!("--rate must be >= 0");
    }
    let drain = Duration::from_secs_f64(args.drain.max(0.0));
    let duration = Duration::from_secs_f64(args.duration);
    check_fd_limit(clients);
    let targets = args
        .url
        .iter()
        .map(|u| Target::parse(u))
        .collect::<Result<Vec<_>>>()?;
    let target = targets.first().context("--url is required")?.clone();
    let protocol = args.protocol;

    // Who is where: client i -> room i % R, user i % U.
    let mut conns_in_room = vec![0u64; rooms];
    let mut conns_of_user = vec![0u64; users];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); rooms];
    for i in 0..clients {
        let (r, u) = (i % rooms, i % users);
        conns_in_room[r] += 1;
        conns_of_user[u] += 1;
        if let Some(m) = members.get_mut(r)
            && !m.contains(&u)
        {
            m.push(u);
        }
    }
    let receivers: Vec<u64> = match protocol {
        // Socket.IO broadcasts to the other sockets in the room.
        Protocol::Socketio => conns_in_room.iter().map(|n| n - 1).collect(),
        // Moa: every connection of every member, except the sending one.
        Protocol::Moa => members
            .iter()
            .map(|m| m.iter().map(|&u| conns_of_user[u]).sum::<u64>() - 1)
            .collect(),
    };
    if protocol == Protocol::Moa {
        let most = members.iter().map(Vec::len).max().unwrap_or(0);
        if most > MAX_ROOM_MEMBERS {
            bail!("{most} members in a room; Moa allows {MAX_ROOM_MEMBERS}: use more --rooms");
        }
    }

    // Moa: users and rooms through the API.
    let (tokens, room_ids) = match protocol {
        Protocol::Moa => {
            let setup = setup::Setup::load_or_create(
                &target,
                (clients, users, rooms),
                &members,
                args.signup_concurrency,
                args.setup_file.as_deref(),
            )
            .await?;
            if args.setup_only {
                return Ok(None);
            }
            let tokens = setup
                .user_list
                .into_iter()
                .map(|u| Some(u.access_token))
                .collect();
            (tokens, setup.room_ids)
        }
        Protocol::Socketio => (
            vec![None; users],
            (0..rooms).map(|r| format!("room-{r}")).collect(),
        ),
    };

    let interval = (rate > 0.0).then(|| Duration::from_secs_f64(clients as f64 / rate));
    let filler: String = "lorem ipsum dolor sit amet "
        .chars()
        .cycle()
        .take(args.message_bytes.saturating_sub(12))
        .collect();
    let shared = Arc::new(Shared::new(
        protocol,
        targets,
        duration,
        drain,
        interval,
        filler,
        args.connect_concurrency,
        Duration::from_secs_f64(args.connect_timeout.max(0.1)),
    ));
    let pids = &args.server_pid;
    let rss_before = rss_kb(pids);

    say(&format!("connecting {clients} clients"));
    let (start_tx, start_rx) = watch::channel(None);
    let mut handles = Vec::with_capacity(clients);
    for i in 0..clients {
        let r = i % rooms;
        let spec = Spec {
            index: i,
            room: room_ids.get(r).cloned().context("room missing")?,
            token: tokens.get(i % users).cloned().flatten(),
            receivers: receivers.get(r).copied().unwrap_or(0),
            phase: if rate > 0.0 {
                Duration::from_secs_f64(i as f64 / rate)
            } else {
                Duration::ZERO
            },
        };
        handles.push(tokio::spawn(conn::run(
            spec,
            shared.clone(),
            start_rx.clone(),
        )));
    }
    drop(start_rx);
    let c = &shared.counters;
    let connecting = Instant::now();
    let mut last_print = Instant::now();
    loop {
        let (ok, failed) = (get(&c.connected), get(&c.connect_errors));
        if ok + failed >= clients as u64 {
            say(&format!(
                "connected {ok}/{clients} in {:.1} s ({failed} failed)",
                connecting.elapsed().as_secs_f64()
            ));
            break;
        }
        if last_print.elapsed() >= Duration::from_secs(1) {
            say(&format!("connecting: {ok}/{clients} ({failed} failed)"));
            last_print = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rss_connected = if pids.is_empty() {
        None
    } else {
        tokio::time::sleep(Duration::from_secs(1)).await; // let the server settle
        rss_kb(pids)
    };

    let t0 = Instant::now() + Duration::from_millis(100);
    start_tx.send_replace(Some(t0));
    tokio::time::sleep_until(t0).await;
    let cpu_start = (server_cpu_ticks(pids), cpu_ticks(None));
    if rate > 0.0 {
        say(&format!(
            "sending {rate} msgs/s for {} s",
            duration.as_secs_f64()
        ));
    } else {
        say(&format!(
            "holding {} idle connections for {} s",
            get(&c.connected),
            duration.as_secs_f64()
        ));
    }
    let send_end = t0 + duration;
    let step = Duration::from_secs(if duration > Duration::from_secs(60) {
        10
    } else {
        2
    });
    let mut next_print = t0 + step;
    while next_print < send_end {
        tokio::time::sleep_until(next_print).await;
        say(&format!(
            "{:.0} s: sent {}, delivered {}, errors {}",
            (next_print - t0).as_secs_f64(),
            get(&c.sent),
            get(&c.delivered),
            get(&c.connect_errors) + get(&c.error_frames) + get(&c.closed) + get(&c.bad_frames)
        ));
        next_print += step;
    }
    tokio::time::sleep_until(send_end).await;
    let cpu_end = (server_cpu_ticks(pids), cpu_ticks(None));
    if rate > 0.0 {
        say(&format!("draining for {} s", drain.as_secs_f64()));
    }
    let deadline = send_end + drain + Duration::from_secs(10);
    let mut panicked = 0u64;
    for h in handles {
        let abort = h.abort_handle();
        match tokio::time::timeout_at(deadline, h).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => panicked += 1,
            Err(_) => abort.abort(),
        }
    }
    let rss_end = rss_kb(pids);

    // Tally.
    let sent = get(&c.sent);
    let delivered = get(&c.delivered);
    let expected = get(&c.expected);
    let acked = get(&c.acked);
    let send_errors = get(&c.send_errors);
    let missing = expected.saturating_sub(delivered);
    let missing_acks = sent.saturating_sub(acked + send_errors);
    let closed = get(&c.closed) + panicked;
    let last_us = get(&c.last_delivery_us);
    let t0_us = u64::try_from(t0.saturating_duration_since(shared.epoch).as_micros()).unwrap_or(0);
    let window = (last_us.saturating_sub(t0_us) as f64 / 1e6).max(duration.as_secs_f64());
    let connected = get(&c.connected);
    let errors = get(&c.connect_errors)
        + get(&c.error_frames)
        + missing_acks
        + closed
        + get(&c.bad_frames)
        + get(&c.stray_acks)
        + missing;
    let per_conn = match (rss_before, rss_connected) {
        (Some(b), Some(a)) if connected > 0 => {
            Some(((a as f64 - b as f64) / connected as f64 * 100.0).round() / 100.0)
        }
        _ => None,
    };
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    let cpu_pct = |a: Option<u64>, b: Option<u64>| {
        let ticks = b?.checked_sub(a?)?;
        Some(round2(
            ticks as f64 / CLOCK_TICKS / duration.as_secs_f64() * 100.0,
        ))
    };
    Ok(Some(Report {
        protocol: protocol.as_str(),
        url: args.url.join(","),
        clients,
        users: (protocol == Protocol::Moa).then_some(users),
        rooms,
        duration_s: duration.as_secs_f64(),
        rate,
        message_bytes: args.message_bytes,
        connected,
        connect_errors: get(&c.connect_errors),
        sent,
        sent_per_s: round2(sent as f64 / duration.as_secs_f64()),
        acked,
        expected,
        delivered,
        delivered_per_s: round2(delivered as f64 / window),
        missing,
        extra: delivered.saturating_sub(expected),
        p50_ms: shared.latency.quantile_ms(0.5),
        p90_ms: shared.latency.quantile_ms(0.9),
        p99_ms: shared.latency.quantile_ms(0.99),
        p999_ms: shared.latency.quantile_ms(0.999),
        max_ms: shared.latency.max_ms(),
        ack_p50_ms: shared.ack_latency.quantile_ms(0.5),
        ack_p99_ms: shared.ack_latency.quantile_ms(0.99),
        send_lag_p99_ms: shared.send_lag.quantile_ms(0.99),
        error_frames: get(&c.error_frames),
        send_errors,
        missing_acks,
        closed,
        bad_frames: get(&c.bad_frames),
        stray_acks: get(&c.stray_acks),
        resyncs: get(&c.resyncs),
        other_frames: get(&c.other_frames),
        errors,
        server_rss_before_kb: rss_before,
        server_rss_connected_kb: rss_connected,
        server_rss_end_kb: rss_end,
        server_kb_per_connection: per_conn,
        server_cpu_pct: cpu_pct(cpu_start.0, cpu_end.0),
        loadgen_cpu_pct: cpu_pct(cpu_start.1, cpu_end.1),
        other_frame_types: shared
            .other_kinds
            .lock()
            .map(|k| k.clone())
            .unwrap_or_default(),
    }))
}

/// Linux's USER_HZ, the unit of /proc/PID/stat times (100 on every
/// mainstream architecture; reading it needs sysconf, i.e. unsafe code).
const CLOCK_TICKS: f64 = 100.0;

/// User + system CPU time of a process (this one for `None`), in clock ticks.
fn cpu_ticks(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may hold spaces): state is field 3,
    // utime 14 and stime 15.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Resident memory of a process, from /proc/PID/status (Linux).
/// The processes' resident memory together (none: `None`).
fn rss_kb(pids: &[u32]) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter()
        .map(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum()
}

/// The server processes' CPU ticks together (none: `None`).
fn server_cpu_ticks(pids: &[u32]) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&pid| cpu_ticks(Some(pid))).sum()
}

/// Warns when the open-file limit is too low for the connections (raise it
/// with `ulimit -n` before starting; scripts/bench-chat does).
fn check_fd_limit(clients: usize) {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<u64>().ok()
        });
    if let Some(soft) = soft
        && soft < clients as u64 + 64
    {
        say(&format!(
            "warning: the open-file limit is {soft}, too low for {clients} connections \
             (run `ulimit -n $(ulimit -Hn)` first)"
        ));
    }
}
