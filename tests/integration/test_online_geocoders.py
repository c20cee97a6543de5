"""OnlineGeocoder and GeocodeCache against a local fake Nominatim (no internet)."""

from __future__ import annotations

import itertools
import logging
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopy.geocoders
import pytest
from geopy.exc import GeocoderParseError, GeocoderServiceError
from geopy.location import Location

from conflictmap.errors import ConfigurationError, GeocodingError, MapperError
from geo.cache import CachedAnswer, GeocodeCache, default_cache_path
from geo.online import SERVICES, OnlineGeocoder

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # lets this module `import fake_nominatim` under --import-mode=importlib
    sys.path.insert(0, str(HERE))

from fake_nominatim import FakeNominatim, place  # noqa: E402

UA = "conflictmap-tests/0.1 (tests@example.org)"
DAMASCUS = place(name="Damascus", lat=33.5130695, lon=36.3095814, display_name="Damascus, Syria", osm_id=1)
QUNEITRA = place(name="Quneitra", lat=33.1259, lon=35.8243, display_name="Quneitra, Syria", osm_id=2)
DARAA = place(name="Daraa", lat=32.6189, lon=36.1021, display_name="Daraa, Syria", osm_id=3)
PLACES = {"Damascus": DAMASCUS, "Quneitra": QUNEITRA, "Daraa": DARAA}
LOGGER = "conflictmap.geo.online"


@pytest.fixture
def server():
    with FakeNominatim(PLACES) as fake:
        yield fake


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    return tmp_path / "cache dir" / "nested" / "geocode.sqlite"


@pytest.fixture
def cache(cache_path: Path):
    with GeocodeCache(cache_path) as opened:
        yield opened


@pytest.fixture
def make_geocoder(server: FakeNominatim, cache: GeocodeCache):
    made: list[OnlineGeocoder] = []

    def make(**overrides) -> OnlineGeocoder:
        kwargs = {
            "user_agent": UA,
            "url": server.url,
            "cache": cache,
            "min_delay_seconds": 0.05,
            "backoff_seconds": 0.01,
            "timeout": 2.0,
        } | overrides
        geocoder = OnlineGeocoder("nominatim", **kwargs)
        made.append(geocoder)
        return geocoder

    yield make
    for geocoder in made:
        geocoder.close()


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


# -- successful lookups ------------------------------------------------------------------------


def test_lookup_returns_location_with_lat_lon_in_order_and_sends_user_agent_and_q(server, make_geocoder):
    location = make_geocoder().lookup("  Damascus ")

    assert isinstance(location, Location)
    assert location.latitude == pytest.approx(33.5130695)
    assert location.longitude == pytest.approx(36.3095814)
    assert location.address == "Damascus, Syria"
    assert location.raw["osm_id"] == 1
    (request,) = server.requests
    assert request.path == "/search"
    assert request.user_agent == UA
    assert request.params["q"] == "Damascus"
    assert request.params["format"] == "json"
    assert request.params["limit"] == "1"
    assert "countrycodes" not in request.params


def test_country_is_sent_as_countrycodes_and_is_part_of_the_cache_key(server, make_geocoder):
    geocoder = make_geocoder()

    assert geocoder.lookup("Quneitra", country="sy").latitude == pytest.approx(33.1259)
    geocoder.lookup("Quneitra")  # another key: asked again
    geocoder.lookup("QUNEITRA", country="SY")  # the first key again: a cache hit

    assert [r.params.get("countrycodes") for r in server.requests] == ["sy", None]


def test_url_with_a_path_prefix_reaches_the_prefixed_endpoint(server, make_geocoder):
    location = make_geocoder(url=server.url + "/nominatim/").lookup("Daraa")

    assert (location.latitude, location.longitude) == pytest.approx((32.6189, 36.1021))
    assert [r.path for r in server.requests] == ["/nominatim/search"]


def test_unknown_place_is_none(server, make_geocoder):
    assert make_geocoder().lookup("Atlantis") is None
    assert server.request_count() == 1


# -- rate limit and cache ----------------------------------------------------------------------


