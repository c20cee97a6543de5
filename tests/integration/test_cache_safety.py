"""A bad cache place (``CONFLICTMAP_CACHE_DIR``), through the installed CLI in a new process.

Offline runs never open the geocoding cache: they exit 0 whatever ``geocode.sqlite`` is, and a
gazetteer index that cannot be saved is built in memory with a warning. A run that asks an
online geocoder needs the cache (it keeps the service's answers, so that a place is asked for
once): a cache it cannot use is exit 2 naming the path and the fix, before any request is made
and without changing the file, which may belong to another program.

A read-only folder is made with ``chmod`` for an ordinary user, and with a read-only bind mount
in a private mount namespace (``unshare``) for root, whom ``chmod`` does not stop.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # lets this module `import fake_nominatim` under --import-mode=importlib
    sys.path.insert(0, str(HERE))

from fake_nominatim import FakeNominatim, place  # noqa: E402

EXE = Path(sys.executable).parent / "conflictmap"
UA = "conflictmap-tests/1.0 (test@example.org)"
INVENTED = "Khirbet Qzzyrwa"  # not in the gazetteer: only the online geocoder can find it
FIX = "or set CONFLICTMAP_CACHE_DIR to another folder"


@pytest.fixture
def server():
    with FakeNominatim({INVENTED: place(name=INVENTED, lat=33.0, lon=36.0, osm_id=7)}) as fake:
        yield fake


def online(server: FakeNominatim) -> tuple[str, ...]:
    return ("--geocoder", "nominatim", "--geocoder-url", server.url, "--user-agent", UA)


def seeded(folder: Path, gazetteer_cache: Path) -> Path:
    """``folder`` holding a copy of the session's gazetteer index (so nothing is built)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in gazetteer_cache.glob("gazetteer-*"):
        shutil.copyfile(index, folder / index.name)
    return folder


def run(*args: str, cache: Path, cwd: Path, read_only: bool = False) -> subprocess.CompletedProcess[str]:
    command = [str(EXE), *args]
    if read_only and os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("root needs unshare(1) to make a folder read-only")
        script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
        command = ["unshare", "--map-root-user", "--mount", "sh", "-c", script, str(cache), *command]
    env = {**os.environ, "CONFLICTMAP_CACHE_DIR": str(cache)}
    mode = cache.stat().st_mode if read_only else None
    if mode is not None:
        cache.chmod(stat.S_IMODE(mode) & ~0o222)
    try:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    finally:
        if mode is not None:
            cache.chmod(stat.S_IMODE(mode))
    failed_setup = any(word in proc.stderr for word in ("unshare", "mount"))
    if read_only and os.geteuid() == 0 and failed_setup and proc.returncode not in (0, 2):
        pytest.skip(f"cannot make a read-only bind mount here: {proc.stderr.strip()}")
    assert "Traceback" not in proc.stderr
    return proc


def geocoded(proc: subprocess.CompletedProcess[str]) -> dict:
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    return row


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def other_programs_database(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    db.execute("INSERT INTO moz_places (url) VALUES ('https://example.org/')")
    db.commit()
    db.close()


def test_geocode_sqlite_that_is_a_directory(gazetteer_cache, tmp_path, server):
    cache = seeded(tmp_path / "cache", gazetteer_cache)
    (cache / "geocode.sqlite").mkdir()

    offline = run("geocode", "--json", "Damascus", cache=cache, cwd=tmp_path)
    assert (geocoded(offline)["place_id"], offline.stderr) == ("gn:170654", "")

    proc = run("geocode", "--json", *online(server), INVENTED, cache=cache, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"Error: the geocoding cache {cache / 'geocode.sqlite'} is a directory, not a file: remove it {FIX}"
    )
    assert server.request_count() == 0


@pytest.mark.parametrize("kind", ["another program's database", "not a database"])
def test_geocode_sqlite_that_is_not_ours_is_left_unchanged(gazetteer_cache, tmp_path, server, kind):
    cache = seeded(tmp_path / "cache", gazetteer_cache)
    sqlite_file = cache / "geocode.sqlite"
    if kind == "not a database":
        sqlite_file.write_bytes(b"my notes, not a database\n" * 100)
        reason, fix = "file is not a database", f"delete it {FIX}"
    else:
        other_programs_database(sqlite_file)
        reason = "an SQLite database of another program, with the tables moz_places"
        fix = f"conflictmap leaves it unchanged: move it away {FIX}"
    before = digest(sqlite_file)
    events = tmp_path / "events.csv"
    events.write_text(f"event_id,event_date,location,category\nev-1,2025-03-01,{INVENTED},clashes\n")

    offline = run("geocode", "--json", "Daraa", cache=cache, cwd=tmp_path)
    assert (geocoded(offline)["place_id"], offline.stderr) == ("gn:170905", "")

    for command in (("geocode", INVENTED), ("export", str(events), "-o", "out.geojson")):
        proc = run(*command, *online(server), cache=cache, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        expected = f"Error: {sqlite_file} is not a conflictmap geocoding cache ({reason}); {fix}"
        assert proc.stderr.strip() == expected
    assert server.request_count() == 0
    assert not (tmp_path / "out.geojson").exists()
    assert digest(sqlite_file) == before
    left = sorted(p.name for p in cache.iterdir() if not p.name.startswith("gazetteer-"))
    assert left == ["geocode.sqlite"]  # no -wal or -shm file beside it


def test_cache_folder_that_is_a_file_is_exit_2_for_online_geocoders(tmp_path, server):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be\n")

    proc = run("geocode", *online(server), INVENTED, cache=not_a_folder, cwd=tmp_path)

    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"Error: cannot use the geocoding cache {not_a_folder / 'geocode.sqlite'} ({not_a_folder} is a file, "
        f"not a folder): the online geocoders keep their answers there; make {not_a_folder} a folder you "
        f"can write to, {FIX}"
    )
    assert server.request_count() == 0
    assert not_a_folder.read_text() == "a file where the cache folder should be\n"


def test_read_only_cache_folder(gazetteer_cache, tmp_path, server):
    cache = seeded(tmp_path / "cache", gazetteer_cache)

    offline = run("geocode", "--json", "Sweida", cache=cache, cwd=tmp_path, read_only=True)
    assert (geocoded(offline)["name"], offline.stderr) == ("As-Suwayda", "")

    proc = run("geocode", *online(server), INVENTED, cache=cache, cwd=tmp_path, read_only=True)
    assert proc.returncode == 2, proc.stderr
    sqlite_file = cache / "geocode.sqlite"
    assert proc.stderr.startswith(f"Error: cannot use the geocoding cache {sqlite_file} (")
    assert proc.stderr.strip().endswith(f"make {cache} a folder you can write to, {FIX}")
    assert server.request_count() == 0
    assert not sqlite_file.exists()


def test_read_only_cache_folder_without_an_index_builds_it_in_memory(tmp_path):
    cache = tmp_path / "empty-cache"
    cache.mkdir()

    proc = run("geocode", "--json", "Quneitra", cache=cache, cwd=tmp_path, read_only=True)

    assert geocoded(proc)["country"] == "SY"
    warning = proc.stderr.strip()
    assert warning.startswith(f"Warning: cannot save the gazetteer index in {cache} (")
    assert warning.endswith(
        "it was built in memory, which takes a while on every run; make that folder writable or set "
        "CONFLICTMAP_CACHE_DIR to a writable folder"
    )
    assert list(cache.iterdir()) == []
