"""Build ``matchers/data/job_synonyms.tsv``, the job-word synonym dictionary, from the reference
data in ``../shared/data`` (run by hand when the sources or the curation below change):

    python scripts/build_job_synonyms.py [--data ../shared/data] [--out matchers/data/job_synonyms.tsv]

Sources (their attribution is written into the table's header):
- Sudachi synonym dictionary, groups of people and job titles (``synonyms/groups_person_category.tsv``,
  WorksApplications/SudachiDict, Apache-2.0);
- 職業情報提供サイト（job tag）（厚生労働省）: occupation titles and aliases
  (``jobtag/jobtag_titles_aliases.tsv``).

Curation (why each step): a synonym group widens every keyword that names one of its terms, so
a group must never join different jobs. Only the Sudachi groups listed in ``SUDACHI_GROUPS`` are
taken (reviewed by hand: jobs, not kinship, nationalities, employment forms or titles of
office), each minus the terms that name another job or are too generic for containment
(``DROP_TERMS``, e.g. 技師 is not エンジニア, 相談員 is not カウンセラー, セールスマン is 営業, not
販売員). From job tag, a title written "A/B" joins its two names, "A（MR）" its abbreviation, and an
alias that is its title with one word replaced by a synonym of that word (タクシー運転手 →
タクシードライバー) joins the title. ``CURATED`` adds common job-ad words neither source groups
(介護スタッフ, 保母, 販売スタッフ …). ``APART`` lists words that must never share a group; the
build fails if one does. Terms of one or two kana and single kanji are dropped: contained in
other words they would match far too much (アナ in アナリスト).

Readings (rule 4 of the matching semantics): every term written with kanji gets its reading from
SudachiPy (sudachidict-core, split mode C), in katakana; readings shorter than three kana are
not kept (ほぼ, いし are everyday words, not searches for 保母 or 医師), nor are the readings in
``HOMOPHONES``: readings that are first of all another everyday word or job (サンバ is a dance
before it is 産婆, しかい is 司会 before 歯科医), which a seeker typing them does not mean."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SUDACHI_GROUPS = """
000043 000052 000084 000151 000246 000275 000476 000536 000554 000771 000821 001365 001391
006342 006350 006352 006497 006518 007198 007645 007648 007682 007991 008058 008122 008152
008235 008325 008356 008398 008607 008631 008753 009462 009956 009979 010013 010099 010104
011561 012253 012638 013448 013751 013843 013974 013985 014276 014293 014477 014563 014637
014640 014641 014642 014660 014718 015110 015140 015210 015216 015292 015293 015394 015966
016004 016226 016263 016465 016506 016549 016827 016870 016907 017750 017906 018606 018958
019220 019486 019760 020034 020353 020538 021226 021313 021342 021434 021495 021714 022129
022274 022530 022537 022689 022898 023001 024084 024447 024560 024603
""".split()

# Terms taken out of their Sudachi group, with the reason.
DROP_TERMS = {
    "000043": {"サポート要員", "補充要員", "補助者", "補助要員"},  # an assistant, not any stand-in
    "000151": {"技能工", "技師"},  # 技師 (放射線技師 …) and 技能工 are other jobs than エンジニア
    "000246": set(),
    "000476": {"コンダクター", "conductor"},  # also 指揮者
    "000536": {"ドクトル"},
    "000771": {"御巡り", "おまわり", "お巡り", "ポリス", "police"},  # ポリス is in メトロポリス
    "006518": {"クック", "cook"},  # クック is a name and a verb stem as often as a job
    "008152": {"制作者", "創作家"},
    "008325": {"指導員", "イントラ"},  # 指導員 (生活指導員, 学童保育指導員) are other jobs
    "008631": {"メイド", "メード", "maid"},  # メイドイン…
    "009462": {"相談員"},  # 生活相談員 is a welfare job, not a カウンセラー
    "012638": set(),
    "013448": {"セーラー", "sailor", "水夫", "船乗り"},
    "014642": {"GM"},
    "016907": {"銀行家", "バンカー", "banker", "職員"},  # a bank's employee, not its owner; 職員 is anyone
    "016549": {"ダイバー"},  # in every ダイバーシティ (diversity) of a company's description
    "017750": set(),
    "018958": {"コーダー"},  # in レコーダー, エンコーダー, デコーダー
    "021434": {"公僕", "官僚"},
    "021495": {"先生"},  # doctors and lawyers are 先生 too
    "000426": {"セールスマン", "salesman"},
}

# Groups neither source has, or words they lack, written for job ads. Each line is one group.
CURATED = [
    ("介護職員", "介護士", "ケアワーカー", "介護スタッフ", "介護職"),
    ("保育士", "保母", "保父", "保育スタッフ"),
    ("販売員", "販売スタッフ"),  # Sudachi 000426 without セールスマン (営業 is another job)
    ("清掃員", "清掃スタッフ"),
    ("薬剤師", "ファーマシスト"),
    ("料理人", "調理人", "コック", "シェフ", "調理師", "調理スタッフ"),
    ("秘書", "セクレタリー", "secretary"),
    ("ホールスタッフ", "ホール係", "フロアスタッフ"),
    ("警備員", "警備スタッフ"),
    ("事務員", "事務スタッフ"),
    ("歯科衛生士", "デンタルハイジニスト"),
    ("言語聴覚士", "ST"),
]

# Words that must never share a group (a build fails if they do).
APART = [("アシスタント", "技師"), ("エンジニア", "技師"), ("販売員", "営業"),
         ("保育士", "保育教諭"), ("介護", "看護"), ("調理員", "調理人")]

_KANJI = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]")
_KANA = re.compile("^[\u3041-\u3096\u30a1-\u30fa\u30fc]+$")
_UPPER_ABBREVIATION = re.compile("^[A-Z]{2,4}$")
QUALIFIERS = {"IT"}  # "ヘルプデスク（IT）" names a field, not the job's abbreviation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "matchers" / "data" / "job_synonyms.tsv")
    args = parser.parse_args(argv)
    groups = sudachi_groups(args.data / "synonyms" / "groups_person_category.tsv")
    groups += jobtag_groups(args.data / "jobtag" / "jobtag_titles_aliases.tsv", groups)
    groups += [(f"curated:{number:02d}", list(terms)) for number, terms in enumerate(CURATED, 1)]
    groups = [(group, _usable(terms)) for group, terms in groups]
    groups = merge([(group, terms) for group, terms in groups if len(terms) >= 2])
    check_apart(groups)
    readings = read_all({term for _, terms in groups for term in terms if _KANJI.search(term)})
    write(args.out, groups, readings)
    print(f"{args.out}: {len(groups)} groups, {sum(len(t) for _, t in groups)} terms, "
          f"{len(readings)} readings", file=sys.stderr)
    return 0


def sudachi_groups(path: Path) -> list[tuple[str, list[str]]]:
    wanted = set(SUDACHI_GROUPS)
    found = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        group_id, _category, terms = line.split("\t")
        if group_id in wanted:
            drop = DROP_TERMS.get(group_id, set())
            found.append((f"sudachi:{group_id}", [term for term in terms.split("|") if term not in drop]))
    missing = wanted - {group[len("sudachi:"):] for group, _ in found}
    if missing:
        raise SystemExit(f"{path}: Sudachi groups not found: {sorted(missing)}")
    return found


def jobtag_groups(path: Path, sudachi: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Names of one job tag occupation that are names of the same job (see the module docstring)."""
    synonyms = [set(terms) for _, terms in sudachi]
    found = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        cells = line.split("\t") + [""]
        occupation_id, title, aliases = cells[0], cells[2], [a for a in cells[3].split("|") if a]
        names: list[str] = []
        match = re.fullmatch(r"(.+?)（([^（）]+)）", title)
        if "/" in title and "、" not in title and not re.search(r"[A-Za-z]/[A-Za-z]", title):  # UX/UI is one name
            names = [part.strip() for part in title.split("/")]
        elif match and _UPPER_ABBREVIATION.match(match.group(2)) and match.group(2) not in QUALIFIERS:
            names = [match.group(1), match.group(2)]
        base = names[0] if names else title
        for alias in aliases:
            if _one_synonym_apart(base, alias, synonyms):
                names = names or [base]
                names.append(alias)
        if len(names) >= 2:
            found.append((f"jobtag:{occupation_id}", list(dict.fromkeys(names))))
    return found


