#!/usr/bin/env bash
# Runs a put_psql.py script against DATABASE_URL (the bench's PostgreSQL
# database) and prints the ms a put (psql's timings summed, over 20,000).
set -euo pipefail
f=$1
psql "$DATABASE_URL" -q -f $f 2>&1 | awk '/^Time:/{n++; s+=$2} END{printf "%s: %d statements, %.3f ms per put (incl. BEGIN/COMMIT)\n", FILENAME, n, s/20000}' FILENAME=$f
