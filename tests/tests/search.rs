//! `GET /v1/search` end to end, on SQLite and PostgreSQL through one test
//! body: every matching rule with Korean fixtures, people by handle and name
//! (never email), moderation and suspension taking content out at once,
//! pages that stay whole while reviews arrive, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_protocol::Role;
use moa_tests::{Api, Engine, Session, TestServer, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    every_matching_rule_finds_what_a_korean_member_types,
    people_by_handle_and_name_never_email,
    hidden_deleted_and_suspended_content_leaves_at_once,
    pages_stay_whole_while_reviews_arrive,
    bad_queries_are_refused_and_odd_ones_never_fail,
    searches_are_rate_limited_per_address,
    a_database_without_its_vocabulary_gets_it_at_start,
    short_runs_are_read_through_words_and_common_ones_newest_first,
    common_short_words_keep_no_rows_and_are_read_newest_first,
);

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `text` percent-encoded for a query string.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn search(api: &Api, q: &str, kind: &str) -> Value {
    api.get(&format!("/v1/search?q={}&type={kind}", enc(q)), None)
        .await
        .expect(200)
        .body
}

/// Hits as (id, how it matched).
type Hits = Vec<(String, String)>;

/// The ids of the hits, with how each matched.
async fn found(api: &Api, q: &str, kind: &str) -> Hits {
    search(api, q, kind).await["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["id"].as_str().unwrap().to_owned(),
                h["matched"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn story(api: &Api, s: &Session, title: &str, body: &str) -> String {
    let review = json!({"id": uuid(), "kind": "story", "title": title, "body": body});
    api.post("/v1/reviews", s.token(), review)
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn every_matching_rule_finds_what_a_korean_member_types(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("minji").await;
    let tumbler = story(
        &api,
        &s,
        "스테인리스 보온 텀블러",
        "겨울 내내 Stanley 텀블러를 들고 다녔어요. 커피가 오래 따뜻해요.",
    )
    .await;
    let basket = story(&api, &s, "장바구니 정리 팁", "마트에서 장 볼 때 쓰는 방법").await;
    let hangul = story(&api, &s, "한글 자판 연습", "타자 연습 후기").await;
    let other = story(&api, &s, "제주 여행", "바다가 예뻤어요").await;
    let place = api
        .post(
            "/v1/places",
            s.token(),
            json!({"name": "카페 모아 성수점", "address": "서울 성동구 연무장길 12", "category": "cafe"}),
        )
        .await
        .expect(201)
        .body["place"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let product = api
        .post(
            "/v1/products",
            s.token(),
            json!({"name": "무선 청소기 V15", "price_krw": 890000, "options": [{"name": "색상", "values": ["골드", "퍼플"]}]}),
        )
        .await
        .expect(201)
        .body["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let one = |id: &str, how: &str| vec![(id.to_owned(), how.to_owned())];
    let cases: Vec<(&str, &str, Hits)> = vec![
        // The word itself, anywhere, spacing and case aside.
        ("텀블러", "reviews", one(&tumbler, "exact")),
        ("보온텀블러", "reviews", one(&tumbler, "exact")),
        ("stanley", "reviews", one(&tumbler, "exact")),
        ("STANLEY", "reviews", one(&tumbler, "exact")),
        // Words apart, typed with or without the space.
        ("스테인리스텀블러", "reviews", one(&tumbler, "words")),
        ("텀블러 스테인리스", "reviews", one(&tumbler, "words")),
        // A half-typed last syllable.
        ("장바ㄱ", "reviews", one(&basket, "prefix")),
        ("장박", "reviews", one(&basket, "prefix")),
        // Initial consonants.
        ("ㅈㅂㄱㄴ", "reviews", one(&basket, "initials")),
        // Typed with the Korean input off.
        ("gksrmf", "reviews", one(&hangul, "keyboard")),
        // One key wrong, extra or missing.
        ("텀블럭", "reviews", one(&tumbler, "typo")),
        ("텀불러", "reviews", one(&tumbler, "typo")),
        ("터블러", "reviews", one(&tumbler, "typo")),
        // Short queries still work.
        ("텀", "reviews", one(&tumbler, "exact")),
        ("제주", "reviews", one(&other, "exact")),
        // Places by name or address, products by name or option.
        ("성수", "places", one(&place, "exact")),
        ("연무장길", "places", one(&place, "exact")),
        ("ㅋㅍㅁㅇ", "places", one(&place, "initials")),
        ("v15", "products", one(&product, "exact")),
        ("퍼플", "products", one(&product, "exact")),
        ("냉장고", "reviews", vec![]),
    ];
    for (q, kind, want) in cases {
        assert_eq!(found(&api, q, kind).await, want, "{q} in {kind}");
    }

    // Ranking: an exact match before a half-typed one, and highlights in
    // characters of the text shown.
    let exact = story(&api, &s, "장박 캠핑 후기", "장박 텐트").await;
    let hits = found(&api, "장박", "reviews").await;
    assert_eq!(hits[0], (exact.clone(), "exact".to_owned()));
    assert_eq!(hits[1], (basket.clone(), "prefix".to_owned()));
    let all = search(&api, "텀블러", "all").await;
    let hit = &all["hits"][0];
    assert_eq!(hit["kind"], "review");
    assert_eq!(hit["title_ranges"], json!([{"start": 9, "end": 12}]));
    let snippet: Vec<char> = hit["snippet"].as_str().unwrap().chars().collect();
    let r = &hit["snippet_ranges"][0];
    let (a, b) = (
        r["start"].as_u64().unwrap() as usize,
        r["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(snippet[a..b].iter().collect::<String>(), "텀블러");
    assert!(all["next_cursor"].is_null());

    // `all` holds the best few of every kind, grouped.
    let all = search(&api, "ㅋ", "all").await;
    let kinds: Vec<String> = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap().to_owned())
        .collect();
    let mut grouped = kinds.clone();
    grouped.dedup();
    assert!(grouped.len() >= 2, "{kinds:?}");
    let mut sorted = grouped.clone();
    sorted.sort_by_key(|k| {
        ["review", "place", "product", "person"]
            .iter()
            .position(|x| x == k)
    });
    assert_eq!(grouped, sorted);
    server.stop().await;
}

async fn people_by_handle_and_name_never_email(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("haneul_kim").await;
    api.patch(
        "/v1/me",
        s.token(),
        json!({"display_name": "김하늘", "bio": "제주 카페 탐방"}),
    )
    .await
    .expect(200);
    let me = vec![(s.user_id.clone(), "exact".to_owned())];
    assert_eq!(found(&api, "김하늘", "people").await, me);
    assert_eq!(found(&api, "haneul", "people").await, me);
    assert_eq!(found(&api, "@haneul_kim", "people").await, me);
    assert_eq!(found(&api, "ㄱㅎㄴ", "people").await[0].0, s.user_id);
    assert_eq!(found(&api, "카페 탐방", "people").await[0].0, s.user_id);
    // The sign-up email (haneul_kim@example.com style) is never searched.
    let email_domain = found(&api, "example", "people").await;
    assert!(email_domain.is_empty(), "{email_domain:?}");
    // A renamed member is found by the new name only.
    api.patch("/v1/me", s.token(), json!({"display_name": "하늘"}))
        .await
        .expect(200);
    assert!(found(&api, "김하늘", "people").await.is_empty());
    server.stop().await;
}

async fn hidden_deleted_and_suspended_content_leaves_at_once(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let s = api.signup("writer").await;
    let other = api.signup("other").await;
    let spam = story(&api, &s, "무료 쿠폰 이벤트", "지금 가입하면 쿠폰").await;
    let kept = story(&api, &other, "쿠폰 모으는 법", "정리했어요").await;
    let ids = |hits: Vec<(String, String)>| hits.into_iter().map(|h| h.0).collect::<Vec<_>>();
    assert_eq!(
        ids(found(&api, "쿠폰", "reviews").await),
        vec![kept.clone(), spam.clone()]
    );
    let act = |action: &str| json!({"target_type": "review", "target_id": spam, "action": action, "reason": "광고"});
    api.post("/v1/admin/moderation", moderator.token(), act("hide"))
        .await
        .expect(200);
    assert_eq!(
        ids(found(&api, "쿠폰", "reviews").await),
        vec![kept.clone()]
    );
    api.post("/v1/admin/moderation", moderator.token(), act("restore"))
        .await
        .expect(200);
    assert_eq!(
        ids(found(&api, "쿠폰", "all").await),
        vec![kept.clone(), spam.clone()]
    );

    // An edit is searched as edited.
    let path = format!("/v1/reviews/{spam}");
    let version = api.get(&path, None).await.expect(200).body["version"].clone();
    api.patch(
        &path,
        s.token(),
        json!({"base_version": version, "title": "할인 이벤트"}),
    )
    .await
    .expect(200);
    assert_eq!(
        ids(found(&api, "쿠폰", "reviews").await),
        vec![kept.clone(), spam.clone()]
    );
    assert_eq!(
        ids(found(&api, "할인이벤트", "reviews").await),
        vec![spam.clone()]
    );
    assert!(found(&api, "무료", "reviews").await.is_empty());

    // A suspended member and their content are out until it is lifted.
    let suspension = format!("/v1/admin/users/{}/suspension", s.user_id);
    api.post(
        &suspension,
        moderator.token(),
        json!({"days": 7, "reason": "도배"}),
    )
    .await
    .expect(200);
    assert_eq!(
        ids(found(&api, "쿠폰", "reviews").await),
        vec![kept.clone()]
    );
    assert!(found(&api, "writer", "people").await.is_empty());
    api.delete(&suspension, moderator.token(), None)
        .await
        .expect(200);
    assert_eq!(
        ids(found(&api, "writer", "people").await),
        vec![s.user_id.clone()]
    );

    // Deleted is gone.
    api.delete(&path, s.token(), None).await.expect(204);
    assert_eq!(
        ids(found(&api, "쿠폰", "reviews").await),
        vec![kept.clone()]
    );
    server.stop().await;
}

async fn pages_stay_whole_while_reviews_arrive(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("camper").await;
    let mut written = Vec::new();
    for i in 0..23 {
        written.push(story(&api, &s, &format!("캠핑 일기 {i}"), "텐트 치고 불멍").await);
    }
    // Typos (캠필드 for 캠핑) come after every exact match, in the same pages.
    for i in 0..4 {
        written.push(story(&api, &s, &format!("캠필드 {i}"), "가방").await);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let c = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page = api
            .get(
                &format!("/v1/search?q={}&type=reviews&limit=5{c}", enc("캠핑")),
                None,
            )
            .await
            .expect(200)
            .body;
        for h in page["hits"].as_array().unwrap() {
            seen.push((
                h["id"].as_str().unwrap().to_owned(),
                h["matched"].as_str().unwrap().to_owned(),
            ));
        }
        // New reviews while paging: they belong before the first page.
        story(&api, &s, "새 캠핑 후기", "방금 씀").await;
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(pages < 20, "the pages never end");
    }
    let mut ids: Vec<&String> = seen.iter().map(|h| &h.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), seen.len(), "a hit was listed twice");
    for id in &written {
        assert!(seen.iter().any(|h| &h.0 == id), "{id} was skipped");
    }
    let tiers: Vec<&str> = seen.iter().map(|h| h.1.as_str()).collect();
    let mut ordered = tiers.clone();
    ordered.sort_by_key(|t| ["exact", "typo"].iter().position(|x| x == t));
    assert_eq!(tiers, ordered);
    assert_eq!(tiers.iter().filter(|t| **t == "typo").count(), 4);
    server.stop().await;
}

async fn bad_queries_are_refused_and_odd_ones_never_fail(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("tester").await;
    story(
        &api,
        &s,
        "이모지 😀 후기",
        "아랍어 مرحبا 와 결합 문자 e\u{301}",
    )
    .await;
    for q in ["", "%20%20%20", "%09%0A", &enc(&"가".repeat(101))] {
        api.get(&format!("/v1/search?q={q}"), None)
            .await
            .expect_error(422, "invalid_field");
    }
    api.get("/v1/search", None)
        .await
        .expect_error(422, "invalid_field");
    api.get(
        &format!("/v1/search?q={}&type=everything", enc("후기")),
        None,
    )
    .await
    .expect(400);
    for cursor in ["garbage", "MXw", "OTl8MQ"] {
        api.get(
            &format!("/v1/search?q={}&type=reviews&cursor={cursor}", enc("후기")),
            None,
        )
        .await
        .expect_error(400, "invalid_parameter");
    }
    // Exactly 100 characters is fine; control characters are stripped.
    search(&api, &"가".repeat(100), "all").await;
    assert_eq!(found(&api, "이모\u{0}지", "reviews").await.len(), 1);
    for q in [
        "😀",
        "مرحبا",
        "e\u{301}",
        "\u{202e}후기",
        "\u{301}",
        "%",
        "_",
        "\\",
        "'",
        "\"; DROP TABLE reviews; --",
        "ﷺ",
        "\u{fffd}",
        "𝕳𝖊𝖑𝖑𝖔",
        "ｈｅｌｌｏ",
        "ㄱ",
        "ㅘ",
        "a",
    ] {
        search(&api, q, "all").await;
        search(&api, q, "reviews").await;
    }
    assert_eq!(found(&api, "😀", "reviews").await.len(), 1);
    assert_eq!(found(&api, "مرحبا", "reviews").await.len(), 1);
    assert!(found(&api, "%", "reviews").await.is_empty());
    server.stop().await;
}

async fn searches_are_rate_limited_per_address(engine: Engine) {
    let server = TestServer::start_with(engine, |s| s.search_rate_per_ip = 5).await;
    let api = server.api();
    for _ in 0..5 {
        search(&api, "카페", "all").await;
    }
    let refused = api
        .get(&format!("/v1/search?q={}", enc("카페")), None)
        .await
        .expect_error(429, "rate_limited");
    let retry: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1, "{retry}");
    server.stop().await;
}

/// Typos are found through the vocabulary of indexed words; a database
/// indexed before the vocabulary existed (here: emptied) gets it at start.
async fn a_database_without_its_vocabulary_gets_it_at_start(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("minji").await;
    let tumbler = story(
        &api,
        &s,
        "스테인리스 보온 텀블러",
        "겨울 내내 들고 다녔어요",
    )
    .await;
    let typo = vec![(tumbler.clone(), "typo".to_owned())];
    assert_eq!(found(&api, "스테인러스", "reviews").await, typo);
    let mut tx = server.state.db.begin_write().await.unwrap();
    sqlx::query("DELETE FROM search_words")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(found(&api, "스테인러스", "reviews").await.is_empty());
    // The rest of search does not need it.
    assert_eq!(
        found(&api, "텀블러", "reviews").await,
        vec![(tumbler.clone(), "exact".to_owned())]
    );
    let server = server.restart().await;
    let api = server.api();
    assert_eq!(found(&api, "스테인러스", "reviews").await, typo);
}

/// Every hit of `q` in `kind`, page after page (`limit` a page).
async fn every_page(api: &Api, q: &str, kind: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = api
            .get(
                &format!("/v1/search?q={}&type={kind}&limit={limit}{cursor}", enc(q)),
                None,
            )
            .await
            .expect(200)
            .body;
        let hits = page["hits"].as_array().unwrap();
        assert!(hits.len() <= limit);
        out.extend(hits.iter().map(|h| h["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return out,
        }
    }
}

/// How many rows of the short words' table hold `word`.
async fn short_rows(server: &TestServer, word: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM search_short WHERE word = $1")
        .bind(word)
        .fetch_one(server.state.db.read())
        .await
        .unwrap()
}

/// The server's index holds no keys: a run of one or two syllables is read
/// through the vocabulary's words that hold it (a word of one or two
/// characters through the short words' table, a longer one through its
/// syllables), a half-typed one likewise, and a run held by more words
/// than a lookup reads (a common one) newest first, every page whole.
async fn short_runs_are_read_through_words_and_common_ones_newest_first(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("minji").await;
    let alone = story(&api, &s, "교토 여행", "료칸 추천").await;
    let inside = story(&api, &s, "오사카 일정", "교토에서 하루 묵었어요").await;
    story(&api, &s, "도쿄 맛집", "라멘 후기").await;
    let mut both = vec![alone.clone(), inside.clone()];
    both.sort();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    for q in ["교토", "교", "교ㅌ"] {
        let hits = found(&api, q, "reviews").await;
        let ids = sorted(hits.iter().map(|h| h.0.clone()).collect());
        assert_eq!(ids, both, "{q}: {hits:?}");
    }
    assert!(
        found(&api, "교ㅌ", "reviews")
            .await
            .iter()
            .all(|h| h.1 == "prefix")
    );
    assert_eq!(short_rows(&server, "교토").await, 1);
    // Deleted: its short words' rows go with it.
    api.delete(&format!("/v1/reviews/{alone}"), s.token(), None)
        .await
        .expect(204);
    assert_eq!(short_rows(&server, "교토").await, 0);
    assert_eq!(
        found(&api, "교토", "reviews").await,
        vec![(inside.clone(), "exact".to_owned())]
    );

    // 라떼 in more words than a lookup reads (query::LOOKUP_WORDS): read
    // newest first, and every one found once across the pages.
    let mut latte = Vec::new();
    for i in 0..(moa_hangul::query::LOOKUP_WORDS as u32 + 3) {
        let syllable = char::from_u32(0xAC00 + i * 28 * 5).unwrap();
        let word = format!("라떼{syllable}");
        latte.push(story(&api, &s, &format!("{word} 후기"), "맛있어요").await);
    }
    latte.push(story(&api, &s, "라떼 한 잔", "우유 듬뿍").await);
    let pages = every_page(&api, "라떼", "reviews", 7).await;
    assert_eq!(sorted(pages.clone()), sorted(latte.clone()));
    assert_eq!(pages.len(), latte.len(), "each once");
    server.stop().await;
}

/// A short word most of a kind's newest documents hold is marked common
/// (`search::common::mark`): its short words' rows are deleted and no new
/// one is added, and it is still found, newest first, every page whole; a
/// rare short word keeps its rows, and another kind is left alone.
async fn common_short_words_keep_no_rows_and_are_read_newest_first(engine: Engine) {
    use moa_server::search::common::{self, Rule};
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("minji").await;
    let mocha = story(&api, &s, "모카 케이크", "달콤").await;
    let mut latte = Vec::new();
    for i in 0..12 {
        latte.push(story(&api, &s, &format!("라떼 {i}번째"), "우유 듬뿍").await);
    }
    assert_eq!(short_rows(&server, "라떼").await, 12);
    let db = &server.state.db;
    // Held by at least one in two of the newest ten reviews.
    let rule = Rule {
        window: 10,
        share: 2,
    };
    let marked = common::mark(db, rule).await.unwrap();
    let words: Vec<&str> = marked.words.iter().map(|(_, w)| w.as_str()).collect();
    assert!(words.contains(&"라떼"), "{marked:?}");
    assert!(words.contains(&"우유"), "{marked:?}");
    assert!(!words.contains(&"모카"), "{marked:?}");
    assert!(
        marked
            .words
            .iter()
            .all(|(kind, _)| *kind == moa_protocol::SearchKind::Review),
        "{marked:?}"
    );
    assert!(marked.rows_deleted >= 24, "{marked:?}");
    assert_eq!(short_rows(&server, "라떼").await, 0);
    assert_eq!(short_rows(&server, "모카").await, 1);
    // Again: nothing new, nothing left to delete.
    assert_eq!(
        common::mark(db, rule).await.unwrap(),
        common::Marked::default()
    );
    // New reviews add no row for it, and are found with the others.
    for i in 0..3 {
        latte.push(story(&api, &s, "라떼 아트", &format!("{i}번 잔")).await);
    }
    assert_eq!(short_rows(&server, "라떼").await, 0);
    let mut all = latte.clone();
    all.sort();
    let mut pages = every_page(&api, "라떼", "reviews", 4).await;
    assert_eq!(pages.len(), latte.len(), "each once: {pages:?}");
    pages.sort();
    assert_eq!(pages, all);
    // Newest first, half-typed too; the rare word through its row.
    let first = found(&api, "라ㄸ", "reviews").await;
    assert_eq!(first.len(), latte.len(), "{first:?}");
    assert_eq!(&first[0].0, latte.last().unwrap());
    assert_eq!(
        found(&api, "모카", "reviews").await,
        vec![(mocha, "exact".to_owned())]
    );
    // type=all reads it the same way.
    assert!(!found(&api, "라떼", "all").await.is_empty());
    server.stop().await;
}
