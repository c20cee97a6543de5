"""Accuracy of `conflictmap extract` on hand-labelled articles.

Usage: python bench/extract_accuracy.py [--show-misses]

Sets: tests/data/articles (labels.yaml), tests/data/articles/holdout and holdout2 (written
after the extractor, see their labels.yaml headers) and the seed article
(../shared/mission/seed-article.txt with tests/data/articles/seed-labels.yaml; skipped when
the article is absent). Then ../shared/data/news-dev (real articles with their labels, read
where they are and never copied into the project; skipped when absent), scored the way the
held-out real articles are (see :func:`score_real_article`).

Scores, per article and per set:
- mentions: a predicted mention is right when its span is exactly a labelled mention's span
  (precision over predicted mentions, recall over labelled ones);
- located: of the labelled mentions found that have a known truth, the share whose place is
  within 10 km of a point truth, or is the truth region or lies in its polygon;
- events: a labelled event is matched by a predicted event whose evidence contains the start of
  its sentence (the same category preferred); category accuracy is the share of matched labelled
  events whose match has the right category; event precision is the share of predicted events
  matching a label, recall the share of labels matched; site accuracy is the share of matched
  labelled events with a site whose event is placed at that site (same text, or a place judged
  right against the site mention's truth).

Exit 1 when a bar of the issue is missed on the labelled set (P, R and located >= 0.90,
category >= 0.85).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "data" / "articles"
SEED = ROOT.parent / "shared" / "mission" / "seed-article.txt"
NEWS_DEV = ROOT.parent / "shared" / "data" / "news-dev"
TOLERANCE_KM = 10.0
BARS = {"precision": 0.90, "recall": 0.90, "located": 0.90, "category": 0.85}
CATEGORY_NAMES = {"meeting": "diplomatic"}


@dataclass
class Scores:
    """Counts behind the rates."""

    predicted: int = 0
    labelled: int = 0
    found: int = 0
    with_truth: int = 0
    located: int = 0
    events_predicted: int = 0
    events_labelled: int = 0
    events_matched: int = 0
    predicted_matched: int = 0
    predicted_paired: int = 0  # real sets: predicted events paired one to one with a label
    predicted_right: int = 0  # predicted mentions that match a label (= found when spans must agree)
    category_right: int = 0
    sites: int = 0
    sites_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Scores) -> None:
        for name, value in vars(other).items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
            else:
                getattr(self, name).extend(value)

    def rates(self) -> dict[str, float]:
        def rate(a: int, b: int) -> float:
            return a / b if b else 1.0

        return {
            "precision": rate(self.predicted_right, self.predicted),
            "recall": rate(self.found, self.labelled),
            "located": rate(self.located, self.with_truth),
            "category": rate(self.category_right, self.events_matched),
            "event_precision": rate(self.predicted_matched, self.events_predicted),
            "event_precision_paired": rate(self.predicted_paired, self.events_predicted),
            "event_recall": rate(self.events_matched, self.events_labelled),
            "site": rate(self.sites_right, self.sites),
        }


def label_sets() -> list[tuple[str, Path, list[dict]]]:
    """Return ``(name, folder of articles, labels)`` of every set present."""
    sets = [("articles", ARTICLES, yaml.safe_load((ARTICLES / "labels.yaml").read_text(encoding="utf-8")))]
    for name in ("holdout", "holdout2"):
        holdout = ARTICLES / name / "labels.yaml"
        if holdout.is_file():
            sets.append((name, holdout.parent, yaml.safe_load(holdout.read_text(encoding="utf-8"))))
    seed = ARTICLES / "seed-labels.yaml"
    if SEED.is_file() and seed.is_file():
        labels = yaml.safe_load(seed.read_text(encoding="utf-8"))
        sets.append(("seed", SEED.parent, labels))
    return sets


def positions(text: str, surface: str) -> list[int]:
    """Start offsets of whole-word, case-sensitive occurrences (the labels' convention)."""
    return [m.start() for m in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text)]


def judge_place(place: dict | None, truth: dict) -> bool:
    """Whether a predicted place (``{name, lat, lon, kind, place_id}``) is right for a truth."""
    from geo.gazetteer import distance_km

    if place is None:
        return False
    if "region" in truth:
        import shapely

        from geo.regions import default_regions

        if place["place_id"] == f"region:{truth['region']}":
            return True
        regions = default_regions()
        return bool(regions[truth["region"]].geometry.covers(shapely.Point(place["lon"], place["lat"])))
    return distance_km(place["lat"], place["lon"], truth["lat"], truth["lon"]) <= TOLERANCE_KM


