"""Events as real reports tell them (issue 11): one event per place and day, events beyond the
first sentence, background that is no event. Every sentence here was written for these tests."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conflictmap.errors import ConfigurationError
from conflictmap.extract import extract_events, load_lexicon

HEAD = "Published 2025-10-16\n\n"  # a Thursday


def _events(*sentences: str):
    events, _ = extract_events(HEAD + " ".join(sentences) + "\n")
    return events


def _by_place(events) -> dict[str, str]:
    return dict(zip(events["location"], events["category"], strict=True))


# -- one event per place --------------------------------------------------------------------------


def test_entering_two_villages_is_two_events_and_the_governorate_is_no_site():
    events = _events(
        "An Israeli force entered the villages of Jamleh and Saysoun in the western countryside "
        "of Daraa on Tuesday."
    )
    assert sorted(events["location"]) == ["Jamleh", "Saysoun"]
    assert set(events["category"]) == {"incursion"}
    assert set(events["event_date"].dt.date) == {dt.date(2025, 10, 14)}


def test_a_relative_clause_tells_the_entry_again_and_the_reporters_town_is_no_site():
    # "the villages it entered" is the entry of the first sentence told again; where the
    # correspondent sits is no new incursion.
    events = _events(
        "An Israeli force entered the villages of Jamleh and Saysoun on Tuesday.",
        "A correspondent in Daraa said the force did not search any homes in the villages it entered.",
    )
    assert sorted(events["location"]) == ["Jamleh", "Saysoun"]


def test_a_conjunction_before_a_pronoun_opens_no_relative_clause():
    # "since they signed": a new clause, not "the X they signed" (which would fold the March
    # agreement into Sunday's as a report told again)
    events = _events(
        "Officials of both sides signed a local agreement in Manbij on Sunday.",
        "Heavy fighting broke out on Tuesday around Deir Hafer, the worst between the two sides "
        "since they signed an integration agreement last March.",
    )
    agreements = events[events["category"] == "agreement"]
    assert sorted(agreements["event_date"].dt.month) == [3, 10]


@pytest.mark.parametrize(
    "sentence, site",
    [
        ("A correspondent in Daraa reported that Israeli forces raided Saida on Sunday.", "Saida"),
        ("A reporter in Quneitra said troops entered Jubata al-Khashab on Sunday.", "Jubata al-Khashab"),
        ("Local sources in Daraa said an Israeli patrol entered Maariya on Sunday.", "Maariya"),
    ],
)
def test_where_the_report_comes_from_is_no_site(sentence, site):
    assert list(_events(sentence)["location"]) == [site]


def test_people_in_a_place_are_where_it_happened_unless_they_report():
    # "activists in Kudna" hit by a drone are no source of the report: Kudna is the strike's site
    events = _events(
        "Israeli drones struck Jamleh on Tuesday.", "Drones then struck a gathering of activists in Kudna."
    )
    assert list(events["location"]) == ["Jamleh", "Kudna"]


def test_the_mornings_fighting_is_the_fighting_told_before():
    # "the morning's fighting" refers to the clashes of the first sentence; the town the
    # activists report from is no new place of them.
    events = _events(
        "On Friday morning, clashes broke out on the outskirts of Sweida city.",
        "The morning's fighting left ten dead, activists in Qanawat said.",
    )
    assert list(events["category"]) == ["clashes"]
    assert list(events["location"]) == ["Sweida city"]
    events = _events(
        "On Friday morning, clashes broke out on the outskirts of Sweida city.",
        "Monitors confirmed casualties from the morning's fighting and said that aid trucks trying "
        "to reach the city were turned back at a checkpoint in Shahba.",
    )
    assert list(events["location"]) == ["Sweida city"]


@pytest.mark.parametrize("habit", ["near-daily", "almost daily", "nearly daily"])
def test_a_habit_is_no_event(habit):
    events = _events(
        "An Israeli patrol entered Maariya on Tuesday.",
        f"Israeli forces have been carrying out {habit} incursions into the Quneitra countryside.",
    )
    assert list(events["location"]) == ["Maariya"]


def test_a_place_that_opens_the_clause_frames_it():
    events = _events(
        "Local media reported that in Quneitra, Israeli forces entered the village of Rasm al-Halabi "
        "on Sunday."
    )
    assert list(events["location"]) == ["Rasm al-Halabi"]
    alone = _events("In Quneitra, an Israeli patrol set up a checkpoint on Sunday.")
    assert list(alone["location"]) == ["Quneitra"]  # the frame is the site when nothing else is named


def test_a_count_too_large_for_one_day_is_a_tally_without_a_day():
    events = _events(
        "An Israeli patrol entered Kudna on Tuesday.",
        "Israel has conducted hundreds of airstrikes targeting military sites in Syria, including "
        "fighter jets and radars.",
    )
    assert list(events["category"]) == ["incursion"]
    # a count of people is no tally, and a day of its own makes the count one day's events
    fled = _events("An Israeli patrol entered Kudna on Tuesday.", "Hundreds of families fled toward Aleppo.")
    assert sorted(fled["category"]) == ["incursion", "other"]
    dated = _events("Dozens of airstrikes hit Idlib on Monday.")
    assert list(dated["category"]) == ["airstrike"]


@pytest.mark.parametrize(
    "sentence",
    [
        "An Israeli unmanned aerial vehicle targeted a house in Houla on Sunday.",
        "An Israeli UAV fired a missile at a car in Houla on Sunday.",
        "An Israeli military strike has killed two people in Houla on Sunday.",
    ],
)
def test_drones_by_other_names_strike_from_the_air(sentence):
    events = _events("Clashes broke out in Khiam on Saturday.", sentence)
    assert dict(zip(events["location"], events["category"], strict=True))["Houla"] == "airstrike"


@pytest.mark.parametrize(
    "sentence",
    [
        "A strike on the town of Adloun, deep in south Lebanon near Sidon, killed a woman on Sunday.",
        "An Israeli strike on Adloun in south Lebanon near Sidon killed a woman on Sunday.",
    ],
)
def test_a_town_near_which_the_site_lies_is_no_site_though_a_region_stands_between(sentence):
    assert list(_events(sentence)["location"]) == ["Adloun"]


def test_a_village_no_gazetteer_knows_is_an_unlocated_event_of_its_own():
    # Rasm al-Qita (Quneitra) is in none of the shipped sources: its incursion is kept, at its
    # name and without coordinates, not folded into the day's incursion at Kudna.
    events = _events(
        "An Israeli patrol entered Kudna on Tuesday.",
        "Israeli forces also advanced into the village of Rasm al-Qita and set up a checkpoint.",
    )
    assert list(events["location"]) == ["Kudna", "Rasm al-Qita"]
    unknown = events[events["location"] == "Rasm al-Qita"].iloc[0]
    assert unknown["geometry"] is None and pd.isna(unknown["place_id"])
    # the same when the only located place is a reference point ("east of Sweida city")
    east = _events(
        "Clashes broke out in Sweida on Sunday.",
        "The violence broke out in the Maqus neighborhood, east of Sweida city.",
    )
    assert list(east["location"]) == ["Sweida", "Maqus"]


@pytest.mark.parametrize(
    "top",
    [
        "MIDDLE EAST\nIsraeli army conducts fourth incursion into Syria's Quneitra in two days: reports",
        "Damaged buildings in Quneitra (Credit: AFP)\nIsraeli forces raid Quneitra villages",
    ],
)
def test_a_headline_below_a_kicker_or_caption_only_adds_evidence(top):
    text = top + "\nOn Tuesday, an Israeli patrol entered Kudna.\n"
    events, _ = extract_events(text, published="2025-10-16")
    assert list(events["location"]) == ["Kudna"]


@pytest.mark.parametrize(
    "text",
    [
        "Israeli drones struck Kudna this morning\n",
        "BREAKING\nIsraeli drones struck Kudna this morning\n",
        "Israeli drones struck Kudna this morning\nTwo killed, local sources say\n",
    ],
)
def test_a_text_of_lines_without_full_stops_has_the_events_of_its_lines(text):
    # a post or a bare headline: no body to add their evidence to, so they are the events
    events, _ = extract_events(text, published="2025-10-16")
    assert list(zip(events["category"], events["location"], strict=True)) == [("airstrike", "Kudna")]


@pytest.mark.parametrize(
    "trend",
    [
        "Israeli incursions into Quneitra have recently intensified.",
        "Locals report intensified Israeli incursions in the Quneitra countryside.",
        "Since the fall of Assad, Israel has escalated its operations, including intensified airstrikes.",
        "Israeli forces have since then been carrying out several incursions into Daraa province.",
        "Similar recent attacks in Hasakah province left dozens dead.",
        "Turkey has carried out 13 aerial attacks in Hasakah province in the last five months.",
    ],
)
def test_a_trend_without_a_day_is_no_event(trend):
    assert list(_events("An Israeli patrol entered Kudna on Tuesday.", trend)["location"]) == ["Kudna"]


def test_single_quoted_speech_reports_no_event():
    events = _events(
        "Israeli troops raided Beit Jinn on Thursday.",
        "'They came targeting people in Kudna,' said a resident of the village.",
    )
    assert list(events["category"]) == ["incursion"]


@pytest.mark.parametrize(
    "sentence, site",
    [
        # munitions are counted in one barrage
        ("Hezbollah fired hundreds of rockets at Kiryat Shmona.", "Kiryat Shmona"),
        # the simple past tells that day's strikes
        ("Israel carried out dozens of airstrikes on Daraa province.", "Daraa province"),
    ],
)
def test_a_count_of_munitions_or_of_one_days_strikes_is_an_event(sentence, site):
    events = _events("Clashes broke out in Khiam on Tuesday.", sentence)
    assert site in set(events["location"])


def test_a_count_too_large_for_the_days_it_is_given_is_a_tally():
    last_week = _events(
        "Israeli troops raided Beit Jinn on Thursday.",
        "Israel carried out hundreds of airstrikes in Daraa province last week.",
    )
    assert list(last_week["location"]) == ["Beit Jinn"]
    one_day = _events(
        "Israeli troops raided Beit Jinn on Thursday.",
        "Israel carried out dozens of airstrikes in Daraa province on Wednesday.",
    )
    assert sorted(one_day["location"]) == ["Beit Jinn", "Daraa province"]


def test_a_truce_named_as_background_is_no_agreement():
    events = _events(
        "Israeli strikes hit Khiam on Tuesday, breaching the ceasefire that ended the war in November 2024."
    )
    assert list(events["category"]) == ["airstrike"]


@pytest.mark.parametrize("count", ["400", "hundreds of"])
def test_a_count_since_a_day_is_a_tally(count):
    # the day opens the period ("since the fall ... on September 8"), it is no day of the raids
    events = _events(
        "Israeli troops raided Beit Jinn on Thursday.",
        f"Since the fall of the government on September 8, Israel has launched {count} raids on "
        "military sites in Daraa province.",
    )
    assert list(events["location"]) == ["Beit Jinn"]


def test_a_meeting_in_the_coming_weeks_is_no_event():
    events = _events(
        "The two delegations met in Amman on Tuesday.",
        "The parties agreed to reconvene in the coming weeks for further negotiations in Beirut.",
    )
    meetings = events[events["category"] == "diplomatic"]
    assert list(meetings["location"]) == ["Amman"]


def test_a_list_of_villages_hit_is_an_event_at_each():
    events = _events("Turkish artillery shelled the villages of Tal Tamr, Sirrin and Kobani on Monday.")
    assert sorted(events["location"]) == ["Kobani", "Sirrin", "Tal Tamr"]
    assert set(events["category"]) == {"shelling"}


def test_raiding_one_village_then_moving_on_to_another_is_two_events():
    events = _events("Israeli troops raided Kudna before moving on to Jasim on Monday.")
    assert sorted(events["location"]) == ["Jasim", "Kudna"]


def test_forces_moving_from_one_place_toward_another_are_an_event_where_they_went():
    events = _events("An Israeli patrol moved from Kudna toward Jasim on Monday.")
    assert list(events["location"]) == ["Jasim"]  # Kudna is where it came from


def test_reference_points_are_no_sites():
    events = _events("Israeli drones struck Jasim, a town 20 km east of Nawa, on Monday.")
    assert list(events["location"]) == ["Jasim"]
    events = _events("Clashes broke out on Monday in Sirrin, north of Raqqa.")
    assert list(events["location"]) == ["Sirrin"]


@pytest.mark.parametrize(
    "sentence",
    [
        # our own sentences, shaped like real reports that put a pin in the attacker's country
        "'Israel' has conducted dozens of airstrikes on Syrian army sites since Monday.",
        "Israel raids a Syrian village and detains three men.",
        "On Monday locals spoke angrily of Tel Aviv's advances into their fields.",
        "Since the truce brokered by the US and France, Tel Aviv has repeatedly struck Lebanese towns.",
        "While Israel withdrew from most areas it entered on Monday, it keeps troops on five hilltops.",
    ],
)
def test_a_country_or_capital_that_acts_is_no_site(sentence):
    events = _events("Israeli forces entered Kudna on Monday.", sentence)
    assert "Kudna" in set(events["location"])
    assert not set(events["location"]) & {"Israel", "Tel Aviv", "US", "France"}, events[["location", "notes"]]


def test_a_capital_that_is_hit_is_still_the_site():
    events = _events("Israeli jets struck Damascus's airport on Monday.")
    assert list(events["location"]) == ["Damascus"]
    events = _events("Damascus was hit by Israeli airstrikes on Monday.")
    assert list(events["location"]) == ["Damascus"]


def test_residents_of_a_place_do_not_place_the_event_there():
    events = _events(
        "An Israeli patrol advanced toward Jasim on Monday before residents of Nawa blocked the road."
    )
    assert list(events["location"]) == ["Jasim"]


def test_a_meeting_has_one_venue_and_its_participants_countries_are_not_it():
    events = _events("The foreign ministers of Syria and Lebanon met in Beirut on Thursday.")
    assert _by_place(events) == {"Beirut": "diplomatic"}


# -- events beyond the first sentence --------------------------------------------------------------


def test_follow_up_sentences_without_a_lead_cue_are_events():
    events = _events(
        "Israeli troops entered Kudna on Monday.",
        "A second column of armoured vehicles reached the outskirts of Jasim.",
        "Shots were also heard near the checkpoint.",
    )
    assert _by_place(events)["Jasim"] == "incursion"
    assert "clashes" in set(events["category"])
    assert len(events[events["category"] == "incursion"]) == 2


def test_a_patrol_that_came_under_fire_and_called_in_a_drone_is_two_events():
    events = _events("On Monday an Israeli patrol came under fire near Jasim and called in a drone.")
    assert sorted(events["category"]) == ["airstrike", "clashes"]


def test_one_of_a_group_of_strikes_at_a_place_of_its_own_is_its_own_event():
    events = _events(
        "Turkish warplanes carried out several airstrikes in the countryside of Kobani on Saturday.",
        "One of the airstrikes destroyed a school in the town of Sirrin.",
    )
    assert sorted(events["location"]) == ["Sirrin", "countryside of Kobani"]  # the phrase is the mention


def test_another_unit_is_another_event_not_a_report_of_the_first():
    events = _events(
        "Israeli forces carried out incursions in the Quneitra countryside on Sunday.",
        "Troops entered Kudna.",
        "Another unit advanced into Jubata al-Khashab.",
    )
    assert {"Kudna", "Jubata al-Khashab"} <= set(events["location"])
    kudna = events[events["location"] == "Kudna"].iloc[0]
    # the region's report gave its place to the village: the notes are the sentence naming it
    assert kudna["notes"] == "Troops entered Kudna."


def test_an_earlier_event_that_a_report_follows_keeps_its_own_day():
    events = _events(
        "Israeli troops entered Jamleh on Wednesday.",
        "The raid followed an Israeli incursion into Jamleh on Monday.",
    )
    assert sorted(events["event_date"].dt.date) == [dt.date(2025, 10, 13), dt.date(2025, 10, 15)]


def test_a_place_named_again_as_the_village_is_that_village():
    events = _events(
        "Israeli troops entered Kudna on Monday.",
        "Three days earlier, a drone strike hit a car in the village.",
    )
    assert sorted(zip(events["category"], events["location"], strict=True)) == [
        ("airstrike", "Kudna"),
        ("incursion", "Kudna"),
    ]


def test_a_quotation_that_continues_the_sentence_is_read():
    events = _events("The correspondent added that “the force reached the outskirts of Jasim and withdrew.”")
    assert list(events["location"]) == ["Jasim"]
    quoted = _events('The governor said: "We will not let them raid Jasim again."')
    assert "incursion" not in set(quoted["category"])


# -- what is no event ------------------------------------------------------------------------------


def test_background_and_generic_mentions_are_no_events():
    events = _events(
        "Israeli troops raided Kudna on Monday.",
        "The raid took place despite last month's understanding.",
        "Such raids have grown more frequent since last year.",
    )
    assert list(events["category"]) == ["incursion"]
    assert len(events) == 1


@pytest.mark.parametrize(
    "tally",
    [
        "Israel has carried out more than 1,000 airstrikes on Syria since December 2024.",
        "Monitors counted 49 separate raids across southern Syria throughout September.",
        "Israeli forces have repeatedly conducted cross-border strikes and incursions since January 2025.",
        "The moves follow escalating attacks in southern Syria, including near-daily ground incursions "
        "and repeated airstrikes since the fall of the government in December 2024.",
    ],
)
def test_a_tally_over_a_period_is_no_event(tally):
    events = _events("Israeli troops raided Kudna on Monday.", tally)
    assert list(events["location"]) == ["Kudna"]


def test_a_count_on_one_day_or_one_raid_in_a_month_is_still_an_event():
    assert list(_events("Three Israeli airstrikes hit Nawa on Monday.")["location"]) == ["Nawa"]
    events = _events(
        "Israeli forces have carried out dozens of incursions in Quneitra since January 2025, and a raid "
        "on Beit Jinn in June left four men detained."
    )
    assert list(events["category"]) == ["incursion"]
    assert list(events["event_date"].dt.month) == [6]


def test_a_truce_mentioned_as_background_is_no_agreement_but_one_reached_is():
    events = _events("Clashes broke out in Sweida on Monday, breaching the ceasefire that began in July.")
    assert "agreement" not in set(events["category"])
    events = _events("Druze factions and government forces reached a truce in Sweida on Monday.")
    assert "agreement" in set(events["category"])


def test_negated_events_are_no_events():
    events = _events("The force did not raid any homes in Kudna on Monday, and no shots were exchanged.")
    assert len(events) == 0
    events = _events("The troops withdrew from Jasim on Monday without clashes.")
    assert "clashes" not in set(events["category"])


def test_a_future_word_governs_its_own_clause_only():
    events = _events(
        "The minister will visit Washington on Friday for talks, after he met his counterpart in London "
        "on Wednesday."
    )
    assert _by_place(events) == {"London": "diplomatic"}


def test_a_takeover_needs_a_place_as_its_object():
    events = _events("Government forces seized the Tabqa dam and captured stockpiles of arms on Sunday.")
    assert "other" in set(events["category"])
    events = _events("Troops raided Kudna on Monday and seized tons of weapons.")
    assert set(events["category"]) == {"incursion"}


def test_an_official_speaker_by_title_makes_a_statement():
    events = _events("On Wednesday, the Governor of Sweida called on all parties to exercise restraint.")
    assert list(events["category"]) == ["statement"]
    events = _events("On Wednesday, residents of Sweida called on all parties to exercise restraint.")
    assert "statement" not in set(events["category"])


# -- the lexicon --------------------------------------------------------------------------------------


def test_a_yaml_boolean_in_a_word_list_is_an_error(tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text("negations: [no, never]\n", encoding="utf-8")  # YAML reads a bare `no` as false
    with pytest.raises(ConfigurationError, match="quote words"):
        load_lexicon([extra])
    extra.write_text('negations: ["no", never]\n', encoding="utf-8")
    assert load_lexicon([extra]).negated.search("did never ")


def test_a_category_s_unspecific_cues_must_be_a_list(tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "categories:\n  clashes:\n    cues: [fighting]\n    unspecific: attacked\n", encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match=r"clashes.*'unspecific' must be a list"):
        load_lexicon([extra])


@pytest.mark.parametrize(
    ("follow_up", "day"),
    [
        ("One day earlier, Israeli forces entered Nawa.", 12),
        ("A patrol had entered Nawa the previous day.", 12),
        ("Two days later, a patrol entered Nawa.", 15),
        ("A patrol entered Nawa the day before.", 12),
    ],
)
def test_a_day_told_from_the_storys_day_counts_from_it(follow_up, day):
    # Published Thursday 16 October 2025; Monday is the 13th.
    events = _events("Israeli troops raided Kudna on Monday.", follow_up)
    dates = dict(zip(events["location"], events["event_date"].dt.day, strict=True))
    assert dates == {"Kudna": 13, "Nawa": day}


def test_a_day_shift_without_a_story_day_counts_from_publication():
    events = _events("Israeli forces entered Nawa one day earlier.")
    assert list(events["event_date"].dt.day) == [15]


# -- a cue that says how an attack was made ------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # drones that explode on their target, one or many, are a strike from the air
        (
            "Nine drones attacked the frontline near Darat Izza in the Aleppo countryside on Monday.",
            "airstrike",
        ),
        ("Four fighters were killed when a booby-trapped drone hit a post in Sarmin on Monday.", "airstrike"),
        ("A kamikaze drone exploded over a position in Sarmin on Monday.", "airstrike"),
        # "bombarding ... with artillery" is shelling, not an airstrike as well
        ("Turkish forces responded by bombarding positions in Saraqeb with artillery on Monday.", "shelling"),
        # forces that attacked without saying how fought
        ("Gunmen attacked a checkpoint in Sarmin on Monday.", "clashes"),
        ("A soldier was shot dead by a sniper in Sarmin on Monday.", "clashes"),
        ("Government forces and the factions traded fire near Sarmin on Monday.", "clashes"),
    ],
)
def test_the_category_is_how_the_attack_was_made(sentence, expected):
    events = _events(sentence)
    assert list(events["category"]) == [expected]


def test_an_attack_said_two_ways_keeps_both_when_both_say_how():
    # warplanes bombed one place while artillery shelled another: two events
    events = _events("Warplanes bombed Sarmin while artillery shelled Saraqeb on Monday.")
    assert _by_place(events) == {"Sarmin": "airstrike", "Saraqeb": "shelling"}


def test_a_trend_since_a_month_is_no_event_for_every_noun_it_governs():
    events = _events(
        "Since the ouster of Assad in December 2024, Israel has intensified airstrikes and ground "
        "incursions across Syria."
    )
    assert events.empty


def test_nouns_joined_without_a_tally_stay_events():
    events = _events("On Monday, Israeli airstrikes and ground incursions hit Nawa.")
    assert sorted(events["category"]) == ["airstrike", "incursion"]


# -- one-sided killings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "On Monday, unknown gunmen shot a teacher to death in the town of Nawa.",
        "On Monday, a former commander was killed by unidentified gunmen in Nawa.",
        "On Monday, unknown gunmen opened fire on a man near a checkpoint in Nawa.",
        "On Monday, gunmen threw a hand grenade at a house in Nawa.",
    ],
)
def test_a_killing_by_gunmen_is_other_not_clashes(sentence):
    # the news-dev conventions: clashes are two armed sides fighting; a one-sided killing or a
    # bomb is `other`
    assert list(_events(sentence)["category"]) == ["other"]


def test_attack_words_after_a_killing_are_not_an_airstrike():
    events = _events(
        "On Monday, unknown gunmen shot a teacher to death in the town of Nawa.",
        "The reason for targeting her is not known.",
    )
    assert set(events["category"]) == {"other"}


def test_an_operation_that_could_begin_is_no_event():
    # the future word governs its subject across a short phrase of place
    events = _events(
        "On Thursday, Turkish drones struck Qamishli.",
        "On Monday, Erdogan said that a new military operation in northern Syria could begin at any moment.",
    )
    assert list(events["category"]) == ["airstrike"]


def test_the_countryside_of_the_city_of_a_town_is_no_site_beside_its_village():
    events = _events(
        "On Friday, a Turkish drone targeted a position in the village of Zor Maghar in the western "
        "countryside of the city of Kobani."
    )
    assert list(events["location"]) == ["Zor Maghar"]


# -- live blogs, captions and asides -------------------------------------------------------------


def test_a_day_to_come_is_not_carried_to_the_next_events():
    # published on Thursday 16 October; Borrell comes on Monday next: the strike is of the day
    events = _events(
        "EU foreign policy chief Kaja Kallas is expected in Lebanon on Monday.",
        "An Israeli strike targeted a motorcycle in Tallousa, according to local residents.",
    )
    assert list(events["event_date"].dt.date) == [dt.date(2025, 10, 16)]


def test_a_photo_caption_with_its_credit_gives_no_event():
    events, _ = extract_events(
        "Israeli patrol enters Koya\n\n"
        "An Israeli patrol entered the village of Koya in the western countryside of Daraa on Sunday.\n"
        "Israeli troops raided houses in Jamla, Daraa, Tuesday, March 25, 2025 (AP)\n"
        "The patrol withdrew after an hour.\n",
        published="2025-09-21",
    )
    assert list(events["location"]) == ["Koya"]


@pytest.mark.parametrize(
    "sentence",
    [
        "As hostilities between Hezbollah and Israel entered their 231st day, officials met in Beirut.",
        "Residents said they feared being attacked in Nawa.",
        "The troops constantly raiding Nawa are deployed from a base in the nearby forest.",
    ],
)
def test_asides_are_no_events(sentence):
    events = _events(sentence)
    assert "incursion" not in set(events["category"]) and "clashes" not in set(events["category"])


def test_a_drone_that_attacked_made_an_airstrike():
    events = _events("On Sunday, an Israeli drone also attacked a position near Khiam.")
    assert list(events["category"]) == ["airstrike"]


def test_the_village_across_from_a_target_is_no_site():
    events = _events(
        "On Sunday, Hezbollah fired rockets at troops near Metula, across from the Lebanese village of "
        "Kfar Kila."
    )
    assert list(events["location"]) == ["Metula"]


def test_a_place_an_entry_verb_names_is_a_site_though_unknown():
    events = _events(
        "Israeli forces entered Kudna on Thursday.",
        "On Friday, a second force of five vehicles entered Saida al-Golan, residents said.",
    )
    assert sorted(events["location"]) == ["Kudna", "Saida al-Golan"]
    assert not events.loc[events["location"] == "Saida al-Golan", "located"].iloc[0]


@pytest.mark.parametrize("name", ["Hezbollah", "Syrian"])
def test_an_entry_verb_takes_no_organisation_or_demonym_as_a_place(name):
    _, found = extract_events(HEAD + f"Israeli forces entered {name} positions near Kudna on Friday.\n")
    assert [m["text"] for m in found] == ["Kudna"]


@pytest.mark.parametrize("verb", ["vowed to", "pledged to", "promised to"])
def test_a_vow_to_strike_is_no_event(verb):
    assert _events(f"On Monday, Israel {verb} launch airstrikes on Damascus.").empty


def test_the_day_a_future_was_said_on_is_carried():
    # "on Monday" is when officials spoke, before the future word: the strike is of that Monday
    events = _events(
        "Residents said on Monday that the shops could reopen soon.",
        "An Israeli drone hit a car near Khiam, according to the state news agency.",
    )
    strikes = events[events["category"] == "airstrike"]
    assert list(strikes["event_date"].dt.date) == [dt.date(2025, 10, 13)]


def test_a_place_of_a_background_clause_is_no_site_of_the_event_before_it():
    events = _events(
        "On Wednesday, Israel bombed the defence ministry in Damascus.",
        "Israel's bombing of the ministry comes amid clashes between government forces and Druze "
        "groups in southern Sweida.",
    )
    assert list(events.loc[events["category"] == "airstrike", "location"]) == ["Damascus"]
