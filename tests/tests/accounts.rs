//! The account API end to end, on SQLite and on PostgreSQL: sign-up, sign-in,
//! token rotation, sign-out, profiles, password change, deletion, roles,
//! suspension, rate limits, and every kind of bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_protocol::Role;
use moa_tests::{Engine, Session, TestServer, account_with_role, both_engines};
use serde_json::json;

both_engines!(
    signup_login_and_me,
    duplicate_email_or_handle_is_a_conflict,
    bad_input_is_rejected_and_changes_nothing,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_ends_the_session,
    expired_forged_and_missing_tokens,
    roles_are_checked_on_every_request,
    suspended_members_read_but_do_not_write,
    sign_in_is_rate_limited_per_ip_and_per_account,
    profile_edit_and_public_profiles,
    password_change_signs_out_other_sessions,
    account_deletion_is_soft,
    migrations_apply_to_an_empty_database,
);

async fn signup_login_and_me(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let r = api
        .post(
            "/v1/auth/signup",
            None,
            json!({"email": " MinJi@Example.KR ", "password": "비밀번호는길게써요", "handle": "MinJi", "display_name": "김민지"}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["user"]["email"], "minji@example.kr");
    assert_eq!(r.body["user"]["handle"], "minji");
    assert_eq!(r.body["user"]["display_name"], "김민지");
    assert_eq!(r.body["user"]["role"], "member");
    let session = Session::from_body(&r.body);

    let me = api.get("/v1/me", session.token()).await.expect(200);
    assert_eq!(me.body["id"], session.user_id.as_str());

    let login = api
        .login("minji@example.kr", "비밀번호는길게써요")
        .await
        .expect(200);
    assert_eq!(login.body["user"]["id"], session.user_id.as_str());
    assert_ne!(
        login.body["refresh_token"],
        session.refresh.as_str(),
        "a new session"
    );

    api.login("minji@example.kr", "wrong password")
        .await
        .expect_error(401, "invalid_credentials");
    api.login("nobody@example.kr", "비밀번호는길게써요")
        .await
        .expect_error(401, "invalid_credentials");

    // Passwords are stored as argon2id hashes, never in clear.
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(server.state.db.read())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("비밀번호"));
    // Refresh tokens are stored only as hashes.
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM refresh_tokens")
        .fetch_all(server.state.db.read())
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(!stored.contains(&session.refresh));
}

async fn duplicate_email_or_handle_is_a_conflict(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    api.signup("seojun").await;
    let dup_email = json!({"email": "SEOJUN@test.kr", "password": "password-x", "handle": "other", "display_name": "x"});
    api.post("/v1/auth/signup", None, dup_email)
        .await
        .expect_error(409, "email_taken");
    let dup_handle = json!({"email": "other@test.kr", "password": "password-x", "handle": "SeoJun", "display_name": "x"});
    api.post("/v1/auth/signup", None, dup_handle)
        .await
        .expect_error(409, "handle_taken");
    assert_eq!(server.count("users").await, 1);
    assert_eq!(server.count("sessions").await, 1);
}

