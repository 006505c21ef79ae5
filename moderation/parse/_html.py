"""Comments from saved HTML pages, through lxml's HTML parser (never regular expressions).

Markup variants, tried in this order (the first that finds comments wins):

- wpDiscuz ``div.wpd-comment`` (before WordPress core: it reuses core classes such as ``comment``);
- legacy Disqus ``#dsq-comments`` (the old WordPress plugin's server-side copy);
- WordPress core, html5 and legacy (``li#comment-N.comment``; pingbacks and trackbacks skipped);
- schema.org ``Comment`` items in microdata, then in JSON-LD.

A page with only the Disqus placeholder (``#disqus_thread``) gives no comments and a warning: the
comments were loaded by script and are not in the file.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from html.parser import HTMLParser as _Tokenizer
from typing import Any

import lxml.etree as etree
import lxml.html

from moderation.jsonsafe import JSONDepthError, loads_bounded
from moderation.parse._model import (
    Comment,
    ParseWarning,
    content_key,
    generated_id,
    normalise_ws,
)

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button", "form", "textarea"})
_BLOCK_TAGS = frozenset(
    "p div br li ol ul blockquote pre h1 h2 h3 h4 h5 h6 tr td th table section article "
    "header footer dd dt figure figcaption hr".split()
)
_WP_ID_RE = re.compile(r"^(?:comment|li-comment|div-comment)-(\d+)$")
_WPD_ID_RE = re.compile(r"^wpd-comm-(\d+)_(\d+)$")
_DSQ_ID_RE = re.compile(r"^dsq-comment-(\d+)$")
_SAYS = ("says:", "says", "sagt:", "sagt", "schreibt:", "meint:")

Element = lxml.html.HtmlElement

#: Elements nested deeper than this are flattened (their text kept) when a page is nested
#: deeper than libxml2 reads (2,048 levels): real pages stay far below it.
MAX_HTML_DEPTH = 1000
_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr basefont frame keygen".split()
)


class _Flattener(_Tokenizer):
    """Re-emits an HTML document with elements nested deeper than ``limit`` left out (their
    text, and everything else, is kept), for pages nested too deep for libxml2.

    It only tokenises (the standard library's tokenizer, no tree), so it has no depth limit of
    its own; end tags close the innermost open element of the same name, as parsers do.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=False)
        self.limit = limit
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, kept)
        self.open: dict[str, int] = {}  # open elements per tag name
        self.kept = 0  # open elements that were kept
        self.dropped = 0
        self.dropped_comments = 0  # left-out elements with a comment's id or item type

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if tag in _VOID_TAGS:
            self.out.append(raw)
            return
        kept = self.kept < self.limit
        self.stack.append((tag, kept))
        self.open[tag] = self.open.get(tag, 0) + 1
        if kept:
            self.kept += 1
            self.out.append(raw)
        else:
            self.dropped += 1
            found = dict(attrs)
            ident = found.get("id") or ""
            if (_WP_ID_RE.match(ident) or _WPD_ID_RE.match(ident) or _DSQ_ID_RE.match(ident)
                    or "comment" in (found.get("itemtype") or "").casefold()):
                self.dropped_comments += 1

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.out.append(self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open.get(tag):
            self.out.append(f"</{tag}>")  # a stray end tag: the HTML parser ignores it as before
            return
        while self.stack:  # each element is popped once: linear over the page
            name, kept = self.stack.pop()
            self.open[name] -= 1
            if kept:
                self.kept -= 1
                self.out.append(f"</{name}>")
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def _flatten(html: str, limit: int = MAX_HTML_DEPTH) -> tuple[str, int, int]:
    """``html`` with elements nested deeper than ``limit`` left out; how many were, and how
    many of those were comment items (by their id or schema.org item type)."""
    flattener = _Flattener(limit)
    flattener.feed(html)
    flattener.close()
    return "".join(flattener.out), flattener.dropped, flattener.dropped_comments


def _fatal(parser: Any) -> Any:
    """The first fatal error libxml2 logged (it stopped parsing there), or None."""
    return next((e for e in parser.error_log if e.level_name == "FATAL"), None)


def _parse_document(html: str, source: str, warn: bool) -> Any:
    """The page's element tree. A page nested deeper than libxml2 reads (it stops there,
    and every later comment would vanish) is parsed again with the excess nesting flattened,
    with a warning; if parsing still stops early, the warning says where."""
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    fatal = _fatal(parser)
    if fatal is None:
        return root
    flattened, dropped, lost = _flatten(html)
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True)
    try:
        again = lxml.html.document_fromstring(flattened.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError):
        again = None
    still = _fatal(parser) if again is not None else fatal
    if again is not None and still is None:
        if warn:
            missing = (
                f"; {lost:,} of them were comments, so up to {lost:,} comment(s) may be missing "
                "or merged into the comment they are nested in" if lost else
                "; every comment is read"
            )
            warnings.warn(
                f"{source}: HTML nested deeper than the parser reads ({fatal.message.split(':')[0]}, "
                f"a way to hide comments); {dropped:,} element(s) nested over {MAX_HTML_DEPTH:,} "
                f"levels deep were flattened, their text kept{missing}",
                ParseWarning,
                stacklevel=4,
            )
        return again
    if warn:
        warnings.warn(
            f"{source}: the HTML parser stopped at line {fatal.line}, column {fatal.column} "
            f"({fatal.message.strip()}); comments after that point may be missing",
            ParseWarning,
            stacklevel=4,
        )
    return root


