"""Cheap tests before the expressions that must match at the end of a window of text.

Many rules read the words right before a name or a cue with an expression anchored at the end
of a window ("... in ", "the village of "): ``re`` cannot search backwards, so it tries every
position of the window, for every name and cue of an article. Such an expression can only match
when the window ends in white space after one of a few words. These functions say whether that
is so, with string methods in C; only then is the expression searched. They never say no where
the expression could match: on text that is not ASCII (where ``re.IGNORECASE`` also matches
the long s for "s", the dotless and dotted capital i for "i", the Kelvin sign for "k") they
always say yes.
"""

from __future__ import annotations

__all__ = ["ends_with_word", "has_word", "word_near_end"]


def ends_with_word(window: str, words: tuple[str, ...]) -> bool:
    """Whether ``window`` may end in one of ``words`` (lower case) and white space."""
    bare = window.rstrip()
    if len(bare) == len(window):
        return False  # no white space at the end: "\s+$" cannot match
    return not bare.isascii() or bare.lower().endswith(words)


def word_near_end(window: str, words: tuple[str, ...], *, last: int) -> bool:
    """Whether one of the ``last`` words of ``window`` may end in one of ``words`` (lower case).

    ``window`` must end in white space. A word is what lies between white space, so "(to" ends
    in "to".
    """
    if not window[-1:].isspace():
        return False
    if not window.isascii():
        return True
    return any(w.endswith(words) for w in window.lower().split()[-last:])


def has_word(window: str, words: tuple[str, ...]) -> bool:
    """Whether ``window`` may hold one of ``words`` (lower case) anywhere."""
    if not window.isascii():
        return True
    low = window.lower()
    return any(w in low for w in words)