def test_distinct_queries_are_spaced_by_min_delay(server, make_geocoder):
    geocoder = make_geocoder(min_delay_seconds=0.3)

    for query in PLACES:
        geocoder.lookup(query)

    times = [r.time for r in server.requests]
    assert len(times) == 3
    # Each request starts the delay after the previous answer came back, so the server never sees
    # two closer, whatever the load (5 ms for clock rounding). Unlimited, the gaps would be a few ms.
    assert all(gap >= 0.295 for gap in gaps(times)), gaps(times)


def test_repeated_query_is_a_cache_hit_without_request_or_wait(server, cache, make_geocoder):
    geocoder = make_geocoder(min_delay_seconds=1.0)
    first = geocoder.lookup("Damascus")

    started = time.perf_counter()
    again = geocoder.lookup("DAMASCUS   ")
    elapsed = time.perf_counter() - started

    assert elapsed < 0.5  # the rate limiter would have held a network call for 1 s
    assert server.request_count() == 1
    assert (again.latitude, again.longitude, again.address) == (
        first.latitude,
        first.longitude,
        first.address,
    )
    assert again.raw == first.raw
    hit = cache.get(service="nominatim", query="damascus", country=None)
    assert hit == CachedAnswer(
        found=True,
        answer={
            "address": "Damascus, Syria",
            "latitude": 33.5130695,
            "longitude": 36.3095814,
            "raw": DAMASCUS,
        },
    )


def test_second_geocoder_answers_from_the_cache_file_with_the_server_stopped(server, cache_path):
    with (
        GeocodeCache(cache_path) as cache,
        OnlineGeocoder(
            "nominatim", user_agent=UA, url=server.url, cache=cache, min_delay_seconds=0.05
        ) as geocoder,
    ):
        geocoder.lookup("Damascus")
        assert geocoder.lookup("Atlantis") is None
    url = server.url
    server.stop()
    assert server.request_count() == 2

    with (
        GeocodeCache(cache_path) as cache,
        OnlineGeocoder(
            "nominatim",
            user_agent=UA,
            url=url,
            cache=cache,
            min_delay_seconds=0.05,
            max_retries=1,
            backoff_seconds=0.01,
        ) as geocoder,
    ):
        location = geocoder.lookup("damascus")
        assert (location.latitude, location.longitude) == pytest.approx((33.5130695, 36.3095814))
        assert geocoder.lookup("ATLANTIS") is None
        with pytest.raises(GeocodingError, match="Daraa"):  # not cached: the server really is down
            geocoder.lookup("Daraa")
    assert server.request_count() == 2


def test_without_a_cache_every_lookup_asks(server, make_geocoder):
    geocoder = make_geocoder(cache=None)
    geocoder.lookup("Damascus")
    geocoder.lookup("Damascus")
    assert server.request_count() == 2


# -- faults ------------------------------------------------------------------------------------


def test_timeout_is_retried(server, make_geocoder, caplog):
    server.slow("Damascus", seconds=3.0, times=1)
    caplog.set_level(logging.INFO, logger=LOGGER)

    started = time.perf_counter()
    location = make_geocoder(timeout=0.3).lookup("Damascus")

    assert location.latitude == pytest.approx(33.5130695)
    assert len(server.requests) == 2
    assert time.perf_counter() - started < 2.0
    (record,) = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.WARNING
    assert "GeocoderTimedOut" in record.getMessage()
    assert "'Damascus'" in record.getMessage()


def test_timeout_every_time_fails_after_max_retries(server, make_geocoder):
    server.slow("Damascus", seconds=3.0, times=None)

    with pytest.raises(GeocodingError, match=r"nominatim .*'Damascus'.* 2 attempts.*GeocoderTimedOut"):
        make_geocoder(timeout=0.3, max_retries=1).lookup("Damascus")
    assert len(server.requests) == 2


def test_429_waits_for_retry_after(server, make_geocoder):
    server.rate_limited("Damascus", retry_after=1, times=1)

    location = make_geocoder(max_wait_seconds=5.0).lookup("Damascus")

    assert location.longitude == pytest.approx(36.3095814)
    (gap,) = gaps([r.time for r in server.requests])
    assert 0.85 <= gap < 2.0  # arrivals vary with the machine's load by tens of ms


