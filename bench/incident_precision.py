"""Precision and recall of the incident rule on labelled pairs of reports from ../shared.

The labelled pairs (bench/incident_pairs.csv: two report ids, the set and a label, no row content)
are every pair of reports of one set that a loose rule (same group, 50 km or the same admin-1
unit, 3 days, any actors) would consider, plus the pairs labelled "same" by hand:

- ``events``: the ACLED and UCDP rows of ../shared/data/events together. Two rows of one dataset
  are two incidents by the dataset's own method ("distinct"); of the cross-dataset pairs,
  SYR78246 and UCDP340050 are one incident (the same landmine explosion south of Hadar on
  3 May 2020, two killed, checked by hand), the others are distinct (each dataset codes an
  incident once, and the UCDP row has its match). Only two UCDP rows fall in the ACLED period.
- ``news-dev``: the hand-labelled events of ../shared/data/news-dev that have a date and a
  site with coordinates, one report each (id ``NN#k``: article and event index). The pairs in
  ``NEWS_SAME`` describe one incident (read from the labels: the same meeting reported by two
  articles, one force entering neighbouring villages at dawn); every other pair is distinct
  (another day, another unit, another target of a wave of strikes).

The rule is judged at the level of incidents, as ingest assigns them: a pair is linked when
``link_reports`` gives both reports one incident. The transitive closure of the rule's pairs
(the first version's grouping) is printed alongside.

Run: python bench/incident_precision.py [--write-pairs]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conflictmap import default_registry, read_events
from conflictmap.store.incidents import IncidentRule, candidate_pairs, link_reports, load_rule
from conflictmap.store.rows import encode_rows

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = {
    "ACLED": "acled_middle_east_2020-04-27_2020-05-09.csv",
    "UCDP": "ucdp_ged231_sample_uncertainUCDP.csv",
}
PAIRS = Path(__file__).with_name("incident_pairs.csv")
EVENTS_SAME = {("SYR78246", "UCDP340050")}
NEWS_SAME = {
    ("01#0", "01#1"),  # one force of three vehicles entered Maariya and Abidin at dawn
    ("01#0", "01#2"),  # ... and reached the outskirts of Kouya
    ("01#1", "01#2"),
    ("12#0", "12#1"),  # the Damascus tripartite meeting and the roadmap it adopted
    ("12#2", "13#0"),  # the Amman meeting of 12 August 2025, reported by two articles
    ("12#3", "13#1"),  # the Amman meeting of 19 July 2025, reported by two articles
}
COLUMNS = ["event_id", "event_date", "date_end", "layer", "geo_precision", "country", "admin1"]
COLUMNS += ["actor1", "actor2", "incident_id", "geometry"]


def event_reports(rule: IncidentRule) -> pd.DataFrame:
    """Return the ACLED and UCDP rows as reports, with a ``dataset`` column."""
    frames = []
    for name, file in FILES.items():
        events = read_events(SHARED / "events" / file)
        rows = encode_rows(events, registry=default_registry(), km=rule.max_km, days=rule.max_days_apart)
        rows = rows.assign(incident_id=None, geometry=np.asarray(events.geometry.array, dtype=object))
        frames.append(rows[COLUMNS].assign(dataset=name))
    return pd.concat(frames, ignore_index=True)


def news_reports() -> pd.DataFrame:
    """Return the dated, located hand-labelled events of news-dev as reports (ids and labels only)."""
    registry = default_registry()
    rows = []
    for path in sorted((SHARED / "news-dev").glob("*.labels.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        places: dict[str, dict] = {}
        for place in doc["places"]:
            if place.get("lat") is not None and place.get("role") in ("site", "venue"):
                places.setdefault(place["text"], place)
        for k, event in enumerate(doc["events"]):
            place = places.get(event["site"])
            category = registry.resolve(event["type"])
            if place is None or not event.get("date") or category is None:
                continue
            rows.append(
                {
                    "event_id": f"{path.name[:2]}#{k}",
                    "event_date": pd.Timestamp(event["date"]),
                    "date_end": pd.NaT,
                    "layer": registry.layer_of(category),
                    "geo_precision": 1 if place["kind"] == "point" else 3,
                    "country": place.get("country"),
                    "admin1": place.get("admin1"),
                    "actor1": event.get("actor1"),
                    "actor2": event.get("actor2"),
                    "incident_id": None,
                    "geometry": shapely.Point(place["lon"], place["lat"]),
                    "dataset": None,  # extracted article events carry no curated dataset
                }
            )
    frame = pd.DataFrame(rows)
    frame["event_date"] = frame["event_date"].astype("datetime64[s]")
    frame["date_end"] = frame["date_end"].astype("datetime64[s]")
    frame["geo_precision"] = frame["geo_precision"].astype("Int8")
    return frame


def rule_pairs(reports: pd.DataFrame, rule: IncidentRule) -> np.ndarray:
    return candidate_pairs(reports, rule=rule, is_new=np.ones(len(reports), dtype=bool))


def as_ids(reports: pd.DataFrame, pairs: np.ndarray) -> set[tuple[str, str]]:
    ids = reports["event_id"].astype(str).to_numpy(dtype=object)
    return {tuple(sorted((ids[a], ids[b]))) for a, b in pairs.tolist()}


def grouped(reports: pd.DataFrame, groups: np.ndarray, labelled: set[tuple[str, str]]) -> set:
    """The labelled pairs whose two reports share a group."""
    of = dict(zip(reports["event_id"].astype(str), groups, strict=True))
    return {p for p in labelled if of[p[0]] == of[p[1]]}


def label_set(name: str, reports: pd.DataFrame, same: set[tuple[str, str]]) -> pd.DataFrame:
    loose = IncidentRule(
        max_km=50,
        max_days_apart=3,
        max_span_days=7,
        region_precision=3,
        actors="any",
        distinct_within_dataset=False,
    )
    pairs = as_ids(reports, rule_pairs(reports, loose)) | same
    rows = [(a, b, name, "same" if (a, b) in same else "distinct") for a, b in sorted(pairs)]
    return pd.DataFrame(rows, columns=["event_id_a", "event_id_b", "set", "label"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write-pairs", action="store_true", help="rebuild bench/incident_pairs.csv")
    args = parser.parse_args()
    if not (SHARED / "events").is_dir() or not (SHARED / "news-dev").is_dir():
        sys.exit("../shared/data/events or ../shared/data/news-dev is not present")
    rule = load_rule()
    sets = {"events": event_reports(rule), "news-dev": news_reports()}
    if args.write_pairs:
        same = {"events": EVENTS_SAME, "news-dev": {tuple(sorted(p)) for p in NEWS_SAME}}
        table = pd.concat([label_set(name, reports, same[name]) for name, reports in sets.items()])
        table.to_csv(PAIRS, index=False)
    table = pd.read_csv(PAIRS, dtype=str)
    print(f"{len(table)} labelled pairs: {table.groupby(['set', 'label']).size().to_dict()}")
    for name, reports in sets.items():
        subset = table[table["set"] == name]
        labelled = set(zip(subset["event_id_a"], subset["event_id_b"], strict=True))
        same = subset[subset["label"] == "same"]
        truth = set(zip(same["event_id_a"], same["event_id_b"], strict=True))
        pairs = rule_pairs(reports, rule)
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(reports),) * 2)
        closure = connected_components(graph, directed=False)[1]
        ids, _ = link_reports(reports, rule=rule, is_new=np.ones(len(reports), dtype=bool))
        for title, groups in (("shipped rule", ids.to_numpy(dtype=object)), ("transitive closure", closure)):
            linked = grouped(reports, groups, labelled)
            hits = len(linked & truth)
            precision = hits / len(linked) if linked else float("nan")
            recall = hits / len(truth) if truth else float("nan")
            print(
                f"{name} ({len(reports)} reports, {len(subset)} labelled pairs, {len(truth)} same), "
                f"{title}: links {len(linked)} labelled pairs, {hits} of them same incident; "
                f"precision {precision:.2f}, recall {recall:.2f}"
            )
            if title != "shipped rule":
                continue
            wrong = sorted(linked - truth)
            if len(wrong) <= 20:
                print("  linked but labelled distinct:", ", ".join(" ~ ".join(p) for p in wrong))
            missed = sorted(truth - linked)
            print("  same but not linked:", ", ".join(" ~ ".join(p) for p in missed) or "none")


if __name__ == "__main__":
    main()
