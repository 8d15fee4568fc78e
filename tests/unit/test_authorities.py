"""Authority extraction: which councils a story is about, and the grade it reports for each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.bundled import bundled_path
from monitor.classify import AuthorityClassifier, load_themes
from monitor.classify.authorities import extract_authorities
from monitor.classify.evaluate import council_mistakes, evaluate_authorities, match_councils
from monitor.classify.gazetteer import Gazetteer, load_gazetteer
from monitor.classify.grades import canonical, find_grades
from monitor.models import AuthorityMatch


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(bundled_path("seeds") / "authorities.toml")


def about(gazetteer: Gazetteer, title: str, text: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (m.name, m.grade, m.previous_grade) for m in extract_authorities(title, text, gazetteer)
    ]


# --- grades in one sentence -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Bury Council's children's services have been rated inadequate.", [("inadequate", None)]),
        (
            "The council was downgraded from requires improvement to inadequate.",
            [("inadequate", "requires improvement")],
        ),
        (
            "From outstanding to inadequate in three years: what went wrong?",
            [("inadequate", "outstanding")],
        ),
        ("It was judged requires improvement to be good.", [("requires improvement", None)]),
        (
            "It was previously rated requires improvement to be good.",
            [(None, "requires improvement")],
        ),
        ("Suffolk has retained its good rating.", [("good", None)]),
        ("Haringey was judged to be performing poorly.", [("inadequate", None)]),
        ("Safeguarding services were judged adequate.", [("adequate", None)]),
        ("The borough was rated good at its previous inspection.", [(None, "good")]),
        ("It was rated good at its most recent inspection.", [("good", None)]),
        ("Help for families is not good enough, inspectors said.", []),
        ("Children said they had good relationships with their carers.", []),
        ("It followed a series of poor inspection results.", []),
        ("The council was awarded the top Ofsted grade.", [("outstanding", None)]),
        ("Nottingham lifted to 'good' after years of work", [("good", None)]),
        ("Last year the council was rated good.", [(None, "good")]),
        # "require improvement" needs no rating verb before it
        (
            "Children's services in the London Borough of Hillingdon require improvement to be"
            " good, Ofsted has concluded.",
            [("requires improvement", None)],
        ),
        (
            "Wigan's services have been told they require improvement, four years after the"
            " borough was last rated good by Ofsted.",
            [("requires improvement", None), (None, "good")],
        ),
        # a rating verb with its object between it and the grade
        (
            "Ofsted has defended its decision to rate Warrington Borough Council's children's"
            " services good.",
            [("good", None)],
        ),
        ("Ofsted inspected the service and rated them good in all areas.", [("good", None)]),
        (
            "The report rates the council inadequate overall, a drop from the good grade it"
            " received four years ago.",
            [("inadequate", None), (None, "good")],
        ),
        # the lines of a roundup or of a list of judgements
        (
            "Torbay: requires improvement (previously inadequate)",
            [("requires improvement", None), (None, "inadequate")],
        ),
        ("- Overall effectiveness: good", [("good", None)]),
        # a grade lost is the earlier one; "to X from Y" is a transition too
        ("Wigan children's services lose 'good' rating", [(None, "good")]),
        ("Medway stripped of its outstanding rating after a decade", [(None, "outstanding")]),
        (
            "Sefton has been upgraded to good from requires improvement.",
            [("good", "requires improvement")],
        ),
        ("The authority's rating was cut to inadequate from good.", [("inadequate", "good")]),
        ("The inadequate-rated council has a new director.", [("inadequate", None)]),
        ("Inspectors gave the council the lowest possible rating.", [("inadequate", None)]),
        # an earlier inspection's grade, and one since it
        ("The last full inspection, in 2021, rated the council good.", [(None, "good")]),
        ("At its previous inspection in 2019, it was rated good.", [(None, "good")]),
        ("Two years ago, the service was judged inadequate.", [(None, "inadequate")]),
        ("Since its last inspection the council has been rated good.", [("good", None)]),
        (
            "It is the first time since 2014 that Birmingham has not been rated inadequate.",
            [],
        ),
        # the 2009 annual ratings' scale, after a rating verb only
        ("Coventry was rated as performing adequately.", [("adequate", None)]),
        ("Leeds was judged to be performing well, inspectors said.", [("good", None)]),
        ("Ofsted rated Camden as performing excellently.", [("outstanding", None)]),
        ("The director said the service is performing well.", []),
        # a headline's grade without a verb
        ("Salford children's services inadequate, Ofsted finds", [("inadequate", None)]),
        (
            "Council's services still 'requires improvement' after three years",
            [("requires improvement", None)],
        ),
        ("Children's services still inadequate, says report", [("inadequate", None)]),
        ("Inspectors said there were still outstanding concerns about drift.", []),
        # a roundup line's grade with the earlier one after a comma
        (
            "Stockport: good, up from requires improvement.",
            [("good", None), (None, "requires improvement")],
        ),
        ("Bolton: inadequate, unchanged since 2023.", [("inadequate", None)]),
        # an earlier grade in a relative clause or "years after"
        ("Council that was rated good 'misled inspectors'", [(None, "good")]),
        (
            "Ofsted rated the borough inadequate, two years after judging it good.",
            [("inadequate", None), (None, "good")],
        ),
        # "good" before a plain noun is praise
        ('The leader said: "These are good days for our children."', []),
        ("The council received the second-highest rating.", [("good", None)]),
        # the 2009 scale without a rating verb, in a sentence about the annual assessment
        (
            "Services in Devon are performing well, according to Ofsted's annual assessment.",
            [("good", None)],
        ),
        # the ends of the scale as an adjective of the council
        (
            "Commissioner sent in to inadequate Thurrock children's services",
            [("inadequate", None)],
        ),
        ("Outstanding children's services need stable funding, says director", []),
        ("Residents face an outstanding council tax bill.", []),
        # a rating verb, its object and a place between
        (
            "When Ofsted rated children's services in Sunderland inadequate, staff were shocked.",
            [("inadequate", None)],
        ),
        # a grade marked as today's
        ("Today the city's services are rated good.", [("good", None)]),
        # a grade still held is never the earlier one
        ("Salford remains inadequate in 2024, as it was in 2022.", [("inadequate", None)]),
        (
            "The council has not moved out of requires improvement since 2018.",
            [("requires improvement", None)],
        ),
        ("It means the council stays inadequate until it is re-inspected.", [("inadequate", None)]),
        (
            "The council has failed to shake off its inadequate rating.",
            [("inadequate", None)],
        ),
        # the scale itself rates nothing
        (
            "Councils receive one of four ratings: outstanding, good, requires improvement or"
            " inadequate.",
            [],
        ),
    ],
)
def test_grades_in_a_sentence(sentence: str, expected: list[tuple[str | None, str | None]]) -> None:
    assert [(g.grade, g.previous) for g in find_grades(sentence)] == expected


def test_a_grade_marked_as_todays() -> None:
    (statement,) = find_grades("The council has since moved to requires improvement.")
    assert statement.current
    (statement,) = find_grades("The council was rated requires improvement.")
    assert not statement.current


def test_canonical_grades() -> None:
    assert canonical("Requires improvement to be good") == "requires improvement"
    assert canonical("requiring improvement") == "requires improvement"
    assert canonical("poor") == "inadequate"
    assert canonical("adequate") == "adequate"


# --- which councils a story is about --------------------------------------------------------


def test_the_city_is_not_the_county(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Nottinghamshire children's services rated good",
        "Nottinghamshire County Council's children's services have been judged good by Ofsted.\n"
        "The inspection did not include Nottingham City Council, which was rated requires"
        " improvement last year.",
    )
    assert found == [("Nottinghamshire", "good", None)]


def test_an_improvement_partner_is_not_the_subject(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Bury children's services slip to inadequate",
        "Bury Council's children's services have been rated inadequate, falling from the"
        " requires improvement grade it received at its previous inspection.\n"
        "Inspectors found caseloads of more than 30 children.\n"
        "Salford City Council has been asked to act as an improvement partner.",
    )
    assert found == [("Bury", "inadequate", "requires improvement")]


def test_the_council_helped_is_the_subject_not_its_partner(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "BCP Council's children's services no longer inadequate",
        "Children's services at BCP Council have been rated requires improvement to be good.\n"
        "The improvement has been supported by Hampshire County Council, which was appointed as"
        " BCP's improvement partner.",
    )
    assert found == [("Bournemouth, Christchurch and Poole", "requires improvement", "inadequate")]


def test_a_speakers_employer_and_a_job_title_are_not_subjects(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Isle of Wight children's services rated good",
        "The Isle of Wight Council's children's services have been rated good by Ofsted.\n"
        '"The island has shown it can stand on its own," said the Hampshire chief executive,'
        " who chairs the regional improvement board.\n"
        '"It is a fine result," said Moira Wells, director of children\'s services at Gateshead.',
    )
    assert found == [("Isle of Wight", "good", None)]


def test_a_place_is_not_the_council(gazetteer: Gazetteer) -> None:
    assert (
        about(
            gazetteer,
            "Children's home rated inadequate after staff shortages",
            "A children's home in Kent has been rated inadequate by Ofsted after inspectors found"
            " a shortage of permanent staff.",
        )
        == []
    )


def test_reading_the_verb_and_the_market_town_of_richmond(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "North Yorkshire rated outstanding again",
        "North Yorkshire Council's children's services have been rated outstanding by Ofsted.\n"
        "Reading the report, inspectors met foster carers in the market town of Richmond.",
    )
    assert found == [("North Yorkshire", "outstanding", None)]


def test_an_ambiguous_name_with_context_counts(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Joint inspection in Sutton finds partners slow to see risk",
        "A joint targeted area inspection in Sutton found agencies slow to share information.\n"
        "Joint inspections do not result in a graded judgement.",
    )
    assert found == [("Sutton", None, None)]


def test_a_neighbour_given_its_own_grade_is_a_subject_with_that_grade(
    gazetteer: Gazetteer,
) -> None:
    found = about(
        gazetteer,
        "Wigan rated requires improvement",
        "Wigan Council's children's services have been judged to require improvement to be"
        " good by Ofsted.\nIts neighbour Bolton is rated good.",
    )
    assert found == [("Wigan", "requires improvement", None), ("Bolton", "good", None)]


def test_a_neighbour_without_a_grade_of_its_own_is_not_a_subject(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Wigan rated requires improvement",
        "Wigan Council's children's services have been judged to require improvement to be"
        " good by Ofsted.\nUnlike neighbouring Bolton, the borough has struggled to recruit.",
    )
    assert found == [("Wigan", "requires improvement", None)]


def test_a_late_comparison_with_its_own_grade_is_a_subject(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Poole children's services 'performing adequately'",
        "Children's services at Poole Borough Council are performing adequately, according to"
        " the annual performance assessment published by Ofsted today.\nThe borough's fostering service"
        " was praised.\nSocial workers said caseloads had fallen.\nThe council said it would"
        " publish a plan.\nReferrals rose by a quarter.\nThe LGA said the system was unfair."
        "\nOfsted defended it.\nDorset County Council was also rated as performing adequately.",
    )
    assert found == [("Poole", "adequate", None), ("Dorset County Council", "adequate", None)]


def test_a_text_tables_rows_are_a_roundup(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "East Midlands children's services ratings: the full picture",
        "The table below lists each council's latest overall grade.\n"
        "Council | Overall effectiveness | Year\n"
        "Derbyshire | Good | 2024\n"
        "Derby | Requires improvement to be good | 2025\n"
        "Rutland | Outstanding | 2024\n"
        "Derby City Council's grade dropped from good to requires improvement in March.",
    )
    assert sorted(found) == [
        ("Derby", "requires improvement", "good"),
        ("Derbyshire", "good", None),
        ("Rutland", "outstanding", None),
    ]


def test_annual_assessment_scores_are_grades_when_the_story_gives_the_scale(
    gazetteer: Gazetteer,
) -> None:
    text = (
        "Children's services at Poole Borough Council are performing adequately, according to"
        " the annual performance assessment, while neighbouring Bournemouth is performing well.\n"
        "The ratings give each council a score from one to four. A score of four means"
        " performing excellently, three performing well, two performing adequately and one"
        " performing poorly.\nPoole received a score of two.\n"
        "Bournemouth, which received a three, was praised for its work with children in care."
    )
    found = about(gazetteer, "Poole 'performing adequately', annual assessment says", text)
    assert found == [("Poole", "adequate", None), ("Bournemouth", "good", None)]


def test_a_score_is_no_grade_in_a_story_without_the_scale(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Poole children's services inspected",
        "Ofsted inspectors visited Poole's children's services in June.\n"
        "Poole received a three-year improvement grant in the same month.\n"
        "The borough received a two page letter.",
    )
    assert found == [("Poole", None, None)]


def test_two_councils_in_one_sentence_share_the_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Croydon and Sandwell both judged good",
        "Two councils once rated inadequate, Croydon and Sandwell, have both been judged good by"
        " Ofsted.",
    )
    assert sorted(found) == [("Croydon", "good", "inadequate"), ("Sandwell", "good", "inadequate")]


def test_a_sub_judgement_is_not_the_overall_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Norfolk rated good overall",
        "Norfolk County Council's children's services have been rated good overall by Ofsted.\n"
        "The experiences and progress of care leavers were judged inadequate, while help and"
        " protection was judged good.",
    )
    assert found == [("Norfolk", "good", None)]


def test_the_previous_grade_from_a_following_sentence(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Richmond upon Thames rated outstanding",
        "Children's services in Richmond upon Thames have been rated outstanding by Ofsted.\n"
        "The London borough was rated good at its previous inspection.",
    )
    assert found == [("Richmond upon Thames", "outstanding", "good")]


def test_a_trust_names_its_council_and_evidence_is_a_sentence(gazetteer: Gazetteer) -> None:
    text = (
        "Birmingham Children's Trust has been rated good by Ofsted for the first time.\n"
        "It was previously rated requires improvement to be good."
    )
    (match,) = extract_authorities("Birmingham Children's Trust rated good", text, gazetteer)
    assert (match.code, match.name, match.grade, match.previous_grade) == (
        "E08000025",
        "Birmingham",
        "good",
        "requires improvement",
    )
    assert match.evidence in text.splitlines()


def test_a_national_story_is_about_no_council(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "More councils rated good or better",
        "More than 60 per cent of councils are now rated good, Ofsted's figures show.\n"
        "Councils including Leeds, Essex, Hertfordshire and Camden have held outstanding grades.",
    )
    assert found == []


# --- quality on the development set ---------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["dev.jsonl", "councils.jsonl", "news4.jsonl", "check7.jsonl", "check8.jsonl"]
)
def test_authority_targets_on_the_development_set(gazetteer: Gazetteer, name: str) -> None:
    """The issue's targets (precision 0.95, recall 0.90, grade right for 90% of pairs), on
    the development set's labelled articles, those the classifier finds relevant or not, on
    the news-length hard cases written for the councils (kept apart from dev.jsonl, which
    the shipped theme model is trained on), and on the council-heavy sets tuned on since."""
    classify = AuthorityClassifier(load_themes(bundled_path("seeds") / "themes.toml"), gazetteer)
    dev = Path(__file__).resolve().parents[1] / "data" / "labelled" / name
    pairs = []
    for line in dev.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        gold = []
        for label in item["authorities"]:
            found = gazetteer.resolve(label["name"])
            assert found is not None, label
            gold.append((found.code, label["grade"]))
        pairs.append((gold, classify(item["title"], item["text"]).authorities))
    report = evaluate_authorities(pairs, gazetteer)
    assert report.scores.support >= 14
    assert report.scores.precision >= 0.95, report
    assert report.scores.recall >= 0.90, report
    assert report.grade_accuracy >= 0.90, report


def test_eval_errors_name_the_wrong_the_missed_and_the_misgraded_councils(
    gazetteer: Gazetteer,
) -> None:
    def council(name: str, grade: str | None) -> AuthorityMatch:
        found = gazetteer.resolve(name)
        assert found is not None
        return AuthorityMatch(found.code, found.name, grade, None, f"{name} was rated.")

    def code(name: str) -> str | None:
        found = gazetteer.resolve(name)
        return found.code if found else None

    gold = [(code("Leeds"), "good"), (code("Wakefield"), "inadequate"), (code("Kirklees"), None)]
    found = [council("Leeds", "good"), council("Wakefield", "requires improvement")]
    found.append(council("Bradford", None))
    matching = match_councils(gold, found, gazetteer)
    names = {code("Kirklees"): "Kirklees"}
    mistakes = council_mistakes("a story", names, matching)
    assert [(m.kind, m.article) for m in mistakes] == [
        ("wrong", "a story -- Bradford (no grade)"),
        ("missed", "a story -- Kirklees (no grade)"),
        ("wrong grade", "a story -- Wakefield: requires improvement, labelled inadequate"),
    ]
    report = evaluate_authorities([(gold, found)], gazetteer)
    assert (report.scores.precision, report.grade_pairs, report.grades_right) == (0.6667, 2, 1)


# --- the kinds of sentence held-out news uses ----------------------------------------------


def test_a_later_sentence_about_the_council_gives_its_earlier_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Hillingdon told to improve",
        "Children's services in the London Borough of Hillingdon require improvement to be good.\n"
        "The report rates the help and protection of children as good, but finds that children"
        " in care and care leavers require improvement.\n"
        "Inspectors were concerned about the borough's care leavers.\n"
        "Many said they had had several personal advisers.\n"
        "Some had not been told when their adviser left.\n"
        "Pathway plans were often out of date.\n"
        "Hillingdon's care leavers forum welcomed the report.\n"
        "Temporary staff held a third of posts.\n"
        "The borough was rated good in 2018.",
    )
    assert found == [("Hillingdon", "requires improvement", "good")]


def test_a_roundup_gives_each_section_its_council_and_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Inspection roundup: a good month for Lincolnshire",
        "Four inspections of council children's services were published in the past month.\n"
        "Lincolnshire: outstanding (previously outstanding)\n"
        "Lincolnshire County Council has kept the top grade, with outstanding judgements in"
        " every area.\n"
        "Inspectors described services in the county as consistently child-centred.\n"
        "They praised its network of children's homes.\n"
        "Walsall: requires improvement (previously good)\n"
        "Walsall Council has dropped a grade.\n"
        "Inspectors found plans drifting.\n"
        "A spokesperson said referrals had risen.\n"
        "Trafford: steady progress\n"
        "Inspectors found a transformed early help service.\n"
        "The council has moved up to good from requires improvement.\n"
        "Of the 153 councils inspected, Ofsted figures show:\n"
        "- 11 inadequate",
    )
    assert sorted(found) == [
        ("Lincolnshire", "outstanding", None),
        ("Trafford", "good", "requires improvement"),
        ("Walsall", "requires improvement", "good"),
    ]


def test_the_overall_line_of_a_judgement_list_is_the_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Wigan children's services lose 'good' rating",
        "Wigan Council's children's services have been judged by Ofsted after a two-week"
        " inspection.\n"
        "The report gives a requires improvement grade for leadership, while children in care"
        " are judged good.\n"
        "Staff said they liked working in Wigan.\n"
        "Caseloads had risen.\n"
        "Vacancies were high.\n"
        "Managers were praised.\n"
        "The council's director said she recognised the picture.\n"
        "What the inspectors said:\n"
        "- Help and protection: requires improvement\n"
        "- Children in care and care leavers: good\n"
        "- Overall effectiveness: inadequate",
    )
    assert found == [("Wigan", "inadequate", "good")]


def test_a_sub_judgement_headline_is_not_the_overall_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Norfolk's services for care leavers judged inadequate as overall rating slips",
        "Norfolk County Council's services for young people leaving care have been rated"
        " inadequate, in an inspection that saw the council's overall grade fall from good to"
        " requires improvement to be good.",
    )
    assert found == [("Norfolk", "requires improvement", "good")]


def test_a_speakers_council_is_the_subject_when_the_sentence_gives_its_grade(
    gazetteer: Gazetteer,
) -> None:
    found = about(
        gazetteer,
        "Bracknell Forest leader says inspectors 'looked at our screens' after inadequate verdict",
        "The leader of Bracknell Forest Council has accused Ofsted of basing its inadequate"
        " judgement of the borough's children's services on gaps in records.\n"
        "The report rates the council inadequate overall, a drop from the good grade it received"
        " four years ago.\n"
        '"It is a harsh verdict," said the director of children\'s services at Wokingham,'
        " who chairs the regional group.",
    )
    assert found == [("Bracknell Forest", "inadequate", "good")]


def test_a_grade_for_a_counted_group_of_councils_is_each_ones(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Monitoring visits: progress in Knowsley, concerns in Tameside",
        "Ofsted has published letters after monitoring visits to two councils whose children's"
        " services are rated inadequate.\n"
        "Knowsley: children in care\n"
        "Inspectors found clear and sustained progress in Knowsley.\n"
        "Tameside: help and protection\n"
        "Inspectors found some progress in Tameside's child protection work.",
    )
    assert sorted(found) == [("Knowsley", "inadequate", None), ("Tameside", "inadequate", None)]


def test_a_shared_trust_names_the_councils_the_story_names(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Richmond upon Thames rated outstanding as Achieving for Children celebrates",
        "Children's services in Richmond upon Thames, run by Achieving for Children, have been"
        " rated outstanding by Ofsted.\n"
        "Achieving for Children was set up by Richmond, Kingston and Windsor and Maidenhead"
        " councils to run their services.",
    )
    assert found == [("Richmond upon Thames", "outstanding", None)]
    found = about(
        gazetteer,
        "Achieving for Children rated good",
        "Achieving for Children, which runs children's services in Kingston and Richmond, has"
        " been rated good by Ofsted.",
    )
    assert sorted(found) == [
        ("Kingston upon Thames", "good", None),
        ("Richmond upon Thames", "good", None),
    ]


def test_a_council_offering_support_is_not_the_subject(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Warwickshire praised by inspectors",
        "Warwickshire County Council's children's services have been rated good, with inspectors"
        " noting the support offered by Coventry City Council, which was rated good last year.",
    )
    assert found == [("Warwickshire", "good", None)]


def test_a_grade_no_longer_held_is_not_the_latest(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Croydon no longer inadequate, says Ofsted",
        "Croydon Council's children's services are no longer rated inadequate, Ofsted has said.\n"
        "Inspectors found improvements at the front door.",
    )
    assert found == [("Croydon", None, "inadequate")]


def test_an_opening_sentence_about_the_council_counts_for_it(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Durham University study praises Gateshead",
        "A Durham University study has praised Gateshead Council's approach to family help.\n"
        "The council's children's services were rated outstanding by Ofsted in 2023.",
    )
    assert found == [("Gateshead", "outstanding", None)]


def test_a_speakers_title_before_the_job(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Medway rated good",
        "Medway Council's children's services have been rated good by Ofsted.\n"
        '"They have done a remarkable job," said Sarah Hammond, Kent\'s corporate director for'
        " children, young people and education.",
    )
    assert found == [("Medway", "good", None)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Herts", "Hertfordshire"),
        ("CWAC", "Cheshire West and Chester"),
        ("LBHF", "Hammersmith and Fulham"),
        ("NE Lincs", "North East Lincolnshire"),
        ("North Lincs", "North Lincolnshire"),
        ("Redcar", "Redcar and Cleveland"),
        ("Bath", "Bath and North East Somerset"),
        ("Windsor", "Windsor and Maidenhead"),
    ],
)
def test_short_names_the_news_uses(gazetteer: Gazetteer, name: str, expected: str) -> None:
    found = gazetteer.resolve(name)
    assert found is not None and found.name == expected


def test_a_helper_given_its_own_grade_is_reported_with_it(
    gazetteer: Gazetteer,
) -> None:
    found = about(
        gazetteer,
        "Essex named as improvement partner for Southend",
        "Essex County Council, which is rated outstanding, will help Southend-on-Sea City Council"
        " improve its children's services after Ofsted rated them inadequate.\n"
        "Southend was previously rated good.",
    )
    assert found == [("Southend-on-Sea", "inadequate", "good"), ("Essex", "outstanding", None)]
    # The council helped, named before its helper, is still the subject.
    found = about(
        gazetteer,
        "Southend rated inadequate",
        "Southend-on-Sea City Council's children's services have been rated inadequate and Essex"
        " County Council will help it improve.",
    )
    assert found == [("Southend-on-Sea", "inadequate", None)]


def test_a_council_that_will_help_another_improve_is_not_the_subject(
    gazetteer: Gazetteer,
) -> None:
    found = about(
        gazetteer,
        "Lincolnshire to help North East Lincolnshire after children's services judged inadequate",
        "Lincolnshire County Council has been appointed as an improvement partner to North East"
        " Lincolnshire, whose children's services were rated inadequate by Ofsted last month.",
    )
    assert found == [("North East Lincolnshire", "inadequate", None)]


def test_two_councils_two_grades_in_one_sentence(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Ofsted rates Portsmouth outstanding and Southampton requires improvement",
        "Two neighbouring councils have received very different verdicts from Ofsted.\n"
        "Portsmouth City Council was rated outstanding, while Southampton City Council was judged"
        " to require improvement.",
    )
    assert sorted(found) == [
        ("Portsmouth", "outstanding", None),
        ("Southampton", "requires improvement", None),
    ]


def test_a_national_grade_statement_is_not_the_main_councils(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Ofsted annual report: more councils rated good",
        "Ofsted's annual report shows that 60 per cent of councils are now rated good.\n"
        "The chief inspector singled out Leeds and Essex for praise.",
    )
    assert found == []
    found = about(
        gazetteer,
        "Ofsted chief speaks at conference in Manchester",
        "Ofsted's chief inspector told a conference in Manchester that inspections would change.\n"
        "He said councils rated inadequate would get more support.",
    )
    assert found == []


def test_a_speakers_council_with_a_grade_aside_is_not_the_subject(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Hampshire's chief executive to chair national panel",
        "The chief executive of Hampshire County Council, whose children's services are rated"
        " outstanding, has been appointed to chair a national panel on social care reform.",
    )
    assert found == []


def test_a_former_council_beside_its_successor_and_one_not_inspected(
    gazetteer: Gazetteer,
) -> None:
    found = about(
        gazetteer,
        "Cumberland rated requires improvement in first inspection",
        "Cumberland Council's children's services have been rated requires improvement in the"
        " first inspection since the county was split in 2023.\n"
        "Westmorland and Furness Council is yet to be inspected.\n"
        "Cumbria County Council was rated good in 2019.",
    )
    assert found == [("Cumberland", "requires improvement", None)]


def test_roundup_headings_with_a_dash_and_sections_without_the_councils_name(
    gazetteer: Gazetteer,
) -> None:
    found = about(
        gazetteer,
        "Inspection roundup: a mixed month",
        "Three councils had full inspections published this month.\n"
        "Halton - good\n"
        "Inspectors rated the council good, up from requires improvement.\n"
        "Oldham - inadequate\n"
        "Ofsted found serious weaknesses at the front door.\n"
        "Inspectors judged the service inadequate.\n"
        "The council was previously rated requires improvement.\n"
        "Rutland - outstanding\n"
        "The small county kept its top grade.\n"
        "By the numbers\n"
        "- 11 inadequate",
    )
    assert sorted(found) == [
        ("Halton", "good", "requires improvement"),
        ("Oldham", "inadequate", "requires improvement"),
        ("Rutland", "outstanding", None),
    ]
    found = about(
        gazetteer,
        "Monitoring round-up",
        "This month's monitoring visits.\n"
        "Birmingham Children's Trust: front door\n"
        "Inspectors found improvements.\n"
        "Croydon: care leavers\n"
        "Progress was slow, inspectors said.\n"
        "Both councils are rated requires improvement.",
    )
    assert sorted(found) == [
        ("Birmingham", "requires improvement", None),
        ("Croydon", "requires improvement", None),
    ]


def test_text_whose_lower_case_is_longer_is_read_the_same(gazetteer: Gazetteer) -> None:
    # "İ" lower-cases to two characters: the lower-case patterns then run on the text itself.
    found = about(
        gazetteer,
        "İslington rated good? No: Islington rated good",
        "Islington Council's children's services have been rated good by Ofsted, said Dr İlhan"
        " Kaya, director of children's services at Camden.",
    )
    assert found == [("Islington", "good", None)]


def judgements(gazetteer: Gazetteer, title: str, text: str) -> dict[str, dict[str, str]]:
    return {m.name: dict(m.judgements) for m in extract_authorities(title, text, gazetteer)}


def test_sub_judgements_are_kept_beside_the_overall_grade(gazetteer: Gazetteer) -> None:
    found = judgements(
        gazetteer,
        "Hillingdon told to improve",
        "Children's services in the London Borough of Hillingdon require improvement to be good.\n"
        "The report rates the help and protection of children as good, but finds that children"
        " in care and care leavers, and the impact of leaders, require improvement.",
    )
    assert found == {
        "Hillingdon": {
            "help and protection": "good",
            "children in care and care leavers": "requires improvement",
            "impact of leaders": "requires improvement",
        }
    }


def test_sub_judgements_after_the_grade_and_in_a_list(gazetteer: Gazetteer) -> None:
    found = judgements(
        gazetteer,
        "Bracknell Forest rated inadequate",
        "The inspection report rates Bracknell Forest Council inadequate overall and for the help"
        " and protection of children, a drop from the good grade it received four years ago.\n"
        "Inspectors met staff.\n"
        "Managers were praised.\n"
        "Caseloads were high.\n"
        "Agency staff were many.\n"
        "Plans drifted.\n"
        "Records were poor.\n"
        "What the inspectors said:\n"
        "- Children in care: requires improvement\n"
        "- Care leavers: good\n"
        "- Overall effectiveness: inadequate",
    )
    assert found == {
        "Bracknell Forest": {
            "help and protection": "inadequate",
            "children in care": "requires improvement",
            "care leavers": "good",
        }
    }
    (match,) = extract_authorities("Bracknell Forest rated inadequate", "", gazetteer)
    assert match.as_json()["judgements"] == {}


def test_windsor_castle_is_not_the_council(gazetteer: Gazetteer) -> None:
    assert gazetteer.is_ambiguous("Windsor")
    found = about(
        gazetteer,
        "Royal visit",
        "The King welcomed social workers at Windsor Castle, praising services rated good by"
        " Ofsted.",
    )
    assert found == []


def test_the_issues_hard_names_in_one_story(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Nottingham children's services rated inadequate",
        "Nottingham City Council's children's services have been rated inadequate by Ofsted.\n"
        "Nottinghamshire County Council, which was rated good in 2022, is not affected.\n"
        "Reading the report, it is clear leaders were slow to act, said a former director who"
        " now works at Derby.\n"
        "The council will bury its old improvement plan.",
    )
    assert found == [("Nottingham", "inadequate", None)]


# --- patterns of issue 12's third round -----------------------------------------------------


def test_a_roundup_line_gives_each_council_its_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Inspection results: a mixed month in the North West",
        "Ofsted has published the results of four inspections of council children's services in"
        " the North West this month.\n"
        "The latest results: Bolton good, Rochdale requires improvement, Salford inadequate and"
        " Wigan outstanding.\n"
        "Inspectors praised leadership in all four.",
    )
    assert sorted(found) == [
        ("Bolton", "good", None),
        ("Rochdale", "requires improvement", None),
        ("Salford", "inadequate", None),
        ("Wigan", "outstanding", None),
    ]


def test_a_roundup_line_with_verbs_and_previous_grades(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "This month's inspections",
        "Three council inspections were published this week.\n"
        "Enfield was rated good (previously requires improvement), Medway requires improvement"
        " and Swindon inadequate.\n"
        "Swindon's director said the council accepted the findings.",
    )
    assert sorted(found) == [
        ("Enfield", "good", "requires improvement"),
        ("Medway", "requires improvement", None),
        ("Swindon", "inadequate", None),
    ]


def test_earlier_grades_of_other_councils_are_their_own(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Salford children's services rated good",
        "Salford City Council's children's services have been rated good by Ofsted.\n"
        "Inspectors praised leaders.\n"
        "Caseloads have fallen.\n"
        "Last year Trafford was rated outstanding and Wigan requires improvement.",
    )
    # Each is reported with its own (latest) rating; neither is a roundup's line.
    assert found == [
        ("Salford", "good", None),
        ("Trafford", "outstanding", None),
        ("Wigan", "requires improvement", None),
    ]


def test_a_list_without_grades_is_still_a_list(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Rochdale rated good",
        "Rochdale Borough Council's children's services have been rated good by Ofsted.\n"
        "Inspectors visited Stockport, Trafford and Oldham last year, all now rated good.",
    )
    assert found == [("Rochdale", "good", None)]


def test_councils_named_with_their_grades_only_in_later_paragraphs(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Four councils performing poorly in Ofsted's first annual ratings",
        "Four councils have been rated as performing poorly in Ofsted's first annual ratings.\n"
        "The ratings place each council on a four-point scale.\n"
        "They draw on inspections of schools, children's homes and safeguarding services.\n"
        "Ofsted said the ratings gave a single, clear picture.\n"
        "Council leaders said the system was confusing.\n"
        "Critics questioned the weight given to data.\n"
        "Among the councils given the lowest rating is Birmingham.\n"
        "Coventry was rated as performing adequately.\n"
        "Leeds was judged to be performing well, with inspectors praising its work with"
        " looked-after children.",
    )
    assert sorted(found) == [
        ("Birmingham", "inadequate", None),
        ("Coventry", "adequate", None),
        ("Leeds", "good", None),
    ]


def test_a_later_graded_comparison_beside_the_headlines_council_is_a_subject(
    gazetteer: Gazetteer,
) -> None:
    found = about(
        gazetteer,
        "Isle of Wight rated good as partnership with Hampshire ends",
        "The Isle of Wight Council's children's services have been rated good by Ofsted.\n"
        "Inspectors said leaders had kept the service stable.\n"
        "Caseloads had fallen.\n"
        "Fewer children waited for an assessment.\n"
        "Hampshire's own children's services are rated outstanding.",
    )
    assert found == [("Isle of Wight", "good", None), ("Hampshire", "outstanding", None)]


def test_a_grade_told_first_then_todays_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Feature: three councils on the long road back from 'inadequate'",
        "It is the judgement every director dreads.\n"
        "By Sam Hale, senior reporter\n"
        "When Ofsted rated children's services in Sunderland inadequate, the news made the"
        " front page.\n"
        "Today the city's services are rated good.\n"
        "Middlesbrough has since moved to requires improvement; Torbay has recently been rated"
        " good.",
    )
    assert sorted(found) == [
        ("Middlesbrough", "requires improvement", None),
        ("Sunderland", "good", "inadequate"),
        ("Torbay", "good", None),
    ]


def test_a_home_on_the_coast_is_not_the_council(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Children's home closed by Ofsted",
        "Regulator suspends registration of a privately run home on the Lincolnshire coast after"
        " inspectors rated it inadequate.\n"
        "The provider said it was working closely with Ofsted.",
    )
    assert found == []


def test_roundup_lines_of_other_shapes(gazetteer: Gazetteer) -> None:
    expected = [
        ("Darlington", "requires improvement", None),
        ("Hartlepool", "good", None),
        ("Redcar and Cleveland", "inadequate", None),
    ]
    for line in (
        "Results this month - Hartlepool: good; Darlington: requires improvement; Redcar and"
        " Cleveland: inadequate.",
        "Hartlepool (good), Darlington (requires improvement) and Redcar and Cleveland"
        " (inadequate) were inspected in March.",
        "Hartlepool was judged good, while Darlington was found to require improvement and"
        " Redcar and Cleveland was rated inadequate.",
    ):
        found = about(
            gazetteer,
            "This month's inspections",
            f"Ofsted published three reports on council children's services this month.\n{line}",
        )
        assert sorted(found) == expected, line
    found = about(
        gazetteer,
        "This month's inspections",
        "Ofsted published three reports this month.\n"
        "Hartlepool and Darlington were both rated good, and Redcar and Cleveland was judged"
        " inadequate.",
    )
    assert sorted(found) == [
        ("Darlington", "good", None),
        ("Hartlepool", "good", None),
        ("Redcar and Cleveland", "inadequate", None),
    ]


def test_a_monitoring_visits_standing_grade_in_a_later_paragraph(gazetteer: Gazetteer) -> None:
    opening = (
        "Inspectors have found that Darlington Borough Council is making progress in its"
        " services for children in care.\n"
        "The letter follows the council's third monitoring visit.\n"
        "Inspectors spoke to social workers and managers.\n"
        "They read case files and met young people.\n"
        "The council said it welcomed the letter.\n"
        "Its director thanked staff.\n"
    )
    for later in (
        "Ofsted judged the council's children's services inadequate in 2022.",
        "The council, rated inadequate in 2023, has an improvement adviser.",
        "At its last full inspection, in 2022, the council was rated inadequate.",
    ):
        found = about(gazetteer, "Monitoring visit finds progress in Darlington", opening + later)
        assert found == [("Darlington", "inadequate", None)], later


def test_rated_good_for_the_first_time_and_a_move_to_good(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Sandwell Children's Trust rated good for the first time",
        "The trust, set up after the council's services were rated inadequate, has moved up"
        " from requires improvement.",
    )
    assert found == [("Sandwell", "good", "requires improvement")]
    found = about(
        gazetteer,
        "Analysis: lessons from councils that made the climb to 'good'",
        "Directors say moving from requires improvement to good is hard.\n"
        "We spoke to leaders in three councils.\n"
        "Stable leadership came up again and again.\n"
        "So did a settled workforce.\n"
        "Shropshire was judged good last year.\n"
        "North Somerset moved to good in the spring.",
    )
    assert sorted(found) == [("North Somerset", "good", None), ("Shropshire", "good", None)]


def test_an_ambiguous_trust_name_in_its_own_story(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Together for Children rated outstanding",
        "Together for Children, the company that runs children's services on behalf of the city"
        " council, has been rated outstanding by Ofsted.",
    )
    assert found == [("Sunderland", "outstanding", None)]


def test_councils_named_as_examples_without_a_grade_of_their_own_are_not_subjects(
    gazetteer: Gazetteer,
) -> None:
    opening = (
        "More councils are rated good or outstanding than at any time since the framework"
        " began, Ofsted's annual report says.\n"
        "But the chief inspector warned that children were waiting longer for help.\n"
        "Referrals have risen for the third year in a row.\n"
        "The report highlights pressure on the workforce.\n"
        "Agency staff fill one in five posts in some regions.\n"
        "Council leaders called for more funding.\n"
    )
    for later in (
        "Councils currently rated inadequate include Bradford and Tameside.",
        "Bradford and Tameside are among the councils rated inadequate.",
        "Ofsted pointed to Leeds, rated outstanding, as an example of a council that has kept its"
        " workforce stable.",
    ):
        found = about(gazetteer, "More councils rated good as demand rises", opening + later)
        assert found == [], later
    # An example given its own grade in a clause of its own is reported with its rating.
    found = about(
        gazetteer,
        "More councils rated good as demand rises",
        opening + "In Tameside, which was rated inadequate last year, a third of social workers"
        " are agency staff.",
    )
    assert found == [("Tameside", "inadequate", None)]
    found = about(
        gazetteer,
        "More councils rated good as demand rises",
        opening + "Inspection reports published this week: Bexley good, Bromley outstanding,"
        " Lewisham requires improvement.",
    )
    assert sorted(found) == [
        ("Bexley", "good", None),
        ("Bromley", "outstanding", None),
        ("Lewisham", "requires improvement", None),
    ]


def test_earlier_grades_in_sentences_about_an_earlier_inspection(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Somerset children's services rated good",
        "Somerset Council's children's services have been rated good by Ofsted.\n"
        "The previous rating was requires improvement to be good.",
    )
    assert found == [("Somerset", "good", "requires improvement")]
    found = about(
        gazetteer,
        "Worcestershire Children First 'requires improvement' at first full inspection",
        "The company that runs children's services on behalf of Worcestershire County Council"
        " has been told it requires improvement to be good.\n"
        "At its last inspection, in 2017, the council's children's services were rated"
        " inadequate.",
    )
    assert found == [("Worcestershire", "requires improvement", "inadequate")]
    found = about(
        gazetteer,
        "Lessons from councils that made the climb",
        "Directors describe the climb.\n"
        "We spoke to three councils.\n"
        "Stability mattered most.\n"
        "Shropshire was judged good last year, after two inspections at which it was rated"
        " requires improvement.",
    )
    assert found == [("Shropshire", "good", "requires improvement")]


def test_a_byline_does_not_push_the_opening_down(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Social workers 'holding 30 cases' as council struggles to recruit",
        "Inspectors warn that unmanageable workloads are leaving children at risk.\n"
        "The council says it has begun a recruitment drive.\n"
        "By Mark Ellery, local democracy reporter\n"
        "Thurrock Council's children's services are struggling to recruit social workers.",
    )
    assert found == [("Thurrock", None, None)]


def test_a_grade_of_an_unnamed_other_council_is_not_the_councils(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Council appoints new children's director from 'outstanding' neighbour",
        "Calderdale Council has appointed a new director of children's services, who joins from"
        " a neighbouring authority rated outstanding by Ofsted.\n"
        "Calderdale's children's services were rated good by Ofsted in 2022.",
    )
    assert found == [("Calderdale", "good", None)]


def test_a_helpers_sentence_does_not_take_the_story_from_its_council(gazetteer: Gazetteer) -> None:
    opening = (
        "Inspectors have found that Medway Council is making steady progress in improving its"
        " help for children who need protection.\n"
        "The findings come in a letter published after Ofsted's fourth monitoring visit.\n"
        "Inspectors said social workers knew their children well.\n"
        "Plans were clearer than at previous visits.\n"
        "Managers were more visible.\n"
        "Some core group meetings were not held.\n"
        "Caseloads have fallen.\n"
    )
    for between in (
        "Kent County Council, which has been providing practice support, said it was pleased.",
        '"It is a good letter," said the director of children\'s services at Kent, who chairs'
        " the regional group.",
        "The council's new offices are in a Kent village near Rochester.",
    ):
        found = about(
            gazetteer,
            "Monitoring visit finds Medway making 'steady progress'",
            f"{opening}{between}\nThe council, rated inadequate in 2023, has an improvement"
            " adviser.",
        )
        assert found == [("Medway", "inadequate", None)], between


def test_rated_comparisons_in_one_councils_story_are_subjects(gazetteer: Gazetteer) -> None:
    """A headline naming no council but not about several ("Council's children's services
    rated good"): councils rated further down are reported with their ratings too."""
    opening = (
        "Salford City Council's children's services have been rated good by Ofsted.\n"
        "Inspectors said social workers knew their children well.\n"
        "The council was previously rated requires improvement.\n"
        "Caseloads have fallen to 16 children per worker.\n"
        "The council's director thanked staff.\n"
        "Agency use has halved.\n"
    )
    for later, compared in (
        (
            "Across Greater Manchester, Trafford and Stockport are rated outstanding.",
            [("Trafford", "outstanding", None), ("Stockport", "outstanding", None)],
        ),
        ("Trafford was rated outstanding in March.", [("Trafford", "outstanding", None)]),
        (
            "Wigan, by contrast, was judged to require improvement last month.",
            [("Wigan", "requires improvement", None)],
        ),
    ):
        found = about(
            gazetteer, "Council's children's services rated good as caseloads fall", opening + later
        )
        assert found == [("Salford", "good", "requires improvement"), *compared], later


def test_a_roundup_by_grade_gives_each_sections_councils_its_grade(gazetteer: Gazetteer) -> None:
    """Lines that are a grade alone head sections: every council a section names is a
    subject with the section's grade, any other grade its sentences give the earlier one;
    a short line naming no council ends the sections."""
    text = (
        "We look at how the councils of the North West stand after the latest inspections.\n"
        "Ofsted has now inspected every council in the region under its current framework.\n"
        "Outstanding\n"
        "Trafford, top-rated since 2019, was last inspected in the spring.\n"
        "Good\n"
        "Wigan, Rochdale and Stockport are all good.\n"
        "Salford, previously rated requires improvement, was praised for its front door.\n"
        "Inadequate\n"
        "Oldham's services, once judged good, are under an improvement notice.\n"
        "About the grades\n"
        "A lecturer at the University of Manchester said grades were a snapshot.\n"
    )
    found = about(gazetteer, "How do the North West's councils rate? Ofsted grades explained", text)
    assert sorted(found) == [
        ("Oldham", "inadequate", "good"),
        ("Rochdale", "good", None),
        ("Salford", "good", "requires improvement"),
        ("Stockport", "good", None),
        ("Trafford", "outstanding", None),
        ("Wigan", "good", None),
    ]


def test_one_grade_heading_makes_no_roundup(gazetteer: Gazetteer) -> None:
    text = (
        "Oldham Council's children's services have been rated inadequate by Ofsted.\n"
        "Inspectors found delays in child protection work.\n"
        "Good\n"
        "Trafford, a neighbour, has offered advice.\n"
    )
    found = about(gazetteer, "Oldham children's services rated inadequate", text)
    assert found == [("Oldham", "inadequate", None)]


def test_where_a_provider_is_or_whom_it_serves_is_a_place(gazetteer: Gazetteer) -> None:
    for sentence in (
        "Inspectors said the Leicester-based agency gave carers exceptional support.",
        "The agency supports 80 foster families across the Midlands and Nottinghamshire.",
        "The chief inspector told an audience in Westminster that 60 per cent of councils"
        " are rated good.",
    ):
        found = about(
            gazetteer,
            "Independent fostering agency rated outstanding",
            "An independent fostering agency has been rated outstanding by Ofsted.\n"
            f"{sentence}\nInspectors praised its matching of children and carers.",
        )
        assert found == [], sentence


def test_a_rating_for_leadership_is_a_sub_judgement(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Council wins challenge over Ofsted judgement",
        "Luton Council's 'inadequate' rating for leadership has been revised to 'requires"
        " improvement'.\nOfsted rated the council requires improvement to be good overall.\n",
    )
    assert found == [("Luton", "requires improvement", None)]


def test_a_roundups_heading_is_context_for_an_ambiguous_name(gazetteer: Gazetteer) -> None:
    text = (
        "Here is where councils in the North East stand at their latest inspection:\n"
        "Gateshead: outstanding (2023)\n"
        "Newcastle: good (2025)\n"
        "Sunderland: good (2022)\n"
    )
    found = about(gazetteer, "How does your council compare? Ofsted grades for the region", text)
    assert ("Newcastle upon Tyne", "good", None) in found


def test_a_former_authority_named_as_its_successor_is_the_successor(
    gazetteer: Gazetteer,
) -> None:
    """ "Somerset County Council" in a 2010 story that also says "Somerset" is Somerset (its
    grade the successor's), unlike Cumbria in a story about Cumberland."""
    found = about(
        gazetteer,
        "Ofsted annual ratings: Somerset and Devon both 'adequate'",
        "Children's services in Somerset and Devon are adequate, Ofsted's annual assessment"
        " says.\nSomerset County Council received the second-highest rating last year.\n"
        "Somerset County Council was judged to be performing adequately this year.\n",
    )
    assert ("Somerset", "adequate", "good") in found


def test_a_council_competed_with_is_not_the_subject(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Inspectors raise concerns over Norfolk's referrals",
        "Ofsted has found delays in Norfolk County Council's child protection services.\n"
        "Inspectors visited its duty teams in September.\n"
        "The director said the county was competing with Suffolk for experienced staff.\n"
        "The county was rated good at its last full inspection.\n",
    )
    assert found == [("Norfolk", "good", None)]


def test_a_place_beside_the_council_keeps_the_story_on_it(gazetteer: Gazetteer) -> None:
    """A sentence naming the council and a council it competes with (or a helper) goes on
    about the council: a later "the county was rated" is its grade."""
    found = about(
        gazetteer,
        "Inspectors raise concerns over Norfolk's referrals",
        "Ofsted has found delays in Norfolk County Council's child protection services.\n"
        "Inspectors visited its duty teams in September.\n"
        "Staff praised the out-of-hours service.\n"
        "Managers said caseloads had risen.\n"
        "The director said recruitment in Norfolk was hard, competing with Suffolk for staff.\n"
        "The findings will inform the next inspection.\n"
        "The county was rated as performing adequately in last year's annual assessment.\n",
    )
    assert found == [("Norfolk", "adequate", None)]


def test_a_roundups_line_about_one_councils_visit_makes_it_a_subject(gazetteer: Gazetteer) -> None:
    text = (
        "Four councils received their inspection results this month.\n"
        "Stockport: good, up from requires improvement.\n"
        "Wigan: requires improvement to be good.\n"
        "Trafford: outstanding.\n"
        "Oldham: inadequate.\n"
        "Separately, Rochdale Borough Council received a focused visit letter, which found"
        " steady progress.\n"
        "Next month's results will include councils in Yorkshire.\n"
    )
    found = about(gazetteer, "Ofsted results round-up: Trafford stays outstanding", text)
    assert ("Rochdale", None, None) in found


def test_a_headline_trusts_other_council_rated_on_its_own_is_a_subject(
    gazetteer: Gazetteer,
) -> None:
    """A trust serving several councils in the headline: another of them the story rates in
    a sentence of its own is a subject, and the headline's grade beside the one it names is
    not that other's."""
    text = (
        "The social enterprise now holds good or better grades in every borough it serves.\n"
        "Children's services in Richmond upon Thames have been rated good by Ofsted.\n"
        "Inspectors praised the borough's early help and its work with care leavers.\n"
        "The council's lead member thanked staff for their work.\n"
        "Social workers told inspectors that caseloads were manageable.\n"
        "The borough was previously rated requires improvement.\n"
        "Staff turnover has halved in two years.\n"
        "Kingston upon Thames was rated outstanding in the spring.\n"
    )
    found = about(
        gazetteer, "Richmond rated good as Achieving for Children marks its best year", text
    )
    assert found == [
        ("Richmond upon Thames", "good", "requires improvement"),
        ("Kingston upon Thames", "outstanding", None),
    ]


def test_a_which_clause_holds_earlier_grades(gazetteer: Gazetteer) -> None:
    sentence = (
        "Barnsley, which was rated inadequate in 2015 and requires improvement at its last"
        " full inspection, was judged good in a report out this week"
    )
    assert [(g.grade, g.previous) for g in find_grades(sentence)] == [
        (None, "inadequate"),
        (None, "requires improvement"),
        ("good", None),
    ]
    sentence = "Wigan, which was rated inadequate in 2020, moved up to requires improvement"
    assert [(g.grade, g.previous) for g in find_grades(sentence)] == [
        (None, "inadequate"),
        ("requires improvement", None),
    ]
    assert about(
        gazetteer,
        "Wigan children's services improve",
        "Wigan Council, which had been rated inadequate in 2019, has been judged good by Ofsted.",
    ) == [("Wigan", "good", "inadequate")]


def test_a_grade_shaken_off_is_the_earlier_one() -> None:
    for verb in ("shaken off", "shed", "left behind", "lost", "escaped"):
        sentence = f"The council has {verb} the inadequate rating it has carried since 2014"
        assert [(g.grade, g.previous, g.superseded) for g in find_grades(sentence)] == [
            (None, "inadequate", True)
        ], verb
    kept = "The council failed to shake off its inadequate rating"
    assert [(g.grade, g.previous) for g in find_grades(kept)] == [("inadequate", None)]


def test_a_which_clause_does_not_part_a_council_from_its_main_verb(gazetteer: Gazetteer) -> None:
    text = (
        "Wigan, which was rated inadequate in 2021, moved up to requires improvement to be"
        " good, while Bolton was judged outstanding."
    )
    found = dict((n, (g, p)) for n, g, p in about(gazetteer, "North West results", text))
    assert found["Wigan"] == ("requires improvement", "inadequate")
    assert found["Bolton"] == ("outstanding", None)


def test_a_sentence_explaining_a_score_scale_states_no_grade() -> None:
    sentence = (
        "A score of four means performing excellently, three performing well, two performing"
        " adequately and one performing poorly."
    )
    assert find_grades(sentence) == []
    assert find_grades("Hull was judged to be performing poorly in the annual assessment.")


def test_a_quoted_performing_grade_is_a_grade() -> None:
    sentence = (
        'Children\'s services in Hull are "performing well", according to the annual'
        ' performance assessment, while York has been judged to be "performing adequately".'
    )
    assert [g.grade for g in find_grades(sentence)] == ["good", "adequate"]


def test_a_span_of_places_and_a_universitys_city_are_not_subjects(gazetteer: Gazetteer) -> None:
    text = (
        "Ofsted's chief inspector said reports were too long. I led inspections of children's"
        " services in councils from Devon to Cumbria. The study, by researchers at the"
        " universities of Leeds and Sheffield, analysed every inspection."
    )
    assert about(gazetteer, "Inspection reports are too long, says former inspector", text) == []


def test_a_which_clause_run_of_grades_ends_at_the_latest() -> None:
    sentence = (
        "Rochdale, which was judged inadequate in 2018 and requires improvement to be good"
        " last year, has had regular monitoring visits."
    )
    assert [(g.grade, g.previous) for g in find_grades(sentence)] == [
        (None, "inadequate"),
        ("requires improvement", "inadequate"),
    ]


def test_the_reports_overall_effectiveness_sentence_is_the_grade(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Concerns raised over Swindon children's services",
        "Swindon Borough Council has been told that children wait too long for help.\n"
        "Swindon had been rated good at its last full inspection in 2019.\n"
        "The report rates the council's overall effectiveness as requires improvement to be"
        " good.",
    )
    assert found == [("Swindon", "requires improvement", "good")]


def test_an_earlier_grade_in_a_whose_clause_is_the_previous_one(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Barnet judged outstanding",
        "Barnet, whose services were rated inadequate as recently as 2017, has been judged"
        " outstanding by Ofsted.",
    )
    assert found == [("Barnet", "outstanding", "inadequate")]


def test_a_neighbour_rated_in_a_whose_clause_is_a_subject(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Derby children's services slip to 'requires improvement'",
        "Derby City Council's children's services have been rated requires improvement by"
        " Ofsted.\nThe report compares unfavourably with neighbouring Derbyshire, whose"
        " children's services were rated good by Ofsted last year.",
    )
    assert found == [("Derby", "requires improvement", None), ("Derbyshire", "good", None)]


def test_the_island_goes_on_about_the_isle_of_wight(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Isle of Wight partnership with Hampshire extended",
        "The Isle of Wight Council's children's services will stay in partnership with another"
        " council.\nThe partnership began in 2013 after the island's services were rated"
        " inadequate.\nThe island's services are currently rated requires improvement to be"
        " good, following the full inspection in 2023.",
    )
    assert found == [("Isle of Wight", "requires improvement", "inadequate")]


def test_councils_named_after_their_grade_with_are(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Four councils 'performing poorly' on children's services, Ofsted annual ratings show",
        "Four councils have been judged to be performing poorly in Ofsted's annual assessment.\n"
        "Of the 152 authorities assessed, 12 were judged to be performing excellently.\n"
        "Among those rated as performing poorly are Calderdale, which was performing adequately"
        " last year, and Walsall, where inspectors raised serious concerns.",
    )
    assert sorted(found) == [("Calderdale", "inadequate", None), ("Walsall", "inadequate", None)]


def test_a_grade_aimed_at_is_none(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Sandwell Children's Trust no longer inadequate",
        "Sandwell Children's Trust is no longer inadequate, Ofsted has said.\n"
        "The trust would remain subject to oversight while it worked towards a good rating.",
    )
    assert found == [("Sandwell", None, "inadequate")]


def test_the_council_rated_right_after_a_roundups_line_naming_it(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Mixed month for councils as Ofsted publishes latest inspection reports",
        "Ofsted has published the latest batch of inspection reports on councils.\n"
        "The biggest improvement came in Croydon, where services were judged good.\n"
        "Inspectors praised its leaders.\n"
        "In Plymouth, by contrast, inspectors found that services had deteriorated.\n"
        "The city council's services were rated requires improvement, down from good.",
    )
    assert sorted(found) == [
        ("Croydon", "good", None),
        ("Plymouth", "requires improvement", "good"),
    ]


def test_a_scores_line_vouches_for_an_ambiguous_name(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "London councils dominate top scores in children's services assessment",
        "The annual performance assessments score councils from 1 to 4. A score of 4 means"
        " outstanding, 3 good, 2 adequate and 1 inadequate.\n"
        "Hounslow: 2\nWestminster: 4\nEaling: 3",
    )
    assert sorted(found) == [
        ("Ealing", "good", None),
        ("Hounslow", "adequate", None),
        ("Westminster", "outstanding", None),
    ]


def test_a_table_that_lost_its_line_breaks(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "Ofsted ratings in the East of England: the full table",
        "The table below shows each council's latest overall grade and the one before it.\n"
        "Council | Latest inspection | Overall grade | Previous grade Essex | 2024 | Outstanding"
        " | Outstanding Hertfordshire | 2023 | Outstanding | Good Suffolk | 2024 | Requires"
        " improvement | Good Luton | 2023 | Requires improvement | Requires improvement",
    )
    assert sorted(found) == [
        ("Essex", "outstanding", None),
        ("Hertfordshire", "outstanding", "good"),
        ("Luton", "requires improvement", None),
        ("Suffolk", "requires improvement", "good"),
    ]


def test_grade_headings_that_lost_their_line_breaks(gazetteer: Gazetteer) -> None:
    found = about(
        gazetteer,
        "How every council in the North East is rated for children's services",
        "Here is how each council was rated at its most recent full inspection.\n"
        "Outstanding North Tyneside - kept its top rating in 2023. Gateshead - upgraded from good"
        " in 2024.\n"
        "Good Newcastle - rated good, with inspectors praising its work on exploitation. South"
        " Tyneside - rated good.\n"
        "Inadequate Middlesbrough - rated inadequate in 2022.",
    )
    assert sorted(found) == [
        ("Gateshead", "outstanding", "good"),
        ("Middlesbrough", "inadequate", None),
        ("Newcastle upon Tyne", "good", None),
        ("North Tyneside", "outstanding", None),
        ("South Tyneside", "good", None),
    ]
