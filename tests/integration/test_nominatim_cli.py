"""``conflictmap export --geocoder nominatim`` end to end against a local fake Nominatim.

The installed command runs in a subprocess with the CLI's real settings: Nominatim's policy delay
of one second between requests, and the default retries and backoff. The place names are
invented, so the offline gazetteer does not know them and every one goes to the server. Each
test gets its own geocoding cache; the gazetteer index is shared by the session.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conflictmap.cli import cli

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # lets this module `import fake_nominatim` under --import-mode=importlib
    sys.path.insert(0, str(HERE))

from fake_nominatim import FakeNominatim, place  # noqa: E402

EXE = Path(sys.executable).parent / "conflictmap"
UA = "conflictmap-tests/1.0 (test@example.org)"
# Invented places (none is in the gazetteer, not even by its consonants).
FOUND = "Qaryat al-Mithal"  # answered at once
RATE_LIMITED = "Tall Nowhere"  # 429 with Retry-After once, then answered
BROKEN = "Khirbat Imaginaria"  # HTTP 500 every time
GARBLED = "Mazraat Fictitia"  # 200 with a body that is not JSON
UNKNOWN = "Zzyzx Quibbleton"  # Nominatim finds nothing
PLACES = {
    FOUND: place(name=FOUND, lat=33.0112, lon=36.0237, display_name=f"{FOUND}, Daraa, Syria", osm_id=101,
                 osm_type="node", category="place", type_="village"),
    RATE_LIMITED: place(name=RATE_LIMITED, lat=32.9021, lon=36.1843, display_name=f"{RATE_LIMITED}, Syria",
                        osm_id=102, osm_type="node", category="place", type_="village"),
    BROKEN: place(name=BROKEN, lat=33.2, lon=35.9, osm_id=103),
    GARBLED: place(name=GARBLED, lat=33.3, lon=36.0, osm_id=104),
    UNKNOWN: place(name=UNKNOWN, lat=33.4, lon=36.1, osm_id=105),
}  # fmt: skip


@pytest.fixture
def own_cache(gazetteer_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache directory (empty geocoding cache) that links the shared gazetteer index."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for index in gazetteer_cache.glob("gazetteer-*"):
        (cache / index.name).symlink_to(index)
    monkeypatch.setenv("CONFLICTMAP_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def server():
    with FakeNominatim(PLACES) as fake:
        yield fake


def export(inputs: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), "export", str(inputs), "-o", str(out), *options],
        cwd=inputs.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def online(server: FakeNominatim) -> tuple[str, ...]:
    return ("--geocoder", "nominatim", "--geocoder-url", server.url, "--user-agent", UA)


def features(path: Path) -> dict[str, dict]:
    return {f["id"]: f for f in json.loads(path.read_text(encoding="utf-8"))["features"]}


def events_csv(write, *names: str) -> Path:
    rows = [f"ev-{i},2025-06-{i + 1:02d},{name},shelling" for i, name in enumerate(names)]
    return write("events.csv", "\n".join(["event_id,event_date,location,category", *rows]) + "\n")


def test_faults_are_reported_and_no_event_is_lost(server, own_cache, write, tmp_path):
    server.rate_limited(RATE_LIMITED, retry_after=1, times=1)
    server.status(BROKEN, 500, times=None)
    server.malformed(GARBLED, times=None)
    server.empty(UNKNOWN, times=None)
    # FOUND twice: one distinct name, one request, two located events.
    inputs = events_csv(write, FOUND, RATE_LIMITED, BROKEN, GARBLED, UNKNOWN, FOUND)
    out = tmp_path / "located.geojson"

    proc = export(inputs, out, *online(server))

    assert proc.returncode == 0, proc.stderr
    assert "Read 6 events from 1 input; filtered out 0; unlocated 3; written 6." in proc.stderr
    assert "located from place names: 3 (3 by nominatim)" in proc.stderr
    got = features(out)
    assert list(got) == [f"ev-{i}" for i in range(6)]  # count in == count out, order kept

    for event_id, name in (("ev-0", FOUND), ("ev-1", RATE_LIMITED), ("ev-5", FOUND)):
        feature = got[event_id]
        expected = PLACES[name]
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == pytest.approx((float(expected["lon"]), float(expected["lat"])))  # x = lon
        props = feature["properties"]
        assert props["located"] is True
        assert props["place_id"] == f"nominatim:node{expected['osm_id']}"
        assert props["place_name"] == name
        assert props["location"] == name
        assert props["geo_precision"] == 1
        assert (props["admin1"], props["country"]) == ("Daraa", "SY")  # filled in from the point
    for event_id, name in (("ev-2", BROKEN), ("ev-3", GARBLED), ("ev-4", UNKNOWN)):
        assert got[event_id]["geometry"] is None
        assert got[event_id]["properties"]["located"] is False
        assert got[event_id]["properties"]["place_id"] is None
        assert got[event_id]["properties"]["location"] == name

    (not_located,) = [
        line for line in proc.stderr.splitlines() if "not located (kept, without geometry)" in line
    ]
    for name in (BROKEN, GARBLED, UNKNOWN):
        assert f"{name} (1)" in not_located
    failures = [line.strip() for line in proc.stderr.splitlines() if "geocoder failed for" in line]
    assert len(failures) == 2
    assert failures[0].startswith(f"geocoder failed for '{BROKEN}': nominatim could not geocode")
    assert "gave up after 4 attempts" in failures[0] and "500" in failures[0]
    assert failures[1].startswith(f"geocoder failed for '{GARBLED}': nominatim could not geocode")
    assert "GeocoderParseError" in failures[1]
    assert not any(UNKNOWN in line for line in failures)  # nothing found is no failure
    assert "Traceback" not in proc.stderr

    # What the server saw: each distinct name in input order, retries only for 429 and 5xx.
    asked = [r.q for r in server.requests]
    assert asked == [FOUND, RATE_LIMITED, RATE_LIMITED, BROKEN, BROKEN, BROKEN, BROKEN, GARBLED, UNKNOWN]
    assert all(r.path == "/search" and r.user_agent == UA for r in server.requests)
    times = [r.time for r in server.requests]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # Nominatim's policy: at most one request per second, where the requests arrive. A request
    # starts a full second after the previous answer (or error) came back, so however the
    # machine's load delays them, no two arrive closer (5 ms for clock rounding).
    assert min(gaps) >= 0.995, gaps
    assert gaps[1] >= 0.995  # the Retry-After of the 429 was waited out before asking again


def test_second_run_is_answered_from_the_cache(server, own_cache, write, tmp_path):
    server.empty(UNKNOWN, times=None)
    server.malformed(GARBLED, times=1)  # fails once: a failure is not cached, so it is asked again
    inputs = events_csv(write, FOUND, UNKNOWN, GARBLED)

    first = export(inputs, tmp_path / "first.geojson", *online(server))
    assert first.returncode == 0, first.stderr
    assert [r.q for r in server.requests] == [FOUND, UNKNOWN, GARBLED]
    assert (own_cache / "geocode.sqlite").is_file()

    second = export(inputs, tmp_path / "second.geojson", *online(server))

    assert second.returncode == 0, second.stderr
    assert [r.q for r in server.requests][3:] == [GARBLED]  # no request for the cached answers
    assert "located from place names: 2 (2 by nominatim)" in second.stderr
    assert f"not located (kept, without geometry): {UNKNOWN} (1)" in second.stderr
    assert "geocoder failed" not in second.stderr
    before, after = features(tmp_path / "first.geojson"), features(tmp_path / "second.geojson")
    assert before["ev-0"]["geometry"] == after["ev-0"]["geometry"]
    assert after["ev-0"]["geometry"]["coordinates"] == pytest.approx([36.0237, 33.0112])
    assert before["ev-2"]["geometry"] is None
    assert after["ev-2"]["geometry"]["coordinates"] == pytest.approx([36.0, 33.3])


@pytest.mark.parametrize(
    ("user_agent", "message"),
    [
        ((), "online geocoders need --user-agent identifying you"),
        (("--user-agent", "   "), "requires an identifying User-Agent"),
        (("--user-agent", "geopy/2.4.1"), "requires an identifying User-Agent"),
    ],
)
def test_geocoder_without_an_identifying_user_agent_exits_2(server, own_cache, write, tmp_path,
                                                             user_agent, message):  # fmt: skip
    inputs = events_csv(write, FOUND)
    out = tmp_path / "out.geojson"

    proc = export(inputs, out, "--geocoder", "nominatim", "--geocoder-url", server.url, *user_agent)

    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert server.request_count() == 0


def test_geocode_command_asks_the_fake_server_too(server, own_cache):
    server.empty(UNKNOWN, times=None)
    result = CliRunner().invoke(cli, ["geocode", "--json", *online(server), "Sweida", FOUND, UNKNOWN])

    assert result.exit_code == 0, result.output
    sweida, found, unknown = json.loads(result.stdout)
    assert sweida["source"] == "gazetteer"  # the gazetteer knows it: never asked online
    assert (found["source"], found["lat"], found["lon"]) == ("nominatim", 33.0112, 36.0237)
    assert found["place_id"] == "nominatim:node101"
    assert (unknown["found"], unknown["source"]) == (False, "gazetteer")
    assert [r.q for r in server.requests] == [FOUND, UNKNOWN]


def test_min_delay_may_be_lowered_only_for_your_own_instance(server, own_cache, write, tmp_path):
    inputs = events_csv(write, FOUND, RATE_LIMITED)
    out = tmp_path / "out.geojson"

    public = export(inputs, out, "--geocoder", "nominatim", "--user-agent", UA, "--geocoder-min-delay", "0.1")
    assert public.returncode == 2
    assert "below nominatim's policy of 1 s" in public.stderr and "--geocoder-url" in public.stderr
    assert not out.exists()

    own = export(inputs, out, *online(server), "--geocoder-min-delay", "0.3", "--geocoder-retries", "0")
    assert own.returncode == 0, own.stderr
    times = [r.time for r in server.requests]
    assert len(times) == 2
    # the lowered delay, not Nominatim's 1 s
    assert 0.295 <= times[1] - times[0] < 0.9
    located = {f["properties"]["location"] for f in features(out).values() if f["geometry"]}
    assert located == {FOUND, RATE_LIMITED}


def test_timeouts_are_retried_then_reported_and_the_event_kept(server, own_cache, write, tmp_path):
    server.slow(FOUND, seconds=0.6, times=1)  # too slow once: retried, then answered
    server.slow(RATE_LIMITED, seconds=0.6, times=None)  # too slow every time: given up
    inputs = events_csv(write, FOUND, RATE_LIMITED)
    out = tmp_path / "out.geojson"

    proc = export(inputs, out, *online(server), "--geocoder-timeout", "0.3", "--geocoder-retries", "1",
                  "--geocoder-min-delay", "0.05")  # fmt: skip

    assert proc.returncode == 0, proc.stderr
    got = features(out)
    assert got["ev-0"]["properties"]["located"] is True
    assert got["ev-0"]["geometry"]["coordinates"] == pytest.approx([36.0237, 33.0112])
    assert got["ev-1"]["geometry"] is None and got["ev-1"]["properties"]["location"] == RATE_LIMITED
    assert len(server.requests_for(FOUND)) == 2 and len(server.requests_for(RATE_LIMITED)) == 2
    (failure,) = [line for line in proc.stderr.splitlines() if "geocoder failed for" in line]
    assert RATE_LIMITED in failure and "gave up after 2 attempts" in failure
    assert f"not located (kept, without geometry): {RATE_LIMITED} (1)" in proc.stderr
