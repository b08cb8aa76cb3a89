//! Upgrades without downtime (README "Upgrading"), enforced:
//!
//! - **The schema rule.** During a rolling upgrade two server versions run
//!   on one PostgreSQL, so a migration may only *expand* what the previous
//!   version uses (add tables, nullable or defaulted columns, indexes,
//!   backfills); *contracting* (dropping or renaming a table or column,
//!   changing a type, a new NOT NULL, a new constraint or unique index on
//!   an existing table) waits for the next release, once nothing running
//!   reads it, and says so in a `-- contract:` line naming what the
//!   previous release stopped using. The test reads every PostgreSQL
//!   migration and fails on a contracting statement without that line.
//!   (SQLite serves one node, upgraded by a restart: its table rebuilds
//!   are the only way SQLite changes a constraint, and are fine.)
//! - **Old apps keep syncing.** Each release records its client going
//!   through the app's flows (`tests/data/old-clients/<release>.json`,
//!   recorded with `MOA_RECORD_CLIENT=<file> cargo test -p moa-tests --test
//!   upgrade -- --ignored`); every later release replays every recording
//!   against itself on both engines and checks each request gets the status
//!   it got then and an answer with every field the old app read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::{Path, PathBuf};
use std::sync::Arc;

use moa_client_core::{Client, FeedTab, LikeTarget, NewReview, Options, ReviewKind};
use moa_tests::recorded::{Exchange, Recorder, replay};
use moa_tests::{Engine, TestServer, both_engines};

both_engines!(recorded_old_clients_keep_working);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Migrations that contracted before the rule existed, with why they were
/// safe then (each ran while one version served).
const GRANDFATHERED: &[(&str, &str)] = &[
    (
        "0009_search_words.sql",
        "search_docs rebuilt (kind-partitioned key) in the release that introduced search",
    ),
    (
        "0015_requests.sql",
        "reports' target check widened to requests, before several nodes were offered",
    ),
];

/// Statements that take away from what the previous version uses.
fn contracting(statement: &str, created_here: &[String]) -> Option<&'static str> {
    let s = statement.to_ascii_lowercase();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let on_new_table = |after: &str| {
        s.split(after)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric() && c != '_'))
            .is_some_and(|t| created_here.iter().any(|c| c == t))
    };
    if s.starts_with("drop table") {
        let table = s
            .trim_start_matches("drop table if exists")
            .trim_start_matches("drop table");
        let table = table.trim().trim_end_matches(';');
        return (!created_here.iter().any(|c| c == table)).then_some("drops a table");
    }
    if s.contains(" drop column ") {
        return Some("drops a column");
    }
    if s.contains(" rename ") {
        return Some("renames a table or column");
    }
    if s.contains(" alter column ") && (s.contains(" type ") || s.contains(" set not null")) {
        return Some("changes a column's type or makes it NOT NULL");
    }
    if s.contains(" add column ") && s.contains(" not null") && !s.contains(" default ") {
        return Some("adds a NOT NULL column without a default");
    }
    if s.contains(" add constraint ") && !on_new_table("alter table ") {
        return Some("adds a constraint the previous version may break");
    }
    if s.starts_with("create unique index") && !on_new_table(" on ") {
        return Some("adds a unique index to an existing table");
    }
    None
}