def _one_synonym_apart(title: str, alias: str, synonyms: list[set[str]]) -> bool:
    """The alias is the title with one word replaced by a synonym from one Sudachi group."""
    for group in synonyms:
        for word in group:
            if len(word) >= 2 and word in title:
                for other in group - {word}:
                    if len(other) >= 2 and title.replace(word, other, 1) == alias:
                        return True
    return False


def _usable(terms: list[str]) -> list[str]:
    """The terms worth a line: long enough for containment, and one per comparison form (チーム
    リーダー and チームリーダ are one word to the matcher)."""
    sys.path.insert(0, str(ROOT))
    from matchers.normalise import normalise

    kept: dict[str, str] = {}
    for term in terms:
        if len(term) == 1 or (len(term) == 2 and _KANA.match(term)):
            continue  # contained in other words it would match far too much
        kept.setdefault(normalise(term), term)
    return list(kept.values())


def merge(groups: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Groups sharing a term become one (警備員 is in a Sudachi group and a curated one): a
    keyword then finds the same words whichever term of the group it is."""
    merged: list[tuple[list[str], list[str]]] = []
    for group, terms in groups:
        joined = [entry for entry in merged if set(entry[1]) & set(terms)]
        names, members = [group], list(terms)
        for entry in joined:
            merged.remove(entry)
            names = entry[0] + names
            members = entry[1] + members
        merged.append((names, list(dict.fromkeys(members))))
    return [("+".join(names), members) for names, members in merged]


def check_apart(groups: list[tuple[str, list[str]]]) -> None:
    for group, terms in groups:
        for one, other in APART:
            if any(one in term for term in terms) and any(other in term and one not in term for term in terms):
                raise SystemExit(f"group {group} joins {one} and {other}: {'|'.join(terms)}")


# Readings that are also a more common word (reviewed by hand over every computed reading): a kana
# keyword equal to one of them means that word, not the dictionary term.
HOMOPHONES = {
    "サンバ": "サンバ (a dance), not 産婆",
    "シカイ": "司会, not 歯科医",
    "カイイン": "会員, not 海員",
    "コウイン": "工員, not 行員",
    "カンリ": "管理, not 官吏",
    "サンカイ": "散会・山海, not 産科医",
    "サンイ": "三位, not 産医",
}


def read_all(terms: set[str]) -> dict[str, str]:
    from sudachipy import dictionary, tokenizer

    sudachi = dictionary.Dictionary().tokenizer()
    mode = tokenizer.Tokenizer.SplitMode.C
    readings = {}
    for term in sorted(terms):
        reading = "".join(morpheme.reading_form() for morpheme in sudachi.tokenize(term, mode))
        if _KANA.match(reading) and len(reading) >= 3 and reading not in HOMOPHONES:
            readings[term] = reading
    return readings


HEADER = """\
# 求人の職種語の同義語辞書 (job-word synonym groups) for keyword matching (matchers.synonyms).
# One line per term: group, term, reading (katakana, computed, for terms written with kanji), source.
# A keyword equal to a term also finds every other term of its group(s); a kana keyword equal to
# a reading finds that term and its group. Edit by hand if you must (a term without a reading is
# fine), but prefer changing the curation in scripts/build_job_synonyms.py and running it again.
# Sources and licences:
# - Sudachi 同義語辞書 (WorksApplications/SudachiDict, src/main/text/synonyms.txt), the groups of
#   people and job titles, curated: Apache License 2.0 (http://www.apache.org/licenses/LICENSE-2.0);
#   modified (groups selected, terms removed).
# - 出典：職業情報提供サイト（job tag）（厚生労働省） — occupation titles and aliases (IPD v7.00),
#   used under the job tag terms of use, Article 9 (https://shigoto.mhlw.go.jp/User/tos).
# - Readings: SudachiPy with sudachidict-core (Apache License 2.0).
# - curated: groups written for this project.
"""


def write(path: Path, groups: list[tuple[str, list[str]]], readings: dict[str, str]) -> None:
    lines = [HEADER.rstrip("\n"), "group\tterm\treading\tsource"]
    for group, terms in groups:
        source = "+".join(dict.fromkeys(name.split(":")[0] for name in group.split("+")))
        for term in terms:
            lines.append(f"{group}\t{term}\t{readings.get(term, '')}\t{source}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
