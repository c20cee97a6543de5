"""Online geocoding through geopy: one service, rate limited, retried, cached on disk.

:class:`OnlineGeocoder` wraps one geopy geocoder (any name that
:func:`geopy.geocoders.get_geocoder_for_service` knows). A network call starts no sooner than
``min_delay_seconds`` after the previous one ended; transient failures (timeouts, HTTP 429 and 5xx) are
retried with exponential backoff; answers, including "nothing found", are kept in a
:class:`~geo.cache.GeocodeCache` so a place is asked for once. Cache hits never wait and never
touch the network.

Respect each service's terms of use. Nominatim's usage policy
(https://operations.osmfoundation.org/policies/nominatim/) allows at most one request per second
and requires an identifying User-Agent; Photon's public instance (https://photon.komoot.io) asks
for fair use; keyed services (OpenCage, GeoNames, ...) have their own quotas.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import logging
import re
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from geopy.adapters import AdapterHTTPError, BaseAsyncAdapter, RequestsAdapter
from geopy.exc import ConfigurationError as GeopyConfigurationError
from geopy.exc import (
    GeocoderParseError,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
    GeopyError,
)
from geopy.geocoders import SERVICE_TO_GEOCODER, get_geocoder_for_service
from geopy.geocoders import options as geopy_options
from geopy.location import Location

from conflictmap.errors import ConfigurationError, GeocodingError, short_repr
from geo.cache import GeocodeCache

__all__ = ["SERVICES", "OnlineGeocoder"]

_logger = logging.getLogger("conflictmap.geo.online")

#: Default minimum seconds between two requests to a service, from its published limits.
#: geopy services missing here get ``_DEFAULT_MIN_DELAY``.
SERVICES: dict[str, float] = {
    "nominatim": 1.0,  # usage policy: an absolute maximum of 1 request per second
    "photon": 1.0,  # photon.komoot.io: fair use, no bulk geocoding
    "openmapquest": 1.0,  # Nominatim-based
    "pickpoint": 1.0,  # Nominatim-based
    "opencage": 1.0,  # free tier: 1 request per second
    "geonames": 3.6,  # free tier: 1,000 credits per hour
    "arcgis": 0.2,
    "pelias": 0.1,  # usually self-hosted
    "geocodeearth": 0.1,  # 10 requests per second
    "mapbox": 0.1,  # 600 requests per minute
    "maptiler": 0.1,
    "bing": 0.2,
    "here": 0.2,
    "herev7": 0.2,
    "tomtom": 0.2,  # 5 queries per second
    "google": 0.05,  # 50 queries per second
    "googlev3": 0.05,
    "banfrance": 0.05,
}
_DEFAULT_MIN_DELAY = 1.0
_NOMINATIM_POLICY = "https://operations.osmfoundation.org/policies/nominatim/"
_GEOPY_UA = re.compile(r"geopy(/\S*)?", re.IGNORECASE)
_MANAGED_OPTIONS = ("user_agent", "timeout")


def _as_list_upper(code: str) -> list[str]:
    return [code.upper()]


#: service -> (geocode() keyword of its country filter, how it wants the ISO alpha-2 code).
_COUNTRY_FILTERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "nominatim": ("country_codes", str.lower),
    "openmapquest": ("country_codes", str.lower),
    "pickpoint": ("country_codes", str.lower),
    "geolake": ("country_codes", str.upper),
    "geonames": ("country", str.upper),
    "opencage": ("country", str.lower),
    "mapbox": ("country", str.lower),
    "geokeo": ("country", str.lower),
    "pelias": ("countries", _as_list_upper),
    "geocodeearth": ("countries", _as_list_upper),
}


class OnlineGeocoder:
    """One online geocoding service, rate limited, retried and cached.

    Parameters
    ----------
    service
        A geopy service name: ``"nominatim"``, ``"photon"``, ``"arcgis"``, ``"geonames"``,
        ``"pelias"``, ``"opencage"``, ... (case does not matter).
    user_agent
        An identifying User-Agent, e.g. ``"myproject/1.0 (me@example.org)"``. geopy's default
        (``"geopy/2.5.0"``) is refused: Nominatim's usage policy requires one that names the
        application.
    url
        Base address of a self-hosted instance, e.g. ``"http://localhost:8080"`` or
        ``"https://example.org/nominatim"``; None uses the service's public address.
    cache
        Where answers are kept; None disables caching. The geocoder does not close it.
    min_delay_seconds
        Minimum seconds from the end of one request to the start of the next; default
        ``SERVICES[service]`` (1 s when unlisted).
    max_retries
        How many times a transient failure (timeout, HTTP 429, 5xx, connection error) is retried.
    timeout
        Seconds to wait for each answer.
    backoff_seconds
        The wait before retry ``n`` (from 0) is ``backoff_seconds * 2**n``, at most
        ``max_wait_seconds``; an HTTP 429 waits its ``Retry-After`` instead, if that is longer.
    max_wait_seconds
        Upper bound of any wait between retries.
    options
        Further keyword arguments for the geopy class, e.g. ``{"username": ...}`` for GeoNames or
        ``{"api_key": ...}`` for OpenCage.

    Raises
    ------
    ConfigurationError
        For an unknown service (close names are suggested), a missing or generic User-Agent, a bad
        ``url``, an unknown or missing option, or an out-of-range number.

    Examples
    --------
    >>> from geo.cache import GeocodeCache, default_cache_path
    >>> with GeocodeCache(default_cache_path()) as cache:  # doctest: +SKIP
    ...     geocoder = OnlineGeocoder("nominatim", user_agent="myproject/1.0 (me@example.org)", cache=cache)
    ...     place = geocoder.lookup("Quneitra", country="SY")
    ...     place.latitude, place.longitude
    (33.12..., 35.82...)
    """

    def __init__(
        self,
        service: str,
        *,
        user_agent: str,
        url: str | None = None,
        cache: GeocodeCache | None = None,
        min_delay_seconds: float | None = None,
        max_retries: int = 3,
        timeout: float = 10.0,
        backoff_seconds: float = 1.0,
        max_wait_seconds: float = 60.0,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.service = _resolve_service(service)
        delay = (
            SERVICES.get(self.service, _DEFAULT_MIN_DELAY) if min_delay_seconds is None else min_delay_seconds
        )
        _check_limits(
            min_delay_seconds=delay,
            max_retries=max_retries,
            timeout=timeout,
            backoff_seconds=backoff_seconds,
            max_wait_seconds=max_wait_seconds,
        )
        self.min_delay_seconds = float(delay)
        self.max_retries = max_retries
        self.timeout = float(timeout)
        self.backoff_seconds = float(backoff_seconds)
        self.max_wait_seconds = float(max_wait_seconds)
        self.cache = cache
        self.geocoder = _make_geocoder(
            self.service,
            user_agent=_check_user_agent(user_agent),
            timeout=self.timeout,
            url=url,
            options=options,
        )
        self._ready_at = float("-inf")  # time.monotonic() before which no request may start

    def lookup(self, query: str, *, country: str | None = None) -> Location | None:
        """Geocode a place name, from the cache when it has been asked before.

        Parameters
        ----------
        query
            The place name; surrounding and repeated whitespace is dropped.
        country
            ISO 3166-1 alpha-2 code restricting the search, passed as the service's country filter
            where it has one (Nominatim's ``countrycodes``), else ignored. It is part of the cache key.

        Returns
        -------
        geopy.location.Location or None
            The best match (``latitude``, ``longitude``, ``address``, ``raw``), or None when the
            service found nothing.

        Raises
        ------
        GeocodingError
            When the query is empty, the service keeps failing after ``max_retries`` retries, or
            its answer cannot be read (not retried). Failures are not cached.
        """
        text = _check_query(query)
        code = _check_country(country)
        if self.cache is not None:
            hit = self.cache.get(service=self.service, query=text, country=code)
            if hit is not None:
                _logger.debug("%s: cache hit for %r (country %s)", self.service, text, code)
                return _location_from_answer(hit.answer) if hit.found else None
        location = self._fetch(text, code)
        if self.cache is not None:
            answer = None if location is None else _answer_from_location(location)
            self.cache.put(service=self.service, query=text, country=code, answer=answer)
        return location

    def close(self) -> None:
        """Close the HTTP connections; the cache is left open (its owner closes it)."""
        self.geocoder.adapter.__exit__(None, None, None)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OnlineGeocoder({self.service!r}, min_delay_seconds={self.min_delay_seconds})"

    def _fetch(self, query: str, country: str | None) -> Location | None:
        """Ask the service, through the rate limiter, retrying transient failures."""
        kwargs = _country_kwargs(self.service, country)
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            try:
                result = self._spaced_geocode(query, exactly_one=True, **kwargs)
            except GeopyError as err:
                if not _is_transient(err):
                    raise self._failure(query, err) from err
                if attempt + 1 == attempts:
                    raise self._failure(query, err, attempts=attempts) from err
                wait = self._retry_wait(err, attempt)
                _logger.warning(
                    "%s: attempt %d of %d for %r failed (%s); retrying in %.2f s",
                    self.service,
                    attempt + 1,
                    attempts,
                    query,
                    _describe(err),
                    wait,
                )
                self._sleep(wait)
            except (ValueError, TypeError, KeyError, IndexError) as err:  # an answer geopy could not read
                raise self._failure(query, err) from err
            else:
                return result[0] if isinstance(result, list) else result
        raise AssertionError("unreachable")  # pragma: no cover

    def _spaced_geocode(self, query: str, **kwargs: Any) -> Any:
        """One geocoder call, started ``min_delay_seconds`` after the previous call ended.

        Kept instead of geopy's ``RateLimiter``, which spaces the calls' *starts*: a policy such
        as Nominatim's (at most one request per second) is counted where the requests arrive, and
        a request held up on its way can then arrive less than the delay before the next one.
        Counting from the end of the previous call (its answer, error or timeout) means the
        service never sees two requests closer than the delay.
        """
        wait = self._ready_at - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        try:
            return self.geocoder.geocode(query, **kwargs)
        finally:
            self._ready_at = time.monotonic() + self.min_delay_seconds

    def _retry_wait(self, err: GeopyError, attempt: int) -> float:
        """Seconds to wait before the next attempt (``attempt`` counts from 0)."""
        wait = self.backoff_seconds * 2**attempt
        retry_after = err.retry_after if isinstance(err, GeocoderRateLimited) else None
        if retry_after is not None:
            wait = max(wait, float(retry_after))
            if wait > self.max_wait_seconds:
                _logger.info(
                    "%s: Retry-After of %s s is longer than max_wait_seconds; waiting %.2f s",
                    self.service,
                    retry_after,
                    self.max_wait_seconds,
                )
        return min(wait, self.max_wait_seconds)

    def _sleep(self, seconds: float) -> None:  # a seam for tests, like geopy's RateLimiter._sleep
        time.sleep(seconds)

    def _failure(self, query: str, err: BaseException, *, attempts: int | None = None) -> GeocodingError:
        if attempts is None:
            return GeocodingError(f"{self.service} could not geocode {short_repr(query)}: {_describe(err)}")
        return GeocodingError(
            f"{self.service} could not geocode {short_repr(query)}: gave up after {attempts} attempts; "
            f"last failure: {_describe(err)}"
        )


def _resolve_service(service: str) -> str:
    """Return the lower-case geopy name of ``service``, or raise with the closest names."""
    if not isinstance(service, str):
        msg = f"service must be a str, not {type(service).__name__}"
        raise TypeError(msg)
    name = service.strip().lower()
    try:
        get_geocoder_for_service(name)
    except GeopyError as err:
        known = sorted(SERVICE_TO_GEOCODER)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
        msg = f"unknown geocoding service {short_repr(service)}; {hint}known services: {', '.join(known)}"
        raise ConfigurationError(msg) from err
    return name


def _check_limits(**limits: float) -> None:
    """Refuse negative numbers, a zero timeout and non-integer ``max_retries``."""
    for name, value in limits.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            msg = f"{name} must be a number, not {type(value).__name__}"
            raise TypeError(msg)
        if name == "max_retries" and not isinstance(value, int):
            msg = f"max_retries must be an int, not {type(value).__name__}"
            raise TypeError(msg)
        if not value >= 0 or (name == "timeout" and value == 0):  # `not >=` also catches NaN
            wanted = "positive" if name == "timeout" else "zero or more"
            msg = f"{name} must be {wanted}, got {short_repr(value)}"
            raise ConfigurationError(msg)


def _check_user_agent(user_agent: str) -> str:
    """Return the stripped User-Agent, refusing empty ones and geopy's own."""
    if not isinstance(user_agent, str):
        msg = f"user_agent must be a str, not {type(user_agent).__name__}"
        raise TypeError(msg)
    text = user_agent.strip()
    if not text or text == geopy_options.default_user_agent or _GEOPY_UA.fullmatch(text):
        msg = (
            f"user_agent {short_repr(user_agent)} does not identify this application: "
            "Nominatim's usage policy "
            f"({_NOMINATIM_POLICY}) requires an identifying User-Agent, and other services ask for one; "
            "pass e.g. user_agent='myproject/1.0 (me@example.org)'"
        )
        raise ConfigurationError(msg)
    return text


def _make_geocoder(
    service: str, *, user_agent: str, timeout: float, url: str | None, options: Mapping[str, Any] | None
) -> Any:
    """Build the geopy geocoder, turning geopy's configuration errors into ours."""
    cls = get_geocoder_for_service(service)
    kwargs = _constructor_kwargs(cls, service, options=options, url=url)
    try:
        geocoder = cls(**kwargs, user_agent=user_agent, timeout=timeout)
    except GeopyConfigurationError as err:
        msg = f"{service}: {err}"
        raise ConfigurationError(msg) from err
    if isinstance(geocoder.adapter, BaseAsyncAdapter):
        adapter = type(geocoder.adapter).__name__
        msg = f"{service}: OnlineGeocoder needs a synchronous geopy adapter, not {adapter}"
        raise ConfigurationError(msg)
    return geocoder


def _constructor_kwargs(
    cls: type, service: str, *, options: Mapping[str, Any] | None, url: str | None
) -> dict[str, Any]:
    """Check ``options`` against the class's signature and add ``domain``/``scheme`` from ``url``."""
    params = inspect.signature(cls.__init__).parameters
    kwargs = dict(options or {})
    managed = {*_MANAGED_OPTIONS, *(("domain", "scheme") if url is not None else ())}
    clash = sorted(managed & kwargs.keys())
    if clash:
        msg = f"options {clash} are set through OnlineGeocoder's own arguments (user_agent, timeout, url)"
        raise ConfigurationError(msg)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    allowed = sorted(set(params) - {"self"} - managed)
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown and not takes_any:
        msg = f"{service} does not take options {unknown}; it takes {allowed}"
        raise ConfigurationError(msg)
    if url is not None:
        kwargs.update(_url_kwargs(service, url, params))
    if "adapter_factory" in params and "adapter_factory" not in kwargs:
        kwargs["adapter_factory"] = _adapter_factory()
    _check_required(service, params, given={*kwargs, *_MANAGED_OPTIONS})
    return kwargs


def _adapter_factory() -> Any:
    """Return geopy's default HTTP adapter, without the transport-level retries of its requests one.

    geopy's ``RequestsAdapter`` lets urllib3 retry twice on its own: read timeouts again at once,
    and 429/503 after sleeping their whole ``Retry-After``. Those hidden requests would bypass the
    rate limiter, the backoff and ``max_wait_seconds``, so retries are left to OnlineGeocoder.
    """
    factory = geopy_options.default_adapter_factory
    if factory is RequestsAdapter:
        return functools.partial(RequestsAdapter, max_retries=0)
    return factory


def _check_required(service: str, params: Mapping[str, inspect.Parameter], *, given: set[str]) -> None:
    """Name the constructor arguments without a default that nobody gives (GeoNames' ``username``)."""
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    missing = [
        name
        for name, param in params.items()
        if name != "self"
        and name not in given
        and param.default is inspect.Parameter.empty
        and param.kind not in variadic
    ]
    if missing:
        wanted = ", ".join(f"{name!r}: ..." for name in missing)
        msg = f"{service} needs {', '.join(missing)}: pass options={{{wanted}}}"
        if "domain" in missing:
            msg += " or url=..."
        raise ConfigurationError(msg)


def _url_kwargs(service: str, url: str, params: Mapping[str, inspect.Parameter]) -> dict[str, str]:
    """Split ``url`` into geopy's ``scheme`` and ``domain`` (host, port and any path prefix)."""
    if not isinstance(url, str):
        msg = f"url must be a str or None, not {type(url).__name__}"
        raise TypeError(msg)
    parts = urlsplit(url.strip())
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not port_ok
        or parts.query
        or parts.fragment
        or any(char.isspace() for char in url.strip())
    ):
        msg = (
            f"url {short_repr(url)} is not the http(s) address of a geocoding service; "
            "expected e.g. 'http://localhost:8080' or 'https://example.org/nominatim'"
        )
        raise ConfigurationError(msg)
    if "domain" not in params:
        msg = f"{service} does not support a custom url"
        raise ConfigurationError(msg)
    kwargs = {"domain": parts.netloc + parts.path.rstrip("/")}
    if "scheme" in params:
        kwargs["scheme"] = parts.scheme
    elif parts.scheme != "https":
        msg = f"{service} only supports https urls, got {short_repr(url)}"
        raise ConfigurationError(msg)
    return kwargs


