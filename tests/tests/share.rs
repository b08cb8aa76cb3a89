//! Share links end to end over HTTP, on both engines: `/r/{id}`, `/p/{id}`
//! and `/c/{id}` answer a page with Open Graph tags (title, description,
//! the first photo's thumbnail — which a messenger can fetch without
//! signing in — and the link itself, from `--public-url` or the request's
//! Host) and a button opening `moa://…`; text from members is escaped;
//! hidden, deleted, unknown and malformed ids answer 404 with no preview.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_protocol::Role;
use moa_tests::shop::shop_configured;
use moa_tests::{Engine, TestServer, account_with_role, both_engines, upload_photo};
use serde_json::json;

both_engines!(
    a_review_page_previews_and_opens_the_app,
    hidden_deleted_and_unknown_content_has_no_preview,
    places_and_group_buys_have_pages_too,
);

/// The page at `path` with a `Host` header: status and text.
async fn page(server: &TestServer, path: &str, host: &str) -> (u16, String, String) {
    let (status, headers, body) = server.api().bytes(path, None, &[("host", host)]).await;
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status.as_u16(),
        content_type,
        String::from_utf8(body).unwrap(),
    )
}

/// The `content` of `<meta property="{property}" …>`, unescaped of `&amp;`.
fn og(html: &str, property: &str) -> Option<String> {
    let tag = format!("<meta property=\"{property}\" content=\"");
    let start = html.find(&tag)? + tag.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&"))
}

async fn a_review_page_previews_and_opens_the_app(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let mina = api.signup("mina").await;
    let photo = upload_photo(&api, &mina, 7).await;
    let review = api
        .post(
            "/v1/reviews",
            mina.token(),
            json!({"kind": "story", "title": "성수 <b>소금빵</b> & \"최고\"",
                   "body": "겉은 바삭, 속은 촉촉.\n<script>alert(1)</script> 또 갈래요!",
                   "photos": [photo], "rating": 5}),
        )
        .await
        .expect(201)
        .body;
    let id = review["id"].as_str().unwrap();

    let (status, content_type, html) = page(&server, &format!("/r/{id}"), "moa.example:8080").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert_eq!(
        og(&html, "og:title").as_deref(),
        Some("성수 &lt;b&gt;소금빵&lt;/b&gt; & &quot;최고&quot;")
    );
    let description = og(&html, "og:description").unwrap();
    assert!(
        description.starts_with("겉은 바삭, 속은 촉촉."),
        "{description}"
    );
    assert!(
        !html.contains("<script>alert"),
        "member text must be escaped"
    );
    assert!(!html.contains("<b>소금빵"), "member text must be escaped");
    assert_eq!(
        og(&html, "og:url").as_deref(),
        Some(format!("http://moa.example:8080/r/{id}").as_str())
    );
    let image = og(&html, "og:image").unwrap();
    assert_eq!(
        image,
        format!("http://moa.example:8080/v1/media/{photo}/thumbnail")
    );
    assert!(
        html.contains(&format!("href=\"moa://review/{id}\"")),
        "{html}"
    );
    assert!(html.contains("mina"), "the author is named");
    // What a messenger's crawler fetches: the thumbnail, signed out.
    let (status, headers, bytes) = api
        .bytes(&format!("/v1/media/{photo}/thumbnail"), None, &[])
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert!(bytes.starts_with(&[0xFF, 0xD8]));

    // A snap without a title is previewed by its first line; a forged Host
    // cannot inject markup.
    let snap = api
        .post(
            "/v1/reviews",
            mina.token(),
            json!({"kind": "snap", "body": "붕어빵 맛집 발견\n두 번째 줄"}),
        )
        .await
        .expect(201)
        .body;
    let sid = snap["id"].as_str().unwrap();
    let (status, _, html) = page(&server, &format!("/r/{sid}"), "evil\"><script>").await;
    assert_eq!(status, 200);
    assert_eq!(og(&html, "og:title").as_deref(), Some("붕어빵 맛집 발견"));
    assert!(og(&html, "og:image").is_none(), "no photo, no image");
    assert!(!html.contains("<script>"));
    assert_eq!(
        og(&html, "og:url").as_deref(),
        Some(format!("/r/{sid}").as_str())
    );

    // With --public-url the links use it, whatever the Host.
    let server = server
        .restart_with(|s| s.public_url = Some("https://moa.example".into()))
        .await;
    let (_, _, html) = page(&server, &format!("/r/{id}"), "127.0.0.1").await;
    assert_eq!(
        og(&html, "og:url").as_deref(),
        Some(format!("https://moa.example/r/{id}").as_str())
    );
}

