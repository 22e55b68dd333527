""""Why not this offer?": the verdict of the rules on one (offer, condition) pair, for the
helpdesk. A match carries the same score and reasons as the index gives; a rejection names every
rule of the condition that the offer fails, in the order the package docstring lists them, as a
sentence staff can read out. ``evaluate`` stays the one definition of a match: a verdict agrees
with it (tests hold it to that)."""

from __future__ import annotations

from dataclasses import dataclass

from matchers.codebook import occupation_name, place_name
from matchers.records import Condition, ConditionId, JobOffer
from matchers.rules import (
    EMPLOYMENT_FORMS,
    ConditionBody,
    OfferView,
    _occupation,
    _place,
    _wage_text,
    evaluate,
    prepare,
)


@dataclass(frozen=True, slots=True)
class Rejection:
    rule: str  # キーワード, 除外キーワード, 勤務地, 職種, 雇用形態, 賃金
    reason: str


@dataclass(frozen=True, slots=True)
class Verdict:
    condition_id: ConditionId
    matched: bool
    score: int | None = None
    reasons: tuple[str, ...] = ()  # why it matched
    rejections: tuple[Rejection, ...] = ()  # why it did not


def why(offer: JobOffer, condition: Condition) -> Verdict:
    view, body = OfferView(offer), prepare(condition)
    outcome = evaluate(view, body)
    if outcome is not None:
        return Verdict(condition.condition_id, True, outcome[0], outcome[1])
    return Verdict(condition.condition_id, False, rejections=tuple(_rejections(view, body)))


def _rejections(view: OfferView, body: ConditionBody) -> list[Rejection]:
    found: list[Rejection] = []
    if _place(view, body) is None:
        wanted = "・".join(place_label(code) for code in body.prefectures + body.municipalities)
        where = place_label(view.municipality) if view.municipality else place_label(view.prefecture)
        found.append(Rejection("勤務地", f"勤務地（{where}）が希望の勤務地（{wanted}）に含まれません"))
    if _occupation(view, body) is None:
        wanted = "・".join(occupation_label(code) for code in body.occupations)
        if view.occupation is None:
            found.append(Rejection("職種", f"求人に職業分類がなく、希望の職種（{wanted}）を確かめられません"))
        else:
            actual = occupation_label(view.occupation)
            found.append(Rejection("職種", f"職業分類（{actual}）が希望の職種（{wanted}）に当てはまりません"))
    if body.forms and view.form not in body.forms:
        wanted = "・".join(EMPLOYMENT_FORMS.get(form, str(form)) for form in body.forms)
        actual = EMPLOYMENT_FORMS.get(view.form, "記載なし") if view.form is not None else "記載なし"
        found.append(Rejection("雇用形態", f"雇用形態（{actual}）が希望（{wanted}）に含まれません"))
    if body.wage_min is not None:
        floor = _wage_text(body.wage_type, body.wage_min)
        if view.wage_upper_monthly is None:
            found.append(Rejection("賃金", f"求人に賃金の記載がなく、希望の下限（{floor}）を確かめられません"))
        elif view.wage_upper_monthly < body.wage_min_monthly:
            found.append(Rejection("賃金", f"賃金（{_wage_text(view.offer.wage_type, view.wage_upper)}）が"
                                          f"希望の下限（{floor}）に届きません"))
    excluded = [k.text for k in body.excludes if view.contains(k)]
    if excluded:
        found.append(Rejection("除外キーワード", "除外キーワード『" + "』『".join(excluded) + "』が求人にあります"))
    if body.keywords:
        missing = [k.text for k in body.keywords if view.keyword_hit(k) is None]
        named = "『" + "』『".join(missing) + "』"
        if body.keyword_mode == "and" and missing:
            found.append(Rejection("キーワード", f"キーワード{named}が求人の職種・仕事内容・事業所名・免許・資格にありません"))
        elif body.keyword_mode == "or" and len(missing) == len(body.keywords):
            found.append(Rejection("キーワード", f"キーワード{named}のどれも求人にありません（いずれか一つで可）"))
    return found


def place_label(code: str) -> str:
    """"13 東京都" / "14101 横浜市鶴見区": staff read codes too; a code the table does not know stays bare."""
    name = place_name(code)
    return code if name == code else f"{code} {name}"


def occupation_label(code: str) -> str:
    """"050 …" with the table's name of the 大分類, 中分類 or 小分類, or the bare code."""
    name = occupation_name(code)
    return code if name == code else f"{code} {name}"
