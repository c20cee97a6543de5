"""One event per thing that happened: the reports of one event in an article become one event.

An article tells its main event in several sentences ("Israeli troops entered Kudna on
Tuesday ... The troops detained two men ..."), quotes a communiqué about it, or comes back to
it in a later paragraph. A later event is the same as an earlier one when they have the same
category and:

- both have a site, the same place or one inside the other (an admin-1 unit and a town in
  it), or one of them has no site of its own, and
- their dates overlap, or the later one has no date of its own (its date was carried over
  from an earlier sentence).

Statements are the same when the same speaker spoke on overlapping dates. An anaphoric event
("the raid", "the latest strikes") is the latest earlier event of its category when there is one.

The merged event keeps the first report's sentence as its notes, the evidence of every report,
the most specific site and the most precise own date.
"""

from __future__ import annotations

from conflictmap.extract.events import Event, contains

__all__ = ["merge", "merge_events", "same_event"]


def same_event(a: Event, b: Event) -> bool:
    """Whether ``b`` (reported later in the article) reports the event ``a`` (see the module docstring)."""
    if a.category != b.category:
        return False
    overlap = not (a.last < b.first or b.last < a.first)
    if not overlap and b.dated and a.dated:
        return False
    if a.category == "statement":
        return overlap and bool(a.actors) and a.actors[:1] == b.actors[:1]
    if a.site is None or b.site is None:
        return overlap or not b.dated
    pa, pb = a.site.place, b.site.place
    if pa is None or pb is None:
        return a.site.text == b.site.text
    return pa.place_id == pb.place_id or contains(a.site, b.site) or contains(b.site, a.site)


def merge(a: Event, b: Event) -> Event:
    """Fold ``b`` into ``a``: the more specific site and date, the evidence of both; ``a``'s notes."""
    if b.site is not None and (a.site is None or contains(a.site, b.site)):
        a.site, a.geo_precision = b.site, b.geo_precision
    if b.dated and (not a.dated or b.precision < a.precision):
        a.first, a.last, a.precision, a.dated = b.first, b.last, b.precision, True
    a.evidence = sorted(set(a.evidence) | set(b.evidence))
    a.sentences |= b.sentences
    a.actors = list(dict.fromkeys([*a.actors, *b.actors]))[:2]
    return a


def merge_events(body: list[Event], headline: list[Event]) -> list[Event]:
    """Return the events of an article, each reported once.

    Parameters
    ----------
    body
        The events of the article's sentences, in order.
    headline
        The events of its headline: they only add evidence to a body event of the same
        category (at the same place, when they have one).
    """
    merged: list[Event] = []
    for event in body:
        twin = None
        if event.anaphoric:
            twin = next((e for e in reversed(merged) if e.category == event.category), None)
        if twin is None:
            twin = next((e for e in merged if same_event(e, event)), None)
        if twin is None:
            merged.append(event)
        elif event.anaphoric:
            twin.evidence = sorted(set(twin.evidence) | set(event.evidence))
            twin.sentences |= event.sentences
        else:
            merge(twin, event)
    for event in headline:
        twin = next((e for e in merged if same_event(e, event) or _same_site(e, event)), None)
        if twin is not None:
            twin.evidence = sorted(set(twin.evidence) | set(event.evidence))
    return merged


def _same_site(a: Event, b: Event) -> bool:
    return (
        a.category == b.category
        and a.site is not None
        and b.site is not None
        and a.site.place is not None
        and b.site.place is not None
        and a.site.place.place_id == b.site.place.place_id
    )
