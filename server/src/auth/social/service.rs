//! The rules of provider sign-in, linking and unlinking, independent of
//! HTTP (see the module above for the flow).

use base64::Engine;
use moa_protocol::{
    AuthResponse, ErrorCode, LinkedIdentity, SignInMethods, SocialOutcome, SocialProvider,
    SocialStart,
};
use sha2::Digest;
use sqlx::{AnyConnection, Row};

use super::{Provider, label};
use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::tokens::hash_refresh_token as hash;
use crate::users::service::{self as users, NewUser};
use crate::util::{now_ms, random_token};
use crate::{password, validate};

/// How long a started sign-in waits for the provider's redirect.
pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;
/// How long a sign-up or link ticket stays valid.
pub const TICKET_TTL_MS: i64 = 15 * 60 * 1000;
/// Wrong passwords a link ticket survives.
pub const MAX_LINK_ATTEMPTS: i64 = 5;

/// The configured provider, or 404 `not_offered`.
fn provider<'a>(state: &'a AppState, which: &SocialProvider) -> Result<&'a Provider> {
    state.social.provider(which).ok_or_else(|| {
        Error::NotOffered(format!(
            "sign-in with {} is not set up on this server",
            label(which)
        ))
    })
}

/// Where a provider may send the browser back: the desktop app's
/// loopback listener (RFC 8252 7.3: any port, IP literal or `localhost`)
/// or the mobile apps' custom scheme. Anything else could hand the code
/// to someone else.
pub fn check_redirect_uri(raw: &str) -> Result<String> {
    let bad = || {
        Error::invalid(
            "redirect_uri",
            "must be http://127.0.0.1:PORT/oauth/callback (loopback) or moa://oauth/callback",
        )
    };
    if raw == "moa://oauth/callback" {
        return Ok(raw.to_owned());
    }
    let url = reqwest::Url::parse(raw).map_err(|_| bad())?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if url.scheme() != "http"
        || !loopback
        || url.port().is_none()
        || url.path() != "/oauth/callback"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(bad());
    }
    Ok(raw.to_owned())
}