@functools.lru_cache(maxsize=256)
def _xpath(expr: str) -> etree.XPath:
    """Compiled XPath, cached: the same few expressions run once per comment."""
    return etree.XPath(expr)


def _classes(el: Any) -> set[str]:
    return set((el.get("class") or "").split())


def _has_class(cls: str) -> str:
    """XPath predicate for an element carrying the class token ``cls``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


class _Extract:
    """Walks comment elements and builds :class:`Comment` records for one page."""

    def __init__(self, root: Any, source: str, key: str) -> None:
        self.root = root
        self.source = source
        self.key = key
        self._owner_maps: dict[Callable[[Any], bool], dict[Any, Any]] = {}

    # -- generic helpers -------------------------------------------------------------------
    def _owners(self, is_item: Callable[[Any], bool]) -> dict[Any, Any]:
        """Map every element to its innermost enclosing item (one pass over the tree)."""
        cached = self._owner_maps.get(is_item)
        if cached is not None:
            return cached
        owners: dict[Any, Any] = {}
        stack: list[Any] = []
        for event, e in etree.iterwalk(self.root, events=("start", "end")):
            if event == "start":
                if stack:
                    owners[e] = stack[-1]
                if isinstance(e.tag, str) and is_item(e):
                    stack.append(e)
            elif stack and stack[-1] is e:
                stack.pop()
        self._owner_maps[is_item] = owners
        return owners

    def owned(self, el: Any, xpath: str, is_item: Callable[[Any], bool]) -> list[Any]:
        """Matches of ``xpath`` under ``el`` that belong to ``el``, not to a nested comment."""
        owners = self._owners(is_item)
        return [d for d in _xpath(xpath)(el) if owners.get(d) is el]

    @staticmethod
    def text_of(el: Any, skip: Callable[[Any], bool] | None = None) -> tuple[str, bool]:
        """Visible text of ``el`` (whitespace-normalised) and whether it embeds an image.

        Scripts, styles, form controls and elements for which ``skip`` is true are left out;
        emoji images (WordPress ``img.emoji``) contribute their alt text.
        """
        parts: list[str] = []
        has_image = False
        stack: list[tuple[Any, bool]] = [(el, False)]
        while stack:
            node, closing = stack.pop()
            if closing:
                if node.tag in _BLOCK_TAGS:
                    parts.append("\n")
                if node is not el and node.tail:
                    parts.append(node.tail)
                continue
            tag = node.tag if isinstance(node.tag, str) else None
            if tag is None or tag in _SKIP_TAGS or (node is not el and skip and skip(node)):
                if node is not el and node.tail:
                    parts.append(node.tail)
                continue
            if tag == "img":
                cls = _classes(node)
                if cls & {"emoji", "wp-smiley"}:
                    parts.append(node.get("alt") or "")
                elif "avatar" not in cls:
                    has_image = True
            elif tag in _BLOCK_TAGS:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
            stack.append((node, True))
            for child in reversed(node):
                stack.append((child, False))
        return normalise_ws("".join(parts)), has_image

    def first_text(self, el: Any, xpaths: tuple[str, ...], is_item: Callable[[Any], bool]) -> str | None:
        for xp in xpaths:
            for hit in self.owned(el, xp, is_item):
                text, _ = self.text_of(hit)
                if text:
                    return text
        return None

    def finish(self, rows: list[dict[str, Any]]) -> list[Comment]:
        """Turn raw rows into Comments: positions, generated ids, no empty texts."""
        out: list[Comment] = []
        for row in rows:
            if not row["text"]:
                continue
            position = len(out) + 1
            out.append(
                Comment(
                    id=row.get("id") or generated_id(self.key, position),
                    author=row.get("author") or None,
                    text=row["text"],
                    parent_id=row.get("parent_id") or None,
                    position=position,
                    published=row.get("published") or None,
                    has_image=bool(row.get("has_image")),
                    source=self.source,
                )
            )
        return out

    # -- wpDiscuz --------------------------------------------------------------------------
    def wpdiscuz(self) -> list[dict[str, Any]]:
        items = self.root.xpath(f"//div[{_has_class('wpd-comment')}]")

        def is_item(e: Any) -> bool:
            return e.tag == "div" and "wpd-comment" in _classes(e)

        rows = []
        for el in items:
            m = _WPD_ID_RE.match(el.get("id") or "")
            cid, parent = (m.group(1), m.group(2)) if m else (None, None)
            if parent == "0":
                parent = None
            if parent is None and not m:
                anc = next((a for a in el.iterancestors() if is_item(a)), None)
                pm = _WPD_ID_RE.match(anc.get("id") or "") if anc is not None else None
                parent = pm.group(1) if pm else None
            bodies = self.owned(el, f".//*[{_has_class('wpd-comment-text')}]", is_item)
            text, image = self.text_of(bodies[0]) if bodies else ("", False)
            author = self.first_text(el, (f".//*[{_has_class('wpd-comment-author')}]",), is_item)
            dates = self.owned(el, f".//*[{_has_class('wpd-comment-date')}]", is_item)
            published = None
            if dates:
                published = dates[0].get("title") or self.text_of(dates[0])[0]
            rows.append(
                {"id": cid, "author": author, "text": text, "parent_id": parent,
                 "published": published, "has_image": image}
            )
        return rows

    # -- Disqus ----------------------------------------------------------------------------
    def disqus_legacy(self) -> list[dict[str, Any]]:
        blocks = self.root.xpath("//*[@id='dsq-comments']")
        if not blocks:
            return []
        items = blocks[0].xpath(".//li[starts-with(@id, 'dsq-comment-')]")

        def is_item(e: Any) -> bool:
            return e.tag == "li" and bool(_DSQ_ID_RE.match(e.get("id") or ""))

        rows = []
        for el in items:
            m = _DSQ_ID_RE.match(el.get("id") or "")
            if not m:
                continue
            anc = next((a for a in el.iterancestors() if is_item(a)), None)
            author = self.first_text(
                el,
                (".//*[starts-with(@id, 'dsq-author-user-')]", ".//cite", f".//*[{_has_class('dsq-comment-header')}]"),
                is_item,
            )
            bodies = self.owned(
                el,
                f".//*[{_has_class('dsq-comment-message')} or starts-with(@id, 'dsq-comment-message-')]",
                is_item,
            )
            text, image = self.text_of(bodies[0]) if bodies else ("", False)
            dates = self.owned(el, f".//*[{_has_class('dsq-comment-header-time')}]", is_item)
            rows.append(
                {"id": m.group(1), "author": author, "text": text,
                 "parent_id": _DSQ_ID_RE.match(anc.get("id")).group(1) if anc is not None else None,
                 "published": self.text_of(dates[0])[0] if dates else None, "has_image": image}
            )
        return rows

    # -- WordPress core --------------------------------------------------------------------
    @staticmethod
    def _wp_is_item(e: Any) -> bool:
        if not isinstance(e.tag, str) or e.tag not in ("li", "div", "article"):
            return False
        cls = _classes(e)
        if "comment" not in cls or cls & {"pingback", "trackback"}:
            return False
        return bool(re.match(r"^(?:li-)?comment-\d+$", e.get("id") or "")) or e.tag == "li"

    def wordpress(self) -> list[dict[str, Any]]:
        lists = self.root.xpath(
            f"//*[{_has_class('comment-list')} or {_has_class('commentlist')}]"
        )
        cand = self.root.xpath(
            f"//*[(self::li or self::div or self::article) and {_has_class('comment')}]"
        )
        in_list = {id(e) for lst in lists for e in lst.iter("li")}
        items = [
            e for e in cand
            if self._wp_is_item(e)
            and (re.match(r"^(?:li-)?comment-\d+$", e.get("id") or "") or id(e) in in_list)
        ]
        if not items:
            return []
        is_item = self._wp_is_item
        chrome_cls = {
            "comment-author", "comment-meta", "comment-metadata", "commentmetadata", "reply",
            "comment-util", "children", "says", "comment-awaiting-moderation", "vcard",
            "entry-title", "comment-reply-link", "edit-link", "avatar",
        }

        def skip(e: Any) -> bool:
            return bool(_classes(e) & chrome_cls) or is_item(e) or e.tag in ("footer", "header")

        rows = []
        for el in items:
            m = _WP_ID_RE.match(el.get("id") or "")
            cid = m.group(1) if m else None
            if cid is None:
                body_id = next((d.get("id") for d in el.xpath(".//*[starts-with(@id, 'div-comment-')]")), None)
                bm = _WP_ID_RE.match(body_id or "")
                cid = bm.group(1) if bm else None
            anc = next((a for a in el.iterancestors() if is_item(a)), None)
            parent = None
            if anc is not None:
                pm = _WP_ID_RE.match(anc.get("id") or "")
                parent = pm.group(1) if pm else None
            author = self.first_text(
                el,
                (
                    f".//*[{_has_class('comment-author')}]//*[{_has_class('fn')}]",
                    f".//*[{_has_class('fn')}]",
                    ".//*[@itemprop='author']//*[@itemprop='name']",
                    f".//*[{_has_class('comment-author')}]//cite",
                    f".//*[{_has_class('comment-author')}]",
                ),
                is_item,
            )
            if author:
                for says in _SAYS:
                    if author.casefold().endswith(says):
                        author = author[: -len(says)].strip()
                        break
            bodies = self.owned(
                el,
                f".//*[{_has_class('comment-content')} or {_has_class('comment-text')}"
                f" or @itemprop='text' or {_has_class('entry-content')}]",
                is_item,
            )
            if bodies:
                text, image = self.text_of(bodies[0], skip)
            else:  # legacy themes: bare <p> in .comment-body, beside author and meta blocks
                containers = self.owned(el, f".//*[{_has_class('comment-body')}]", is_item)
                text, image = self.text_of(containers[0] if containers else el, skip)
            published = None
            times = self.owned(el, ".//time", is_item)
            if times:
                published = times[0].get("datetime") or self.text_of(times[0])[0]
            else:
                published = self.first_text(
                    el,
                    (f".//*[{_has_class('comment-metadata')} or {_has_class('commentmetadata')}]",),
                    is_item,
                )
            rows.append(
                {"id": cid, "author": author, "text": text, "parent_id": parent,
                 "published": published, "has_image": image}
            )
        return rows

    # -- schema.org microdata --------------------------------------------------------------
    @staticmethod
    def _md_is_item(e: Any) -> bool:
        t = e.get("itemtype") or ""
        return e.get("itemscope") is not None and any(
            x.rstrip("/").rsplit("/", 1)[-1] in ("Comment", "UserComments") for x in t.split()
        )

    def microdata(self) -> list[dict[str, Any]]:
        items = [e for e in self.root.xpath("//*[@itemscope][@itemtype]") if self._md_is_item(e)]
        if not items:
            return []

        def is_scope(e: Any) -> bool:
            return e.get("itemscope") is not None

        def prop(el: Any, names: tuple[str, ...]) -> list[Any]:
            xp = " or ".join(f"contains(concat(' ', normalize-space(@itemprop), ' '), ' {n} ')" for n in names)
            return self.owned(el, f".//*[{xp}]", is_scope)

        def value(e: Any) -> str:
            for attr in ("content", "datetime"):
                if e.get(attr):
                    return e.get(attr)
            return self.text_of(e)[0]

        rows = []
        for el in items:
            cid = el.get("itemid") or el.get("id")
            if cid is None:
                holder = next((a for a in el.iterancestors() if _WP_ID_RE.match(a.get("id") or "")), None)
                cid = holder.get("id") if holder is not None else None
            m = _WP_ID_RE.match(cid or "")
            cid = m.group(1) if m else cid
            texts = prop(el, ("text", "commentText"))
            text, image = self.text_of(texts[0]) if texts else ("", False)
            author = None
            for a in prop(el, ("author", "creator")):
                names = self.owned(a, ".//*[@itemprop='name']", is_scope) if is_scope(a) else []
                author = value(names[0]) if names else value(a)
                if author:
                    break
            dates = prop(el, ("datePublished", "dateCreated", "commentTime"))
            anc = next((a for a in el.iterancestors() if self._md_is_item(a)), None)
            parent = None
            if anc is not None:
                pid = anc.get("itemid") or anc.get("id") or ""
                pm = _WP_ID_RE.match(pid)
                parent = pm.group(1) if pm else (pid or None)
            rows.append(
                {"id": cid, "author": author, "text": text, "parent_id": parent,
                 "published": value(dates[0]) if dates else None, "has_image": image}
            )
        return rows

    # -- schema.org JSON-LD ----------------------------------------------------------------
    def jsonld(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []

        def is_comment(obj: dict[str, Any]) -> bool:
            t = obj.get("@type")
            types = t if isinstance(t, list) else [t]
            return any(isinstance(x, str) and x.rsplit("/", 1)[-1] in ("Comment", "UserComments") for x in types)

        def name_of(a: Any) -> str | None:
            if isinstance(a, list):
                a = a[0] if a else None
            if isinstance(a, dict):
                a = a.get("name") or a.get("alternateName")
            return normalise_ws(a) if isinstance(a, str) else None

        def visit(obj: dict[str, Any], parent: str | None) -> str | None:
            """Record ``obj`` if it is a comment; the parent id of the comments below it."""
            this_parent = parent
            if is_comment(obj):
                cid = obj.get("@id") or obj.get("identifier") or obj.get("url")
                cid = str(cid) if cid is not None else None
                text = obj.get("text") or obj.get("commentText") or ""
                if isinstance(text, str) and "<" in text:
                    text = self.text_of(lxml.html.fragment_fromstring(text, create_parent="div"))[0]
                rows.append(
                    {"id": cid, "author": name_of(obj.get("author") or obj.get("creator")),
                     "text": normalise_ws(text) if isinstance(text, str) else "",
                     "parent_id": parent,
                     "published": obj.get("datePublished") or obj.get("dateCreated"),
                     "has_image": bool(obj.get("image"))}
                )
                this_parent = cid
            return this_parent

        def walk(data: Any) -> None:
            """Depth-first, in document order, without recursion (JSON-LD may be deep)."""
            stack: list[tuple[Any, str | None]] = [(data, None)]
            while stack:
                obj, parent = stack.pop()
                if isinstance(obj, list):
                    stack.extend((x, parent) for x in reversed(obj))
                elif isinstance(obj, dict):
                    below = visit(obj, parent)
                    stack.extend(
                        (v, below if k in ("comment", "comments") else parent)
                        for k, v in reversed(list(obj.items())) if isinstance(v, (dict, list))
                    )

        for script in self.root.xpath("//script[@type='application/ld+json']"):
            try:
                data = loads_bounded(script.text or "")
            except JSONDepthError as exc:
                warnings.warn(f"{self.source}: a JSON-LD block {exc}; it was skipped",
                              ParseWarning, stacklevel=2)
                continue
            except ValueError:
                continue
            walk(data)
        return rows


def _disqus_placeholder(root: Any) -> bool:
    return bool(
        root.xpath(
            "//*[@id='disqus_thread'] | //script[contains(@src, 'disqus.com/embed.js')]"
            " | //noscript[contains(., 'comments powered by Disqus')]"
        )
    )


def parse_html(html: str, source: str, *, warn: bool = True) -> list[Comment]:
    """Parse the reader comments of an HTML page.

    Parameters
    ----------
    html : str
        The page.
    source : str
        Value for :attr:`Comment.source`.
    warn : bool
        Emit a :class:`ParseWarning` when the page yields no comments, saying why.

    Returns
    -------
    list of Comment
        In document order; empty when the page has no comments in its HTML. A page nested
        deeper than libxml2 reads (over 2,048 levels, which would hide every later comment) is
        read again with the nesting beyond :data:`MAX_HTML_DEPTH` flattened, with a
        :class:`ParseWarning`.
    """
    root = _parse_document(html, source, warn)
    if root is None:
        if warn:
            warnings.warn(f"{source}: the HTML is empty; returning no comments", ParseWarning, stacklevel=3)
        return []
    ex = _Extract(root, source, content_key(html))
    variants = (ex.wpdiscuz, ex.disqus_legacy, ex.wordpress, ex.microdata, ex.jsonld)
    for variant in variants:
        comments = ex.finish(variant())
        if comments:
            return comments
    if warn:
        if _disqus_placeholder(root):
            msg = (
                f"{source}: the comments are loaded by script from Disqus and are not in the "
                "saved file; returning no comments (export them from Disqus instead)"
            )
        elif root.xpath("//*[@id='wpdcom'] | //*[@id='comments'] | //*[@id='respond']"):
            msg = f"{source}: the comment section has no comments"
        else:
            msg = f"{source}: no comment section found in the HTML; returning no comments"
        warnings.warn(msg, ParseWarning, stacklevel=3)
    return []
