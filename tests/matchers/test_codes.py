"""The shipped reference tables: the real ones, complete, consistent with each other."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_all_20_designated_cities_are_present_with_all_their_current_wards():
    table = codes.municipalities()
    cities = {c: m.name for c, m in table.items() if m.kind == "designated_city"}
    assert cities == DESIGNATED_CITIES
    for city, count in WARDS_PER_CITY.items():
        wards = [m for m in codes.wards_of(city) if not m.abolished]
        assert len(wards) == count, city
        assert all(m.kind == "ward" and m.name.startswith(cities[city]) for m in wards)
        assert all(m.prefecture_code == table[city].prefecture_code for m in wards)
    assert table["14101"].name == "横浜市鶴見区"
    assert table["27128"].name == "大阪市中央区"


def test_yokohamas_18_wards_14101_to_14118_name_14100_as_their_city():
    wards = [m for m in codes.municipalities().values() if m.city_code == "14100"]
    assert [m.code for m in wards] == [f"141{n:02d}" for n in range(1, 19)]
    assert {codes.municipality(m.code).city_code for m in wards} == {"14100"}
    assert codes.municipality("14100").city_code is None and codes.municipality("14100").kind == "designated_city"


def test_hamamatsus_wards_before_2024_stay_known_as_abolished_wards_of_the_city():
    old = [codes.municipality(f"2213{n}") for n in range(1, 8)]
    assert all(m.abolished and m.city_code == "22130" and not codes.is_workplace(m) for m in old)
    assert [m.name for m in codes.wards_of("22130") if not m.abolished] == ["浜松市中央区", "浜松市浜名区", "浜松市天竜区"]


def test_every_municipality_in_japan_is_listed_with_its_reading():
    table = codes.municipalities()
    assert len(table) >= 1900
    assert {m.kind for m in table.values()} == {"special_ward", "designated_city", "ward", "city", "town", "village"}
    assert table["01202"].name == "函館市" and table["01202"].reading == "はこだてし"
    assert table["47382"].name == "与那国町" and table["47382"].kind == "town"
    assert table["14100"].reading == "よこはまし" and table["14101"].reading == "よこはましつるみく"
    unread = [m.code for m in table.values() if not m.reading]
    assert unread == ["01695", "01696", "01697", "01698", "01699", "01700"]  # the Northern Territories' villages
    assert all(re.fullmatch("[ぁ-ゖー]+", m.reading) for m in table.values() if m.reading)


def test_every_municipality_code_has_five_ascii_digits_and_starts_with_its_prefecture():
    for code, m in codes.municipalities().items():
        assert re.fullmatch(r"[0-9]{5}", code) and code == m.code
        assert code[:2] == m.prefecture_code and m.prefecture_code in codes.prefectures()


def test_the_prefectures_have_readings():
    table = codes.prefecture_table()
    assert table["01"].reading == "ほっかいどう" and table["13"].reading == "とうきょうと"
    assert table["47"].reading == "おきなわけん"


def test_every_prefecture_has_its_capital_and_a_place_of_work():
    capitals = {m.prefecture_code: m.name for m in codes.municipalities().values() if m.note == "capital"}
    assert set(capitals) == set(codes.prefectures())
    assert capitals["13"] == "新宿区" and capitals["14"] == "横浜市"
    for prefecture in codes.prefectures():
        assert any(codes.is_workplace(m) for m in codes.municipalities_in(prefecture))


def test_the_occupation_table_has_15_majors_and_99_middles_with_their_official_names():
    table = codes.occupations()
    assert list(table.majors) == [f"{n:02d}" for n in range(1, 16)]
    assert table.major_name("08") == "福祉・介護の職業"
    assert list(table.middles) == [f"{n:03d}" for n in range(1, 100)]
    assert all(middle.major_code in table.majors for middle in table.middles.values())
    assert {middle.major_code for middle in table.middles.values()} == set(table.majors)
    assert table.middle("001").name == "法人・団体役員"
    assert table.middle("009").name == "情報処理・通信技術者（ソフトウェア開発）"
    assert table.middle("023").name == "看護師、准看護師"
    assert table.middle("050").name == "施設介護の職業"
    assert table.middle("099").name == "その他の運搬・清掃・包装・選別等の職業"


def test_the_minor_codes_are_the_real_ones_each_with_example_job_titles():
    table = codes.occupations()
    assert len(table.minors) >= 357
    for code, minor in table.minors.items():
        assert re.fullmatch(r"[0-9]{3}-[0-9]{2}", code)
        assert minor.middle_code == code[:3] and code[:3] in table.middles
        assert minor.examples and all(minor.examples)
    assert "プログラマー" in table.minor("009-03").examples
    assert table.minor("009-03").name == "プログラマー"
    assert len({minor.middle_code for minor in table.minors.values()}) >= 96


def test_major_of_accepts_middle_and_minor_codes_and_membership_knows_every_level():
    table = codes.occupations()
    assert table.major_of("050") == "08" and table.major_of("050-01") == "08"
    assert table.major_of("009") == "02"
    assert "08" in table and "050" in table and "009-03" in table
    assert "999" not in table and "050-98" not in table
    assert all(m.middle_code == "023" for m in table.minors_of("023")) and table.minors_of("023")


def test_nothing_shipped_is_marked_reconstructed_or_illustrative_any_more():
    for name in ("matchers.codes", "matchers.codes.occupations", "matchers.codes.places"):
        doc = sys.modules[name].__doc__
        assert "RECONSTRUCTED" not in doc and "ILLUSTRATIVE" not in doc and "reconstructed" not in doc
    assert not hasattr(codes.occupations().middle("050"), "status")


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


SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_the_shipped_tables_are_what_the_build_script_makes_of_the_sources():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the reference data is not here ({SHARED_DATA}); the tables cannot be rebuilt")
    script = Path(__file__).resolve().parents[2] / "scripts" / "build_tables.py"
    done = subprocess.run([sys.executable, str(script), "--check", "--source", str(SHARED_DATA)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_generated_table_names_its_source_and_licence():
    folder = Path(codes.__file__).parent / "data"
    for name in ("prefectures.tsv", "municipalities.tsv", "occupation_major.tsv", "occupation_middle.tsv",
                 "occupation_minor.tsv"):
        header = "".join(line for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.startswith("#"))
        assert "Source" in header and "build_tables.py" in header, name
    assert "job tag" in (folder / "occupation_minor.tsv").read_text(encoding="utf-8").split("\ncode")[0]
    assert "CC0" in (folder / "municipalities.tsv").read_text(encoding="utf-8").split("\ncode")[0]