def score_article(label: dict, text: str, events, mentions: list[dict]) -> Scores:
    """Score one article's extraction against its labels (see the module docstring)."""
    s = Scores()
    gold = {}
    for m in label["mentions"]:
        found = positions(text, m["text"])
        if m["occurrence"] > len(found):
            raise ValueError(f"{label['article']}: {m['text']!r} #{m['occurrence']} not in the text")
        start = found[m["occurrence"] - 1]
        gold[(start, start + len(m["text"]))] = m
    predicted = {(m["start"], m["end"]): m for m in mentions}
    s.predicted, s.labelled = len(predicted), len(gold)
    for span, m in gold.items():
        hit = predicted.get(span)
        if hit is None:
            s.misses.append(f"missed mention {m['text']!r} at {span[0]}")
            continue
        s.found += 1
        s.predicted_right += 1
        if m["truth"] is not None:
            s.with_truth += 1
            if judge_place(hit["place"], m["truth"]):
                s.located += 1
            else:
                got = hit["place"]["name"] if hit["place"] else None
                s.misses.append(f"mislocated {m['text']!r} at {span[0]}: got {got}, want {m['truth']}")
    s.misses += [
        f"extra mention {p['text']!r} at {span[0]}" for span, p in predicted.items() if span not in gold
    ]
    _score_events(label, text, events, gold, s)
    return s


def _score_events(label: dict, text: str, events, gold: dict, s: Scores) -> None:
    import json

    rows = []
    for row in events.itertuples():
        spans = json.loads(row.evidence)
        place = None
        if isinstance(row.place_id, str):
            geom = row.geometry
            point = geom.representative_point() if geom is not None else None
            place = {
                "place_id": row.place_id,
                "lat": point.y if point else 0.0,
                "lon": point.x if point else 0.0,
            }
        rows.append({"spans": spans, "category": row.category, "location": row.location, "place": place})
    s.events_predicted, s.events_labelled = len(rows), len(label["events"])
    used: set[int] = set()
    truths = {m["text"]: m["truth"] for m in gold.values() if m["role"] == "site"}
    for event in label["events"]:
        start = text.index(event["sentence_starts_with"])
        want = CATEGORY_NAMES.get(event["category"], event["category"])
        covering = [i for i, r in enumerate(rows) if any(a <= start < b for a, b in r["spans"])]
        if not covering:
            s.misses.append(f"missed event {want} {event['sentence_starts_with'][:50]!r}")
            continue
        same = [i for i in covering if rows[i]["category"] == want]
        pick = next((i for i in same if i not in used), same[0] if same else None)
        if pick is None:
            pick = next((i for i in covering if i not in used), covering[0])
        used.add(pick)
        s.events_matched += 1
        row = rows[pick]
        if row["category"] == want:
            s.category_right += 1
        else:
            s.misses.append(f"category {row['category']} for {want} {event['sentence_starts_with'][:50]!r}")
        if event["site"] is not None:
            s.sites += 1
            truth = truths.get(event["site"])
            right = str(row["location"]).casefold() == event["site"].casefold() or (
                truth is not None and judge_place(row["place"], truth)
            )
            s.sites_right += right
            if not right:
                s.misses.append(f"site {row['location']!r} for {event['site']!r} ({want})")
    s.predicted_matched = len(used)


