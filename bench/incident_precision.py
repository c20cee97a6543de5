"""Precision of the incident rule on pairs built from ../shared's ACLED and UCDP rows.

The labelled pairs (bench/incident_pairs.csv: two event ids and a label, no row content) are
every pair of reports of one dataset that a loose rule (same group, 50 km or the same admin-1
unit, 3 days) would consider. Their label is "distinct": ACLED and UCDP each code an incident
once, so two rows of one dataset are two incidents by the dataset's own method. Each pair linked
by the shipped rule is therefore a false link; the script prints how many, split by the part of
the rule (point distance or region-level) that linked them.

Run: python bench/incident_precision.py [--write-pairs]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conflictmap import default_registry, read_events
from conflictmap.store.incidents import IncidentRule, candidate_pairs, load_rule
from conflictmap.store.rows import encode_rows

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "events"
FILES = {
    "ACLED": "acled_middle_east_2020-04-27_2020-05-09.csv",
    "UCDP": "ucdp_ged231_sample_uncertainUCDP.csv",
}
PAIRS = Path(__file__).with_name("incident_pairs.csv")


def reports_of(path: Path, rule: IncidentRule) -> pd.DataFrame:
    events = read_events(path)
    rows = encode_rows(events, registry=default_registry(), km=rule.max_km, days=rule.max_days_apart)
    cols = [
        "event_id",
        "event_date",
        "date_end",
        "layer",
        "geo_precision",
        "country",
        "admin1",
        "actor1",
        "actor2",
    ]
    reports = rows[cols].copy()
    reports["incident_id"] = None
    reports["geometry"] = np.asarray(events.geometry.array, dtype=object)
    return reports


def pairs_of(reports: pd.DataFrame, rule: IncidentRule) -> set[tuple[str, str]]:
    found = candidate_pairs(reports, rule=rule, is_new=np.ones(len(reports), dtype=bool))
    ids = reports["event_id"].to_numpy(dtype=object)
    return {tuple(sorted((ids[a], ids[b]))) for a, b in found}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write-pairs", action="store_true", help="rebuild bench/incident_pairs.csv")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit("../shared/data/events is not present")
    rule = load_rule()
    loose = IncidentRule(max_km=50, max_days_apart=3, max_span_days=7, region_precision=3, actors="any")
    points_only = IncidentRule(**{**rule.__dict__, "region_precision": 99})
    labelled: list[tuple[str, str, str, str]] = []
    for name, file in FILES.items():
        reports = reports_of(SHARED / file, rule)
        labelled += [(a, b, name, "distinct") for a, b in sorted(pairs_of(reports, loose))]
    if args.write_pairs:
        pd.DataFrame(labelled, columns=["event_id_a", "event_id_b", "dataset", "label"]).to_csv(
            PAIRS, index=False
        )
    table = pd.read_csv(PAIRS)
    print(f"{len(table)} labelled pairs ({table['label'].value_counts().to_dict()})")
    for name, file in FILES.items():
        reports = reports_of(SHARED / file, rule)
        subset = table[table["dataset"] == name]
        labels = {
            (a, b): lab for a, b, lab in subset[["event_id_a", "event_id_b", "label"]].itertuples(index=False)
        }
        for title, which in (("shipped rule", rule), ("point-level part only", points_only)):
            linked = pairs_of(reports, which)
            judged = [labels[p] for p in linked if p in labels]
            same = judged.count("same")
            precision = same / len(judged) if judged else float("nan")
            print(
                f"{name} ({len(reports)} rows, {len(subset)} labelled pairs), {title}: "
                f"links {len(linked)} pairs, "
                f"{len(judged)} labelled: {same} same incident, {len(judged) - same} distinct; "
                f"precision {precision:.2f}"
            )


if __name__ == "__main__":
    main()
