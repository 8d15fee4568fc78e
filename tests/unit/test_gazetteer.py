from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from monitor.bundled import bundled_path
from monitor.classify.gazetteer import (
    CODE,
    Gazetteer,
    load_gazetteer,
    name_key,
    parse_gazetteer,
)
from monitor.errors import SeedError

SEED = bundled_path("seeds") / "authorities.toml"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer(SEED)


def codes_of(gazetteer: Gazetteer, text: str) -> list[str]:
    return [a.code for m in gazetteer.find_mentions(text) for a in m.authorities]


# --- the data -------------------------------------------------------------------------------


def test_codes_are_unique_and_well_formed_as_written() -> None:
    data = tomllib.loads(SEED.read_text(encoding="utf-8"))
    codes = [a["code"] for a in data["authorities"]]
    codes += [c for a in data["authorities"] for c in a.get("previous_codes", [])]
    assert len(codes) == len(set(codes))
    assert all(CODE.fullmatch(c) for c in codes)


def test_counts(gazetteer: Gazetteer) -> None:
    # 153 current, as the DfE counts local authorities since April 2023: the City of London
    # and the Isles of Scilly are included (both have children's services and are inspected).
    assert len(gazetteer.current) == 153
    assert len(gazetteer.former) == 8
    assert Counter(a.type for a in gazetteer.current) == {
        "county": 21,
        "metropolitan district": 36,
        "london borough": 32,
        "city of london": 1,
        "unitary authority": 62,
        "isles of scilly": 1,
    }
    assert Counter(a.region for a in gazetteer.current) == {
        "North East": 12,
        "North West": 24,
        "Yorkshire and the Humber": 15,
        "East Midlands": 10,
        "West Midlands": 14,
        "East of England": 11,
        "London": 33,
        "South East": 19,
        "South West": 15,
    }


def test_code_prefix_matches_type(gazetteer: Gazetteer) -> None:
    prefixes = {
        "county": "E10",
        "metropolitan district": "E08",
        "london borough": "E09",
        "city of london": "E09",
        "unitary authority": "E06",
        "isles of scilly": "E06",
    }
    for authority in gazetteer.authorities:
        assert authority.code.startswith(prefixes[authority.type]), authority


def test_every_alias_resolves_to_exactly_its_authority(gazetteer: Gazetteer) -> None:
    owners: dict[str, str] = {}
    for authority in gazetteer.authorities:
        assert authority.aliases[0] == authority.name
        for alias in authority.aliases:
            assert gazetteer.resolve(alias) == authority, alias
            assert gazetteer.resolve_all(alias) == (authority,), alias
            assert owners.setdefault(name_key(alias), authority.code) == authority.code, alias


def test_every_alias_is_found_whole_by_find_mentions(gazetteer: Gazetteer) -> None:
    for authority in gazetteer.authorities:
        for alias in authority.aliases:
            text = f"A report on {alias} today."
            mentions = gazetteer.find_mentions(text)
            assert len(mentions) == 1, (alias, mentions)
            (mention,) = mentions
            assert mention.authority == authority
            assert text[mention.start : mention.end] == mention.text == alias
            assert mention.ambiguous == (alias in authority.ambiguous)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("E08000025", "Birmingham"),
        ("E10000016", "Kent"),
        ("E09000012", "Hackney"),
        ("E06000010", "Kingston upon Hull"),
        ("E06000023", "Bristol"),
        ("E06000047", "County Durham"),
        ("E06000058", "Bournemouth, Christchurch and Poole"),
        ("E06000059", "Dorset"),
        ("E06000060", "Buckinghamshire"),
        ("E06000061", "North Northamptonshire"),
        ("E06000062", "West Northamptonshire"),
        ("E06000063", "Cumberland"),
        ("E06000064", "Westmorland and Furness"),
        ("E06000065", "North Yorkshire"),
        ("E06000066", "Somerset"),
        ("E06000053", "Isles of Scilly"),
        ("E09000001", "City of London"),
        ("E08000037", "Gateshead"),
        ("E06000057", "Northumberland"),
        ("E08000038", "Barnsley"),
        ("E08000039", "Sheffield"),
        ("E10000006", "Cumbria"),
        ("E10000021", "Northamptonshire"),
    ],
)
def test_known_codes(gazetteer: Gazetteer, code: str, name: str) -> None:
    authority = gazetteer.by_code(code)
    assert authority is not None
    assert authority.name == name


