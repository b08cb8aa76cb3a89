#!/usr/bin/env python3
# A copy of the search bench's kept SQLite database (SRC, default
# /tmp/sdb/moa.db: MOA_BENCH_ENGINES=sqlite MOA_BENCH_FILL_ONLY=1
# MOA_BENCH_SQLITE_DIR=/tmp/sdb cargo bench --bench search -p moa-server)
# with search_fts rebuilt over other columns, for time_put_sqlite.py.
# Usage: fts_rebuild.py DEST kind3,norm,initials ["('automerge', 8)" ...]
# (OPTS=", columnsize=0" adds FTS5 options). BENCHMARKS.md, issue 19.
import sqlite3, sys, time, shutil, os
src=os.environ.get('SRC', '/tmp/sdb/moa.db'); dst=sys.argv[1]; cols=sys.argv[2].split(',')
for suf in ['', '-wal', '-shm']:
    if os.path.exists(dst+suf): os.remove(dst+suf)
c0=sqlite3.connect(src); c0.execute('pragma wal_checkpoint(truncate)'); c0.close()
shutil.copy(src,dst)
c=sqlite3.connect(dst, isolation_level=None)
c.execute('pragma journal_mode=wal')
for t in ['search_docs_insert','search_docs_delete','search_docs_update']: c.execute(f'drop trigger {t}')
c.execute('drop table search_fts')
cl=', '.join(cols); nl=', '.join('new.'+x for x in cols); ol=', '.join('old.'+x for x in cols)
c.execute(f"create virtual table search_fts using fts5({cl}, content='search_docs', content_rowid='doc', tokenize='trigram', detail='none'{os.environ.get('OPTS','')})")
for p in sys.argv[3:]: c.execute(f"insert into search_fts(search_fts, rank) values {p}")
t=time.time(); c.execute("insert into search_fts(search_fts) values('rebuild')"); print('rebuild', time.time()-t)
c.execute(f"create trigger search_docs_insert after insert on search_docs begin insert into search_fts(rowid, {cl}) values (new.doc, {nl}); end")
c.execute(f"create trigger search_docs_delete after delete on search_docs begin insert into search_fts(search_fts, rowid, {cl}) values ('delete', old.doc, {ol}); end")
c.execute(f"create trigger search_docs_update after update of kind, {cl} on search_docs begin insert into search_fts(search_fts, rowid, {cl}) values ('delete', old.doc, {ol}); insert into search_fts(rowid, {cl}) values (new.doc, {nl}); end")
c.execute('pragma wal_checkpoint(truncate)')
print(c.execute("select count(*), sum(length(block)) from search_fts_data").fetchone())