async fn bad_input_is_rejected_and_changes_nothing(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let ok = json!({"email": "a@test.kr", "password": "password-1", "handle": "abc", "display_name": "에이"});
    let with = |key: &str, value: serde_json::Value| {
        let mut body = ok.clone();
        body[key] = value;
        body
    };

    // Malformed JSON, trailing garbage, no or wrong content type.
    let r = api
        .raw(
            "/v1/auth/signup",
            Some("application/json"),
            b"{\"email\": ".to_vec(),
        )
        .await;
    r.expect_error(400, "malformed_json");
    let mut trailing = serde_json::to_vec(&ok).unwrap();
    trailing.extend_from_slice(b" {}");
    let r = api
        .raw("/v1/auth/signup", Some("application/json"), trailing)
        .await;
    r.expect_error(400, "malformed_json");
    let body = serde_json::to_vec(&ok).unwrap();
    api.raw("/v1/auth/signup", None, body.clone())
        .await
        .expect_error(415, "unsupported_media_type");
    api.raw("/v1/auth/signup", Some("text/plain"), body)
        .await
        .expect_error(415, "unsupported_media_type");

    // Over 1 MiB: 413, whether announced by Content-Length or not.
    let mut huge = ok.clone();
    huge["display_name"] = json!("가".repeat(400_000));
    let r = api
        .raw(
            "/v1/auth/signup",
            Some("application/json"),
            serde_json::to_vec(&huge).unwrap(),
        )
        .await;
    r.expect_error(413, "payload_too_large");

    // Wrong types and missing fields name the field.
    let r = api
        .post("/v1/auth/signup", None, with("email", json!(42)))
        .await;
    assert_eq!(r.expect_error(422, "invalid_field").field(), "email");
    let r = api
        .post("/v1/auth/signup", None, with("handle", json!(["abc"])))
        .await;
    assert_eq!(r.expect_error(422, "invalid_field").field(), "handle");
    let r = api
        .post(
            "/v1/auth/signup",
            None,
            json!({"email": "a@test.kr", "password": "password-1", "handle": "abc"}),
        )
        .await;
    assert_eq!(r.expect_error(422, "invalid_field").field(), "display_name");
    let r = api.post("/v1/auth/signup", None, json!([1, 2])).await;
    r.expect_error(422, "invalid_field");

    // Rule violations name the field.
    for (key, value) in [
        ("email", json!("not-an-email")),
        ("email", json!("a@b")),
        ("handle", json!("a")),
        ("handle", json!("한글핸들")),
        ("handle", json!("has space")),
        ("password", json!("short")),
        ("password", json!("x".repeat(129))),
        ("display_name", json!("   ")),
        ("display_name", json!("가".repeat(41))),
    ] {
        let r = api
            .post("/v1/auth/signup", None, with(key, value.clone()))
            .await;
        assert_eq!(
            r.expect_error(422, "invalid_field").field(),
            key,
            "{key} = {value}"
        );
    }
    // Login and refresh bodies too.
    let r = api
        .post("/v1/auth/login", None, json!({"email": "a@test.kr"}))
        .await;
    assert_eq!(r.expect_error(422, "invalid_field").field(), "password");
    let r = api
        .post("/v1/auth/refresh", None, json!({"refresh_token": 5}))
        .await;
    assert_eq!(
        r.expect_error(422, "invalid_field").field(),
        "refresh_token"
    );

    assert_eq!(server.count("users").await, 0, "bad input wrote nothing");
    assert_eq!(server.count("sessions").await, 0);

    // Unknown paths and methods answer JSON errors too.
    api.get("/v1/nope", None)
        .await
        .expect_error(404, "not_found");
    api.put("/health", None, json!({}))
        .await
        .expect_error(405, "method_not_allowed");
    api.get("/v1/users/not-a-uuid", None)
        .await
        .expect_error(404, "not_found");
    api.get(&format!("/v1/users/{}", uuid::Uuid::now_v7()), None)
        .await
        .expect_error(404, "not_found");
}

async fn refresh_rotates_and_reuse_revokes_the_family(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let first = api.signup("jiwoo").await;

    let second = api
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": first.refresh}),
        )
        .await
        .expect(200);
    let second = Session::from_body(&second.body);
    assert_ne!(second.refresh, first.refresh);
    api.get("/v1/me", second.token()).await.expect(200);

    let third = api
        .post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": second.refresh}),
        )
        .await
        .expect(200);
    let third = Session::from_body(&third.body);

    // An attacker replays the first (spent) token: the whole family is revoked.
    api.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": first.refresh}),
    )
    .await
    .expect_error(401, "refresh_token_reused");
    api.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": third.refresh}),
    )
    .await
    .expect_error(401, "invalid_refresh_token");
    api.get("/v1/me", third.token())
        .await
        .expect_error(401, "invalid_token");

    // Another device's session is untouched.
    let other = api
        .login("jiwoo@test.kr", "password-jiwoo")
        .await
        .expect(200);
    let other = Session::from_body(&other.body);
    api.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": other.refresh}),
    )
    .await
    .expect(200);

    api.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": "made-up"}),
    )
    .await
    .expect_error(401, "invalid_refresh_token");
}

async fn logout_ends_the_session(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("haeun").await;
    api.post("/v1/auth/logout", s.token(), json!({}))
        .await
        .expect(204);
    api.get("/v1/me", s.token())
        .await
        .expect_error(401, "invalid_token");
    api.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": s.refresh}),
    )
    .await
    .expect_error(401, "invalid_refresh_token");
    api.post("/v1/auth/logout", None, json!({}))
        .await
        .expect_error(401, "missing_token");
}