@pytest.mark.parametrize(
    ("old", "code"),
    [
        ("E08000020", "E08000037"),  # Gateshead, 2013 boundary change
        ("E06000048", "E06000057"),  # Northumberland, 2013
        ("E08000016", "E08000038"),  # Barnsley, April 2025
        ("E08000019", "E08000039"),  # Sheffield, April 2025
    ],
)
def test_previous_codes_of_the_same_authority(gazetteer: Gazetteer, old: str, code: str) -> None:
    authority = gazetteer.by_code(old)
    assert authority is not None and authority.code == code and not authority.former


@pytest.mark.parametrize(
    ("former", "until", "successors"),
    [
        ("E06000028", 2019, {"E06000058"}),  # Bournemouth
        ("E06000029", 2019, {"E06000058"}),  # Poole
        ("E10000009", 2019, {"E06000058", "E06000059"}),  # Dorset county: Christchurch to BCP
        ("E10000002", 2020, {"E06000060"}),  # Buckinghamshire county
        ("E10000021", 2021, {"E06000061", "E06000062"}),  # Northamptonshire
        ("E10000006", 2023, {"E06000063", "E06000064"}),  # Cumbria
        ("E10000023", 2023, {"E06000065"}),  # North Yorkshire county
        ("E10000027", 2023, {"E06000066"}),  # Somerset county
    ],
)
def test_reorganisations(
    gazetteer: Gazetteer, former: str, until: int, successors: set[str]
) -> None:
    authority = gazetteer.by_code(former)
    assert authority is not None and authority.former and not authority.current
    assert authority.until == until
    assert set(authority.succeeded_by) == successors
    assert {a.code for a in gazetteer.current_for(former)} == successors
    assert all(gazetteer.by_code(c) is not None for c in successors)


def test_former_and_current_names_stay_apart(gazetteer: Gazetteer) -> None:
    def code(name: str) -> str | None:
        authority = gazetteer.resolve(name)
        return None if authority is None else authority.code

    assert code("Dorset") == code("Dorset Council") == "E06000059"
    assert code("Dorset County Council") == "E10000009"
    assert code("North Yorkshire") == code("North Yorkshire Council") == "E06000065"
    assert code("North Yorkshire County Council") == "E10000023"
    assert code("Somerset Council") == "E06000066"
    assert code("Somerset County Council") == "E10000027"
    assert code("Buckinghamshire") == "E06000060"
    assert code("Buckinghamshire County Council") == "E10000002"
    assert code("Cumbria County Council") == code("Cumbria") == "E10000006"
    assert code("BCP Council") == "E06000058"
    assert code("Bournemouth") == "E06000028"


# --- resolve ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Birmingham City Council", "E08000025"),
        ("Birmingham Children's Trust", "E08000025"),
        ("Birmingham Children’s Trust", "E08000025"),
        ("birmingham childrens trust", "E08000025"),
        ("Kent County Council", "E10000016"),
        ("KENT COUNTY COUNCIL", "E10000016"),
        ("the London Borough of Hackney", "E09000012"),
        ("The  London Borough of\nHackney", "E09000012"),
        ("Hull", "E06000010"),
        ("Hull City Council", "E06000010"),
        ("Kingston upon Hull, City of", "E06000010"),
        ("Bristol City Council", "E06000023"),
        ("Bristol, City of", "E06000023"),
        ("Durham County Council", "E06000047"),
        ("Herefordshire, County of", "E06000019"),
        ("St Helens", "E08000013"),
        ("St. Helens", "E08000013"),
        ("St. Helens Council", "E08000013"),
        ("Brighton & Hove City Council", "E06000043"),
        ("Barking & Dagenham", "E09000002"),
        ("Stockton on Tees", "E06000004"),
        ("Stockton-on-Tees Borough Council", "E06000004"),
        ("Reading's", "E06000038"),
        ("Brighter Futures for Children", "E06000038"),
        ("Doncaster Children's Services Trust", "E08000017"),
        ("Together for Children", "E08000024"),
        ("Slough Children's Services Trust", "E06000039"),
        ("Slough Children First", "E06000039"),
        ("Sandwell Children's Trust", "E08000028"),
        ("Worcestershire Children First", "E10000034"),
        ("Bradford Children and Families Trust", "E08000032"),
        ("Royal Borough of Kingston upon Thames", "E09000021"),
        ("Royal Borough of Windsor and Maidenhead", "E06000040"),
        ("Nottingham", "E06000018"),
        ("Nottinghamshire", "E10000024"),
        ("Nottingham City Council", "E06000018"),
        ("Nottinghamshire County Council", "E10000024"),
    ],
)
def test_resolve(gazetteer: Gazetteer, name: str, code: str) -> None:
    authority = gazetteer.resolve(name)
    assert authority is not None, name
    assert authority.code == code