async fn hidden_deleted_and_unknown_content_has_no_preview(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let mina = api.signup("mina").await;
    let moderator = account_with_role(&server, "modi", Role::Moderator).await;
    let post = |body: &'static str| {
        let api = api.clone();
        let token = mina.access.clone();
        async move {
            api.post(
                "/v1/reviews",
                Some(&token),
                json!({"kind": "snap", "body": body}),
            )
            .await
            .expect(201)
            .body["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let hidden = post("숨겨질 글").await;
    let deleted = post("지워질 글").await;
    api.post(
        "/v1/admin/moderation",
        moderator.token(),
        json!({"target_type": "review", "target_id": hidden, "action": "hide", "reason": "광고"}),
    )
    .await
    .expect(200);
    api.delete(&format!("/v1/reviews/{deleted}"), mina.token(), None)
        .await
        .expect(204);
    for path in [
        format!("/r/{hidden}"),
        format!("/r/{deleted}"),
        format!("/r/{}", uuid::Uuid::now_v7()),
        "/r/not-a-uuid".to_owned(),
        "/r/..%2F..%2Fetc%2Fpasswd".to_owned(),
        format!("/p/{}", uuid::Uuid::now_v7()),
        format!("/c/{}", uuid::Uuid::now_v7()),
        "/c/x'%20OR%201=1".to_owned(),
    ] {
        let (status, content_type, html) = page(&server, &path, "moa.example").await;
        assert_eq!(status, 404, "{path}: {html}");
        assert!(content_type.starts_with("text/html"), "{path}");
        assert!(!html.contains("og:"), "{path}: a 404 previews nothing");
        assert!(
            !html.contains("숨겨질") && !html.contains("지워질"),
            "{path}"
        );
    }
}

async fn places_and_group_buys_have_pages_too(engine: Engine) {
    let shop = shop_configured(engine, |_| {}).await;
    let server = &shop.server;
    let api = server.api();
    let mina = api.signup("mina").await;
    let place = api
        .post(
            "/v1/places",
            mina.token(),
            json!({"name": "소금빵 & 커피", "address": "서울 성동구 연무장길 1", "category": "bakery"}),
        )
        .await
        .expect(201)
        .body["place"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let photo = upload_photo(&api, &mina, 9).await;
    api.post(
        "/v1/reviews",
        mina.token(),
        json!({"kind": "snap", "body": "빵이 맛있어요", "photos": [photo],
               "subject": {"type": "place", "id": place}, "rating": 4}),
    )
    .await
    .expect(201);
    let (status, _, html) = page(server, &format!("/p/{place}"), "moa.example").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(og(&html, "og:title").as_deref(), Some("소금빵 & 커피"));
    let description = og(&html, "og:description").unwrap();
    assert!(
        description.contains("서울 성동구 연무장길 1") && description.contains("리뷰 1개"),
        "{description}"
    );
    assert_eq!(
        og(&html, "og:image").as_deref(),
        Some(format!("http://moa.example/v1/media/{photo}/thumbnail").as_str())
    );
    assert!(html.contains(&format!("href=\"moa://place/{place}\"")));
    // A deleted place has no preview.
    api.delete(&format!("/v1/places/{place}"), mina.token(), None)
        .await
        .expect(204);
    assert_eq!(
        page(server, &format!("/p/{place}"), "moa.example").await.0,
        404
    );

    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let cid = campaign["id"].as_str().unwrap();
    let (status, _, html) = page(server, &format!("/c/{cid}"), "moa.example").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(og(&html, "og:title").as_deref(), campaign["title"].as_str());
    let description = og(&html, "og:description").unwrap();
    let price = campaign["group_price_krw"].as_i64().unwrap();
    assert!(description.contains("모집 중"), "{description}");
    assert!(
        description.contains(&format!("{}원", thousands(price))),
        "{description}"
    );
    assert!(html.contains(&format!("href=\"moa://campaign/{cid}\"")));
}

fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
