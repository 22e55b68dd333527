"""The scheduler's jobs: what runs periodically, how often, and the time slot that keys each tick.

A tick is claimed by inserting (job, slot) into ``scheduler_tick`` with insert-or-ignore, in the
same transaction as the job's work: a second scheduler firing the same tick finds the row and
does nothing; a job that fails rolls its claim back, so the next firing in the same slot runs it
again (daily jobs fire every hour of their window and run once a day). Jobs that commit on
their own (the sweeper, the mail lease sweep) claim first and then run — running them twice
would be harmless anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, not_, or_, select, tuple_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from worker.config import Settings
from worker.db import insert_ignore, session_scope
from worker.domain import clock
from worker.domain.models import (
    InboxItem,
    InboxKind,
    JobOffer,
    MatchingStatus,
    OfferShardMatch,
    RecommendationCandidate,
    SavedSearchHit,
    SchedulerTick,
    Seeker,
    utcnow,
)
from worker.pipeline import digest, rounds, sweeper
from worker.pipeline.hints import Hints
from worker.services import accounts, registration, restrictions, retention
from worker.services.eligibility import recommendable_clause

LEFTOVER_DAYS = 7  # recommendation items not mailed for this long are left to the inbox alone
TICK_RETENTION = timedelta(days=35)


@dataclass(frozen=True)
class Context:
    engine: Engine
    settings: Settings
    hints: Hints
    now: datetime


@dataclass(frozen=True)
class PeriodicJob:
    """``cron``: APScheduler cron fields, in the display time zone (JST). ``slot``: the tick's key
    for a moment. ``run`` takes the tick's session (``own_transaction`` False) or None."""

    name: str
    cron: dict
    slot: Callable[[datetime, Settings], str]
    run: Callable[[Session | None, Context], int]
    own_transaction: bool = False


def minute_slot(now: datetime, settings: Settings) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def ten_minute_slot(now: datetime, settings: Settings) -> str:
    moment = now.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 10).strftime("%Y-%m-%dT%H:%M")


def hour_slot(now: datetime, settings: Settings) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H")


def day_slot(now: datetime, settings: Settings) -> str:
    return clock.local_date(now).isoformat()


def claim_tick(session: Session, job: str, slot: str, *, owner: str, now: datetime | None = None) -> bool:
    """True for the one claimant of (job, slot); a repeated tick gets False and does nothing."""
    return insert_ignore(session, SchedulerTick, {"job": job, "slot": slot, "claimed_by": owner[:100],
                                                  "claimed_at": now or utcnow()},
                         conflict=["job", "slot"]) == 1


def run_tick(job: PeriodicJob, ctx: Context, *, owner: str) -> int | None:
    """Claim the tick of ``job`` for ``ctx.now`` and run it: the job's count, or None when the
    tick was already claimed (by this or another scheduler)."""
    slot = job.slot(ctx.now, ctx.settings)
    with session_scope(ctx.engine) as session:
        if not claim_tick(session, job.name, slot, owner=owner, now=ctx.now):
            return None
        if not job.own_transaction:
            return job.run(session, ctx)
    return job.run(None, ctx)


# ---------------------------------------------------------------------------- the jobs


def _sweep(_session: Session | None, ctx: Context) -> int:
    report = sweeper.sweep(ctx.engine, ctx.hints, ctx.settings, now=ctx.now)
    return report.offers_hinted + report.delivery_hints


def _expire_keys(session: Session, ctx: Context) -> int:
    return accounts.expire_password_requests(session, now=ctx.now)


def _delete_messages(session: Session, ctx: Context) -> int:
    return retention.delete_expired_messages(session, now=ctx.now)


def _lapsed_my_pages(session: Session, ctx: Context) -> int:
    warned = retention.warn_before_deletion(session, now=ctx.now)
    return warned + retention.delete_lapsed_my_pages(session, now=ctx.now)


