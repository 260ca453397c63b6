"""The shared facts: counties, spellings, markets, CNP rules, population, geometry."""

import datetime as dt

import pytest

from analysis.reference import (
    COUNTIES,
    MARKETS,
    UnknownCounty,
    cnp_birth_date,
    cnp_county,
    cnp_problem,
    cnp_sex,
    county_code,
    strip_diacritics,
    to_comma_below,
)
from analysis.reference.cnp import check_digit, make_cnp
from analysis.reference.geo import county_geojson
from analysis.reference.population import county_population


def test_41_counties_and_bucharest_with_unique_codes():
    assert len(COUNTIES) == 42
    for attribute in ("code", "iso", "cnp_code", "siruta", "nuts3", "name"):
        assert len({getattr(c, attribute) for c in COUNTIES}) == 42, attribute
    assert {c.region for c in COUNTIES} == {
        "Nord-Est",
        "Sud-Est",
        "Sud-Muntenia",
        "Sud-Vest Oltenia",
        "Vest",
        "Nord-Vest",
        "Centru",
        "București-Ilfov",
    }


def test_names_use_comma_below_never_cedilla():
    names = "".join(c.name for c in COUNTIES)
    assert "ş" not in names and "ţ" not in names
    assert {c.name for c in COUNTIES} >= {"Constanța", "Timiș", "Bistrița-Năsăud", "București"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CJ", "CJ"),
        ("cj", "CJ"),
        ("RO-CJ", "CJ"),
        ("Cluj", "CJ"),
        (" CLUJ ", "CJ"),
        ("Constanța", "CT"),
        ("Constanţa", "CT"),
        ("Constanta", "CT"),
        ("Județul Constanța", "CT"),
        ("Judeţul Constanţa", "CT"),
        ("Judetul Constanta", "CT"),
        ("Bistrița-Năsăud", "BN"),
        ("Bistrita Nasaud", "BN"),
        ("Caraş-Severin", "CS"),
        ("Satu Mare", "SM"),
        ("Vâlcea", "VL"),
        ("Valcea", "VL"),
        ("Iaşi", "IS"),
        ("B", "B"),
        ("București", "B"),
        ("Bucureşti", "B"),
        ("Bucuresti", "B"),
        ("Municipiul București", "B"),
        ("Municipiul Bucuresti", "B"),
        ("Mun. Bucuresti", "B"),
        ("RO-B", "B"),
        ("Ilfov", "IF"),
    ],
)
def test_every_spelling_the_spec_allows_normalises(text, code):
    assert county_code(text) == code


def test_every_county_in_every_form_normalises():
    for c in COUNTIES:
        forms = {
            c.code,
            c.iso,
            c.name,
            c.name_ascii,
            c.name.upper(),
            f"Județul {c.name}",
            f"Judeţul {c.name.replace('ș', 'ş').replace('ț', 'ţ')}",
            f"Judetul {c.name_ascii}",
        }
        for form in forms:
            assert county_code(form) == c.code, form


@pytest.mark.parametrize("text", ["Ilfof", "Judeţul Atlantis", "", "XX", "RO-XX", "Cluj-Napoca"])
def test_anything_else_is_not_a_county(text):
    with pytest.raises(UnknownCounty):
        county_code(text)


def test_unknown_county_suggests_the_closest():
    with pytest.raises(
        UnknownCounty, match='"Ilfof" is not a county \\(did you mean "Ilfov"\\?\\)'
    ):
        county_code("Ilfof")


def test_text_normalisation():
    assert to_comma_below("Şoseaua Ţiglina, Iaşi") == "Șoseaua Țiglina, Iași"
    assert strip_diacritics("Județul Brașov, Târgu Mureș") == "Judetul Brasov, Targu Mures"