def test_429_retry_after_is_capped_by_max_wait_seconds(server, make_geocoder, caplog):
    server.rate_limited("Damascus", retry_after=30, times=1)
    caplog.set_level(logging.INFO, logger=LOGGER)

    location = make_geocoder(max_wait_seconds=0.3).lookup("Damascus")

    assert location is not None
    (gap,) = gaps([r.time for r in server.requests])
    assert 0.29 <= gap < 1.0
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert any("Retry-After of 30" in m for m in messages)
    assert any("GeocoderRateLimited" in m and "retrying in 0.30 s" in m for m in messages)


def test_500_twice_then_ok_with_exponential_backoff(server, make_geocoder):
    server.status("Damascus", 500, times=2)

    location = make_geocoder(min_delay_seconds=0.0, backoff_seconds=0.1).lookup("Damascus")

    assert location.latitude == pytest.approx(33.5130695)
    first, second = gaps([r.time for r in server.requests])
    assert 0.095 <= first < 0.5
    assert 0.195 <= second < 0.8


@pytest.mark.parametrize("status", [502, 503, 504])
def test_other_5xx_once_then_ok(server, make_geocoder, status):
    server.status("Damascus", status, times=1)
    assert make_geocoder().lookup("Damascus") is not None
    assert len(server.requests) == 2


def test_500_always_raises_geocoding_error_naming_query_and_status(server, cache, make_geocoder):
    server.status("Damascus", 500, times=None)

    with pytest.raises(GeocodingError) as caught:
        make_geocoder(max_retries=2).lookup("Damascus")

    message = str(caught.value)
    assert "nominatim" in message
    assert "'Damascus'" in message
    assert "500" in message
    assert "3 attempts" in message
    assert isinstance(caught.value, MapperError)
    assert isinstance(caught.value.__cause__, GeocoderServiceError)
    assert len(server.requests) == 3
    assert cache.get(service="nominatim", query="Damascus", country=None) is None  # failures not cached


@pytest.mark.parametrize("status", [400, 403, 404])
def test_4xx_is_not_retried(server, make_geocoder, status):
    server.status("Damascus", status, times=None)
    with pytest.raises(GeocodingError, match=str(status)):
        make_geocoder().lookup("Damascus")
    assert len(server.requests) == 1


def test_malformed_json_fails_at_once_and_is_not_cached(server, cache, make_geocoder):
    server.malformed("Damascus", times=1)
    geocoder = make_geocoder()

    with pytest.raises(
        GeocodingError, match=r"nominatim could not geocode 'Damascus'.*GeocoderParseError"
    ) as caught:
        geocoder.lookup("Damascus")

    assert isinstance(caught.value.__cause__, GeocoderParseError)
    assert len(server.requests) == 1
    assert cache.get(service="nominatim", query="Damascus", country=None) is None
    assert geocoder.lookup("Damascus") is not None  # the next call asks again
    assert len(server.requests) == 2


def test_empty_result_is_none_and_cached_as_a_miss(server, cache, make_geocoder):
    server.empty("Damascus")
    geocoder = make_geocoder()

    assert geocoder.lookup("Damascus") is None
    assert cache.get(service="nominatim", query="Damascus", country=None) == CachedAnswer(
        found=False, answer=None
    )
    assert geocoder.lookup("damascus") is None
    assert len(server.requests) == 1


# -- configuration -----------------------------------------------------------------------------


def test_unknown_service_suggests_close_names():
    with pytest.raises(ConfigurationError, match=r"'nominatm'.*did you mean 'nominatim'") as caught:
        OnlineGeocoder("nominatm", user_agent=UA)
    assert isinstance(caught.value, ValueError)
    assert "photon" in str(caught.value)  # the known names are listed


@pytest.mark.parametrize(
    "user_agent", ["", "   ", geopy.geocoders.options.default_user_agent, "geopy/2.4.1", "GeoPy"]
)
def test_generic_user_agent_is_refused(user_agent):
    with pytest.raises(ConfigurationError, match=r"identifying User-Agent.*myproject/1\.0"):
        OnlineGeocoder("nominatim", user_agent=user_agent)