def _check_query(query: str) -> str:
    if not isinstance(query, str):
        msg = f"query must be a str, not {type(query).__name__}"
        raise TypeError(msg)
    text = " ".join(query.split())
    if not text:
        msg = f"cannot geocode an empty place name ({short_repr(query)})"
        raise GeocodingError(msg)
    return text


def _check_country(country: str | None) -> str | None:
    if country is None:
        return None
    if not isinstance(country, str):
        msg = f"country must be a str or None, not {type(country).__name__}"
        raise TypeError(msg)
    code = country.strip()
    if len(code) != 2 or not (code.isascii() and code.isalpha()):
        msg = f"country must be an ISO 3166-1 alpha-2 code such as 'SY', got {short_repr(country)}"
        raise ConfigurationError(msg)
    return code.upper()


def _country_kwargs(service: str, country: str | None) -> dict[str, Any]:
    """Return the geocode() keyword that filters by country, if the service has one."""
    if country is None or service not in _COUNTRY_FILTERS:
        return {}
    keyword, convert = _COUNTRY_FILTERS[service]
    return {keyword: convert(country)}


def _is_transient(err: GeopyError) -> bool:
    """Whether retrying may help: timeouts, 429, connection errors and 5xx, not parse or 4xx errors."""
    if isinstance(err, GeocoderParseError):
        return False
    if isinstance(err, GeocoderRateLimited | GeocoderTimedOut | GeocoderUnavailable):
        return True
    if type(err) is GeocoderServiceError:  # geopy's catch-all: 5xx and other HTTP codes, transport errors
        status = _http_status(err)
        return status is None or status >= 500
    return False


def _http_status(err: BaseException) -> int | None:
    cause = err.__cause__
    return cause.status_code if isinstance(cause, AdapterHTTPError) else None


def _describe(err: BaseException) -> str:
    """One line naming the error, its HTTP status when known, and its message (shortened)."""
    text = " ".join(str(err).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    status = _http_status(err)
    if status is not None and str(status) not in text:
        text = f"HTTP {status}: {text}"
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _answer_from_location(location: Location) -> dict[str, Any]:
    """Turn a Location into the JSON-able dict the cache stores."""
    return {
        "address": location.address,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "raw": location.raw,
    }


def _location_from_answer(answer: Mapping[str, Any] | None) -> Location:
    """Rebuild a Location from a cached answer (geopy's point order: latitude, longitude)."""
    if answer is None:
        msg = "a cached hit has no answer; the cache file is damaged"
        raise GeocodingError(msg)
    return Location(answer["address"], (answer["latitude"], answer["longitude"]), answer["raw"])