async fn expired_forged_and_missing_tokens(engine: Engine) {
    use base64::Engine as _;
    use jsonwebtoken::{EncodingKey, Header, encode};
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("doyoon").await;
    let claims = |sub: &str, exp: i64| json!({"sub": sub, "sid": "x", "iat": 0, "exp": exp, "typ": "access"});
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;

    // The server's own key, read from its data dir, signing an expired token.
    let text = std::fs::read_to_string(server.data_dir.path().join("jwt-secret")).unwrap();
    let key = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap();
    let expired = encode(
        &Header::default(),
        &claims(&s.user_id, now - 3600),
        &EncodingKey::from_secret(&key),
    )
    .unwrap();
    api.get("/v1/me", Some(&expired))
        .await
        .expect_error(401, "token_expired");

    // The right claims signed with another key.
    let forged = encode(
        &Header::default(),
        &claims(&s.user_id, now + 600),
        &EncodingKey::from_secret(b"another key that is long enough!!"),
    )
    .unwrap();
    api.get("/v1/me", Some(&forged))
        .await
        .expect_error(401, "invalid_token");

    // A valid signature over a session that does not exist.
    let no_session = encode(
        &Header::default(),
        &claims(&s.user_id, now + 600),
        &EncodingKey::from_secret(&key),
    )
    .unwrap();
    api.get("/v1/me", Some(&no_session))
        .await
        .expect_error(401, "invalid_token");

    api.get("/v1/me", Some("not.a.token"))
        .await
        .expect_error(401, "invalid_token");
    api.get("/v1/me", None)
        .await
        .expect_error(401, "missing_token");
    let r = api
        .http
        .get(server.url("/v1/me"))
        .header("authorization", format!("Basic {}", s.access))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    api.get("/v1/me", s.token()).await.expect(200);
}

async fn roles_are_checked_on_every_request(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let admin = account_with_role(&server, "boss", Role::Admin).await;
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let member = api.signup("seoyeon").await;

    api.get("/v1/admin/users", member.token())
        .await
        .expect_error(403, "forbidden");
    api.get("/v1/admin/audit", member.token())
        .await
        .expect_error(403, "forbidden");
    let list = api
        .get("/v1/admin/users?q=SEO", moderator.token())
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["handle"], "seoyeon");

    // Only admins change roles; the change applies on the very next request.
    let path = format!("/v1/admin/users/{}/role", member.user_id);
    api.put(&path, moderator.token(), json!({"role": "moderator"}))
        .await
        .expect_error(403, "forbidden");
    api.put(&path, member.token(), json!({"role": "admin"}))
        .await
        .expect_error(403, "forbidden");
    api.put(&path, admin.token(), json!({"role": "superuser"}))
        .await
        .expect_error(422, "invalid_field");
    let r = api
        .put(&path, admin.token(), json!({"role": "moderator"}))
        .await
        .expect(200);
    assert_eq!(r.body["role"], "moderator");
    api.get("/v1/admin/users", member.token()).await.expect(200);

    // Admins cannot change their own role; unknown ids are 404.
    let own = format!("/v1/admin/users/{}/role", admin.user_id);
    api.put(&own, admin.token(), json!({"role": "member"}))
        .await
        .expect_error(403, "forbidden");
    let ghost = format!("/v1/admin/users/{}/role", uuid::Uuid::now_v7());
    api.put(&ghost, admin.token(), json!({"role": "member"}))
        .await
        .expect_error(404, "not_found");
    api.put(
        "/v1/admin/users/x'--/role",
        admin.token(),
        json!({"role": "member"}),
    )
    .await
    .expect_error(404, "not_found");

    // Paging through all users by cursor, then a bad cursor.
    let page1 = api
        .get("/v1/admin/users?limit=2", admin.token())
        .await
        .expect(200);
    assert_eq!(page1.body["items"].as_array().unwrap().len(), 2);
    let cursor = page1.body["next_cursor"].as_str().unwrap().to_owned();
    let page2 = api
        .get(
            &format!("/v1/admin/users?limit=2&cursor={cursor}"),
            admin.token(),
        )
        .await
        .expect(200);
    assert_eq!(page2.body["items"].as_array().unwrap().len(), 1);
    assert!(page2.body["next_cursor"].is_null());
    api.get("/v1/admin/users?cursor=%%%", admin.token())
        .await
        .expect_error(400, "invalid_parameter");
    api.get("/v1/admin/users?limit=-1", admin.token())
        .await
        .expect_error(400, "invalid_parameter");

    api.get("/v1/admin/audit", moderator.token())
        .await
        .expect_error(403, "forbidden");
    let audit = api.get("/v1/admin/audit", admin.token()).await.expect(200);
    let entries = audit.body["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "set_role");
    assert_eq!(entries[0]["actor_id"], admin.user_id.as_str());
}

