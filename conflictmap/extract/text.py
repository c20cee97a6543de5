"""Read an article (.txt, .md, .html) into clean text that remembers where each character was.

Markdown markup and HTML tags are removed; the contents of ``<script>``, ``<style>`` and similar
elements are dropped (parsed with the standard library's :mod:`html.parser`, never executed).
Every character of the clean text keeps its offset in the file as read (the decoded text), so
spans found in the clean text point back into the file.

A saved web page carries menus, "related stories", tickers and footers around its article: their
headlines must not become events. The article's own text is found with trafilatura (a
maintained main-content extractor; writing one would mean re-deriving its boilerplate rules), and
only the blocks of the clean text that it keeps are read: the clean text stays the parser's, so
its offsets still point into the page. The publication date comes from the page's metadata
(JSON-LD ``datePublished``, ``article:published_time`` ..., read by htmldate through trafilatura),
else from the first ``<meta>``/``<time>`` the parser saw.
"""

from __future__ import annotations

import codecs
import re
from array import array
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from conflictmap.errors import ConfigurationError, InputError, short_repr

__all__ = [
    "MAX_ARTICLE_CHARS",
    "MAX_FILE_BYTES",
    "Article",
    "article_from_text",
    "clean_html",
    "clean_markdown",
    "read_article",
]

# Articles are a few kilobytes of text. A saved web page can weigh megabytes of scripts and
# styles around them, so the file may be large; its text, once cleaned, may not: text this long
# is not one article (a dump, a book, a PDF saved as text).
MAX_FILE_BYTES = 64_000_000
MAX_ARTICLE_CHARS = 2_000_000
ARTICLE_FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
}
_SKIPPED_ELEMENTS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "svg",
        "object",
        "head",
        "nav",
        "footer",
        "button",
        "form",
        "select",
        "canvas",
    }
)
_BLOCK_ELEMENTS = frozenset(
    {
        "p",
        "div",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "blockquote",
        "pre",
        "figcaption",
        "figure",
        "hr",
        "dd",
        "dt",
        "main",
        "aside",
        "title",
    }
)


@dataclass
class Article:
    """An article as clean text.

    Attributes
    ----------
    path
        The file as the user named it ("" for text given directly).
    original
        The decoded file.
    text
        The clean text: no markup, paragraphs separated by blank lines.
    offsets
        For each character of ``text``, its offset in ``original``; ``None`` when the two are
        the same text.
    published
        A publication date found in the markup (an HTML ``<meta>`` or ``<time>``), ISO text.
    """

    path: str
    original: str
    text: str
    offsets: array | None = None
    published: str | None = None
    warnings: list[str] = field(default_factory=list)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the span of ``text[start:end]`` in the original file text."""
        if self.offsets is None or start >= end:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1


def read_article(path: str | Path, *, encoding: str = "utf-8", format: str | None = None) -> Article:
    """Read and clean one article file.

    Parameters
    ----------
    path
        A ``.txt``, ``.md`` or ``.html`` file.
    encoding
        The text encoding (a UTF-8 byte-order mark is always accepted).
    format
        ``"text"``, ``"markdown"`` or ``"html"``; by default from the extension (and, for
        ``.txt``, an ``<html`` start is read as HTML).

    Raises
    ------
    InputError
        The file is missing, empty, binary, too large or not in the encoding; the message says
        how to fix it.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: is not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{path}: {size / 1e6:.1f} MB is too large for a news article file (limit "
            f"{MAX_FILE_BYTES / 1e6:.0f} MB); split it into articles"
        )
    data = path.read_bytes()
    text = _decode(data, path, encoding)
    fmt = format or ARTICLE_FORMATS.get(path.suffix.lower(), "text")
    if fmt == "text" and text.lstrip()[:14].lower().startswith(("<!doctype html", "<html")):
        fmt = "html"
    article = article_from_text(text, path=str(path), format=fmt)
    if len(article.text) > MAX_ARTICLE_CHARS:
        raise InputError(
            f"{path}: {len(article.text) / 1e6:.1f} million characters of text is too long for a news "
            f"article (limit {MAX_ARTICLE_CHARS / 1e6:.0f} million); split it into articles"
        )
    return article


