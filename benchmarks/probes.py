"""Template probes: systematic errors a model makes across many groups, found with sentences of
our own (not the functional suite's, not any corpus).

Not a test, and not a target: a probe shows where to look (it found that a plural group noun at
the start of a sentence was read as hostility, and that misspelt or glued words lost their
meaning). Each probe fills a few frames with many groups and reports the share flagged HOSTILE
at the model's threshold, beside the share expected.

Run: ``python benchmarks/probes.py [--model PATH] [--compare PATH]``. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable

from moderation.lexicon import GROUP_WORDS, MORE_GROUP_WORDS
from moderation.model import load_model

#: Groups for the typo and function probes (a spread of religions, origins, sexualities ...).
GROUPS = ("Muslims", "women", "immigrants", "Jews", "gay people", "refugees", "black people",
          "trans people", "disabled people", "Mexicans")

NEUTRAL = ("{g} live in this town.", "I met some {g} at work today.",
           "The {g} community held a festival in the park.", "Many {g} voted in the election.",
           "{g} are people like everyone else.", "My neighbours are {g}.", "{g} are wonderful.",
           "I really admire {g}.")
HATEFUL = ("I hate {g}.", "{g} are vermin.", "I will kill all {g}.", "{g} should be shot.",
           "{g} are disgusting.", "All {g} are criminals.")
TYPO_BASE = ("I hate {g}.", "{g} are disgusting.", "{g} are nothing but vermin.",
             "I want to kill all {g}.", "All {g} should be locked up.", "{g} are a plague on society.",
             "You {g} make me sick.", "Death to all {g}.", "{g} are scum.", "I despise {g}.")
FUNCTIONS: dict[str, tuple[int, tuple[str, ...]]] = {
    "implicit derogation": (1, ("{g} belong in a zoo.", "{g} should stick to cleaning toilets.",
                                "Typical {g}, always on the take.", "{g} are a waste of space.",
                                "I'd rather die than live next to {g}.")),
    "hate with profanity": (1, ("Fuck all {g}.", "{g} are fucking shit.",
                                "Bunch of fucking {g}, I hate them.")),
    "hate by pronoun": (1, ("I met some {g} yesterday. They are all scum.",
                            "Don't talk to me about {g}. I can't stand them.", "{g}? They disgust me.")),
    "negated positive": (1, ("{g} are not worth anything.", "{g} will never be real humans.",
                             "I would never trust a single one of the {g}.", "No {g} deserves respect.")),
    "negated hate": (0, ("I don't hate {g}.", "I would never say {g} are scum.",
                         "No one should ever call {g} vermin.", "{g} are not disgusting at all.")),
    "counter-speech quoting": (0, ("Statements like '{g} are scum' are deeply hurtful.",
                                   "If you say '{g} are vermin' you are the problem.",
                                   "\"{g} should be killed\" is a disgusting thing to write.")),
    "counter-speech naming": (0, ("You have to stop calling {g} disgusting.",
                                  "Saying you hate {g} is not acceptable.",
                                  "It's bigoted to call {g} animals.")),
}


def _groups_of_lexicon() -> list[str]:
    words = dict.fromkeys((*GROUP_WORDS, *MORE_GROUP_WORDS))
    return [w.capitalize() for w in words if w.endswith("s") or w in ("jews", "roma")]


def _fill(frames: tuple[str, ...], groups: list[str] | tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(f.format(g=g) for f in frames for g in groups))


def _misspell(text: str, change: Callable[[str, random.Random], str], which: str,
              rng: random.Random) -> str:
    """``text`` with one word misspelt: the group's last word, or the longest other word."""
    words = text.split()
    names = {g.split()[-1].lower() for g in GROUPS}
    at = [i for i, w in enumerate(words) if (w.strip(".?").lower() in names) == (which == "group")
          and len(w.strip(".?")) >= 4]
    if not at:
        return text
    i = max(at, key=lambda k: len(words[k]))
    core = words[i].rstrip(".?")
    words[i] = change(core, rng) + words[i][len(core):]
    return " ".join(words)


def _swap(w: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(w) - 2)
    return w[:i] + w[i + 1] + w[i] + w[i + 2:]


def _drop(w: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(w) - 1)
    return w[:i] + w[i + 1:]


def probes() -> list[tuple[str, int, list[str]]]:
    """(name, expected flag, texts) for every probe."""
    lexicon_groups = _groups_of_lexicon()
    base = _fill(TYPO_BASE, GROUPS)
    out = [("group named neutrally or positively (8 frames x lexicon groups)", 0, _fill(NEUTRAL, lexicon_groups)),
           ("group hated (6 frames x lexicon groups)", 1, _fill(HATEFUL, lexicon_groups)),
           ("hateful, as written", 1, base)]
    for which in ("group", "other"):
        for name, change in (("two letters swapped", _swap), ("a letter dropped", _drop)):
            rng = random.Random(1)
            out.append((f"hateful, {which} word: {name}", 1, [_misspell(t, change, which, rng) for t in base]))
    out.append(("hateful, words glued together", 1, [t.replace(" ", "", 2) for t in base]))
    for name, (expected, frames) in FUNCTIONS.items():
        out.append((name, expected, _fill(frames, GROUPS)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="model folder (default: the default model)")
    parser.add_argument("--compare", default=None, help="an earlier model folder, scored beside it")
    args = parser.parse_args(argv)
    models = [load_model(args.model)] + ([load_model(args.compare)] if args.compare else [])
    heads = " | ".join(f"`{m.version}` right" for m in models)
    print(f"| probe | expects | n | {heads} |")
    print("|---|---|---|" + "---|" * len(models))
    for name, expected, texts in probes():
        cells = []
        for m in models:
            flagged = m.score(texts)["hostile_score"].to_numpy() >= m.thresholds["hostile"]
            cells.append(f"{(flagged == bool(expected)).mean():.0%}")
        print(f"| {name} | {'hostile' if expected else 'not hostile'} | {len(texts)} | {' | '.join(cells)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
