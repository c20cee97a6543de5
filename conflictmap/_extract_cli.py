"""The ``conflictmap extract`` command: articles in, located events (and mentions) out."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from conflictmap._options import checked_encoding
from conflictmap.errors import MapperError

__all__ = ["extract_command"]


@click.command("extract")
@click.argument("articles", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "-o", "--output", required=True, help="Events file (.geojson, .csv, .gpkg, .parquet), or - for stdout."
)
@click.option(
    "--published",
    metavar="DATE",
    help="Publication date (YYYY-MM-DD) of every article; default: its dateline.",
)
@click.option(
    "--country",
    metavar="CC",
    help="Country (ISO alpha-2) preferred among namesakes; default: the dateline's.",
)
@click.option(
    "--mentions",
    "mentions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write every place mention as a JSON array (written with -o: both or neither).",
)
@click.option(
    "--lexicon",
    "lexicon_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file extending data/extract_lexicon.yaml (repeatable).",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    callback=checked_encoding,
    help="Text encoding of the articles.",
)
@click.option("-q", "--quiet", "command_quiet", is_flag=True, help="No summary.")
@click.pass_obj
def extract_command(
    obj: dict[str, Any],
    articles: tuple[str, ...],
    output: str,
    published: str | None,
    country: str | None,
    mentions_file: Path | None,
    lexicon_files: tuple[str, ...],
    encoding: str,
    command_quiet: bool,
) -> None:
    """Extract located events from news ARTICLES (.txt, .md, .html).

    Each event keeps its sentence in `notes` and the character spans of its evidence in
    `evidence`; events without a locatable place are kept unlocated, with a warning.
    """
    from conflictmap.cli import EXIT_BAD_INPUT, _collected_warnings, _print_warnings
    from conflictmap.extract import extract_articles, load_lexicon
    from conflictmap.outputs import atomic_output, atomic_outputs, check_outputs
    from conflictmap.writers import write_events

    quiet = (obj or {}).get("quiet") or command_quiet
    with _collected_warnings() as caught:
        try:
            check_outputs(
                [("-o", output), ("--mentions", mentions_file)],
                [*(("article", a) for a in articles), *(("--lexicon file", f) for f in lexicon_files)],
            )
            lexicon = load_lexicon(lexicon_files) if lexicon_files else None
            events, mentions = extract_articles(
                articles, published=published, country=country, lexicon=lexicon, encoding=encoding
            )
            # Both files or neither; the mentions first, so that events on standard output
            # come only when the mentions file is ready.
            with atomic_outputs():
                if mentions_file is not None:
                    with atomic_output(mentions_file) as tmp:
                        tmp.write_text(json.dumps(mentions, ensure_ascii=False, indent=1), encoding="utf-8")
                write_events(events, output)
        except MapperError as err:
            _print_warnings(caught)
            click.echo(f"Error: {err}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    _print_warnings(caught)
    if not quiet:
        for line in summary_lines(events, mentions, articles, output, mentions_file):
            click.echo(line, err=True)


def summary_lines(
    events: Any, mentions: list[dict], articles: tuple[str, ...], output: str, mentions_file: Path | None
) -> list[str]:
    """Return the summary printed on standard error."""
    plural = "s" if len(articles) != 1 else ""
    unlocated = int((~events["located"]).sum()) if len(events) else 0
    resolved = sum(1 for m in mentions if m["place"] is not None)
    lines = [
        f"Extracted {len(events)} events from {len(articles)} article{plural}; unlocated {unlocated}; "
        f"{len(mentions)} place mentions ({resolved} located)."
    ]
    by_category = Counter(events["category"]) if len(events) else Counter()
    if by_category:
        lines.append("  " + ", ".join(f"{k} {n}" for k, n in by_category.most_common()))
    lines.append(f"  wrote {'standard output' if output == '-' else output}")
    if mentions_file is not None:
        lines.append(f"  wrote {mentions_file}")
    return lines
