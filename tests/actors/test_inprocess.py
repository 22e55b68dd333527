"""The pipeline end to end on the in-process broker (worker threads in this process), on SQLite
and PostgreSQL: the main site's hints in, inbox items and .eml files out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from worker import announce
from worker.actors.inprocess import InProcessWorker
from worker.actors.runtime import Runtime
from worker.domain.models import InboxItem, JobOffer, OutboxMail

from .conftest import add_saved_search, assert_everything_delivered_exactly_once, candidate_pairs, choose, seed


def job_numbers(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(JobOffer.job_number).order_by(JobOffer.id)).scalars())


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(InboxItem)).scalar_one(),
                conn.execute(select(func.count()).select_from(OutboxMail)).scalar_one())


def test_posted_offers_reach_the_inbox_and_the_outbox_through_the_worker_threads(engine, embedded):
    seed(engine, seekers=80, offers=15)
    with InProcessWorker(embedded, runtime=Runtime(embedded, engine=engine), threads=3) as worker:
        for number in job_numbers(engine):
            announce.job_offer_posted(number)  # what the main site calls after posting
        worker.join()
        choose(engine, embedded, worker.dispatcher)  # the scheduler's round
        worker.join()

    assert_everything_delivered_exactly_once(engine, embedded.outbox_dir, settings=embedded)
    assert counts(engine)[0] > 0


def test_hints_for_work_already_done_change_nothing(engine, embedded):
    seed(engine, seekers=80, offers=10)
    with InProcessWorker(embedded, runtime=Runtime(embedded, engine=engine), threads=2) as worker:
        with engine.connect() as conn:
            offer_ids = list(conn.execute(select(JobOffer.id)).scalars())
        worker.dispatcher.match_job_offers(offer_ids)
        worker.join()
        choose(engine, embedded, worker.dispatcher)
        worker.join()
        before = (counts(engine), candidate_pairs(engine))
        worker.dispatcher.match_job_offers(offer_ids)
        worker.dispatcher.deliver_due_mail(3)
        choose(engine, embedded, worker.dispatcher)
        worker.join()

    assert (counts(engine), candidate_pairs(engine)) == before
    assert_everything_delivered_exactly_once(engine, embedded.outbox_dir, settings=embedded)


def test_an_announced_condition_reaches_the_workers_index_at_once(engine, embedded):
    seed(engine, seekers=20, offers=0)
    runtime = Runtime(embedded, engine=engine)
    runtime.cache.refresh_s = 3600  # only the announcement can bring it in
    with InProcessWorker(embedded, runtime=runtime, threads=1) as worker:
        runtime.cache.match_many([])
        before = len(runtime.cache)
        seeker_id, condition_id = add_saved_search(engine)
        announce.condition_changed(condition_id)
        worker.join()

    assert len(runtime.cache) == before + 1


def test_the_work_is_counted_for_prometheus_and_logged_with_ids_only(engine, embedded, caplog):
    from prometheus_client import REGISTRY

    def sample(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = (sample("mypage_offers_matched_total"), sample("mypage_inbox_items_total", kind="recommendation"),
              sample("mypage_mails_total", outcome="sent"))
    seed(engine, seekers=80, offers=10)
    caplog.set_level("INFO")
    with InProcessWorker(embedded, runtime=Runtime(embedded, engine=engine), threads=2) as worker:
        for number in job_numbers(engine):
            announce.job_offer_posted(number)
        worker.join()
        choose(engine, embedded, worker.dispatcher)
        worker.join()

    items, mails = counts(engine)
    after = (sample("mypage_offers_matched_total"), sample("mypage_inbox_items_total", kind="recommendation"),
             sample("mypage_mails_total", outcome="sent"))
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (10, items, mails)
    actor_lines = [r.getMessage() for r in caplog.records if r.name.startswith("worker.")]
    assert any(line.startswith("[job_offer_posted ") for line in actor_lines)
    assert not any("@" in line for line in actor_lines)  # ids, never an address


def one_seeker_and_two_offers(engine) -> tuple[int, int, int]:
    """A seeker whose 求職条件 (介護, at least 150,000 yen) both offers match, the first better
    (a higher wage): (condition, better offer, worse offer)."""
    from datetime import date

    from worker.db import session_scope
    from worker.domain.models import Condition, Seeker

    with session_scope(engine) as session:
        seeker = Seeker(seeker_number="13010-00000001", name="求職者", prefecture_code="13", birth_date=date(1990, 1, 1),
                        registration_status="valid", registration_valid_until=date(2099, 12, 31), account_state="open")
        session.add(seeker)
        session.flush()
        condition = Condition(seeker_id=seeker.id, kind="registered", keywords=["介護"], prefecture_codes=["13"],
                              wage_min=150_000)
        offers = [JobOffer(job_number=f"13010-0000000{n}", title="介護職員", prefecture_code="13", wage_min=wage,
                           employer_name=f"事業所{n}") for n, wage in ((2, 400_000), (3, 160_000))]
        session.add_all([condition, *offers])
        session.flush()
        return condition.id, offers[0].id, offers[1].id


def stored_offers(engine) -> set[int]:
    from worker.domain.models import RecommendationCandidate

    with engine.connect() as conn:
        return set(conn.execute(select(RecommendationCandidate.job_offer_id)).scalars())


def test_a_worker_process_keeps_one_days_shortlist_across_its_messages(engine, embedded):
    """A better offer matched in one message leaves a worse one of a later message out when the
    day's shortlist holds one match a seeker."""
    settings = embedded.model_copy(update={"candidates_per_day": 1})
    _, better, worse = one_seeker_and_two_offers(engine)
    with InProcessWorker(settings, runtime=Runtime(settings, engine=engine), threads=1) as worker:
        worker.dispatcher.match_job_offers([better])
        worker.join()
        worker.dispatcher.match_job_offers([worse])
        worker.join()

    assert stored_offers(engine) == {better}


@pytest.mark.parametrize("change", ["edited", "added"])
def test_a_seeker_whose_conditions_changed_starts_the_days_shortlist_afresh(engine, embedded, change):
    from worker.db import session_scope
    from worker.domain.models import Condition

    settings = embedded.model_copy(update={"candidates_per_day": 1})
    condition, better, worse = one_seeker_and_two_offers(engine)
    runtime = Runtime(settings, engine=engine)
    with InProcessWorker(settings, runtime=runtime, threads=1) as worker:
        worker.dispatcher.match_job_offers([better])
        worker.join()
        if change == "added":  # a saved search the index has not seen yet
            with session_scope(engine) as session:
                seeker_id = session.get(Condition, condition).seeker_id
                search = Condition(seeker_id=seeker_id, kind="saved", keywords=["看護"])
                session.add(search)
                session.flush()
                condition = search.id
        announce.condition_changed(condition)  # edited: it still matches both offers
        worker.join()
        worker.dispatcher.match_job_offers([worse])
        worker.join()

    assert stored_offers(engine) == {better, worse}
