"""``moderation check``: the functional test suite (accuracy per functionality against floors)."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "run the functional test suite (HateCheck-style cases per functionality) against its floors"


def register(subparsers: Any) -> None:
    """Add the ``check`` sub-command."""
    p = subparsers.add_parser(
        "check",
        help=HELP,
        description=(
            "Score every case of the functional test suite (direct threats, slurs, counter-speech, "
            "staged events, debunking ...; moderation/resources/check/) and print the accuracy per "
            "functionality against its floor. Exits 1 when any functionality is below its floor."
        ),
    )
    p.add_argument("--model", metavar="PATH", help="model folder (default: the current default model)")
    p.add_argument("-o", "--output", metavar="REPORT_DIR_OR_FILE",
                   help="write the report here: a folder (report.md + cases.csv), or a .md or .csv "
                        "file (the other one is written beside it)")
    p.add_argument("--floors", metavar="PATH",
                   help="floors file (default: moderation/resources/check/floors.json)")
    p.add_argument("--raise-floors", action="store_true",
                   help="after the run, raise each floor in the floors file to this model's accuracy "
                        "rounded down to 0.05 (floors never go down)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from moderation.check import (
        FLOORS_FILE,
        floors_from_report,
        generate_suite,
        load_floors,
        run_check,
        write_floors,
    )
    from moderation.cli import CLIError, load_model_or_fail

    floors_path = args.floors or FLOORS_FILE
    if args.raise_floors and args.floors is None:
        from moderation.model import source_checkout

        if source_checkout() is None:  # never write into site-packages
            raise CLIError("--raise-floors would change the installed package's floors; copy "
                           f"{FLOORS_FILE} somewhere and pass it with --floors FILE")
    try:
        suite = generate_suite()
        floors = load_floors(floors_path, functionalities=suite["functionality"].unique())
    except (OSError, ValueError) as exc:
        raise CLIError(str(exc)) from None
    model = load_model_or_fail(args.model)
    report = run_check(model, suite=suite, floors=floors)
    report.floors_file = str(floors_path)
    print(f"model {model.version}: {len(report.cases)} cases in {len(report.results)} functionalities, "
          f"floors from {floors_path}")
    print(report.table())
    print()
    for line in report.summary():
        print(line)
    if args.output:
        try:
            md, table = report.write(args.output)
        except OSError as exc:
            raise CLIError(f"cannot write the report to {args.output}: {exc.strerror or exc}") from None
        print(f"report written to {md} and {table}")
    if args.raise_floors:
        raised = floors_from_report(report, current=floors)
        changed = {k: v for k, v in raised.items() if v > floors.get(k, -1.0)}
        write_floors(raised, floors_path, note=f"model {model.version} (trained {model.timestamp})")
        print(f"floors raised for {len(changed)} functionalit{'y' if len(changed) == 1 else 'ies'} "
              f"in {floors_path}" + (": " + ", ".join(f"{k} {v:.2f}" for k, v in changed.items())
                                     if changed else ""))
    return 0 if report.passed else 1
