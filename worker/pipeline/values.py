"""Database rows → the matchers' frozen values. Rows may be ORM objects or result rows with the
same attribute names; lists stored as JSON become tuples."""

from __future__ import annotations

from typing import Any

import matchers


def _codes(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def condition_value(row: Any) -> matchers.Condition:
    return matchers.Condition(
        condition_id=row.id,
        seeker_id=row.seeker_id,
        kind=row.kind,
        keywords=tuple(row.keywords or ()),
        keyword_mode=row.keyword_mode or "and",
        exclude_keywords=tuple(row.exclude_keywords or ()),
        prefecture_codes=_codes(row.prefecture_codes),
        municipality_codes=_codes(row.municipality_codes),
        occupation_codes=_codes(row.occupation_codes),
        employment_forms=tuple(int(v) for v in row.employment_forms or ()),
        wage_type=row.wage_type,
        wage_min=row.wage_min,
    )


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