# Hand-worked: 1 8 0 0 1 0 1 2 2 1 1 4 x 2 7 9 1 4 6 3 5 8 2 7 9
#   = 2+56+0+0+4+0+3+10+16+2+7+36 = 136; 136 mod 11 = 4 -> check digit 4.
# Changing the 11th digit 1 -> 5 adds 4*7 = 28: 164 mod 11 = 10 -> written as 1.
# 2 9 9 0 3 1 2 4 0 0 0 1: 4+63+81+0+12+6+6+20+0+0+0+9 = 201; 201 mod 11 = 3.
@pytest.mark.parametrize(
    ("cnp", "born", "sex", "county"),
    [
        ("1800101221144", dt.date(1980, 1, 1), "M", "IS"),
        ("1800101221541", dt.date(1980, 1, 1), "M", "IS"),
        ("2990312400013", dt.date(1999, 3, 12), "F", "B"),
    ],
)
def test_valid_cnps_hand_worked(cnp, born, sex, county):
    assert cnp_problem(cnp) is None
    assert cnp_birth_date(cnp) == born
    assert cnp_sex(cnp) == sex
    assert cnp_county(cnp) == county


def test_check_digit_remainder_ten_is_written_as_one():
    assert check_digit("180010122154") == 1


@pytest.mark.parametrize(
    ("cnp", "reason"),
    [
        ("1800101221145", "check digit"),
        ("180010122114", "13 digits"),
        ("18001012211444", "13 digits"),
        ("18001O1221144", "13 digits"),
        ("1800231221144", "impossible birth date"),
        ("1801301221144", "impossible birth date"),
        ("0800101221144", "cannot be 0"),
        ("1800101991144", "county code 99"),
        ("5991231221144", "future"),
    ],
)
def test_invalid_cnps_are_rejected_with_the_rule(cnp, reason):
    problem = cnp_problem(cnp, today=dt.date(2026, 11, 29))
    assert problem is not None and reason in problem
    assert cnp not in problem  # the message never repeats the number


def test_bucharest_sectors_are_bucharest():
    first12 = "1800101410" + "01"  # sector 1
    cnp = first12 + str(check_digit(first12))
    assert cnp_county(cnp) == "B"


def test_make_cnp_builds_valid_numbers():
    for sex, born, county in [
        ("M", dt.date(1955, 7, 9), "12"),
        ("F", dt.date(2003, 2, 28), "52"),
        ("F", dt.date(1899, 12, 31), "01"),
    ]:
        cnp = make_cnp(sex, born, county, 17)
        assert cnp_problem(cnp) is None
        assert (cnp_birth_date(cnp), cnp_sex(cnp)) == (born, sex)


def test_markets_have_unique_codes_and_iccs():
    assert len({m.code for m in MARKETS}) == len(MARKETS) == 16
    assert all(m.iccs and m.name_ro for m in MARKETS)
    assert {m.code for m in MARKETS if m.code.startswith("drugs_")} == {
        "drugs_cocaine",
        "drugs_heroin",
        "drugs_cannabis",
        "drugs_synthetic",
    }


def test_population_covers_every_county_and_year():
    pop = county_population()
    assert pop["county"].n_unique() == 42
    assert sorted(pop["year"].unique().to_list()) == list(range(2012, 2026))
    assert pop.height == 42 * 14
    # INS POP105A: Bihor on 1 January 2012, as the TEMPO file states it
    bihor = pop.filter((pop["county"] == "BH") & (pop["year"] == 2012))["population"].item()
    assert bihor == 575731
    national_2025 = pop.filter(pop["year"] == 2025)["population"].sum()
    assert 18_500_000 < national_2025 < 20_500_000


def test_geometry_has_all_42_counties_keyed_by_code():
    features = county_geojson()["features"]
    assert sorted(f["properties"]["county"] for f in features) == sorted(c.code for c in COUNTIES)
    names = {f["properties"]["county"]: f["properties"]["name"] for f in features}
    assert names["SM"] == "Satu Mare"  # the source's "SatuMare" typo is not shown to readers
