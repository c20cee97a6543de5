"""Speed of `conflictmap extract`: articles of about 3 KB per second on one core, after start-up.

Usage: python bench/extract_speed.py [--articles N]

The corpus recombines the paragraphs of the labelled articles (tests/data/articles) into N
articles of about 3 KB, each with a dateline, so names repeat the way they do in a real feed.
Start-up (loading the gazetteer index and the lexicon) is timed separately; the run extracts
every article and builds one validated event collection, as `conflictmap extract A B ...` does.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAR = 300.0  # articles per second


def corpus(n: int, *, seed: int = 5) -> list[str]:
    paragraphs = []
    for path in sorted((ROOT / "tests" / "data" / "articles").glob("*.txt")):
        paragraphs += [p for p in path.read_text(encoding="utf-8").split("\n\n")[1:] if len(p) > 80]
    rng = random.Random(seed)
    articles = []
    for i in range(n):
        body, size = [], 0
        while size < 2900:
            p = rng.choice(paragraphs)
            body.append(p)
            size += len(p) + 2
        articles.append(
            f"Report {i}\nPublished 2025-{1 + i % 12:02d}-{1 + i % 28:02d}\n\n" + "\n\n".join(body) + "\n"
        )
    return articles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    start = time.perf_counter()
    from conflictmap.extract import default_extractor
    from conflictmap.extract.frame import events_frame
    from conflictmap.extract.text import article_from_text

    extractor = default_extractor()
    extractor.run(article_from_text("Warm-up\nPublished 2025-01-01\n\nTroops entered Nawa on Friday.\n"))
    startup = time.perf_counter() - start
    texts = corpus(args.articles)
    size = sum(len(t.encode("utf-8")) for t in texts)
    begin = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [extractor.run(article_from_text(t, path=f"a{i}.txt")) for i, t in enumerate(texts)]
        events = events_frame(results)
    elapsed = time.perf_counter() - begin
    rate = len(texts) / elapsed
    print(f"start-up {startup:.2f} s (gazetteer index, lexicon, first article)")
    verdict = "pass" if rate >= BAR else "FAIL"
    print(
        f"{len(texts)} articles, {size / len(texts) / 1000:.1f} KB each: {elapsed:.2f} s, "
        f"{rate:.0f} articles/s, {size / elapsed / 1e6:.2f} MB/s, {len(events)} events  "
        f"{verdict} (bar {BAR:.0f}/s)"
    )
    return 0 if rate >= BAR else 1


if __name__ == "__main__":
    sys.exit(main())
