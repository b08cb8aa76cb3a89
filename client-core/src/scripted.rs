//! A scripted server for unit tests: a [`Transport`] that answers from a
//! small in-memory model of the Moa server (sign-in, token refresh, push
//! with idempotent mutation ids, paged pulls of the member's bucket), logs
//! every request, and fails on cue — an answer lost after the server did
//! the work, a server that cannot be reached, an error status, a refused
//! mutation. With it the sync loop's decisions are tested without a socket
//! (the end-to-end suites in `tests/` run the real server).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use moa_protocol::sync::{
    BucketChanges, Change, Mutation, MutationResult, Outcome, PullRequest, PullResponse,
    PushRequest, PushResponse,
};
use moa_protocol::{AuthResponse, ErrorBody, ErrorCode, ErrorDetail, Me, Op, ProfileCounts, Role};
use serde::Serialize;
use serde_json::{Value, json};

use crate::api::{Answer, Request, Sending, Transport, Verb};
use crate::error::{Error, Result};

/// The member every scripted sign-in answers with.
pub const USER: &str = "u-scripted";

/// How a request goes wrong.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The server does the work, then the answer never arrives.
    Lost,
    /// The connection cannot be made: the request never left.
    Unreachable,
    /// The server answers this status and error code without doing anything.
    Status(u16, &'static str),
}

/// The model server's state; tests read and change it through
/// [`Scripted::server`].
#[derive(Debug, Default)]
pub struct Server {
    /// Every request, in order (faulted ones too).
    pub log: Vec<Request>,
    /// The answer given to each mutation id: a repeat gets the same answer
    /// and changes nothing.
    pub outcomes: HashMap<String, Outcome>,
    /// Mutations applied, in order (each id once).
    pub applied: Vec<Mutation>,
    /// Faults for the next requests whose path starts with the key.
    pub faults: VecDeque<(String, Fault)>,
    /// Mutations refused, by name: the error they are answered with.
    pub refuse: HashMap<String, ErrorDetail>,
    /// The changes of the member's bucket, in seq order.
    pub changes: Vec<Change>,
    /// Changes per pull answer.
    pub page: usize,
    /// Access tokens the server accepts, and refresh tokens not yet spent.
    pub access: Vec<String>,
    pub refresh: Vec<String>,
    issued: u32,
    versions: HashMap<String, i64>,
}

/// The transport: hand a clone to [`crate::Client::open_over`] and keep
/// one to script and inspect.
#[derive(Debug, Clone, Default)]
pub struct Scripted(Arc<Mutex<Server>>);

impl Scripted {
    pub fn new() -> Scripted {
        let scripted = Scripted::default();
        scripted.server().page = 100;
        scripted
    }

    pub fn server(&self) -> MutexGuard<'_, Server> {
        self.0.lock().unwrap()
    }

    /// The next request to a path starting with `path` meets `fault`.
    pub fn fail_next(&self, path: &str, fault: Fault) {
        self.server().faults.push_back((path.to_owned(), fault));
    }

    /// The pushes sent so far (faulted ones too), each as its mutations.
    pub fn pushes(&self) -> Vec<Vec<Mutation>> {
        self.server()
            .log
            .iter()
            .filter(|r| r.path == "/sync/push")
            .filter_map(|r| r.json::<PushRequest>())
            .map(|p| p.mutations)
            .collect()
    }

    /// The paths requested so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.server().log.iter().map(|r| r.path.clone()).collect()
    }

    fn answer(&self, request: Request) -> Result<Answer> {
        let mut server = self.server();
        server.log.push(request.clone());
        let fault = server
            .faults
            .iter()
            .position(|(path, _)| request.path.starts_with(path.as_str()))
            .and_then(|at| server.faults.remove(at))
            .map(|(_, fault)| fault);
        match fault {
            Some(Fault::Unreachable) => Err(Error::Network(crate::api::UNREACHABLE.into())),
            Some(Fault::Status(status, code)) => Ok(error(status, code, "scripted failure")),
            Some(Fault::Lost) => {
                let _ = server.handle(&request);
                Err(Error::Network("connection failed: reset by peer".into()))
            }
            None => Ok(server.handle(&request)),
        }
    }
}

impl Transport for Scripted {
    fn send(&self, request: Request) -> Sending<'_> {
        // A waiting pull with nothing to bring waits a little, as the real
        // server's long poll does, so a background loop does not spin.
        let waits = request.path == "/sync/pull"
            && request
                .json::<PullRequest>()
                .is_some_and(|p| p.wait_ms.is_some());
        let answer = self.answer(request);
        let idle = waits
            && answer.as_ref().is_ok_and(|a| {
                serde_json::from_slice::<PullResponse>(&a.body)
                    .is_ok_and(|p| p.buckets.iter().all(|b| b.changes.is_empty()))
            });
        Box::pin(async move {
            if idle {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            answer
        })
    }
}

impl Server {
    /// Ends every access token (as their expiry would).
    pub fn expire_access(&mut self) {
        self.access.clear();
    }

    /// Ends the session: no token of it works any more.
    pub fn end_session(&mut self) {
        self.access.clear();
        self.refresh.clear();
    }