async fn suspended_members_read_but_do_not_write(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let admin = account_with_role(&server, "boss", Role::Admin).await;
    let moderator = account_with_role(&server, "keeper", Role::Moderator).await;
    let member = api.signup("minji").await;
    let path = format!("/v1/admin/users/{}/suspension", member.user_id);

    let bad_days = json!({"days": 0, "reason": "spam"});
    assert_eq!(
        api.post(&path, moderator.token(), bad_days)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "days"
    );
    let no_reason = json!({"days": 3, "reason": "  "});
    assert_eq!(
        api.post(&path, moderator.token(), no_reason)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "reason"
    );
    api.post(&path, member.token(), json!({"days": 3, "reason": "x"}))
        .await
        .expect_error(403, "forbidden");

    let r = api
        .post(
            &path,
            moderator.token(),
            json!({"days": 3, "reason": "스팸 게시"}),
        )
        .await
        .expect(200);
    assert!(r.body["suspended_until"].as_i64().unwrap() > 0);

    // Signs in and reads, cannot write.
    let again = api
        .login("minji@test.kr", "password-minji")
        .await
        .expect(200);
    assert!(again.body["user"]["suspended_until"].is_i64());
    api.get("/v1/me", member.token()).await.expect(200);
    api.patch("/v1/me", member.token(), json!({"bio": "안녕"}))
        .await
        .expect_error(403, "account_suspended");

    // Moderators cannot suspend admins or other moderators, nor themselves.
    let on_admin = format!("/v1/admin/users/{}/suspension", admin.user_id);
    api.post(
        &on_admin,
        moderator.token(),
        json!({"days": 1, "reason": "x"}),
    )
    .await
    .expect_error(403, "forbidden");
    let on_self = format!("/v1/admin/users/{}/suspension", moderator.user_id);
    api.post(
        &on_self,
        moderator.token(),
        json!({"days": 1, "reason": "x"}),
    )
    .await
    .expect_error(403, "forbidden");

    api.delete(&path, moderator.token(), None).await.expect(200);
    api.patch("/v1/me", member.token(), json!({"bio": "돌아왔어요"}))
        .await
        .expect(200);
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(server.state.db.read())
        .await
        .unwrap();
    assert_eq!(actions, ["suspend", "unsuspend"]);
}

