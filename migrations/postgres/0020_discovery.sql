-- Discovery: facts about the server's own data (the version of the
-- popular-rank formula the stored ranks were computed with, so an upgrade
-- recomputes them once). PostgreSQL dialect; migrations/sqlite holds the twin.

CREATE TABLE server_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
