//! The sync loop's decisions and the client's write path, against the
//! scripted server (`crate::scripted`): what is sent, in which order, what
//! is kept after a lost answer, a refusal, an ended token or an outage, and
//! how pulls page. The end-to-end suites in `tests/` cover the same ground
//! against the real server; these pin the decisions one by one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use moa_protocol::sync::{LikeTarget, Mutation};
use moa_protocol::{ErrorCode, Op};

use crate::error::Error;
use crate::model::{Event, OutboxState};
use crate::scripted::{Fault, Scripted, refusal};
use crate::store::outbox::{self, Row};
use crate::{Client, Options};

struct Fixture {
    _dir: tempfile::TempDir,
    client: Client,
    server: Scripted,
}

async fn signed_in(background_sync: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let server = Scripted::new();
    let options = Options {
        background_sync,
        ..Options::default()
    };
    // Port 9 (discard) refuses at once: the realtime socket of a
    // background-syncing client fails fast and retries on its own.
    let transport = Arc::new(server.clone());
    let client = Client::open_over(dir.path(), "http://127.0.0.1:9", options, transport)
        .await
        .unwrap();
    client.sign_in("scripted@example.com", "pw").await.unwrap();
    Fixture {
        _dir: dir,
        client,
        server,
    }
}

impl Fixture {
    async fn rows(&self) -> Vec<Row> {
        let account = self.client.account().unwrap();
        account.store.read(outbox::all).await.unwrap()
    }

    /// Makes every item due now (the user's "sync now" does the same).
    async fn due_now(&self) {
        let account = self.client.account().unwrap();
        account.store.write(outbox::retry_all_now).await.unwrap();
    }

    async fn like(&self, id: &str) {
        self.client
            .set_like(LikeTarget::Review, id, true)
            .await
            .unwrap();
    }
}

fn ids(mutations: &[Mutation]) -> Vec<&str> {
    mutations.iter().map(|m| m.id.as_str()).collect()
}

#[tokio::test]
async fn offline_writes_go_out_in_one_push_in_order_and_leave_the_outbox() {
    let f = signed_in(false).await;
    for id in ["r1", "r2", "r3"] {
        f.like(id).await;
    }
    f.client.set_follow("u2", true).await.unwrap();
    let queued: Vec<String> = f.rows().await.into_iter().map(|r| r.id).collect();
    assert_eq!(queued.len(), 4);

    f.client.sync().await.unwrap();

    let pushes = f.server.pushes();
    assert_eq!(pushes.len(), 1, "one request for the whole batch");
    assert_eq!(ids(&pushes[0]), queued, "in the order written");
    assert!(matches!(pushes[0][3].op(), Ok(Op::FollowSet(_))));
    assert_eq!(f.server.server().applied.len(), 4);
    assert!(f.rows().await.is_empty(), "applied items leave the outbox");
    // A second sync has nothing to send.
    f.client.sync().await.unwrap();
    assert_eq!(f.server.pushes().len(), 1);
}

#[tokio::test]
async fn a_lost_answer_is_resent_with_the_same_id_and_applied_once() {
    let f = signed_in(false).await;
    f.like("r1").await;
    f.server.fail_next("/sync/push", Fault::Lost);

    let err = f.client.sync().await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    let rows = f.rows().await;
    assert_eq!(rows.len(), 1, "kept: the answer never came");
    assert_eq!(rows[0].state, OutboxState::Queued);
    assert!(rows[0].sent, "it left the device: the server may have it");
    assert_eq!(rows[0].attempts, 1);
    assert!(!f.client.status().online);

    f.due_now().await;
    f.client.sync().await.unwrap();
    let pushes = f.server.pushes();
    assert_eq!(pushes.len(), 2);
    assert_eq!(
        ids(&pushes[0]),
        ids(&pushes[1]),
        "the same mutation id again"
    );
    assert_eq!(f.server.server().applied.len(), 1, "applied once");
    assert!(f.rows().await.is_empty());
    assert!(f.client.status().online);
}

