"""Places read in context, abbreviations, and what is no place: the resolver and the mention finder.

Every sentence here is written for the test; none is taken from an article.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conflictmap.cli import cli
from conflictmap.extract import extract_events
from geo.resolve import Anchor, Resolver, Surroundings, _Context, abbreviation

SPELLINGS = Path(__file__).resolve().parents[1] / "data" / "place_spellings.yaml"

QUNEITRA_CITY = Anchor("Quneitra", 33.12595, 35.82461)
DARAA_CITY = Anchor("Daraa", 32.61889, 36.10213)


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver()


def mentions(text: str) -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _events, found = extract_events(text + "\n", published="2025-10-16")
    return found


def texts(text: str) -> list[str]:
    return [m["text"] for m in mentions(text)]


# -- the resolver: surroundings --------------------------------------------------------------


def test_a_village_is_read_in_the_unit_its_sentence_names(resolver):
    alone = resolver.resolve("Ara", country="SY", inferred=True)
    near = resolver.resolve(
        "Ara",
        country="SY",
        inferred=True,
        surroundings=Surroundings(close_units=frozenset({"SY-SU"}), unit_names=(("SY-SU", "Sweida"),)),
    )

    assert alone.place.admin1 != "SY-SU"
    assert near.place.admin1 == "SY-SU"
    assert "in Sweida, named in the same sentence" in near.reason


def test_a_village_is_read_near_the_towns_of_the_document(resolver):
    res = resolver.resolve(
        "al-Hamidiya", country="SY", inferred=True, surroundings=Surroundings(wide=(QUNEITRA_CITY,))
    )

    assert res.place.admin1 == "SY-QU"
    assert "km from Quneitra, named in the same text" in res.reason


def test_a_major_place_is_meant_wherever_the_document_lies(resolver):
    around_daraa = Surroundings(close=(DARAA_CITY,), close_units=frozenset({"SY-DR"}))

    amman = resolver.resolve("Amman", country="SY", inferred=True, surroundings=around_daraa)
    sweida = resolver.resolve(
        "Sweida", country="SY", inferred=True, surroundings=Surroundings(close=(QUNEITRA_CITY,))
    )

    assert amman.place.place_id == "gn:250441"  # the capital of Jordan
    assert sweida.place.place_id == "gn:172408"  # the city, not a village nearer Quneitra


def test_a_consonant_match_is_taken_only_where_its_sentence_locates_it(resolver):
    in_sentence = Surroundings(close_units=frozenset({"SY-DR"}))
    in_text = Surroundings(wide_units=frozenset({"SY-DR"}))

    assert resolver.resolve("Tafs", country="SY", inferred=True, surroundings=in_sentence).place.place_id == (
        "gn:163806"
    )
    assert resolver.resolve("Tafs", country="SY", inferred=True, surroundings=in_text).place.place_id != (
        "gn:163806"
    )


def test_an_abandoned_village_is_taken_only_among_the_document_places(resolver):
    alone = resolver.resolve("al-Adnaniyah", country="SY", inferred=True)
    near = resolver.resolve(
        "al-Adnaniyah", country="SY", inferred=True, surroundings=Surroundings(close=(QUNEITRA_CITY,))
    )

    assert alone.place.place_id != "gn:8200019"  # an inhabited namesake first
    assert (near.place.place_id, near.place.feature) == ("gn:8200019", "PPLQ")


def test_a_direction_before_a_governorate_is_no_arabic_suffix(resolver):
    # "western X" may be the village "X Gharbi", but not when X names a governorate.
    res = resolver.resolve("western Daraa", country="SY", inferred=True)

    assert (res.place.kind, res.place.region) == ("admin1", "SY-DR")


# -- abbreviations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "letters"),
    [("the US", "US"), ("U.S.", "US"), ("the U.K.", "UK"), ("UAE", "UAE"), ("Ur", None), ("HOMS", None)],
)
def test_abbreviation_letters(query, letters):
    assert abbreviation(query) == letters


@pytest.mark.parametrize(
    ("query", "region"),
    [("the US", "US"), ("US", "US"), ("U.S.", "US"), ("UK", "GB"), ("the U.K.", "GB"), ("KSA", "SA")],
)
def test_a_country_abbreviation_is_the_country(resolver, query, region):
    res = resolver.resolve(query)

    assert (res.place.kind, res.place.region) == ("country", region)


@pytest.mark.parametrize("query", ["the UN", "UN", "EU", "the EU"])
def test_an_organisation_abbreviation_is_no_place(resolver, query):
    res = resolver.resolve(query)

    assert res.place is None
    assert "abbreviation" in res.reason


def geocode_json(*names: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["geocode", "--json", *names])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_geocode_command_reads_abbreviations():
    rows = geocode_json("the US", "US", "UK", "the UN")

    assert [row["country"] for row in rows[:3]] == ["US", "US", "GB"]
    assert [row["kind"] for row in rows[:3]] == ["country"] * 3
    assert rows[3]["found"] is False and "abbreviation" in rows[3]["reason"]


def test_geocode_names_do_not_pull_each_other():
    # In a document "Ara" next to "Sweida" is the Sweida village; a list of names is no document.
    together = geocode_json("Sweida", "Ara")[1]
    alone = geocode_json("Ara")[0]

    assert together["place_id"] == alone["place_id"]


# -- the mention finder --------------------------------------------------------------------------


def test_country_abbreviations_are_mentions_as_nouns_only():
    found = mentions(
        "Officials from Jordan and the US met in Amman. U.S. officials declined to comment. "
        "The US-brokered truce held, the UK-based monitor said, and the UN urged calm."
    )

    assert [m["text"] for m in found] == ["Jordan", "US", "Amman"]
    assert found[1]["place"]["place_id"] == "region:US"


def test_capitalised_common_words_names_and_operations_are_no_places():
    assert texts("Will the talks resume? So far, officials met only in Damascus.") == ["Damascus"]
    assert texts("The raid, dubbed Operation Green Dawn, hit a depot near Damascus.") == ["Damascus"]
    assert texts("A strike hit Nawa. Photo by Ayal Cohen.") == ["Nawa"]


def test_arabic_function_words_and_generic_nouns_are_no_places():
    found = mentions("قصف في مدينة درعا و #درعا_البلد، وعلى السكان الانتقال إلى شمال نهر الأولي")

    assert [m["text"] for m in found] == ["مدينة درعا", "درعا_البلد", "نهر الأولي"]
    assert [m["place"] and m["place"]["place_id"] for m in found[:2]] == ["gn:170905", "gn:170905"]


def test_two_arabic_function_words_are_no_place():
    # "قبل أن" (before) matched Qabalan, a village in the West Bank
    found = mentions("نصبت القوات حاجزاً في مدينة درعا قبل أن تنسحب")
    assert [m["text"] for m in found] == ["مدينة درعا"]


def test_a_hashtag_is_one_mention_with_its_underscores_read_as_spaces():
    found = mentions("تحذير إلى سكان #جنوب_لبنان اليوم")

    assert [m["text"] for m in found] == ["جنوب_لبنان"]
    assert found[0]["place"]["kind"] == "admin1"


def test_names_framed_by_a_place_noun_are_mentions_though_unknown():
    found = mentions(
        "Troops entered the village of Tell Zaatar and the hamlets of Abu Kharuf and Ain Sakhrah."
    )

    assert [m["text"] for m in found][-2:] == ["Abu Kharuf", "Ain Sakhrah"]
    assert found[-1]["place"] is None


def test_a_mention_is_resolved_among_its_sentence_places_and_says_why():
    found = {
        m["text"]: m for m in mentions("Gunmen fired on the village of Ara, southwest of Sweida, on Sunday.")
    }

    assert found["Ara"]["place"]["place_id"] == "gn:173108"  # the Sweida village
    hamidiya = mentions("A patrol entered al-Hamidiyah in the Quneitra countryside on Friday.")[0]
    assert 33.1 < hamidiya["place"]["lat"] < 33.2  # the Quneitra village, not a larger namesake
    assert "Quneitra" in hamidiya["reason"]


def test_a_bridge_named_after_a_village_lies_at_the_village():
    found = {m["text"]: m for m in mentions("Turkish jets struck near the Karakozak Bridge south of Kobani.")}

    assert found["Karakozak Bridge"]["place"]["place_id"] == "gn:166079"


def test_the_shortcuts_of_surroundings_give_the_full_ranking():
    # Re-ranking is skipped when the surroundings cannot move the answer: the same answers as
    # ranking every phrase anew with them (bar consonant-only matches, which only the
    # surroundings bring in).
    resolver = Resolver()
    cases = [
        Surroundings(close=(QUNEITRA_CITY,)),
        Surroundings(wide=(DARAA_CITY,), wide_units=frozenset({"SY-DR"})),
        Surroundings(close_units=frozenset({"SY-HL"}), wide=(Anchor("Latakia", 35.53, 35.79),)),
    ]
    names = _spellings()
    assert len(names) >= 100
    for name in names:
        for near in cases:
            fast = resolver.resolve(name, country="SY", inferred=True, surroundings=near)
            anew = Resolver(gazetteer=resolver.gazetteer)._resolve(
                name, _Context("SY", None, None, explicit=False, surroundings=near)
            )
            if fast.match < 2:
                assert fast.place == anew.place, (name, near)


def _spellings() -> list[str]:
    data = yaml.safe_load(SPELLINGS.read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else next(v for v in data.values() if isinstance(v, list))
    names = [i.get("name") or i.get("query") or i.get("text") for i in items if isinstance(i, dict)]
    return [n for n in names if n][:150]


def test_a_title_case_headline_is_no_evidence_of_a_place():
    # "to End" in a headline is a verb written with a capital, not the village a looser spelling finds.
    assert texts("Leaders Agree to a Plan to End the Fighting\n\nTroops later entered Nawa.") == ["Nawa"]


def test_after_a_title_only_the_last_names_are_a_surname():
    # "Minister Israel Katz": Katz is the surname; "Israel said" later is the country speaking.
    found = texts("Defense Minister Israel Katz visited the front. Israel said the raid was over.")

    assert found == ["Israel"]


def test_an_arabic_place_word_opens_a_name_even_with_a_given_name_in_it():
    # "Tallet" (hill of), "Khirbet" (ruin of): the words after them are a place, not a person.
    found = texts("Drones struck Tallet Hassan Zaki and Khirbet Nour el-Din overnight.")

    assert found == ["Tallet Hassan Zaki", "Khirbet Nour el-Din"]


def test_a_foreign_town_named_by_a_common_word_is_no_place_without_support():
    assert texts("Reading the statement, officials in Damascus said the raid was over.") == ["Damascus"]
    assert texts("Split between factions, the town of Nawa stayed calm. Deal or no deal, it held.") == [
        "Nawa"
    ]
    # Capitals and cities of a million are meant without a preposition before them.
    assert texts("Florence Parly said Paris would host talks. Washington welcomed it; Istanbul too.") == [
        "Paris",
        "Washington",
        "Istanbul",
    ]


def test_an_arabic_name_is_read_in_the_context_of_the_english_text():
    found = mentions(
        "Israeli forces entered villages in the Quneitra countryside on Monday.\n\n"
        "#عاجل دخول قوة إسرائيلية إلى الحميدية"
    )

    hamidiyah = found[-1]
    assert hamidiyah["text"] == "الحميدية"
    assert hamidiyah["place"]["place_id"] == "gn:174167"  # the Quneitra village of eleven namesakes
    assert "Quneitra countryside" in hamidiyah["reason"]


def test_a_dateline_place_abroad_is_a_place():
    assert texts("GENEVA, Switzerland (Wire) - Talks on Syria resumed on Monday.")[0] == "GENEVA"


def test_a_plural_admin_word_makes_each_name_of_the_list_a_unit():
    # "the Daraa and Sweida provinces": Daraa is the province as well, not the city.
    found = mentions("Clashes spread across the Daraa and Sweida provinces on Friday.")

    assert [(m["text"], m["place"]["place_id"]) for m in found] == [
        ("Daraa", "region:SY-DR"),
        ("Sweida provinces", "region:SY-SU"),
    ]


def test_a_number_is_no_place_mention():
    # Some gazetteers name city districts by number ("1", "400"); a count in a report is none.
    found = texts("Israeli forces have launched 400 raids and 1 airstrike on Quneitra since January 2025.")
    assert found == ["Quneitra"]


def test_an_attackers_demonym_does_not_decide_the_country_of_the_places():
    # Israeli troops and drones are who acted; the unit the sentence names says where: Koya is the
    # village in Daraa (Al Kuwayyah), not the larger town of that name in Iraqi Kurdistan.
    found = mentions(
        "Israeli troops shelled the edge of Koya village in the western Daraa countryside on Monday. "
        "Israeli drones flew over the area while Israeli officials gave no comment."
    )
    koya = next(m for m in found if m["text"] == "Koya")
    assert koya["place"]["place_id"] == "gn:173579"
    assert "Daraa" in koya["reason"]


@pytest.mark.parametrize(
    ("sentence", "absent"),
    [
        # "Tel" (hill) alone is At Tall near Damascus; "Tel Mardikh" is no name the gazetteer has
        ("Turkish artillery shelled Tel Mardikh and Saraqeb in Idlib on Monday.", "Tel"),
        # "Hursh" (woods) alone is Al Harsh, a village somewhere in Idlib
        ("Russian jets struck Hursh Basinqoul in the Idlib countryside on Monday.", "Hursh"),
    ],
)
def test_the_generic_first_word_of_an_unknown_name_is_no_place(sentence, absent):
    found = texts(sentence)
    assert absent not in found
    assert any(t.startswith("Idlib") for t in found)


def test_a_known_name_that_opens_with_a_generic_word_is_found_whole():
    assert "Khirbet Ghazaleh" in texts("Gunmen attacked Khirbet Ghazaleh in Daraa on Monday.")


def test_a_list_of_places_goes_on_with_names_spelled_as_heard():
    # Sfuhen and Fulayfel are Safuhun and Fulayfil in southern Idlib, known to the gazetteer only
    # in those spellings: after Kansafra, the list says they are places, and the sentence says where.
    found = {
        m["text"]: m["place"]
        for m in mentions("Shelling hit Kansafra, Sfuhen and Fulayfel in southern Idlib.")
    }
    assert found["Sfuhen"]["place_id"] == "gn:164662"
    assert found["Fulayfel"]["place_id"] == "gn:170361"


@pytest.mark.parametrize(
    "sentence",
    [
        "Talks were held in Paris, Shaibani and Dermer said on Monday.",
        "In Damascus, Barrack and Sharaa discussed the integration of the SDF.",
    ],
)
def test_names_after_a_place_that_no_place_matches_are_no_mentions(sentence):
    assert len(texts(sentence)) == 1


def test_a_namesake_in_the_unit_the_sentence_names_beats_a_larger_town_across_the_border():
    # Ash Shajarah in Jordan (11,000 people) lies 16 km from Daraa city; the village in Daraa
    # governorate is the one "west of Daraa" in a report on Syria.
    found = mentions(
        "Gunmen fired on a car on the road between al-Shajara and Saham al-Golan, west of Daraa."
    )
    shajara = next(m for m in found if m["text"] == "al-Shajara")
    assert shajara["place"]["place_id"] == "gn:172829"
    assert "Daraa" in shajara["reason"]


def test_a_larger_town_abroad_stays_meant_without_a_namesake_in_the_named_unit():
    assert texts("Talks in Baku followed strikes in Daraa on Monday.")[0] == "Baku"
    baku = next(
        m for m in mentions("Talks in Baku followed strikes in Daraa on Monday.") if m["text"] == "Baku"
    )
    assert baku["place"]["name"] == "Baku"


@pytest.mark.parametrize(
    "sentence", ["IDF troops raided four sites in Hader on Saturday.", "The IDF said troops raided Hader."]
)
def test_an_army_s_abbreviation_is_no_place(sentence):
    assert texts(sentence) == ["Hader"]


def test_a_framed_name_known_only_by_its_consonants_far_from_the_article_is_not_located():
    # "the hill of Abu As'ad" in the Latakia countryside: Abu Saddah shares its consonants but
    # lies in Hasakah, 450 km away
    found = mentions(
        "A soldier was shot dead by a sniper on the hill of Abu As'ad in the north Latakia countryside."
    )
    hill = next(m for m in found if m["text"] == "Abu As'ad")
    assert hill["place"] is None


def test_a_tie_among_far_small_namesakes_is_not_located():
    # Two small villages named Zubaydah lie in Aleppo and Homs; the report is about Quneitra,
    # where the shipped gazetteer has none: taking either would be a guess 250 km away.
    report = "An Israeli patrol entered the village of Zubayda in the Quneitra countryside on Friday."
    found = mentions(report)
    zubayda = next(m for m in found if m["text"] == "Zubayda")
    assert zubayda["place"] is None
    assert "not located" in zubayda["reason"]
    events, _ = extract_events(report + "\n", published="2025-10-16")
    assert list(events["place_name"]) == ["Quneitra"]  # the governorate the sentence names


def test_an_event_left_unlocated_by_the_article_is_not_geocoded_out_of_it():
    # "Maqus" is unknown to the shipped gazetteer; only its consonants match "Mukus", a variant of
    # Umm Qays in Jordan. The article places it east of Sweida city: the extractor keeps the
    # event unlocated, and nothing after it may locate the event by the bare name, without
    # the article, 80 km away in another country.
    report = (
        "Clashes broke out in Sweida city on Sunday.\n\n"
        "The fighting broke out in the Maqus neighborhood, east of Sweida city, on Sunday.\n"
    )
    events, found = extract_events(report, published="2025-07-13")
    maqus = next(m for m in found if m["text"] == "Maqus")
    assert maqus["place"] is None
    row = events[events["location"] == "Maqus"].iloc[0]
    assert not row["located"]
    assert row["place_name"] is None or row["place_name"] != row["place_name"]  # None or NaN
    assert row["country"] is None or row["country"] != row["country"]


def test_an_extracted_event_left_unlocated_stays_so_when_its_file_is_read_again(tmp_path):
    # extract -> GeoJSON -> map/export: reading the file must not geocode "Maqus" by its bare name
    from conflictmap.pipeline import load_events
    from conflictmap.writers import write_events

    report = (
        "Clashes broke out in Sweida city on Sunday.\n\n"
        "The fighting broke out in the Maqus neighborhood, east of Sweida city, on Sunday.\n"
    )
    events, _ = extract_events(report, published="2025-07-13")
    write_events(events, tmp_path / "x.geojson")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again, summary = load_events([tmp_path / "x.geojson"])
    row = again[again["location"] == "Maqus"].iloc[0]
    assert not row["located"]
    assert summary.unlocated == 1


def test_a_framed_consonant_match_near_a_town_of_the_article_is_taken():
    found = mentions(
        "Israeli forces entered Quneitra city on Friday. A patrol then moved on to the village of Rwayhina."
    )
    rwayhina = next(m for m in found if m["text"] == "Rwayhina")
    assert rwayhina["place"]["place_id"] == "gn:165250"  # Ruwayhinah, 6 km from Quneitra


@pytest.mark.parametrize(
    ("sentence", "mention", "region"),
    [
        (
            "Israeli troops entered the southern countryside of Quneitra on Saturday.",
            "southern countryside of Quneitra",
            "SY-QU",
        ),
        ("Gunmen attacked a checkpoint in rural Damascus on Friday.", "rural Damascus", "SY-RD"),
        ("Israeli troops raided a small village in Quneitra on Friday.", "Quneitra", "SY-QU"),
    ],
)
def test_a_countryside_written_before_its_name_is_the_governorate(sentence, mention, region):
    found = {m["text"]: m for m in mentions(sentence)}
    assert found[mention]["place"]["kind"] == "admin1"
    assert found[mention]["place"]["place_id"] == f"region:{region}"


def test_a_village_in_a_town_without_a_province_is_the_town():
    found = {m["text"]: m for m in mentions("Israeli troops raided a village in Nawa on Friday.")}
    assert found["Nawa"]["place"]["kind"] == "populated place"


def test_a_capitalised_direction_before_a_name_is_no_district():
    # "Southern" alone is a name of Israel's Southern District; before a name it is a direction.
    found = {m["text"]: m for m in mentions("Israeli troops entered Sweisa in Southern Quneitra on Friday.")}
    assert "Southern" not in found
    assert found["Quneitra"]["place"]["place_id"] in ("gn:173334", "region:SY-QU")
    assert [m["text"] for m in mentions("Sirens sounded across the Southern District on Friday.")] == [
        "Southern District"
    ]


def test_framed_names_vote_for_the_country_and_an_acting_capital_does_not():
    # The towns are named the way wire reports name them ("the town of X"), and Tel Aviv stands
    # for Israel's government: the report is about Lebanon, so Houla is the Lebanese village,
    # not Kafr Laha in Homs (whose alias is Houla).
    found = mentions(
        "Fighting intensified between the Tel Aviv regime and the group on Sunday. "
        "A drone struck a house in the village of Houla. Another strike hit the town of Adloun, "
        "and a third hit the village of Siddikine."
    )
    houla = next(m for m in found if m["text"] == "Houla")
    assert houla["place"]["place_id"] == "gn:273872"  # Houla, Nabatieh (LB)


def test_a_tie_between_countries_is_broken_by_the_demonyms_not_by_the_order():
    # One place of Israel (Metula) and one of Syria (Sweida): the Syrian residents and villagers
    # make Syria the country, whichever was named first; Kuya is then the Daraa village.
    found = mentions(
        "Syrian residents of Kuya said the patrol had come from Metula. "
        "Syrian villagers near Sweida reported the same."
    )
    kuya = next(m for m in found if m["text"] == "Kuya")
    assert kuya["place"]["place_id"] == "gn:173579"  # Al Kuwayyah, Daraa (SY)


def test_a_datelines_country_is_one_vote_not_the_article_country():
    # A bureau in Erbil reports on north-east Syria: Hasakah city is the Syrian city, not the
    # Iraqi village of that name.
    found = mentions(
        "ERBIL (Kurdistan 24) - A Turkish drone strike hit Tel Tawil village at the northern entrance "
        "to Hasakah city on Tuesday, and another drone hit the village of Awja in the Tal Tamr district."
    )
    hasakah = next(m for m in found if m["text"] == "Hasakah city")
    assert hasakah["place"]["place_id"] == "gn:173811"  # Al-Hasakah, Syria


def test_a_dataset_s_own_evidence_column_does_not_stop_geocoding(tmp_path):
    from conflictmap.pipeline import load_events

    path = tmp_path / "own.csv"
    path.write_text("event_date,location,evidence\n2025-01-01,Daraa,witness accounts\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events, summary = load_events([path])
    assert bool(events["located"].iloc[0])
    assert summary.unlocated == 0
