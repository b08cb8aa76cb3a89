//! The admin back office on both engines: the order table (every filter,
//! both sorts, keyset pages that neither skip nor repeat, totals over the
//! whole filter), the Excel export of 10,000 orders read back by an
//! independent reader (`calamine`) and its sheet XML, fulfilling and
//! refunding one order with the reason in the audit log, campaign edits
//! and early close, community rename and merge, the dashboard's Korean
//! days across a KST midnight, the official posts, and every endpoint
//! refused to members and moderators.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::collections::HashSet;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use moa_protocol::Role;
use moa_protocol::kst::{self, DAY_MS};
use moa_tests::shop::{STORE, Shop, choice, now_ms, shop};
use moa_tests::{Engine, Session, account_with_role, both_engines};
use serde_json::{Value, json};

both_engines!(
    members_and_moderators_are_refused_every_admin_endpoint,
    the_order_table_filters_sorts_pages_and_totals,
    an_order_is_fulfilled_or_refunded_with_its_reason_audited,
    ten_thousand_orders_export_and_read_back_exactly,
    campaigns_change_and_close_early_and_communities_rename_and_merge,
    the_dashboard_counts_korean_days,
    official_posts_are_listed_for_moderators,
);

/// Places and pays an order (the provider says paid; the app confirms).
async fn paid_order(shop: &Shop, who: &Session, campaign: &Value, color: &str, n: i64) -> String {
    let product = &campaign["product"];
    let placed = shop.order(who, campaign, &choice(product, color), n).await;
    let id = placed["order"]["id"].as_str().unwrap().to_owned();
    let amount = placed["order"]["amount_krw"].as_i64().unwrap();
    shop.fake.pay(&id, STORE, "텀블러", amount, false);
    shop.confirm(who, &id).await.expect(200);
    id
}

async fn members_and_moderators_are_refused_every_admin_endpoint(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let member = api.signup("member").await;
    let moderator = account_with_role(&shop.server, "moder", Role::Moderator).await;
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let cid = campaign["id"].as_str().unwrap();
    let community = shop.community("연세대학교").await;
    let order = paid_order(&shop, &member, &campaign, "블랙", 1).await;
    let reason = json!({"reason": "테스트"});
    for who in [&member, &moderator] {
        let t = Some(who.access.as_str());
        for path in [
            "/v1/admin/shop/orders".to_owned(),
            "/v1/admin/shop/orders/export".to_owned(),
            format!("/v1/admin/shop/orders/{order}"),
            "/v1/admin/stats".to_owned(),
        ] {
            api.get(&path, t).await.expect_error(403, "forbidden");
        }
        // The shop's older admin endpoints too.
        let pid = product["id"].as_str().unwrap();
        for path in ["/v1/admin/shop/products", "/v1/admin/jobs"] {
            api.get(path, t).await.expect_error(403, "forbidden");
        }
        let new_product = json!({"name": "x", "base_price_krw": 1000});
        api.post("/v1/admin/shop/products", t, new_product.clone())
            .await
            .expect_error(403, "forbidden");
        api.put(&format!("/v1/admin/shop/products/{pid}"), t, new_product)
            .await
            .expect_error(403, "forbidden");
        api.post(
            &format!("/v1/admin/shop/products/{pid}/archive"),
            t,
            json!({}),
        )
        .await
        .expect_error(403, "forbidden");
        api.post(
            "/v1/admin/shop/campaigns",
            t,
            json!({"product_id": pid, "group_price_krw": 1, "min_participants": 1, "stock": 1,
                   "per_member_limit": 1, "deadline_at": now_ms() + 3_600_000}),
        )
        .await
        .expect_error(403, "forbidden");
        api.post(
            "/v1/admin/communities",
            t,
            json!({"name": "새 커뮤니티", "kind": "company"}),
        )
        .await
        .expect_error(403, "forbidden");
        for path in [
            format!("/v1/admin/shop/orders/{order}/fulfil"),
            format!("/v1/admin/shop/orders/{order}/refund"),
            format!("/v1/admin/shop/campaigns/{cid}/close"),
            format!("/v1/admin/shop/campaigns/{cid}/cancel"),
        ] {
            api.post(&path, t, reason.clone())
                .await
                .expect_error(403, "forbidden");
        }
        api.patch(
            &format!("/v1/admin/shop/campaigns/{cid}"),
            t,
            json!({"title": "x"}),
        )
        .await
        .expect_error(403, "forbidden");
        api.patch(
            &format!("/v1/admin/communities/{community}"),
            t,
            json!({"name": "x"}),
        )
        .await
        .expect_error(403, "forbidden");
        api.post(
            &format!("/v1/admin/communities/{community}/merge"),
            t,
            json!({"into": community}),
        )
        .await
        .expect_error(403, "forbidden");
    }
    // No token at all: 401.
    api.get("/v1/admin/shop/orders", None)
        .await
        .expect_error(401, "missing_token");
    // Moderators list official posts; members do not.
    api.get("/v1/admin/official", Some(&moderator.access))
        .await
        .expect(200);
    api.get("/v1/admin/official", Some(&member.access))
        .await
        .expect_error(403, "forbidden");
    // Nothing changed.
    let o = shop.get_order(&member, &order).await;
    assert_eq!(o["status"], "paid");
}

