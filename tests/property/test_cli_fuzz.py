"""Fuzz the command line: malformed options and inputs end in exit 0 or 2, never 1.

Every example runs the real entry point (:func:`conflictmap.cli.main`, the one the console script
calls) in-process, with an output file that already exists. Whatever hypothesis draws, the run
must exit 0 or 2 with no traceback and no "Unexpected error", and after exit 2 the old output is
byte-for-byte intact and no temporary file is left beside it.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.cli import main
from conflictmap.resources import data_path

SAMPLE = str(data_path("events/seed-article.geojson"))
OLD_OUTPUT = b"previous output, must survive a failed run\n"

# Texts that stress parsers: numbers out of range, separators, markup, control characters.
nasty_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "inf",
            "-inf",
            "nan",
            "1e309",
            "-1",
            "0",
            "95,200",
            "-91,0",
            "33.1,36.2",
            "1,2,3,4",
            "10,40,0,30",
            "181,-90,-181,90",
            "2025-13-45",
            "2025-02-30",
            "0000-01-01",
            "9999-12-31",
            "10000-01-01",
            "2025",
            "2026-01",
            "yesterday",
            "{{ 7*7 }}",
            "<script>",
            "\x00",
            "\u202e",
            "9" * 400,
            "southern Syria",
            "Quneitra",
            "northern Syria",
            "Atlantis",
        ]
    ),
)

dates = st.one_of(nasty_text, st.dates().map(str))


def _numbers() -> st.SearchStrategy[str]:
    floats = st.floats(allow_nan=True, allow_infinity=True).map(repr)
    return st.one_of(floats, st.integers().map(str), nasty_text)


@st.composite
def option_sets(draw: st.DrawFn, within_files: dict[str, Path]) -> list[str]:
    """A random mix of the filter, region and reading options with malformed values."""
    args: list[str] = []
    if draw(st.booleans()):
        args += ["--since", draw(dates)]
    if draw(st.booleans()):
        args += ["--until", draw(dates)]
    for _ in range(draw(st.integers(0, 2))):
        args += ["--category", draw(nasty_text)]
    for _ in range(draw(st.integers(0, 2))):
        args += ["--region", draw(nasty_text)]
    if draw(st.booleans()):
        args += ["--bbox", ",".join(draw(st.lists(_numbers(), min_size=0, max_size=5)))]
    if draw(st.booleans()):
        args += ["--near", draw(st.one_of(nasty_text, st.tuples(_numbers(), _numbers()).map(",".join)))]
        args += ["--km", draw(_numbers())]
    elif draw(st.booleans()):
        args += ["--km", draw(_numbers())]
    if draw(st.booleans()):
        args += ["--within", str(within_files[draw(st.sampled_from(sorted(within_files)))])]
    if draw(st.booleans()):
        args += ["--country", draw(nasty_text)]
    if draw(st.booleans()):
        args += ["--encoding", draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "nope", "", "ascii"]))]
    if draw(st.booleans()):
        args.append("--contained")
    return args


def _within_files(folder: Path) -> dict[str, Path]:
    polygon = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[35.5, 32.5], [36.5, 32.5], [36.5, 33.5], [35.5, 33.5], [35.5, 32.5]]],
                },
            }
        ],
    }
    points = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [36, 33]}}
        ],
    }
    files = {
        "polygon.geojson": json.dumps(polygon),
        "points.geojson": json.dumps(points),
        "empty.geojson": "",
        "broken.geojson": '{"type": "FeatureCollection", "features": [',
        "table.csv": "a,b\n1,2\n",
        "nested.geojson": "[" * 5000 + "]" * 5000,
    }
    out = {}
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        out[name] = path
    out["missing.geojson"] = folder / "missing.geojson"
    out["folder"] = folder
    return out


def run_cli(args: list[str], *, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the console entry point in-process; return its exit code and everything it printed."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with monkeypatch.context() as patch:
        patch.setattr(sys, "argv", ["conflictmap", *args])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    return code, out.getvalue() + err.getvalue()


def _check(code: int, printed: str, output: Path) -> None:
    assert code in (0, 2), printed
    assert "Traceback" not in printed, printed
    assert "Unexpected error" not in printed, printed
    leftovers = [p.name for p in output.parent.glob(f".{output.name}*")]
    assert not leftovers, leftovers
    if code == 2:
        assert output.read_bytes() == OLD_OUTPUT


FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def within_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _within_files(tmp_path_factory.mktemp("within"))


def test_malformed_options_exit_0_or_2(within_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch):
    @FUZZ
    @given(
        command=st.sampled_from(["export", "filter", "map"]),
        options=option_sets(within_files),
    )
    def check(command: str, options: list[str]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            output = Path(folder) / ("out.html" if command == "map" else "out.geojson")
            output.write_bytes(OLD_OUTPUT)
            extra = ["--tiles", "none"] if command == "map" else []
            code, printed = run_cli(
                [command, SAMPLE, "-o", str(output), "-q", *extra, *options], monkeypatch=monkeypatch
            )
            _check(code, printed, output)

    check()


# -- malformed input files ----------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "event_date",
    "date_end",
    "category",
    "location",
    "actor1",
    "fatalities",
    "geo_precision",
    "time_precision",
    "country",
    "latitude",
    "longitude",
    "event_id",
    "notes",
    "source_url",
]


@st.composite
def geojson_documents(draw: st.DrawFn) -> str:
    """A FeatureCollection whose features carry random values in the event fields."""
    features = []
    for _ in range(draw(st.integers(1, 3))):
        props = {"event_date": "2025-03-01", "category": "airstrike", "location": "Quneitra"}
        for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
            props[name] = draw(json_values)
        coords = draw(
            st.one_of(
                st.none(),
                st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=0, max_size=4),
                st.just([36.0, 33.0]),
            )
        )
        geometry = None if coords is None else {"type": "Point", "coordinates": coords}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    text = json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=False)
    if draw(st.booleans()):  # damage the text itself
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", "NaN", "1e999", "\x00", "]]", '"'])) + text[cut:]
    return text


@st.composite
def csv_documents(draw: st.DrawFn) -> str:
    """A CSV table of event fields with random cells, quotes and delimiters."""
    columns = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=6, unique=True))
    cell = st.one_of(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
        st.sampled_from(
            ['"', '""', '"a,b', "1e30", "-5", "2.5", "9" * 25, "inf", "2025-01-01", "0999-01-01"]
        ),
        _numbers(),
    )
    rows = [",".join(columns)]
    for _ in range(draw(st.integers(0, 4))):
        rows.append(",".join(draw(cell) for _ in columns))
    return "\n".join(rows) + draw(st.sampled_from(["", "\n", "\r\n"]))


@pytest.mark.parametrize(
    ("suffix", "documents"),
    [(".geojson", geojson_documents()), (".csv", csv_documents()), (".yaml", st.text(max_size=200))],
    ids=["geojson", "csv", "yaml"],
)
def test_malformed_inputs_exit_0_or_2(suffix: str, documents, monkeypatch: pytest.MonkeyPatch):
    @FUZZ
    @given(text=documents, command=st.sampled_from(["export", "map"]))
    def check(text: str, command: str) -> None:
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / f"input{suffix}"
            source.write_text(text, encoding="utf-8", errors="surrogatepass")
            output = Path(folder) / ("out.html" if command == "map" else "out.csv")
            output.write_bytes(OLD_OUTPUT)
            extra = ["--tiles", "none"] if command == "map" else []
            code, printed = run_cli(
                [command, str(source), "-o", str(output), "-q", "--no-geocode", *extra],
                monkeypatch=monkeypatch,
            )
            _check(code, printed, output)

    check()


def test_fuzz_harness_sees_a_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The harness itself: a good run exits 0 and writes; a bad option exits 2 and keeps the output."""
    output = tmp_path / "out.geojson"
    output.write_bytes(OLD_OUTPUT)
    code, printed = run_cli(["export", SAMPLE, "-o", str(output), "-q"], monkeypatch=monkeypatch)
    assert code == 0, printed
    assert json.loads(output.read_text())["type"] == "FeatureCollection"
    output.write_bytes(OLD_OUTPUT)
    code, printed = run_cli(["export", SAMPLE, "-o", str(output), "--km", "5"], monkeypatch=monkeypatch)
    assert code == 2, printed
    assert output.read_bytes() == OLD_OUTPUT
