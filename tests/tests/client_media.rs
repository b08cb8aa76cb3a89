//! client-core's photo pipeline against a real server: a photo compressed on
//! the device, queued with the review that uses it, uploaded first (also
//! after being offline), resumed from what the server already has, a failed
//! upload holding back the review that needs it, and others' photos
//! downloaded once. Each test runs with media on disk and in S3.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moa_client_core::{Client, Event, MediaSource, NewReview, OutboxState, ReviewKind};
use moa_tests::proxy::Proxy;
use moa_tests::{Engine, Store, TestServer, both_stores, test_png};
use serde_json::json;

both_stores!(
    photo_is_compressed_uploaded_before_its_review,
    offline_photo_review_is_delivered_once_back_online,
    interrupted_upload_continues_from_the_server,
    a_failed_upload_holds_back_its_review,
);

async fn device(url: &str, handle: &str, signup: bool) -> (Client, tempfile::TempDir) {
    let (client, dir) = moa_tests::open_client(url).await;
    let (email, password) = (format!("{handle}@test.kr"), format!("password-{handle}"));
    if signup {
        client
            .sign_up(&email, &password, handle, &format!("회원 {handle}"))
            .await
            .unwrap();
    } else {
        client.sign_in(&email, &password).await.unwrap();
    }
    (client, dir)
}

fn snap(body: &str, photos: Vec<String>) -> NewReview {
    NewReview {
        kind: ReviewKind::Snap,
        title: String::new(),
        body: body.into(),
        photos,
        subject: None,
        rating: None,
        tags: vec![],
        official: false,
    }
}

/// A 3000 x 2000 photo file (6 MP) on the device.
fn photo_file(dir: &std::path::Path, seed: u64) -> std::path::PathBuf {
    let path = dir.join(format!("IMG_{seed}.png"));
    std::fs::write(&path, test_png(3000, 2000, seed)).unwrap();
    path
}

async fn photo_is_compressed_uploaded_before_its_review(engine: Engine, store: Store) {
    let server = TestServer::start_store(engine, store).await;
    let (a, dir) = device(&server.url(""), "minji", true).await;
    let mut events = a.subscribe();
    let photo = a
        .media()
        .add_photo(MediaSource::Path(photo_file(dir.path(), 1)))
        .await
        .unwrap();
    // Compressed on the device: long edge 2048, JPEG, thumbnail and blurhash.
    assert_eq!((photo.width, photo.height), (Some(2048), Some(1365)));
    let bytes = std::fs::read(&photo.path).unwrap();
    assert_eq!(moa_media::sniff(&bytes), Some(moa_media::Format::Jpeg));
    assert_eq!(moa_media::sha256_hex(&bytes), photo.media_id);
    assert!(photo.blurhash.as_deref().is_some_and(|b| !b.is_empty()));
    let thumb = std::fs::read(photo.thumbnail_path.as_ref().unwrap()).unwrap();
    let (_, dims) = moa_media::image_dimensions(&thumb).unwrap();
    assert_eq!((dims.width, dims.height), (320, 213));

    let review_id = a
        .create_review(snap("성수동 카페", vec![photo.media_id.clone()]))
        .await
        .unwrap();
    let outbox = a.outbox().items().await.unwrap();
    assert_eq!(outbox.len(), 2, "the upload, then the review");
    a.sync().await.unwrap();
    assert!(a.outbox().items().await.unwrap().is_empty());

    // Progress went from compressing to a finished upload.
    let mut saw_compress = false;
    let mut finished = false;
    while let Ok(e) = events.try_recv() {
        match e {
            Event::Compressing { .. } => saw_compress = true,
            Event::Uploading {
                media_id,
                sent,
                total,
            } if media_id == photo.media_id => {
                assert!(sent <= total);
                finished |= sent == total;
            }
            _ => {}
        }
    }
    assert!(saw_compress && finished);

    // The server has the review with its photo, public, byte-identical.
    let api = server.api();
    let r = api
        .get(&format!("/v1/reviews/{review_id}"), None)
        .await
        .expect(200);
    assert_eq!(r.body["photos"], json!([photo.media_id]));
    let (status, _, served) = api
        .bytes(&format!("/v1/media/{}", photo.media_id), None, &[])
        .await;
    assert_eq!(status, 200);
    assert_eq!(served, bytes);

    // Another member's device fetches the thumbnail once and keeps it.
    let (b, _bdir) = device(&server.url(""), "jiwoo", true).await;
    let path = b.media().file(&photo.media_id, true).await.unwrap();
    let (_, dims) = moa_media::image_dimensions(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        (dims.width, dims.height),
        (320, 213),
        "the server's thumbnail"
    );
    let full = b.media().file(&photo.media_id, false).await.unwrap();
    assert_eq!(std::fs::read(&full).unwrap(), bytes);
    assert!(b.media().file("nonsense", false).await.is_err());
}

