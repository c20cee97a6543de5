"""The seed article's hand labels (tests/data/articles/seed-labels.yaml) stay consistent with it.

The same checks as test_article_labels.py, applied to the seed article, which lives outside the
repository (../shared/mission/seed-article.txt); the module is skipped when it is absent.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from geo.regions import default_regions

SEED = Path(__file__).resolve().parents[3] / "shared" / "mission" / "seed-article.txt"
LABELS_FILE = Path(__file__).resolve().parent.parent / "data" / "articles" / "seed-labels.yaml"
CATEGORIES = {"incursion", "airstrike", "shelling", "clashes", "unrest", "meeting", "agreement", "statement"}

if not SEED.is_file():
    pytest.skip(f"seed article not found at {SEED}", allow_module_level=True)

LABELS = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
TEXT = SEED.read_text(encoding="utf-8")


def _positions(text: str, surface: str) -> list[int]:
    """Start offsets of whole-word occurrences (no letter or digit on either side)."""
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text)]


def test_one_entry_for_the_seed_article():
    assert [a["article"] for a in LABELS] == [SEED.name]
    assert LABELS[0]["mentions"]


def test_mentions_are_in_the_text_in_order():
    last, seen = -1, set()
    for mention in LABELS[0]["mentions"]:
        key = (mention["text"], mention["occurrence"])
        found = _positions(TEXT, mention["text"])
        assert mention["occurrence"] <= len(found), f"{key} not in {SEED.name}"
        start = found[mention["occurrence"] - 1]
        assert start > last and key not in seen, f"{key} out of order or repeated"
        last = start
        seen.add(key)
        assert mention["role"] in ("site", "context")


def test_truths_are_known_regions_or_plausible_points():
    regions = default_regions()
    for mention in LABELS[0]["mentions"]:
        truth = mention["truth"]
        if truth is None:
            continue
        if "region" in truth:
            assert truth["region"] in regions, truth
        else:
            assert -90 <= truth["lat"] <= 90 and -180 <= truth["lon"] <= 180, truth


def test_events_have_a_site_mention_evidence_and_a_past_date():
    label = LABELS[0]
    sites = {m["text"] for m in label["mentions"] if m["role"] == "site"}
    published = label["published"]
    assert isinstance(published, dt.date)
    assert f"date {published.isoformat()}" in TEXT.splitlines()[0]
    for event in label["events"]:
        assert event["category"] in CATEGORIES
        assert event["site"] is None or event["site"] in sites
        assert event["sentence_starts_with"] in TEXT
        dates = (
            [event["date"]["start"], event["date"]["end"]]
            if isinstance(event["date"], dict)
            else [event["date"]]
        )
        assert all(isinstance(d, dt.date) and d <= published for d in dates), event
