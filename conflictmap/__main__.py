"""``python -m conflictmap``: the same command line as ``conflictmap``."""

from conflictmap.cli import main

if __name__ == "__main__":
    main()