async fn offline_photo_review_is_delivered_once_back_online(engine: Engine, store: Store) {
    let server = TestServer::start_store(engine, store).await;
    let proxy = Proxy::start(server.addr).await;
    let (a, dir) = device(&proxy.url(), "minji", true).await;
    proxy.down();
    let photo = a
        .media()
        .add_photo(MediaSource::Path(photo_file(dir.path(), 2)))
        .await
        .unwrap();
    a.create_review(snap("오프라인에서 쓴 리뷰", vec![photo.media_id.clone()]))
        .await
        .unwrap();
    assert!(a.sync().await.is_err(), "offline");
    assert_eq!(a.outbox().items().await.unwrap().len(), 2);
    // Adding the same photo again queues no second upload.
    let again = a
        .media()
        .add_photo(MediaSource::Path(dir.path().join("IMG_2.png")))
        .await
        .unwrap();
    assert_eq!(again.upload_id, photo.upload_id);
    assert_eq!(a.outbox().items().await.unwrap().len(), 2);

    proxy.up().await;
    for item in a.outbox().items().await.unwrap() {
        a.outbox().retry(&item.id).await.unwrap();
    }
    a.sync().await.unwrap();
    assert!(a.outbox().items().await.unwrap().is_empty());
    assert_eq!(server.count("reviews").await, 1);
    assert_eq!(server.count("media").await, 1);
    assert_eq!(server.count("media_refs").await, 1);
}

async fn interrupted_upload_continues_from_the_server(engine: Engine, store: Store) {
    let server = TestServer::start_store(engine, store).await;
    let proxy = Proxy::start(server.addr).await;
    let (a, dir) = device(&proxy.url(), "minji", true).await;
    proxy.down();
    let photo = a
        .media()
        .add_photo(MediaSource::Path(photo_file(dir.path(), 3)))
        .await
        .unwrap();
    let bytes = std::fs::read(&photo.path).unwrap();
    assert!(
        bytes.len() > 200 * 1024,
        "a photo of some size: {}",
        bytes.len()
    );

    // The app was killed after sending the first 128 KiB: the server has them.
    let api = server.api();
    let (s, _) = (
        api.login("minji@test.kr", "password-minji")
            .await
            .expect(200),
        (),
    );
    let session = moa_tests::Session::from_body(&s.body);
    let r = api
        .post(
            "/v1/media/uploads",
            session.token(),
            json!({"sha256": photo.media_id, "size": bytes.len(), "kind": "photo"}),
        )
        .await
        .expect(201);
    let upload_id = r.body["upload"]["id"].as_str().unwrap().to_owned();
    api.chunk(&upload_id, session.token(), 0, bytes[..128 * 1024].to_vec())
        .await
        .expect(200);

    proxy.up().await;
    let before = proxy.bytes().0;
    a.sync().await.unwrap();
    let sent = proxy.bytes().0 - before;
    assert!(
        sent < bytes.len() as u64 - 100 * 1024,
        "only the rest was sent: {sent} of {} bytes",
        bytes.len()
    );
    let (status, _, served) = api
        .bytes(
            &format!("/v1/media/{}", photo.media_id),
            session.token(),
            &[],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(served, bytes);
    assert_eq!(server.count("uploads").await, 0);
}

async fn a_failed_upload_holds_back_its_review(engine: Engine, store: Store) {
    let server = TestServer::start_store(engine, store).await;
    let (a, dir) = device(&server.url(""), "minji", true).await;
    let photo = a
        .media()
        .add_photo(MediaSource::Path(photo_file(dir.path(), 4)))
        .await
        .unwrap();
    let review = a
        .create_review(snap("사진이 사라진 리뷰", vec![photo.media_id.clone()]))
        .await
        .unwrap();
    let liked = a
        .create_review(snap("사진 없는 리뷰", vec![]))
        .await
        .unwrap();
    // The compressed file vanished from the device (cleared by the OS).
    std::fs::remove_file(&photo.path).unwrap();
    a.sync().await.unwrap();
    let outbox = a.outbox().items().await.unwrap();
    let upload = outbox.iter().find(|i| i.id == photo.upload_id).unwrap();
    assert_eq!(upload.state, OutboxState::Failed);
    assert_eq!(upload.error.as_ref().unwrap().code, "file_missing");
    // The review that needs the photo waits; the other one went.
    assert_eq!(outbox.len(), 2);
    assert!(outbox.iter().any(|i| i.state == OutboxState::Queued));
    let api = server.api();
    api.get(&format!("/v1/reviews/{liked}"), None)
        .await
        .expect(200);
    api.get(&format!("/v1/reviews/{review}"), None)
        .await
        .expect(404);

    // Giving up on the photo lets the review go; the server refuses it,
    // naming the photo, and the outbox says why.
    a.outbox().discard(&photo.upload_id).await.unwrap();
    a.sync().await.unwrap();
    let outbox = a.outbox().items().await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].state, OutboxState::Failed);
    assert_eq!(outbox[0].error.as_ref().unwrap().code, "invalid_field");
    assert_eq!(server.count("reviews").await, 1);
}
