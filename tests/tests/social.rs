//! Sign-in with a provider end to end over HTTP, on both engines: Google
//! and Kakao against a real OpenID provider running locally
//! (oidc-provider-mock), Naver against the local fake of its OAuth 2 and
//! profile endpoints. A newcomer signs up with a proposed handle and comes
//! back; an existing email account is linked only with its password;
//! members link and unlink from settings, never the last way in; and every
//! refusal: unknown or replayed state, a replayed code, a changed nonce,
//! expired ID tokens, an unverified email, another member's provider
//! account, redirect addresses that are not the app's. Through
//! client-core: the two steps a device takes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use moa_server::auth::social::naver::fake::{Account, FakeNaver};
use moa_tests::oidc::{OidcProvider, authorize_as, code_and_state};
use moa_tests::{Engine, Reply, Session, TestServer, both_engines};
use serde_json::{Value, json};

both_engines!(
    a_newcomer_signs_up_and_comes_back,
    an_existing_account_is_linked_only_with_its_password,
    state_nonce_and_expiry_are_checked,
    naver_signs_in_through_oauth_and_its_profile,
    members_link_and_unlink_from_settings,
    the_client_signs_in_in_two_steps,
    an_unreachable_provider_is_said_so,
);

const REDIRECT: &str = "http://127.0.0.1:53682/oauth/callback";

async fn with_google(engine: Engine, google: &OidcProvider) -> TestServer {
    let settings = google.settings("moa-google");
    TestServer::start_with(engine, |s| s.social.google = Some(settings)).await
}

async fn start(server: &TestServer, provider: &str) -> Value {
    server
        .api()
        .post(
            &format!("/v1/auth/social/{provider}/start"),
            None,
            json!({"redirect_uri": REDIRECT}),
        )
        .await
        .expect(200)
        .body
}

async fn finish(server: &TestServer, location: &str, token: Option<&str>) -> Reply {
    let (code, state) = code_and_state(location);
    server
        .api()
        .post(
            "/v1/auth/social/finish",
            token,
            json!({"state": state, "code": code}),
        )
        .await
}

/// Signs `sub` in with Google from the start; answers `finish`'s reply.
async fn sign_in(server: &TestServer, google: &OidcProvider, sub: &str) -> Reply {
    let started = start(server, "google").await;
    let location = google
        .authorize(started["authorize_url"].as_str().unwrap(), sub)
        .await;
    assert!(location.starts_with(REDIRECT), "{location}");
    finish(server, &location, None).await
}

async fn identities(server: &TestServer, who: &Session) -> Value {
    server
        .api()
        .get("/v1/me/identities", who.token())
        .await
        .expect(200)
        .body
}

