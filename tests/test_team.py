"""A team's index (issue 18): real Jupyter servers of one space sharing a real
PostgreSQL. One scan for the space; a save on one server reaches the others' backlinks
and event streams; the scanning server killed mid-scan is taken over; another space
sees nothing; a database that is down, refuses the user or holds another version is
said so, with the setting to fix."""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from faultkit import equals_files, fetch, listening, make_corpus, settled, status_when, until
from helpers import jupyter_server
from ondisk import md, write
from pgcluster import Cluster, wait_for
from psycopg.conninfo import make_conninfo
from test_shared_root import changed, subscribe

from jupyter_blocks.store.postgres_schema import schema_for

POSTGRES = "jupyter_blocks.store.PostgresStore"


def team_server(
    root: Path, home: Path, url: str, space: str, wait: bool = True, log: Path | None = None
) -> contextlib.AbstractContextManager[Any]:
    """A real `jupyter server` of ``space``, its index in the database at ``url``."""
    return jupyter_server(
        root,
        home,
        None,
        wait=wait,
        log=log,
        extra=(
            f"--BlocksExtension.store_class={POSTGRES}",
            f"--BlocksExtension.database_url={url}",
            f"--BlocksExtension.space={space}",
        ),
    )


def query(url: str, space: str, text: str) -> list[tuple[Any, ...]]:
    """Rows of a statement on the space's tables (``{s}`` names its schema)."""
    with psycopg.connect(url, autocommit=True) as con:
        return con.execute(text.replace("{s}", schema_for(space))).fetchall()


def test_three_servers_of_a_space_scan_once_and_tell_each_other(
    tmp_path: Path, database_url: str, new_space: Any
):
    root = tmp_path / "root"
    truth = make_corpus(root, notebooks=30)
    space = new_space()
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(team_server(root, tmp_path / f"home{n}", database_url, space))
            for n in range(3)
        ]
        for server in servers:
            status_when(server.port, settled)
            equals_files(server.port, truth)
        # One server wrote the whole index; the others wrote nothing
        writers = query(database_url, space, "SELECT count(DISTINCT origin) FROM {s}.changes")
        assert writers == [(1,)]
        # A save through the first server: the second server's users see the new backlink
        # and are told at once
        target = next(iter(truth["backlinks"]))
        nb = {
            "cells": [
                {
                    "cell_type": "markdown",
                    "id": "saved-on-one",
                    "metadata": {},
                    "source": f"Saved on one server, about (({target})).",
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }

        async def scenario() -> None:
            ws = await subscribe(servers[1].port)
            try:
                servers[0].save("team-note.ipynb", nb)
                event = await changed(ws, "team-note.ipynb", "saved-on-one", timeout=10)
                assert "saved-on-one" in event["ids"]
            finally:
                ws.close()

        asyncio.run(scenario())
        for server in servers[1:]:
            code, reply, _ = fetch(server.port, f"api/blocks/backlinks/{target}")
            assert code == 200
            assert "saved-on-one" in {b["id"] for b in reply["backlinks"]}
        # A server of another space, on the same database, sees none of it
        other_root = tmp_path / "other"
        make_corpus(other_root, notebooks=2, seed=99)
        other = stack.enter_context(
            team_server(other_root, tmp_path / "home-other", database_url, new_space())
        )
        status = status_when(other.port, settled)
        assert status["notebooks"] == 2
        code, _, _ = fetch(other.port, "api/blocks/block/saved-on-one")
        assert code == 404
        code, found, _ = fetch(other.port, "api/blocks/search?q=Saved%20on%20one%20server")
        assert code == 200 and found["results"] == []


def test_the_scanning_server_killed_mid_scan_is_taken_over(
    tmp_path: Path, database_url: str, new_space: Any
):
    root = tmp_path / "root"
    truth = make_corpus(root, notebooks=3000, cells=12)
    space = new_space()

    def progress() -> tuple[int, int] | None:
        with contextlib.suppress(psycopg.Error):
            rows = query(database_url, space, "SELECT done, total FROM {s}.leases")
            if rows and 0 < rows[0][0] < rows[0][1]:
                return rows[0][0], rows[0][1]
        return None

    log = tmp_path / "taker.log"
    with team_server(root, tmp_path / "home-a", database_url, space, wait=False) as first:
        # The first server has the turn and is half-way...
        until(progress, 120, "the first server scanning")
        with team_server(root, tmp_path / "home-b", database_url, space, False, log) as second:
            listening(second.port)
            # ... while the second serves from the shared index, and does not scan
            status = status_when(second.port, lambda s: s["state"] == "indexing")
            done_before = progress()
            assert done_before is not None, "the scan ended before the test could stop it"
            first.process.kill()  # kill -9: its lease is never given back
            first.process.wait()
            # The second takes the turn over and the index ends equal to the files
            status = status_when(second.port, settled, timeout=180)
            assert status["notebooks"] == truth["notebooks"]
            equals_files(second.port, truth)
    assert "taking over" in log.read_text()


def caught_up(status: dict[str, Any], notebooks: int) -> bool:
    return settled(status) and status["reason"] is None and status["notebooks"] == notebooks


def write_notebook(path: Path, cell_id: str) -> None:
    write(path, [md(cell_id, "# Written while the database was away")])


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL of this test's own, to stop and start."""
    from pgcluster import bin_dir

    if bin_dir() is None:
        pytest.skip("PostgreSQL's server programs are not installed (apt-get install postgresql)")
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="jupyter-blocks-pg-")))
    cluster.init()
    try:
        yield cluster
    finally:
        cluster.remove()