def test_geopy_sample_user_agent_is_refused_for_public_nominatim():
    with pytest.raises(ConfigurationError, match="nominatim"):
        OnlineGeocoder("nominatim", user_agent="my-application")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org",
        "example.org",
        "http://",
        "http://example.org:99999",
        "http://example.org:port",
        "http://example.org/search?q=x",
        "http://exa mple.org",
    ],
)
def test_bad_url_is_refused(url):
    with pytest.raises(ConfigurationError, match="url"):
        OnlineGeocoder("nominatim", user_agent=UA, url=url)


def test_url_becomes_geopy_scheme_and_domain():
    with OnlineGeocoder(
        "nominatim", user_agent=UA, url="https://geo.example.org:8443/nominatim/"
    ) as geocoder:
        assert geocoder.geocoder.scheme == "https"
        assert geocoder.geocoder.domain == "geo.example.org:8443/nominatim"
        assert geocoder.geocoder.api == "https://geo.example.org:8443/nominatim/search"


def test_options_reach_the_geopy_class_and_missing_ones_are_named():
    with OnlineGeocoder("GeoNames", user_agent=UA, options={"username": "conflictmap"}) as geocoder:
        assert geocoder.service == "geonames"
        assert geocoder.geocoder.username == "conflictmap"
        assert geocoder.min_delay_seconds == SERVICES["geonames"]
    with pytest.raises(ConfigurationError, match="geonames needs username"):
        OnlineGeocoder("geonames", user_agent=UA)
    with pytest.raises(ConfigurationError, match=r"does not take options \['colour'\]"):
        OnlineGeocoder("nominatim", user_agent=UA, options={"colour": "red"})
    with pytest.raises(ConfigurationError, match="own arguments"):
        OnlineGeocoder("nominatim", user_agent=UA, options={"timeout": 3})


def test_bad_numbers_and_types_are_refused():
    with pytest.raises(ConfigurationError, match="min_delay_seconds"):
        OnlineGeocoder("nominatim", user_agent=UA, min_delay_seconds=-1)
    with pytest.raises(ConfigurationError, match="timeout must be positive"):
        OnlineGeocoder("nominatim", user_agent=UA, timeout=0)
    with pytest.raises(TypeError, match="max_retries"):
        OnlineGeocoder("nominatim", user_agent=UA, max_retries=2.5)
    with pytest.raises(TypeError, match="service"):
        OnlineGeocoder(None, user_agent=UA)


def test_bad_queries_and_countries(make_geocoder, server):
    geocoder = make_geocoder()
    with pytest.raises(GeocodingError, match="empty"):
        geocoder.lookup("   ")
    with pytest.raises(ConfigurationError, match="alpha-2"):
        geocoder.lookup("Damascus", country="SYR")
    assert server.request_count() == 0


def test_services_table_names_geopy_services_with_policy_delays():
    assert SERVICES["nominatim"] == 1.0
    assert SERVICES["photon"] == 1.0
    for name, delay in SERVICES.items():
        assert geopy.geocoders.get_geocoder_for_service(name)
        assert delay > 0
    with OnlineGeocoder("nominatim", user_agent=UA) as geocoder:
        assert geocoder.min_delay_seconds == 1.0


# -- the cache on its own ----------------------------------------------------------------------


def test_cache_keys_normalise_the_query_but_keep_service_and_country(cache):
    answer = {"address": "Daraa, Syria", "latitude": 32.6189, "longitude": 36.1021, "raw": {"osm_id": 3}}
    cache.put(service="nominatim", query="  Daraa   Governorate ", country="SY", answer=answer)

    assert cache.get(service="nominatim", query="daraa governorate", country="sy") == CachedAnswer(
        True, answer
    )
    assert cache.get(service="photon", query="daraa governorate", country="SY") is None
    assert cache.get(service="nominatim", query="daraa governorate", country=None) is None
    assert cache.get(service="nominatim", query="daraa governorate", country="JO") is None
    assert cache.get(service="nominatim", query="daraagovernorate", country="SY") is None


