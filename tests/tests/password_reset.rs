//! Password reset by a mailed code, end to end on both engines, with mail
//! going through a real SMTP server (aiosmtpd): the code arrives, sets the
//! new password once, ends every session; unknown addresses get the same
//! answer and no mail; wrong, burnt, expired and replayed codes are refused;
//! asking again within a minute mails nothing; limits answer 429; a server
//! without mail settings offers nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_tests::smtp::{Mail, SmtpCapture};
use moa_tests::{Engine, TestServer, both_engines};
use serde_json::json;

both_engines!(
    a_mailed_code_sets_the_password_and_ends_every_session,
    unknown_addresses_get_the_same_answer_and_no_mail,
    wrong_burnt_expired_and_replayed_codes_are_refused,
    asking_again_within_a_minute_mails_nothing,
    bad_input_and_limits,
    a_server_without_mail_offers_no_reset,
    a_device_resets_through_client_core,
);

async fn with_mail(engine: Engine) -> (TestServer, SmtpCapture) {
    let smtp = SmtpCapture::start().await;
    let url = smtp.url();
    let server = TestServer::start_with(engine, |s| {
        s.mail = Some(moa_server::mail::MailSettings::Smtp {
            url,
            from: "모아 <no-reply@moa.test>".into(),
        });
    })
    .await;
    (server, smtp)
}

/// The 6-digit code in a reset mail.
fn code_in(mail: &Mail) -> String {
    let digits: Vec<char> = mail.body.chars().collect();
    digits
        .windows(6)
        .enumerate()
        .find(|(i, w)| {
            w.iter().all(char::is_ascii_digit)
                && !digits.get(i + 6).is_some_and(char::is_ascii_digit)
                && (*i == 0 || !digits[i - 1].is_ascii_digit())
        })
        .map(|(_, w)| w.iter().collect())
        .unwrap_or_else(|| panic!("no code in {:?}", mail.body))
}

async fn ask(server: &TestServer, email: &str) -> serde_json::Value {
    server
        .api()
        .post("/v1/auth/password-reset", None, json!({ "email": email }))
        .await
        .expect(202)
        .body
}

async fn confirm(server: &TestServer, email: &str, code: &str, password: &str) -> moa_tests::Reply {
    server
        .api()
        .post(
            "/v1/auth/password-reset/confirm",
            None,
            json!({ "email": email, "code": code, "new_password": password }),
        )
        .await
}

async fn a_mailed_code_sets_the_password_and_ends_every_session(engine: Engine) {
    let (server, smtp) = with_mail(engine).await;
    let api = server.api();
    let methods = api.get("/v1/auth/methods", None).await.expect(200).body;
    assert_eq!(methods["password_reset"], true);
    let phone = api.signup("minji").await;
    let laptop = api
        .login("minji@test.kr", "password-minji")
        .await
        .expect(200);
    let laptop = moa_tests::Session::from_body(&laptop.body);

    // Mixed case and spaces reach the same account.
    let sent = ask(&server, "  MinJi@Test.kr ").await;
    assert_eq!(sent["valid_for_secs"], 1800);
    assert_eq!(sent["resend_after_secs"], 60);
    let mail = smtp.wait_for("minji@test.kr", 1).await.remove(0);
    assert!(mail.subject.contains("비밀번호 재설정"), "{}", mail.subject);
    assert!(mail.from.contains("no-reply@moa.test"));
    assert!(mail.content_type.starts_with("text/plain"));
    assert!(mail.body.contains("테스트 minji님"));
    let code = code_in(&mail);
    // The code travels only in the mail: not in the answer, not in the
    // database as written.
    assert!(!sent.to_string().contains(&code));
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM password_resets")
        .fetch_one(server.state.db.read())
        .await
        .unwrap();
    assert!(!stored.contains(&code));

    let r = confirm(&server, "minji@test.kr", &code, "새 비밀번호 2026!")
        .await
        .expect(200);
    let fresh = moa_tests::Session::from_body(&r.body);
    assert_eq!(fresh.user_id, phone.user_id);
    // Every earlier session is over, the new one works.
    for old in [&phone, &laptop] {
        api.get("/v1/me", old.token())
            .await
            .expect_error(401, "invalid_token");
        api.post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": old.refresh}),
        )
        .await
        .expect(401);
    }
    api.get("/v1/me", fresh.token()).await.expect(200);
    api.login("minji@test.kr", "password-minji")
        .await
        .expect_error(401, "invalid_credentials");
    api.login("minji@test.kr", "새 비밀번호 2026!")
        .await
        .expect(200);
    // Single use.
    confirm(&server, "minji@test.kr", &code, "또 다른 비밀번호!")
        .await
        .expect_error(422, "invalid_code");
    api.login("minji@test.kr", "새 비밀번호 2026!")
        .await
        .expect(200);
}

