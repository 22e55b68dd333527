"""Deterministic synthetic seekers, conditions and job offers, as streams of plain dicts.

Records are made in fixed blocks of ``BLOCK`` indices, each block from its own random generator seeded
by ``(seed, stream, block)``. So the i-th record depends only on the seed and i: the first n records of
a longer run are the records of a shorter one, and a run can start at any index (``start``) to continue
numbering after rows already in a database. Nothing builds n records in a list; conditions and the
numeric draws never call Faker, so a million conditions take seconds.

Shapes: job offers and conditions are dicts in the matchers' JSONL shape (dates as ISO strings), job
offers with two extra fields (``industry_code``, ``referral_deadline``). Seekers are dicts of the
seeker table's columns, also JSON-ready.

Two profiles (``profile=``):

- ``realistic`` (the default): job offers take their title, summary, tasks and licences from the
  MHLW occupation database (job tag) under a real 小分類; a seeker's registered condition is shaped
  like a real 求職票 — one to three desired occupations, one to three places, employment forms and
  a wage always, keywords on about half — and saved searches always name a place.
- ``dense``: the earlier generator — offers worded from the occupation profiles and broad
  conditions (many without occupations, forms or wage) — kept so the case where each offer matches
  many conditions stays measurable.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from faker import Faker
from faker.providers.person.ja_JP import Provider as JapaneseNames

from matchers.codes import industries, municipality, occupations, prefecture_name
from worker.seed import jobtext, weights
from worker.seed import vocabulary as vocab
from worker.seed.numbers import MAX_INDEX, job_number, seeker_number
from worker.services.calendar import end_of_month_after_next

BLOCK = 4096

# Saved searches per seeker (0–3): most seekers who use My Page keep several, about 2.3 on average,
# so 300,000 seekers carry about a million conditions.
_SAVED_CUMULATIVE = (0.06, 0.20, 0.44)
_EMAIL_DOMAINS = ("example.jp", "example.com", "example.net", "example.org")  # reserved for examples
_FULL_TIME_FORMS = weights.Table.of({1: 0.72, 2: 0.18, 3: 0.06, 4: 0.04})
_PART_TIME_FORMS = weights.Table.of({5: 0.88, 6: 0.08, 7: 0.04})
_CONDITION_FORMS = weights.Table.of({
    (1,): 0.35, (1, 2): 0.15, (5,): 0.25, (5, 6, 7): 0.05, (1, 2, 3, 4): 0.05, (2, 5): 0.05, (1, 5): 0.10,
})
TERMS_VERSION = "2023-04"
PROFILES = ("realistic", "dense")
DEFAULT_PROFILE = "realistic"


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {profile!r}")


# ---------------------------------------------------------------------------- public generators


def seeker_records(n: int, *, seed: int, start: int = 0, today: date | None = None) -> Iterator[dict]:
    """n seekers from index ``start``: Japanese names, example-domain e-mails, birth dates, work
    history and qualifications; registration mostly 有効 (valid to the end of the month after next),
    some 無効 with their invalid date, a few lapsed more than five years."""
    today = today or date.today()
    faker = _faker()
    for block, first, last in _blocks(n, start):
        skeleton = _skeleton(seed, block)
        rnd = _random(seed, "seekers", block)
        employers = _employer_pool(faker, seed, "seekers", block)
        for offset in range(last):  # records before `first` are made (and dropped) to keep the stream
            record = _seeker(rnd, block * BLOCK + offset, skeleton.prefectures[offset], today, employers)
            if first <= offset < last:
                yield record


def condition_records(n: int, *, seed: int, profile: str = DEFAULT_PROFILE) -> Iterator[dict]:
    """n conditions in the matchers' condition shape: each seeker (seeker_id = index + 1, the seekers
    of :func:`seeker_records` with the same seed) has one registered condition followed by 0–3 saved
    searches; condition ids run from 1."""
    emitted = 0
    for seeker_index, group in condition_groups(seed, profile=profile):
        for condition in group:
            if emitted == n:
                return
            emitted += 1
            yield {"condition_id": emitted, "seeker_id": seeker_index + 1, **condition.fields}


def job_offer_records(n: int, *, seed: int, start: int = 0, today: date | None = None,
                      profile: str = DEFAULT_PROFILE) -> Iterator[dict]:
    """n job offers from index ``start``: real-format job numbers, a 小分類 occupation, prefecture and
    municipality (consistent), employment form, wage range by wage type, licences, received within the
    last 60 days, referral deadline at the end of the month after next."""
    _check_profile(profile)
    make = _job_offer if profile == "realistic" else _dense_job_offer
    today = today or date.today()
    faker = _faker()
    for block, first, last in _blocks(n, start):
        rnd = _random(seed, "jobs", block)
        employers = _employer_pool(faker, seed, "jobs", block)
        for offset in range(last):  # records before `first` are made (and dropped) to keep the stream
            record = make(rnd, block * BLOCK + offset, today, employers)
            if first <= offset < last:
                yield record


# ---------------------------------------------------------------------------- blocks and randomness


def _blocks(n: int, start: int) -> Iterator[tuple[int, int, int]]:
    """(block, first offset, end offset) covering indices start .. start + n - 1."""
    if n < 0 or start < 0:
        raise ValueError("n and start must not be negative")
    if start + n - 1 > MAX_INDEX:
        raise ValueError(f"indices beyond {MAX_INDEX} have no distinct numbers")
    end = start + n
    for block in range(start // BLOCK, -(-end // BLOCK)):
        first = max(start - block * BLOCK, 0)
        last = min(end - block * BLOCK, BLOCK)
        yield block, first, last


def _random(seed: int, stream: str, block: int) -> random.Random:
    # String seeds are hashed with SHA-512: stable across runs, platforms and Python versions.
    return _Random(f"{seed}/{stream}/{block}")


class _Random(random.Random):
    """random.Random with its integer draws written out in one frame instead of three: the seed's
    generators make tens of millions of them, and the stdlib's version spends more time in its own
    argument checks than in drawing. The same draws as the stdlib's (``_randbelow`` by getrandbits),
    so the same stream — pinned by the tests' digests — for the integer arguments used here."""

    def choice(self, seq):
        n = len(seq)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        bits = n.bit_length()
        r = self.getrandbits(bits)
        while r >= n:
            r = self.getrandbits(bits)
        return seq[r]

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        n = (stop - start + step - 1) // step if step > 0 else 0
        if n <= 0:
            raise ValueError(f"empty range for randrange() ({start}, {stop}, {step})")
        bits = n.bit_length()
        r = self.getrandbits(bits)
        while r >= n:
            r = self.getrandbits(bits)
        return start + step * r

    def randint(self, a, b):
        return self.randrange(a, b + 1)


