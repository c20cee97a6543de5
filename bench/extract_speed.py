"""Speed of `conflictmap extract`: articles of about 3 KB per second on one core, after start-up.

Usage: python bench/extract_speed.py [--articles N] [--rounds R]

The corpus recombines the paragraphs of the labelled articles (tests/data/articles) into N
articles of about 3 KB, each with a dateline, so names repeat the way they do in a real feed.
Start-up (loading the gazetteer index and the lexicon) is timed separately; the run extracts
every article and builds one validated event collection, as `conflictmap extract A B ...` does.

The machine this runs on is shared: wall-clock rates of one run vary by 10% or more. The corpus
is extracted in several rounds; the median rate is reported, in wall-clock time and in the CPU
time of this process (which time taken by other programs does not inflate), and the bar is
judged on the CPU-time median: the throughput of one core.

It measures the conflictmap it imports: the installed one (``make install``), whose extraction
modules are compiled with Cython (see setup.py), unless ``PYTHONPATH`` points at the source tree,
which is pure Python. The first line says which.
"""

from __future__ import annotations

import argparse
import random
import statistics
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
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    import conflictmap
    from conflictmap.extract import default_extractor
    from conflictmap.extract.frame import events_frame
    from conflictmap.extract.text import article_from_text

    extractor = default_extractor()
    extractor.run(article_from_text("Warm-up\nPublished 2025-01-01\n\nTroops entered Nawa on Friday.\n"))
    startup = time.perf_counter() - start
    texts = corpus(args.articles)
    size = sum(len(t.encode("utf-8")) for t in texts)
    per_round = max(1, len(texts) // args.rounds)
    wall, cpu, n_events = [], [], 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(args.rounds):
            batch = texts[r * per_round : (r + 1) * per_round]
            begin, begin_cpu = time.perf_counter(), time.process_time()
            results = [extractor.run(article_from_text(t, path=f"a{i}.txt")) for i, t in enumerate(batch)]
            n_events += len(events_frame(results))
            wall.append(len(batch) / (time.perf_counter() - begin))
            cpu.append(len(batch) / (time.process_time() - begin_cpu))
    rate = statistics.median(cpu)
    print(f"conflictmap from {Path(conflictmap.__file__).parent}: {_build()}")
    print(f"start-up {startup:.2f} s (gazetteer index, lexicon, first article)")
    verdict = "pass" if rate >= BAR else "FAIL"
    print(
        f"{per_round * args.rounds} articles in {args.rounds} rounds, "
        f"{size / len(texts) / 1000:.1f} KB each, "
        f"{n_events} events"
    )
    print(f"  wall clock: median {statistics.median(wall):.0f} articles/s (rounds: {_rates(wall)})")
    print(
        f"  CPU time:   median {rate:.0f} articles/s, {rate * size / len(texts) / 1e6:.2f} MB/s "
        f"(rounds: {_rates(cpu)})  {verdict} (bar {BAR:.0f}/s on one core)"
    )
    return 0 if rate >= BAR else 1


def _build() -> str:
    """Say whether the extraction modules imported are compiled (see setup.py) or pure Python."""
    from conflictmap.extract import events, mentions, places

    compiled = [m for m in (events, mentions, places) if not str(m.__file__).endswith(".py")]
    return "compiled extraction modules" if len(compiled) == 3 else "pure Python extraction modules"


def _rates(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
