//! Members own their data, end to end on both engines: "download my data"
//! builds a zip with everything of the member's and nothing of anyone
//! else's (checked by reading the zip), only its member can download it,
//! in ranges, until it expires; a deleted account keeps showing as
//! "탈퇴한 회원" until its erase job, which erases the content, undoes the
//! counts it fed, deletes its photos from the store and keeps the orders
//! and points records (their notes cleared by the second job years later).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::io::Read;
use std::time::{Duration, Instant};

use moa_tests::{Api, Engine, Session, TestServer, both_engines};
use serde_json::{Value, json};

both_engines!(
    download_my_data_holds_mine_and_only_mine,
    a_deleted_account_is_erased_on_schedule,
    a_device_downloads_its_data_with_progress_and_resumes,
    a_device_deletes_its_account_and_forgets_it,
);

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn review(api: &Api, s: &Session, title: &str, photos: &[&str]) -> String {
    let id = new_id();
    let body = json!({"id": id, "kind": "story", "title": title, "body": format!("{title} 본문"),
        "tags": ["테스트"], "photos": photos});
    api.post("/v1/reviews", s.token(), body).await.expect(201);
    id
}

/// Polls an export until it leaves `queued`/`building`.
async fn wait_ready(api: &Api, s: &Session, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let e = api
            .get(&format!("/v1/me/exports/{id}"), s.token())
            .await
            .expect(200)
            .body;
        if e["state"] != "queued" && e["state"] != "building" {
            return e;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "export stuck: {e}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().unwrap().into_owned(), data);
    }
    out
}

fn json_of(files: &std::collections::BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    serde_json::from_slice(files.get(name).unwrap_or_else(|| panic!("no {name}"))).unwrap()
}