@dataclass(frozen=True)
class _Skeleton:
    """What seekers and their conditions share: home prefecture and number of saved searches."""

    prefectures: tuple[str, ...]
    saved_counts: tuple[int, ...]


@lru_cache(maxsize=8)
def _skeleton(seed: int, block: int) -> _Skeleton:
    rnd = _random(seed, "skeleton", block)
    table = weights.seeker_prefectures()
    prefectures = tuple(table.pick(rnd.random()) for _ in range(BLOCK))
    saved = tuple(_count(rnd.random()) for _ in range(BLOCK))
    return _Skeleton(prefectures, saved)


def _count(u: float) -> int:
    return sum(u >= c for c in _SAVED_CUMULATIVE)


@lru_cache(maxsize=1)
def _faker() -> Faker:
    return Faker("ja_JP")


def _employer_pool(faker: Faker, seed: int, stream: str, block: int) -> tuple[str, ...]:
    """Company names for one block: a small pool, so an employer posts several offers."""
    faker.seed_instance(f"{seed}/{stream}/{block}/employers")
    return tuple(faker.company() for _ in range(256))


# ---------------------------------------------------------------------------- dates


def _jst_morning_utc(day: date, minutes: int) -> str:
    """An ISO UTC timestamp on ``day`` between 09:00 and 21:00 JST."""
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes % 720)
    return moment.isoformat()


# ---------------------------------------------------------------------------- seekers


