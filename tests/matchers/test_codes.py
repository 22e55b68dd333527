"""The shipped reference tables: complete where they claim to be, consistent with each other."""

from __future__ import annotations

import re
import subprocess
import sys

import matchers.codes as codes

DESIGNATED_CITIES = {
    "01100": "札幌市", "04100": "仙台市", "11100": "さいたま市", "12100": "千葉市", "14100": "横浜市",
    "14130": "川崎市", "14150": "相模原市", "15100": "新潟市", "22100": "静岡市", "22130": "浜松市",
    "23100": "名古屋市", "26100": "京都市", "27100": "大阪市", "27140": "堺市", "28100": "神戸市",
    "33100": "岡山市", "34100": "広島市", "40100": "北九州市", "40130": "福岡市", "43100": "熊本市",
}
WARDS_PER_CITY = {"01100": 10, "04100": 5, "11100": 10, "12100": 6, "14100": 18, "14130": 7, "14150": 3,
                  "15100": 8, "22100": 3, "22130": 3, "23100": 16, "26100": 11, "27100": 24, "27140": 7,
                  "28100": 9, "33100": 4, "34100": 8, "40100": 7, "40130": 7, "43100": 5}


def test_the_package_imports_on_its_own_without_the_worker():
    probe = "import sys, matchers.codes; print(any(m == 'worker' or m.startswith('worker.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_all_47_prefectures_are_listed_in_jis_order_from_hokkaido_to_okinawa():
    prefectures = codes.prefectures()
    assert list(prefectures) == [f"{n:02d}" for n in range(1, 48)]
    assert prefectures["01"] == "北海道" and prefectures["13"] == "東京都" and prefectures["47"] == "沖縄県"
    assert codes.prefecture_name("27") == "大阪府"


def test_the_23_special_wards_are_13101_chiyoda_to_13123_edogawa():
    wards = {c: m for c, m in codes.municipalities().items() if m.kind == "special_ward"}
    assert sorted(wards) == [f"131{n:02d}" for n in range(1, 24)]
    assert wards["13101"].name == "千代田区" and wards["13104"].name == "新宿区" and wards["13123"].name == "江戸川区"
    assert {m.prefecture_code for m in wards.values()} == {"13"}


def test_all_20_designated_cities_are_present_with_all_their_wards():
    table = codes.municipalities()
    cities = {c: m.name for c, m in table.items() if m.kind == "designated_city"}
    assert cities == DESIGNATED_CITIES
    for city, count in WARDS_PER_CITY.items():
        wards = [m for m in table.values() if m.city_code == city]
        assert len(wards) == count, city
        assert all(m.kind == "ward" and m.name.startswith(cities[city]) for m in wards)
        assert all(m.prefecture_code == table[city].prefecture_code for m in wards)
    assert table["14101"].name == "横浜市鶴見区"
    assert table["27128"].name == "大阪市中央区"


def test_every_municipality_code_has_five_digits_and_starts_with_its_prefecture():
    for code, m in codes.municipalities().items():
        assert re.fullmatch(r"\d{5}", code) and code == m.code
        assert code[:2] == m.prefecture_code and m.prefecture_code in codes.prefectures()


def test_every_prefecture_has_its_capital_and_a_place_of_work():
    capitals = {m.prefecture_code for m in codes.municipalities().values() if m.note == "capital"}
    assert capitals == set(codes.prefectures()) - {"13"}  # Tokyo's seat is in the special wards
    for prefecture in codes.prefectures():
        assert any(codes.is_workplace(m) for m in codes.municipalities_in(prefecture))


def test_the_occupation_table_has_15_majors_and_99_middles_each_under_a_listed_major():
    table = codes.occupations()
    assert list(table.majors) == [f"{n:02d}" for n in range(1, 16)]
    assert table.major_name("08") == "福祉・介護の職業"
    assert list(table.middles) == [f"{n:03d}" for n in range(1, 100)]
    assert all(middle.major_code in table.majors for middle in table.middles.values())
    assert {middle.major_code for middle in table.middles.values()} == set(table.majors)


def test_every_minor_code_is_nnn_nn_under_a_listed_middle_and_every_middle_has_one():
    table = codes.occupations()
    for code, minor in table.minors.items():
        assert re.fullmatch(r"\d{3}-\d{2}", code)
        assert minor.middle_code == code[:3] and code[:3] in table.middles
    assert {minor.middle_code for minor in table.minors.values()} == set(table.middles)
    assert len(table.minors) <= 440


def test_major_of_accepts_middle_and_minor_codes_and_membership_knows_both():
    table = codes.occupations()
    assert table.major_of("050") == "08" and table.major_of("050-01") == "08"
    assert table.major_of("009") == "02"
    assert "050" in table and "050-01" in table and "999" not in table and "050-99" not in table
    assert [m.code for m in table.minors_of("023")] == ["023-01", "023-02"]


def test_the_tables_say_which_parts_are_reconstructed_or_illustrative():
    table = codes.occupations()
    assert {m.status for m in table.middles.values()} == {"reconstructed"}
    assert {m.status for m in table.minors.values()} == {"illustrative"}
    doc = sys.modules["matchers.codes.occupations"].__doc__
    assert "RECONSTRUCTED" in doc and "ILLUSTRATIVE SUBSET" in doc


def test_employment_forms_are_1_to_7_with_1_to_4_full_time():
    forms = codes.employment_forms()
    assert list(forms) == [1, 2, 3, 4, 5, 6, 7]
    assert codes.employment_form_name(1) == "正社員" and codes.employment_form_name(5) == "パート労働者"
    assert [codes.is_full_time(n) for n in forms] == [True] * 4 + [False] * 3


def test_wage_types_are_monthly_daily_and_hourly():
    assert dict(codes.wage_types()) == {"monthly": "月給", "daily": "日給", "hourly": "時給"}
    assert codes.wage_type_name("hourly") == "時給"


def test_industry_codes_are_two_digits():
    assert all(re.fullmatch(r"\d{2}", code) for code in codes.industries())
    assert codes.industry_name("85") == "社会保険・社会福祉・介護事業"
