"""Run one `openecf` command inside the built image, as the test stack's children.

The local stack starts its processes as `[*openecf, "serve", name]`; the image test gives it
`[python, this file, CONTAINER, *ENTRYPOINT]`, so each child becomes a `buildah run` in the
working container: the image's root filesystem, its non-root user, the host's network (where
the test stack's Kafka and SMTP sink listen) and the stack's PostgreSQL socket mounted in.

`buildah run` does not forward SIGTERM (it kills the command), so this launcher stays in
front of it and passes SIGTERM to the command itself: the process stops gracefully, as in a
Kubernetes pod, and its exit status comes back through buildah.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

SOCKET_DIR_IN_IMAGE = "/run/postgresql"


def _database_url_in_image(url: str) -> tuple[str, list[str]]:
    """The URL the container uses and the `--volume` that makes its socket reachable.

    The embedded PostgreSQL listens only on a unix socket inside its data folder (mode 0700,
    its own user's): the socket file alone is mounted at /run/postgresql, where the image's
    user can reach it (the socket itself is 0777).
    """
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host, port = query["host"][0], query.get("port", ["5432"])[0]
    socket = f"{host}/.s.PGSQL.{port}"
    query["host"] = [SOCKET_DIR_IN_IMAGE]
    rewritten = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return rewritten, ["--volume", f"{socket}:{SOCKET_DIR_IN_IMAGE}/.s.PGSQL.{port}"]


def buildah_argv(container: str, command: list[str], environ: dict[str, str]) -> list[str]:
    env = {k: v for k, v in environ.items() if k.startswith("OPENECF_")}
    volumes: list[str] = []
    if env.get("OPENECF_DATABASE_URL"):
        env["OPENECF_DATABASE_URL"], volumes = _database_url_in_image(env["OPENECF_DATABASE_URL"])
    # The host's data folder does not exist in the image; /tmp is its only writable place.
    env["OPENECF_DATA_DIR"] = "/tmp/openecf"  # noqa: S108 - a path inside the container
    argv = ["buildah", "run", "--isolation", "chroot", "--network", "host", *volumes]
    for name, value in sorted(env.items()):
        argv += ["--env", f"{name}={value}"]
    return [*argv, container, "--", *command]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _argv0(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return b""


def commands_in_container(pid: int) -> list[int]:
    """The command buildah runs: the children of its `buildah-chroot-exec` process."""
    result, queue = [], [pid]
    while queue:
        current = queue.pop()
        children = _children(current)
        if _argv0(current) == b"buildah-chroot-exec":
            result += children
        else:
            queue += children
    return result


def main(argv: list[str]) -> int:
    container, *command = argv
    runner = subprocess.Popen(buildah_argv(container, command, dict(os.environ)))

    def forward(signum: int, _frame: FrameType | None) -> None:
        for pid in commands_in_container(runner.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return runner.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
