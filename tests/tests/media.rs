//! Media uploads and serving, end to end over real sockets, each test on disk
//! storage (SQLite) and on a real S3-compatible server (PostgreSQL):
//! chunked and resumed uploads, content addressing, refusals that leave
//! nothing behind, who may fetch what, cache headers and byte ranges.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moa_tests::{
    Api, Engine, Session, Store, TestServer, account_with_role, both_stores, test_jpeg, test_png,
    upload, upload_photo,
};
use serde_json::{Value, json};

both_stores!(
    chunked_upload_is_served_with_cache_headers,
    interrupted_upload_resumes,
    same_bytes_are_stored_once,
    bad_files_are_refused_and_leave_nothing,
    only_those_who_may_see_fetch,
    videos_are_stored_as_sent_and_served_in_ranges,
);

async fn start(engine: Engine, store: Store) -> (TestServer, Api) {
    let server = TestServer::start_store(engine, store).await;
    let api = server.api();
    (server, api)
}

async fn objects(server: &TestServer, prefix: &str) -> Vec<String> {
    server.state.media_store.list(prefix).await.unwrap()
}

async fn start_upload(api: &Api, s: &Session, bytes: &[u8], kind: &str) -> moa_tests::Reply {
    api.post(
        "/v1/media/uploads",
        s.token(),
        json!({"sha256": moa_media::sha256_hex(bytes), "size": bytes.len(), "kind": kind}),
    )
    .await
}

async fn post_review(api: &Api, s: &Session, photos: Value) -> Value {
    api.post(
        "/v1/reviews",
        s.token(),
        json!({"kind": "snap", "body": "사진 리뷰", "photos": photos}),
    )
    .await
    .expect(201)
    .body
}

async fn chunked_upload_is_served_with_cache_headers(engine: Engine, store: Store) {
    let (server, api) = start(engine, store).await;
    let s = api.signup("minji").await;
    let jpeg = test_jpeg(1200, 900, 1);
    assert!(jpeg.len() > 3 * 16 * 1024, "the photo spans several chunks");
    let r = upload(&api, &s, "photo", &jpeg, 16 * 1024)
        .await
        .expect(201);
    let id = moa_media::sha256_hex(&jpeg);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["content_type"], "image/jpeg");
    assert_eq!(r.body["width"], 1200);
    assert_eq!(r.body["height"], 900);
    assert_eq!(r.body["bytes"], jpeg.len());
    assert!(r.body["blurhash"].as_str().is_some_and(|b| b.len() >= 6));
    // The chunks are gone; the file and its thumbnail are stored.
    assert!(objects(&server, "staging").await.is_empty());
    assert_eq!(objects(&server, "media").await.len(), 2);
    assert_eq!(server.count("uploads").await, 0);

    // Until something public uses it, only its owner may fetch it, privately cached.
    let path = format!("/v1/media/{id}");
    let (status, _, _) = api.bytes(&path, None, &[]).await;
    assert_eq!(status, 404);
    let (status, headers, body) = api.bytes(&path, s.token(), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body, jpeg);
    assert_eq!(
        headers["cache-control"],
        "private, max-age=31536000, immutable"
    );
    assert_eq!(headers["etag"], format!("\"{id}\"").as_str());

    // In a review, anyone may, cached publicly and immutably.
    post_review(&api, &s, json!([id])).await;
    let (status, headers, body) = api.bytes(&path, None, &[("accept-encoding", "gzip")]).await;
    assert_eq!(status, 200);
    assert_eq!(body, jpeg);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(headers.get("content-encoding").is_none());
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, body) = api.bytes(&path, None, &[("if-none-match", &etag)]).await;
    assert_eq!(status, 304);
    assert!(body.is_empty());

    // The thumbnail is its own object: a JPEG at most 320 px on its long edge.
    let (status, headers, thumb) = api.bytes(&format!("{path}/thumbnail"), None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    let (_, dims) = moa_media::image_dimensions(&thumb).unwrap();
    assert_eq!((dims.width, dims.height), (320, 240));
    let info = api.get(&format!("{path}/info"), None).await.expect(200);
    assert_eq!(
        info.body["thumbnail_url"],
        format!("{path}/thumbnail").as_str()
    );
}

