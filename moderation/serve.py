"""HTTP service: score comments over JSON, with a Perspective-compatible route.

>>> from moderation.serve import create_app
>>> app = create_app()  # doctest: +SKIP   (then: uvicorn, or `moderation serve`)

Routes: ``POST /v1/score``, ``POST /v1/parse``, ``GET /v1/model``, ``GET /healthz``,
``POST /v1alpha1/comments:analyze`` and ``POST /v1alpha1/comments:suggestscore`` (the
Perspective API's request and response shapes; attribute aliases such as ``TOXICITY=HOSTILE``
with :func:`parse_attribute_aliases`), the review page for moderators at ``/review`` (its API
under ``/review/api/``, its decisions in :class:`moderation.labelstore.LabelStore`), with
OpenAPI docs at ``/docs``. Each comment's language is detected
(:func:`moderation.language.detect_language`); one the model was not trained for gets
``language`` and null scores, or, on the Perspective route, Perspective's 400 error. Requests are limited in size (see :data:`MAX_BODY_BYTES`,
:data:`MAX_COMMENTS`, :data:`MAX_TEXT_CHARS`); when ``MODERATION_API_TOKEN`` is set every route
except ``/healthz`` and the docs needs ``Authorization: Bearer <token>`` (the review page: a
sign-in form, then an HttpOnly, SameSite=Strict session cookie; its state-changing requests
must be JSON POSTs). Comment text is never logged: the request log holds method, path, status,
size and duration only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import time
import warnings
from collections.abc import Iterable, Mapping
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Annotated, Any

try:
    from fastapi import Depends, FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from fastapi.security import HTTPBearer
    from pydantic import AfterValidator, BaseModel, ConfigDict, Field
    from starlette.exceptions import HTTPException as StarletteHTTPException
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    from moderation.cli import extra_hint

    raise ImportError(f"The HTTP service needs FastAPI and uvicorn: {extra_hint('serve')}") from exc

from moderation.labelstore import LabelStore, LabelStoreError
from moderation.model import Model

__all__ = [
    "MAX_BODY_BYTES", "MAX_COMMENTS", "MAX_EXPLAIN_CHARS_PER_REQUEST", "MAX_TEXT_CHARS", "create_app",
    "parse_attribute_aliases",
]

#: Largest request body accepted, in bytes (413 beyond it).
MAX_BODY_BYTES = 5 * 1024 * 1024
#: Most comments in one ``/v1/score`` request (413 beyond it).
MAX_COMMENTS = 1000
#: Longest comment text, in characters (413 beyond it), on every route that scores.
MAX_TEXT_CHARS = 20_000
#: Most characters one request may have explained (``"explain": true``), over all its comments.
#: Each comment's explanation reads at most :data:`moderation.model.MAX_EXPLAIN_CHARS`
#: characters; flagged comments beyond the budget get no ``reasons`` and a warning. With the
#: other limits, this bounds the work of one request to a few seconds of CPU.
MAX_EXPLAIN_CHARS_PER_REQUEST = 50_000
#: Comments are scored in batches of about this many characters, so the memory a request
#: takes stays near that of scoring one batch (scores do not depend on the batching).
SCORE_BATCH_CHARS = 200_000
#: Attributes the Perspective-compatible route knows, mapped to our labels.
PERSPECTIVE_ATTRIBUTES = {"HOSTILE": "hostile", "CONSPIRATORIAL": "conspiratorial"}
PERSPECTIVE_PATH = "/v1alpha1/comments:analyze"
#: Perspective's feedback method: the suggested labels go to the label store.
SUGGEST_PATH = "/v1alpha1/comments:suggestscore"
#: Routes that answer in Google's error style and accept the API key as ``?key=``.
PERSPECTIVE_PATHS = frozenset({PERSPECTIVE_PATH, SUGGEST_PATH})
#: Environment variable with attribute aliases, comma-separated: ``TOXICITY=HOSTILE,INSULT=HOSTILE``.
ALIASES_ENV = "MODERATION_ATTRIBUTE_ALIASES"
#: A Perspective suggested score at or above this is stored as label 1, below as 0.
SUGGEST_POSITIVE = 0.5
#: The review page, its static files and its API.
REVIEW_PATH = "/review"
REVIEW_STATIC = "/review/static/"
REVIEW_API = "/review/api/"
REVIEW_SIGNIN = "/review/api/signin"
#: Files the page loads from ``moderation/static`` (nothing else is served from there).
STATIC_FILES = {"review.js": "text/javascript", "review.css": "text/css",
                "signin.js": "text/javascript"}
#: The review page's session cookie and how long a sign-in lasts.
SESSION_COOKIE = "moderation_session"
SESSION_SECONDS = 12 * 3600
#: Paths that never need the bearer token: liveness probes and the API documentation, and the
#: review page's static files and sign-in (the page itself answers with a sign-in form).
OPEN_PATHS = frozenset({"/healthz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json",
                        REVIEW_SIGNIN})
#: Headers of every review page response: nothing from elsewhere, never framed, not cached.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

log = logging.getLogger("moderation.serve")


# ------------------------------------------------------------------------ schemas
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _valid_unicode(value: str) -> str:
    """Refuse lone surrogates (JSON escapes such as \\udc80 that encode no character): they
    cannot be scored or written back as UTF-8."""
    if _SURROGATE_RE.search(value):
        raise ValueError("contains an unpaired surrogate escape (\\ud800-\\udfff); send valid Unicode")
    return value


#: A JSON string that is valid Unicode.
Text = Annotated[str, AfterValidator(_valid_unicode)]


class CommentIn(BaseModel):
    """One comment to score."""

    model_config = ConfigDict(extra="ignore")
    id: Text | int | None = Field(None, description="Your id for the comment, echoed back.")
    text: Text = Field(..., description=f"The comment, at most {MAX_TEXT_CHARS:,} characters.")


class ScoreRequest(BaseModel):
    """Comments to score."""

    comments: list[CommentIn] = Field(..., description=f"At most {MAX_COMMENTS:,} comments.")
    explain: bool = Field(False, description="Add `reasons`: the words behind each flagged label.")


class ScoreResult(BaseModel):
    """Scores of one comment; ``reasons`` only when ``explain`` was requested. Scores are null
    (and flags false) for a comment in a language the model does not support."""

    id: str | int | None
    hostile_score: float | None
    conspiratorial_score: float | None
    hostile_flag: bool
    conspiratorial_flag: bool
    language: str | None = Field(None, description="Detected language, ISO 639-1 (e.g. en, de).")
    reasons: dict[str, list[str]] | None = None


class ScoreResponse(BaseModel):
    model: str = Field(..., description="Version name of the model that scored the comments "
                       "(as `moderation models list` shows it).")
    results: list[ScoreResult]
    warnings: list[str] | None = Field(
        None, description="Present when some flagged comments got no `reasons` (explain budget)."
    )


class ParseRequest(BaseModel):
    """A saved page to parse into comments."""

    page: Text = Field(..., description="The page: HTML or a plain-text dump of a comment section.")
    score: bool = Field(True, description="Score each comment.")
    explain: bool = Field(False, description="With `score`, add `reasons` to each comment.")


class ParsedComment(BaseModel):
    id: str
    author: str | None
    text: str
    parent_id: str | None
    position: int
    published: str | None
    has_image: bool
    hostile_score: float | None = None
    conspiratorial_score: float | None = None
    hostile_flag: bool | None = None
    conspiratorial_flag: bool | None = None
    language: str | None = None
    reasons: dict[str, list[str]] | None = None


class ParseResponse(BaseModel):
    model: str | None = Field(None, description="Model version, when the comments were scored.")
    comments: list[ParsedComment]
    warnings: list[str] = Field(default_factory=list, description="Parser notes about the page.")


class PerspectiveText(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: Text
    type: Text | None = Field(None, description="PLAIN_TEXT (HTML is scored as given).")


class PerspectiveAttribute(BaseModel):
    model_config = ConfigDict(extra="ignore")
    scoreType: Text | None = Field(None, description="Only PROBABILITY is supported.")
    scoreThreshold: float | None = Field(None, description="Leave out the attribute below this score.")


class AnalyzeRequest(BaseModel):
    """The Perspective API's ``AnalyzeComment`` request (fields this server does not use are ignored)."""

    model_config = ConfigDict(extra="ignore")
    comment: PerspectiveText
    requestedAttributes: dict[Text, PerspectiveAttribute]
    languages: list[Text] | None = None
    doNotStore: bool | None = None
    clientToken: Text | None = None
    spanAnnotations: bool | None = None


