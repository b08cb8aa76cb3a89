#!/usr/bin/env python3
# Times put-like upserts (search::put's two statements) on a copy of the
# search bench's kept SQLite database (SRC), re-inserting W existing
# reviews' rows (their real forms) under new ref_ids, 100 a transaction,
# a checkpoint every 100 ms. PRAGMAS="mmap_size=...;..." and
# SETUP="sql;;sql" run first. BENCHMARKS.md, issue 19.
import sqlite3, sys, time, os, json, shutil, re, unicodedata
src = os.environ.get('SRC', '/tmp/sdb/moa.db')
dst = os.environ.get('DST', '/tmp/search-put-copy.sqlite')
W = int(os.environ.get('W', '20000'))
if not os.environ.get('REUSE'):
    for suf in ['', '-wal', '-shm']:
        if os.path.exists(dst + suf): os.remove(dst + suf)
    shutil.copy(src, dst)
c = sqlite3.connect(dst, isolation_level=None)
c.execute('pragma journal_mode=wal'); c.execute('pragma synchronous=normal'); c.execute('pragma wal_autocheckpoint=0')
for p in os.environ.get('PRAGMAS', '').split(';'):
    if p.strip(): c.execute('pragma ' + p)
for s in os.environ.get('SETUP', '').split(';;'):
    if s.strip():
        t = time.time(); c.execute(s); print('setup', s[:60], f'{time.time()-t:.1f}s', flush=True)
rows = c.execute("select kind, ref_id, author_id, title, body, extra, photo_id, norm, keys, initials, created_at from search_docs where kind='review' order by doc limit ?", (W,)).fetchall()
UPSERT = '''INSERT INTO search_docs (kind, ref_id, author_id, title, body, extra, photo_id, norm, keys, initials, created_at)
 VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (kind, ref_id) DO UPDATE SET author_id = excluded.author_id,
 title = excluded.title, body = excluded.body, extra = excluded.extra, photo_id = excluded.photo_id, norm = excluded.norm, keys = excluded.keys,
 initials = excluded.initials WHERE search_docs.author_id IS DISTINCT FROM excluded.author_id OR search_docs.title <> excluded.title OR search_docs.body <> excluded.body
 OR search_docs.extra <> excluded.extra OR search_docs.photo_id IS DISTINCT FROM excluded.photo_id OR search_docs.norm <> excluded.norm'''
WORDS = '''INSERT INTO search_words (word, keys) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true ON CONFLICT (word) DO NOTHING'''
def words(r):
    ws = sorted(set(w for f in r[3:6] for w in f.split() if 2 <= len(w) <= 20))
    return json.dumps([[w, unicodedata.normalize('NFD', w)] for w in ws])
prep = [((r[0], 'new-' + r[1]) + tuple(r[2:]), words(r)) for r in rows]
tw = [0, 0, 0]; ck = time.time()
for s in range(0, W, 100):
    c.execute('begin')
    for r, w in prep[s:s+100]:
        a = time.perf_counter(); c.execute(UPSERT, r); b = time.perf_counter()
        c.execute(WORDS, (w,)); e = time.perf_counter()
        tw[0] += b - a; tw[1] += e - b
    a = time.perf_counter(); c.execute('commit'); tw[2] += time.perf_counter() - a
    if time.time() - ck > 0.1:
        c.execute('pragma wal_checkpoint(passive)'); ck = time.time()
print(f"{os.environ.get('LABEL','')}: put {sum(tw)/W*1e3:.3f} ms (upsert {tw[0]/W*1e3:.3f}, words {tw[1]/W*1e3:.3f}, commit {tw[2]/W*1e3:.3f})", flush=True)