/// The statements of a migration, comments taken out.
fn statements(sql: &str) -> Vec<String> {
    let text: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    text.split(';')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn created_tables(statements: &[String]) -> Vec<String> {
    statements
        .iter()
        .filter_map(|s| {
            let l = s.to_ascii_lowercase();
            let rest = l
                .strip_prefix("create table if not exists ")
                .or_else(|| l.strip_prefix("create table "))?;
            Some(
                rest.split(|c: char| c.is_whitespace() || c == '(')
                    .next()?
                    .to_owned(),
            )
        })
        .collect()
}

/// Every problem the rule finds in one migration file.
fn check_migration(name: &str, sql: &str) -> Vec<String> {
    if sql
        .lines()
        .any(|l| l.trim_start().starts_with("-- contract:"))
        || GRANDFATHERED.iter().any(|(g, _)| *g == name)
    {
        return Vec::new();
    }
    let all = statements(sql);
    let created = created_tables(&all);
    all.iter()
        .filter_map(|s| {
            contracting(s, &created).map(|why| {
                format!(
                    "{name}: `{}` {why}; contract in the next release, with a `-- contract:` line",
                    s.lines().next().unwrap_or("")
                )
            })
        })
        .collect()
}

#[test]
fn postgres_migrations_only_expand() {
    let dir = repo().join("migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 22, "migrations found: {files:?}");
    let mut problems = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        problems.extend(check_migration(&name, &std::fs::read_to_string(f).unwrap()));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_rule_catches_each_kind_of_contraction() {
    let bad = [
        "ALTER TABLE users DROP COLUMN bio;",
        "ALTER TABLE users RENAME COLUMN bio TO about;",
        "ALTER TABLE users RENAME TO members;",
        "DROP TABLE follows;",
        "ALTER TABLE users ALTER COLUMN bio TYPE BIGINT;",
        "ALTER TABLE users ALTER COLUMN phone SET NOT NULL;",
        "ALTER TABLE users ADD COLUMN nickname TEXT NOT NULL;",
        "ALTER TABLE orders ADD CONSTRAINT positive CHECK (quantity > 0);",
        "CREATE UNIQUE INDEX users_phone ON users (phone);",
    ];
    for sql in bad {
        assert_eq!(check_migration("9999_x.sql", sql).len(), 1, "{sql}");
        let marked = format!("-- contract: the previous release stopped using it\n{sql}");
        assert!(check_migration("9999_x.sql", &marked).is_empty(), "{sql}");
    }
    let good = "CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL);\n\
        CREATE UNIQUE INDEX t_n ON t (n);\n\
        ALTER TABLE t ADD CONSTRAINT n_positive CHECK (n > 0);\n\
        ALTER TABLE users ADD COLUMN nickname TEXT NOT NULL DEFAULT ''; -- drop table x\n\
        ALTER TABLE users ADD COLUMN age BIGINT;\n\
        CREATE INDEX users_age ON users (age);\n\
        DROP TABLE t;";
    assert!(check_migration("9999_y.sql", good).is_empty());
}

fn recordings() -> Vec<(String, Vec<Exchange>)> {
    let dir = repo().join("tests/data/old-clients");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let exchanges = serde_json::from_slice(&std::fs::read(&f).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, exchanges)
        })
        .collect()
}

async fn recorded_old_clients_keep_working(engine: Engine) {
    let recorded = recordings();
    assert!(
        !recorded.is_empty(),
        "no recording in tests/data/old-clients"
    );
    for (name, exchanges) in recorded {
        assert!(
            exchanges.len() >= 30,
            "{name}: only {} requests",
            exchanges.len()
        );
        let server = TestServer::start(engine).await;
        let problems = replay(&server.url(""), &exchanges).await;
        assert!(
            problems.is_empty(),
            "{name} against this server:\n{}",
            problems.join("\n")
        );
        server.stop().await;
    }
}

fn snap(body: &str, photos: Vec<String>) -> NewReview {
    NewReview {
        kind: ReviewKind::Snap,
        title: String::new(),
        body: body.to_owned(),
        photos,
        subject: None,
        rating: Some(5),
        tags: vec!["카페".to_owned()],
        official: false,
    }
}

/// Records this release's client: `MOA_RECORD_CLIENT=tests/data/old-clients/<release>.json`.
#[tokio::test]
#[ignore = "records a new client; run once per release"]
async fn record_this_release_client() {
    let Ok(out) = std::env::var("MOA_RECORD_CLIENT") else {
        panic!("set MOA_RECORD_CLIENT to the file to write");
    };
    let server = TestServer::start(Engine::Sqlite).await;
    let url = server.url("");
    let recorder = Recorder::new(&url);
    let options = Options {
        background_sync: false,
        ..Options::default()
    };
    let open = |dir: PathBuf| {
        let transport: Arc<dyn moa_client_core::transport::Transport> = recorder.clone();
        Client::open_over(dir, &url, options.clone(), transport)
    };
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let minji = open(da.path().to_owned()).await.unwrap();
    let jisoo = open(db.path().to_owned()).await.unwrap();
    minji
        .sign_up("minji@old.kr", "password-minji", "minji", "민지")
        .await
        .unwrap();
    jisoo
        .sign_up("jisoo@old.kr", "password-jisoo", "jisoo", "지수")
        .await
        .unwrap();
    let photo = tempfile::tempdir().unwrap();
    let path = photo.path().join("latte.jpg");
    std::fs::write(&path, moa_tests::test_jpeg(320, 240, 5)).unwrap();
    let prepared = minji
        .media()
        .add_photo(moa_client_core::MediaSource::Path(path))
        .await
        .unwrap();
    let review = minji
        .create_review(snap("성수 라떼 맛집 후기", vec![prepared.media_id.clone()]))
        .await
        .unwrap();
    minji.sync().await.unwrap();
    jisoo.sync().await.unwrap();
    jisoo.feed(FeedTab::Latest).await.unwrap();
    jisoo.review(&review).await.unwrap();
    jisoo
        .set_like(LikeTarget::Review, &review, true)
        .await
        .unwrap();
    jisoo.set_scrap(&review, true).await.unwrap();
    jisoo
        .comment(&review, "저도 가봤어요!", None)
        .await
        .unwrap();
    let me = minji.me().await.unwrap();
    jisoo.set_follow(&me.id, true).await.unwrap();
    jisoo.sync().await.unwrap();
    minji.sync().await.unwrap();
    minji.notifications().await.unwrap();
    minji.profile(&me.id).await.unwrap();
    jisoo.profile(&me.id).await.unwrap();
    minji
        .search()
        .query("라떼", moa_client_core::protocol::SearchType::All, None)
        .await
        .unwrap();
    jisoo.similar_reviews(&review).await.unwrap();
    jisoo.notification_settings().await.unwrap();
    minji.feed(FeedTab::Popular).await.unwrap();
    minji.feed_more(FeedTab::Latest, None).await.unwrap();
    minji.sign_in_methods().await.unwrap();
    let settings = minji.notification_settings().await.unwrap();
    minji.set_notification_settings(settings).await.unwrap();
    minji.shop().communities("").await.unwrap();
    minji.shop().campaigns().await.unwrap();
    minji.shop().orders().await.unwrap();
    jisoo.feed_more(FeedTab::Following, None).await.unwrap();
    jisoo.feed_more(FeedTab::Popular, None).await.unwrap();
    let _ = minji.requests().mine().await;
    minji.deletion_policy().await.unwrap();
    minji.data_exports().await.unwrap();
    jisoo
        .set_like(LikeTarget::Review, &review, false)
        .await
        .unwrap();
    jisoo.set_follow(&me.id, false).await.unwrap();
    jisoo.sync().await.unwrap();
    jisoo.sign_out().await.unwrap();
    jisoo
        .sign_in("jisoo@old.kr", "password-jisoo")
        .await
        .unwrap();
    jisoo.sync().await.unwrap();

    let exchanges = recorder.exchanges();
    std::fs::write(&out, serde_json::to_vec_pretty(&exchanges).unwrap()).unwrap();
    println!("recorded {} requests into {out}", exchanges.len());
    server.stop().await;
}
