"""The streamed load of an index build (COPY on PostgreSQL, a plain select on SQLite) gives the
very index, matches and facts that reading every condition through the ORM gives."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlmodel import Session

import matchers
from matchers.rules import prepare
from worker.db import session_scope
from worker.domain.models import Condition, Seeker
from worker.pipeline.condition_facts import ConditionFacts
from worker.pipeline.condition_stream import prefetched
from worker.pipeline.index_cache import IndexCache
from worker.pipeline.shards import Shard, shard_of
from worker.pipeline.values import condition_value
from worker.seed.load import seed_database
from worker.services.eligibility import is_recommendable

OFFERS = [
    matchers.JobOffer(job_number=f"13010-{n:08d}", title=title, description=description, prefecture_code=prefecture,
                      municipality_code=municipality, occupation_code=occupation, employment_form=form,
                      wage_type="monthly", wage_min=wage, wage_max=wage + 40_000)
    for n, (title, description, prefecture, municipality, occupation, form, wage) in enumerate([
        ("介護職員", "訪問介護のお仕事です", "13", "13101", "051-01", 1, 220_000),
        ("看護師", "病棟での看護業務。C++ の経験不問", "27", "27100", "021-02", 2, 300_000),
        ("一般事務", "データ入力と電話応対", "14", "14101", "251-01", 1, 180_000),
        ("ドライバー", "配送ドライバー、普通自動車免許", "13", None, "671-01", 3, 250_000),
        ("調理補助", "「介護」施設の厨房、\\ 記号あり", "01", "01100", None, None, 160_000),
        ("システムエンジニア", "Java と SQL を使う社内SE", "13", "13104", "081-01", 1, 400_000),
    ])
]


def reference(engine, shard: Shard | None):
    """What the build held before streaming: every recommendable condition of the shard read
    through the ORM, one ``condition_value`` each, and their facts put one by one."""
    with Session(engine) as session:
        rows = session.execute(select(Condition, Seeker).join(Seeker, Seeker.id == Condition.seeker_id)).all()
    kept = [condition for condition, seeker in rows if is_recommendable(seeker)
            and (shard is None or shard_of(condition.seeker_id, shard.count) == shard.index)]
    facts = ConditionFacts()
    for c in kept:
        facts.put(c.id, kind=c.kind, notify=c.notify, wage_min=c.wage_min, wage_type=c.wage_type)
    return kept, matchers.ConditionIndex(condition_value(c) for c in kept), facts


def awkward_conditions(engine) -> None:
    """Values a text COPY must carry through unchanged: quotes, a backslash, a tab inside a keyword,
    a list stored with newlines between its values, an hourly wage and a saved search that mails."""
    with session_scope(engine) as session:
        seeker = session.execute(select(Seeker.id).where(Seeker.registration_status == "valid",
                                                         Seeker.account_state == "open").limit(1)).scalar_one()
        quoted = Condition(seeker_id=seeker, keywords=['"C++"', "「介護」", "back\\slash", "tab\there"],
                           keyword_mode="or", exclude_keywords=["派遣"], prefecture_codes=["13", "27"],
                           municipality_codes=["27100"], occupation_codes=["05", "021"], employment_forms=[1, 2],
                           wage_type="hourly", wage_min=1_200)
        saved = Condition(seeker_id=seeker, kind="saved", notify=True, keywords=["介護"], wage_min=200_000)
        session.add_all([quoted, saved])
        session.flush()
        stretched = saved.id
    with engine.begin() as conn:
        conn.execute(text("UPDATE condition SET prefecture_codes = CAST(:codes AS JSON) WHERE id = :id"),
                     {"codes": '[\n\t"13",\n "01"\n]', "id": stretched})


@pytest.mark.parametrize("profile", ["realistic", "dense"])
@pytest.mark.parametrize("shard", [None, Shard(0, 2), Shard(1, 2)])
def test_the_streamed_build_holds_what_the_orm_read_would(engine, profile, shard):
    seed_database(engine, seekers=60, jobs=1, seed=3, today=date(2025, 6, 10), profile=profile)
    awkward_conditions(engine)
    kept, index, facts = reference(engine, shard)
    assert len(kept) > 20, "the data should give the shard conditions"

    cache = IndexCache(engine, shard=shard)
    cache.build()

    assert len(cache) == len(kept)
    # Every column that decides a match arrives: the cache's body of each condition is its own.
    for condition in kept:
        built = cache._index._bodies[cache._index._row_of_condition[condition.id]]
        assert built == prepare(condition_value(condition)), condition.id
    assert cache.match_many(OFFERS) == index.match_many(OFFERS)
    ids = np.arange(0, max(c.id for c in kept) + 2)
    for got, expected in zip(vars(cache.condition_facts(ids)).values(), vars(facts.lookup(ids)).values()):
        assert np.array_equal(got, expected)


def test_the_build_remembers_each_recent_row_at_the_version_a_refresh_reads(engine):
    """Rows changed inside the lag are remembered at their exact ``updated_at`` (COPY carries it
    as microseconds): the refresh right after the build finds them all seen and reads none."""
    seed_database(engine, seekers=30, jobs=1, seed=4, today=date(2025, 6, 10))
    awkward_conditions(engine)
    cache = IndexCache(engine, lag=timedelta(days=3650))
    cache.build()

    assert cache.refresh().added == 0


def test_prefetching_hands_out_every_chunk_in_order():
    chunks = [[1, 2], [3], [4, 5, 6]]
    assert list(prefetched(lambda: chunks.pop(0) if chunks else [])) == [[1, 2], [3], [4, 5, 6]]


def test_a_failed_fetch_is_raised_where_the_chunks_are_read():
    def fetch():
        raise ConnectionError("the server went away")

    with pytest.raises(ConnectionError, match="went away"):
        list(prefetched(fetch))


def test_a_reader_that_stops_early_leaves_no_fetching_thread_behind():
    """The cursor is closed right after: the thread must not be fetching from it then."""
    chunks = prefetched(lambda: [0])  # endless
    next(chunks)
    chunks.close()

    assert not [thread for thread in threading.enumerate() if thread.name == "index-load-fetch"]


def test_facts_put_for_a_chunk_at_once_are_the_facts_put_one_by_one():
    rows = [(3, "registered", False, 200_000, None), (5, "saved", True, 1_100, "hourly"),
            (6, "saved", False, None, None), (2_000, "registered", True, 9_000, "daily")]
    one_by_one, at_once = ConditionFacts(), ConditionFacts()
    for condition_id, kind, notify, wage_min, wage_type in rows:
        one_by_one.put(condition_id, kind=kind, notify=notify, wage_min=wage_min, wage_type=wage_type)
    at_once.put_many(*zip(*rows))

    ids = np.arange(2_002)
    for got, expected in zip(vars(at_once.lookup(ids)).values(), vars(one_by_one.lookup(ids)).values()):
        assert np.array_equal(got, expected)