/// Every order id of the table for `query`, page by page (`limit` 2), and
/// the totals each page reported.
async fn all_pages(shop: &Shop, query: &str) -> (Vec<Value>, Vec<Value>) {
    let api = shop.server.api();
    let mut items = Vec::new();
    let mut totals = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/v1/admin/shop/orders?limit=2&{query}{cursor}");
        let page = api.get(&path, Some(&shop.admin.access)).await.expect(200);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        totals.push(page.body["totals"].clone());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    (items, totals)
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["order"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_order_table_filters_sorts_pages_and_totals(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let snu = shop.community("서울대학교").await;
    let yon = shop.community("연세대학교").await;
    let minji = api.signup("minji").await;
    let junho = api.signup("junho").await;
    let lone = api.signup("lone").await;
    for (who, c) in [(&minji, &snu), (&junho, &yon)] {
        api.patch("/v1/me", Some(&who.access), json!({"community_id": c}))
            .await
            .expect(200);
    }
    let product = shop.product().await;
    let a = shop
        .campaign(&product, json!({"title": "텀블러 공구 A"}))
        .await;
    let b = shop
        .campaign(&product, json!({"title": "텀블러 공구 B"}))
        .await;
    // minji: 2 paid (A x1 = 8,000; A x2 white = 18,000), junho: 1 paid on B
    // (8,000 x 3 = 24,000) and 1 unpaid on A, lone: 1 unpaid on B.
    let m1 = paid_order(&shop, &minji, &a, "블랙", 1).await;
    let m2 = paid_order(&shop, &minji, &a, "화이트", 2).await;
    let j1 = paid_order(&shop, &junho, &b, "블랙", 3).await;
    let j2 = shop.order(&junho, &a, &choice(&product, "블랙"), 1).await["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let l1 = shop.order(&lone, &b, &choice(&product, "블랙"), 2).await["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Everything, newest first, in pages of 2 that neither skip nor repeat.
    let (items, totals) = all_pages(&shop, "").await;
    assert_eq!(
        ids(&items),
        vec![l1.clone(), j2.clone(), j1.clone(), m2.clone(), m1.clone()]
    );
    let expected = json!({"orders": 5, "units": 9, "amount_krw": 8000 + 18000 + 24000 + 8000 + 16000,
        "paid_amount_krw": 8000 + 18000 + 24000});
    for t in &totals {
        assert_eq!(
            t, &expected,
            "the totals cover the whole filter on every page"
        );
    }
    // Who placed each, with the community.
    let first_junho = items
        .iter()
        .find(|i| i["order"]["id"] == j2.as_str())
        .unwrap();
    assert_eq!(first_junho["member_handle"], "junho");
    assert_eq!(first_junho["community_name"], "연세대학교");
    assert_eq!(items[0]["community_name"], Value::Null);
    // Oldest first is the reverse.
    let (oldest, _) = all_pages(&shop, "sort=oldest").await;
    let mut reversed = ids(&items);
    reversed.reverse();
    assert_eq!(ids(&oldest), reversed);
    // By amount: 24,000, 18,000, 16,000, then the two 8,000s by id.
    let (by_amount, _) = all_pages(&shop, "sort=amount_desc").await;
    let amounts: Vec<i64> = by_amount
        .iter()
        .map(|i| i["order"]["amount_krw"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![24000, 18000, 16000, 8000, 8000]);
    let (by_amount_asc, _) = all_pages(&shop, "sort=amount_asc").await;
    let mut asc = ids(&by_amount);
    asc.reverse();
    assert_eq!(ids(&by_amount_asc), asc);

    // Each filter, alone and together.
    let cases: Vec<(String, Vec<&String>)> = vec![
        (
            format!("campaign_id={}", a["id"].as_str().unwrap()),
            vec![&j2, &m2, &m1],
        ),
        ("status=paid".into(), vec![&j1, &m2, &m1]),
        ("status=pending_payment".into(), vec![&l1, &j2]),
        (format!("community_id={snu}"), vec![&m2, &m1]),
        (format!("community_id={yon}&status=paid"), vec![&j1]),
        ("q=MIN".into(), vec![&m2, &m1]),
        ("q=jun".into(), vec![&j2, &j1]),
        ("q=nobody".into(), vec![]),
    ];
    for (query, want) in cases {
        let (got, totals) = all_pages(&shop, &query).await;
        let want: Vec<String> = want.into_iter().cloned().collect();
        assert_eq!(ids(&got), want, "{query}");
        assert_eq!(totals[0]["orders"], want.len(), "{query}");
    }
    // Dates are Korean days: today holds everything, tomorrow nothing.
    let today = kst::date_of(now_ms());
    let tomorrow = kst::date_of(now_ms() + DAY_MS);
    let yesterday = kst::date_of(now_ms() - DAY_MS);
    let (got, _) = all_pages(&shop, &format!("from={today}&to={today}")).await;
    assert_eq!(got.len(), 5);
    let (got, _) = all_pages(&shop, &format!("from={tomorrow}")).await;
    assert!(got.is_empty());
    let (got, _) = all_pages(&shop, &format!("to={yesterday}")).await;
    assert!(got.is_empty());

    // Bad filters: clear errors.
    let t = Some(shop.admin.access.as_str());
    for (query, status, code) in [
        ("from=2026-02-30", 422, "invalid_field"),
        ("from=yesterday", 422, "invalid_field"),
        (
            &*format!("from={tomorrow}&to={yesterday}"),
            422,
            "invalid_field",
        ),
        ("status=lost", 400, "invalid_parameter"),
        ("sort=random", 400, "invalid_parameter"),
        ("campaign_id=not-a-uuid", 422, "invalid_field"),
        ("cursor=garbage", 400, "invalid_parameter"),
        ("limit=-1", 400, "invalid_parameter"),
    ] {
        api.get(&format!("/v1/admin/shop/orders?{query}"), t)
            .await
            .expect_error(status, code);
    }

    // One order with its history; any member's, but a real one.
    let detail = api
        .get(&format!("/v1/admin/shop/orders/{m2}"), t)
        .await
        .expect(200);
    assert_eq!(detail.body["member_handle"], "minji");
    assert_eq!(detail.body["order"]["history"].as_array().unwrap().len(), 2);
    for missing in [uuid::Uuid::now_v7().to_string(), "nope".to_owned()] {
        api.get(&format!("/v1/admin/shop/orders/{missing}"), t)
            .await
            .expect_error(404, "not_found");
    }
}

async fn an_order_is_fulfilled_or_refunded_with_its_reason_audited(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let t = Some(shop.admin.access.as_str());
    let minji = api.signup("minji").await;
    let product = shop.product().await;
    let campaign = shop
        .campaign(&product, json!({"min_participants": 1}))
        .await;
    let paid = paid_order(&shop, &minji, &campaign, "블랙", 1).await;
    let unpaid = shop
        .order(&minji, &campaign, &choice(&product, "블랙"), 1)
        .await["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fulfil = |id: &str| format!("/v1/admin/shop/orders/{id}/fulfil");
    let refund = |id: &str| format!("/v1/admin/shop/orders/{id}/refund");
    // Not before the group-buy succeeded.
    api.post(&fulfil(&paid), t, json!({"reason": "수령 완료"}))
        .await
        .expect_error(409, "invalid_state");
    // A reason is required; an unpaid order cannot be refunded.
    api.post(&refund(&paid), t, json!({"reason": "  "}))
        .await
        .expect_error(422, "invalid_field");
    api.post(&refund(&paid), t, json!({}))
        .await
        .expect_error(422, "invalid_field");
    api.post(&refund(&unpaid), t, json!({"reason": "고객 요청"}))
        .await
        .expect_error(409, "invalid_state");
    api.post(
        &refund(&uuid::Uuid::now_v7().to_string()),
        t,
        json!({"reason": "x"}),
    )
    .await
    .expect_error(404, "not_found");

    // Closing early: one payer meets the minimum of 1, so it succeeds.
    let cid = campaign["id"].as_str().unwrap();
    let closed = api
        .post(
            &format!("/v1/admin/shop/campaigns/{cid}/close"),
            t,
            json!({"reason": "재고 소진"}),
        )
        .await
        .expect(200);
    assert_eq!(closed.body["status"], "succeeded");
    api.post(
        &format!("/v1/admin/shop/campaigns/{cid}/close"),
        t,
        json!({"reason": "again"}),
    )
    .await
    .expect_error(409, "invalid_state");
    assert_eq!(shop.get_order(&minji, &paid).await["status"], "confirmed");
    assert_eq!(shop.get_order(&minji, &unpaid).await["status"], "expired");

    let done = api
        .post(&fulfil(&paid), t, json!({"reason": "학생회관 수령"}))
        .await
        .expect(200);
    assert_eq!(done.body["status"], "fulfilled");
    let last = done.body["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["note"].as_str().unwrap().contains("학생회관 수령"),
        "{last}"
    );
    // Twice is a conflict, not a second history row.
    api.post(&fulfil(&paid), t, json!({"reason": "again"}))
        .await
        .expect_error(409, "invalid_state");

    // A fulfilled order can still be refunded (a return): through the
    // provider, by a job.
    let refunding = api
        .post(&refund(&paid), t, json!({"reason": "불량 반품"}))
        .await
        .expect(200);
    assert_eq!(refunding.body["status"], "refund_pending");
    shop.until_status(&minji, &paid, "refunded").await;
    assert_eq!(
        shop.fake.payment(&paid).unwrap().status,
        "CANCELLED",
        "the provider refunded it"
    );

    // The audit log names the admin, the action and the reason.
    let audit = api.get("/v1/admin/audit", t).await.expect(200);
    let text = audit.body.to_string();
    for needle in [
        "fulfil_order",
        "refund_order",
        "close_campaign",
        "학생회관 수령",
        "불량 반품",
        "재고 소진",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

/// The cells of the first sheet, and its XML.
fn read_workbook(bytes: &[u8]) -> (calamine::Range<Data>, String) {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), vec!["주문".to_owned()]);
    let range = book.worksheet_range("주문").unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    (range, xml)
}

fn text(range: &calamine::Range<Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        other => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

fn number(range: &calamine::Range<Data>, row: usize, col: usize) -> i64 {
    match range.get((row, col)) {
        Some(Data::Float(f)) => *f as i64,
        Some(Data::Int(i)) => *i,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

/// An Excel date-time cell as Unix ms of the wall clock it shows.
fn shown_ms(range: &calamine::Range<Data>, row: usize, col: usize) -> i64 {
    match range.get((row, col)) {
        Some(Data::DateTime(d)) => ((d.as_f64() - 25_569.0) * 86_400_000.0).round() as i64,
        other => panic!("({row}, {col}) is not a date: {other:?}"),
    }
}

async fn ten_thousand_orders_export_and_read_back_exactly(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let snu = shop.community("서울대학교").await;
    let mut members = Vec::new();
    for i in 0..10 {
        let s = api.signup(&format!("member{i}")).await;
        if i % 2 == 0 {
            api.patch("/v1/me", Some(&s.access), json!({"community_id": snu}))
                .await
                .expect(200);
        }
        members.push(s);
    }
    let product = shop.product().await;
    let title = "겨울 한정 스테인리스 보온 텀블러 공동구매";
    let campaign = shop
        .campaign(
            &product,
            json!({"title": title, "stock": 1_000_000, "per_member_limit": 100}),
        )
        .await;
    let black = choice(&product, "블랙");
    let statuses = [
        "paid",
        "confirmed",
        "fulfilled",
        "pending_payment",
        "expired",
        "refunded",
    ];
    let base = now_ms() - 20 * DAY_MS;
    // 10,000 orders written straight to the database (placing them over
    // HTTP is the group-buy tests' job; here the export is under test).
    let mut tx = shop.server.state.db.begin_write().await.unwrap();
    let mut expected = std::collections::HashMap::new();
    for i in 0..10_000_i64 {
        let id = uuid::Uuid::now_v7().to_string();
        let member = &members[(i % 10) as usize];
        let quantity = i % 5 + 1;
        let amount = 8_000 * quantity + (i % 7) * 1_000;
        let status = statuses[(i % 6) as usize];
        let created = base + i * 150_000;
        let paid_at = ["paid", "confirmed", "fulfilled", "refunded"]
            .contains(&status)
            .then_some(created + 60_000);
        let choices = json!([{"group": "색상", "choice_id": black["id"], "name": "블랙", "price_delta_krw": 0}]);
        sqlx::query(
            "INSERT INTO orders (id, campaign_id, user_id, choices, quantity, unit_price_krw, \
             amount_krw, status, expires_at, paid_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(&id)
        .bind(campaign["id"].as_str().unwrap())
        .bind(&member.user_id)
        .bind(choices.to_string())
        .bind(quantity)
        .bind(amount / quantity)
        .bind(amount)
        .bind(status)
        .bind(created + 900_000)
        .bind(paid_at)
        .bind(created)
        .execute(&mut *tx)
        .await
        .unwrap();
        expected.insert(id, (i, quantity, amount, status, created, paid_at));
    }
    tx.commit().await.unwrap();

    let t = Some(shop.admin.access.as_str());
    let (status, headers, bytes) = api.bytes("/v1/admin/shop/orders/export", t, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    assert_eq!(headers["x-moa-rows"], "10000");
    let (range, xml) = read_workbook(&bytes);
    // Header, 10,000 rows, two totals rows.
    assert_eq!(range.height(), 1 + 10_000 + 2);
    let header: Vec<String> = (0..12).map(|c| text(&range, 0, c)).collect();
    assert_eq!(
        header,
        [
            "주문번호",
            "주문일시",
            "공동구매",
            "옵션",
            "수량",
            "단가",
            "금액",
            "상태",
            "회원",
            "아이디",
            "커뮤니티",
            "결제일시"
        ]
    );
    let labels = std::collections::HashMap::from([
        ("paid", "결제 완료"),
        ("confirmed", "공구 확정"),
        ("fulfilled", "발송 완료"),
        ("pending_payment", "결제 대기"),
        ("expired", "만료"),
        ("refunded", "환불 완료"),
    ]);
    let mut seen = HashSet::new();
    let (mut units, mut amount_sum, mut paid_sum) = (0, 0, 0);
    let mut previous_created = i64::MAX;
    for row in 1..=10_000 {
        let id = text(&range, row, 0);
        let (i, quantity, amount, status, created, paid_at) = expected[&id];
        assert!(seen.insert(id.clone()), "{id} twice");
        // Newest first; times shown on the Korean wall clock, to the minute.
        assert!(created <= previous_created);
        previous_created = created;
        let wall = created + kst::KST_OFFSET_MS;
        assert_eq!(shown_ms(&range, row, 1), wall - wall.rem_euclid(1000));
        assert_eq!(text(&range, row, 2), title);
        assert_eq!(text(&range, row, 3), "색상: 블랙");
        assert_eq!(number(&range, row, 4), quantity);
        assert_eq!(number(&range, row, 6), amount);
        assert_eq!(text(&range, row, 7), labels[status]);
        let who = format!("member{}", i % 10);
        assert_eq!(text(&range, row, 8), format!("테스트 {who}"));
        assert_eq!(text(&range, row, 9), format!("@{who}"));
        let community = if i % 2 == 0 { "서울대학교" } else { "" };
        assert_eq!(text(&range, row, 10), community);
        match paid_at {
            Some(p) => {
                let wall = p + kst::KST_OFFSET_MS;
                assert_eq!(shown_ms(&range, row, 11), wall - wall.rem_euclid(1000));
            }
            None => assert_eq!(text(&range, row, 11), ""),
        }
        units += quantity;
        amount_sum += amount;
        if ["paid", "confirmed", "fulfilled"].contains(&status) {
            paid_sum += amount;
        }
    }
    assert_eq!(seen.len(), 10_000);
    assert_eq!(text(&range, 10_001, 0), "합계");
    assert_eq!(number(&range, 10_001, 2), 10_000);
    assert_eq!(number(&range, 10_001, 4), units);
    assert_eq!(number(&range, 10_001, 6), amount_sum);
    assert_eq!(text(&range, 10_002, 0), "결제 완료 합계");
    assert_eq!(number(&range, 10_002, 6), paid_sum);
    // The table's totals say the same.
    let table = api
        .get("/v1/admin/shop/orders?limit=1", t)
        .await
        .expect(200);
    assert_eq!(table.body["totals"]["amount_krw"], amount_sum);
    assert_eq!(table.body["totals"]["paid_amount_krw"], paid_sum);
    // The sheet itself: frozen header, won format, widths that fit Hangul
    // (the title is 21 syllables and spaces: at least 2 units a syllable).
    assert!(
        xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#),
        "frozen header"
    );
    let styles = {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
        let mut s = String::new();
        zip.by_name("xl/styles.xml")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    assert!(
        styles.contains("#,##0&quot;원&quot;"),
        "won format in {styles}"
    );
    let width = column_width(&xml, 3);
    let syllables = title.chars().filter(|c| !c.is_whitespace()).count() as f64;
    assert!(
        width >= syllables * 2.0,
        "campaign column {width} for {syllables} syllables"
    );

    // A filtered export holds only what the filter matches.
    let (status, headers, bytes) = api
        .bytes(
            &format!("/v1/admin/shop/orders/export?status=refunded&community_id={snu}"),
            t,
            &[],
        )
        .await;
    assert_eq!(status, 200);
    let want = expected
        .values()
        .filter(|(i, .., s, _, _)| *s == "refunded" && i % 2 == 0)
        .count();
    assert_eq!(headers["x-moa-rows"], want.to_string().as_str());
    let (range, _) = read_workbook(&bytes);
    assert_eq!(range.height(), 1 + want + 2);
    for row in 1..=want {
        assert_eq!(text(&range, row, 7), "환불 완료");
        assert_eq!(text(&range, row, 10), "서울대학교");
    }
    // Bad filters are refused before anything is made.
    api.get("/v1/admin/shop/orders/export?to=2026-13-01", t)
        .await
        .expect_error(422, "invalid_field");
}

/// The width of column `n` (1-based) in a sheet's XML.
fn column_width(xml: &str, n: usize) -> f64 {
    let cols = &xml[xml.find("<cols>").expect("column widths")..];
    for col in cols.split("<col ").skip(1) {
        let attr = |name: &str| {
            let start = col.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            col[start..start + col[start..].find('"').unwrap()].to_owned()
        };
        let (min, max): (usize, usize) =
            (attr("min").parse().unwrap(), attr("max").parse().unwrap());
        if (min..=max).contains(&n) {
            return attr("width").parse().unwrap();
        }
    }
    panic!("no width for column {n}");
}

async fn campaigns_change_and_close_early_and_communities_rename_and_merge(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let t = Some(shop.admin.access.as_str());
    let product = shop.product().await;
    let snu = shop.community("서울대학교").await;
    let snu2 = shop.community("서울대").await;
    let minji = api.signup("minji").await;
    let junho = api.signup("junho").await;
    api.patch("/v1/me", Some(&minji.access), json!({"community_id": snu2}))
        .await
        .expect(200);
    api.patch("/v1/me", Some(&junho.access), json!({"community_id": snu}))
        .await
        .expect(200);
    let campaign = shop
        .campaign(
            &product,
            json!({"community_ids": [snu2], "min_participants": 2}),
        )
        .await;
    let cid = campaign["id"].as_str().unwrap().to_owned();
    let edit = |body: Value| {
        let api = api.clone();
        let cid = cid.clone();
        async move {
            api.patch(&format!("/v1/admin/shop/campaigns/{cid}"), t, body)
                .await
        }
    };
    let held = paid_order(&shop, &minji, &campaign, "블랙", 3).await;
    // Changes that hold.
    let later = now_ms() + 7 * DAY_MS;
    let changed = edit(json!({"title": "연장된 공구", "deadline_at": later, "stock": 10}))
        .await
        .expect(200);
    assert_eq!(changed.body["title"], "연장된 공구");
    assert_eq!(changed.body["deadline_at"], later);
    assert_eq!(changed.body["remaining"], 7);
    // Changes that do not: below the units held, a past deadline, a
    // minimum above the stock, a limit out of range, an empty title.
    for (body, field) in [
        (json!({"stock": 2}), "stock"),
        (json!({"deadline_at": now_ms() - 1000}), "deadline_at"),
        (json!({"min_participants": 11}), "min_participants"),
        (json!({"per_member_limit": 0}), "per_member_limit"),
        (json!({"title": " "}), "title"),
    ] {
        let r = edit(body.clone()).await.expect_error(422, "invalid_field");
        assert_eq!(r.field(), field, "{body}");
    }
    edit(json!({"stock": "many"})).await.expect(422);
    let now = shop.campaign_now(&minji, &campaign["id"]).await;
    assert_eq!(now["title"], "연장된 공구", "refused edits changed nothing");

    // Merge 서울대 into 서울대학교: minji moves, and so does the offer.
    api.post(
        &format!("/v1/admin/communities/{snu2}/merge"),
        t,
        json!({"into": snu2}),
    )
    .await
    .expect_error(422, "invalid_field");
    let merged = api
        .post(
            &format!("/v1/admin/communities/{snu2}/merge"),
            t,
            json!({"into": snu}),
        )
        .await
        .expect(200);
    assert_eq!(merged.body["id"], snu.as_str());
    assert_eq!(merged.body["member_count"], 2);
    let me = api.get("/v1/me", Some(&minji.access)).await.expect(200);
    assert_eq!(me.body["community_id"], snu.as_str());
    // junho (always 서울대학교) now sees the campaign offered to 서울대.
    let seen = shop.campaign_now(&junho, &campaign["id"]).await;
    assert_eq!(seen["community_ids"], json!([snu]));
    api.post(
        &format!("/v1/admin/communities/{snu2}/merge"),
        t,
        json!({"into": snu}),
    )
    .await
    .expect_error(404, "not_found");
    // Rename; a taken name (spacing and case aside) is a conflict.
    let other = shop.community("Korea Univ").await;
    api.patch(
        &format!("/v1/admin/communities/{snu}"),
        t,
        json!({"name": "korea  univ"}),
    )
    .await
    .expect_error(409, "conflict");
    let renamed = api
        .patch(
            &format!("/v1/admin/communities/{snu}"),
            t,
            json!({"name": "서울대학교 관악"}),
        )
        .await
        .expect(200);
    assert_eq!(renamed.body["name"], "서울대학교 관악");
    api.patch(
        &format!("/v1/admin/communities/{other}"),
        t,
        json!({"name": ""}),
    )
    .await
    .expect_error(422, "invalid_field");

    // Closing early with one payer of a minimum of 2 fails it: refunded.
    let closed = api
        .post(
            &format!("/v1/admin/shop/campaigns/{cid}/close"),
            t,
            json!({"reason": "수요 부족"}),
        )
        .await
        .expect(200);
    assert_eq!(closed.body["status"], "failed");
    shop.until_status(&minji, &held, "refunded").await;
    // A closed campaign no longer changes.
    edit(json!({"title": "다시"}))
        .await
        .expect_error(409, "invalid_state");
}

async fn the_dashboard_counts_korean_days(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let t = Some(shop.admin.access.as_str());
    let minji = api.signup("minji").await;
    let product = shop.product().await;
    let campaign = shop.campaign(&product, json!({})).await;
    let cid = campaign["id"].as_str().unwrap();
    // Views and orders through the app: 2 viewers, 1 orderer who paid.
    let junho = api.signup("junho").await;
    shop.campaign_now(&junho, &campaign["id"]).await;
    let order = paid_order(&shop, &minji, &campaign, "블랙", 2).await;
    shop.campaign_now(&minji, &campaign["id"]).await;

    // Rows placed around the last Korean midnight (15:00 UTC) and the UTC
    // midnight (09:00 KST, which must not split a day).
    let today = kst::day_start(now_ms());
    let yesterday = today - DAY_MS;
    let mut tx = shop.server.state.db.begin_write().await.unwrap();
    let reviewer = &minji.user_id;
    for (at, n) in [
        (today - 1, 1),
        (today + 1, 2),
        (yesterday + 9 * 3_600_000 - 1, 3),
        (yesterday + 9 * 3_600_000 + 1, 4),
    ] {
        for k in 0..n {
            let id = uuid::Uuid::now_v7().to_string();
            sqlx::query(
                "INSERT INTO reports (id, reporter_id, target_type, target_id, reason, detail, state, created_at) \
                 VALUES ($1, $2, 'user', $3, 'spam', '', 'open', $4)",
            )
            .bind(&id)
            .bind(reviewer)
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(at + k)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    // An order paid yesterday evening (KST), placed the day before.
    sqlx::query("UPDATE orders SET created_at = $1, paid_at = $2 WHERE id = $3")
        .bind(yesterday - 1)
        .bind(today - 1)
        .bind(&order)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let stats = api.get("/v1/admin/stats?days=3", t).await.expect(200).body;
    let days = stats["days"].as_array().unwrap();
    assert_eq!(days.len(), 3);
    let names: Vec<&str> = days.iter().map(|d| d["day"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            kst::date_of(yesterday - 1),
            kst::date_of(yesterday),
            kst::date_of(today)
        ]
    );
    // Reports: yesterday 1 + 3 + 4 (UTC midnight inside it), today 2.
    assert_eq!(days[1]["reports"], 8);
    assert_eq!(days[2]["reports"], 2);
    assert_eq!(days[0]["reports"], 0);
    // The order: placed the day before yesterday, paid yesterday.
    assert_eq!(days[0]["orders"], 1);
    assert_eq!(days[1]["paid_orders"], 1);
    assert_eq!(days[1]["revenue_krw"], 16000);
    // Sign-ups today: the admin, minji and junho.
    assert_eq!(days[2]["signups"], 3);
    let funnel = stats["funnels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["campaign_id"] == cid)
        .unwrap()
        .clone();
    assert_eq!(
        (
            funnel["viewers"].as_i64(),
            funnel["orderers"].as_i64(),
            funnel["payers"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let by_community = stats["signups_by_community"].as_array().unwrap();
    assert_eq!(
        by_community
            .iter()
            .map(|c| c["signups"].as_i64().unwrap())
            .sum::<i64>(),
        3
    );

    // The report statistics count Korean days too.
    let reports = api
        .get("/v1/admin/reports/stats?days=2", t)
        .await
        .expect(200)
        .body;
    let per_day: Vec<(i64, i64)> = reports["by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["day"].as_i64().unwrap(), d["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(per_day, vec![(yesterday, 8), (today, 2)]);
    api.get("/v1/admin/stats?days=x", t)
        .await
        .expect_error(400, "invalid_parameter");
}

async fn official_posts_are_listed_for_moderators(engine: Engine) {
    let shop = shop(engine).await;
    let api = shop.server.api();
    let t = Some(shop.admin.access.as_str());
    let mut posted = Vec::new();
    for title in ["공지 하나", "공지 둘", "공지 셋"] {
        let r = api
            .post(
                "/v1/reviews",
                t,
                json!({"kind": "story", "title": title, "body": "모아 운영팀입니다", "official": true}),
            )
            .await
            .expect(201);
        posted.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let member = api.signup("member").await;
    api.post(
        "/v1/reviews",
        Some(&member.access),
        json!({"kind": "story", "title": "그냥 글", "body": "공식 아님"}),
    )
    .await
    .expect(201);
    let first = api
        .get("/v1/admin/official?limit=2", t)
        .await
        .expect(200)
        .body;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = api
        .get(&format!("/v1/admin/official?limit=2&cursor={cursor}"), t)
        .await
        .expect(200)
        .body;
    let listed: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    posted.reverse();
    assert_eq!(listed, posted);
    assert!(second["next_cursor"].is_null());
}