async fn unknown_addresses_get_the_same_answer_and_no_mail(engine: Engine) {
    let (server, smtp) = with_mail(engine).await;
    server.api().signup("joon").await;
    let known = ask(&server, "joon@test.kr").await;
    let unknown = ask(&server, "nobody@test.kr").await;
    assert_eq!(known, unknown);
    smtp.wait_for("joon@test.kr", 1).await;
    // A deleted account is no account.
    let gone = server.api().signup("gone").await;
    server
        .api()
        .send(
            reqwest::Method::DELETE,
            "/v1/me",
            gone.token(),
            Some(&json!({"password": "password-gone"})),
        )
        .await
        .expect(204);
    assert_eq!(ask(&server, "gone@test.kr").await, known);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let to: Vec<Vec<String>> = smtp.messages().into_iter().map(|m| m.to).collect();
    assert_eq!(to, vec![vec!["joon@test.kr".to_owned()]]);
    // A code for an address without an account is simply wrong.
    confirm(&server, "nobody@test.kr", "123456", "아무 비밀번호나")
        .await
        .expect_error(422, "invalid_code");
}

async fn wrong_burnt_expired_and_replayed_codes_are_refused(engine: Engine) {
    let (server, smtp) = with_mail(engine).await;
    let api = server.api();
    api.signup("sora").await;
    ask(&server, "sora@test.kr").await;
    let code = code_in(&smtp.wait_for("sora@test.kr", 1).await[0]);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    // Four wrong tries say how many are left; the fifth burns the code.
    for left in (1..=4).rev() {
        let r = confirm(&server, "sora@test.kr", wrong, "새 비밀번호 123")
            .await
            .expect_error(422, "invalid_code");
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} tries left")),
            "{}",
            r.body
        );
    }
    confirm(&server, "sora@test.kr", wrong, "새 비밀번호 123")
        .await
        .expect_error(422, "invalid_code");
    confirm(&server, "sora@test.kr", &code, "새 비밀번호 123")
        .await
        .expect_error(422, "invalid_code");
    api.login("sora@test.kr", "password-sora").await.expect(200);

    // A code past its 30 minutes.
    set_created_back(&server).await;
    ask(&server, "sora@test.kr").await;
    let code = code_in(&smtp.wait_for("sora@test.kr", 2).await[1]);
    server
        .exec("UPDATE password_resets SET expires_at = expires_at - 1800001")
        .await;
    confirm(&server, "sora@test.kr", &code, "새 비밀번호 123")
        .await
        .expect_error(422, "invalid_code");

    // Another member's code does not open this account.
    api.signup("hana").await;
    set_created_back(&server).await;
    ask(&server, "hana@test.kr").await;
    let hanas = code_in(&smtp.wait_for("hana@test.kr", 1).await[0]);
    set_created_back(&server).await;
    ask(&server, "sora@test.kr").await;
    let soras = code_in(&smtp.wait_for("sora@test.kr", 3).await[2]);
    if hanas != soras {
        confirm(&server, "sora@test.kr", &hanas, "새 비밀번호 123")
            .await
            .expect_error(422, "invalid_code");
    }
    confirm(&server, "sora@test.kr", &soras, "새 비밀번호 123")
        .await
        .expect(200);
    confirm(&server, "hana@test.kr", &hanas, "하나의 새 비밀번호")
        .await
        .expect(200);
}

/// Moves every code's mailing a minute back (as if the resend wait passed).
async fn set_created_back(server: &TestServer) {
    server
        .exec("UPDATE password_resets SET created_at = created_at - 61000")
        .await;
}

async fn asking_again_within_a_minute_mails_nothing(engine: Engine) {
    let (server, smtp) = with_mail(engine).await;
    server.api().signup("yuna").await;
    ask(&server, "yuna@test.kr").await;
    let first = code_in(&smtp.wait_for("yuna@test.kr", 1).await[0]);
    ask(&server, "yuna@test.kr").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1);
    // After the minute a new code replaces the first.
    set_created_back(&server).await;
    ask(&server, "yuna@test.kr").await;
    let second = code_in(&smtp.wait_for("yuna@test.kr", 2).await[1]);
    if first != second {
        confirm(&server, "yuna@test.kr", &first, "유나의 새 비밀번호")
            .await
            .expect_error(422, "invalid_code");
    }
    confirm(&server, "yuna@test.kr", &second, "유나의 새 비밀번호")
        .await
        .expect(200);
}

