"""A throwaway PostgreSQL server for tests where concurrency matters.

Debian's server refuses to run as root, so initdb and pg_ctl run as the ``postgres`` user
(``runuser``) on a temporary directory and a free port on 127.0.0.1.
"""
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from scheduler_app.stack import free_port


def postgres_bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server, yield a DATABASE_URL for a fresh database on it, stop and remove it."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    root = tempfile.mkdtemp(prefix="pg-test-")
    data = os.path.join(root, "data")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = free_port()
    run = {"check": True, "capture_output": True}
    subprocess.run(_as_postgres(f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"),
                   **run)
    subprocess.run(
        _as_postgres(f"{bin_dir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(root, "log"), "-o",
                     f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=100", "start"),
        **run,
    )
    try:
        subprocess.run([f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "scheduler"],
                       **run)
        yield f"postgres://postgres@127.0.0.1:{port}/scheduler"
    finally:
        subprocess.run(_as_postgres(f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