async fn interrupted_upload_resumes(engine: Engine, store: Store) {
    let (server, api) = start(engine, store).await;
    let s = api.signup("minji").await;
    let jpeg = test_jpeg(1000, 750, 2);
    let r = start_upload(&api, &s, &jpeg, "photo").await.expect(201);
    let upload_id = r.body["upload"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["upload"]["received"], 0);
    let half = jpeg.len() / 2;
    api.chunk(&upload_id, s.token(), 0, jpeg[..half].to_vec())
        .await
        .expect(200);

    // The app was killed and restarted (and so was the server): starting the
    // same file again answers the open session with what the server has.
    let server = server.restart().await;
    let api = server.api();
    let r = start_upload(&api, &s, &jpeg, "photo").await.expect(200);
    assert_eq!(r.body["upload"]["id"], upload_id.as_str());
    assert_eq!(r.body["upload"]["received"], half);
    let status = api
        .get(&format!("/v1/media/uploads/{upload_id}"), s.token())
        .await
        .expect(200);
    assert_eq!(status.body["received"], half);

    // A chunk at the wrong offset (a resend of what already arrived) is refused
    // and says where the server is.
    let r = api
        .chunk(&upload_id, s.token(), 0, jpeg[..half].to_vec())
        .await
        .expect_error(409, "upload_offset_mismatch");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&half.to_string())
    );
    // Completing too early is refused too.
    api.post(
        &format!("/v1/media/uploads/{upload_id}/complete"),
        s.token(),
        json!({}),
    )
    .await
    .expect_error(409, "upload_incomplete");
    // Another member cannot see or feed the session.
    let other = api.signup("jiwoo").await;
    api.get(&format!("/v1/media/uploads/{upload_id}"), other.token())
        .await
        .expect_error(404, "not_found");
    api.chunk(
        &upload_id,
        other.token(),
        half as u64,
        jpeg[half..].to_vec(),
    )
    .await
    .expect_error(404, "not_found");

    api.chunk(&upload_id, s.token(), half as u64, jpeg[half..].to_vec())
        .await
        .expect(200);
    let r = api
        .post(
            &format!("/v1/media/uploads/{upload_id}/complete"),
            s.token(),
            json!({}),
        )
        .await
        .expect(201);
    let (status, _, body) = api
        .bytes(
            &format!("/v1/media/{}", r.body["id"].as_str().unwrap()),
            s.token(),
            &[],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, jpeg, "resumed upload is byte-identical");
}

async fn same_bytes_are_stored_once(engine: Engine, store: Store) {
    let (server, api) = start(engine, store).await;
    let a = api.signup("minji").await;
    let b = api.signup("jiwoo").await;
    let id = upload_photo(&api, &a, 3).await;
    // The same photo from someone else: the server has it, nothing is sent.
    let jpeg = test_jpeg(64, 48, 3);
    let r = start_upload(&api, &b, &jpeg, "photo").await.expect(200);
    assert_eq!(r.body["media"]["id"], id.as_str());
    assert!(r.body.get("upload").is_none());
    // ...and they may use it in their own review.
    post_review(&api, &b, json!([id])).await;
    // Uploading it again (a retry after a lost answer) stores nothing new.
    let again = upload_photo(&api, &a, 3).await;
    assert_eq!(again, id);
    assert_eq!(server.count("media").await, 1);
    assert_eq!(server.count("media_owners").await, 2);
    assert_eq!(
        objects(&server, "media").await.len(),
        2,
        "one file, one thumbnail"
    );
    assert_eq!(server.count("uploads").await, 0);
}