def run_set(folder: Path, labels: list[dict], *, extractor=None) -> tuple[Scores, dict[str, Scores]]:
    """Extract and score every article of a set; return the total and per-article scores."""
    import warnings

    from conflictmap.extract import extract_articles
    from conflictmap.extract.text import read_article

    per: dict[str, Scores] = {}
    total = Scores()
    for label in labels:
        path = folder / label["article"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events, mentions = extract_articles([path], published=label.get("published"), extractor=extractor)
        text = read_article(path).original
        per[label["article"]] = score_article(label, text, events, mentions)
        total.add(per[label["article"]])
    return total, per


def _line(name: str, s: Scores) -> str:
    r = s.rates()
    return (
        f"{name[:40]:40} mentions P {r['precision']:6.1%} R {r['recall']:6.1%}  located {r['located']:6.1%}"
        f"  category {r['category']:6.1%}  events P {r['event_precision']:6.1%} R {r['event_recall']:6.1%}"
        f"  site {r['site']:6.1%}"
    )


# -- real articles (news-dev) ---------------------------------------------------------------------
# Scored as the held-out real articles are (the rules of ../shared/tools/score_extraction.py):
# - mentions: distinct labelled surface strings, folded (case, accents, hyphens, apostrophes,
#   Arabic articles), against the distinct folded texts of the extracted mentions; equality or one
#   inside the other is a match;
# - located: of the labelled names with coordinates, those whose matched mention lies within 10 km
#   (points) or 60 km (regions); a country must be located as a country within 100 km;
# - events found: a labelled event whose sentence shares at least half of its words (Jaccard over
#   folded words) with some extracted event's notes; category: of those, the ones in the same group
#   (incursion; airstrike and shelling; diplomatic, agreement and statement; the rest);
# - event precision (not in the judged score): extracted events whose notes match a labelled
#   sentence that way; "paired", stricter: events paired one to one with a label of their
#   sentence and site (a second event of a labelled sentence counts against it).
GROUPS = {
    "incursion": "incursion",
    "airstrike": "airstrike",
    "shelling": "airstrike",
    "diplomatic": "diplomatic",
    "agreement": "diplomatic",
    "statement": "diplomatic",
}


def fold(text: str) -> str:
    """Fold a name or sentence for comparison (case, accents, hyphens, apostrophes, articles)."""
    import unicodedata

    text = "".join(c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c))
    text = re.sub(r"[`'’‘ʿʾ\-]", " ", text.lower().replace("_", " "))
    text = re.sub(r"\b(the|al|el|as|ash|ad|ar|az|at|an)\b", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def real_articles(folder: Path = NEWS_DEV) -> list[tuple[str, str, str | None, dict]]:
    """Return ``(name, body, published or None, labels)`` of each real article in ``folder``.

    An article file is ``source: ...``, ``date: ...`` and the body; the date counts only when it
    is a full ``YYYY-MM-DD``.
    """
    import json

    out = []
    for path in sorted(folder.glob("[0-9][0-9].txt")):
        _source, date_line, body = path.read_text(encoding="utf-8").split("\n", 2)
        date = date_line.split(":", 1)[1].strip()
        labels = json.loads(path.with_suffix(".labels.json").read_text(encoding="utf-8"))
        out.append((path.name, body, date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None, labels))
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))


def score_real_article(labels: dict, events, mentions: list[dict]) -> Scores:
    """Score one real article's extraction against its labels (see the comment above)."""
    from geo.gazetteer import distance_km

    s = Scores()
    predicted: dict[str, dict] = {}
    for m in mentions:
        predicted.setdefault(fold(m["text"]), m)
    predicted.pop("", None)
    labelled: dict[str, dict] = {}
    for place in labels["places"]:
        labelled.setdefault(fold(place["text"]), place)
    labelled.pop("", None)
    s.predicted, s.labelled = len(predicted), len(labelled)
    extra = [m for k, m in predicted.items() if not any(k == j or k in j or j in k for j in labelled)]
    s.predicted_right = len(predicted) - len(extra)
    s.misses += [f"extra name {m['text']!r}" for m in extra]
    for key, place in labelled.items():
        hit = predicted.get(key) or next((m for k, m in predicted.items() if key in k or k in key), None)
        if hit is None:
            s.misses.append(f"missed name {place['text']!r}")
        else:
            s.found += 1
        if place.get("lat") is None:
            continue
        s.with_truth += 1  # a name with coordinates that is not found is not located either
        got = (hit or {}).get("place")
        if got is None:
            if hit is not None:
                s.misses.append(f"{place['text']!r} found but not located")
            continue
        if place["kind"] == "country":
            tolerance = 100.0 if got.get("kind") == "country" else -1.0
        else:
            tolerance = 10.0 if place["kind"] == "point" and not place.get("uncertain") else 60.0
        km = distance_km(place["lat"], place["lon"], float(got["lat"]), float(got["lon"]))
        if km <= tolerance:
            s.located += 1
        else:
            s.misses.append(f"{place['text']!r} located at {got.get('name')!r}, {km:.0f} km from the label")
    notes = [(set(fold(row.notes or "").split()), row.category) for row in events.itertuples()]
    s.events_predicted, s.events_labelled = len(notes), len(labels["events"])
    sentences = [set(fold(event["sentence"]).split()) for event in labels["events"]]
    s.predicted_matched = sum(any(_jaccard(words, sent) >= 0.5 for sent in sentences) for words, _ in notes)
    s.predicted_paired = _paired(events, labels["events"], sentences)
    for event, sent in zip(labels["events"], sentences, strict=True):
        best = max(range(len(notes)), key=lambda i: _jaccard(sent, notes[i][0]), default=None)
        if best is None or _jaccard(sent, notes[best][0]) < 0.5:
            s.misses.append(f"missed event {event['type']} at {event['site']!r}: {event['sentence'][:80]!r}")
            continue
        s.events_matched += 1
        want, got = GROUPS.get(event["type"], "other"), GROUPS.get(notes[best][1], "other")
        if want == got:
            s.category_right += 1
        else:
            s.misses.append(f"category {notes[best][1]} for {event['type']}: {event['sentence'][:60]!r}")
    return s