_LAST_NAMES = tuple(JapaneseNames.last_name_pairs)
_MALE_NAMES = tuple(JapaneseNames.first_name_male_pairs)
_FEMALE_NAMES = tuple(JapaneseNames.first_name_female_pairs)


def _seeker(rnd: random.Random, index: int, prefecture: str, today: date, employers: tuple[str, ...]) -> dict:
    last = rnd.choice(_LAST_NAMES)
    first = rnd.choice(_MALE_NAMES if rnd.random() < 0.5 else _FEMALE_NAMES)
    email = f"{last[2]}.{first[2]}.{index}@{rnd.choice(_EMAIL_DOMAINS)}".lower()
    age = 18 + int((rnd.random() + rnd.random()) / 2 * 52)  # 18–69, most around 40
    birth = date(today.year - age, 1, 1) + timedelta(days=rnd.randrange(365))

    record = {
        "seeker_number": seeker_number(prefecture, index),
        "name": f"{last[0]} {first[0]}",
        "email": email,
        "email_normalized": email,
        "birth_date": birth.isoformat(),
        "prefecture_code": prefecture,
        "work_history": _work_history(rnd, age, today, employers),
        "qualifications": sorted(set(rnd.sample(vocab.QUALIFICATIONS, rnd.choice((0, 1, 1, 2, 2, 3))))),
        "saved_search_mails": rnd.random() < 0.8,
    }
    record.update(_registration(rnd, today))
    record.update(_account(rnd, record["registration_status"], today))
    return record


