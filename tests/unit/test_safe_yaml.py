"""conflictmap._yaml: plain data as yaml.safe_load gives it, and no aliases (billion laughs)."""

from __future__ import annotations

import itertools

import pytest
import yaml

from conflictmap import _yaml
from conflictmap._yaml import YAMLAliasError, compose_yaml, load_yaml


def billion_laughs(levels: int = 9) -> str:
    """The classic alias bomb: each level is nine aliases of the one before (9**levels strings)."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"[:levels]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.fixture(params=["libyaml", "python"])
def loader(request, monkeypatch):
    """Run each test with libyaml's loader (when PyYAML has it) and with the pure-Python one."""
    if request.param == "libyaml":
        if not hasattr(yaml, "CSafeLoader"):
            pytest.skip("PyYAML was built without libyaml")
        monkeypatch.setattr(_yaml, "_Loader", yaml.CSafeLoader)
    else:
        monkeypatch.setattr(_yaml, "_Loader", yaml.SafeLoader)
    return request.param


TEXTS = [
    "",
    "a: 1\nb: [x, 'y', 2.5, null, true]\n",
    "- {event_date: 2025-03-01, location: 'Daraa', fatalities: 3}\n- notes: 'five * six & co'\n",
    "title: 'Israel & Lebanon'\nstars: '***'\nplain: a*b\n",
    "unused: &anchor [1, 2]\n",  # an anchor that nothing refers to expands nothing
    "text: |\n  line one\n  *not an alias inside a block scalar*\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_plain_documents_load_as_safe_load_loads_them(loader, text):
    assert load_yaml(text) == yaml.safe_load(text)


def test_compose_gives_the_nodes_with_their_lines(loader):
    node, data = compose_yaml("events:\n  - a: 1\n\n  - b: 2\n")
    assert data == {"events": [{"a": 1}, {"b": 2}]}
    ((key, events),) = node.value
    assert key.value == "events"
    assert [item.start_mark.line + 1 for item in events.value] == [2, 4]
    assert compose_yaml("") == (None, None)


def test_billion_laughs_is_refused_at_its_first_alias(loader):
    with pytest.raises(YAMLAliasError) as caught:
        load_yaml(billion_laughs(9))
    err = caught.value
    assert (err.line, err.column, err.anchor) == (2, 8, "a")
    assert str(err) == (
        "line 2, column 8: YAML anchors and aliases are not allowed (found the alias *a); "
        "write the repeated value out in full"
    )
    assert isinstance(err, yaml.YAMLError)  # callers that catch YAMLError report it as before


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("base: &b {lat: 1, lon: 2}\nDaraa:\n  <<: *b\n", (3, 7)),  # merge key
        ("- &x a\n- *x\n", (2, 3)),
        ("a: &x [*x]\n", (1, 8)),  # recursive
        ("a: *nowhere\n", (1, 4)),  # undefined: still an alias
        ("? &k key\n: 1\n*k : 2\n", (3, 1)),  # alias as a mapping key
    ],
)
def test_every_kind_of_alias_is_refused(loader, text, where):
    with pytest.raises(YAMLAliasError) as caught:
        load_yaml(text)
    assert (caught.value.line, caught.value.column) == where


def test_a_long_anchor_name_is_shortened_in_the_message(loader):
    name = "n" * 5000
    with pytest.raises(YAMLAliasError) as caught:
        load_yaml(f"a: &{name} 1\nb: *{name}\n")
    assert caught.value.anchor == name
    assert len(str(caught.value)) < 200


def test_deep_nesting_is_a_yaml_error_not_a_crash(loader):
    with pytest.raises(yaml.YAMLError):
        load_yaml("[" * 100_000 + "]" * 100_000)


def test_syntax_errors_stay_yaml_errors(loader):
    with pytest.raises(yaml.YAMLError) as caught:
        load_yaml("a: [1, 2\nb: 3\n")
    assert not isinstance(caught.value, YAMLAliasError)


def test_tags_that_build_python_objects_are_refused(loader):
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.getcwd []\n")
