"""`ohr sql` is read-only: no writes to the registry (curator tables included), no files, no network, no settings."""

from __future__ import annotations

import hashlib

import pytest
from registry_factory import designs


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    return designs(tmp_path_factory.mktemp("ro") / "ro.duckdb")


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


REFUSED = [
    ("INSERT INTO flags VALUES ('github.com/a/openvent', 'unsafe', NULL, 'n', 'me', now())", "read-only"),
    ("UPDATE corrections SET value = 'x'", "read-only"),
    ("DELETE FROM audit_log", "read-only"),
    ("INSERT INTO audit_log (acted_at, actor, action, project_id) VALUES (now(), 'me', 'flag', 'x')", "read-only"),
    ("DROP VIEW v_projects", "read-only"),
    ("CREATE TABLE x AS SELECT 1", "read-only"),
    ("ALTER TABLE projects ADD COLUMN x INT", "read-only"),
    ("SELECT 1; DELETE FROM projects", "read-only"),
    ("COPY projects TO '{tmp}/leak.csv'", "disabled by configuration"),
    ("EXPORT DATABASE '{tmp}/dump'", "disabled by configuration"),
    ("ATTACH '{tmp}/other.duckdb' AS other", "disabled by configuration"),
    ("SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM read_text('/etc/hostname')", "disabled by configuration"),
    ("SELECT * FROM glob('/etc/*')", "disabled by configuration"),
    ("INSTALL httpfs", "disabled by configuration"),
    ("LOAD httpfs", "disabled"),
    ("SET enable_external_access = true", "locked"),
    ("SET memory_limit = '1GB'", "locked"),
    ("SET enable_progress_bar = true", "locked"),
]


@pytest.mark.parametrize("sql, needle", REFUSED)
def test_sql_refuses_writes_and_file_access(reg, run_ohr, tmp_path, sql, needle):
    before = _digest(reg)
    r = run_ohr("sql", sql.format(tmp=tmp_path), "--db", str(reg))
    assert r.code == 3, (r.code, r.out, r.err)
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: SQL error:") and needle in lines[0], r.err
    assert _digest(reg) == before
    assert list(tmp_path.iterdir()) == []


def test_sql_reads_curation_views(reg, run_ohr):
    r = run_ohr("flag", "openvent", "--kind", "unsafe", "--note", "x", "--db", str(reg))
    assert r.code == 0, r.err
    r = run_ohr("sql", "SELECT id, flags, unsafe FROM v_projects WHERE unsafe", "--db", str(reg), "-f", "csv")
    assert r.code == 0, r.err
    assert r.out.splitlines() == ["id,flags,unsafe", "github.com/a/openvent,unsafe,True"]
    r = run_ohr("sql", "SELECT count(*) AS n FROM audit_log", "--db", str(reg), "-f", "csv")
    assert r.out.splitlines() == ["n", "1"]


def test_no_duckdb_progress_bar_reaches_ohr_output(reg):
    """DuckDB draws a progress bar on stdout for statements over 2 s; every registry connection turns it off."""
    from registry import db as regdb

    setting = "SELECT current_setting('enable_progress_bar')"
    with regdb.reader(reg) as con:
        assert con.execute(setting).fetchone()[0] is False
    with regdb.writer(reg) as con:
        assert con.execute(setting).fetchone()[0] is False
    con = regdb.sql_reader(reg)
    try:
        assert con.execute(setting).fetchone()[0] is False
    finally:
        con.close()