/// A PNG whose header claims `w` x `h` pixels, with a tiny (invalid) body.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc_input);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `jpeg` with an EXIF segment (a camera model and a GPS position) after SOI.
fn with_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"II*\x00\x08\x00\x00\x00".to_vec();
    // One IFD0 entry: GPSInfo pointing at an (empty) GPS IFD right after.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x8825u16.to_le_bytes());
    tiff.extend_from_slice(&4u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&26u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&0u16.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut payload = b"Exif\x00\x00".to_vec();
    payload.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn bad_files_are_refused_and_leave_nothing(engine: Engine, store: Store) {
    let (server, api) = start(engine, store).await;
    let s = api.signup("minji").await;
    let jpeg = test_jpeg(800, 600, 4);
    let chunk = 1 << 20;

    // An image bomb: 100k x 100k pixels claimed by a file of a few bytes.
    let bomb = png_claiming(100_000, 100_000);
    assert!(bomb.len() < 100);
    upload(&api, &s, "photo", &bomb, chunk)
        .await
        .expect_error(422, "too_many_pixels");
    // A truncated JPEG.
    upload(&api, &s, "photo", &jpeg[..jpeg.len() * 2 / 3], chunk)
        .await
        .expect_error(422, "corrupt_media");
    // Not an image at all, whatever it claims to be.
    upload(
        &api,
        &s,
        "photo",
        "그냥 텍스트 파일입니다".repeat(20).as_bytes(),
        chunk,
    )
    .await
    .expect_error(415, "unsupported_format");
    // HEIC is recognised and refused with a clear message.
    let mut heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic".to_vec();
    heic.extend_from_slice(&[0u8; 200]);
    let r = upload(&api, &s, "photo", &heic, chunk)
        .await
        .expect_error(415, "unsupported_format");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("HEIC")
    );
    // A photo sent as a video.
    upload(&api, &s, "video", &jpeg, chunk)
        .await
        .expect_error(415, "unsupported_format");
    // Location metadata left in.
    upload(&api, &s, "photo", &with_exif(&jpeg), chunk)
        .await
        .expect_error(422, "media_has_metadata");
    // Bytes that do not hash to the announced SHA-256.
    let r = api
        .post(
            "/v1/media/uploads",
            s.token(),
            json!({"sha256": moa_media::sha256_hex(b"something else"), "size": jpeg.len(), "kind": "photo"}),
        )
        .await
        .expect(201);
    let id = r.body["upload"]["id"].as_str().unwrap().to_owned();
    api.chunk(&id, s.token(), 0, jpeg.clone()).await.expect(200);
    api.post(
        &format!("/v1/media/uploads/{id}/complete"),
        s.token(),
        json!({}),
    )
    .await
    .expect_error(422, "hash_mismatch");
    // Over the size limits, before a byte is sent.
    let sha = moa_media::sha256_hex(&jpeg);
    api.post(
        "/v1/media/uploads",
        s.token(),
        json!({"sha256": sha, "size": 21 << 20, "kind": "photo"}),
    )
    .await
    .expect_error(413, "payload_too_large");
    api.post(
        "/v1/media/uploads",
        s.token(),
        json!({"sha256": sha, "size": 101 << 20, "kind": "video"}),
    )
    .await
    .expect_error(413, "payload_too_large");
    // Bad requests.
    api.post(
        "/v1/media/uploads",
        s.token(),
        json!({"sha256": "../../etc/passwd", "size": 10, "kind": "photo"}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        "/v1/media/uploads",
        s.token(),
        json!({"sha256": sha, "size": "ten", "kind": "photo"}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        "/v1/media/uploads",
        s.token(),
        json!({"sha256": sha, "size": 10, "kind": "gif"}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        "/v1/media/uploads",
        None,
        json!({"sha256": sha, "size": 10, "kind": "photo"}),
    )
    .await
    .expect_error(401, "missing_token");
    // A chunk larger than the server takes in one request, one past the end
    // of the file, or without its offset.
    let big = test_png(1500, 1500, 5);
    assert!(big.len() > 4 << 20, "PNG of noise is large: {}", big.len());
    let r = start_upload(&api, &s, &big, "photo").await.expect(201);
    let id = r.body["upload"]["id"].as_str().unwrap().to_owned();
    api.chunk(&id, s.token(), 0, big.clone())
        .await
        .expect_error(413, "payload_too_large");
    let r = start_upload(&api, &s, &jpeg, "photo").await.expect(201);
    let small = r.body["upload"]["id"].as_str().unwrap().to_owned();
    let mut past_end = jpeg.clone();
    past_end.push(0);
    api.chunk(&small, s.token(), 0, past_end)
        .await
        .expect_error(413, "payload_too_large");
    let no_offset = api
        .http
        .patch(format!("{}/v1/media/uploads/{small}", api.base))
        .bearer_auth(&s.access)
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(no_offset.status(), 400);

    // Nothing of any of it was stored.
    assert_eq!(server.count("media").await, 0);
    assert!(objects(&server, "media").await.is_empty());
    assert!(objects(&server, "staging").await.is_empty());
    // Only the two sessions that never received a byte remain open.
    assert_eq!(server.count("uploads").await, 2);
    assert_eq!(server.count("upload_parts").await, 0);
}

async fn only_those_who_may_see_fetch(engine: Engine, store: Store) {
    let (server, api) = start(engine, store).await;
    let author = api.signup("minji").await;
    let other = api.signup("jiwoo").await;
    let moderator = account_with_role(&server, "mod", moa_protocol::Role::Moderator).await;
    let mine = upload_photo(&api, &author, 6).await;
    let theirs = upload_photo(&api, &other, 7).await;

    // Someone else's photo (by id) cannot go into my review, nor a made-up id.
    let r = api
        .post(
            "/v1/reviews",
            author.token(),
            json!({"kind": "snap", "body": "훔친 사진", "photos": [mine, theirs]}),
        )
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "photos[1]");
    api.post(
        "/v1/reviews",
        author.token(),
        json!({"kind": "snap", "body": "없는 사진", "photos": ["ab".repeat(32)]}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.patch("/v1/me", author.token(), json!({"avatar_media_id": theirs}))
        .await
        .expect_error(422, "invalid_field");
    // Unattached uploads are private to their owners (and moderators).
    let path = |id: &str| format!("/v1/media/{id}");
    assert_eq!(api.bytes(&path(&theirs), author.token(), &[]).await.0, 404);
    assert_eq!(api.bytes(&path(&theirs), other.token(), &[]).await.0, 200);
    assert_eq!(
        api.bytes(&path(&theirs), moderator.token(), &[]).await.0,
        200
    );
    assert_eq!(
        api.get(&format!("{}/info", path(&theirs)), None)
            .await
            .status,
        404
    );

    // A review makes its photo public; hiding the review makes it private again.
    let review = post_review(&api, &author, json!([mine])).await;
    let review_id = review["id"].as_str().unwrap();
    assert_eq!(api.bytes(&path(&mine), None, &[]).await.0, 200);
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        json!({"target_type": "review", "target_id": review_id, "action": "hide", "reason": "테스트"}),
    )
    .await
    .expect(200);
    assert_eq!(api.bytes(&path(&mine), None, &[]).await.0, 404);
    assert_eq!(api.bytes(&path(&mine), other.token(), &[]).await.0, 404);
    let (status, headers, _) = api.bytes(&path(&mine), author.token(), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["cache-control"],
        "private, max-age=31536000, immutable"
    );
    // An avatar is public.
    api.patch("/v1/me", other.token(), json!({"avatar_media_id": theirs}))
        .await
        .expect(200);
    assert_eq!(api.bytes(&path(&theirs), None, &[]).await.0, 200);
    // Made-up ids are simply not found.
    assert_eq!(api.bytes(&path(&"cd".repeat(32)), None, &[]).await.0, 404);
    assert_eq!(
        api.bytes("/v1/media/..%2F..%2Fetc%2Fpasswd", None, &[])
            .await
            .0,
        404
    );
}

/// An MP4-shaped file: an `ftyp` box, then `size` bytes of payload.
fn fake_mp4(size: usize) -> Vec<u8> {
    let mut v = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41".to_vec();
    v.extend_from_slice(&(size as u32 + 8).to_be_bytes());
    v.extend_from_slice(b"mdat");
    v.extend((0..size).map(|i| (i * 7 % 251) as u8));
    v
}

async fn videos_are_stored_as_sent_and_served_in_ranges(engine: Engine, store: Store) {
    let (server, api) = start(engine, store).await;
    let s = api.signup("minji").await;
    let video = fake_mp4(3 << 20);
    let r = upload(&api, &s, "video", &video, 1 << 20).await.expect(201);
    assert_eq!(r.body["content_type"], "video/mp4");
    assert!(r.body.get("thumbnail_url").is_none());
    let path = format!("/v1/media/{}", r.body["id"].as_str().unwrap());
    let (status, headers, body) = api.bytes(&path, s.token(), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body, video);
    assert_eq!(headers["accept-ranges"], "bytes");

    // Seeking: a byte range, an open-ended one, a suffix, gzip never applied.
    let (status, headers, body) = api
        .bytes(
            &path,
            s.token(),
            &[("range", "bytes=1000-1999"), ("accept-encoding", "gzip")],
        )
        .await;
    assert_eq!(status, 206);
    assert_eq!(body, &video[1000..2000]);
    assert_eq!(
        headers["content-range"],
        format!("bytes 1000-1999/{}", video.len()).as_str()
    );
    assert!(headers.get("content-encoding").is_none());
    let (status, _, body) = api.bytes(&path, s.token(), &[("range", "bytes=-10")]).await;
    assert_eq!(status, 206);
    assert_eq!(body, &video[video.len() - 10..]);
    let tail = format!("bytes={}-", video.len() - 5);
    let (_, _, body) = api
        .bytes(&path, s.token(), &[("range", tail.as_str())])
        .await;
    assert_eq!(body, &video[video.len() - 5..]);
    let beyond = format!("bytes={}-", video.len());
    let (status, headers, _) = api
        .bytes(&path, s.token(), &[("range", beyond.as_str())])
        .await;
    assert_eq!(status, 416);
    assert_eq!(
        headers["content-range"],
        format!("bytes */{}", video.len()).as_str()
    );
    assert_eq!(objects(&server, "media").await.len(), 1);
    assert!(objects(&server, "staging").await.is_empty());
}
