"""Opening an existing store runs the DDL only when the file's schema text differs from this version's."""

import duckdb

from judgekit.store.db import SCHEMA_HASH, Store


def _meta(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())
    finally:
        con.close()


def test_reopening_a_current_store_writes_nothing(tmp_path):
    path = tmp_path / "s.duckdb"
    first = Store(path)
    assert _meta(path)["schema_hash"] == SCHEMA_HASH
    before = path.stat().st_mtime_ns, path.stat().st_size
    second = Store(path)
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before
    assert second._store_id == first._store_id  # the same file: writes through `second` are checked against it


def test_a_store_with_older_schema_text_gets_the_ddl_again(tmp_path):
    path = tmp_path / "s.duckdb"
    store_id = Store(path)._store_id
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'schema_hash'")
    con.execute("DROP VIEW verdicts_full")
    con.close()
    again = Store(path)
    assert _meta(path)["schema_hash"] == SCHEMA_HASH
    assert again._store_id == store_id
    assert again.query("SELECT count(*) AS n FROM verdicts_full")["n"].iloc[0] == 0  # the view is back


def test_a_file_that_is_not_a_store_yet_is_initialised(tmp_path):
    path = tmp_path / "s.duckdb"
    duckdb.connect(str(path)).close()  # an empty DuckDB file without judgekit's tables
    store = Store(path)
    assert store._store_id and _meta(path)["schema_hash"] == SCHEMA_HASH


def test_a_session_shares_one_connection_per_thread_and_file(tmp_path, monkeypatch):
    import threading

    from judgekit.store import db

    path = tmp_path / "s.duckdb"
    store = Store(path)
    opened = []
    real = db.duckdb.connect
    monkeypatch.setattr(db.duckdb, "connect", lambda *a, **k: opened.append(a) or real(*a, **k))
    with store.session():
        other = Store(path, create=False)  # another Store of the same file, same thread: the same connection
        store.query("SELECT 1")
        other.query("SELECT count(*) FROM runs")
        with store.session():  # nested: nothing new
            store.set_status("nope", "finished")
        assert len(opened) == 1
        seen = []
        t = threading.Thread(target=lambda: seen.append(store.query("SELECT 2 AS x")["x"].iloc[0]))
        t.start()
        t.join()
        assert seen == [2] and len(opened) == 2  # another thread opens its own
    store.query("SELECT 3")
    assert len(opened) == 3  # after the session, connections are short-lived again
    with store.session(read_only=True) as s:
        store.query("SELECT 4")
        other.query("SELECT 5")
        s.close()
        s.close()  # idempotent
    assert len(opened) == 4
