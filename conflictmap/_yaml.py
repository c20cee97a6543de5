"""Safe YAML loading for every YAML file conflictmap reads: plain data, and no aliases.

PyYAML's safe loader builds only plain data (no Python objects), but it follows aliases: a
few hundred bytes that alias an alias nine times over (the "billion laughs" file) become a
structure of 387 million strings as soon as anything walks it, and gigabytes of memory or
output. conflictmap's files (events, categories, lexicons, overrides) have no use for
aliases, so they are refused, with the line of the first one. An anchor that nothing refers
to expands nothing and is accepted.

libyaml's loader (``yaml.CSafeLoader``) is used when PyYAML was built with it: it parses
about ten times faster than the pure-Python one.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["YAMLAliasError", "compose_yaml", "load_yaml"]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YAMLAliasError(yaml.YAMLError):
    """A YAML text uses an alias (``*name``), which conflictmap refuses.

    Parameters
    ----------
    line, column
        Where the first alias is (1-based).
    anchor
        The name the alias refers to.

    Attributes
    ----------
    problem
        The message without the line and column.
    """

    def __init__(self, *, line: int, column: int, anchor: str) -> None:
        self.line = line
        self.column = column
        self.anchor = anchor
        name = anchor if len(anchor) <= 40 else anchor[:37] + "..."
        self.problem = (
            f"YAML anchors and aliases are not allowed (found the alias *{name}); "
            "write the repeated value out in full"
        )
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.problem}"


def load_yaml(text: str) -> Any:
    r"""Parse one YAML document into plain data, refusing aliases.

    Parameters
    ----------
    text
        The YAML text.

    Returns
    -------
    Any
        What ``yaml.safe_load`` returns (``None`` for an empty document).

    Raises
    ------
    YAMLAliasError
        The text uses an alias.
    yaml.YAMLError
        The text is not valid YAML (or is nested too deeply).

    Examples
    --------
    >>> load_yaml("a: [1, 2]")
    {'a': [1, 2]}
    >>> load_yaml("a: &x [1]\nb: *x")
    Traceback (most recent call last):
    ...
    conflictmap._yaml.YAMLAliasError: line 2, column 4: YAML anchors and aliases are not allowed ...
    """
    return compose_yaml(text)[1]


def compose_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """Parse one YAML document into its node tree and its plain data, refusing aliases.

    The node tree tells where each value stands in the file (``node.start_mark.line``).

    Parameters
    ----------
    text
        The YAML text.

    Returns
    -------
    tuple of (yaml.Node or None, Any)
        The root node (``None`` for an empty document) and the data built from it.

    Raises
    ------
    YAMLAliasError
        The text uses an alias.
    yaml.YAMLError
        The text is not valid YAML (or is nested too deeply).
    """
    _refuse_aliases(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except RecursionError as err:  # the pure-Python composer recurses once per nesting level
        raise yaml.YAMLError("the YAML is nested too deeply") from err
    finally:
        loader.dispose()
    return node, data


def _refuse_aliases(text: str) -> None:
    """Raise at the first alias event, before anything is composed or built."""
    # An alias is written with "*": a text without one cannot have any, and skips the scan.
    if "*" not in text:
        return
    # Parsing yields events in file order without composing nodes or following aliases, so the
    # scan costs one pass over the text whatever the aliases would expand to.
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise YAMLAliasError(line=mark.line + 1, column=mark.column + 1, anchor=str(event.anchor))
