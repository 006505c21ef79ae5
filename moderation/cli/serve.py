"""``moderation serve [--host 127.0.0.1] [--port 8000] [--model PATH] [--attribute-alias NAME=ATTR]``:
the HTTP scoring service and the review page for moderators (``/review``)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from typing import Any

HELP = "run the HTTP scoring service (FastAPI + uvicorn; needs the 'serve' extra)"


def register(subparsers: Any) -> None:
    """Add the ``serve`` sub-command to the top-level parser."""
    p = subparsers.add_parser(
        "serve",
        help=HELP,
        description=(
            "Serve the model over HTTP: POST /v1/score, POST /v1/parse, GET /v1/model, GET /healthz, "
            "the Perspective-compatible POST /v1alpha1/comments:analyze and :suggestscore, and the "
            "review page for moderators at /review; docs at /docs. Set MODERATION_API_TOKEN to "
            "require 'Authorization: Bearer <token>' (the review page shows a sign-in form)."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    p.add_argument("--model", metavar="PATH", default=None, help="model folder (default: the shipped model)")
    p.add_argument(
        "--attribute-alias", metavar="NAME=ATTRIBUTE", action="append", default=None,
        help="answer Perspective requests for attribute NAME with ATTRIBUTE (HOSTILE or "
             "CONSPIRATORIAL), e.g. TOXICITY=HOSTILE; repeatable (default: "
             "$MODERATION_ATTRIBUTE_ALIASES, comma-separated)",
    )
    p.add_argument(
        "--labels-db", metavar="FILE", default=None,
        help="SQLite file of the review page's decisions (default: $MODERATION_LABELS_DB, else "
             "labels.sqlite3 in the per-user data folder)",
    )
    p.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
        help="server log level (default info); comment text is never logged",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load the model, build the app and run uvicorn until interrupted."""
    from moderation.cli import CLIError, extra_hint

    missing = [m for m in ("fastapi", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        raise CLIError(f"the HTTP service needs {' and '.join(missing)}: {extra_hint('serve')}")
    if not 0 < args.port < 65536:
        raise CLIError(f"--port {args.port} is not a port number; use 1-65535")
    import uvicorn

    from moderation.cli import load_model_or_fail
    from moderation.serve import ALIASES_ENV, create_app, parse_attribute_aliases

    try:
        aliases = parse_attribute_aliases(args.attribute_alias if args.attribute_alias is not None
                                          else os.environ.get(ALIASES_ENV))
    except ValueError as exc:
        where = "--attribute-alias" if args.attribute_alias is not None else ALIASES_ENV
        raise CLIError(f"{where}: {exc}") from None
    model = load_model_or_fail(args.model)
    app = create_app(model, attribute_aliases=aliases, labels=args.labels_db)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    print(
        f"moderation serve: model {model.version} on http://{args.host}:{args.port} (docs at /docs, "
        f"review page at /review)"
        + "".join(f"; {alias} answered as {target}" for alias, target in aliases.items()),
        file=sys.stderr,
        flush=True,
    )
    # uvicorn's access log would record query strings (a Perspective client's ?key=); the app
    # logs method, path, status and duration itself, never bodies.
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0