def _no_show_restrictions(session: Session, ctx: Context) -> int:
    return restrictions.apply_no_show_restrictions(session, now=ctx.now)


def _registrations(session: Session, ctx: Context) -> int:
    today = clock.local_date(ctx.now)
    expired = registration.expire_registrations(session, today=today)
    return expired + registration.notify_expiring_registrations(session, today=today)


def _leftover_digests(session: Session, ctx: Context) -> int:
    return queue_leftover_digests(session, ctx.settings, now=ctx.now)


def _prune_ticks(session: Session, ctx: Context) -> int:
    return session.execute(delete(SchedulerTick).where(SchedulerTick.claimed_at < ctx.now - TICK_RETENTION)).rowcount


def _recommendation_round(_session: Session | None, ctx: Context) -> int:
    # Window by window, each committed on its own (a country's round in one transaction would
    # hold every chosen seeker's share lock for its whole length); the digests it queues are
    # hinted by the sweeper's next minute. A round that dies leaves its tick claimed: the next
    # hour's round fills what it did not, as a second firing in this hour would have.
    return rounds.round_now(ctx.engine, ctx.settings, now=ctx.now).inbox_items


def _recommendation_upkeep(_session: Session | None, ctx: Context) -> int:
    return prune_recommendations(ctx.engine, ctx.settings, now=ctx.now)


UPKEEP_BATCH = 5_000  # rows deleted per transaction
UPKEEP_MAX_BATCHES = 40  # per tick and table: the rest waits for the next hour
SHARD_CLAIM_GRACE = timedelta(days=1)
# A saved search's hits are read when its mail of their day is sent, that day; a week leaves
# room for a mail held back by a relay outage and retried.
SAVED_SEARCH_HIT_DAYS = 7


def prune_recommendations(engine: Engine, settings: Settings, *, now: datetime, batch: int = UPKEEP_BATCH,
                          max_batches: int = UPKEEP_MAX_BATCHES) -> int:
    """Delete, in bounded batches each committed on its own, the おすすめ求人 inbox items whose
    offer closed (withdrawn, 紹介期限日 passed) or that are older than ``inbox_days``, the
    candidates not chosen and older than ``candidate_days``, the candidates whose offer
    closed, the shards' claims on offers no longer pending (older than a day), and the
    saved-search hits older than ``SAVED_SEARCH_HIT_DAYS``. A chosen
    candidate stays while its offer is open: it is the record that the pair was recommended, so
    once its inbox item is gone after ``inbox_days`` a staff batch over the offer cannot collect
    the pair again and a round recommend it twice (and one chosen today stays until tomorrow:
    today's budget is counted from it)."""
    today = clock.local_date(now)
    closed = select(JobOffer.id).where(not_(JobOffer.open_on(today)))
    stale_items = (select(InboxItem.id).where(
        InboxItem.kind == InboxKind.RECOMMENDATION.value,
        or_(InboxItem.created_at < now - timedelta(days=settings.inbox_days), InboxItem.job_offer_id.in_(closed)))
        .limit(batch))
    c = RecommendationCandidate.__table__.c
    stale_candidates = (select(c.seeker_id, c.job_offer_id).where(or_(
        and_(c.chosen_at.is_(None), c.created_at < now - timedelta(days=settings.candidate_days)),
        and_(c.job_offer_id.in_(closed),
             or_(c.chosen_at.is_(None), c.chosen_at < rounds.day_start(now, settings)))))
        .limit(batch))
    # A shard's claim on an offer matters only while the offer is pending (a matched offer is
    # never matched again); a day's grace keeps a shard that read the offer as pending just
    # before the last shard turned it from finding its claim gone and writing it again.
    s = OfferShardMatch.__table__.c
    done_claims = (select(s.job_offer_id, s.shard).where(
        s.matched_at < now - SHARD_CLAIM_GRACE,
        s.job_offer_id.in_(select(JobOffer.id).where(JobOffer.matching_status != MatchingStatus.PENDING.value)))
        .limit(batch))
    h = SavedSearchHit.__table__.c
    old_hits = (select(h.condition_id, h.job_offer_id)
                .where(h.day < today - timedelta(days=SAVED_SEARCH_HIT_DAYS)).limit(batch))
    deleted = 0
    for statement in (delete(InboxItem).where(InboxItem.id.in_(stale_items)),
                      delete(RecommendationCandidate).where(tuple_(c.seeker_id, c.job_offer_id).in_(stale_candidates)),
                      delete(OfferShardMatch).where(tuple_(s.job_offer_id, s.shard).in_(done_claims)),
                      delete(SavedSearchHit).where(tuple_(h.condition_id, h.job_offer_id).in_(old_hits))):
        for _ in range(max_batches):
            with session_scope(engine) as session:
                gone = session.execute(statement).rowcount
            deleted += gone
            if gone < batch:
                break
    return deleted


