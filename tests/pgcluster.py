"""A throwaway PostgreSQL cluster in a folder, for the tests of the team store.

PostgreSQL refuses to run as root: as root, the cluster belongs to the ``postgres``
user (Debian's package creates it) and every server command runs through ``runuser``;
as anyone else, as that user. The cluster listens on a Unix socket in its folder and on
a loopback port, trusts local socket connections (for the set-up) and asks a password
over TCP (the URL the tests use has one, so a wrong password is refused).

    python tests/pgcluster.py start DIR [--durable]   # prints the database URL
    python tests/pgcluster.py stop DIR

``scripts/test.sh`` starts one for the whole run and exports its URL as
JUPYTER_BLOCKS_TEST_DATABASE_URL; tests that stop and start PostgreSQL mid-run make
their own.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

USER = "blocks"
PASSWORD = "blocks-test-password"
DATABASE = "blocks"
URL_VARIABLE = "JUPYTER_BLOCKS_TEST_DATABASE_URL"


def bin_dir() -> Path | None:
    """The folder of PostgreSQL's server programs (Debian's layout first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if found:
        return Path(found[0]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A cluster in ``folder`` (created by ``init`` when empty)."""

    def __init__(self, folder: Path, port: int | None = None, durable: bool = False) -> None:
        # Durability is not what the tests are about (no fsync, for speed); benchmarks
        # keep PostgreSQL's defaults.
        self.durable = durable
        self.folder = Path(folder).resolve()
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        port_file = self.folder / "port"
        if port is None and port_file.exists():
            port = int(port_file.read_text())
        self.port = port or free_port()
        found = bin_dir()
        if found is None:
            raise RuntimeError("PostgreSQL's server programs (pg_ctl) are not installed")
        self.bin = found

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    def url_with(self, **changes: object) -> str:
        """The URL with another user, password, port or database."""
        parts = {"user": USER, "password": PASSWORD, "port": self.port, "database": DATABASE}
        parts.update(changes)
        return "postgresql://{user}:{password}@127.0.0.1:{port}/{database}".format(**parts)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, cwd="/")

    def init(self) -> None:
        """A new cluster, with a role and a database for the tests."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        (self.folder / "port").write_text(str(self.port))
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.start()
        self.psql(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
        self.psql(f"CREATE DATABASE {DATABASE} OWNER {USER}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def running(self) -> bool:
        done = self._run("pg_ctl", "-D", str(self.data), "status", check=False)
        return done.returncode == 0

    def psql(self, statement: str, database: str = "postgres") -> str:
        done = self._run(
            "psql",
            "-h",
            str(self.folder),
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
            statement,
        )
        return done.stdout.strip()

    def remove(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def wait_for(url: str, timeout: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main() -> None:
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        cluster = Cluster(folder, durable="--durable" in sys.argv[3:])
        if cluster.data.exists():
            cluster.start()
        else:
            cluster.init()
        print(cluster.url)
    elif command == "stop":
        Cluster(folder).remove()
    else:
        raise SystemExit(f"usage: {sys.argv[0]} start|stop FOLDER")


if __name__ == "__main__":
    main()
