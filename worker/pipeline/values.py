"""Database rows → the matchers' frozen values. Rows may be ORM objects or result rows with the
same attribute names; lists stored as JSON become tuples."""

from __future__ import annotations

from typing import Any

import matchers
from matchers.rules import ConditionBody, prepare_fields


def _codes(values: Any) -> tuple[str, ...]:
    return tuple(map(str, values)) if values else ()


def condition_value(row: Any) -> matchers.Condition:
    return condition_of(row.id, row.seeker_id, row.kind, row.keywords, row.keyword_mode, row.exclude_keywords,
                        row.prefecture_codes, row.municipality_codes, row.occupation_codes, row.employment_forms,
                        row.wage_type, row.wage_min)


def condition_of(condition_id, seeker_id, kind, *fields) -> matchers.Condition:
    """A condition from its id, seeker id, kind and ``BODY_FIELDS`` as the database holds them."""
    return matchers.Condition(condition_id=condition_id, seeker_id=seeker_id, kind=kind,
                              **dict(zip(BODY_FIELDS, _typed(*fields), strict=True)))


def condition_body(*fields) -> ConditionBody:
    """What ``ConditionIndex.add`` makes of ``condition_of(…, *fields)`` — the body that decides
    a match — without the ``Condition`` (who owns a condition and its kind play no part in it)."""
    return prepare_fields(*_typed(*fields))


# The columns of a condition that decide a match, in the order ``condition_of`` takes them.
BODY_FIELDS = ("keywords", "keyword_mode", "exclude_keywords", "prefecture_codes", "municipality_codes",
               "occupation_codes", "employment_forms", "wage_type", "wage_min")


def _typed(keywords, keyword_mode, exclude_keywords, prefecture_codes, municipality_codes, occupation_codes,
           employment_forms, wage_type, wage_min) -> tuple:
    """``BODY_FIELDS`` typed as ``matchers.Condition`` types them: JSON lists become tuples,
    codes strings and employment forms ints."""
    return (tuple(keywords) if keywords else (), keyword_mode or "and",
            tuple(exclude_keywords) if exclude_keywords else (), _codes(prefecture_codes),
            _codes(municipality_codes), _codes(occupation_codes),
            tuple(map(int, employment_forms)) if employment_forms else (), wage_type, wage_min)


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
