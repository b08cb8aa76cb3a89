#!/usr/bin/env python3
# Writes (to stdout) a psql script of W put-equivalent statements
# (search::put's WITH words + upsert, PREPAREd once, 100 a transaction)
# from the kept SQLite bench database's reviews (SRC) under new ref_ids
# (TAG makes them unique per script), for time_put_psql.sh against the
# bench's PostgreSQL database. BENCHMARKS.md, issue 19.
import sqlite3, json, unicodedata, os, sys
W=int(os.environ.get('W','20000')); OFF=int(os.environ.get('OFF','0'))
c=sqlite3.connect('file:' + os.environ.get('SRC', '/tmp/sdb/moa.db') + '?mode=ro', uri=True)
rows=c.execute("select kind, ref_id, author_id, title, body, extra, photo_id, norm, keys, initials, created_at from search_docs where kind='review' order by doc limit ? offset ?", (W,OFF)).fetchall()
def q(s): return 'NULL' if s is None else "'" + str(s).replace("'", "''") + "'"
def words(r):
    ws = sorted(set(w for f in r[3:6] for w in f.split() if 2 <= len(w) <= 20))
    return json.dumps([[w, unicodedata.normalize('NFD', w)] for w in ws], ensure_ascii=False)
out=sys.stdout
out.write("""PREPARE put(text,text,text,text,text,text,text,text,text,text,bigint,text) AS
WITH words AS (INSERT INTO search_words (word, keys) SELECT w->>0, w->>1 FROM jsonb_array_elements($12::jsonb) AS w ON CONFLICT (word) DO NOTHING)
INSERT INTO search_docs (kind, ref_id, author_id, title, body, extra, photo_id, norm, keys, initials, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (kind, ref_id) DO UPDATE SET author_id = excluded.author_id, title = excluded.title, body = excluded.body, extra = excluded.extra,
photo_id = excluded.photo_id, norm = excluded.norm, keys = excluded.keys, initials = excluded.initials
WHERE search_docs.author_id IS DISTINCT FROM excluded.author_id OR search_docs.title <> excluded.title OR search_docs.body <> excluded.body
OR search_docs.extra <> excluded.extra OR search_docs.photo_id IS DISTINCT FROM excluded.photo_id OR search_docs.norm <> excluded.norm;
\\timing on
""")
for i in range(0, len(rows), 100):
    out.write("BEGIN;\n")
    for r in rows[i:i+100]:
        vals=[r[0], 'x'+os.environ.get('TAG','a')+r[1]]+list(r[2:10])
        out.write("EXECUTE put(" + ", ".join(q(v) for v in vals) + f", {r[10]}, " + q(words(r)) + ");\n")
    out.write("COMMIT;\n")
