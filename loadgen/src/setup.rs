//! The Moa setup phase: sign up the load generator's own users through the
//! real API (`POST /v1/auth/signup`), then create one group room per room
//! of the workload (`POST /v1/rooms`). Sign-ups are argon2-hashed on the
//! server (tens of milliseconds each), so they run a few at a time.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use moa_protocol::auth::SignupRequest;
use moa_protocol::chat::{CreateRoomRequest, RoomKind};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::http::{Response, Target, post_json};

/// A signed-up user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub access_token: String,
}

/// Users and rooms of one workload shape, as kept in `--setup-file`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Setup {
    pub clients: usize,
    pub users: usize,
    pub rooms: usize,
    pub user_list: Vec<User>,
    pub room_ids: Vec<String>,
}

impl Setup {
    /// Reads `path` if it exists (checking that it fits the workload),
    /// otherwise signs up, creates the rooms and, given a path, writes it.
    pub async fn load_or_create(
        target: &Target,
        shape: (usize, usize, usize),
        members: &[Vec<usize>],
        concurrency: usize,
        path: Option<&Path>,
    ) -> Result<Setup> {
        let (clients, users, rooms) = shape;
        if let Some(path) = path.filter(|p| p.exists()) {
            let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let setup: Setup = serde_json::from_slice(&raw)
                .with_context(|| format!("reading {}", path.display()))?;
            if (setup.clients, setup.users, setup.rooms) != shape
                || setup.user_list.len() != users
                || setup.room_ids.len() != rooms
            {
                bail!(
                    "{} was made for --clients {} --users {} --rooms {}: use those or another file",
                    path.display(),
                    setup.clients,
                    setup.users,
                    setup.rooms
                );
            }
            eprintln!(
                "loadgen: reusing {users} users and {rooms} rooms from {}",
                path.display()
            );
            return Ok(setup);
        }
        eprintln!("loadgen: signing up {users} users ({concurrency} at a time)");
        let started = std::time::Instant::now();
        let user_list = sign_up(target, users, concurrency).await?;
        eprintln!(
            "loadgen: signed up {users} users in {:.1} s; creating {rooms} rooms",
            started.elapsed().as_secs_f64()
        );
        let room_ids = create_rooms(target, &user_list, members, concurrency).await?;
        let setup = Setup {
            clients,
            users,
            rooms,
            user_list,
            room_ids,
        };
        if let Some(path) = path {
            std::fs::write(path, serde_json::to_vec(&setup)?)
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("loadgen: users and rooms kept in {}", path.display());
        }
        Ok(setup)
    }
}

#[derive(Deserialize)]
struct AuthAnswer {
    access_token: String,
    user: UserId,
}

#[derive(Deserialize)]
struct UserId {
    id: String,
}

/// POSTs, waiting out `429 Too Many Requests` (the server limits sign-ups
/// per IP: start it with a high `--auth-rate-per-ip` for large runs).
async fn post_patiently(
    target: &Target,
    path: &str,
    token: Option<&str>,
    body: &[u8],
    warned: &AtomicUsize,
) -> Result<Response> {
    loop {
        let res = post_json(target, path, token, body).await?;
        if res.status != 429 {
            return Ok(res);
        }
        let wait = res.retry_after.unwrap_or(1).clamp(1, 60);
        if warned.fetch_add(1, Relaxed) == 0 {
            eprintln!(
                "loadgen: {path} is rate limited (429), waiting {wait} s and retrying; \
                 start moa-server with --auth-rate-per-ip 1000000 for load runs"
            );
        }
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
}

/// Signs up `count` fresh users, `concurrency` at a time.
pub async fn sign_up(target: &Target, count: usize, concurrency: usize) -> Result<Vec<User>> {
    // A tag per run keeps handles and emails unique across runs on one database.
    let simple = uuid::Uuid::now_v7().simple().to_string();
    let tag: String = simple.chars().rev().take(6).collect();
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let done = Arc::new(AtomicUsize::new(0));
    let warned = Arc::new(AtomicUsize::new(0));
    let step = (count / 10).max(1);
    let mut set = JoinSet::new();
    for i in 0..count {
        let (target, sem, done, warned) =
            (target.clone(), sem.clone(), done.clone(), warned.clone());
        let handle = format!("lg{tag}_{i}");
        let password = format!("loadgen-{tag}-password");
        set.spawn(async move {
            let _permit = sem.acquire_owned().await?;
            let req = SignupRequest {
                email: format!("{handle}@loadgen.example"),
                password,
                handle: handle.clone(),
                display_name: format!("Loadgen {i}"),
                community_id: None,
            };
            let body = serde_json::to_vec(&req)?;
            let res = post_patiently(&target, "/v1/auth/signup", None, &body, &warned).await?;
            if res.status != 200 && res.status != 201 {
                bail!("sign-up of {handle}: HTTP {}: {}", res.status, res.text());
            }
            let answer: AuthAnswer = serde_json::from_slice(&res.body)
                .with_context(|| format!("sign-up answer: {}", res.text()))?;
            let n = done.fetch_add(1, Relaxed) + 1;
            if n % step == 0 || n == count {
                eprintln!("loadgen: signed up {n}/{count}");
            }
            Ok::<_, anyhow::Error>((
                i,
                User {
                    id: answer.user.id,
                    access_token: answer.access_token,
                },
            ))
        });
    }
    let mut users: Vec<Option<User>> = vec![None; count];
    while let Some(joined) = set.join_next().await {
        let (i, user) = joined??;
        if let Some(slot) = users.get_mut(i) {
            *slot = Some(user);
        }
    }
    users
        .into_iter()
        .map(|u| u.context("a sign-up went missing"))
        .collect()
}

/// Creates one group room per entry of `members` (user indexes; the first
/// one creates the room and invites the others). Returns the room ids.
pub async fn create_rooms(
    target: &Target,
    users: &[User],
    members: &[Vec<usize>],
    concurrency: usize,
) -> Result<Vec<String>> {
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let warned = Arc::new(AtomicUsize::new(0));
    let mut set = JoinSet::new();
    for (r, room_members) in members.iter().enumerate() {
        let Some((&owner, others)) = room_members.split_first() else {
            bail!("room {r} has no members");
        };
        let owner = users.get(owner).context("no such user")?.clone();
        let others = others
            .iter()
            .map(|&u| users.get(u).map(|u| u.id.clone()).context("no such user"))
            .collect::<Result<Vec<_>>>()?;
        let (target, sem, warned) = (target.clone(), sem.clone(), warned.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await?;
            let id = uuid::Uuid::now_v7().to_string();
            let req = CreateRoomRequest {
                id: id.clone(),
                kind: RoomKind::Group,
                name: Some(format!("Load room {r}")),
                photo_media_id: None,
                members: others,
            };
            let body = serde_json::to_vec(&req)?;
            let token = Some(owner.access_token.as_str());
            let res = post_patiently(&target, "/v1/rooms", token, &body, &warned).await?;
            if res.status != 200 && res.status != 201 {
                bail!("creating room {r}: HTTP {}: {}", res.status, res.text());
            }
            Ok::<_, anyhow::Error>((r, id))
        });
    }
    let mut ids = vec![String::new(); members.len()];
    while let Some(joined) = set.join_next().await {
        let (r, id) = joined??;
        if let Some(slot) = ids.get_mut(r) {
            *slot = id;
        }
    }
    Ok(ids)
}
