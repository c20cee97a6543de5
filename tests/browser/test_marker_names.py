from __future__ import annotations

from collections import Counter

from offline import show_every_place

import conflictmap
from conflictmap.pipeline import write_map
from conflictmap.resources import data_path


def test_markers_carry_their_category_and_place_for_screen_readers(open_map, tmp_path):
    events = conflictmap.read_events(data_path("events/seed-article.geojson"))
    html = tmp_path / "seed.html"
    write_map(events, html)
    page = open_map(html).page
    page.wait_for_function("() => document.documentElement.getAttribute('data-cm-ready') === '1'")
    show_every_place(page)  # no marker in a cluster
    page.wait_for_function("document.querySelectorAll('.cm-marker[aria-label]').length === 10")
    labels = page.eval_on_selector_all(
        ".cm-marker[aria-label]", "nodes => nodes.map(n => n.getAttribute('aria-label'))"
    )
    assert Counter(label.split(",")[0] for label in labels) == Counter(
        {
            "Statement or proposal": 4,
            "Agreement": 2,
            "Diplomatic meeting": 1,
            "Ground incursion": 1,
            "Airstrike": 1,
            "Unrest": 1,
        }
    )
    assert labels.count("Statement or proposal, Damascus, Damascus, SY") == 2
