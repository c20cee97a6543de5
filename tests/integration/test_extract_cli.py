"""`conflictmap extract` and `conflictmap map ARTICLE` through the CLI, good and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conflictmap.cli import cli

ARTICLES = Path(__file__).resolve().parents[1] / "data" / "articles"
RAID = ARTICLES / "01-quneitra-beit-jinn-raid.txt"


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_extract_writes_events_and_mentions(tmp_path):
    out, mentions = tmp_path / "events.geojson", tmp_path / "mentions.json"
    result = run("extract", RAID, "-o", out, "--mentions", mentions)
    assert result.exit_code == 0, result.output
    assert "Extracted" in result.output and "events from 1 article" in result.output
    features = json.loads(out.read_text())["features"]
    raid = next(f for f in features if f["properties"]["sub_event_type"] == "pushed into")
    assert (
        raid["properties"]["place_name"] == "Bayt Jinn" and raid["properties"]["event_date"] == "2025-06-13"
    )
    text = RAID.read_text(encoding="utf-8")
    spans = json.loads(raid["properties"]["evidence"])
    assert any(text[s:e] == raid["properties"]["notes"] for s, e in spans)
    records = json.loads(mentions.read_text())
    assert {"article", "start", "end", "text", "place", "role"} <= set(records[0])
    assert all(text[m["start"] : m["end"]] == m["text"] for m in records)
    assert {m["role"] for m in records} == {"site", "context"}


def test_extract_options_published_country_and_lexicon(tmp_path):
    lexicon = tmp_path / "lex.yaml"
    lexicon.write_text("categories:\n  unrest:\n    cues: [vigil]\n", encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text("Mourners held a vigil in Jasim on Friday, residents said.\n", encoding="utf-8")
    out = tmp_path / "e.csv"
    result = run(
        "extract", article, "-o", out, "--published", "2025-05-04", "--country", "SY", "--lexicon", lexicon
    )
    assert result.exit_code == 0, result.output
    table = out.read_text()
    assert "2025-05-02" in table and "unrest" in table and "Jasim" in table
    assert run("extract", article, "-o", out, "--published", "May 4").exit_code == 2


def test_map_reads_an_article(tmp_path):
    html = tmp_path / "map.html"
    result = run("map", ARTICLES / "04-damascus-strikes-mezzeh-kisweh.txt", "-o", html)
    assert result.exit_code == 0, result.output
    assert "Airstrike" in result.output and html.exists()


def test_a_txt_table_stays_csv(tmp_path):
    table = tmp_path / "events.txt"
    table.write_text("event_date,location,category\n2025-06-01,Beit Jinn,incursion\n", encoding="utf-8")
    result = run("export", table, "-o", tmp_path / "out.geojson")
    assert result.exit_code == 0, result.output
    assert "Read 1 events" in result.output


def test_markdown_and_html_articles(tmp_path):
    md = tmp_path / "a.md"
    md.write_text(
        "# Drone strike near **Kobani**\n\n*Published 2025-03-03*\n\nA Turkish drone strike hit a car near "
        "[Kobani](https://example.org) on Sunday, the SDF said.\n",
        encoding="utf-8",
    )
    page = tmp_path / "a.html"
    page.write_text(
        "<html><head><script>document.write('Homs shelled')</script></head><body>"
        "<h1>Shelling near Manbij</h1><p>Published 2025-03-03</p><p>Artillery shelled villages "
        "east of Manbij on Saturday, the war monitor said.</p></body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "e.geojson"
    result = run("extract", md, page, "-o", out)
    assert result.exit_code == 0, result.output
    props = [f["properties"] for f in json.loads(out.read_text())["features"]]
    assert {p["category"] for p in props} >= {"airstrike", "shelling"}
    assert all("Homs" not in p["notes"] and "document" not in p["notes"] for p in props)
    source = page.read_text()
    shelling = next(p for p in props if p["category"] == "shelling")
    assert any(source[s:e].startswith("Artillery shelled") for s, e in json.loads(shelling["evidence"]))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\n ", "only white space"),
        ("binary.txt", bytes(range(256)) * 4, "binary file"),
        ("latin.txt", "Raid on Beit Jinn, caf\xe9 owners said.\n".encode("latin-1"), "--encoding latin-1"),
    ],
)
def test_bad_articles_exit_2_without_output(tmp_path, name, content, message):
    article = tmp_path / name
    article.write_bytes(content)
    out = tmp_path / "events.geojson"
    result = run("extract", article, "-o", out)
    assert result.exit_code == 2, result.output
    assert message in result.output and str(article) in result.output
    assert not out.exists()


def test_latin1_article_reads_with_its_encoding(tmp_path):
    article = tmp_path / "latin.txt"
    article.write_bytes(
        "Published 2025-06-14\n\nIsraeli troops raided Beit Jinn on Friday, caf\xe9 owners said.\n".encode(
            "latin-1"
        )
    )
    out = tmp_path / "events.geojson"
    result = run("extract", article, "-o", out, "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    assert "café" in out.read_text(encoding="utf-8")


def test_a_50_mb_text_is_refused_clearly(tmp_path):
    big = tmp_path / "big.txt"
    line = b"Troops entered Nawa on Friday and left the next day, residents said.\n"
    big.write_bytes(b"Published 2025-01-10\n\n" + line * (50_000_000 // len(line)))
    out = tmp_path / "events.geojson"
    result = run("extract", big, "-o", out)
    assert result.exit_code == 2
    assert "too long for a news article" in result.output and "split it" in result.output
    assert not out.exists()


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: instant to make
    result = run("extract", big, "-o", tmp_path / "events.geojson")
    assert result.exit_code == 2 and "too large for a news article file" in result.output


def test_a_web_page_heavy_with_scripts_is_read_for_its_text(tmp_path):
    page = tmp_path / "page.html"
    script = "<script>var x = '" + "a" * 20_000_000 + "';</script>"
    page.write_text(
        "<html><head><meta property='article:published_time' content='2025-03-02'>"
        f"{script}</head><body><p>Israeli troops entered Kudna on Saturday, residents said.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "events.geojson"
    result = run("extract", page, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    events = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert [e["properties"]["category"] for e in events] == ["incursion"]
    assert "aaaa" not in out.read_text(encoding="utf-8")


def test_an_article_without_places_is_kept_unlocated_with_a_warning(tmp_path):
    article = tmp_path / "nowhere.txt"
    article.write_text(
        "Published 2025-01-10\n\nHundreds of people marched on Friday to protest, organisers said.\n"
    )
    out = tmp_path / "events.geojson"
    result = run("extract", article, "-o", out)
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.output and "no locatable place" in result.output
    features = json.loads(out.read_text())["features"]
    assert len(features) == 1 and features[0]["geometry"] is None
    assert features[0]["properties"]["located"] is False


def test_a_missing_article_is_an_error(tmp_path):
    result = run("extract", tmp_path / "nope.txt", "-o", tmp_path / "e.geojson")
    assert result.exit_code == 2 and "no such file" in result.output


def test_events_and_mentions_are_written_together_or_not_at_all(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the mentions' folder should be")
    out, mentions = tmp_path / "events.geojson", blocker / "mentions.json"
    result = run("extract", RAID, "-o", out, "--mentions", mentions)
    assert result.exit_code == 2, result.output
    assert "cannot write" in result.output and "mentions.json" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]  # no events file either