#[tokio::test]
async fn an_item_that_never_left_stays_unsent_and_waits_its_backoff() {
    let f = signed_in(false).await;
    f.like("r1").await;
    f.server.fail_next("/sync/push", Fault::Unreachable);
    assert!(f.client.sync().await.unwrap_err().is_transient());
    let row = &f.rows().await[0];
    assert!(
        !row.sent,
        "the request never left: still only on this device"
    );
    assert!(row.next_attempt_at > crate::view::now_ms(), "backs off");

    // Not due yet: the background path (push_due) leaves it alone.
    let account = f.client.account().unwrap();
    assert_eq!(crate::sync::push_due(&account).await.unwrap(), 0);
    assert_eq!(f.server.pushes().len(), 1);
}

#[tokio::test]
async fn an_edit_after_a_lost_creation_waits_for_it_then_carries_its_version() {
    let f = signed_in(false).await;
    let comment = f.client.comment("r1", "첫 댓글", None).await.unwrap();
    f.server.fail_next("/sync/push", Fault::Lost);
    assert!(f.client.sync().await.is_err());

    // The creation may be on the server: the edit cannot fold into it, so
    // it becomes an item of its own that waits for the creation's answer.
    f.client.edit_comment(&comment, "고친 댓글").await.unwrap();
    let rows = f.rows().await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].after.as_deref(), Some(rows[0].id.as_str()));

    f.due_now().await;
    f.client.sync().await.unwrap();
    let pushes = f.server.pushes();
    assert_eq!(
        pushes.len(),
        3,
        "lost push, the creation again, then the edit"
    );
    assert_eq!(ids(&pushes[1]), [rows[0].id.as_str()], "the edit held back");
    match pushes[2][0].op().unwrap() {
        Op::CommentEdit(edit) => {
            assert_eq!(edit.id, comment);
            assert_eq!(edit.edit.body, "고친 댓글");
            assert_eq!(edit.edit.base_version, 1, "rebased on the answered version");
        }
        other => panic!("expected the edit, got {other:?}"),
    }
    assert_eq!(f.server.server().applied.len(), 2);
    assert!(f.rows().await.is_empty());
}

#[tokio::test]
async fn a_refused_mutation_fails_alone_keeps_a_draft_and_the_rest_apply() {
    let f = signed_in(false).await;
    let comment = f.client.comment("r1", "원래 댓글", None).await.unwrap();
    f.client.sync().await.unwrap();
    let mut events = f.client.subscribe();

    f.server.server().refuse.insert(
        "comment.edit".into(),
        refusal("conflict", "edited elsewhere"),
    );
    f.client.edit_comment(&comment, "내 수정").await.unwrap();
    f.like("r1").await;
    f.client.sync().await.unwrap();

    let rows = f.rows().await;
    assert_eq!(rows.len(), 1, "the like applied and left");
    assert_eq!(rows[0].state, OutboxState::Failed);
    assert_eq!(rows[0].error_code.as_deref(), Some("conflict"));
    let mut rejected = None;
    while let Ok(event) = events.try_recv() {
        if let Event::Rejected(r) = event {
            rejected = Some(r);
        }
    }
    let rejected = rejected.expect("the UI is told");
    assert_eq!(rejected.error.code, "conflict");
    assert_eq!(rejected.mutation_id, rows[0].id);
    assert!(rejected.draft_id.is_some(), "the member's text is kept");
    let drafts = f.client.outbox().drafts().await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].body.as_deref(), Some("내 수정"));

    // A failed item does not block later ones, nor is it sent again.
    f.like("r2").await;
    f.client.sync().await.unwrap();
    let last = f.server.pushes().pop().unwrap();
    assert!(matches!(last[..], [ref m] if matches!(m.op(), Ok(Op::LikeSet(_)))));
}