    /// Adds `n` changes to the member's bucket: deletions of reviews, which
    /// any client applies whatever it holds.
    pub fn add_changes(&mut self, n: usize) {
        for _ in 0..n {
            let seq = i64::try_from(self.changes.len()).unwrap() + 1;
            self.changes.push(Change {
                seq,
                entity: moa_protocol::EntityKind::Review,
                id: format!("gone-{seq}"),
                op: moa_protocol::sync::ChangeOp::Delete,
                data: None,
            });
        }
    }

    fn handle(&mut self, request: &Request) -> Answer {
        let signed_in = request
            .token
            .as_ref()
            .is_some_and(|t| self.access.contains(t));
        match (request.verb, request.path.as_str()) {
            (Verb::Post, "/auth/login" | "/auth/signup") => ok(&self.issue()),
            (Verb::Post, "/auth/refresh") => {
                let spent = request
                    .json::<Value>()
                    .and_then(|v| v["refresh_token"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                match self.refresh.iter().position(|t| *t == spent) {
                    Some(at) => {
                        self.refresh.remove(at);
                        ok(&self.issue())
                    }
                    None => error(401, "unauthorized", "the session ended"),
                }
            }
            _ if !signed_in => error(401, "unauthorized", "sign in first"),
            (Verb::Post, "/auth/logout") => ok(&json!({})),
            (Verb::Post, "/sync/push") => match request.json::<PushRequest>() {
                Some(push) => ok(&self.push(push)),
                None => error(400, "invalid_json", "not a push"),
            },
            (Verb::Post, "/sync/pull") => match request.json::<PullRequest>() {
                Some(pull) => ok(&self.pull(&pull)),
                None => error(400, "invalid_json", "not a pull"),
            },
            _ => error(404, "not_found", "the scripted server has no such path"),
        }
    }

    fn issue(&mut self) -> AuthResponse {
        self.issued += 1;
        let (access, refresh) = (
            format!("access-{}", self.issued),
            format!("refresh-{}", self.issued),
        );
        self.access.push(access.clone());
        self.refresh.push(refresh.clone());
        let far = crate::view::now_ms() + 3_600_000;
        AuthResponse {
            access_token: access,
            access_expires_at: far,
            refresh_token: refresh,
            refresh_expires_at: far,
            user: me(),
        }
    }

    fn push(&mut self, push: PushRequest) -> PushResponse {
        let results = push
            .mutations
            .into_iter()
            .map(|m| {
                let outcome = match self.outcomes.get(&m.id) {
                    Some(outcome) => outcome.clone(),
                    None => {
                        let outcome = self.apply(&m);
                        self.outcomes.insert(m.id.clone(), outcome.clone());
                        outcome
                    }
                };
                MutationResult { id: m.id, outcome }
            })
            .collect();
        PushResponse { results }
    }

    fn apply(&mut self, m: &Mutation) -> Outcome {
        if let Some(error) = self.refuse.get(&m.name) {
            return Outcome::Rejected {
                error: error.clone(),
            };
        }
        self.applied.push(m.clone());
        // Creations and edits answer the entity's id and new version.
        let target = match m.op() {
            Ok(Op::CommentCreate(a)) => a.comment.id,
            Ok(Op::CommentEdit(a)) => Some(a.id),
            Ok(Op::ReviewEdit(a)) => Some(a.id),
            _ => None,
        };
        let result = match target {
            Some(id) => {
                let version = self.versions.entry(id.clone()).or_insert(0);
                *version += 1;
                json!({ "id": id, "version": *version })
            }
            None => json!({ "ok": true }),
        };
        Outcome::Applied { result }
    }

    fn pull(&mut self, pull: &PullRequest) -> PullResponse {
        let buckets = pull
            .buckets
            .iter()
            .map(|b| {
                let ours = b.bucket == format!("user:{USER}");
                let changes: Vec<Change> = if ours {
                    self.changes
                        .iter()
                        .filter(|c| c.seq > b.cursor)
                        .take(self.page)
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                let cursor = changes.last().map_or(b.cursor, |c| c.seq);
                let more = ours && self.changes.iter().any(|c| c.seq > cursor);
                BucketChanges {
                    bucket: b.bucket.clone(),
                    changes,
                    cursor,
                    more,
                }
            })
            .collect();
        PullResponse {
            buckets,
            windows: Vec::new(),
        }
    }
}

/// The scripted member.
pub fn me() -> Me {
    Me {
        id: USER.to_owned(),
        email: "scripted@example.com".to_owned(),
        handle: "scripted".to_owned(),
        display_name: "스크립트".to_owned(),
        bio: String::new(),
        links: Vec::new(),
        avatar_media_id: None,
        role: Role::Member,
        suspended_until: None,
        counts: ProfileCounts::default(),
        community_id: None,
        phone: None,
        sms_opt_in: false,
        phone_verified: false,
        created_at: 0,
        updated_at: 0,
    }
}

/// An error detail as the server sends it.
pub fn refusal(code: &str, message: &str) -> ErrorDetail {
    ErrorDetail {
        code: ErrorCode::from(code),
        message: message.to_owned(),
        field: None,
        current: None,
    }
}

fn ok<T: Serialize>(body: &T) -> Answer {
    Answer {
        status: 200,
        body: serde_json::to_vec(body).unwrap(),
    }
}

fn error(status: u16, code: &str, message: &str) -> Answer {
    Answer {
        status,
        body: serde_json::to_vec(&ErrorBody {
            error: refusal(code, message),
        })
        .unwrap(),
    }
}
