"""The labelled article sets stay consistent with their articles.

The sets are the evaluation data for article extraction (issue 5): the 14 articles of
tests/data/articles, the held-out sets written after the extractor (holdout, holdout2) and the
seed article, which lives outside the repository (../shared/mission/seed-article.txt; its checks
are skipped when it is absent). These checks keep hand edits honest: every labelled mention is in
its article where the labels say, event sites are site mentions, evidence sentences exist, dates
do not follow publication, actors come from the fixed vocabulary, and every region id and point
is one the project knows.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from geo.regions import default_regions

ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"
SEED = Path(__file__).resolve().parents[3] / "shared" / "mission" / "seed-article.txt"
CATEGORIES = {"incursion", "airstrike", "shelling", "clashes", "unrest", "meeting", "agreement", "statement"}
# The fixed actor vocabulary of tests/data/articles/README.md.
ACTORS = {
    "Israeli forces", "Israeli government", "Syrian government", "Syrian government forces",
    "US government", "Jordanian government", "Turkish government", "Turkish forces",
    "Lebanese government", "Syrian Democratic Forces", "Syrian National Army", "Druze factions",
    "Druze spiritual leadership", "Bedouin tribal fighters", "Arab tribal fighters", "Hezbollah",
    "Kurdistan Workers' Party", "local gunmen", "protesters",
}  # fmt: skip
SETS = {  # name -> (labels file, folder of the articles)
    "articles": (ARTICLES / "labels.yaml", ARTICLES),
    "holdout": (ARTICLES / "holdout" / "labels.yaml", ARTICLES / "holdout"),
    "holdout2": (ARTICLES / "holdout2" / "labels.yaml", ARTICLES / "holdout2"),
    "seed": (ARTICLES / "seed-labels.yaml", SEED.parent),
}


def _labels() -> list[tuple[str, dict]]:
    out = []
    for name, (path, _folder) in SETS.items():
        out += [(name, label) for label in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return out


LABELS = _labels()


def _text(set_name: str, label: dict) -> str:
    path = SETS[set_name][1] / label["article"]
    if set_name == "seed" and not path.is_file():
        pytest.skip(f"seed article not found at {path}")
    return path.read_text(encoding="utf-8")


def _positions(text: str, surface: str) -> list[int]:
    """Start offsets of whole-word occurrences (no letter or digit on either side)."""
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text)]


def _id(case: tuple[str, dict]) -> str:
    return f"{case[0]}-{case[1]['article'][:2]}"


@pytest.mark.parametrize("name", ["articles", "holdout", "holdout2"])
def test_every_article_is_labelled_once(name):
    path, folder = SETS[name]
    labelled = sorted(a["article"] for a in yaml.safe_load(path.read_text(encoding="utf-8")))
    articles = [
        p.name for p in folder.iterdir() if p.suffix in (".txt", ".md", ".html") and p.stem != "README"
    ]
    assert labelled == sorted(articles)
    assert len(labelled) >= (12 if name == "articles" else 3)


def test_the_seed_labels_name_the_seed_article():
    assert [label["article"] for name, label in LABELS if name == "seed"] == [SEED.name]


@pytest.mark.parametrize("case", LABELS, ids=_id)
def test_mentions_are_in_the_text_in_order(case):
    name, label = case
    text = _text(name, label)
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


@pytest.mark.parametrize("case", LABELS, ids=_id)
def test_truths_are_known_regions_or_plausible_points(case):
    regions = default_regions()
    for mention in case[1]["mentions"]:
        truth = mention["truth"]
        if truth is None:
            continue
        if "region" in truth:
            assert truth["region"] in regions, truth
        else:
            assert -90 <= truth["lat"] <= 90 and -180 <= truth["lon"] <= 180, truth


@pytest.mark.parametrize("case", LABELS, ids=_id)
def test_events_have_a_site_mention_evidence_a_past_date_and_known_actors(case):
    name, label = case
    text = _text(name, label)
    sites = {m["text"] for m in label["mentions"] if m["role"] == "site"}
    published = label["published"]
    assert isinstance(published, dt.date)
    for event in label["events"]:
        assert event["category"] in CATEGORIES
        assert event["site"] is None or event["site"] in sites
        assert event["sentence_starts_with"] in text
        assert set(event["actors"]) <= ACTORS, event["actors"]
        dates = (
            [event["date"]["start"], event["date"]["end"]]
            if isinstance(event["date"], dict)
            else [event["date"]]
        )
        assert all(isinstance(d, dt.date) and d <= published for d in dates), event


# -- the real articles of ../shared/data/news-dev (read where they are, never copied) ----------------

NEWS_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "news-dev"
NEWS_DEV_TYPES = {
    "incursion", "airstrike", "shelling", "clashes", "unrest",
    "diplomatic", "agreement", "statement", "other",
}  # fmt: skip


def _news_dev() -> list[Path]:
    return sorted(NEWS_DEV.glob("[0-9][0-9].txt")) if NEWS_DEV.is_dir() else []


@pytest.mark.shared_data
@pytest.mark.parametrize("path", _news_dev() or [None], ids=lambda p: p.stem if p else "absent")
def test_news_dev_labels_point_at_their_text(path):
    if path is None:
        pytest.skip(f"{NEWS_DEV} is not present")
    import json

    head, date_line, body = path.read_text(encoding="utf-8").split("\n", 2)
    assert head.startswith("source: ") and date_line.startswith("date: ")
    labels = json.loads(path.with_suffix(".labels.json").read_text(encoding="utf-8"))
    assert labels["article"] in (path.name, path.stem)
    last_end = 0
    for place in labels["places"]:
        assert body[place["start"] : place["end"]] == place["text"], place
        assert place["start"] >= last_end, f"{place['text']!r} overlaps the label before it"
        last_end = place["end"]
        assert (place["lat"] is None) == (place["lon"] is None), place
    texts = {place["text"] for place in labels["places"]}
    for event in labels["events"]:
        assert event["type"] in NEWS_DEV_TYPES, event
        assert event["sentence"] in body, event["sentence"][:60]
        assert event["site"] in texts, event
        assert event["date"] is None or dt.date.fromisoformat(event["date"]), event
    for item in labels.get("not_places", []):
        assert body[item["start"] : item["start"] + len(item["text"])] == item["text"], item