def test_a_database_down_at_start_is_said_then_caught_up(tmp_path: Path, own_cluster: Cluster):
    root = tmp_path / "root"
    truth = make_corpus(root, notebooks=5)
    own_cluster.stop()
    with team_server(root, tmp_path / "home", own_cluster.url, "down-at-start", wait=False) as s:
        listening(s.port)
        # The server runs; status and every request say why the index is unavailable
        status = status_when(s.port, lambda st: st["state"] == "unavailable")
        assert "PostgreSQL" in status["reason"] and "cannot be reached" in status["reason"]
        code, body, _ = fetch(s.port, "api/blocks/search?q=anything")
        assert code == 503 and "cannot be reached" in json.dumps(body)
        # A notebook written while the database is down is not lost
        write_notebook(root / "while-down.ipynb", "written-while-down")
        own_cluster.start()
        wait_for(own_cluster.url)
        # It catches up: what changed meanwhile is read (status may say ready for a
        # moment before the scan of the recovery starts)
        status_when(s.port, lambda st: caught_up(st, truth["notebooks"] + 1), 120)
        code, block, _ = fetch(s.port, "api/blocks/block/written-while-down")
        assert code == 200 and block["path"] == "while-down.ipynb"


def test_a_restart_of_postgresql_mid_run_loses_nothing(tmp_path: Path, own_cluster: Cluster):
    root = tmp_path / "root"
    truth = make_corpus(root, notebooks=5)
    with team_server(root, tmp_path / "home", own_cluster.url, "restarted") as s:
        status_when(s.port, settled)
        own_cluster.stop("immediate")  # as a crash would
        write_notebook(root / "while-restarting.ipynb", "written-meanwhile")
        status = status_when(s.port, lambda st: bool(st["reason"]))
        assert "PostgreSQL" in status["reason"]
        own_cluster.start()
        wait_for(own_cluster.url)
        # It catches up: what changed meanwhile is read (status may say ready for a
        # moment before the scan of the recovery starts)
        status_when(s.port, lambda st: caught_up(st, truth["notebooks"] + 1), 120)
        code, block, _ = fetch(s.port, "api/blocks/block/written-meanwhile")
        assert code == 200 and block["path"] == "while-restarting.ipynb"
        assert s.process.poll() is None


def test_connections_dropped_under_a_request_are_read_again(tmp_path: Path, own_cluster: Cluster):
    """Every connection of the server ended at once (a failover, a pooler, an
    administrator), right after they were used (the pool does not check a connection
    used less than a second ago): the next reads are answered on new connections, not
    with a 503, and indexing goes on."""
    root = tmp_path / "root"
    truth = make_corpus(root, notebooks=6)
    target, linked = next(iter(truth["backlinks"].items()))
    with team_server(root, tmp_path / "home", own_cluster.url, "dropped") as s:
        status_when(s.port, settled)
        for _ in range(6):  # every reader connection just used
            assert fetch(s.port, f"api/blocks/backlinks/{target}")[0] == 200
        with psycopg.connect(own_cluster.url, autocommit=True) as con:
            ended = con.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'jupyter-blocks' AND pid <> pg_backend_pid()"
            ).fetchone()
        assert ended is not None and ended[0] >= 2
        code, body, _ = fetch(s.port, f"api/blocks/backlinks/{target}")
        assert code == 200, body
        assert {entry["path"] for entry in body["backlinks"]} == {link["path"] for link in linked}
        code, block, _ = fetch(s.port, f"api/blocks/block/{target}")
        assert code == 200 and block["id"] == target
        write_notebook(root / "after.ipynb", "written-after")
        status_when(s.port, lambda st: caught_up(st, truth["notebooks"] + 1), 120)
        assert fetch(s.port, "api/blocks/block/written-after")[0] == 200


def test_wrong_credentials_name_the_setting(tmp_path: Path, database_url: str, new_space: Any):
    root = tmp_path / "root"
    make_corpus(root, notebooks=2)
    wrong = make_conninfo(database_url, password="not-the-password")
    with team_server(root, tmp_path / "home", wrong, new_space(), wait=False) as s:
        listening(s.port)
        status = status_when(s.port, lambda st: st["state"] == "unavailable")
        assert "c.BlocksExtension.database_url" in status["reason"], status
        assert "not-the-password" not in json.dumps(status)  # never the password
        code, body, _ = fetch(s.port, "api/blocks/block/anything")
        assert code == 503 and "c.BlocksExtension.database_url" in json.dumps(body)


