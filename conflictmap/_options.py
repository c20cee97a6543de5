"""Click options shared by the commands (the rasterio ``rio`` pattern)."""

from __future__ import annotations

import click

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
encoding_opt = click.option(
    "--encoding", default="utf-8", show_default=True, help="Text encoding of the inputs."
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
