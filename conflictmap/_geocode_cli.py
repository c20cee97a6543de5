"""CLI glue for geo/: build geocoder chains and filters from options, render geocode and region reports."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conflictmap.countries import iso_a2
from conflictmap.errors import ConfigurationError, short_repr
from geo.filters import SpatialFilter
from geo.regions import default_regions

if TYPE_CHECKING:  # the resolver (its phrase patterns, 0.04 s) is imported when a chain is built
    from geo.geocoder import GeocoderChain

# geo.resolve.OVERRIDES_FILENAME (a test keeps them equal): looking for the file in the working
# folder must not import the resolver.
OVERRIDES_FILENAME = "conflictmap-overrides.yaml"


def _checked_country(opts: dict[str, Any]) -> None:
    """Turn --country into an ISO alpha-2 code (a name such as "Lebanon" is accepted too)."""
    value = opts.get("country")
    if value:
        code = iso_a2(value)
        if code is None:
            raise ConfigurationError(
                f"--country {short_repr(value)} is not a country code or name (e.g. SY, LB, Lebanon)"
            )
        opts["country"] = code


@contextmanager
def chain_from_options(opts: dict[str, Any], *, lazy: bool = False) -> Iterator[GeocoderChain | None]:
    """Build the offline resolver (with overrides) and any online geocoders; close them after use.

    With ``lazy``, None stands for the offline gazetteer alone when no online geocoder and no
    overrides are asked for: :func:`geo.locate.locate_events` builds that chain itself when a
    name has to be geocoded, so a run of events with coordinates never imports the resolver.
    """
    _checked_country(opts)
    services: Sequence[str] = opts.get("geocoders") or ()
    url = opts.get("geocoder_url")
    if url and len(services) != 1:
        raise ConfigurationError("--geocoder-url needs exactly one --geocoder (the service the URL runs)")
    options = _key_values(opts.get("geocoder_options") or ())
    if (
        lazy
        and not services
        and not opts.get("overrides")
        and not (Path.cwd() / OVERRIDES_FILENAME).is_file()
    ):
        yield None
        return
    from geo.geocoder import GeocoderChain
    from geo.resolve import Overrides, Resolver

    overrides = (
        Overrides.from_file(opts["overrides"]) if opts.get("overrides") else Overrides.discover(Path.cwd())
    )
    with ExitStack() as stack:
        online = []
        if services:
            from geo.cache import GeocodeCache, default_cache_path
            from geo.online import SERVICES, OnlineGeocoder

            if not opts.get("user_agent"):
                raise ConfigurationError(
                    "online geocoders need --user-agent identifying you, e.g. "
                    "--user-agent 'newsroom-map/1.0 (desk@example.org)' (Nominatim's usage policy)"
                )
            delay = opts.get("geocoder_min_delay")
            cache = stack.enter_context(GeocodeCache(default_cache_path()))
            for service in services:
                if delay is not None and not url and delay < SERVICES.get(service.lower(), 1.0):
                    raise ConfigurationError(
                        f"--geocoder-min-delay {delay:g} is below {service}'s policy of "
                        f"{SERVICES.get(service.lower(), 1.0):g} s; it may only be lowered for your own "
                        "instance (--geocoder-url)"
                    )
                geocoder = OnlineGeocoder(
                    service,
                    user_agent=opts["user_agent"],
                    url=url,
                    cache=cache,
                    min_delay_seconds=delay,
                    max_retries=opts.get("geocoder_retries", 3),
                    timeout=opts.get("geocoder_timeout", 10.0),
                    options=options or None,
                )
                online.append(stack.enter_context(geocoder))
        # The offline resolver loads (or builds) the gazetteer index, the slow part: every option
        # and the geocoding cache are checked before it.
        yield GeocoderChain(Resolver(overrides=overrides), online)


def _key_values(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(f"--geocoder-option wants KEY=VALUE, got {short_repr(item)}")
        out[key.strip()] = value.strip()
    return out


def spatial_from_options(opts: dict[str, Any]) -> SpatialFilter:
    """Resolve --region/--bbox/--near/--km/--within/--contained (fails early on bad values)."""
    _checked_country(opts)
    return SpatialFilter.build(
        region=opts.pop("regions", ()) or None,
        bbox=opts.pop("bbox", None),
        near=opts.pop("near", None),
        km=opts.pop("km", None),
        within=opts.pop("within", None),
        contained=opts.pop("contained", False),
        country=opts.get("country"),
    )


def geocode_report(names: Sequence[str], *, chain: GeocoderChain, country: str | None, as_json: bool) -> str:
    """Resolve names each on its own (a list of names is no document) and render JSON or a table."""
    from geo.geocoder import describe

    resolutions = chain.resolve_each(names, country=country)
    rows = [describe(resolutions[name]) for name in names]
    for row in rows:
        if not row["found"] and row["query"] in chain.failures:
            row["reason"] = chain.failures[row["query"]]
    if as_json:
        return json.dumps(rows, ensure_ascii=False, indent=2)
    header = ("query", "place", "kind", "prec", "admin1", "cc", "lat", "lon", "place id", "source")
    table = [header]
    for row in rows:
        if row["found"]:
            table.append(
                (
                    row["query"],
                    row["name"],
                    row["kind"],
                    str(row["geo_precision"]),
                    row["admin1"] or "-",
                    row["country"] or "-",
                    f"{row['lat']:.5f}",
                    f"{row['lon']:.5f}",
                    row["place_id"],
                    row["source"],
                )
            )
        else:
            table.append((row["query"], "(not found)", "-", "-", "-", "-", "-", "-", "-", row["source"]))
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in table]
    notes = [
        f"  {row['query']}: {row['reason']}" for row in rows if len(row["candidates"]) > 1 or not row["found"]
    ]
    if notes:
        lines += ["", "why:", *notes]
    return "\n".join(lines)


def regions_report(*, kinds: Sequence[str], country: str | None, as_json: bool) -> str:
    """List the named regions with their kind, country and members (or names)."""
    registry = default_regions()
    chosen = [
        r
        for r in registry
        if (not kinds or r.kind in kinds) and (country is None or r.country == country.upper())
    ]
    order = {"area": 0, "admin1": 1, "country": 2}
    chosen.sort(key=lambda r: (order[r.kind], r.country, r.name))
    if as_json:
        return json.dumps(
            [
                {
                    "id": r.region_id,
                    "name": r.name,
                    "kind": r.kind,
                    "country": r.country or None,
                    "members": list(r.members),
                    "names": list(r.names),
                    "description": r.description or None,
                }
                for r in chosen
            ],
            ensure_ascii=False,
            indent=2,
        )
    lines = [f"{'id':<16} {'kind':<8} {'cc':<3} {'name':<28} members / other names"]
    for r in chosen:
        extra = (
            ("= " + " + ".join(r.members)) if r.members else ", ".join(n for n in r.names[:4] if n.isascii())
        )
        lines.append(f"{r.region_id:<16} {r.kind:<8} {r.country or '-':<3} {r.name:<28} {extra}")
    return "\n".join(lines)