async fn bad_input_and_limits(engine: Engine) {
    let smtp = SmtpCapture::start().await;
    let url = smtp.url();
    let server = TestServer::start_with(engine, |s| {
        s.mail = Some(moa_server::mail::MailSettings::Smtp {
            url,
            from: "no-reply@moa.test".into(),
        });
        s.auth_rate_per_account = 3;
    })
    .await;
    let api = server.api();
    api.signup("dami").await;
    api.post(
        "/v1/auth/password-reset",
        None,
        json!({"email": "not-an-address"}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post("/v1/auth/password-reset", None, json!({"email": 5}))
        .await
        .expect_error(422, "invalid_field");
    api.raw(
        "/v1/auth/password-reset",
        Some("application/json"),
        b"{\"email\":".to_vec(),
    )
    .await
    .expect_error(400, "malformed_json");
    for (code, password, field) in [
        ("12345", "충분히 긴 비밀번호", "code"),
        ("abcdef", "충분히 긴 비밀번호", "code"),
        ("123456", "short", "new_password"),
    ] {
        let r = confirm(&server, "dami@test.kr", code, password)
            .await
            .expect_error(422, "invalid_field");
        assert_eq!(r.field(), field);
    }
    // Nothing was mailed for any of that.
    assert!(smtp.messages().is_empty());
    // Per address: three asks a minute, the fourth waits.
    for _ in 0..3 {
        ask(&server, "dami@test.kr").await;
    }
    let r = api
        .post(
            "/v1/auth/password-reset",
            None,
            json!({"email": "dami@test.kr"}),
        )
        .await
        .expect_error(429, "rate_limited");
    assert!(r.headers.contains_key("retry-after"));
    // Guessing codes is limited per address too (besides the five tries).
    for _ in 0..3 {
        confirm(&server, "dami@test.kr", "999999", "충분히 긴 비밀번호").await;
    }
    confirm(&server, "dami@test.kr", "999999", "충분히 긴 비밀번호")
        .await
        .expect_error(429, "rate_limited");
}

async fn a_server_without_mail_offers_no_reset(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let methods = api.get("/v1/auth/methods", None).await.expect(200).body;
    assert_eq!(
        methods,
        json!({"password": true, "password_reset": false, "phone_verification": false, "providers": []})
    );
    api.signup("bora").await;
    api.post(
        "/v1/auth/password-reset",
        None,
        json!({"email": "bora@test.kr"}),
    )
    .await
    .expect_error(404, "not_offered");
    confirm(&server, "bora@test.kr", "123456", "충분히 긴 비밀번호")
        .await
        .expect_error(404, "not_offered");
}

async fn a_device_resets_through_client_core(engine: Engine) {
    use moa_client_core::Error;
    let (server, smtp) = with_mail(engine).await;
    let url = server.url("");
    let (old, _d1) = moa_tests::open_client(&url).await;
    old.sign_up("jiwoo@test.kr", "password-jiwoo", "jiwoo", "지우")
        .await
        .unwrap();
    old.sync().await.unwrap();
    let (new, _d2) = moa_tests::open_client(&url).await;
    assert!(new.sign_in_methods().await.unwrap().password_reset);
    assert!(matches!(
        new.request_password_reset("지우").await,
        Err(Error::Invalid { .. })
    ));
    let sent = new.request_password_reset("jiwoo@test.kr").await.unwrap();
    assert_eq!(sent.valid_for_secs, 1800);
    let code = code_in(&smtp.wait_for("jiwoo@test.kr", 1).await[0]);
    assert!(matches!(
        new.reset_password("jiwoo@test.kr", "12 34", "새로운 비밀번호")
            .await,
        Err(Error::Invalid { .. })
    ));
    let wrong = if code == "111111" { "222222" } else { "111111" };
    match new
        .reset_password("jiwoo@test.kr", wrong, "새로운 비밀번호")
        .await
    {
        Err(Error::Rejected { code, .. }) => {
            assert_eq!(code, moa_client_core::protocol::ErrorCode::InvalidCode)
        }
        other => panic!("{other:?}"),
    }
    // Typed with a space in the middle, as people do.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let me = new
        .reset_password("jiwoo@test.kr", &spaced, "새로운 비밀번호")
        .await
        .unwrap();
    assert_eq!(me.handle, "jiwoo");
    new.sync().await.unwrap();
    // The other device's session ended with the reset.
    assert!(matches!(old.sync().await, Err(Error::Auth(_))));
}
