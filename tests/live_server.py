"""``moderation serve`` in a subprocess on a free loopback port, for tests that need a real server
(a browser, Google's API client). Not a test module: imported by them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(args: list[str], env: dict[str, str] | None = None, *, wait: float = 90) -> Iterator[str]:
    """Run ``moderation serve ARGS`` until the block ends; yields its base URL.

    Parameters
    ----------
    args : list of str
        Extra arguments of ``moderation serve`` (``--model``, ``--attribute-alias``...).
    env : dict, optional
        Environment variables added to this process's.
    wait : float
        Seconds to wait for ``/healthz`` before failing the test.
    """
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moderation", "serve", "--port", str(port), "--log-level", "warning", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited early: {proc.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer /healthz within {wait:.0f} s")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