@pytest.mark.parametrize(
    "name", ["Sutton Coldfield", "Bury St Edmunds", "New York", "Cheshire", "Ofsted", ""]
)
def test_resolve_unknown_or_not_an_authority(gazetteer: Gazetteer, name: str) -> None:
    assert gazetteer.resolve(name) is None
    assert gazetteer.resolve_all(name) == ()


def test_shared_names_resolve_to_all_their_authorities(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve("Achieving for Children") is None
    afc = {a.code for a in gazetteer.resolve_all("Achieving for Children")}
    assert afc == {"E09000021", "E09000027", "E06000040"}
    nct = {a.code for a in gazetteer.resolve_all("Northamptonshire Children's Trust")}
    assert nct == {"E06000061", "E06000062"}


# --- the hard names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Reading", "E06000038"),
        ("Bury", "E08000002"),
        ("Derby", "E06000015"),
        ("Durham", "E06000047"),
        ("Sutton", "E09000029"),
        ("Richmond", "E09000027"),
        ("Kingston", "E09000021"),
        ("Newcastle", "E08000021"),
        ("Westminster", "E09000033"),
        ("City of London", "E09000001"),
        ("Dudley", "E08000027"),
        ("Stoke", "E06000021"),
    ],
)
def test_ambiguous_short_names_resolve_but_are_flagged(
    gazetteer: Gazetteer, name: str, code: str
) -> None:
    authority = gazetteer.resolve(name)
    assert authority is not None and authority.code == code
    assert gazetteer.is_ambiguous(name)


@pytest.mark.parametrize(
    "name",
    [
        "Reading Borough Council",
        "Bury Council",
        "Derby City Council",
        "Durham County Council",
        "County Durham",
        "London Borough of Sutton",
        "Richmond upon Thames",
        "Kingston upon Thames",
        "Wigan",
        "Gateshead",
        "Hull",
        "Nottingham",
        "Nottinghamshire",
    ],
)
def test_unambiguous_names(gazetteer: Gazetteer, name: str) -> None:
    assert gazetteer.resolve(name) is not None
    assert not gazetteer.is_ambiguous(name)


# --- find_mentions ---------------------------------------------------------------------------


def test_county_is_not_the_city(gazetteer: Gazetteer) -> None:
    text = "Nottinghamshire County Council and Nottingham City Council agreed; Nottingham too."
    mentions = gazetteer.find_mentions(text)
    assert [m.text for m in mentions] == [
        "Nottinghamshire County Council",
        "Nottingham City Council",
        "Nottingham",
    ]
    assert [m.authorities[0].code for m in mentions] == ["E10000024", "E06000018", "E06000018"]
    assert codes_of(gazetteer, "Nottinghamshire said") == ["E10000024"]


def test_hull(gazetteer: Gazetteer) -> None:
    text = "Kingston upon Hull is the city; Hull City Council runs it; Hull's children."
    assert [m.text for m in gazetteer.find_mentions(text)] == [
        "Kingston upon Hull",
        "Hull City Council",
        "Hull",
    ]
    assert set(codes_of(gazetteer, text)) == {"E06000010"}
    # Not Kingston upon Thames, and no separate "Kingston" mention inside it.
    assert "E09000021" not in codes_of(gazetteer, text)
    # The football club is not the council.
    assert codes_of(gazetteer, "Hull City won 2-0") == []


