"""The service as a real uvicorn process on a loopback port, under a bounded concurrent load."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
from live_server import running_server  # noqa: E402

TEXTS = [
    "You are a pathetic moron, nobody wants your opinion.",
    "The new bakery on the high street sells great bread.",
    "The globalists planned the blackout to control the population.",
    "Rain is expected all weekend, bring an umbrella.",
]


@pytest.fixture(scope="module")
def server(tiny_model_path):
    """`moderation serve` in a subprocess; yields its base URL and stops it afterwards."""
    with running_server(["--model", str(tiny_model_path)], {"MODERATION_API_TOKEN": "tok"}, wait=60) as base:
        yield base


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