async fn a_newcomer_signs_up_and_comes_back(engine: Engine) {
    let google = OidcProvider::start(&[]).await;
    google
        .set_user(
            "g-100",
            json!({"email": "Kim.Haneul@Gmail.com", "email_verified": true, "name": "김하늘"}),
        )
        .await;
    let server = with_google(engine, &google).await;
    let api = server.api();

    let methods = api.get("/v1/auth/methods", None).await.expect(200).body;
    assert_eq!(methods["providers"], json!(["google"]));

    // The authorization URL carries everything the provider checks.
    let started = start(&server, "google").await;
    let url = url::Url::parse(started["authorize_url"].as_str().unwrap()).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "moa-google");
    assert_eq!(q["redirect_uri"], REDIRECT);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["state"], started["state"].as_str().unwrap());
    assert!(q["nonce"].len() >= 40 && q["code_challenge"].len() == 43);

    let outcome = sign_in(&server, &google, "g-100").await.expect(200).body;
    assert_eq!(outcome["outcome"], "sign_up", "{outcome}");
    assert_eq!(outcome["email"], "kim.haneul@gmail.com");
    assert_eq!(outcome["display_name"], "김하늘");
    assert_eq!(outcome["proposed_handle"], "kim_haneul");
    let ticket = outcome["ticket"].as_str().unwrap();

    // A bad handle changes nothing; the ticket still works after it.
    api.post(
        "/v1/auth/social/signup",
        None,
        json!({"ticket": ticket, "handle": "김하늘"}),
    )
    .await
    .expect_error(422, "invalid_field");
    api.post(
        "/v1/auth/social/signup",
        None,
        json!({"ticket": "made-up", "handle": "haneul"}),
    )
    .await
    .expect_error(422, "invalid_ticket");
    let created = api
        .post(
            "/v1/auth/social/signup",
            None,
            json!({"ticket": ticket, "handle": "haneul_k"}),
        )
        .await
        .expect(201)
        .body;
    let haneul = Session::from_body(&created);
    assert_eq!(created["user"]["handle"], "haneul_k");
    assert_eq!(created["user"]["email"], "kim.haneul@gmail.com");
    // A ticket works once.
    api.post(
        "/v1/auth/social/signup",
        None,
        json!({"ticket": ticket, "handle": "haneul_k2"}),
    )
    .await
    .expect_error(422, "invalid_ticket");

    let ways = identities(&server, &haneul).await;
    assert_eq!(ways["password"], false);
    assert_eq!(ways["identities"][0]["provider"], "google");
    assert_eq!(ways["identities"][0]["email"], "kim.haneul@gmail.com");
    // No password to sign in with.
    api.login("kim.haneul@gmail.com", "any password at all")
        .await
        .expect_error(401, "invalid_credentials");

    // Back again: signed in as the same member at once.
    let again = sign_in(&server, &google, "g-100").await.expect(200).body;
    assert_eq!(again["outcome"], "signed_in");
    assert_eq!(again["auth"]["user"]["id"], haneul.user_id.as_str());
    let session = Session::from_body(&again["auth"]);
    api.get("/v1/me", session.token()).await.expect(200);

    // The only way in cannot be removed.
    api.delete("/v1/me/identities/google", haneul.token(), None)
        .await
        .expect_error(409, "last_sign_in_method");
    assert_eq!(
        identities(&server, &haneul).await["identities"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A second newcomer whose local part is taken gets another handle.
    google
        .set_user(
            "g-101",
            json!({"email": "haneul_k@naver.com", "email_verified": true}),
        )
        .await;
    let other = sign_in(&server, &google, "g-101").await.expect(200).body;
    assert_eq!(other["outcome"], "sign_up");
    let proposed = other["proposed_handle"].as_str().unwrap();
    assert!(
        proposed.starts_with("haneul_k") && proposed != "haneul_k",
        "{proposed}"
    );
    assert_eq!(other["display_name"], "haneul_k", "no name: the local part");

    // Without a password, a sign-in within ten minutes confirms deleting
    // the account; an older session does not.
    server
        .exec(&format!(
            "UPDATE sessions SET created_at = created_at - 3600000 WHERE user_id = '{}'",
            haneul.user_id
        ))
        .await;
    api.delete("/v1/me", haneul.token(), Some(json!({"password": ""})))
        .await
        .expect_error(422, "invalid_field");
    let fresh = sign_in(&server, &google, "g-100").await.expect(200).body;
    let fresh = Session::from_body(&fresh["auth"]);
    api.delete("/v1/me", fresh.token(), Some(json!({"password": ""})))
        .await
        .expect(204);
    // The provider account is free again: it signs up afresh.
    let afresh = sign_in(&server, &google, "g-100").await.expect(200).body;
    assert_eq!(afresh["outcome"], "sign_up", "{afresh}");
    assert_eq!(afresh["proposed_handle"], "kim_haneul");
}

async fn an_existing_account_is_linked_only_with_its_password(engine: Engine) {
    let google = OidcProvider::start(&[]).await;
    let server = with_google(engine, &google).await;
    let api = server.api();
    let minji = api.signup("minji").await;
    google
        .set_user(
            "g-minji",
            json!({"email": "MINJI@test.kr", "email_verified": true, "name": "민지"}),
        )
        .await;

    let outcome = sign_in(&server, &google, "g-minji").await.expect(200).body;
    assert_eq!(outcome["outcome"], "link_required", "{outcome}");
    assert_eq!(outcome["email"], "minji@test.kr");
    assert_eq!(outcome["has_password"], true);
    assert_eq!(outcome["providers"], json!([]));
    let ticket = outcome["ticket"].as_str().unwrap().to_owned();

    // The ticket cannot make a second account with that email.
    api.post(
        "/v1/auth/social/signup",
        None,
        json!({"ticket": ticket, "handle": "minji_two"}),
    )
    .await
    .expect_error(422, "invalid_ticket");
    let link = |password: &str| {
        let api = api.clone();
        let body = json!({"ticket": ticket, "password": password});
        async move { api.post("/v1/auth/social/link", None, body).await }
    };
    link("wrong-password")
        .await
        .expect_error(401, "invalid_credentials");
    assert_eq!(identities(&server, &minji).await["identities"], json!([]));
    let linked = link("password-minji").await.expect(200).body;
    assert_eq!(linked["user"]["id"], minji.user_id.as_str());
    link("password-minji")
        .await
        .expect_error(422, "invalid_ticket");

    let ways = identities(&server, &minji).await;
    assert_eq!(ways["password"], true);
    assert_eq!(ways["identities"][0]["provider"], "google");
    // Now the provider signs minji in directly.
    let again = sign_in(&server, &google, "g-minji").await.expect(200).body;
    assert_eq!(again["outcome"], "signed_in");
    assert_eq!(again["auth"]["user"]["id"], minji.user_id.as_str());
    // With a password left, the provider can go.
    let left = api
        .delete("/v1/me/identities/google", minji.token(), None)
        .await
        .expect(200)
        .body;
    assert_eq!(left, json!({"password": true, "identities": []}));
    api.delete("/v1/me/identities/google", minji.token(), None)
        .await
        .expect_error(404, "not_found");

    // Five wrong passwords end a ticket.
    let outcome = sign_in(&server, &google, "g-minji").await.expect(200).body;
    let ticket = outcome["ticket"].as_str().unwrap();
    for _ in 0..5 {
        api.post(
            "/v1/auth/social/link",
            None,
            json!({"ticket": ticket, "password": "guess"}),
        )
        .await
        .expect(401);
    }
    api.post(
        "/v1/auth/social/link",
        None,
        json!({"ticket": ticket, "password": "password-minji"}),
    )
    .await
    .expect_error(422, "invalid_ticket");

    // A provider that does not vouch for the email signs nobody in.
    for claims in [
        json!({"email": "minji@test.kr", "email_verified": false}),
        json!({"email": "nobody@test.kr"}),
        json!({"name": "이메일 없음"}),
    ] {
        google.set_user("g-unverified", claims).await;
        sign_in(&server, &google, "g-unverified")
            .await
            .expect_error(403, "email_unverified");
    }
    assert_eq!(identities(&server, &minji).await["identities"], json!([]));
}

async fn state_nonce_and_expiry_are_checked(engine: Engine) {
    let google = OidcProvider::start(&[]).await;
    // A provider whose ID tokens expired five minutes before they were
    // issued (beyond the minute of clock leeway), configured as Kakao.
    let stale = OidcProvider::start(&["--token-max-age=-300"]).await;
    let kakao = stale.settings("moa-kakao");
    let google_settings = google.settings("moa-google");
    let server = TestServer::start_with(engine, |s| {
        s.social.google = Some(google_settings);
        s.social.kakao = Some(kakao);
    })
    .await;
    let api = server.api();
    for sub in ["g-1", "k-1"] {
        let claims = json!({"email": format!("{sub}@test.kr"), "email_verified": true});
        google.set_user(sub, claims.clone()).await;
        stale.set_user(sub, claims).await;
    }
    let methods = api.get("/v1/auth/methods", None).await.expect(200).body;
    assert_eq!(methods["providers"], json!(["kakao", "google"]));

    // Redirect addresses other than the app's, providers not set up.
    for bad in [
        "https://evil.example/oauth/callback",
        "http://127.0.0.1/oauth/callback",
        "moa://elsewhere",
    ] {
        api.post(
            "/v1/auth/social/google/start",
            None,
            json!({"redirect_uri": bad}),
        )
        .await
        .expect_error(422, "invalid_field");
    }
    api.post(
        "/v1/auth/social/naver/start",
        None,
        json!({"redirect_uri": REDIRECT}),
    )
    .await
    .expect_error(404, "not_offered");
    api.post(
        "/v1/auth/social/facebook/start",
        None,
        json!({"redirect_uri": REDIRECT}),
    )
    .await
    .expect_error(404, "not_found");
    api.post("/v1/auth/social/google/start", None, json!({"redirect": 1}))
        .await
        .expect(422);

    // A state nobody started.
    let started = start(&server, "google").await;
    let location = google
        .authorize(started["authorize_url"].as_str().unwrap(), "g-1")
        .await;
    let (code, _) = code_and_state(&location);
    api.post(
        "/v1/auth/social/finish",
        None,
        json!({"state": "forged-state", "code": code}),
    )
    .await
    .expect_error(400, "invalid_oauth_state");
    // The real one still works, once.
    assert_eq!(
        finish(&server, &location, None).await.expect(200).body["outcome"],
        "sign_up"
    );
    finish(&server, &location, None)
        .await
        .expect_error(400, "invalid_oauth_state");
    // The spent code under a fresh state: the provider refuses it.
    let fresh = start(&server, "google").await;
    api.post(
        "/v1/auth/social/finish",
        None,
        json!({"state": fresh["state"], "code": code}),
    )
    .await
    .expect_error(400, "oauth_failed");

    // A nonce changed on the way (an ID token meant for another sign-in).
    let started = start(&server, "google").await;
    let mut url = url::Url::parse(started["authorize_url"].as_str().unwrap()).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "nonce" {
                (k, "someone-elses".into())
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = authorize_as(&http, url.as_str(), &[("sub", "g-1")]).await;
    let refused = finish(&server, &location, None)
        .await
        .expect_error(400, "oauth_failed");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nonce")
    );

    // An expired ID token.
    let started = start(&server, "kakao").await;
    let location = stale
        .authorize(started["authorize_url"].as_str().unwrap(), "k-1")
        .await;
    let refused = finish(&server, &location, None)
        .await
        .expect_error(400, "oauth_failed");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // Malformed bodies.
    api.post(
        "/v1/auth/social/finish",
        None,
        json!({"state": 1, "code": "c"}),
    )
    .await
    .expect(422);
    api.post(
        "/v1/auth/social/finish",
        None,
        json!({"state": "s", "code": ""}),
    )
    .await
    .expect_error(422, "invalid_field");
    assert_eq!(server.count("identities").await, 0);
    assert_eq!(server.count("users").await, 0);
}

async fn naver(engine: Engine) -> (TestServer, FakeNaver) {
    let fake = FakeNaver::start("127.0.0.1:0").await.unwrap();
    for (id, email, nickname) in [
        ("n-1", Some("saebom@naver.com"), "새봄"),
        ("n-2", None, "이메일없음"),
        ("n-3", Some("jiho@naver.com"), "지호"),
    ] {
        fake.add_account(Account {
            id: id.into(),
            email: email.map(str::to_owned),
            nickname: nickname.into(),
        });
    }
    let settings = fake.settings();
    let server = TestServer::start_with(engine, |s| s.social.naver = Some(settings)).await;
    (server, fake)
}

async fn naver_login(server: &TestServer, path: &str, token: Option<&str>, id: &str) -> String {
    let started = server
        .api()
        .post(path, token, json!({"redirect_uri": REDIRECT}))
        .await
        .expect(200)
        .body;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    authorize_as(
        &http,
        started["authorize_url"].as_str().unwrap(),
        &[("id", id)],
    )
    .await
}

async fn naver_signs_in_through_oauth_and_its_profile(engine: Engine) {
    let (server, _fake) = naver(engine).await;
    let api = server.api();
    let start = "/v1/auth/social/naver/start";
    let location = naver_login(&server, start, None, "n-1").await;
    let outcome = finish(&server, &location, None).await.expect(200).body;
    assert_eq!(outcome["outcome"], "sign_up", "{outcome}");
    assert_eq!(outcome["display_name"], "새봄");
    assert_eq!(outcome["proposed_handle"], "saebom");
    let saebom = api
        .post(
            "/v1/auth/social/signup",
            None,
            json!({"ticket": outcome["ticket"], "handle": "saebom", "display_name": "봄이"}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(saebom["user"]["display_name"], "봄이");
    let location = naver_login(&server, start, None, "n-1").await;
    let again = finish(&server, &location, None).await.expect(200).body;
    assert_eq!(again["auth"]["user"]["id"], saebom["user"]["id"]);

    // The fake checks the code once, the state and the PKCE verifier as
    // Naver would: a replayed code is refused.
    let location = naver_login(&server, start, None, "n-3").await;
    let (code, _) = code_and_state(&location);
    finish(&server, &location, None).await.expect(200);
    let fresh = api
        .post(start, None, json!({"redirect_uri": REDIRECT}))
        .await
        .expect(200)
        .body;
    api.post(
        "/v1/auth/social/finish",
        None,
        json!({"state": fresh["state"], "code": code}),
    )
    .await
    .expect_error(400, "oauth_failed");

    // No email consented: nothing to make an account with.
    let location = naver_login(&server, start, None, "n-2").await;
    finish(&server, &location, None)
        .await
        .expect_error(403, "email_unverified");
}

async fn members_link_and_unlink_from_settings(engine: Engine) {
    let (server, _fake) = naver(engine).await;
    let api = server.api();
    let seojun = api.signup("seojun").await;
    let yuna = api.signup("yuna").await;
    let link = "/v1/me/identities/naver/start";
    api.post(link, None, json!({"redirect_uri": REDIRECT}))
        .await
        .expect(401);

    // Finishing needs the member who started it.
    let location = naver_login(&server, link, seojun.token(), "n-3").await;
    finish(&server, &location, yuna.token())
        .await
        .expect_error(403, "forbidden");
    let location = naver_login(&server, link, seojun.token(), "n-3").await;
    finish(&server, &location, None)
        .await
        .expect_error(403, "forbidden");
    let location = naver_login(&server, link, seojun.token(), "n-3").await;
    let linked = finish(&server, &location, seojun.token())
        .await
        .expect(200)
        .body;
    assert_eq!(linked["outcome"], "linked");
    assert_eq!(linked["methods"]["identities"][0]["provider"], "naver");
    assert_eq!(
        linked["methods"]["identities"][0]["email"],
        "jiho@naver.com"
    );

    // The same Naver account cannot be yuna's too.
    let location = naver_login(&server, link, yuna.token(), "n-3").await;
    finish(&server, &location, yuna.token())
        .await
        .expect_error(409, "identity_taken");
    // A second Naver account for seojun neither.
    let location = naver_login(&server, link, seojun.token(), "n-1").await;
    finish(&server, &location, seojun.token())
        .await
        .expect_error(409, "identity_taken");

    // Signing in with it is seojun.
    let location = naver_login(&server, "/v1/auth/social/naver/start", None, "n-3").await;
    let signed = finish(&server, &location, None).await.expect(200).body;
    assert_eq!(signed["auth"]["user"]["id"], seojun.user_id.as_str());

    // Unlinked (the password stays), it is free for yuna.
    api.delete("/v1/me/identities/naver", seojun.token(), None)
        .await
        .expect(200);
    let location = naver_login(&server, link, yuna.token(), "n-3").await;
    finish(&server, &location, yuna.token()).await.expect(200);
    api.delete("/v1/me/identities/kakao", yuna.token(), None)
        .await
        .expect_error(404, "not_found");
    api.delete("/v1/me/identities/nope", yuna.token(), None)
        .await
        .expect_error(404, "not_found");
}

async fn the_client_signs_in_in_two_steps(engine: Engine) {
    use moa_client_core::SocialSignIn;
    use moa_client_core::protocol::SocialProvider;
    let google = OidcProvider::start(&[]).await;
    google
        .set_user(
            "g-device",
            json!({"email": "device@test.kr", "email_verified": true, "name": "기기"}),
        )
        .await;
    let server = with_google(engine, &google).await;
    let (client, _dir) = moa_tests::open_client(&server.url("")).await;
    let methods = client.sign_in_methods().await.unwrap();
    assert_eq!(methods.providers, vec![SocialProvider::Google]);

    let redirect = moa_client_core::loopback_redirect_uri(53999);
    let started = client
        .start_social_sign_in(SocialProvider::Google, &redirect)
        .await
        .unwrap();
    let location = google.authorize(&started.authorize_url, "g-device").await;
    let SocialSignIn::SignUp {
        ticket,
        proposed_handle,
        ..
    } = client.finish_social_sign_in(&location).await.unwrap()
    else {
        panic!("a newcomer signs up");
    };
    assert_eq!(proposed_handle, "device");
    // Bad input stays on the device.
    assert!(matches!(
        client.complete_social_sign_up(&ticket, "x", None).await,
        Err(moa_client_core::Error::Invalid { .. })
    ));
    let me = client
        .complete_social_sign_up(&ticket, "device_kim", None)
        .await
        .unwrap();
    assert_eq!(me.handle, "device_kim");
    let ways = client.linked_sign_ins().await.unwrap();
    assert!(!ways.password);
    assert_eq!(ways.identities[0].provider, SocialProvider::Google);
    assert!(matches!(
        client.unlink_provider(SocialProvider::Google).await,
        Err(moa_client_core::Error::Rejected { code, .. })
            if code == moa_client_core::protocol::ErrorCode::LastSignInMethod
    ));

    // Signed out, the same provider account signs straight back in.
    client.sign_out().await.unwrap();
    let started = client
        .start_social_sign_in(SocialProvider::Google, &redirect)
        .await
        .unwrap();
    let location = google.authorize(&started.authorize_url, "g-device").await;
    match client.finish_social_sign_in(&location).await.unwrap() {
        SocialSignIn::SignedIn(me) => assert_eq!(me.handle, "device_kim"),
        other => panic!("signed in directly, got {other:?}"),
    }
    // A cancelled sign-in and a replayed redirect are refused clearly.
    let cancelled = format!("{redirect}?error=access_denied&state=x");
    assert!(matches!(
        client.finish_social_sign_in(&cancelled).await,
        Err(moa_client_core::Error::Rejected { code, .. })
            if code == moa_client_core::protocol::ErrorCode::OauthFailed
    ));
    assert!(matches!(
        client.finish_social_sign_in(&location).await,
        Err(moa_client_core::Error::Rejected { code, .. })
            if code == moa_client_core::protocol::ErrorCode::InvalidOauthState
    ));
}

async fn an_unreachable_provider_is_said_so(engine: Engine) {
    use moa_client_core::protocol::{ErrorCode, SocialProvider};
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = TestServer::start_with(engine, |s| {
        s.social.google = Some(moa_server::auth::social::oidc::OidcSettings {
            issuer: format!("http://127.0.0.1:{closed}"),
            client_id: "moa".into(),
            client_secret: "secret".into(),
            scopes: "openid email".into(),
        })
    })
    .await;
    server
        .api()
        .post(
            "/v1/auth/social/google/start",
            None,
            json!({"redirect_uri": REDIRECT}),
        )
        .await
        .expect_error(502, "oauth_failed");
    assert_eq!(server.count("oauth_states").await, 0, "nothing stored");
    // The device tells it apart from being offline.
    let (client, _dir) = moa_tests::open_client(&server.url("")).await;
    match client
        .start_social_sign_in(SocialProvider::Google, REDIRECT)
        .await
    {
        Err(moa_client_core::Error::Rejected { code, .. }) => {
            assert_eq!(code, ErrorCode::OauthFailed)
        }
        other => panic!("wanted the provider's failure, got {other:?}"),
    }
}