def test_cache_put_replaces_and_stores_a_created_timestamp(cache, cache_path):
    cache.put(service="nominatim", query="Daraa", country=None, answer=None)
    cache.put(
        service="nominatim",
        query="DARAA",
        country=None,
        answer={"address": "x", "latitude": 1.0, "longitude": 2.0, "raw": {}},
    )

    assert cache.get(service="nominatim", query="daraa", country=None).found is True
    with sqlite3.connect(cache_path) as db:
        rows = db.execute("SELECT service, query, country, found, created FROM answers").fetchall()
        (mode,) = db.execute("PRAGMA journal_mode").fetchone()
    db.close()
    assert mode == "wal"
    ((service, query, country, found, created),) = rows
    assert (service, query, country, found) == ("nominatim", "daraa", "", 1)
    assert abs(datetime.fromisoformat(created) - datetime.now(UTC)) < timedelta(minutes=1)


def test_cache_rejects_bad_answers_and_files(cache, tmp_path):
    with pytest.raises(TypeError, match="answer must be a dict"):
        cache.put(service="nominatim", query="Daraa", country=None, answer=[1, 2])
    with pytest.raises(TypeError):
        cache.put(service="nominatim", query="Daraa", country=None, answer={"raw": object()})
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(ConfigurationError, match="not a conflictmap geocoding cache"):
        GeocodeCache(junk)


def test_cache_from_a_newer_conflictmap_is_refused(cache_path):
    GeocodeCache(cache_path).close()
    with sqlite3.connect(cache_path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(ConfigurationError, match="schema version 99 is newer"):
        GeocodeCache(cache_path)


def test_closed_cache_refuses_use_and_closes_twice(cache_path):
    cache = GeocodeCache(cache_path)
    cache.close()
    cache.close()
    with pytest.raises(ValueError, match="closed"):
        cache.get(service="nominatim", query="Daraa", country=None)


def test_default_cache_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONFLICTMAP_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "mine" / "geocode.sqlite"
    monkeypatch.delenv("CONFLICTMAP_CACHE_DIR")
    assert default_cache_path() == tmp_path / "xdg" / "conflictmap" / "geocode.sqlite"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_path() == tmp_path / "home" / ".cache" / "conflictmap" / "geocode.sqlite"


def test_cache_is_shared_by_threads(cache):
    def work(worker: int) -> None:
        for i in range(50):
            cache.put(service="nominatim", query=f"t{worker} {i}", country=None, answer=None)
            assert cache.get(service="nominatim", query=f"T{worker}  {i}", country=None) is not None

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(
        cache.get(service="nominatim", query=f"t{w} {i}", country=None) for w in range(4) for i in range(50)
    )


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from geo.cache import GeocodeCache

    path, name, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    (go.parent / f"ready-{name}").touch()
    while not go.exists():  # start together: both open the new file and write at the same time
        time.sleep(0.002)
    with GeocodeCache(path) as cache:
        for i in range(200):
            answer = {"address": f"{name} {i}", "latitude": i / 10, "longitude": -i / 10, "raw": {"i": i}}
            cache.put(service="nominatim", query=f"{name} place {i}", country="SY", answer=answer)
    print("done", name)
    """
)


def test_two_processes_write_one_cache_file_at_once(tmp_path):
    path, go = tmp_path / "shared" / "geocode.sqlite", tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), name, str(go)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alpha", "beta")
    ]
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"ready-{name}").exists() for name in ("alpha", "beta")):
        assert time.monotonic() < deadline, "the child processes did not start"
        assert all(child.poll() is None for child in children), children[0].communicate()
        time.sleep(0.005)
    go.touch()  # both have imported geo.cache: now they open the new file and write together
    outputs = [child.communicate(timeout=60) for child in children]

    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert out.startswith("done")
    with GeocodeCache(path) as cache:
        for name in ("alpha", "beta"):
            for i in range(200):
                hit = cache.get(service="nominatim", query=f"{name.upper()} place {i}", country="sy")
                assert hit is not None, (name, i)
                assert hit.answer["latitude"] == i / 10
                assert hit.answer["raw"] == {"i": i}
