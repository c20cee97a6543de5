"""The labelled article set (tests/data/articles) stays consistent with its articles.

The set is the evaluation data for article extraction (issue 5). These checks keep hand edits
honest: every labelled mention is in its article where the labels say, event sites are site
mentions, evidence sentences exist, dates do not follow publication, and every region id and
point is one the project knows.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from geo.regions import default_regions

ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"
LABELS = yaml.safe_load((ARTICLES / "labels.yaml").read_text(encoding="utf-8"))
CATEGORIES = {"incursion", "airstrike", "shelling", "clashes", "unrest", "meeting", "agreement", "statement"}


def _positions(text: str, surface: str) -> list[int]:
    """Start offsets of whole-word occurrences (no letter or digit on either side)."""
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text)]


def test_every_article_is_labelled_once():
    assert sorted(a["article"] for a in LABELS) == sorted(p.name for p in ARTICLES.glob("*.txt"))
    assert len(LABELS) >= 12


@pytest.mark.parametrize("label", LABELS, ids=lambda a: a["article"][:2])
def test_mentions_are_in_the_text_in_order(label):
    text = (ARTICLES / label["article"]).read_text(encoding="utf-8")
    last, seen = -1, set()
    for mention in label["mentions"]:
        key = (mention["text"], mention["occurrence"])
        found = _positions(text, mention["text"])
        assert mention["occurrence"] <= len(found), f"{key} not in {label['article']}"
        start = found[mention["occurrence"] - 1]
        assert start > last and key not in seen, f"{key} out of order or repeated"
        last = start
        seen.add(key)
        assert mention["role"] in ("site", "context")


@pytest.mark.parametrize("label", LABELS, ids=lambda a: a["article"][:2])
def test_truths_are_known_regions_or_plausible_points(label):
    regions = default_regions()
    for mention in label["mentions"]:
        truth = mention["truth"]
        if truth is None:
            continue
        if "region" in truth:
            assert truth["region"] in regions, truth
        else:
            assert -90 <= truth["lat"] <= 90 and -180 <= truth["lon"] <= 180, truth


@pytest.mark.parametrize("label", LABELS, ids=lambda a: a["article"][:2])
def test_events_have_a_site_mention_evidence_and_a_past_date(label):
    text = (ARTICLES / label["article"]).read_text(encoding="utf-8")
    sites = {m["text"] for m in label["mentions"] if m["role"] == "site"}
    published = label["published"]
    assert isinstance(published, dt.date)
    for event in label["events"]:
        assert event["category"] in CATEGORIES
        assert event["site"] is None or event["site"] in sites
        assert event["sentence_starts_with"] in text
        dates = (
            [event["date"]["start"], event["date"]["end"]]
            if isinstance(event["date"], dict)
            else [event["date"]]
        )
        assert all(isinstance(d, dt.date) and d <= published for d in dates), event
