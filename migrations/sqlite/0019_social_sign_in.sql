-- Sign-in with Kakao, Naver and Google: the provider accounts linked to
-- each member (one per provider), the sign-ins started and not yet
-- finished (state kept only as a hash, with the nonce and PKCE verifier;
-- ten minutes), and the tickets of finished sign-ins that still need a
-- handle (a new account) or the password of the existing account with
-- the same email (fifteen minutes, five wrong passwords). SQLite dialect;
-- migrations/postgres holds the twin.

CREATE TABLE identities (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    email      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE UNIQUE INDEX identities_user_provider ON identities (user_id, provider);

CREATE TABLE oauth_states (
    state_hash    TEXT PRIMARY KEY NOT NULL,
    provider      TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    user_id       TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);

CREATE TABLE social_tickets (
    ticket_hash  TEXT PRIMARY KEY NOT NULL,
    provider     TEXT NOT NULL,
    subject      TEXT NOT NULL,
    email        TEXT NOT NULL,
    display_name TEXT NOT NULL,
    user_id      TEXT,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX social_tickets_expires ON social_tickets (expires_at);
