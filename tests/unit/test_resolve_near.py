"""Asking a name again near other places re-ranks its first answer: the same as resolving anew."""

from __future__ import annotations

from pathlib import Path

import yaml

from geo.resolve import Resolver, _Context

SPELLINGS = Path(__file__).resolve().parents[1] / "data" / "place_spellings.yaml"
NEAR = [(33.5, 36.3), (32.6, 36.1), (35.9, 39.0), (36.2, 37.1), (33.9, 35.5)]


def _names() -> list[str]:
    data = yaml.safe_load(SPELLINGS.read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else next(iter(v for v in data.values() if isinstance(v, list)))
    return [i.get("name") or i.get("query") or i.get("text") for i in items if isinstance(i, dict)][:120]


def test_reranking_near_a_place_equals_resolving_anew(gazetteer_cache):
    resolver = Resolver()
    names = [n for n in _names() if n]
    assert len(names) >= 100
    for name in names:
        for near in NEAR:
            fast = resolver.resolve(name, country="SY", near=near, inferred=True)
            anew = Resolver(gazetteer=resolver.gazetteer)._resolve(
                name, _Context("SY", None, near, explicit=False)
            )
            assert (fast.place, fast.candidates, fast.reason, fast.match) == (
                anew.place,
                anew.candidates,
                anew.reason,
                anew.match,
            ), (name, near)
