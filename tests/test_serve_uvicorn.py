"""The service as a real uvicorn process on a loopback port, under a bounded concurrent load."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest

pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

TEXTS = [
    "You are a pathetic moron, nobody wants your opinion.",
    "The new bakery on the high street sells great bread.",
    "The globalists planned the blackout to control the population.",
    "Rain is expected all weekend, bring an umbrella.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_model_path):
    """`moderation serve` in a subprocess; yields its base URL and stops it afterwards."""
    port = _free_port()
    env = {**os.environ, "MODERATION_API_TOKEN": "tok"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moderation", "serve", "--port", str(port),
         "--model", str(tiny_model_path), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited early: {proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _load(base: str, total: int, concurrency: int) -> tuple[Counter, list[str]]:
    statuses: Counter = Counter()
    problems: list[str] = []
    sem = asyncio.Semaphore(concurrency)
    headers = {"Authorization": "Bearer tok"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:

        async def one(i: int) -> None:
            async with sem:
                text = TEXTS[i % len(TEXTS)]
                try:
                    if i % 5 == 4:
                        body = {"comment": {"text": text}, "requestedAttributes": {"HOSTILE": {}}}
                        resp = await client.post("/v1alpha1/comments:analyze", json=body)
                        ok = resp.status_code == 200 and "HOSTILE" in resp.json()["attributeScores"]
                    else:
                        resp = await client.post("/v1/score", json={"comments": [{"id": i, "text": text}]})
                        ok = resp.status_code == 200 and resp.json()["results"][0]["id"] == i
                    statuses[resp.status_code] += 1
                    if not ok:
                        problems.append(f"request {i}: {resp.status_code} {resp.text[:200]}")
                except httpx.HTTPError as exc:
                    problems.append(f"request {i}: {type(exc).__name__}: {exc}")

        await asyncio.gather(*(one(i) for i in range(total)))
    return statuses, problems


def test_real_server_answers_and_needs_token(server):
    assert httpx.get(f"{server}/healthz").json()["status"] == "ok"
    resp = httpx.post(f"{server}/v1/score", json={"comments": [{"text": "x"}]})
    assert resp.status_code == 401
    resp = httpx.post(
        f"{server}/v1/score", json={"comments": [{"text": "x"}]}, headers={"Authorization": "Bearer tok"}
    )
    assert resp.status_code == 200 and resp.json()["model"] == "tiny"


@pytest.mark.parametrize(
    "total", [400, pytest.param(2000, marks=pytest.mark.slow)], ids=["400x8", "2000x8"]
)
def test_concurrent_load_has_no_errors(server, total):
    """``total`` requests, 8 in flight at a time (a few seconds for 400 on two cores)."""
    statuses, problems = asyncio.run(_load(server, total=total, concurrency=8))
    assert problems == []
    assert statuses == Counter({200: total})