def _work_history(rnd: random.Random, age: int, today: date, employers: tuple[str, ...]) -> list[dict]:
    table = weights.occupation_middles()
    jobs, end_year = [], today.year
    for _ in range(min(rnd.choice((0, 1, 1, 2, 2, 3)), max(0, (age - 18) // 3))):
        years = rnd.randint(1, 8)
        middle = table.pick(rnd.random())
        job = rnd.choice(occupations().minor(rnd.choice(weights.occupation_minors(middle))).examples)
        start_year = max(end_year - years, today.year - age + 18)
        jobs.append({"employer": rnd.choice(employers), "from": f"{start_year}-{rnd.randint(1, 12):02d}",
                     "to": f"{end_year}-{rnd.randint(1, 12):02d}", "job": job})
        end_year = start_year - rnd.randint(0, 1)
    return jobs


def _registration(rnd: random.Random, today: date) -> dict:
    if rnd.random() < 0.88:  # 有効: valid to the end of the month after next from the last activity
        activity = today - timedelta(days=rnd.randrange(60))
        return {"registration_status": "valid", "registration_valid_until": end_of_month_after_next(activity).isoformat(),
                "registration_invalid_on": None}
    u = rnd.random()
    # 無効: most lapsed within five years; one in ten longer ago (their My Page is due for deletion).
    days = rnd.randint(1827, 2555) if u < 0.1 else 1 + int(u * u * 1825)
    invalid_on = today - timedelta(days=days)
    return {"registration_status": "invalid", "registration_valid_until": (invalid_on - timedelta(days=1)).isoformat(),
            "registration_invalid_on": invalid_on.isoformat()}


def _account(rnd: random.Random, registration: str, today: date) -> dict:
    u = rnd.random()
    if registration == "valid":
        state = "open" if u < 0.65 else "not_opened" if u < 0.93 else "restricted" if u < 0.98 else "unusable"
    else:
        state = "open" if u < 0.5 else "not_opened"
    account = {"account_state": state, "opened_at": None, "agreed_at": None, "terms_version": None,
               "privacy_policy_version": None, "restricted_at": None, "unusable_at": None}
    if state != "not_opened":
        opened_on = today - timedelta(days=rnd.randint(30, 1500))
        minutes = rnd.randrange(720)
        account.update(opened_at=_jst_morning_utc(opened_on, minutes + 10),
                       agreed_at=_jst_morning_utc(opened_on, minutes),
                       terms_version=TERMS_VERSION, privacy_policy_version=TERMS_VERSION)
    if state == "restricted":
        account["restricted_at"] = _jst_morning_utc(today - timedelta(days=rnd.randint(1, 60)), rnd.randrange(720))
    if state == "unusable":
        account["unusable_at"] = _jst_morning_utc(today - timedelta(days=rnd.randint(1, 300)), rnd.randrange(720))
    return account


# ---------------------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class GeneratedCondition:
    """A condition in the matchers' shape plus what only the database keeps: the saved search's name
    and whether new offers for it are mailed."""

    fields: dict
    name: str
    notify: bool


def condition_groups(seed: int, start: int = 0, *, profile: str = DEFAULT_PROFILE,
                     ) -> Iterator[tuple[int, list[GeneratedCondition]]]:
    """(seeker index, [registered condition, saved searches…]) for every seeker from ``start`` on,
    without end: the seekers of :func:`seeker_records` with the same seed and indices."""
    _check_profile(profile)
    registered_condition = _registered_condition if profile == "realistic" else _condition
    saved_search = _saved_search if profile == "realistic" else _condition
    block = start // BLOCK
    while True:
        skeleton = _skeleton(seed, block)
        rnd = _random(seed, "conditions", block)
        for offset in range(BLOCK):
            home = skeleton.prefectures[offset]
            group = [registered_condition(rnd, "registered", home)]
            group += [saved_search(rnd, "saved", home) for _ in range(skeleton.saved_counts[offset])]
            index = block * BLOCK + offset
            if index >= start:
                yield index, group
        block += 1


def _condition(rnd: random.Random, kind: str, home: str) -> GeneratedCondition:
    """The dense profile's condition: broad, often without occupations, forms or wage."""
    registered = kind == "registered"
    random_ = rnd.random
    prefs = _condition_prefectures(rnd, registered, home)
    munis = _condition_municipalities(rnd, prefs) if prefs and random_() < 0.35 else []
    occupations_ = _condition_occupations(rnd) if random_() < (0.8 if registered else 0.55) else []
    forms = list(_CONDITION_FORMS.pick(random_())) if random_() < (0.8 if registered else 0.5) else []
    wage_type, wage_min = _condition_wage(rnd, forms) if random_() < (0.6 if registered else 0.35) else (None, None)
    keywords = _keywords(rnd, occupations_) if random_() < (0.35 if registered else 0.65) else []
    if not occupations_ and not keywords and random_() < 0.8:  # seekers name what work they want
        occupations_ = _condition_occupations(rnd)
    excluded = [rnd.choice(vocab.EXCLUDE_KEYWORDS)] if random_() < 0.1 else []
    fields = {
        "kind": kind, "keywords": keywords,
        "keyword_mode": "or" if len(keywords) > 1 and random_() < 0.2 else "and",
        "exclude_keywords": excluded, "prefecture_codes": prefs, "municipality_codes": munis,
        "occupation_codes": occupations_, "employment_forms": forms, "wage_type": wage_type, "wage_min": wage_min,
    }
    if registered:
        return GeneratedCondition(fields, "", False)
    return GeneratedCondition(fields, _saved_search_name(fields), random_() < 0.3)


def _condition_prefectures(rnd: random.Random, registered: bool, home: str) -> list[str]:
    u = rnd.random()
    if registered:
        prefs = [home] if u < 0.98 else []
    else:  # a search without any place is rare: it would list offers from the whole country
        prefs = [] if u < 0.05 else [home] if u < 0.8 else [weights.job_prefectures().pick(rnd.random())]
    if prefs and rnd.random() < 0.15:
        for _ in range(rnd.randint(1, 2)):
            extra = weights.job_prefectures().pick(rnd.random())
            if extra not in prefs:
                prefs.append(extra)
    return prefs


def _condition_municipalities(rnd: random.Random, prefs: list[str]) -> list[str]:
    munis: list[str] = []
    for _ in range(rnd.choice((1, 1, 1, 2, 2, 3))):
        code = weights.workplaces(rnd.choice(prefs)).pick(rnd.random())
        if code not in munis:
            munis.append(code)
    return munis


def _condition_occupations(rnd: random.Random) -> list[str]:
    table = weights.occupation_middles()
    codes: list[str] = []
    for _ in range(rnd.choice((1, 1, 1, 1, 1, 2, 2, 2, 3, 3))):
        middle = table.pick(rnd.random())
        code = rnd.choice(weights.occupation_minors(middle)) if rnd.random() < 0.4 else middle
        if code not in codes:
            codes.append(code)
    return codes


_CONDITION_WAGES = {
    "monthly": (160_000, 300_000, 10_000),
    "hourly": (1_000, 1_500, 50),
    "daily": (8_000, 12_000, 500),
}


def _condition_wage(rnd: random.Random, forms: list[int]) -> tuple[str, int]:
    if forms and min(forms) >= 5:
        wage_type = "hourly"
    elif forms and max(forms) <= 4:
        wage_type = "monthly" if rnd.random() < 0.9 else "daily"
    else:
        wage_type = "monthly" if rnd.random() < 0.7 else "hourly"
    low, high, step = _CONDITION_WAGES[wage_type]
    return wage_type, rnd.randrange(low, high + step, step)


_PROFILED_MIDDLES = weights.Table.of({code: p.weight for code, p in vocab.PROFILES.items()})


def _keywords(rnd: random.Random, occupation_codes: list[str]) -> list[str]:
    keywords: list[str] = []
    for _ in range(rnd.choice((1, 1, 1, 1, 1, 1, 2, 2, 2, 3))):
        if rnd.random() < 0.6:
            middles = [c[:3] for c in occupation_codes if c[:3] in vocab.PROFILES]
            middle = rnd.choice(middles) if middles else _PROFILED_MIDDLES.pick(rnd.random())
            word = rnd.choice(vocab.PROFILES[middle].terms)
        else:
            word = rnd.choice(vocab.PERK_KEYWORDS)
        if word not in keywords:
            keywords.append(word)
    return keywords


def _saved_search_name(fields: dict) -> str:
    parts = [prefecture_name(fields["prefecture_codes"][0])] if fields["prefecture_codes"] else ["全国"]
    if fields["keywords"]:
        parts.append(fields["keywords"][0])
    elif fields["occupation_codes"]:
        code = fields["occupation_codes"][0]
        table = occupations()
        parts.append(table.minor(code).examples[0] if len(code) == 6 else table.middle(code).name)
    return " ".join(parts)[:50]


# A 求職票's desired occupations: 1–3; places: 1–3; keywords on about half.
_DESIRED_OCCUPATIONS = weights.Table.of({1: 0.45, 2: 0.35, 3: 0.20})
_DESIRED_PLACES = weights.Table.of({1: 0.55, 2: 0.30, 3: 0.15})


def _registered_condition(rnd: random.Random, kind: str, home: str) -> GeneratedCondition:
    """The realistic profile's 求職条件, shaped like a real 求職票: one to three desired occupations
    (related ones more often than not), one to three places near home, employment forms and a
    minimum wage always, free words on about half."""
    occupations_ = _desired_occupations(rnd, _DESIRED_OCCUPATIONS.pick(rnd.random()))
    prefs, munis = _desired_places(rnd, home, _DESIRED_PLACES.pick(rnd.random()))
    forms = list(_CONDITION_FORMS.pick(rnd.random()))
    wage_type, wage_min = _condition_wage(rnd, forms)
    keywords = _job_keywords(rnd, occupations_) if rnd.random() < 0.5 else []
    excluded = [rnd.choice(vocab.EXCLUDE_KEYWORDS)] if rnd.random() < 0.1 else []
    fields = {
        "kind": kind, "keywords": keywords,
        "keyword_mode": "or" if len(keywords) > 1 and rnd.random() < 0.3 else "and",
        "exclude_keywords": excluded, "prefecture_codes": prefs, "municipality_codes": munis,
        "occupation_codes": occupations_, "employment_forms": forms, "wage_type": wage_type, "wage_min": wage_min,
    }
    return GeneratedCondition(fields, "", False)


def _saved_search(rnd: random.Random, kind: str, home: str) -> GeneratedCondition:
    """The realistic profile's 検索条件: always a place (one to three), then what a search form
    invites — an occupation or free words or both, sometimes forms and a wage."""
    prefs, munis = _desired_places(rnd, home, _DESIRED_PLACES.pick(rnd.random()))
    u = rnd.random()
    occupations_ = _desired_occupations(rnd, rnd.choice((1, 1, 2))) if u < 0.7 else []
    keywords = _job_keywords(rnd, occupations_) if u >= 0.4 or not occupations_ else []
    forms = list(_CONDITION_FORMS.pick(rnd.random())) if rnd.random() < 0.5 else []
    wage_type, wage_min = _condition_wage(rnd, forms) if rnd.random() < 0.35 else (None, None)
    excluded = [rnd.choice(vocab.EXCLUDE_KEYWORDS)] if rnd.random() < 0.1 else []
    fields = {
        "kind": kind, "keywords": keywords,
        "keyword_mode": "or" if len(keywords) > 1 and rnd.random() < 0.3 else "and",
        "exclude_keywords": excluded, "prefecture_codes": prefs, "municipality_codes": munis,
        "occupation_codes": occupations_, "employment_forms": forms, "wage_type": wage_type, "wage_min": wage_min,
    }
    return GeneratedCondition(fields, _saved_search_name(fields), rnd.random() < 0.3)


def _desired_occupations(rnd: random.Random, count: int) -> list[str]:
    """Real 中分類 or 小分類 codes; after the first, most are in the first one's 大分類."""
    table = occupations()
    middles = weights.occupation_middles()
    codes: list[str] = []
    first_major = None
    for _ in range(count * 3):  # a few tries to find distinct codes
        if len(codes) == count:
            break
        middle = middles.pick(rnd.random())
        if first_major is not None and rnd.random() < 0.6:
            related = weights.middles_of_major(first_major)
            middle = rnd.choice(related)
        first_major = first_major or table.major_of(middle)
        code = rnd.choice(weights.occupation_minors(middle)) if rnd.random() < 0.5 else middle
        if code not in codes:
            codes.append(code)
    return codes


def _desired_places(rnd: random.Random, home: str, count: int) -> tuple[list[str], list[str]]:
    """count places near home: municipalities of the home prefecture (a designated city named by its
    own code now and then), or prefectures — home first, then others."""
    if rnd.random() < 0.5:
        prefs = [home]
        while len(prefs) < count:
            extra = weights.job_prefectures().pick(rnd.random())
            if extra not in prefs:
                prefs.append(extra)
        return prefs, []
    munis: list[str] = []
    for _ in range(count * 4):
        if len(munis) == count:
            break
        code = weights.workplaces(home).pick(rnd.random())
        ward = municipality(code)
        if ward.city_code and rnd.random() < 0.3:  # 横浜市 rather than 横浜市鶴見区
            code = ward.city_code
        if code not in munis:
            munis.append(code)
    return [], munis


def _job_keywords(rnd: random.Random, occupation_codes: list[str]) -> list[str]:
    """One or two free words: a job name of a desired occupation (as job tag calls it), or a perk."""
    words: list[str] = []
    for _ in range(rnd.choice((1, 1, 1, 2))):
        code = rnd.choice(occupation_codes) if occupation_codes else None
        if code and rnd.random() < 0.75:
            minor = code if len(code) == 6 else rnd.choice(weights.occupation_minors(code))
            job = rnd.choice(jobtext.for_minor(minor))
            word = jobtext.keyword(rnd.choice(job.names))
        else:
            word = rnd.choice(vocab.PERK_KEYWORDS)
        if word not in words:
            words.append(word)
    return words


# ---------------------------------------------------------------------------- job offers


_WAGE_LIMITS = {"monthly": (180_000, 450_000), "hourly": (1_000, 1_800), "daily": (8_000, 15_000)}
_ALL_INDUSTRIES = tuple(industries())


def _job_offer(rnd: random.Random, index: int, today: date, employers: tuple[str, ...]) -> dict:
    """The realistic profile's offer: an occupation of the MHLW occupation database under a real
    小分類, titled by its name or one of its aliases and described by its summary and tasks; form,
    wage, industry and employer follow the 中分類's profile."""
    random_ = rnd.random
    middle = weights.occupation_middles().pick(random_())
    minor = rnd.choice(weights.occupation_minors(middle))
    job = rnd.choice(jobtext.for_minor(minor))
    profile = vocab.PROFILES.get(middle)
    prefecture = weights.job_prefectures().pick(random_())
    place = weights.workplaces(prefecture).pick(random_())
    part_time = random_() < (profile.part_time if profile else 0.3)
    form = (_PART_TIME_FORMS if part_time else _FULL_TIME_FORMS).pick(random_())
    wage_type = _job_wage_type(rnd, part_time, profile.daily if profile else 0.0)
    wage_min, wage_max = _job_wage(rnd, wage_type, profile.monthly if profile else (180_000, 260_000))

    title = job.title if random_() < 0.6 or not job.aliases else rnd.choice(job.aliases)
    if form in (3, 4, 6, 7):
        title += "（派遣）"
    elif part_time and random_() < 0.6:
        title += "（パート）"
    licences = _real_licences(rnd, job, profile)
    received = today - timedelta(days=int(random_() ** 1.5 * 60))
    return {
        "job_number": job_number(prefecture, index),
        "title": title,
        "description": _job_description(rnd, job, licences, part_time),
        "employer_name": _employer(rnd, profile.employer if profile else "company", employers),
        "occupation_code": minor,
        "prefecture_code": prefecture,
        "municipality_code": place,
        "employment_form": form,
        "wage_type": wage_type,
        "wage_min": wage_min,
        "wage_max": wage_max,
        "licenses": licences,
        "received_on": received.isoformat(),
        "online_application": random_() < 0.4,
        "industry_code": rnd.choice(profile.industries) if profile else rnd.choice(_ALL_INDUSTRIES),
        "referral_deadline": end_of_month_after_next(received).isoformat(),
    }


def _real_licences(rnd: random.Random, job: jobtext.Job, profile: vocab.Profile | None) -> list[str]:
    u = rnd.random()
    if job.licences and u < 0.45:
        return rnd.sample(job.licences, min(len(job.licences), rnd.choice((1, 1, 2))))
    if profile and profile.licences and u < 0.6:
        return [rnd.choice(profile.licences)]
    return [vocab.DRIVING_LICENCE] if rnd.random() < 0.15 else []


def _job_description(rnd: random.Random, job: jobtext.Job, licences: list[str], part_time: bool) -> str:
    text = job.summary
    if job.tasks:
        tasks = rnd.sample(job.tasks, rnd.randint(1, len(job.tasks)))
        text += "主な業務：" + "".join(tasks)
    perks = rnd.sample(vocab.PERKS, rnd.randint(2, 4))
    if part_time:
        perks += rnd.sample(vocab.PART_TIME_PERKS, rnd.randint(1, 2))
    if rnd.random() < 0.25:
        perks.append(rnd.choice(vocab.DRAWBACKS))
    text += "。".join(dict.fromkeys(perks)) + "。"
    if licences:
        text += f"{'、'.join(licences)}をお持ちの方を歓迎します。"
    return text


def _dense_job_offer(rnd: random.Random, index: int, today: date, employers: tuple[str, ...]) -> dict:
    """The dense profile's offer: worded from the occupation profiles of :mod:`worker.seed.vocabulary`."""
    random_ = rnd.random
    middle = weights.occupation_middles().pick(random_())
    minor = rnd.choice(weights.occupation_minors(middle))
    profile = vocab.PROFILES.get(middle)
    prefecture = weights.job_prefectures().pick(random_())
    municipality = weights.workplaces(prefecture).pick(random_())
    part_time = random_() < (profile.part_time if profile else 0.3)
    form = (_PART_TIME_FORMS if part_time else _FULL_TIME_FORMS).pick(random_())
    wage_type = _job_wage_type(rnd, part_time, profile.daily if profile else 0.0)
    wage_min, wage_max = _job_wage(rnd, wage_type, profile.monthly if profile else (180_000, 260_000))

    title = rnd.choice(profile.titles) if profile else rnd.choice(occupations().minor(minor).examples)
    if form in (3, 4, 6, 7):
        title += "（派遣）"
    elif part_time and random_() < 0.6:
        title += "（パート）"
    licences = _job_licences(rnd, profile)
    received = today - timedelta(days=int(random_() ** 1.5 * 60))  # newer offers are more numerous
    return {
        "job_number": job_number(prefecture, index),
        "title": title,
        "description": _description(rnd, title, profile, licences, part_time),
        "employer_name": _employer(rnd, profile.employer if profile else "company", employers),
        "occupation_code": minor,
        "prefecture_code": prefecture,
        "municipality_code": municipality,
        "employment_form": form,
        "wage_type": wage_type,
        "wage_min": wage_min,
        "wage_max": wage_max,
        "licenses": licences,
        "received_on": received.isoformat(),
        "online_application": random_() < 0.4,
        "industry_code": rnd.choice(profile.industries) if profile else rnd.choice(_ALL_INDUSTRIES),
        "referral_deadline": end_of_month_after_next(received).isoformat(),
    }


def _job_wage_type(rnd: random.Random, part_time: bool, daily_share: float) -> str:
    u = rnd.random()
    if part_time:
        return "hourly" if u < 0.95 else "daily"
    if u < daily_share:
        return "daily"
    return "monthly" if u < 0.95 + 0.05 * daily_share else "hourly"


def _job_wage(rnd: random.Random, wage_type: str, monthly_band: tuple[int, int]) -> tuple[int, int]:
    monthly = rnd.uniform(*monthly_band)
    low, high = _WAGE_LIMITS[wage_type]
    if wage_type == "monthly":
        wage_min = round(monthly, -3)
        spread, step = rnd.uniform(0.0, 0.5) * wage_min, 1_000
    elif wage_type == "hourly":
        wage_min = round(monthly / 165 * rnd.uniform(0.9, 1.1), -1)
        spread, step = rnd.choice((0, 50, 100, 200, 300, 400)), 10
    else:
        wage_min = round(monthly / 21, -2)
        spread, step = rnd.choice((0, 500, 1_000, 2_000, 3_000)), 100
    wage_min = int(min(max(wage_min, low), high))
    wage_max = min(wage_min + int(spread // step * step), high)
    return wage_min, wage_max


def _job_licences(rnd: random.Random, profile: vocab.Profile | None) -> list[str]:
    if profile and profile.licences and rnd.random() < 0.55:
        return rnd.sample(profile.licences, min(len(profile.licences), rnd.choice((1, 1, 2))))
    return [vocab.DRIVING_LICENCE] if rnd.random() < 0.15 else []


def _description(rnd: random.Random, title: str, profile: vocab.Profile | None, licences: list[str],
                 part_time: bool) -> str:
    terms = rnd.sample(profile.terms, min(4, len(profile.terms))) if profile else []
    duties = [t for t in terms if t not in vocab.FEATURE_PHRASES][:3]
    perks = [vocab.FEATURE_PHRASES[t] for t in terms if t in vocab.FEATURE_PHRASES]
    perks += rnd.sample(vocab.PERKS, rnd.randint(2, 4))
    if part_time:
        perks += rnd.sample(vocab.PART_TIME_PERKS, rnd.randint(1, 2))
    if rnd.random() < 0.25:
        perks.append(rnd.choice(vocab.DRAWBACKS))
    text = f"{title}のお仕事です。"
    if duties:
        text += f"主な業務は{'・'.join(duties)}などです。"
    text += "。".join(dict.fromkeys(perks)) + "。"
    if vocab.DRIVING_LICENCE in licences:
        text += "普通自動車免許（AT限定可）が必要です。"
    others = [name for name in licences if name != vocab.DRIVING_LICENCE]
    if others:
        text += f"{'、'.join(others)}をお持ちの方を歓迎します。"
    return text


def _employer(rnd: random.Random, style: str, employers: tuple[str, ...]) -> str:
    if style == "company":
        return rnd.choice(employers)
    family = rnd.choice(_LAST_NAMES)[0]
    if style == "welfare":
        return f"社会福祉法人{family}{rnd.choice(vocab.WELFARE_SUFFIXES)}"
    if style == "medical":
        return rnd.choice(vocab.MEDICAL_FORMS).format(name=family)
    return rnd.choice(vocab.SCHOOL_FORMS).format(name=family)