def test_spans(gazetteer: Gazetteer) -> None:
    text = "Ofsted said the London Borough of Hackney’s services, and Kent’s, had improved."
    mentions = gazetteer.find_mentions(text)
    assert [(m.text, m.alias) for m in mentions] == [
        ("London Borough of Hackney", "London Borough of Hackney"),
        ("Kent", "Kent"),
    ]
    for m in mentions:
        assert text[m.start : m.end] == m.text


def test_spans_when_lower_casing_changes_the_length(gazetteer: Gazetteer) -> None:
    text = "İİİ in İstanbul; then Kent County Council and Hull."
    assert len(text.lower()) != len(text)
    mentions = gazetteer.find_mentions(text)
    assert [m.text for m in mentions] == ["Kent County Council", "Hull"]
    assert all(text[m.start : m.end] == m.text for m in mentions)


def test_spelling_variants_in_text(gazetteer: Gazetteer) -> None:
    text = (
        "St. Helens, Brighton & Hove City Council, Stockton on Tees, B&NES, "
        "Birmingham Children’s Trust and KENT COUNTY COUNCIL"
    )
    assert codes_of(gazetteer, text) == [
        "E08000013",
        "E06000043",
        "E06000004",
        "E06000022",
        "E08000025",
        "E10000016",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "He was reading the report when the hull was breached.",
        "a local derby",
        "working together for children and families",
        "Bury St Edmunds and Bury St. Edmunds",
        "Sutton Coldfield and Sutton-in-Ashfield",
        "the Sutton Trust said",
        "Bromley-by-Bow and Bradford on Avon",
        "Leeds Castle",
        "Kingston, Jamaica",
        "Durham University and Durham Cathedral",
        "the Bishop of Durham",
        "Newcastle-under-Lyme",
        "New York and New Hampshire",
        "the Archbishop of York",
        "the Epsom Derby and Derby County",
        "Greater Manchester",
        "Stoke Newington",
        "Brent crude",
    ],
)
def test_no_authority_mentioned(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.find_mentions(text) == []


def test_ambiguous_mentions_are_marked(gazetteer: Gazetteer) -> None:
    text = (
        "Reading Borough Council said children in Reading were safer. Brighter Futures for "
        "Children runs the service. Reading the report, Ofsted noted Durham and Bury."
    )
    found = [(m.text, m.authorities[0].code, m.ambiguous) for m in gazetteer.find_mentions(text)]
    assert found == [
        ("Reading Borough Council", "E06000038", False),
        ("Reading", "E06000038", True),
        ("Brighter Futures for Children", "E06000038", False),
        ("Reading", "E06000038", True),  # the verb at a sentence start: context must decide
        ("Durham", "E06000047", True),
        ("Bury", "E08000002", True),
    ]


def test_richmond_and_kingston(gazetteer: Gazetteer) -> None:
    text = "Richmond upon Thames and the Royal Borough of Kingston upon Thames; Richmond Council."
    assert [(m.text, m.ambiguous) for m in gazetteer.find_mentions(text)] == [
        ("Richmond upon Thames", False),
        ("Royal Borough of Kingston upon Thames", False),
        ("Richmond Council", False),
    ]
    # The town in North Yorkshire: the bare "Richmond" is flagged, and the county is found.
    found = [
        (m.text, m.authorities[0].code, m.ambiguous)
        for m in gazetteer.find_mentions("Richmond, North Yorkshire")
    ]
    assert found == [("Richmond", "E09000027", True), ("North Yorkshire", "E06000065", False)]


def test_shared_trust_mention(gazetteer: Gazetteer) -> None:
    (mention,) = gazetteer.find_mentions("Achieving for Children was rated good.")
    assert mention.authority is None
    assert {a.code for a in mention.authorities} == {"E09000021", "E09000027", "E06000040"}


def test_job_titles_are_still_mentions(gazetteer: Gazetteer) -> None:
    # The gazetteer finds names; whether a story is ABOUT Gateshead, or quotes someone who
    # works there, or names a partner council helping another improve, the extractor decides.
    text = "said Jane Smith, director of children's services at Gateshead Council"
    assert codes_of(gazetteer, text) == ["E08000037"]


def test_name_key() -> None:
    assert name_key("The London Borough of  Hackney") == "london borough of hackney"
    assert name_key("St. Helens") == name_key("St Helens") == "st helens"
    assert name_key("Brighton & Hove") == name_key("Brighton and Hove")
    assert name_key("Stockton-on-Tees") == name_key("stockton on tees")
    assert name_key("Children’s") == name_key("Children's") == "childrens"


# --- validation -----------------------------------------------------------------------------

GOOD = """
[[authorities]]
code = "E06000038"
name = "Reading"
region = "South East"
type = "unitary authority"
aliases = ["Reading Borough Council"]
ambiguous = ["Reading"]

[[authorities]]
code = "E10000016"
name = "Kent"
region = "South East"
type = "county"
aliases = ["Kent County Council"]
"""


def test_current_for_survives_a_succession_loop() -> None:
    looped = GOOD.replace(
        'aliases = ["Kent County Council"]',
        'aliases = ["Kent County Council"]\nformer = true\nuntil = 2020\nsucceeded_by = ["E06000038"]',
    ).replace(
        'ambiguous = ["Reading"]',
        'ambiguous = ["Reading"]\nformer = true\nuntil = 2020\nsucceeded_by = ["E10000016"]',
    )
    assert parse_gazetteer(looped, "test.toml").current_for("E10000016") == ()


def test_a_small_valid_file() -> None:
    small = parse_gazetteer(GOOD, "test.toml")
    assert [a.code for a in small.current] == ["E06000038", "E10000016"]
    assert codes_of(small, "Kent and Reading") == ["E10000016", "E06000038"]


def _entry(**fields: str) -> str:
    lines = ["[[authorities]]"]
    base = {
        "code": '"E06000015"',
        "name": '"Derby"',
        "region": '"East Midlands"',
        "type": '"unitary authority"',
    }
    base.update(fields)
    lines += [f"{k} = {v}" for k, v in base.items()]
    return GOOD + "\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_entry(code='"E06000038"'), "code E06000038 appears twice"),
        (_entry(aliases='["Kent County Council"]'), "'Kent County Council' of E06000015"),
        (_entry(aliases='["reading borough  council"]'), "also names E06000038"),
        (_entry(region='"Midlands"'), "unknown region 'Midlands'"),
        (_entry(type='"district"'), "unknown type 'district'"),
        (_entry(type='"county"'), "E06 code cannot be of type 'county'"),
        (_entry(code='"E07000001"'), "code must be an ONS code"),
        (_entry(code='"E0600001"'), "code must be an ONS code"),
        (
            _entry(former="true", until="2019", succeeded_by='["E06000099"]'),
            "succeeded_by E06000099 is not the code",
        ),
        (_entry(former="true", succeeded_by='["E06000038"]'), "needs until"),
        (_entry(former="true", until="2019"), "needs succeeded_by"),
        (_entry(until="2019"), "only for former = true"),
        (_entry(ambiguous='["Derbyshire"]'), "not among its aliases"),
        (_entry(alias='["Derby"]'), "unknown fields ['alias']"),
        (_entry(previous_codes='["E06000038"]'), "code E06000038 appears twice"),
        (GOOD + '[[shared]]\nname = "X Trust"\nauthorities = ["E06000038"]\n', "two or more"),
        (
            GOOD + '[[shared]]\nname = "Kent"\nauthorities = ["E06000038", "E10000016"]\n',
            "already an alias",
        ),
        ('non_authority_phrases = ["Kent"]\n' + GOOD, "is also a name of"),
        ("[[authorities]\n", "not valid TOML"),
        ("", "no [[authorities]]"),
    ],
)
def test_invalid_files_name_the_file_and_the_entry(document: str, message: str) -> None:
    with pytest.raises(SeedError, match=r"^test\.toml: ") as caught:
        parse_gazetteer(document, "test.toml")
    assert message in str(caught.value)


def test_errors_name_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "authorities.toml"
    path.write_text(_entry(region='"Midlands"'), encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        load_gazetteer(path)
    assert str(path) in str(caught.value)
    assert "authority #3 (E06000015 Derby)" in str(caught.value)


def test_missing_file_is_a_seed_error(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read"):
        load_gazetteer(tmp_path / "absent.toml")