def test_an_index_of_another_version_names_the_setting(
    tmp_path: Path, database_url: str, new_space: Any
):
    root = tmp_path / "root"
    make_corpus(root, notebooks=2)
    space = new_space()
    with team_server(root, tmp_path / "home", database_url, space) as s:
        status_when(s.port, settled)
    # A newer jupyter-blocks made the space's index since
    with psycopg.connect(database_url, autocommit=True) as con:
        con.execute(
            f"UPDATE {schema_for(space)}.meta SET value = '999' WHERE key = 'schema_version'"
        )
    with team_server(root, tmp_path / "home", database_url, space, wait=False) as s:
        listening(s.port)
        status = status_when(s.port, lambda st: st["state"] == "unavailable")
        assert "c.BlocksExtension.space" in status["reason"], status
        assert "newer" in status["reason"]
    # Left as it was: it belongs to the newer jupyter-blocks
    version = "SELECT value FROM {s}.meta WHERE key = 'schema_version'"
    assert query(database_url, space, version) == [("999",)]


def _cluster_processes(cluster: Cluster) -> list[int]:
    """The postmaster of ``cluster`` and every process it started (its backends)."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    found = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                found.append(int(stat.parent.name))
    return found


def test_a_paused_database_answers_within_the_bound_then_recovers(
    tmp_path: Path, own_cluster: Cluster
):
    """PostgreSQL stopped in its tracks (SIGSTOP: a frozen VM, a host that stops
    answering without closing its connections): every request still answers within
    the bound, and once it runs again the server serves again by itself. The space's
    name is hostile (quotes, a statement): it names a schema only through its hash."""
    import os
    import signal

    root = tmp_path / "root"
    make_corpus(root, notebooks=3)
    write_notebook(root / "marked.ipynb", "paused-probe")
    space = "'; DROP SCHEMA public CASCADE; --\"\\ ünïcode"
    with team_server(root, tmp_path / "home", own_cluster.url, space) as s:
        status_when(s.port, settled)
        assert fetch(s.port, "api/blocks/block/paused-probe")[0] == 200
        frozen = _cluster_processes(own_cluster)
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            for path in ("api/blocks/block/paused-probe", "api/blocks/search?q=probe"):
                code, body, _taken = fetch(s.port, path)  # fetch fails past the bound
                assert code in (200, 503), body
                if code == 503:  # advice for a database, not for a file on a disk
                    assert "database server" in body["message"], body
                    assert "disk" not in body["message"], body
            # The status says so (it said "ready" while every request failed)
            code, status, _taken = fetch(s.port, "api/blocks/status")
            assert code == 200 and status["state"] == "unavailable", status
            assert "database server" in status["reason"] and "write to" not in status["reason"]
        finally:
            for pid in frozen:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)
        until(lambda: fetch(s.port, "api/blocks/block/paused-probe")[0] == 200, 60)
        until(lambda: fetch(s.port, "api/blocks/status")[1]["state"] == "ready", 30)
        assert s.process.poll() is None
    # The hostile name reached no statement: the public schema is still there
    with psycopg.connect(own_cluster.url, autocommit=True) as con:
        assert con.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'public'").fetchone()


def test_a_misconfigured_team_server_says_so_and_never_falls_back_to_its_own_index(
    tmp_path: Path, database_url: str, new_space: Any
):
    """A space that is not a name (a blank after it), and a setting out of range beside
    it: jupyter_server dropped every setting of the extension when one was refused, and
    the server indexed into a private SQLite file, saying "ready"."""
    root = tmp_path / "root"
    make_corpus(root, notebooks=2)
    home = tmp_path / "home"
    with team_server(root, home, database_url, "team-analytics ", wait=False) as s:
        listening(s.port)
        status = status_when(s.port, lambda st: st["state"] == "unavailable")
        assert "space" in status["reason"] and "c.BlocksExtension.space" in status["reason"]
    assert not list(home.rglob("*.sqlite"))
    # A request_timeout out of range is said and its default used; the team store stays
    space = new_space()
    log = tmp_path / "server.log"
    with jupyter_server(
        root,
        home,
        None,
        log=log,
        extra=(
            f"--BlocksExtension.store_class={POSTGRES}",
            f"--BlocksExtension.database_url={database_url}",
            f"--BlocksExtension.space={space}",
            "--BlocksExtension.request_timeout=-1",
        ),
    ) as s:
        status = status_when(s.port, settled)
        assert status["notebooks"] == 2
    assert query(database_url, space, "SELECT count(*) FROM {s}.files")[0][0] == 2
    assert "request_timeout must be positive, not -1.0: 10.0 is used" in log.read_text()
    assert not list(home.rglob("*.sqlite"))
