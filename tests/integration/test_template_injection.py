"""No text from events, options or category files is ever run as a Jinja template.

branca compiles ``Element(text)`` and every rendered macro as a template; a ``{{ ... }}`` in a
place name or a ``--title`` used to run on the machine that made the map (issue 10). Every text
field of the events, the title, the outline label and every category property here holds a
template payload, marked ``<field>:<payload>:end``; the page must show each marker as the page
escapes text (HTML or JSON), and never the marker with the payload evaluated (``:49:``).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import jinja2
import pytest
import shapely
import yaml
from branca.element import Element, MacroElement
from click.testing import CliRunner
from folium.elements import ElementAddToElement
from jinja2.utils import htmlsafe_json_dumps

import conflictmap
from conflictmap.cli import cli
from layers import event_map
from layers.element import safe_json
from layers.literal import LiteralMacroElement

PAYLOADS = [
    "{{ 7*7 }}",
    "{% for x in [1] %}x{% endfor %}",
    "{# c #}",
    "{{ lipsum.__globals__ }}",
    "<i>{{ 7*7 }}</i>",
]
# Text fields of the model and an extra column; coordinates, dates, category and country are
# typed or checked and carry no free text.
EVENT_FIELDS = (
    "event_id", "sub_event_type", "actor1", "actor2", "location", "place_id", "place_name",
    "admin1", "notes", "source", "extra_column",
)  # fmt: skip
# What the page shows of an event (the popup text, the subtitle, the search box).
SHOWN = (
    "event_id", "sub_event_type", "actor1", "actor2", "location", "place_name", "admin1", "notes", "source",
)  # fmt: skip
SYRIA = [(33.51, 36.29), (32.71, 36.57), (35.13, 36.75), (36.20, 37.15), (34.73, 36.71)]
PARIS = (48.8566, 2.3522)
SUWAYDA = shapely.box(36.3, 32.5, 36.9, 33.0)


def mark(field: str, payload: str) -> str:
    return f"{field}:{payload}:end"


def written(text: str) -> set[str]:
    """The ways the page writes a text: HTML-escaped, in a JSON string (ours or Jinja's), or both.

    Layer names are both: the LayerControl takes them as HTML, in a JSON string.
    """
    forms = {text, html.escape(text)}
    return {html.escape(text)} | {
        json_text[1:-1] for form in forms for json_text in (safe_json(form), str(htmlsafe_json_dumps(form)))
    }


def shown(page: str, text: str) -> bool:
    return any(form in page for form in written(text))


def hostile_files(folder: Path, payload: str) -> tuple[Path, Path]:
    """An events GeoJSON (Syrian points, a region, talks in Paris) and a categories YAML."""
    category = mark("key", payload)
    cats = {
        "layers": [mark("layer", payload)],
        "categories": {
            category: {
                "label": mark("label", payload),
                "layer": mark("layer", payload),
                "color": "#123456",
                "marker_color": "cadetblue",
                "icon": "bomb",
                "aliases": [mark("alias", payload)],
            }
        },
    }
    categories = folder / "cats.yaml"
    categories.write_text(yaml.safe_dump(cats, allow_unicode=True), encoding="utf-8")

    def event(i: int, geometry: dict, kind: str, country: str) -> dict:
        text = {field: mark(field, payload) for field in EVENT_FIELDS}
        text["event_id"] = f"{mark('event_id', payload)}#{i}"
        props = text | {
            "event_date": f"2025-03-0{i + 1}",
            "category": kind,
            "country": country,
            "source_url": f"https://example.org/{mark('source_url', payload)}",
        }
        return {"type": "Feature", "properties": props, "geometry": geometry}

    # The events name their category by key, by label and by alias: all three must resolve.
    kinds = [category, mark("label", payload), mark("alias", payload), "airstrike", "shelling"]
    features = [
        event(i, {"type": "Point", "coordinates": [lon, lat]}, kind, "SY")
        for i, ((lat, lon), kind) in enumerate(zip(SYRIA, kinds, strict=True))
    ]
    features.append(event(5, shapely.geometry.mapping(SUWAYDA), category, "SY"))
    features.append(event(6, {"type": "Point", "coordinates": [PARIS[1], PARIS[0]]}, "diplomatic", "FR"))
    events = folder / "events.geojson"
    events.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return events, categories


def assert_literal(page: str, payload: str, *, fields: tuple[str, ...]) -> None:
    """Every marker is in the page as text; none is there with its payload evaluated."""
    for field in fields:
        assert shown(page, mark(field, payload)), f"{field}: {mark(field, payload)!r} not in the page"
    evaluated = jinja2.Template(payload).render()
    assert evaluated != payload
    for field in (*EVENT_FIELDS, "source_url", "title", "key", "label", "layer", "alias", "outline"):
        assert not shown(page, mark(field, evaluated)), f"{field}: the payload {payload!r} was evaluated"
    for result in (":49:", ":42:", "jinja2.utils", "x:end", "::end"):
        assert result not in page


@pytest.mark.parametrize("renderer", ["markers", "canvas"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_api_map_shows_template_text_literally(tmp_path: Path, payload: str, renderer: str) -> None:
    events_path, categories = hostile_files(tmp_path, payload)
    registry = conflictmap.load_registry([categories])
    events = conflictmap.read_events(events_path, registry=registry)
    key = mark("key", payload)
    assert events["category"].tolist()[:3] == [key, key, key]  # by key, label and alias
    assert events["extra_column"].eq(mark("extra_column", payload)).all()
    fmap = event_map(
        events,
        title=mark("title", payload),
        tiles="offline" if renderer == "canvas" else "OpenStreetMap",
        registry=registry,
        outlines=[(mark("outline", payload), SUWAYDA)],
        renderer=renderer,
    )
    page = fmap.get_root().render()
    assert f'"mode":"{renderer}"' in page
    assert f"<h1>{html.escape(mark('title', payload))}</h1>" in page
    # Paris is far from the rest: the subtitle names it.
    assert f"1 farther away ({html.escape(mark('place_name', payload))}): zoom out" in page
    assert_literal(page, payload, fields=(*SHOWN, "source_url", "title", "key", "label", "layer", "outline"))


def test_every_element_of_the_map_renders_literally(tmp_path: Path) -> None:
    """Each MacroElement in the page renders its macros once (the guard for new elements)."""
    events_path, categories = hostile_files(tmp_path, PAYLOADS[0])
    registry = conflictmap.load_registry([categories])
    events = conflictmap.read_events(events_path, registry=registry)
    for tiles, renderer in (("OpenStreetMap", "markers"), ("offline", "canvas")):
        fmap = event_map(
            events, tiles=tiles, renderer=renderer, registry=registry, outlines=[("box", SUWAYDA)]
        )
        root = fmap.get_root()
        root.render()
        kinds: set[type] = set()
        stack: list[Element] = [root]
        while stack:
            element = stack.pop()
            kinds.add(type(element))
            stack.extend(element._children.values())
        macros = {kind for kind in kinds if issubclass(kind, MacroElement)}
        # folium's Layer.render adds ElementAddToElement itself; it writes two element ids.
        compiled = {kind for kind in macros if not issubclass(kind, LiteralMacroElement)}
        assert compiled == {ElementAddToElement}, compiled
        assert len(macros) >= 15


def test_cli_map_shows_template_text_literally(tmp_path: Path) -> None:
    payload = " ".join(PAYLOADS)
    events_path, categories = hostile_files(tmp_path, payload)
    out = tmp_path / "map.html"
    result = CliRunner().invoke(
        cli,
        [
            "map", str(events_path), "-o", str(out), "--title", mark("title", payload),
            "--categories", str(categories), "--tiles", "offline", "--renderer", "canvas",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert f"<h1>{html.escape(mark('title', payload))}</h1>" in page
    assert f"({html.escape(mark('place_name', payload))}): zoom out" in page
    assert_literal(page, payload, fields=(*SHOWN, "source_url", "title", "key", "label", "layer"))
    said = result.output.replace(str(tmp_path), "<tmp>")  # pytest's tmp path may hold any digits
    assert "49" not in said and "jinja2.utils" not in said


@pytest.mark.parametrize("field", ["icon", "color", "marker_color"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_category_styles_holding_a_template_are_refused(tmp_path: Path, payload: str, field: str) -> None:
    """Icon and colours go into attributes: only names and hex colours pass, so no payload does."""
    _, categories = hostile_files(tmp_path, payload)
    cats = yaml.safe_load(categories.read_text(encoding="utf-8"))
    entry = cats["categories"][mark("key", payload)]
    entry[field] = payload
    categories.write_text(yaml.safe_dump(cats), encoding="utf-8")
    with pytest.raises(conflictmap.ConfigurationError) as caught:
        conflictmap.load_registry([categories])
    where = f"{categories}: category {mark('key', payload)!r}: {field} {payload!r}"
    assert str(caught.value).startswith(where)


def test_cli_refuses_a_category_icon_holding_a_template(tmp_path: Path) -> None:
    events_path, categories = hostile_files(tmp_path, PAYLOADS[0])
    cats = yaml.safe_load(categories.read_text(encoding="utf-8"))
    cats["categories"][mark("key", PAYLOADS[0])]["icon"] = "{{ 6*7 }}"
    categories.write_text(yaml.safe_dump(cats), encoding="utf-8")
    out = tmp_path / "map.html"
    result = CliRunner().invoke(
        cli, ["map", str(events_path), "-o", str(out), "--categories", str(categories), "--tiles", "none"]
    )
    assert result.exit_code == 2, result.output
    assert f"{categories}: category 'key:{{{{ 7*7 }}}}:end': icon '{{{{ 6*7 }}}}' is not a Font Awesome" in (
        result.output
    )
    said = result.output.replace(str(tmp_path), "<tmp>")  # pytest's tmp path may hold any digits
    assert "42" not in said and "Traceback" not in said
    assert not out.exists()