def article_from_text(text: str, *, path: str = "", format: str = "text") -> Article:
    """Clean article text given directly (``format``: text, markdown or html)."""
    if format == "html":
        clean, offsets, published = clean_html(text)
        return Article(path, text, clean, offsets, published)
    if format == "markdown":
        clean, offsets = clean_markdown(text)
        return Article(path, text, clean, offsets)
    return Article(path, text, text)


def _decode(data: bytes, path: Path, encoding: str) -> str:
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path}: looks like a binary file (it contains NUL bytes), not an article")
    try:
        name = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        text = data.decode(name)
    except LookupError as err:
        raise InputError(f"unknown encoding {short_repr(encoding)}") from err
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line}: byte 0x{data[err.start : err.start + 1].hex()} is not valid "
            f"{encoding}; save the article as UTF-8 or name its encoding, e.g. --encoding latin-1"
        ) from err
    if not text.strip():
        raise InputError(f"{path}: the file holds only white space")
    control = sum(1 for c in text[:4096] if c < " " and c not in "\n\r\t\f")
    if control > 40:
        raise InputError(f"{path}: looks like a binary file ({control} control characters), not an article")
    return text


# -- Markdown ----------------------------------------------------------------------------------

# Markup removed from Markdown; group "keep" (when present) is the text that stays.
_MD_MARKUP = re.compile(
    r"(?P<fence>^```[^\n]*$|^~~~[^\n]*$)"
    r"|(?P<image>!\[(?P<alt>[^\]\n]*)\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<label>[^\]\n]+)\]\([^)\n]*\))"
    r"|(?P<ref>\[(?P<rlabel>[^\]\n]+)\]\[[^\]\n]*\])"
    r"|(?P<refdef>^\s{0,3}\[[^\]\n]+\]:\s*\S+[^\n]*$)"
    r"|(?P<head>^\s{0,3}#{1,6}[ \t]+)"
    r"|(?P<quote>^\s{0,3}(?:>[ \t]?)+)"
    r"|(?P<bullet>^\s{0,3}(?:[*+-]|\d{1,3}[.)])[ \t]+)"
    r"|(?P<rule>^\s{0,3}(?:[-*_][ \t]*){3,}$)"
    r"|(?P<tag></?[A-Za-z][^>\n]*>)"
    r"|(?P<emph>\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)|`+)",
    re.MULTILINE,
)


def clean_markdown(text: str) -> tuple[str, array]:
    """Remove Markdown markup, keeping link and image texts; return the text and its offsets."""
    keep = bytearray(b"\x01") * len(text)
    for match in _MD_MARKUP.finditer(text):
        start, end = match.span()
        inner = next((g for g in ("alt", "label", "rlabel") if match.group(g) is not None), None)
        keep[start:end] = b"\x00" * (end - start)
        if inner:
            s, e = match.span(inner)
            keep[s:e] = b"\x01" * (e - s)
    offsets = array("l", (i for i, k in enumerate(keep) if k))
    return "".join(text[i] for i in offsets), offsets


# -- HTML --------------------------------------------------------------------------------------