def queue_leftover_digests(session: Session, settings: Settings, *, now: datetime) -> int:
    """Recommendation items that found the day's digests used up go into the next day's digest.
    Runs in the last hour of the quiet hours, so it joins the digest that goes out at 08:00."""
    rows = session.execute(
        select(InboxItem.id, InboxItem.seeker_id).join(Seeker, Seeker.id == InboxItem.seeker_id)
        .where(InboxItem.kind == InboxKind.RECOMMENDATION.value, InboxItem.mailed_at.is_(None),
               InboxItem.created_at >= now - timedelta(days=LEFTOVER_DAYS), recommendable_clause())
        .order_by(InboxItem.id)
    ).all()
    items: dict[int, list[int]] = {}
    for row in rows:
        items.setdefault(row.seeker_id, []).append(row.id)
    recipients = dict(session.execute(select(Seeker.id, Seeker.email).where(Seeker.id.in_(list(items)))).all()) \
        if items else {}
    outcome = digest.queue_recommendation_digests(session, settings, items, recipients, now=now)
    placed = [item for seeker_id in outcome.placed for item in items[seeker_id]]
    for start in range(0, len(placed), 5_000):
        session.execute(update(InboxItem).where(InboxItem.id.in_(placed[start:start + 5_000])).values(mailed_at=now))
    return outcome.queued + outcome.extended


def jobs(settings: Settings) -> list[PeriodicJob]:
    """Every periodic job. Daily jobs fire hourly from 08:00 to 20:00 JST (mail in daytime) and
    run once per JST day; the leftover digests run in the last hour before the quiet hours end."""
    daytime = f"{settings.quiet_hours_end}-20" if settings.quiet_hours_end <= 20 else "8-20"
    before_morning = (settings.quiet_hours_end - 1) % 24
    return [
        PeriodicJob("sweeper", {"minute": "*"}, minute_slot, _sweep, own_transaction=True),
        PeriodicJob("expire-authentication-keys", {"minute": "*/10"}, ten_minute_slot, _expire_keys),
        PeriodicJob("no-show-restrictions", {"minute": 5}, hour_slot, _no_show_restrictions),
        PeriodicJob("registration-expiry", {"hour": daytime, "minute": 15}, day_slot, _registrations),
        PeriodicJob("message-retention", {"hour": daytime, "minute": 25}, day_slot, _delete_messages),
        PeriodicJob("my-page-deletion", {"hour": daytime, "minute": 35}, day_slot, _lapsed_my_pages),
        PeriodicJob("leftover-digests", {"hour": before_morning, "minute": 30}, day_slot, _leftover_digests),
        PeriodicJob("prune-ticks", {"hour": daytime, "minute": 45}, day_slot, _prune_ticks),
        PeriodicJob("recommendation-round", {"hour": settings.round_hours, "minute": 0}, hour_slot,
                    _recommendation_round, own_transaction=True),
        PeriodicJob("recommendation-upkeep", {"minute": 50}, hour_slot, _recommendation_upkeep,
                    own_transaction=True),
    ]
