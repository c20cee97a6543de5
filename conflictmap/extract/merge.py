"""One event per place and day: the reports of one event in an article become one event.

An article tells its main event in several sentences ("Israeli troops entered Kudna on
Tuesday ... The troops detained two men ..."), quotes a communiqué about it, or comes back to
it in a later paragraph. A later report is of the same event as an earlier one only when they
have the same category, the same day and the same place:

- Days: their dates overlap, or the later report has no date of its own (its date was carried
  over from an earlier sentence). An event named after "followed", "came ... after" is an
  earlier one: it is never a report of the events told before it.
- Places: the same place; or the earlier report is a region and the later one a place inside it
  ("raided two villages in the Quneitra countryside ... Troops entered Kudna"), unless the later
  report adds an event ("also", "another", "a second"); or the later report has no place of its
  own. A later report at a wider region ("preemptive strikes in southern Lebanon" after a strike
  in Khiam) is an event of its own.
- An anaphoric report ("the raid", "the latest strikes") is the latest earlier event of its
  category at the same place, or at a place inside or around its own, or the latest of its
  category when it names no place of its own; naming another place ("32 targets in Syria and
  Iraq were destroyed in the aerial offensive"), it is an event of its own there.

Statements are the same when the same speaker spoke on overlapping dates; events of the catch-all
category ``other`` only when they are of the same kind (a curfew is no displacement).

The merged event keeps the evidence of every report, the most specific site and the most precise
own date; its notes are the first report that names its site (ACLED's convention): a report
that gives the event its place inside a region also gives it its notes.
"""

from __future__ import annotations

from conflictmap.extract.events import Event
from conflictmap.extract.sites import contains

__all__ = ["merge", "merge_events", "same_event"]


def same_event(a: Event, b: Event) -> bool:
    """Whether ``b`` (reported later in the article) reports the event ``a`` (see the module docstring)."""
    if a.category != b.category or not _same_kind(a, b):
        return False
    overlap = not (a.last < b.first or b.last < a.first)
    if not overlap and b.dated and a.dated:
        return False
    if b.prior:
        return overlap and b.dated and _same_place(a, b)
    if a.category == "statement":
        # a speaker named only as "the ministry" is the one who spoke before
        return overlap and (a.actors[:1] == b.actors[:1] if b.actors else bool(a.actors))
    if not (b.own_site and a.own_site):
        # a report without a place of its own continues an event of the same day; an earlier
        # event told without its date ("days after clashes east of Aleppo") takes a later date
        return not b.additive and (overlap or not b.dated or (a.prior and not a.dated))
    return _same_place(a, b) or (not b.additive and contains(a.site, b.site))


def _country(event: Event) -> bool:
    return event.site is not None and event.site.place is not None and event.site.place.kind == "country"


def _same_kind(a: Event, b: Event) -> bool:
    """Whether two events report the same kind of thing: ``other`` lumps curfews, kidnappings ..."""
    return a.category != "other" or a.cue.casefold()[:5] == b.cue.casefold()[:5]


def _same_place(a: Event, b: Event) -> bool:
    if a.site is None or b.site is None:
        return False
    pa, pb = a.site.place, b.site.place
    if pa is None or pb is None:
        return a.site.text == b.site.text
    return pa.place_id == pb.place_id


def _compatible(a: Event, b: Event) -> bool:
    """Whether an anaphoric ``b`` can be a report of ``a``: the same place, one inside the other, or none."""
    if not (a.own_site and b.own_site):
        return True
    return _same_place(a, b) or contains(a.site, b.site) or contains(b.site, a.site)


def merge(a: Event, b: Event) -> Event:
    """Fold ``b`` into ``a``: the more specific site and date, the evidence of both.

    ``a`` keeps its notes unless ``b`` gives it its site (see the module docstring).
    """
    if b.own_site and (not a.own_site or contains(a.site, b.site)):
        if a.site is None or not a.own_site:
            finer = not _country(b) and not _same_place(a, b)
        else:
            finer = contains(a.site, b.site)
        a.site, a.geo_precision, a.own_site = b.site, b.geo_precision, True
        if finer:  # the first report that names the site gives the notes; a country names none
            a.notes = b.notes
    elif a.site is None and b.site is not None:
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
        category (at the same place, when they have one); when the body has none, they are
        the text's events.
    """
    merged: list[Event] = []
    for event in body:
        twin = None
        if event.anaphoric and not event.prior:
            same = [e for e in reversed(merged) if e.category == event.category and _same_kind(e, event)]
            twin = next((e for e in same if _compatible(e, event)), None)
        else:
            twin = next((e for e in merged if same_event(e, event)), None)
        if twin is None:
            merged.append(event)
        else:
            merge(twin, event)
    if not merged and headline:
        # only a headline, a post or a line without a full stop ("Israeli drones struck Kudna
        # this morning"): its events are the text's
        return merge_events(headline, [])
    for event in headline:
        twin = next((e for e in merged if same_event(e, event) or _same_site(e, event)), None)
        if twin is not None:
            twin.evidence = sorted(set(twin.evidence) | set(event.evidence))
    return merged


def _same_site(a: Event, b: Event) -> bool:
    return a.category == b.category and _same_place(a, b)