_PUBLISHED_META = frozenset(
    {
        "article:published_time",
        "datepublished",
        "pubdate",
        "date",
        "dc.date",
        "og:published_time",
        "publish-date",
        "sailthru.date",
    }
)


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML page with each character's offset in the page."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.chars: list[str] = []
        self.offsets = array("l")
        self.skip_depth = 0
        self.published: str | None = None

    def _here(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _add(self, text: str, at: int, *, same_length: bool) -> None:
        if self.skip_depth:
            return
        for i, ch in enumerate(text):
            self.chars.append(ch)
            self.offsets.append(at + i if same_length else at)

    def _break(self) -> None:
        if self.skip_depth or not self.chars:
            return
        here = self._here()
        for _ in range(2 - sum(1 for c in self.chars[-2:] if c == "\n")):
            self.chars.append("\n")
            self.offsets.append(here)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_ELEMENTS:
            self.skip_depth += 1
        elif tag in _BLOCK_ELEMENTS:
            self._break()
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and self.published is None:
            key = (values.get("property") or values.get("name") or values.get("itemprop") or "").lower()
            if key in _PUBLISHED_META and values.get("content"):
                self.published = values["content"]
        elif tag == "time" and self.published is None and values.get("datetime"):
            self.published = values["datetime"]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_ELEMENTS:
            return  # an empty <script/> opens nothing
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_ELEMENTS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_ELEMENTS:
            self._break()

    def handle_data(self, data: str) -> None:
        start = self._here()
        exact = self.source.startswith(data, start)
        self._add(re.sub(r"\s", " ", data), start, same_length=exact)

    def handle_entityref(self, name: str) -> None:
        from html import unescape

        self._add(unescape(f"&{name};"), self._here(), same_length=False)

    def handle_charref(self, name: str) -> None:
        from html import unescape

        self._add(unescape(f"&#{name};"), self._here(), same_length=False)


def clean_html(source: str, *, main: bool = True) -> tuple[str, array, str | None]:
    """Return the text of an HTML page, its offsets, and the publication date in its markup.

    Scripts, styles and other non-text elements are dropped; block elements become paragraph
    breaks; runs of spaces are kept (offsets stay exact). With ``main`` only the blocks of the
    page's main content are kept (see the module docstring); when no main content is found, the
    whole visible text is.
    """
    parser = _TextExtractor(source)
    parser.feed(source)
    parser.close()
    text, offsets, published = "".join(parser.chars), parser.offsets, parser.published
    if main:
        found = main_content(source, text, offsets)
        if found is not None:
            text, offsets, published = found[0], found[1], found[2] or published
    return text, offsets, published


def main_content(source: str, text: str, offsets: array) -> tuple[str, array, str | None] | None:
    """Keep the blocks of ``text`` that trafilatura reads as the page's article.

    Parameters
    ----------
    source
        The page.
    text, offsets
        Its visible text in blocks separated by blank lines, with each character's offset in
        ``source`` (:func:`clean_html` with ``main=False``).

    Returns
    -------
    tuple or None
        The kept blocks (blank lines between them), their offsets, and the publication date of
        the page's metadata (``YYYY-MM-DD`` or ``None``); ``None`` when trafilatura finds no
        article.
    """
    try:
        import trafilatura
    except ImportError as err:  # a declared dependency: without it menus and footers would be read
        raise ConfigurationError(
            "reading HTML articles needs the trafilatura package (a dependency of conflictmap): "
            "pip install 'trafilatura>=2.0'"
        ) from err
    try:
        doc = trafilatura.bare_extraction(
            source, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
        )
    except Exception:  # a page the library cannot parse is read whole, as before it existed
        return None
    body = getattr(doc, "text", None) if doc is not None else None
    if not body:
        return None
    lines = {_squash(line) for line in body.splitlines() if line.strip()}
    title = getattr(doc, "title", None)
    if title:
        lines.add(_squash(title))
    blob = " ".join(sorted(lines, key=len, reverse=True))
    kept: list[tuple[int, int]] = []
    for block in _BLOCK.finditer(text):  # paragraphs: text between blank (or white) lines
        squashed = _squash(block.group())
        if squashed in lines or (len(squashed) >= _LONG and squashed in blob):
            start, end = block.span()
            start += len(block.group()) - len(block.group().lstrip())
            end -= len(block.group()) - len(block.group().rstrip())
            kept.append((start, end))
    if not kept:
        return None
    chars: list[str] = []
    kept_offsets = array("l")
    for start, end in kept:
        if chars:  # a paragraph break, pointing at the end of the block before
            chars.append("\n\n")
            kept_offsets.extend((kept_offsets[-1], kept_offsets[-1]))
        chars.append(text[start:end])
        kept_offsets.extend(offsets[start:end])
    return "".join(chars), kept_offsets, getattr(doc, "date", None) or None


_BLOCK = re.compile(r"\S(?:[^\n]|\n(?!\s*\n))*")
_LONG = 25  # a block this long that is part of the article's text is kept; a shorter must be a whole line


def _squash(text: str) -> str:
    return " ".join(text.split())
