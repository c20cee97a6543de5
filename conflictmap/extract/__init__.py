"""From news articles to located events: ``conflictmap extract``.

An article (.txt, .md or .html) is cleaned (:mod:`~conflictmap.extract.text`), split into
sentences (:mod:`~conflictmap.extract.sentences`), its place mentions are found with one pass
over its words against every gazetteer name (:mod:`~conflictmap.extract.mentions`), false
positives are removed (:mod:`~conflictmap.extract.filters`), each mention is resolved in its
context (:mod:`~conflictmap.extract.places`), and each event sentence becomes an event with a
category, site, actors and date (:mod:`~conflictmap.extract.events`,
:mod:`~conflictmap.extract.dates`; the lexicon's phrases are found once per article by
:mod:`~conflictmap.extract.cues`), the reports of one event are merged into one
(:mod:`~conflictmap.extract.merge`), using the lexicon in ``data/extract_lexicon.yaml``
(:mod:`~conflictmap.extract.lexicon`).

>>> from conflictmap.extract import extract_events
>>> events, mentions = extract_events("article.txt")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import gc
import warnings
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd

from conflictmap.categories import CategoryRegistry
from conflictmap.errors import ConfigurationError, DataWarning, short_repr
from conflictmap.extract.extractor import ArticleResult, Extractor
from conflictmap.extract.frame import EVIDENCE_COLUMN, events_frame, mention_records
from conflictmap.extract.lexicon import Lexicon, load_lexicon
from conflictmap.extract.text import Article, article_from_text, read_article

__all__ = [
    "EVIDENCE_COLUMN",
    "Article",
    "ArticleResult",
    "Extractor",
    "default_extractor",
    "extract_articles",
    "extract_events",
    "load_lexicon",
    "parse_date_option",
    "read_article",
]


@lru_cache(maxsize=1)
def default_extractor() -> Extractor:
    """Return an extractor with the shipped lexicon and gazetteer (built once per process).

    Its gazetteer index, name index and lexicon live as long as the process: once they are
    built, :func:`gc.freeze` moves every object alive then out of the collector's reach, so the
    full collections that extraction triggers (it makes small objects by the thousand per
    article) no longer walk them (5-8% of extraction time). Objects frozen are never collected,
    which is what these are meant for; an extractor built directly is not frozen.
    """
    extractor = Extractor()
    # the phrase finders are built on first use: built now, they are frozen with the rest
    _ = extractor.lexicon.event_finder, extractor.lexicon.actor_finder
    gc.freeze()
    return extractor


def parse_date_option(value: str | dt.date | None) -> dt.date | None:
    """Read a ``--published`` value (``YYYY-MM-DD``)."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as err:
        raise ConfigurationError(f"--published {short_repr(value)} is not a date; use YYYY-MM-DD") from err


def extract_articles(
    paths: Iterable[str | Path],
    *,
    published: str | dt.date | None = None,
    country: str | None = None,
    lexicon: Lexicon | None = None,
    encoding: str = "utf-8",
    registry: CategoryRegistry | None = None,
    extractor: Extractor | None = None,
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Extract the events and place mentions of article files.

    Parameters
    ----------
    paths
        Articles: ``.txt``, ``.md``, ``.html``.
    published
        Publication date of every article (default: each article's dateline or markup).
    country
        ISO alpha-2 code preferred among namesakes (default: the dateline's country).
    lexicon
        Lexicon (default: the shipped one); see :func:`load_lexicon`.
    encoding
        Text encoding of the files.
    registry
        Category registry used to validate the events.
    extractor
        A prepared extractor (its lexicon wins over ``lexicon``).

    Returns
    -------
    events : geopandas.GeoDataFrame
        Events in the model's columns plus ``evidence`` (JSON list of ``[start, end]`` spans in
        the article as read); events without a place are kept unlocated.
    mentions : list of dict
        Every place mention: ``article``, ``start``, ``end``, ``text``, ``place`` (or ``None``),
        ``role`` (``site`` or ``context``) and ``reason`` (why that place won among its
        namesakes, or ``None``).

    Raises
    ------
    InputError
        An article is empty, binary, too large or not in the encoding.
    """
    extractor = extractor or (Extractor(lexicon=lexicon) if lexicon else default_extractor())
    day = parse_date_option(published)
    code = country.upper() if country else None
    results = [
        extractor.run(read_article(path, encoding=encoding), published=day, country=code) for path in paths
    ]
    return _finish(results, registry)


def extract_events(
    source: str | Path | Article,
    *,
    published: str | dt.date | None = None,
    country: str | None = None,
    format: str = "text",
    lexicon: Lexicon | None = None,
    registry: CategoryRegistry | None = None,
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """Extract the events of one article: a path, an :class:`Article`, or article text.

    A ``str`` that names an existing file is read as a file; any other ``str`` is the text
    itself (in ``format``: text, markdown or html). See :func:`extract_articles`.
    """
    extractor = Extractor(lexicon=lexicon) if lexicon else default_extractor()
    if isinstance(source, Article):
        article = source
    elif isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and Path(source).is_file()
    ):
        article = read_article(source)
    else:
        article = article_from_text(str(source), format=format)
    code = country.upper() if country else None
    result = extractor.run(article, published=parse_date_option(published), country=code)
    return _finish([result], registry)


def _finish(
    results: list[ArticleResult], registry: CategoryRegistry | None
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    for result in results:
        for message in result.warnings:
            warnings.warn(message, DataWarning, stacklevel=3)
    events = events_frame(results, registry=registry)
    if len(events):
        from geo.locate import complete_admin_units

        # Admin-1 units and countries from the geometry, nothing more: an event the extractor
        # left unlocated was read in its article (a guess among far namesakes, a place no
        # source knows); geocoding its bare name here, without the article, would place it at
        # whatever namesake or look-alike the gazetteer has, in any country.
        events, _completed = complete_admin_units(events)
    mentions = [record for result in results for record in mention_records(result)]
    return events, mentions