async fn download_my_data_holds_mine_and_only_mine(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let minji = api.signup("minji").await;
    let jisoo = api.signup("jisoo").await;

    // Minji's things, and Jisoo's around them.
    let photo = moa_tests::upload_photo(&api, &minji, 7).await;
    let mine = review(&api, &minji, "민지의 성수 카페 후기", &[&photo]).await;
    let theirs = review(&api, &jisoo, "지수의 숨은 맛집", &[]).await;
    api.post(
        &format!("/v1/reviews/{theirs}/comments"),
        minji.token(),
        json!({"id": new_id(), "body": "민지 댓글: 저도 가볼게요"}),
    )
    .await
    .expect(201);
    api.post(
        &format!("/v1/reviews/{mine}/comments"),
        jisoo.token(),
        json!({"id": new_id(), "body": "지수 댓글: 비밀이에요"}),
    )
    .await
    .expect(201);
    api.put(
        &format!("/v1/reviews/{theirs}/like"),
        minji.token(),
        json!({}),
    )
    .await
    .expect(200);
    api.put(
        &format!("/v1/reviews/{theirs}/scrap"),
        minji.token(),
        json!({}),
    )
    .await
    .expect(200);
    api.put(
        &format!("/v1/users/{}/follow", jisoo.user_id),
        minji.token(),
        json!({}),
    )
    .await
    .expect(200);
    let room = new_id();
    api.post(
        "/v1/rooms",
        minji.token(),
        json!({"id": room, "kind": "group", "name": "주말 모임", "members": [jisoo.user_id]}),
    )
    .await
    .expect(201);
    for (who, body) in [
        (&minji, "민지: 토요일 어때?"),
        (&jisoo, "지수: 비밀 약속 있어"),
    ] {
        api.post(
            &format!("/v1/rooms/{room}/messages"),
            who.token(),
            json!({"id": new_id(), "body": body}),
        )
        .await
        .expect(201);
    }

    // Asking: no token is 401; the export is queued and built.
    api.post("/v1/me/exports", None, json!({}))
        .await
        .expect_error(401, "missing_token");
    let asked = api
        .post("/v1/me/exports", minji.token(), json!({}))
        .await
        .expect(202)
        .body;
    let id = asked["id"].as_str().unwrap().to_owned();
    assert!(asked["state"] == "queued" || asked["state"] == "building");
    let ready = wait_ready(&api, &minji, &id).await;
    assert_eq!(ready["state"], "ready", "{ready}");
    assert_eq!(ready["done"], ready["total"]);
    assert!(ready["total"].as_u64().unwrap() >= 11);
    let size = ready["bytes"].as_u64().unwrap();
    assert!(ready["expires_at"].as_i64().unwrap() > ready["ready_at"].as_i64().unwrap());
    let listed = api.get("/v1/me/exports", minji.token()).await.expect(200);
    assert_eq!(listed.body[0]["id"], id.as_str());

    // Somebody else's export does not exist for Jisoo.
    let file = format!("/v1/me/exports/{id}/file");
    api.get(&format!("/v1/me/exports/{id}"), jisoo.token())
        .await
        .expect_error(404, "not_found");
    api.get(&file, jisoo.token())
        .await
        .expect_error(404, "not_found");
    assert!(
        api.get("/v1/me/exports", jisoo.token())
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The whole file, and the same bytes in two ranges.
    let (status, headers, whole) = api.bytes(&file, minji.token(), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/zip");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"moa-data-")
    );
    assert_eq!(whole.len() as u64, size);
    let half = size / 2;
    let (s1, _, a) = api
        .bytes(
            &file,
            minji.token(),
            &[("range", &format!("bytes=0-{}", half - 1))],
        )
        .await;
    let (s2, h2, b) = api
        .bytes(
            &file,
            minji.token(),
            &[("range", &format!("bytes={half}-"))],
        )
        .await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (206, 206));
    assert_eq!(
        h2["content-range"].to_str().unwrap(),
        format!("bytes {half}-{}/{size}", size - 1)
    );
    assert_eq!([a, b].concat(), whole);

    // What is inside.
    let files = unzip(&whole);
    for name in [
        "README.txt",
        "profile.json",
        "reviews.json",
        "comments.json",
        "likes.json",
        "scraps.json",
        "follows.json",
        "chats.json",
        "orders.json",
        "points.json",
        "requests.json",
    ] {
        assert!(
            files.contains_key(name),
            "{name} missing: {:?}",
            files.keys()
        );
    }
    assert!(String::from_utf8_lossy(&files["README.txt"]).contains("내 데이터"));
    let photo_file = files
        .iter()
        .find(|(name, _)| name.starts_with(&format!("photos/{photo}.")))
        .expect("the photo");
    assert_eq!(
        moa_media::sha256_hex(photo_file.1),
        photo,
        "the photo, byte for byte"
    );
    let profile = json_of(&files, "profile.json");
    assert_eq!(profile["email"], "minji@test.kr");
    assert_eq!(profile["handle"], "minji");
    assert!(profile["created_at_kst"].as_str().unwrap().ends_with("KST"));
    let reviews = json_of(&files, "reviews.json");
    assert_eq!(reviews.as_array().unwrap().len(), 1);
    assert_eq!(reviews[0]["title"], "민지의 성수 카페 후기");
    assert_eq!(reviews[0]["photos"], json!([photo]));
    let comments = json_of(&files, "comments.json");
    assert_eq!(comments.as_array().unwrap().len(), 1);
    assert_eq!(comments[0]["body"], "민지 댓글: 저도 가볼게요");
    assert_eq!(
        json_of(&files, "likes.json")[0]["target_id"],
        theirs.as_str()
    );
    assert_eq!(
        json_of(&files, "scraps.json")["reviews"][0]["review_id"],
        theirs.as_str()
    );
    assert_eq!(
        json_of(&files, "follows.json")["following"][0]["handle"],
        "jisoo"
    );
    let chats = json_of(&files, "chats.json");
    assert_eq!(chats[0]["name"], "주말 모임");
    assert_eq!(chats[0]["members"], json!(["minji", "jisoo"]));
    let said: Vec<&str> = chats[0]["my_messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(said, ["민지: 토요일 어때?"]);
    // Nothing of Jisoo's words, and no secret, anywhere in the zip.
    for (name, data) in &files {
        let text = String::from_utf8_lossy(data);
        for secret in ["비밀", "password", "argon2"] {
            assert!(!text.contains(secret), "{name} holds {secret:?}");
        }
    }

    // At most three a day.
    for _ in 0..2 {
        let again = api
            .post("/v1/me/exports", minji.token(), json!({}))
            .await
            .expect(202)
            .body;
        let id = again["id"].as_str().unwrap();
        wait_ready(&api, &minji, id).await;
    }
    let limited = api.post("/v1/me/exports", minji.token(), json!({})).await;
    limited.expect_error(429, "rate_limited");

    // Past its time it reads expired, cannot be downloaded, and the
    // clean-up deletes the file.
    server
        .exec(&format!(
            "UPDATE data_exports SET expires_at = 1 WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(
        api.get(&format!("/v1/me/exports/{id}"), minji.token())
            .await
            .expect(200)
            .body["state"],
        "expired"
    );
    api.get(&file, minji.token())
        .await
        .expect_error(404, "not_found");
    let key = moa_server::privacy::export::object_key(&id);
    assert!(server.state.media_store.size(&key).await.unwrap().is_some());
    let swept = moa_server::privacy::export::sweep(&server.state, moa_server::util::now_ms())
        .await
        .unwrap();
    assert_eq!(swept, 1);
    assert!(server.state.media_store.size(&key).await.unwrap().is_none());
    server.stop().await;
}

async fn scalar(server: &TestServer, sql: &str) -> i64 {
    let mut conn = server.state.db.read().acquire().await.unwrap();
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn text(server: &TestServer, sql: &str) -> String {
    let mut conn = server.state.db.read().acquire().await.unwrap();
    sqlx::query_scalar::<_, String>(sql)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Waits for the server's poller to finish every job of `kind`.
async fn wait_job_done(server: &TestServer, kind: &str) {
    let start = Instant::now();
    let sql = format!("SELECT COUNT(*) FROM jobs WHERE kind = '{kind}' AND done_at IS NULL");
    while scalar(server, &sql).await > 0 {
        assert!(start.elapsed() < Duration::from_secs(30), "{kind} not run");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn a_deleted_account_is_erased_on_schedule(engine: Engine) {
    // Erase a second after the deletion (30 days by default).
    let server = TestServer::start_with(engine, |s| s.erase_after = Duration::from_secs(1)).await;
    let api = server.api();
    let minji = api.signup("minji").await;
    let jisoo = api.signup("jisoo").await;
    let policy = api.get("/v1/me/deletion", minji.token()).await.expect(200);
    assert_eq!(
        policy.body,
        json!({"erase_after_days": 1, "keep_records_years": 5})
    );

    let photo = moa_tests::upload_photo(&api, &minji, 11).await;
    let mine = review(&api, &minji, "탈퇴할 사람의 리뷰", &[&photo]).await;
    let theirs = review(&api, &jisoo, "남는 리뷰", &[]).await;
    let comment = new_id();
    api.post(
        &format!("/v1/reviews/{theirs}/comments"),
        minji.token(),
        json!({"id": comment, "body": "지워질 댓글"}),
    )
    .await
    .expect(201);
    api.put(
        &format!("/v1/reviews/{theirs}/like"),
        minji.token(),
        json!({}),
    )
    .await
    .expect(200);
    api.put(
        &format!("/v1/reviews/{theirs}/scrap"),
        minji.token(),
        json!({}),
    )
    .await
    .expect(200);
    for (a, b) in [(&minji, &jisoo), (&jisoo, &minji)] {
        api.put(
            &format!("/v1/users/{}/follow", b.user_id),
            a.token(),
            json!({}),
        )
        .await
        .expect(200);
    }
    let room = new_id();
    api.post(
        "/v1/rooms",
        jisoo.token(),
        json!({"id": room, "kind": "group", "name": "남는 방", "members": [minji.user_id]}),
    )
    .await
    .expect(201);
    let message = new_id();
    api.post(
        &format!("/v1/rooms/{room}/messages"),
        minji.token(),
        json!({"id": message, "body": "지워질 메시지"}),
    )
    .await
    .expect(201);
    // A points record with a note, as the ledger keeps them.
    server
        .exec(&format!(
            "INSERT INTO point_entries (id, user_id, kind, amount, balance_after, cause_type, \
             cause_id, note, created_at) VALUES ('{}', '{}', 'grant', 500, 500, 'grant', 'g1', \
             '이벤트 적립', 1)",
            new_id(),
            minji.user_id
        ))
        .await;
    let export = api
        .post("/v1/me/exports", minji.token(), json!({}))
        .await
        .expect(202)
        .body;
    wait_ready(&api, &minji, export["id"].as_str().unwrap()).await;
    let liked = format!("/v1/reviews/{theirs}");
    let before = api.get(&liked, jisoo.token()).await.expect(200).body;
    assert_eq!(
        (
            before["like_count"].as_i64(),
            before["scrap_count"].as_i64()
        ),
        (Some(1), Some(1))
    );

    // Deleting: at once the profile is empty and the sessions end, the
    // content still shows under a deleted author.
    api.delete("/v1/me", minji.token(), Some(json!({"password": "wrong"})))
        .await
        .expect(422);
    api.delete(
        "/v1/me",
        minji.token(),
        Some(json!({"password": "password-minji"})),
    )
    .await
    .expect(204);
    let shown = api
        .get(&format!("/v1/reviews/{mine}"), jisoo.token())
        .await
        .expect(200);
    assert_eq!(shown.body["author"]["deleted"], true);
    assert_eq!(
        scalar(
            &server,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'account_erase' AND done_at IS NULL"
        )
        .await,
        1
    );

    // The erase job (due a second later; the poller takes it).
    wait_job_done(&server, "account_erase").await;
    api.get(&format!("/v1/reviews/{mine}"), jisoo.token())
        .await
        .expect_error(404, "not_found");
    let uid = &minji.user_id;
    assert_eq!(
        text(
            &server,
            &format!("SELECT title || body FROM reviews WHERE id = '{mine}'")
        )
        .await,
        ""
    );
    assert_eq!(
        text(
            &server,
            &format!("SELECT body FROM comments WHERE id = '{comment}'")
        )
        .await,
        ""
    );
    assert_eq!(
        text(
            &server,
            &format!("SELECT body FROM messages WHERE id = '{message}'")
        )
        .await,
        ""
    );
    let after = api.get(&liked, jisoo.token()).await.expect(200).body;
    assert_eq!(
        (
            after["like_count"].as_i64(),
            after["scrap_count"].as_i64(),
            after["comment_count"].as_i64()
        ),
        (Some(0), Some(0), Some(0))
    );
    let jisoo_profile = api
        .get(&format!("/v1/users/{}", jisoo.user_id), jisoo.token())
        .await
        .expect(200)
        .body;
    assert_eq!(jisoo_profile["counts"]["followers"], 0);
    assert_eq!(jisoo_profile["counts"]["following"], 0);
    for table in ["likes", "scraps", "data_exports", "media_owners"] {
        assert_eq!(
            scalar(
                &server,
                &format!("SELECT COUNT(*) FROM {table} WHERE user_id = '{uid}'")
            )
            .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        scalar(
            &server,
            &format!(
                "SELECT COUNT(*) FROM follows WHERE follower_id = '{uid}' OR followee_id = '{uid}'"
            )
        )
        .await,
        0
    );
    // The photo is gone from the store and the database.
    let key = moa_server::media::store::file_key(&photo);
    assert!(server.state.media_store.size(&key).await.unwrap().is_none());
    assert_eq!(
        scalar(
            &server,
            &format!("SELECT COUNT(*) FROM media WHERE id = '{photo}'")
        )
        .await,
        0
    );
    assert!(
        server
            .state
            .media_store
            .list("exports/")
            .await
            .unwrap()
            .is_empty(),
        "exports deleted"
    );
    // The points record stays, its note too, until the records job.
    assert_eq!(
        text(
            &server,
            &format!("SELECT note FROM point_entries WHERE user_id = '{uid}'")
        )
        .await,
        "이벤트 적립"
    );
    let due = scalar(
        &server,
        "SELECT due_at FROM jobs WHERE kind = 'account_erase_records'",
    )
    .await;
    assert!(due > moa_server::util::now_ms() + 5 * 365 * 86_400_000);
    server
        .exec("UPDATE jobs SET due_at = 0 WHERE kind = 'account_erase_records'")
        .await;
    wait_job_done(&server, "account_erase_records").await;
    assert_eq!(
        text(
            &server,
            &format!("SELECT note FROM point_entries WHERE user_id = '{uid}'")
        )
        .await,
        ""
    );
    server.stop().await;
}

async fn a_device_downloads_its_data_with_progress_and_resumes(engine: Engine) {
    use moa_client_core::DataExportProgress;
    let server = TestServer::start(engine).await;
    let api = server.api();
    let minji = api.signup("minji").await;
    // Two photos large enough that the zip takes several ranged requests.
    for seed in [3, 4] {
        let png = moa_tests::test_png(1000, 800, seed);
        let r = moa_tests::upload(&api, &minji, "photo", &png, 1 << 20).await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    review(&api, &minji, "기기에서 받을 리뷰", &[]).await;
    let (client, _dir) = moa_tests::open_client(&server.url("")).await;
    client
        .sign_in("minji@test.kr", "password-minji")
        .await
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let saved = client
        .export_my_data(folder.path(), |p| seen.lock().unwrap().push(p))
        .await
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(
        matches!(seen[0], DataExportProgress::Building { .. }),
        "{seen:?}"
    );
    let downloads: Vec<(u64, u64)> = seen
        .iter()
        .filter_map(|p| match p {
            DataExportProgress::Downloading { received, total } => Some((*received, *total)),
            _ => None,
        })
        .collect();
    assert!(downloads.len() >= 3, "several chunks: {downloads:?}");
    assert!(
        downloads.windows(2).all(|w| w[0].0 < w[1].0),
        "{downloads:?}"
    );
    assert_eq!(downloads.last().copied(), Some((saved.bytes, saved.bytes)));
    assert!(saved.bytes > moa_client_core::DOWNLOAD_CHUNK);
    let whole = std::fs::read(&saved.path).unwrap();
    assert_eq!(whole.len() as u64, saved.bytes);
    let name = saved.path.file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.starts_with("moa-data-") && name.ends_with(".zip"),
        "{name}"
    );
    let files = unzip(&whole);
    assert_eq!(files.keys().filter(|k| k.starts_with("photos/")).count(), 2);
    assert_eq!(
        json_of(&files, "reviews.json")[0]["title"],
        "기기에서 받을 리뷰"
    );
    assert!(
        !folder
            .path()
            .read_dir()
            .unwrap()
            .any(|e| { e.unwrap().file_name().to_string_lossy().ends_with(".part") })
    );

    // A download cut after 1,000 bytes resumes from there, into a new name.
    let partial = folder
        .path()
        .join(format!("moa-data-{}.zip.part", &saved.export_id[..8]));
    std::fs::write(&partial, &whole[..1000]).unwrap();
    let first = std::sync::Mutex::new(None);
    let again = client
        .download_data_export(&saved.export_id, folder.path(), |p| {
            first.lock().unwrap().get_or_insert(p);
        })
        .await
        .unwrap();
    assert_eq!(
        first.into_inner().unwrap(),
        Some(DataExportProgress::Downloading {
            received: 1000,
            total: saved.bytes
        })
    );
    assert_ne!(again.path, saved.path);
    assert!(again.path.to_string_lossy().ends_with(" (2).zip"));
    assert_eq!(std::fs::read(&again.path).unwrap(), whole);
    server.stop().await;
}

async fn a_device_deletes_its_account_and_forgets_it(engine: Engine) {
    let server = TestServer::start(engine).await;
    let (client, dir) = moa_tests::open_client(&server.url("")).await;
    client
        .sign_up("haeun@test.kr", "password-haeun", "haeun", "하은")
        .await
        .unwrap();
    let me = client.me().await.unwrap();
    let policy = client.deletion_policy().await.unwrap();
    assert_eq!(
        (policy.erase_after_days, policy.keep_records_years),
        (30, 5)
    );
    let db = dir
        .path()
        .join("accounts")
        .join(format!("{}.sqlite", me.id));
    assert!(db.exists());

    let wrong = client.delete_account("not-the-password").await.unwrap_err();
    assert!(
        matches!(&wrong, moa_client_core::Error::Rejected { .. }),
        "{wrong:?}"
    );
    assert!(client.me().await.is_ok(), "still signed in");

    client.delete_account("password-haeun").await.unwrap();
    assert!(client.me().await.is_err(), "signed out");
    assert!(!db.exists(), "the device forgot the account");
    server
        .api()
        .login("haeun@test.kr", "password-haeun")
        .await
        .expect(401);
    server.stop().await;
}