/// Starts a sign-in (`link_to`: None) or a link from settings.
pub async fn start(
    state: &AppState,
    which: &SocialProvider,
    redirect_uri: &str,
    link_to: Option<&Actor>,
) -> Result<SocialStart> {
    let provider = provider(state, which)?;
    let redirect_uri = check_redirect_uri(redirect_uri)?;
    let oauth_state = random_token(32);
    let nonce = random_token(32);
    let verifier = random_token(48);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let (endpoint, scope) = match provider {
        Provider::Oidc(oidc) => (
            oidc.metadata(state.social.http())
                .await?
                .authorization_endpoint,
            Some(oidc.settings.scopes.clone()),
        ),
        Provider::Naver(naver) => (naver.authorize_url(), None),
    };
    let client_id = match provider {
        Provider::Oidc(oidc) => oidc.settings.client_id.clone(),
        Provider::Naver(naver) => naver.client_id.clone(),
    };
    let mut url = reqwest::Url::parse(&endpoint)
        .map_err(|e| Error::SignInProvider(format!("authorization endpoint {endpoint}: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("state", &oauth_state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(scope) = &scope {
            q.append_pair("scope", scope).append_pair("nonce", &nonce);
        }
    }
    let now = now_ms();
    let expires_at = now + STATE_TTL_MS;
    state
        .write_quiet(async |tx| {
            sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO oauth_states (state_hash, provider, nonce, code_verifier, \
                 redirect_uri, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(hash(&oauth_state))
            .bind(which.as_str())
            .bind(&nonce)
            .bind(&verifier)
            .bind(&redirect_uri)
            .bind(link_to.map(|a| a.user_id.clone()))
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await?;
    Ok(SocialStart {
        provider: which.clone(),
        authorize_url: url.to_string(),
        state: oauth_state,
        expires_at,
    })
}

/// A started sign-in, spent.
struct Started {
    provider: SocialProvider,
    nonce: String,
    verifier: String,
    redirect_uri: String,
    user_id: Option<String>,
}

/// Spends `oauth_state`: answers what `start` stored, once.
async fn spend_state(state: &AppState, oauth_state: &str) -> Result<Started> {
    let now = now_ms();
    let key = hash(oauth_state);
    let row = state
        .write_quiet(async |tx| {
            let row = sqlx::query(
                "SELECT provider, nonce, code_verifier, redirect_uri, user_id, expires_at \
                 FROM oauth_states WHERE state_hash = $1",
            )
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM oauth_states WHERE state_hash = $1")
                .bind(&key)
                .execute(&mut *tx)
                .await?;
            Ok(row)
        })
        .await?;
    let invalid = || Error::BadRequest {
        code: ErrorCode::InvalidOauthState,
        message: "this sign-in is unknown, finished or expired; start again".into(),
    };
    let row = row.ok_or_else(invalid)?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at < now {
        return Err(invalid());
    }
    Ok(Started {
        provider: SocialProvider::parse(row.try_get::<String, _>("provider")?.as_str()),
        nonce: row.try_get("nonce")?,
        verifier: row.try_get("code_verifier")?,
        redirect_uri: row.try_get("redirect_uri")?,
        user_id: row.try_get("user_id")?,
    })
}

/// Finishes a sign-in or a link with what the redirect brought back.
pub async fn finish(
    state: &AppState,
    oauth_state: &str,
    code: &str,
    caller: Option<&Actor>,
) -> Result<SocialOutcome> {
    if code.is_empty() || code.len() > 2048 {
        return Err(Error::invalid("code", "must be 1 to 2048 characters"));
    }
    let started = spend_state(state, oauth_state).await?;
    if let Some(owner) = &started.user_id
        && caller.map(|c| &c.user_id) != Some(owner)
    {
        return Err(Error::forbidden(
            "this link was started by another session; sign in as that member",
        ));
    }
    let provider = provider(state, &started.provider)?;
    let http = state.social.http();
    let identity = match provider {
        Provider::Oidc(oidc) => {
            oidc.exchange(
                http,
                code,
                &started.redirect_uri,
                &started.verifier,
                &started.nonce,
            )
            .await?
        }
        Provider::Naver(naver) => {
            naver
                .exchange(
                    http,
                    code,
                    oauth_state,
                    &started.redirect_uri,
                    &started.verifier,
                )
                .await?
        }
    };
    let which = started.provider;
    let email = identity
        .email
        .as_deref()
        .filter(|_| identity.email_verified)
        .and_then(|e| validate::email(e).ok());
    if let Some(user_id) = started.user_id {
        link_identity(state, &user_id, &which, &identity.subject, email.as_deref()).await?;
        tracing::info!(user_id = %user_id, provider = %which, "provider linked");
        return Ok(SocialOutcome::Linked {
            methods: methods(state, &user_id).await?,
        });
    }
    // A linked provider account signs in.
    let linked: Option<String> = {
        let mut conn = state.db.read().acquire().await?;
        sqlx::query_scalar("SELECT user_id FROM identities WHERE provider = $1 AND subject = $2")
            .bind(which.as_str())
            .bind(&identity.subject)
            .fetch_optional(&mut *conn)
            .await?
    };
    if let Some(user_id) = linked {
        let user = {
            let mut conn = state.db.read().acquire().await?;
            users::find_by_id(&mut conn, &user_id).await?
        };
        let Some(user) = user.filter(|u| u.deleted_at.is_none()) else {
            return Err(Error::unauthorized(
                ErrorCode::InvalidCredentials,
                "this account was deleted",
            ));
        };
        let auth = crate::auth::service::start_session(state, user).await?;
        return Ok(SocialOutcome::SignedIn {
            auth: Box::new(auth),
        });
    }
    let Some(email) = email else {
        return Err(Error::Forbidden {
            code: ErrorCode::EmailUnverified,
            message: format!(
                "{} did not vouch for an email address; verify it with {} (or allow Moa to \
                 see it) and try again",
                label(&which),
                label(&which)
            ),
        });
    };
    let existing = {
        let mut conn = state.db.read().acquire().await?;
        users::find_by_email(&mut conn, &email).await?
    };
    let display_name = identity
        .name
        .as_deref()
        .and_then(|n| validate::display_name(n).ok())
        .unwrap_or_else(|| email.split('@').next().unwrap_or("member").to_owned());
    let ticket = random_token(32);
    let now = now_ms();
    let expires_at = now + TICKET_TTL_MS;
    let user_id = existing.as_ref().map(|(u, _)| u.id.clone());
    state
        .write_quiet(async |tx| {
            sqlx::query("DELETE FROM social_tickets WHERE expires_at < $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO social_tickets (ticket_hash, provider, subject, email, display_name, \
                 user_id, created_at, expires_at, attempts) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0)",
            )
            .bind(hash(&ticket))
            .bind(which.as_str())
            .bind(&identity.subject)
            .bind(&email)
            .bind(&display_name)
            .bind(&user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await?;
    Ok(match existing {
        Some((user, password_hash)) => SocialOutcome::LinkRequired {
            ticket,
            email,
            has_password: password_hash.is_some(),
            providers: methods(state, &user.id)
                .await?
                .identities
                .into_iter()
                .map(|i| i.provider)
                .collect(),
            expires_at,
        },
        None => SocialOutcome::SignUp {
            ticket,
            proposed_handle: propose_handle(state, &email).await?,
            email,
            display_name,
            expires_at,
        },
    })
}

/// A free handle made from the email's local part (`kim.haneul@…` →
/// `kim_haneul`, then `kim_haneul7`… if taken).
async fn propose_handle(state: &AppState, email: &str) -> Result<String> {
    let local = email.split('@').next().unwrap_or_default();
    let mut base: String = local
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '_'
            }
        })
        .collect();
    base = base.trim_matches('_').chars().take(24).collect();
    if base.len() < 3 {
        base = format!("moa_{base}").trim_end_matches('_').to_owned();
    }
    let mut conn = state.db.read().acquire().await?;
    let mut candidate = base.clone();
    for attempt in 0..20u32 {
        if attempt > 0 {
            let n: u32 =
                rand::Rng::gen_range(&mut rand::rngs::OsRng, 1..10u32.pow(attempt.min(5)) * 10);
            candidate = format!("{base}{n}");
        }
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE handle = $1")
            .bind(&candidate)
            .fetch_one(&mut *conn)
            .await?;
        if taken == 0 {
            return Ok(candidate);
        }
    }
    Ok(format!(
        "{base}{}",
        &random_token(4).to_lowercase().replace(['-', '_'], "")
    ))
}

/// 422 `invalid_ticket` with `message`.
fn invalid_ticket(message: &str) -> Error {
    Error::Unprocessable {
        code: ErrorCode::InvalidTicket,
        message: message.to_owned(),
    }
}

/// A ticket as `finish` stored it.
struct Ticket {
    provider: SocialProvider,
    subject: String,
    email: String,
    display_name: String,
    user_id: Option<String>,
    attempts: i64,
}

async fn read_ticket(conn: &mut AnyConnection, ticket: &str) -> Result<Ticket> {
    let invalid =
        || invalid_ticket("this sign-in has expired or was used; sign in with the provider again");
    let row = sqlx::query(
        "SELECT provider, subject, email, display_name, user_id, expires_at, attempts \
         FROM social_tickets WHERE ticket_hash = $1",
    )
    .bind(hash(ticket))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(invalid)?;
    let expires_at: i64 = row.try_get("expires_at")?;
    let attempts: i64 = row.try_get("attempts")?;
    if expires_at < now_ms() || attempts >= MAX_LINK_ATTEMPTS {
        return Err(invalid());
    }
    Ok(Ticket {
        provider: SocialProvider::parse(row.try_get::<String, _>("provider")?.as_str()),
        subject: row.try_get("subject")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        user_id: row.try_get("user_id")?,
        attempts,
    })
}

/// Spends a ticket inside a write: false if another request spent it.
async fn spend_ticket(conn: &mut AnyConnection, ticket: &str) -> Result<bool> {
    Ok(
        sqlx::query("DELETE FROM social_tickets WHERE ticket_hash = $1")
            .bind(hash(ticket))
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1,
    )
}

async fn insert_identity(
    conn: &mut AnyConnection,
    user_id: &str,
    provider: &SocialProvider,
    subject: &str,
    email: &str,
    now: i64,
) -> Result<()> {
    let taken_by: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM identities WHERE provider = $1 AND subject = $2")
            .bind(provider.as_str())
            .bind(subject)
            .fetch_optional(&mut *conn)
            .await?;
    match taken_by {
        Some(owner) if owner == user_id => return Ok(()),
        Some(_) => {
            return Err(Error::conflict(
                ErrorCode::IdentityTaken,
                format!(
                    "this {} account is already linked to another member",
                    label(provider)
                ),
            ));
        }
        None => {}
    }
    let other: Option<String> =
        sqlx::query_scalar("SELECT subject FROM identities WHERE user_id = $1 AND provider = $2")
            .bind(user_id)
            .bind(provider.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    if other.is_some() {
        return Err(Error::conflict(
            ErrorCode::IdentityTaken,
            format!(
                "another {} account is linked already; unlink it first",
                label(provider)
            ),
        ));
    }
    sqlx::query(
        "INSERT INTO identities (provider, subject, user_id, email, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(provider.as_str())
    .bind(subject)
    .bind(user_id)
    .bind(email)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn link_identity(
    state: &AppState,
    user_id: &str,
    provider: &SocialProvider,
    subject: &str,
    email: Option<&str>,
) -> Result<()> {
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            insert_identity(tx, user_id, provider, subject, email.unwrap_or(""), now).await
        })
        .await
}

/// Creates the account a sign-up ticket describes and signs in.
pub async fn signup(
    state: &AppState,
    req: moa_protocol::SocialSignupRequest,
) -> Result<AuthResponse> {
    let handle = validate::handle(&req.handle)?;
    let display_name = req
        .display_name
        .as_deref()
        .map(validate::display_name)
        .transpose()?;
    let community = req
        .community_id
        .map(|c| validate::uuid("community_id", &c).map(|()| c))
        .transpose()?;
    let ticket = {
        let mut conn = state.db.read().acquire().await?;
        read_ticket(&mut conn, &req.ticket).await?
    };
    if ticket.user_id.is_some() {
        return Err(invalid_ticket(
            "this email is a member's already: link with its password",
        ));
    }
    let now = now_ms();
    let user = state
        .write_quiet(async |tx| {
            if !spend_ticket(tx, &req.ticket).await? {
                return Err(invalid_ticket("this sign-in was used already"));
            }
            let new = NewUser {
                email: ticket.email.clone(),
                handle: handle.clone(),
                display_name: display_name.clone().unwrap_or(ticket.display_name.clone()),
                password_hash: None,
                role: moa_protocol::Role::Member,
            };
            let mut user = users::create(tx, new, now).await?;
            insert_identity(
                tx,
                &user.id,
                &ticket.provider,
                &ticket.subject,
                &ticket.email,
                now,
            )
            .await?;
            if let Some(community) = community.as_deref() {
                user.community_id =
                    crate::shop::communities::join(tx, &user.id, Some(community), "community_id")
                        .await?;
                users::publish(tx, &user, now).await?;
            }
            Ok(user)
        })
        .await?;
    tracing::info!(user_id = %user.id, provider = %ticket.provider, "member signed up through a provider");
    crate::auth::service::start_session(state, user).await
}

/// Links the ticket's provider to the existing account whose password is
/// given, and signs in. Five wrong passwords end the ticket.
pub async fn link(state: &AppState, req: moa_protocol::SocialLinkRequest) -> Result<AuthResponse> {
    let ticket = {
        let mut conn = state.db.read().acquire().await?;
        read_ticket(&mut conn, &req.ticket).await?
    };
    let Some(user_id) = ticket.user_id.clone() else {
        return Err(invalid_ticket(
            "this sign-in is for a new account: choose a handle instead",
        ));
    };
    crate::auth::limit(&state.login_per_account, &format!("link:{user_id}"))?;
    let hash_now = {
        let mut conn = state.db.read().acquire().await?;
        users::password_hash(&mut conn, &user_id).await?
    };
    if !password::verify(req.password, hash_now).await? {
        let key = hash(&req.ticket);
        let attempts = ticket.attempts + 1;
        state
            .write_quiet(async |tx| {
                sqlx::query("UPDATE social_tickets SET attempts = $1 WHERE ticket_hash = $2")
                    .bind(attempts)
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            })
            .await?;
        return Err(Error::unauthorized(
            ErrorCode::InvalidCredentials,
            format!(
                "wrong password for {} ({} tries left)",
                ticket.email,
                (MAX_LINK_ATTEMPTS - attempts).max(0)
            ),
        ));
    }
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            if !spend_ticket(tx, &req.ticket).await? {
                return Err(invalid_ticket("this sign-in was used already"));
            }
            insert_identity(
                tx,
                &user_id,
                &ticket.provider,
                &ticket.subject,
                &ticket.email,
                now,
            )
            .await
        })
        .await?;
    let user = {
        let mut conn = state.db.read().acquire().await?;
        users::find_by_id(&mut conn, &user_id).await?
    }
    .filter(|u| u.deleted_at.is_none())
    .ok_or_else(|| {
        Error::unauthorized(ErrorCode::InvalidCredentials, "this account was deleted")
    })?;
    tracing::info!(user_id = %user_id, provider = %ticket.provider, "provider linked with the password");
    crate::auth::service::start_session(state, user).await
}

async fn methods_on(conn: &mut AnyConnection, user_id: &str) -> Result<SignInMethods> {
    let password = users::password_hash(conn, user_id).await?.is_some();
    let rows = sqlx::query(
        "SELECT provider, email, created_at FROM identities WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    let identities = rows
        .iter()
        .map(|r| {
            Ok(LinkedIdentity {
                provider: SocialProvider::parse(r.try_get::<String, _>("provider")?.as_str()),
                email: r.try_get("email")?,
                linked_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(SignInMethods {
        password,
        identities,
    })
}

/// The member's ways in.
pub async fn methods(state: &AppState, user_id: &str) -> Result<SignInMethods> {
    let mut conn = state.db.read().acquire().await?;
    methods_on(&mut conn, user_id).await
}

/// Unlinks `provider` unless it is the member's last way in.
pub async fn unlink(
    state: &AppState,
    member: &Actor,
    provider: &SocialProvider,
) -> Result<SignInMethods> {
    state
        .write_quiet(async |tx| {
            let now = methods_on(tx, &member.user_id).await?;
            if !now.identities.iter().any(|i| &i.provider == provider) {
                return Err(Error::NotFound(format!(
                    "{} is not linked to this account",
                    label(provider)
                )));
            }
            if !now.password && now.identities.len() == 1 {
                return Err(Error::conflict(
                    ErrorCode::LastSignInMethod,
                    format!(
                        "{} is this account's only way in: set a password (\"forgot your \
                         password?\") or link another provider first",
                        label(provider)
                    ),
                ));
            }
            sqlx::query("DELETE FROM identities WHERE user_id = $1 AND provider = $2")
                .bind(&member.user_id)
                .bind(provider.as_str())
                .execute(&mut *tx)
                .await?;
            methods_on(tx, &member.user_id).await
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn only_loopback_and_the_app_scheme_may_receive_codes() {
        for ok in [
            "http://127.0.0.1:51234/oauth/callback",
            "http://[::1]:8000/oauth/callback",
            "http://localhost:9/oauth/callback",
            "moa://oauth/callback",
        ] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://evil.example/oauth/callback",
            "http://127.0.0.1/oauth/callback",
            "http://127.0.0.1:80/other",
            "http://127.0.0.1:5000/oauth/callback?x=1",
            "http://127.0.0.1:5000/oauth/callback#f",
            "http://user@127.0.0.1:5000/oauth/callback",
            "http://127.0.0.1.evil.example:5000/oauth/callback",
            "http://10.0.0.1:5000/oauth/callback",
            "moa://oauth/callback/../x",
            "",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }
}
