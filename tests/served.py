"""The real dashboard served by `streamlit run`, as `make run` serves it, for the tests that
need a server (the browser test, sign-in)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.core.paths import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard(data: Path, port: int | None = None, *options: str) -> Iterator[str]:
    """Serve the dashboard on loopback from the project folder (where its shipped settings
    are), reading `data`; yield its address once it answers, and stop it afterwards."""
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "dashboard" / "app.py"),
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", *options]  # fmt: skip
    environment = {**os.environ, "PQA_DATA_DIR": str(data)}
    # the server's own log, beside the data folder, to read when a page shows an error
    log = open(data.parent / "dashboard.log", "w", encoding="utf-8")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=log,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(process, url, data.parent / "dashboard.log")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_until_healthy(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            pass
        assert process.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.3)