def _paired(events, labelled: list[dict], sentences: list[set[str]]) -> int:
    """Return how many extracted events pair one to one with a labelled event.

    A pair shares the sentence (as for events found) and the site: the label's site names the
    event's location, or one contains the other's folded text (a label without a site pairs with
    any). Each label takes at most one event, so a second event of one labelled sentence (a
    frame, the reporter's town, the same raid twice) counts against precision, which the
    sentence-only figure does not see.
    """
    free = list(range(len(labelled)))
    paired = 0
    for row in events.itertuples():
        words = set(fold(row.notes or "").split())
        where = fold(str(row.location)) if isinstance(row.location, str) else ""
        for i in free:
            site = fold(labelled[i]["site"] or "")
            same_site = not site or (where and (site in where or where in site))
            if same_site and _jaccard(words, sentences[i]) >= 0.5:
                free.remove(i)
                paired += 1
                break
    return paired


def run_real_set(folder: Path = NEWS_DEV) -> tuple[Scores, dict[str, Scores]]:
    """Extract and score every real article of ``folder`` (the text after its two header lines)."""
    import warnings

    from conflictmap.extract import extract_events
    from conflictmap.extract.text import article_from_text

    per: dict[str, Scores] = {}
    total = Scores()
    for name, body, published, labels in real_articles(folder):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            events, mentions = extract_events(article_from_text(body, path=name), published=published)
        per[name] = score_real_article(labels, events, mentions)
        total.add(per[name])
    return total, per


def _real_line(name: str, s: Scores) -> str:
    r = s.rates()
    return (
        f"{name[:40]:40} names P {r['precision']:6.1%} R {r['recall']:6.1%}  located {r['located']:6.1%}"
        f"  category {r['category']:6.1%}  events P {r['event_precision']:6.1%}"
        f" (paired {r['event_precision_paired']:6.1%})"
        f" found {r['event_recall']:6.1%} ({s.events_matched}/{s.events_labelled})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    from conflictmap.extract import default_extractor

    start = time.perf_counter()
    extractor = default_extractor()
    print(f"start-up {time.perf_counter() - start:.2f} s")
    ok = True
    for name, folder, labels in label_sets():
        total, per = run_set(folder, labels, extractor=extractor)
        print(f"== {name}: {len(labels)} articles, {total.labelled} mentions, {total.events_labelled} events")
        for article, scores in per.items():
            print("  " + _line(article, scores))
            if args.show_misses:
                for miss in scores.misses:
                    print(f"      {miss}")
        print("  " + _line(f"ALL {name}", total))
        if name == "articles":
            rates = total.rates()
            ok &= all(rates[k] >= bar for k, bar in BARS.items())
    if NEWS_DEV.is_dir():
        total, per = run_real_set(NEWS_DEV)
        print(
            f"== news-dev (real, {NEWS_DEV}): {len(per)} articles, {total.labelled} names, "
            f"{total.events_labelled} events"
        )
        for article, scores in per.items():
            print("  " + _real_line(article, scores))
            if args.show_misses:
                for miss in scores.misses:
                    print(f"      {miss}")
        print("  " + _real_line("ALL news-dev", total))
    print("bars (articles):", ", ".join(f"{k} >= {v:.0%}" for k, v in BARS.items()), "pass" if ok else "FAIL")
    counts = Counter()
    return 0 if ok and not counts else 1


if __name__ == "__main__":
    sys.exit(main())
