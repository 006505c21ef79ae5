"""The README documents every CLI command, and its quickstart matches what CI runs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from moderation.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    names: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
                if nested:
                    names.extend(f"{name} {child}" for child in nested[0].choices)
                else:
                    names.append(name)
    return names


def test_every_command_is_registered():
    names = _commands()
    for expected in ("parse", "score", "data build", "train", "evaluate", "serve", "review",
                     "models list", "models use", "models rollback"):
        assert expected in names, f"`moderation {expected}` is not registered"


def test_every_command_is_documented_in_readme():
    missing = [name for name in _commands() if f"moderation {name}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_quickstart_is_two_commands_and_ci_runs_the_readme_test_command():
    block = re.search(r"## Quickstart\s+```bash\n(.*?)```", README, re.S)
    assert block, "README has no Quickstart code block"
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "pip install" in commands[0] and "moderation score seeds/" in commands[0]
    seed = re.search(r"(seeds/\S+)", commands[0]).group(1)
    assert (ROOT / seed).is_file(), f"quickstart scores {seed}, which does not exist"
    test_cmd = commands[1].split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci, f"CI does not run the README's test command: {test_cmd}"
