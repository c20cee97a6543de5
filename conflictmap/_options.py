"""Click options shared by the commands (the rasterio ``rio`` pattern)."""

from __future__ import annotations

import codecs

import click

from conflictmap.errors import short_repr
from conflictmap.readers import READ_FORMATS

inputs_arg = click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
since_opt = click.option(
    "--since", metavar="DATE", help="Keep events on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY)."
)
until_opt = click.option(
    "--until", metavar="DATE", help="Keep events on or before DATE (a month or year: all of it)."
)
category_opt = click.option(
    "--category",
    "categories",
    multiple=True,
    metavar="NAME",
    help="Keep this category, alias or layer name (repeatable).",
)
input_format_opt = click.option(
    "--input-format",
    type=click.Choice(READ_FORMATS, case_sensitive=False),
    help="Read every input as this format (default: from the extension and CSV header).",
)


def checked_encoding(_ctx: click.Context | None, _param: click.Parameter | None, value: str) -> str:
    """Check an --encoding value before any input is read (an unknown codec is exit 2)."""
    try:
        info = codecs.lookup(value)
    except (LookupError, ValueError) as err:
        msg = f"unknown text encoding {short_repr(value)}; use e.g. utf-8, latin-1, cp1256 or utf-16"
        raise click.BadParameter(msg) from err
    if not getattr(info, "_is_text_encoding", True):  # base64, rot13, zlib...: not a text encoding
        msg = f"{short_repr(value)} is not a text encoding; use e.g. utf-8, latin-1, cp1256 or utf-16"
        raise click.BadParameter(msg)
    return value


encoding_opt = click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    callback=checked_encoding,
    help="Text encoding of the inputs.",
)
categories_file_opt = click.option(
    "--categories",
    "category_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file extending the category registry (repeatable).",
)
quiet_opt = click.option("-q", "--quiet", "command_quiet", is_flag=True, help="No summary, no progress bars.")


def filter_options(func):
    """Attach the reading and filtering options shared by every command."""
    for option in reversed(
        (since_opt, until_opt, category_opt, input_format_opt, encoding_opt, categories_file_opt, quiet_opt)
    ):
        func = option(func)
    return func


# --- locating (geo/) -------------------------------------------------------------------------
country_opt = click.option(
    "--country",
    metavar="CC",
    help="Context country (ISO alpha-2, e.g. SY) preferred among namesakes "
    "(default: the country of the input's other places).",
)
overrides_opt = click.option(
    "--overrides",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file mapping place names to a place id or coordinates; always wins "
    "(default: ./conflictmap-overrides.yaml when present).",
)
geocoder_opt = click.option(
    "--geocoder",
    "geocoders",
    multiple=True,
    metavar="NAME",
    help="Online geopy geocoder (nominatim, photon, arcgis, geonames, ...) asked for names the "
    "offline gazetteer does not know (repeatable, asked in order).",
)
geocoder_url_opt = click.option(
    "--geocoder-url", metavar="URL", help="Base URL of a self-hosted instance of the (single) --geocoder."
)
geocoder_option_opt = click.option(
    "--geocoder-option",
    "geocoder_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Extra argument of the geopy geocoder class (e.g. username=NAME for geonames, api_key=KEY).",
)
geocoder_retries_opt = click.option(
    "--geocoder-retries",
    type=click.IntRange(0, 10),
    default=3,
    show_default=True,
    help="Retries of an online lookup after a timeout, HTTP 429 or 5xx (with exponential backoff).",
)
geocoder_timeout_opt = click.option(
    "--geocoder-timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds to wait for one online answer before it counts as a timeout (and is retried).",
)
geocoder_delay_opt = click.option(
    "--geocoder-min-delay",
    type=click.FloatRange(0, 60),
    metavar="SECONDS",
    help="Seconds between requests (default: the service's policy, 1 s for Nominatim); below "
    "the default only with --geocoder-url, i.e. on your own instance.",
)
user_agent_opt = click.option(
    "--user-agent",
    metavar="UA",
    help="Identifying User-Agent for online geocoders, e.g. 'newsroom-map/1.0 (desk@example.org)'.",
)
no_geocode_opt = click.option(
    "--no-geocode", is_flag=True, help="Do not locate events that have only a place name."
)

# --- region filters ----------------------------------------------------------------------------
region_opt = click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="NAME",
    help="Keep events in this region, admin-1 unit or country (repeatable: any of them); "
    "`conflictmap regions` lists the names.",
)
bbox_opt = click.option("--bbox", metavar="W,S,E,N", help="Keep events in this box (degrees).")
near_opt = click.option(
    "--near", metavar="PLACE", help="Keep events within --km of PLACE (a name or LAT,LON)."
)
km_opt = click.option("--km", type=float, metavar="N", help="Distance for --near, in kilometres (geodesic).")
within_opt = click.option(
    "--within",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Keep events in the polygons of a GeoJSON (.geojson, .json) or GeoPackage (.gpkg) file.",
)
contained_opt = click.option(
    "--contained",
    is_flag=True,
    help="Keep area events only when wholly inside the region (default: when they overlap it).",
)


def locate_options(func):
    """Attach the options that control geocoding (shared by every command that reads events)."""
    for option in reversed(
        (
            country_opt,
            overrides_opt,
            geocoder_opt,
            geocoder_url_opt,
            geocoder_option_opt,
            geocoder_retries_opt,
            geocoder_timeout_opt,
            geocoder_delay_opt,
            user_agent_opt,
        )
    ):
        func = option(func)
    return func


def region_options(func):
    """Attach the region filters shared by map, export and filter."""
    for option in reversed(
        (region_opt, bbox_opt, near_opt, km_opt, within_opt, contained_opt, no_geocode_opt)
    ):
        func = option(func)
    return func
