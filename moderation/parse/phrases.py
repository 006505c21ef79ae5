"""Per-language phrase tables for finding comment sections in plain-text page dumps.

A text dump (a page saved as text, or copied from the browser) loses the markup, so the comment
section is found by the strings the comment widget itself prints: wpDiscuz's "Notify of" /
"Newest Most Voted" header, WordPress's "N thoughts on ..." title and "Leave a Reply" form, the
invite bubble that closes a wpDiscuz section, and so on. Both widgets are translated, so each
language gets its own table; add a table (and a fixture) to support another language.

Every phrase is matched against a whole line after :func:`fold` (case-folded, whitespace
collapsed). Entries ending in ``_re`` are regular expressions matched against the whole folded line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


def fold(line: str) -> str:
    """Case-fold a line and collapse its whitespace, the form every phrase is compared in."""
    return " ".join(line.split()).casefold()


@dataclass(frozen=True)
class PhraseTable:
    """Widget strings of one language. See the module docstring for how they are matched."""

    language: str
    #: Lines that reliably open a comment section (widget header, "N thoughts on ...").
    header: tuple[str, ...] = ()
    header_re: tuple[str, ...] = ()
    #: Lines that may open a section but also occur elsewhere ("12 Comments"); the last one wins.
    weak_header_re: tuple[str, ...] = ()
    #: Reply-form strings: chrome before the first comment, end of the section after it.
    form: tuple[str, ...] = ()
    form_re: tuple[str, ...] = ()
    #: Strings that close the section wherever they occur, even glued to the end of a line.
    end: tuple[str, ...] = ()
    #: Lines dropped inside the section that also mark a comment boundary (votes, "Reply").
    chrome: tuple[str, ...] = ()
    chrome_re: tuple[str, ...] = ()
    #: Alt text of an image embedded in a comment ("comment image"), possibly glued to a line.
    image_alt: tuple[str, ...] = ()
    #: Whole-line dates and relative times, kept as ``published``.
    date_re: tuple[str, ...] = ()
    #: "NAME says:" author lines; group 1 is the name.
    author_re: tuple[str, ...] = ()
    #: "Reply to NAME" threading hints; group 1 is the parent's author.
    reply_to_re: tuple[str, ...] = ()
    #: Short comments that look like names ("Agreed", "Well said"): never author lines.
    not_names: tuple[str, ...] = field(default_factory=tuple)


_MONTHS_EN = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_MONTHS_DE = "januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"

ENGLISH = PhraseTable(
    language="en",
    header=(
        "notify of",
        "newest most voted",
        "newest",
        "oldest",
        "most voted",
        "oldest newest most voted",
        "newest oldest most voted",
        "most voted newest oldest",
        "inline feedbacks",
        "view all comments",
    ),
    header_re=(
        r"(\d[\d,.]*|one|two|three) (thoughts?|responses?|replies|comments?) (on|to) .+",
        r"(\d[\d,.]*|one) (thoughts?|responses?|replies|comments?) on “.+”",
        r"discussion \(\d+\)",
    ),
    weak_header_re=(r"\d[\d,.]* comments?", r"comments( \(\d+\))?", r"reader comments"),
    form=(
        "leave a reply",
        "leave a comment",
        "post comment",
        "submit comment",
        "cancel reply",
        "subscribe",
        "login",
        "log in",
        "connect with",
        "label",
        "{}",
        "[+]",
        "name*",
        "email*",
        "website",
        "comment",
        "comment *",
        "name *",
        "email *",
        "comments are closed.",
        "you must be logged in to post a comment.",
        "please login to comment",
    ),
    form_re=(
        r"leave a reply( to .+)?( cancel reply)?",
        r"your email address will not be published\..*",
        r"save my name, email, and website in this browser.*",
        r"notify me of (follow-up|new) (comments|posts).*",
        r"i allow to create an account.*",
        r"you must be logged in to post a comment\..*",
    ),
    end=("would love your thoughts, please comment.", "load more comments"),
    chrome=(
        "reply",
        "report",
        "share",
        "like",
        "flag",
        "edit",
        "vote up",
        "vote down",
        "guest",
        "member",
        "show more replies",
        "read more",
        "read less",
        "view replies",
        "hide replies",
        "x",
    ),
    chrome_re=(
        r"[+\-−]?\d[\d,.]*",
        r"\d[\d,.]*\s?[$€£]",
        r"[$€£]\s?\d[\d,.]*",
        r"support [\w.\-]+",
        r"image: .*",
        r"\d+ (replies|reply)",
        r"view replies \(\d+\)",
        r"last edited .* ago by .*",
    ),
    image_alt=("comment image",),
    date_re=(
        r"\d+ (second|minute|hour|day|week|month|year)s? ago",
        rf"({_MONTHS_EN})\.? \d{{1,2}},? \d{{4}}( (at )?\d{{1,2}}:\d{{2}}( ?[ap]m)?)?:?",
        rf"\d{{1,2}} ({_MONTHS_EN})\.? \d{{4}}( (at )?\d{{1,2}}:\d{{2}}( ?[ap]m)?)?",
        r"\d{4}-\d{2}-\d{2}([ t]\d{2}:\d{2}(:\d{2})?)?",
    ),
    author_re=(r"(.{1,60}?) (says|said|wrote):?",),
    reply_to_re=(r"reply to (.{1,60})", r"in reply to (.{1,60})"),
    not_names=(
        "agreed",
        "agree",
        "both",
        "exactly",
        "indeed",
        "lol",
        "no",
        "yes",
        "same",
        "thanks",
        "thank you",
        "this",
        "true",
        "well said",
        "wow",
        "nope",
        "yep",
        "ok",
        "okay",
    ),
)

GERMAN = PhraseTable(
    language="de",
    header=(
        "benachrichtige mich bei",
        "benachrichtigen bei",
        "neueste älteste meisten abstimmungen",
        "neueste älteste meiste stimmen",
        "neueste",
        "älteste",
        "meisten abstimmungen",
        "meiste stimmen",
        "inline feedback",
        "inline feedbacks",
        "alle kommentare anzeigen",
        "allen neuen kommentare",
        "nur antworten zu meinen kommentar/en",
    ),
    header_re=(
        r"(\d[\d,.]*|ein|zwei|drei) (gedanken?|kommentare?|antworten|ergänzungen|reaktionen) (zu|auf) .+",
        r"\d[\d,.]* ergänzungen",
    ),
    weak_header_re=(r"\d[\d,.]* kommentare?", r"kommentare( \(\d+\))?", r"leserkommentare"),
    form=(
        "schreibe einen kommentar",
        "hinterlasse einen kommentar",
        "kommentar verfassen",
        "kommentar abschicken",
        "antworten abbrechen",
        "abonnieren",
        "anmelden",
        "einloggen",
        "kommentar",
        "name*",
        "e-mail*",
        "webseite",
        "website",
        "die kommentare sind geschlossen.",
        "kommentare sind geschlossen.",
    ),
    form_re=(
        r"schreibe einen kommentar( zu .+)?( antworten abbrechen)?",
        r"deine e-mail-adresse wird nicht veröffentlicht\..*",
        r"ihre e-mail-adresse wird nicht veröffentlicht\..*",
        r"bitte melde dich an, um .*",
        r"meinen namen, meine e-mail-adresse und meine website in diesem browser .*",
    ),
    end=(
        "sag uns deine meinung",
        "würde mich über deine gedanken freuen, bitte kommentiere.",
        "weitere kommentare laden",
        "mehr kommentare laden",
    ),
    chrome=(
        "antworten",
        "antwort",
        "melden",
        "teilen",
        "bearbeiten",
        "gast",
        "mitglied",
        "weiterlesen",
        "antworten anzeigen",
        "antworten ausblenden",
    ),
    chrome_re=(
        r"unterstütze [\w.\-]+",
        r"bild: .*",
        r"\d+ antworten?",
        r"zuletzt bearbeitet vor .*",
    ),
    image_alt=("kommentar bild", "kommentarbild"),
    date_re=(
        r"vor (einer|einem|\d+) (sekunden?|minuten?|stunden?|tag(en)?|wochen?|monat(en)?|jahr(en)?)",
        rf"\d{{1,2}}\. ({_MONTHS_DE}) \d{{4}}( (um )?\d{{1,2}}:\d{{2}}( uhr)?)?",
        r"\d{1,2}\.\d{1,2}\.\d{2,4}( (um )?\d{1,2}:\d{2}( uhr)?)?",
    ),
    author_re=(r"(.{1,60}?) (sagt|schreibt|meint):?",),
    reply_to_re=(r"antwort an (.{1,60})", r"antwort auf (.{1,60})"),
    not_names=(
        "beide",
        "danke",
        "genau",
        "ja",
        "nein",
        "richtig",
        "stimmt",
        "super",
        "toll",
        "gut gesagt",
        "sehe ich auch so",
    ),
)

#: Tables consulted for every dump; the union is used, since pages mix languages.
TABLES: tuple[PhraseTable, ...] = (ENGLISH, GERMAN)


@dataclass(frozen=True)
class CompiledPhrases:
    """The union of several :class:`PhraseTable` objects, compiled for matching."""

    header: frozenset[str]
    header_re: re.Pattern[str]
    weak_header_re: re.Pattern[str]
    form: frozenset[str]
    form_re: re.Pattern[str]
    end: tuple[str, ...]
    chrome: frozenset[str]
    chrome_re: re.Pattern[str]
    image_alt: tuple[str, ...]
    date_re: re.Pattern[str]
    author_re: re.Pattern[str]
    reply_to_re: re.Pattern[str]
    not_names: frozenset[str]


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    if not patterns:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def compile_tables(tables: tuple[PhraseTable, ...] = TABLES) -> CompiledPhrases:
    """Merge phrase tables into one matcher set."""

    def union(name: str) -> list[str]:
        return [p for t in tables for p in getattr(t, name)]

    def grouped(name: str) -> re.Pattern[str]:
        # Each pattern keeps its own group 1; wrap so the first non-None group is the capture.
        return _alternation(union(name))

    return CompiledPhrases(
        header=frozenset(union("header")),
        header_re=_alternation(union("header_re")),
        weak_header_re=_alternation(union("weak_header_re")),
        form=frozenset(union("form")),
        form_re=_alternation(union("form_re")),
        end=tuple(union("end")),
        chrome=frozenset(union("chrome")),
        chrome_re=_alternation(union("chrome_re")),
        image_alt=tuple(sorted(set(union("image_alt")), key=len, reverse=True)),
        date_re=_alternation(union("date_re")),
        author_re=grouped("author_re"),
        reply_to_re=grouped("reply_to_re"),
        not_names=frozenset(union("not_names")),
    )