#[tokio::test]
async fn a_whole_request_refused_fails_each_item_instead_of_blocking_the_queue() {
    let f = signed_in(false).await;
    f.like("r1").await;
    f.like("r2").await;
    f.server
        .fail_next("/sync/push", Fault::Status(400, "malformed_json"));
    let err = f.client.sync().await.unwrap_err();
    assert!(matches!(err, Error::Rejected { ref code, .. } if *code == ErrorCode::MalformedJson));
    let rows = f.rows().await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.state == OutboxState::Failed));

    // A server error is an outage, not a refusal: the items wait and retry.
    f.like("r3").await;
    f.server
        .fail_next("/sync/push", Fault::Status(503, "unavailable"));
    assert!(f.client.sync().await.unwrap_err().is_transient());
    let r3 = f.rows().await.pop().unwrap();
    assert_eq!(r3.state, OutboxState::Queued);
}

#[tokio::test]
async fn an_ended_access_token_is_refreshed_once_and_the_push_sent_again() {
    let f = signed_in(false).await;
    f.like("r1").await;
    f.server.server().expire_access();
    f.client.sync().await.unwrap();
    let paths = f.server.paths();
    let from_push = paths.iter().position(|p| p == "/sync/push").unwrap();
    assert_eq!(
        paths[from_push..from_push + 3],
        ["/sync/push", "/auth/refresh", "/sync/push"],
        "{paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| *p == "/auth/refresh").count(),
        1,
        "refreshed once"
    );
    assert!(f.rows().await.is_empty());
}

#[tokio::test]
async fn an_ended_session_signs_out_and_keeps_the_outbox() {
    let f = signed_in(false).await;
    f.like("r1").await;
    f.server.server().end_session();
    let err = f.client.sync().await.unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err}");
    assert!(!f.client.status().signed_in);
    let rows = f.rows().await;
    assert_eq!(rows.len(), 1, "nothing written is lost");
    assert!(!rows[0].sent, "refused at the door: never applied");
}

#[tokio::test]
async fn a_pull_follows_more_until_caught_up_and_keeps_its_cursor() {
    let f = signed_in(false).await;
    {
        let mut server = f.server.server();
        server.page = 10;
        server.add_changes(25);
    }
    f.client.sync().await.unwrap();
    let pulls = || {
        f.server
            .paths()
            .iter()
            .filter(|p| *p == "/sync/pull")
            .count()
    };
    assert_eq!(pulls(), 3, "10 + 10 + 5");
    let account = f.client.account().unwrap();
    let bucket = format!("user:{}", crate::scripted::USER);
    let (cursor, more): (i64, bool) = account
        .store
        .read(move |c| {
            Ok(c.query_row(
                "SELECT cursor, more FROM buckets WHERE bucket = ?1",
                [&bucket],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .unwrap();
    assert_eq!((cursor, more), (25, false));

    // The next sync asks from there and gets only what is new.
    f.server.server().add_changes(3);
    f.client.sync().await.unwrap();
    assert_eq!(pulls(), 4);
}

#[tokio::test]
async fn the_background_loop_reports_an_outage_and_recovers_when_kicked() {
    let f = signed_in(true).await;
    let mut status = f.client.watch_status();
    // Everything fails until the script is cleared.
    for _ in 0..50 {
        f.server.fail_next("/sync", Fault::Unreachable);
    }
    f.like("r1").await;
    // The loop may report the outage once before the like is in the outbox
    // (its first sync after sign-in fails too): wait for the report that
    // counts it.
    let offline = tokio::time::timeout(
        Duration::from_secs(10),
        status.wait_for(|s| !s.online && s.error.is_some() && s.pending > 0),
    )
    .await
    .expect("the outage is reported")
    .unwrap()
    .clone();
    assert_eq!(offline.pending, 1, "{offline:?}");

    f.server.server().faults.clear();
    f.due_now().await;
    f.client.sync_soon();
    tokio::time::timeout(
        Duration::from_secs(10),
        status.wait_for(|s| s.online && s.pending == 0 && s.error.is_none()),
    )
    .await
    .expect("back online, the outbox sent")
    .unwrap();
    assert_eq!(f.server.server().applied.len(), 1);
    f.client.sign_out().await.unwrap();
}