async fn sign_in_is_rate_limited_per_ip_and_per_account(engine: Engine) {
    let server = TestServer::start_with(engine, |s| {
        s.auth_rate_per_ip = 4;
        s.auth_rate_per_account = 2;
    })
    .await;
    let api = server.api();
    // Per account: the third attempt on one email within the minute is refused,
    // even with the right password; another account is not affected.
    api.login("victim@test.kr", "guess-one")
        .await
        .expect_error(401, "invalid_credentials");
    api.login("victim@test.kr", "guess-two")
        .await
        .expect_error(401, "invalid_credentials");
    let r = api
        .login("Victim@test.kr", "guess-three")
        .await
        .expect_error(429, "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    api.login("other@test.kr", "guess")
        .await
        .expect_error(401, "invalid_credentials");
    // Per IP: the fifth attempt from this address is refused, whatever the account.
    api.login("third@test.kr", "guess")
        .await
        .expect_error(429, "rate_limited");
    let signup = json!({"email": "n@test.kr", "password": "password-n", "handle": "newbie", "display_name": "n"});
    for _ in 0..4 {
        let mut body = signup.clone();
        body["email"] = json!(format!("{}@test.kr", uuid::Uuid::now_v7().simple()));
        body["handle"] = json!(format!(
            "h{}",
            &uuid::Uuid::now_v7().simple().to_string()[20..]
        ));
        api.post("/v1/auth/signup", None, body).await.expect(201);
    }
    api.post("/v1/auth/signup", None, signup)
        .await
        .expect_error(429, "rate_limited");
}

async fn profile_edit_and_public_profiles(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("minji").await;
    let avatar = moa_tests::upload_photo(&api, &s, 7).await;
    let r = api
        .patch(
            "/v1/me",
            s.token(),
            json!({"display_name": " 민지 ☕ ", "bio": "성수동 카페 투어", "links": ["https://blog.example.kr/minji"], "avatar_media_id": avatar}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["display_name"], "민지 ☕");
    assert_eq!(r.body["links"], json!(["https://blog.example.kr/minji"]));
    assert_eq!(r.body["avatar_media_id"], avatar.as_str());

    // Invalid edits name the field and change nothing.
    let four = json!({"links": ["https://a.kr", "https://b.kr", "https://c.kr", "https://d.kr"]});
    assert_eq!(
        api.patch("/v1/me", s.token(), four)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "links"
    );
    let js = json!({"bio": "바뀌면 안 됨", "links": ["javascript:alert(1)"]});
    assert_eq!(
        api.patch("/v1/me", s.token(), js)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "links[0]"
    );
    let bad_avatar = json!({"avatar_media_id": "../../etc/passwd"});
    api.patch("/v1/me", s.token(), bad_avatar)
        .await
        .expect_error(422, "invalid_field");
    let me = api.get("/v1/me", s.token()).await.expect(200);
    assert_eq!(me.body["bio"], "성수동 카페 투어");

    // null clears the avatar; absent fields stay.
    let r = api
        .patch("/v1/me", s.token(), json!({"avatar_media_id": null}))
        .await
        .expect(200);
    assert!(r.body["avatar_media_id"].is_null());
    assert_eq!(r.body["bio"], "성수동 카페 투어");

    let by_id = api
        .get(&format!("/v1/users/{}", s.user_id), None)
        .await
        .expect(200);
    assert_eq!(by_id.body["display_name"], "민지 ☕");
    assert!(by_id.body.get("email").is_none(), "emails are private");
    let by_handle = api.get("/v1/users/by-handle/MINJI", None).await.expect(200);
    assert_eq!(by_handle.body["id"], s.user_id.as_str());
}

async fn password_change_signs_out_other_sessions(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let phone = api.signup("seojun").await;
    let laptop = Session::from_body(
        &api.login("seojun@test.kr", "password-seojun")
            .await
            .expect(200)
            .body,
    );

    let wrong = json!({"current_password": "nope-nope", "new_password": "새비밀번호입니다"});
    let r = api
        .post("/v1/me/password", laptop.token(), wrong)
        .await
        .expect_error(422, "invalid_field");
    assert_eq!(r.field(), "current_password");
    let short = json!({"current_password": "password-seojun", "new_password": "short"});
    assert_eq!(
        api.post("/v1/me/password", laptop.token(), short)
            .await
            .expect_error(422, "invalid_field")
            .field(),
        "new_password"
    );

    let change = json!({"current_password": "password-seojun", "new_password": "새비밀번호입니다"});
    api.post("/v1/me/password", laptop.token(), change)
        .await
        .expect(204);
    api.get("/v1/me", laptop.token()).await.expect(200);
    api.get("/v1/me", phone.token())
        .await
        .expect_error(401, "invalid_token");
    api.post(
        "/v1/auth/refresh",
        None,
        json!({"refresh_token": phone.refresh}),
    )
    .await
    .expect_error(401, "invalid_refresh_token");
    api.login("seojun@test.kr", "password-seojun")
        .await
        .expect_error(401, "invalid_credentials");
    api.login("seojun@test.kr", "새비밀번호입니다")
        .await
        .expect(200);
}

async fn account_deletion_is_soft(engine: Engine) {
    let server = TestServer::start(engine).await;
    let api = server.api();
    let s = api.signup("jiwoo").await;
    let wrong = api
        .delete(
            "/v1/me",
            s.token(),
            Some(json!({"password": "wrong-password"})),
        )
        .await;
    assert_eq!(wrong.expect_error(422, "invalid_field").field(), "password");
    api.delete(
        "/v1/me",
        s.token(),
        Some(json!({"password": "password-jiwoo"})),
    )
    .await
    .expect(204);

    api.get("/v1/me", s.token())
        .await
        .expect_error(401, "invalid_token");
    api.login("jiwoo@test.kr", "password-jiwoo")
        .await
        .expect_error(401, "invalid_credentials");
    let profile = api
        .get(&format!("/v1/users/{}", s.user_id), None)
        .await
        .expect(200);
    assert_eq!(profile.body["deleted"], true);
    assert_eq!(profile.body["display_name"], "");
    assert_eq!(
        server.count("users").await,
        1,
        "the row stays for the member's content"
    );
    api.get("/v1/users/by-handle/jiwoo", None)
        .await
        .expect_error(404, "not_found");

    // The email and handle are free again.
    let again = api.signup("jiwoo").await;
    assert_ne!(again.user_id, s.user_id);
}

async fn migrations_apply_to_an_empty_database(engine: Engine) {
    let data = tempfile::tempdir().unwrap();
    let url = match engine {
        Engine::Sqlite => None,
        Engine::Postgres => Some(moa_tests::fresh_postgres_database().await),
    };
    let db = moa_server::Db::connect(url.as_deref(), data.path())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(db.read())
            .await
            .unwrap_or_else(|_| panic!("no migration table"));
    assert_eq!(applied as usize, moa_server::db::SQLITE_MIGRATIONS.len());
    for table in ["users", "sessions", "refresh_tokens", "audit_log"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db.read())
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    db.close().await;
}