class ScoreValue(BaseModel):
    model_config = ConfigDict(extra="ignore")
    value: float = Field(..., ge=0.0, le=1.0, description="The suggested score, 0 to 1.")
    type: Text | None = None


class SuggestedAttribute(BaseModel):
    model_config = ConfigDict(extra="ignore")
    summaryScore: ScoreValue | None = Field(None, description="The score the comment should have.")


class SuggestScoreRequest(BaseModel):
    """The Perspective API's ``SuggestCommentScore`` request (feedback on a comment's scores)."""

    model_config = ConfigDict(extra="ignore")
    comment: PerspectiveText
    attributeScores: dict[Text, SuggestedAttribute]
    languages: list[Text] | None = None
    communityId: Text | None = None
    clientToken: Text | None = None


class ThreadRequest(BaseModel):
    """What the moderator pasted or uploaded on the review page."""

    model_config = ConfigDict(extra="forbid")
    text: Text | None = Field(None, description="Pasted text: a text dump of a thread, or comments "
                              "separated by blank lines.")
    file_base64: str | None = Field(None, description="An uploaded file's bytes, base64-encoded.")
    filename: Text | None = Field(None, description="The uploaded file's name: .csv/.tsv/.jsonl/.json "
                                  "are read as a table with a `text` column, anything else as a page.")


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text = Field(..., description="The comment's text, as the page showed it.")
    id: Text | None = Field(None, description="The comment's id on its page.")
    labels: dict[Text, int] = Field(..., description="`{label: 1 or 0}`: the moderator's decision.")


class DecisionsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: Text | None = Field(None, description="Version of the model whose scores were shown.")
    decisions: list[Decision] = Field(..., description=f"At most {MAX_COMMENTS:,} decisions.")


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str


# ------------------------------------------------------------------------- errors
class APIError(Exception):
    """An error answered as ``{"error": {"code": ..., "message": ...}}``; ``details`` (Google's
    typed error details) are added on the Perspective route."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def _error_response(
    path: str,
    status: int,
    code: str,
    message: str,
    headers: dict | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    """Our error body, or the Google API style (numeric code + status) on the Perspective route."""
    if path in PERSPECTIVE_PATHS:
        google = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 413: "INVALID_ARGUMENT",
                  404: "NOT_FOUND", 405: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT",
                  403: "PERMISSION_DENIED"}
        body = {"error": {"code": status, "message": message, "status": google.get(status, "INTERNAL")}}
        if details:
            body["error"]["details"] = details
    else:
        body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    """Where and why the body is invalid, without echoing its content."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    more = len(exc.errors()) - 5
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


# ----------------------------------------------------------------- ASGI middleware
class _Guard:
    """Pure ASGI middleware: request log (no bodies), bearer-token check, body-size limit.

    The body is read here, up to ``max_bytes``, before the app sees it, so an oversized upload
    is refused with 413 without being buffered whole, and an unauthenticated one is never read.
    """

    def __init__(self, app: Any, *, token: str | None, max_bytes: int):
        self.app = app
        self.token = token
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope.get("path", "")
        status_seen: list[int] = []

        async def send_logged(message: dict) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(message["status"])
            await send(message)

        try:
            await self._handle(scope, receive, send_logged, path)
        finally:
            log.info(
                "%s %s %s %.1fms",
                scope.get("method"),
                path,
                status_seen[0] if status_seen else "-",
                (time.perf_counter() - started) * 1000,
            )

    async def _handle(self, scope: dict, receive: Any, send: Any, path: str) -> None:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        refusal = _review_refusal(scope, headers, path)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if (self.token and path not in OPEN_PATHS and not path.startswith(REVIEW_STATIC)
                and not self._authorised(headers, scope, path)):
            if path == REVIEW_PATH and scope.get("method") in ("GET", "HEAD"):
                await _static_response("signin.html")(scope, receive, send)
                return
            response = _error_response(
                path, 401, "unauthorized",
                "Missing or wrong bearer token: send the header 'Authorization: Bearer <token>' "
                "with the value of MODERATION_API_TOKEN.",
                headers={"WWW-Authenticate": 'Bearer realm="moderation"'},  # a bare "Bearer" breaks httplib2
            )
            await response(scope, receive, send)
            return
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, receive, send, path)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # client went away
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._too_large(scope, receive, send, path)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _authorised(self, headers: dict, scope: dict, path: str) -> bool:
        assert self.token is not None
        expected = self.token.encode()
        auth = headers.get(b"authorization", b"")
        scheme, _, given = auth.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), expected):
            return True
        if _is_review(path):  # the page's session cookie, set by the sign-in form
            cookie = _cookie(headers, SESSION_COOKIE)
            return cookie is not None and session_valid(self.token, cookie)
        if path in PERSPECTIVE_PATHS:  # Perspective clients send their API key as ?key=...
            from urllib.parse import parse_qs

            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            return any(hmac.compare_digest(k.encode(), expected) for k in query.get("key", []))
        return False

    async def _too_large(self, scope: dict, receive: Any, send: Any, path: str) -> None:
        response = _error_response(
            path, 413, "body_too_large",
            f"Request body is over {self.max_bytes:,} bytes; send fewer or shorter comments per request.",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _is_review(path: str) -> bool:
    return path == REVIEW_PATH or path.startswith(REVIEW_PATH + "/")


def _cookie(headers: dict, name: str) -> str | None:
    """The value of cookie ``name`` in the request headers, or None."""
    raw = headers.get(b"cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def _review_refusal(scope: dict, headers: dict, path: str) -> JSONResponse | None:
    """Refuse a state-changing review request a cross-site page could send: anything but a JSON
    POST (a form cannot send ``application/json`` across sites without CORS, which this server
    never grants), or one whose ``Origin`` is another site. The session cookie is also
    SameSite=Strict; this holds without it."""
    if not path.startswith(REVIEW_API) or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return None
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if kind != b"application/json":
        return _error_response(
            path, 415, "unsupported_media_type",
            "The review API takes JSON only: send the body with 'Content-Type: application/json'.",
        )
    origin = headers.get(b"origin")
    if origin is not None and origin != b"null":
        from urllib.parse import urlsplit

        host = headers.get(b"host", b"").decode("latin-1").lower()
        if urlsplit(origin.decode("latin-1")).netloc.lower() != host:
            return _error_response(path, 403, "cross_site",
                                   "Cross-site request refused: use the review page served by this server.")
    return None


# ------------------------------------------------------------------------ sessions
def session_cookie(token: str, now: float | None = None) -> str:
    """A session cookie value for the review page: expiry, nonce and their HMAC keyed with the
    API token (so changing ``MODERATION_API_TOKEN`` signs everybody out).

    Parameters
    ----------
    token : str
        The API token.
    now : float, optional
        Current time (seconds since the epoch); default ``time.time()``.

    Returns
    -------
    str
        ``"<expiry>.<nonce>.<signature>"``.
    """
    expiry = int((time.time() if now is None else now) + SESSION_SECONDS)
    body = f"{expiry}.{secrets.token_urlsafe(16)}"
    return f"{body}.{_sign(token, body)}"


def session_valid(token: str, value: str, now: float | None = None) -> bool:
    """Whether ``value`` is a session cookie signed with ``token`` and not expired."""
    body, _, signature = value.rpartition(".")
    expiry = body.partition(".")[0]
    given = signature.encode("utf-8", "surrogatepass")  # bytes: any cookie text compares
    if not expiry.isascii() or not expiry.isdigit() or not hmac.compare_digest(_sign(token, body).encode(), given):
        return False
    return int(expiry) > (time.time() if now is None else now)


def _sign(token: str, body: str) -> str:
    return hmac.new(token.encode(), body.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _static_bytes(name: str) -> bytes:
    """A file of the review page, shipped inside the package (``moderation/static``)."""
    from importlib.resources import files

    return files("moderation").joinpath("static", name).read_bytes()


def _static_response(name: str) -> Response:
    media = "text/html; charset=utf-8" if name.endswith(".html") else STATIC_FILES[name] + "; charset=utf-8"
    return Response(_static_bytes(name), media_type=media, headers=PAGE_HEADERS)


# ------------------------------------------------------------------- Perspective
def parse_attribute_aliases(specs: Iterable[str] | str | None) -> dict[str, str]:
    """Perspective attribute aliases from ``NAME=ATTRIBUTE`` items, e.g. ``TOXICITY=HOSTILE``.

    Parameters
    ----------
    specs : iterable of str, or str
        Items such as ``"TOXICITY=HOSTILE"``; a str is split on commas (the form of
        ``$MODERATION_ATTRIBUTE_ALIASES``). None or empty: no aliases.

    Returns
    -------
    dict
        ``{alias: attribute}``, both upper-case; the attribute is one this server scores.

    Raises
    ------
    ValueError
        An item that is not ``NAME=ATTRIBUTE``, names an unknown attribute, or redefines one.
    """
    if specs is None:
        return {}
    items = specs.split(",") if isinstance(specs, str) else list(specs)
    out: dict[str, str] = {}
    for item in items:
        if not item.strip():
            continue
        alias, sep, target = (part.strip().upper() for part in item.partition("="))
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", alias):
            raise ValueError(f"attribute alias {item.strip()!r} is not NAME=ATTRIBUTE; write e.g. TOXICITY=HOSTILE")
        if target not in PERSPECTIVE_ATTRIBUTES:
            raise ValueError(f"attribute alias {item.strip()!r} names {target or 'nothing'}; the attributes "
                             f"are {', '.join(PERSPECTIVE_ATTRIBUTES)} (write e.g. TOXICITY=HOSTILE)")
        if alias in PERSPECTIVE_ATTRIBUTES:
            raise ValueError(f"{alias} is an attribute already; an alias needs another name (e.g. TOXICITY=HOSTILE)")
        out[alias] = target
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+|\n\s*\n?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of ``text`` as ``(begin, end)`` character offsets, surrounding spaces left out
    (Perspective's ``spanScores`` are per sentence). A text without sentence ends is one span.

    Examples
    --------
    >>> sentence_spans("You idiot. Nice day!  ok")
    [(0, 10), (11, 20), (22, 24)]
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start() if text[match.start()].isspace() else match.end()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for begin, end in spans:
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        if end > begin:
            out.append((begin, end))
    return out or [(0, len(text))]


# ------------------------------------------------------------------------- helpers
def _json_safe(value: Any) -> Any:
    """The model card as plain JSON (numpy scalars, paths, NaN made serialisable)."""

    def default(obj: Any) -> Any:
        if hasattr(obj, "item"):
            return obj.item()
        if isinstance(obj, Path):
            return str(obj)
        return str(obj)

    text = json.dumps(value, default=default)
    return json.loads(text, parse_constant=lambda _: None)


def _finite(x: float) -> float:
    return float(x) if math.isfinite(x) else 0.0


def _score(x: float) -> float | None:
    """A score for JSON: null when the comment was not scored (unsupported language)."""
    return float(x) if math.isfinite(x) else None


def _language_error(attribute: str, languages: list[str], *, detected: bool) -> APIError:
    """Perspective's answer to a comment in languages an attribute does not support."""
    about: dict[str, Any] = {"attribute": attribute}
    about["detectedLanguages" if detected else "requestedLanguages"] = languages
    return APIError(
        400, "language_not_supported",
        f"Attribute {attribute} does not support request languages: {', '.join(languages)}",
        details=[{
            "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
            "errorType": "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
            "languageNotSupportedByAttributeError": about,
        }],
    )


def _score_batched(scorer: Model, texts: list[str]) -> Any:
    """``scorer.score(texts)`` in batches of about :data:`SCORE_BATCH_CHARS` characters."""
    import pandas as pd

    frames, start, size = [], 0, 0
    for i, text in enumerate(texts):
        size += len(text)
        if size >= SCORE_BATCH_CHARS or i == len(texts) - 1:
            frames.append(scorer.score(texts[start : i + 1]))
            start, size = i + 1, 0
    if not frames:
        return scorer.score([])
    return pd.concat(frames, ignore_index=True)


class _ExplainBudget:
    """Characters a request may still have explained (:data:`MAX_EXPLAIN_CHARS_PER_REQUEST`)."""

    def __init__(self) -> None:
        self.left = MAX_EXPLAIN_CHARS_PER_REQUEST
        self.skipped = 0

    def take(self, text: str) -> bool:
        from moderation.model import MAX_EXPLAIN_CHARS

        cost = max(1, min(len(text), MAX_EXPLAIN_CHARS))
        if cost > self.left:
            self.skipped += 1
            return False
        self.left -= cost
        return True

    def warnings(self) -> list[str]:
        if not self.skipped:
            return []
        return [
            f"reasons left out for {self.skipped} flagged comment(s): one request explains at most "
            f"{MAX_EXPLAIN_CHARS_PER_REQUEST:,} characters; send fewer comments with explain"
        ]


def _check_comments(count: int, what: str) -> None:
    if count > MAX_COMMENTS:
        raise APIError(
            413, "too_many_comments",
            f"{count:,} comments{what}; the limit is {MAX_COMMENTS:,} a request. "
            "Send them in batches.",
        )


def _check_text(text: str, where: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise APIError(
            413, "comment_too_long",
            f"{where} has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}. "
            "Split or truncate it before scoring.",
        )


def _check_attributes(requested: Mapping[str, Any], attributes: Mapping[str, str]) -> None:
    """400 for no attributes or unknown ones, naming what this server answers to."""
    known = ", ".join(attributes)
    if not requested:
        raise APIError(400, "invalid_request", f"No requested attributes; ask for one of {known}.")
    unknown = [name for name in requested if name not in attributes]
    if unknown:
        # name a few, shortened: the error must stay small whatever the request holds
        shown = ", ".join(n if len(n) <= 40 else n[:40] + "..." for n in unknown[:5])
        more = f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
        hint = "" if len(attributes) > len(PERSPECTIVE_ATTRIBUTES) else (
            " To answer another name, start the server with --attribute-alias NAME=HOSTILE.")
        raise APIError(
            400, "invalid_request",
            f"Unknown requested attribute(s): {shown}{more}. This server supports {known}.{hint}",
        )


# ----------------------------------------------------------------------------- app
def create_app(
    model: Model | str | os.PathLike[str] | None = None,
    *,
    token: str | None = None,
    attribute_aliases: Mapping[str, str] | Iterable[str] | str | None = None,
    labels: LabelStore | str | os.PathLike[str] | None = None,
) -> FastAPI:
    """Build the FastAPI application.

    Parameters
    ----------
    model : Model, str or path-like, optional
        The model to serve, or its folder. Default: the default model
        (``$MODERATION_MODEL``, else ``models/DEFAULT``, else ``models/default``).
    token : str, optional
        Bearer token required on every route except ``/healthz`` and the docs. Default: the
        environment variable ``MODERATION_API_TOKEN`` (unset or empty: no authentication).
    attribute_aliases : mapping, iterable of str or str, optional
        Perspective attributes answered under another name: ``{"TOXICITY": "HOSTILE"}`` or
        ``["TOXICITY=HOSTILE"]`` (see :func:`parse_attribute_aliases`). Default: the
        environment variable ``MODERATION_ATTRIBUTE_ALIASES`` (``TOXICITY=HOSTILE,...``).
    labels : LabelStore or path, optional
        Where the review page's decisions and Perspective's suggested scores go. Default:
        :func:`moderation.labelstore.default_store_path`, opened on first use.

    Returns
    -------
    fastapi.FastAPI
        Serve it with uvicorn (``moderation serve`` does this).
    """
    from moderation import __version__
    from moderation.api import default_model, reasons_for
    from moderation.language import detect_language, normalize_language, warm_up
    from moderation.model import load_model

    if model is None:
        scorer = default_model()
    elif isinstance(model, Model):
        scorer = model
    else:
        scorer = load_model(model)
    if token is None:
        token = os.environ.get("MODERATION_API_TOKEN") or None
    if attribute_aliases is None:
        attribute_aliases = os.environ.get(ALIASES_ENV) or None
    if isinstance(attribute_aliases, Mapping):
        attribute_aliases = [f"{k}={v}" for k, v in attribute_aliases.items()]
    aliases = parse_attribute_aliases(attribute_aliases)
    attributes = {**PERSPECTIVE_ATTRIBUTES,
                  **{alias: PERSPECTIVE_ATTRIBUTES[target] for alias, target in aliases.items()}}
    stores: list[LabelStore] = [labels] if isinstance(labels, LabelStore) else []

    def label_store() -> LabelStore:
        if not stores:
            try:
                stores.append(LabelStore(labels))
            except (LabelStoreError, OSError) as exc:
                raise APIError(503, "label_store_unavailable", str(exc)) from None
        return stores[0]

    warm_up(scorer.languages[0])  # load the language detector before the first request

    app = FastAPI(
        title="moderation",
        version=__version__,
        description=(
            "Score reader comments for HOSTILE and CONSPIRATORIAL content. Limits: "
            f"{MAX_COMMENTS:,} comments a request, {MAX_TEXT_CHARS:,} characters a comment, "
            f"{MAX_BODY_BYTES // (1024 * 1024)} MB a body. Errors answer "
            '`{"error": {"code": ..., "message": ...}}`.'
        ),
    )
    app.state.model = scorer
    app.state.attribute_aliases = aliases
    bearer = HTTPBearer(auto_error=False, description="The value of MODERATION_API_TOKEN, when set.")
    secured = [Depends(bearer)]  # documents the scheme in OpenAPI; _Guard enforces it

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return _error_response(request.url.path, exc.status, exc.code, exc.message, details=exc.details)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        path = request.url.path
        status = 400 if path in PERSPECTIVE_PATHS else 422
        return _error_response(path, status, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # FastAPI's answer when the JSON parser itself fails, e.g. a body nested 100,000 deep
            path = request.url.path
            return _error_response(
                path, 400 if path in PERSPECTIVE_PATHS else 422, "invalid_request",
                "The body could not be parsed as JSON (invalid, or nested too deeply); send one "
                "JSON object as documented at /docs.",
            )
        codes = {404: "not_found", 405: "method_not_allowed"}
        return _error_response(
            request.url.path, exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail)
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s: %s", request.url.path, type(exc).__name__)
        return _error_response(
            request.url.path, 500, "internal", "Internal error; the server log names its type."
        )

    def _result_reasons(text: str, row: Any, budget: _ExplainBudget) -> dict[str, list[str]] | None:
        flags = {"hostile": bool(row.hostile_flag), "conspiratorial": bool(row.conspiratorial_flag)}
        if not any(flags.values()):
            return {}
        if not budget.take(text):
            return None
        return reasons_for(scorer, text, flags)

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        """Liveness: ``{"status": "ok", "model": version name, "trained": timestamp}`` (never
        needs the token); the version name is the one ``moderation models list`` shows."""
        return {"status": "ok", "model": scorer.version, "trained": scorer.timestamp}

    @app.head("/healthz", include_in_schema=False)
    def healthz_head() -> dict[str, str]:
        """``HEAD /healthz``: the status of ``GET`` without its body (load balancers probe this)."""
        return healthz()

    @app.get("/v1/model", tags=["service"], dependencies=secured)
    def model_card() -> dict[str, Any]:
        """The served model's card: version, thresholds, metrics and data provenance."""
        return _json_safe(scorer.card)

    @app.post(
        "/v1/score", tags=["scoring"], dependencies=secured, response_model=ScoreResponse,
        response_model_exclude_unset=True,
    )
    def score(req: ScoreRequest) -> ScoreResponse:
        """Score up to 1,000 comments; results come back in request order. Each result has the
        comment's detected ``language``; one the model was not trained for gets null scores."""
        _check_comments(len(req.comments), "")
        for i, c in enumerate(req.comments):
            _check_text(c.text, f"comments[{i}].text")
        texts = [c.text for c in req.comments]
        frame = _score_batched(scorer, texts)
        results = []
        budget = _ExplainBudget()
        for c, row in zip(req.comments, frame.itertuples(index=False), strict=True):
            item = {
                "id": c.id,
                "hostile_score": _score(row.hostile_score),
                "conspiratorial_score": _score(row.conspiratorial_score),
                "hostile_flag": bool(row.hostile_flag),
                "conspiratorial_flag": bool(row.conspiratorial_flag),
                "language": row.language,
            }
            if req.explain:
                item["reasons"] = _result_reasons(c.text, row, budget)
            results.append(ScoreResult(**item))
        response = ScoreResponse(model=scorer.version, results=results)
        if budget.skipped:
            response.warnings = budget.warnings()
        return response

    @app.post(
        "/v1/parse", tags=["scoring"], dependencies=secured, response_model=ParseResponse,
        response_model_exclude_unset=True,
    )
    def parse(req: ParseRequest) -> ParseResponse:
        """Parse a saved page (HTML or text dump) into its reader comments, scored by default."""
        from moderation.parse import (
            BinaryFileError,
            PageTooLargeError,
            ParseWarning,
            parse_comments,
        )

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ParseWarning)
            try:
                # bytes, never str: a str that looks like a path would be read from this server's disk
                comments = parse_comments(req.page.encode("utf-8", errors="replace"))
            except BinaryFileError as exc:
                raise APIError(422, "unreadable_page", str(exc).replace("<bytes>", "page")) from None
            except PageTooLargeError as exc:
                raise APIError(413, "body_too_large", str(exc).replace("<bytes>", "page")) from None
        notes = [str(w.message).replace("<bytes>", "page") for w in caught if issubclass(w.category, ParseWarning)]
        if req.score:  # the limits of /v1/score hold for the comments of a page too
            _check_comments(len(comments), " on the page")
            for i, c in enumerate(comments):
                _check_text(c.text, f"comment {i + 1} of the page")
        budget = _ExplainBudget()
        out: list[ParsedComment] = []
        frame = _score_batched(scorer, [c.text for c in comments]) if req.score and comments else None
        rows = frame.itertuples(index=False) if frame is not None else [None] * len(comments)
        for c, row in zip(comments, rows, strict=True):
            item: dict[str, Any] = {
                "id": c.id, "author": c.author, "text": c.text, "parent_id": c.parent_id,
                "position": c.position, "published": c.published, "has_image": c.has_image,
            }
            if row is not None:
                item.update(
                    hostile_score=_score(row.hostile_score),
                    conspiratorial_score=_score(row.conspiratorial_score),
                    hostile_flag=bool(row.hostile_flag),
                    conspiratorial_flag=bool(row.conspiratorial_flag),
                    language=row.language,
                )
                if req.explain:
                    item["reasons"] = _result_reasons(c.text, row, budget)
            out.append(ParsedComment(**item))
        response = ParseResponse(comments=out, warnings=notes + budget.warnings())
        if req.score:
            response.model = scorer.version
        return response

    @app.post(PERSPECTIVE_PATH, tags=["perspective"], dependencies=secured)
    def analyze(req: AnalyzeRequest) -> dict[str, Any]:
        """Perspective API compatible ``AnalyzeComment``: attributes HOSTILE and CONSPIRATORIAL,
        and the aliases given with ``--attribute-alias`` (e.g. TOXICITY answered as HOSTILE,
        under the name TOXICITY). With ``spanAnnotations`` each sentence gets its own score.

        A Perspective client switches to this server by changing its URL; the API key may be
        sent as ``?key=`` (compared with ``MODERATION_API_TOKEN``) or as a bearer token. As on
        Perspective, ``languages`` declares the comment's language (detection is skipped when
        it names a supported one); without it the language is detected, and a comment in a
        language the model does not support is a 400 ``Attribute HOSTILE does not support
        request languages: de`` with a ``LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE`` detail.
        """
        _check_attributes(req.requestedAttributes, attributes)
        for name, spec in req.requestedAttributes.items():
            if spec.scoreType not in (None, "PROBABILITY"):
                raise APIError(400, "invalid_request", f"Attribute {name} supports only scoreType PROBABILITY.")
        _check_text(req.comment.text, "comment.text")
        attribute = next(iter(req.requestedAttributes))
        supported = scorer.languages
        detected: list[str] | None = None
        if req.languages:
            declared = []
            for i, tag in enumerate(req.languages):
                try:
                    declared.append(normalize_language(tag))
                except ValueError as exc:
                    raise APIError(400, "invalid_request", f"languages[{i}]: {exc}") from None
            usable = [code for code in declared if code in supported]
            if not usable:
                raise _language_error(attribute, list(req.languages), detected=False)
            language = usable[0]
        else:
            language = detect_language([req.comment.text], default=supported[0])[0]
            detected = [language]
            if language not in supported:
                raise _language_error(attribute, detected, detected=True)
        text = req.comment.text
        spans = sentence_spans(text) if req.spanAnnotations else []
        # the whole comment first, then each sentence (one call: one batch)
        frame = scorer.score([text, *(text[b:e] for b, e in spans)], language=language)
        row = frame.iloc[0]
        scores: dict[str, Any] = {}
        for name, spec in req.requestedAttributes.items():
            column = f"{attributes[name]}_score"
            value = _finite(row[column])
            if spec.scoreThreshold is not None and value < spec.scoreThreshold:
                continue
            entry: dict[str, Any] = {"summaryScore": {"value": value, "type": "PROBABILITY"}}
            if spans:
                entry["spanScores"] = [
                    {"begin": b, "end": e,
                     "score": {"value": _finite(frame[column].iloc[k + 1]), "type": "PROBABILITY"}}
                    for k, (b, e) in enumerate(spans)
                ]
            scores[name] = entry
        body: dict[str, Any] = {"attributeScores": scores, "languages": [language]}
        if detected is not None:
            body["detectedLanguages"] = detected
        if req.clientToken is not None:
            body["clientToken"] = req.clientToken
        return body

    @app.post(SUGGEST_PATH, tags=["perspective"], dependencies=secured)
    def suggest_score(req: SuggestScoreRequest) -> dict[str, Any]:
        """Perspective API compatible ``SuggestCommentScore``: a client's feedback on a comment.

        Each attribute's ``summaryScore.value`` becomes a label in the label store (1 from
        0.5 up, else 0; an alias stores the label it stands for), the same store the review
        page writes to, so ``moderation train --labels`` can learn from it after an export.
        """
        _check_attributes(req.attributeScores, attributes)
        _check_text(req.comment.text, "comment.text")
        decided: dict[str, int] = {}
        for name, suggested in req.attributeScores.items():
            if suggested.summaryScore is None:
                raise APIError(400, "invalid_request",
                               f"attributeScores.{name}: send summaryScore.value (0 to 1).")
            decided[attributes[name]] = int(suggested.summaryScore.value >= SUGGEST_POSITIVE)
        try:
            label_store().record(req.comment.text, decided, model_version=scorer.version,
                                 source="suggestscore")
        except LabelStoreError as exc:
            raise APIError(400, "invalid_request", str(exc)) from None
        body: dict[str, Any] = {}
        if req.languages:
            body["requestedLanguages"] = list(req.languages)
        if req.clientToken is not None:
            body["clientToken"] = req.clientToken
        return body

    # ------------------------------------------------------------ review page
    @app.get(REVIEW_PATH, include_in_schema=False)
    def review_page() -> Response:
        """The review page (a sign-in form instead while a token is set and not given)."""
        return _static_response("review.html")

    @app.get(REVIEW_STATIC + "{name}", include_in_schema=False)
    def review_static(name: str) -> Response:
        if name not in STATIC_FILES:
            raise APIError(404, "not_found", f"No file {name[:60]!r} on the review page.")
        return _static_response(name)

    @app.post(REVIEW_SIGNIN, tags=["review"])
    def review_signin(req: SignIn, request: Request) -> Response:
        """Sign in to the review page with the API token: sets an HttpOnly, SameSite=Strict
        session cookie for 12 hours."""
        if not token:
            return Response(status_code=204)
        if not hmac.compare_digest(req.token.encode(), token.encode()):
            raise APIError(401, "unauthorized", "Wrong token: enter the value of MODERATION_API_TOKEN.")
        response = Response(status_code=204)
        response.set_cookie(SESSION_COOKIE, session_cookie(token), max_age=SESSION_SECONDS, path="/",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    @app.post(REVIEW_API + "signout", tags=["review"])
    def review_signout() -> Response:
        """Sign out: the session cookie is removed."""
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @app.post(REVIEW_API + "thread", tags=["review"], dependencies=secured)
    def review_load(req: ThreadRequest) -> dict[str, Any]:
        """Read pasted text or an uploaded file (a saved page, a text dump, or CSV/JSONL with a
        ``text`` column) into a thread: each comment with its scores, flags, reply depth and
        the words to highlight (:func:`moderation.reviewpage.review_thread`)."""
        from moderation.parse import PageTooLargeError
        from moderation.reviewpage import ReviewInputError, read_comments, review_thread

        if (req.text is None) == (req.file_base64 is None):
            raise APIError(422, "invalid_request", "Send either 'text' (pasted) or 'file_base64' with 'filename'.")
        if req.file_base64 is not None:
            try:
                data: bytes | str = base64.b64decode(req.file_base64, validate=True)
            except (binascii.Error, ValueError):
                raise APIError(422, "invalid_request", "file_base64 is not base64; send the file's "
                               "bytes base64-encoded.") from None
            filename = req.filename or "upload"
        else:
            data, filename = req.text or "", None
        try:
            comments, notes = read_comments(data, filename)
        except ReviewInputError as exc:
            raise APIError(422, "unreadable_input", str(exc)) from None
        except PageTooLargeError as exc:
            raise APIError(413, "body_too_large", str(exc).replace("<bytes>", "the page")) from None
        _check_comments(len(comments), " in the thread")
        for i, c in enumerate(comments):
            _check_text(c["text"], f"comment {i + 1} of the thread")
        thread = review_thread(comments, scorer)
        thread["warnings"] = notes + thread["warnings"]
        return thread

    @app.post(REVIEW_API + "decisions", tags=["review"], dependencies=secured)
    def review_decide(req: DecisionsRequest) -> dict[str, int]:
        """Store a moderator's decisions (one row per label, with time and model version)."""
        _check_comments(len(req.decisions), " decided")
        store = label_store()
        stored = 0
        for i, decision in enumerate(req.decisions):
            _check_text(decision.text, f"decisions[{i}].text")
            try:
                stored += store.record(decision.text, decision.labels, source="review",
                                       model_version=req.model or scorer.version, comment_id=decision.id)
            except LabelStoreError as exc:
                raise APIError(422, "invalid_request", f"decisions[{i}]: {exc}") from None
        return {"stored": stored, "total": store.count()}

    @app.get(REVIEW_API + "export", tags=["review"], dependencies=secured)
    def review_export() -> Response:
        """The decisions as a labels CSV (``text,hostile,conspiratorial``; each text's latest
        decision) that ``moderation train --labels`` reads as it is."""
        return Response(label_store().export_csv(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="labels.csv"',
                                 "Cache-Control": "no-store"})

    app.add_middleware(_Guard, token=token, max_bytes=MAX_BODY_BYTES)
    return app
