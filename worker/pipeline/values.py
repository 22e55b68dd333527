"""Database rows → the matchers' frozen values. Rows may be ORM objects or result rows with the
same attribute names; lists stored as JSON become tuples."""

from __future__ import annotations

from typing import Any

import matchers
from matchers.rules import ConditionBody, prepare


def _codes(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def condition_value(row: Any) -> matchers.Condition:
    return condition_of(row.id, row.seeker_id, row.kind, row.keywords, row.keyword_mode, row.exclude_keywords,
                        row.prefecture_codes, row.municipality_codes, row.occupation_codes, row.employment_forms,
                        row.wage_type, row.wage_min)


def condition_of(condition_id, seeker_id, kind, keywords, keyword_mode, exclude_keywords, prefecture_codes,
                 municipality_codes, occupation_codes, employment_forms, wage_type, wage_min) -> matchers.Condition:
    """The columns of a condition row (lists as the database holds them) as a frozen value."""
    return matchers.Condition(
        condition_id=condition_id,
        seeker_id=seeker_id,
        kind=kind,
        keywords=tuple(keywords or ()),
        keyword_mode=keyword_mode or "and",
        exclude_keywords=tuple(exclude_keywords or ()),
        prefecture_codes=_codes(prefecture_codes),
        municipality_codes=_codes(municipality_codes),
        occupation_codes=_codes(occupation_codes),
        employment_forms=tuple(int(v) for v in employment_forms or ()),
        wage_type=wage_type,
        wage_min=wage_min,
    )


def condition_body(fields) -> ConditionBody:
    """What decides a match, from ``condition_stream.body_fields``: keywords, keyword_mode,
    exclude_keywords, prefecture, municipality and occupation codes, employment forms, wage_type
    and wage_min. The same body ``ConditionIndex.add`` makes of ``condition_value`` (who owns the
    condition and its kind play no part in it)."""
    return prepare(condition_of(0, 0, "registered", *fields))


def offer_value(row: Any) -> matchers.JobOffer:
    return matchers.JobOffer(
        job_number=row.job_number,
        title=row.title,
        description=row.description or "",
        employer_name=row.employer_name or "",
        occupation_code=row.occupation_code,
        prefecture_code=row.prefecture_code,
        municipality_code=row.municipality_code,
        employment_form=row.employment_form,
        wage_type=row.wage_type,
        wage_min=row.wage_min,
        wage_max=row.wage_max,
        licenses=tuple(row.licenses or ()),
        received_on=row.received_on,
        online_application=bool(row.online_application),
    )
