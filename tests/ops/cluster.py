"""A private PostgreSQL cluster for the fault suite (issue 20 §2, §4).

The tests kill PostgreSQL with ``kill -9`` and make streaming replicas of
it, which they can't do to the shared server other tests use; so they
initdb their own in a temporary directory, on a free port, with ``fsync``
on (a crash must lose nothing acknowledged, as in production) and trust
authentication on 127.0.0.1 only. PostgreSQL refuses to run as root, and
the suite runs as root in CI: initdb, pg_ctl and the server then run as the
``postgres`` OS user (``runuser``), who owns the directory.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql


class ClusterError(RuntimeError):
    """The cluster could not be made, started or copied (the suite fails, never skips)."""


def pg_bin() -> Path:
    """The newest installed PostgreSQL's programs (Debian's layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(re.sub(r"\D", "", p.parent.parent.name) or 0))
    if not found:
        raise ClusterError("no PostgreSQL programs under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return found[-1].parent


def _as_owner() -> list[str]:
    """The prefix that runs a program as the cluster's owner: ``postgres``
    when we are root (PostgreSQL will not run as root), ourselves otherwise."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ClusterError("running as root but there is no postgres OS user to run the cluster as") from None
    return ["runuser", "-u", "postgres", "--"]


def make_root() -> Path:
    """A temporary directory the cluster's owner may use (pytest's own
    tmp_path is private to root, so it is not used)."""
    root = Path(tempfile.mkdtemp(prefix="ledger-pg-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    root.chmod(0o700)
    return root


def remove_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


class Cluster:
    """One PostgreSQL data directory under ``root`` and the server on ``port``."""

    def __init__(self, root: Path, name: str, port: int) -> None:
        self.root = root
        self.data = root / name
        self.port = port
        self.log = root / f"{name}.log"
        self.bin = pg_bin()
        self.killed_at: float | None = None  # time.monotonic() of the last kill9's SIGKILL

    def _run(self, *argv: str, timeout: float = 60) -> str:
        try:
            done = subprocess.run([*_as_owner(), *argv], cwd=self.root, capture_output=True, text=True,
                                  timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ClusterError(f"{argv[0]}: {e}") from e
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}\n{log}")
        return done.stdout

    def _configure(self, **more: str) -> None:
        settings = {"port": str(self.port), "listen_addresses": "'127.0.0.1'",
                    "unix_socket_directories": f"'{self.root}'", "fsync": "on", "synchronous_commit": "on",
                    "max_connections": "200", "shared_buffers": "32MB", **more}
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:  # later lines win
            conf.write("\n# tests/ops/cluster.py\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))

    def initdb(self) -> Cluster:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self._configure()
        return self

    def start(self, timeout: float = 30) -> Cluster:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", str(int(timeout)), "start", timeout=timeout + 10)
        return self

    def stop(self) -> None:
        if self.postmaster_pid() is not None:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def postmaster_pid(self) -> int | None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def kill9(self, timeout: float = 15) -> None:
        """``kill -9`` the postmaster, then its processes (as a crash of the
        machine would end them all; a new postmaster refuses to start while
        an orphaned backend still holds the old shared memory)."""
        pid = self.postmaster_pid()
        if pid is None:
            raise ClusterError("the cluster is not running")
        children = _children(pid)  # listing /proc takes a while on a loaded machine: the server still serves
        os.kill(pid, signal.SIGKILL)
        self.killed_at = time.monotonic()  # the moment of the crash, for timings measured from it
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while any(_alive(p) for p in (pid, *children)):
            if time.monotonic() > deadline:
                raise ClusterError("PostgreSQL's processes outlived kill -9")
            time.sleep(0.05)
        # The dead postmaster stays a zombie until init reaps it, and a new one
        # takes any existing PID in postmaster.pid for a live server. Once it
        # is gone for good (or after a while: a zombie holds no memory) the
        # lock file is stale.
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.reaped_after = timeout - (deadline - time.monotonic())
        if Path(f"/proc/{pid}").exists():
            (self.data / "postmaster.pid").unlink(missing_ok=True)

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """A fresh database ``name`` (dropped first if there); its DSN."""
        with psycopg.connect(self.dsn(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def replica(self, name: str, port: int) -> Cluster:
        """A streaming replica of this cluster (pg_basebackup -R: it follows
        this one as a hot standby), not yet started."""
        standby = Cluster(self.root, name, port)
        self._run(str(self.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast")
        standby._configure(hot_standby="on", hot_standby_feedback="on")
        return standby
