"""``mypage-worker demo``: the whole story on embedded defaults, in the current directory.

1. the database (SQLite under ./var) is migrated and, the first time, seeded with synthetic
   seekers (with their conditions) and job offers already matched;
2. worker threads start on the in-process broker;
3. one seeker opens a My Page (leaflet steps 1–7): staff register the e-mail, the seeker agrees
   and asks for a password — the 「パスワード登録申込受付通知」 mail with the 認証キー lands in
   ./var/outbox — and completes with a password and the key (read back by deriving it from the
   request's salt, as the mail layer does when it renders the mail);
4. new job offers arrive and the main site's hints (``job_offer_posted``) reach the workers;
5. the pipeline matches them into candidates; a recommendation round (what the scheduler runs
   hourly) chooses each seeker's best few of the day — at most 10, at most 2 per employer — as
   inbox items (おすすめ求人) with their reasons, and after the digest delay the
   ``recommendations`` mails land in ./var/outbox.

The demo switches the quiet hours off and shortens the digest delay to a few seconds, so the
mails go out now whatever the time in Japan (a real worker holds them from 21:00 to 08:00 JST
and lets a new digest collect offers for five minutes). Run it again for a new seeker and new
offers.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from worker.config import load_settings

DEMO_SEEKERS = 2_000
DEMO_HISTORY = 300  # offers already matched before the demo's new ones
NEW_OFFERS = 60
DIGEST_DELAY_S = 3.0
PASSWORD = "@demo2025pw"


def register(sub) -> None:
    parser = sub.add_parser("demo", help="the whole story on embedded defaults (./var), in under a minute")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the synthetic data")
    parser.set_defaults(func=_demo)


def _demo(args) -> int:
    import logging

    from rich.console import Console

    if not args.verbose:  # the story on stdout; the workers' own log only when asked for (-v)
        for name in ("worker", "dramatiq", "alembic", "apscheduler"):
            logging.getLogger(name).setLevel(logging.WARNING)

    settings = load_settings(quiet_hours_start=0, quiet_hours_end=0, digest_delay_s=DIGEST_DELAY_S)
    console = Console()
    started = time.monotonic()
    with _one_demo_at_a_time(settings.make_var_dir(), console):
        story = _Story(settings, console, args.seed)
        try:
            story.run()
        finally:
            story.close()
    console.print(f"\n[dim]demo finished in {time.monotonic() - started:.1f} s[/dim]")
    return 0


@contextmanager
def _one_demo_at_a_time(var_dir: Path, console) -> Iterator[None]:
    """Two demos in one directory at once would seed the same seeker numbers and complete each
    other's My Page with the wrong 認証キー: the second waits for the first (an ``flock`` on a
    file in ``var/``, released by the kernel if the first one dies)."""
    fd = os.open(var_dir / "demo.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            console.print(f"[dim]another demo is running in {var_dir}: waiting for it to finish…[/dim]")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


class _Story:
    def __init__(self, settings, console, seed: int):
        self.settings, self.console, self.seed = settings, console, seed
        self.worker = None

    def say(self, text: str) -> None:
        self.console.print(text)

    def run(self) -> None:
        from worker.actors.inprocess import InProcessWorker
        from worker.actors.runtime import Runtime
        from worker.db import make_engine
        from worker.migrate import upgrade

        settings = self.settings
        settings.make_var_dir()
        upgrade(settings.effective_database_url)
        self.engine = make_engine(settings.effective_database_url)
        self.say(f"[bold]1. データベース[/bold] {self.engine.url.render_as_string(hide_password=True)}")
        self.seed_if_empty()
        # The workers load the conditions when they start: after the seeding, whose rows carry
        # past timestamps an index refresh would not look at.
        self.worker = InProcessWorker(settings, runtime=Runtime(settings, engine=self.engine)).start()
        numbers = self.new_offer_numbers()
        seeker_id, email = self.choose_seeker(numbers)
        self.open_my_page(seeker_id, email)
        self.post_offers(numbers)
        self.show(seeker_id)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    # ------------------------------------------------------------------ the steps

    def seed_if_empty(self) -> None:
        from sqlalchemy import func, select

        from worker.domain.models import Seeker
        from worker.seed.load import seed_database

        with self.engine.connect() as conn:
            seekers = conn.execute(select(func.count()).select_from(Seeker)).scalar_one()
        if seekers:
            self.say(f"   {seekers:,} seekers already there (a rerun): no new seeding")
            return
        report = seed_database(self.engine, seekers=DEMO_SEEKERS, jobs=DEMO_HISTORY, seed=self.seed)
        self.say(f"   seeded {report.seekers:,} seekers with {report.conditions:,} conditions "
                 f"(求職条件 and 検索条件) and {report.job_offers:,} job offers already matched")

    def new_offer_numbers(self) -> list[dict]:
        from sqlalchemy import func, select

        from worker.domain.models import JobOffer
        from worker.seed.generate import job_offer_records

        with self.engine.connect() as conn:
            start = conn.execute(select(func.count()).select_from(JobOffer)).scalar_one()
        return list(job_offer_records(NEW_OFFERS, seed=self.seed, start=start, today=date.today()))

    def choose_seeker(self, records: list[dict]) -> tuple[int, str]:
        """A seeker without a My Page yet, registered 有効, whose 求職条件 one of the new offers fits."""
        from sqlalchemy import select

        import matchers
        from worker.domain.models import Condition, Seeker
        from worker.pipeline.index_cache import COLUMNS
        from worker.pipeline.values import condition_value

        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*COLUMNS).join(Seeker, Seeker.id == Condition.seeker_id)
                .where(Seeker.account_state == "not_opened", Seeker.registration_status == "valid",
                       Seeker.email.is_not(None), Seeker.birth_date.is_not(None),
                       Condition.kind == "registered")).all()
            reference = matchers.ReferenceMatcher([condition_value(r) for r in rows])
            fits = [m.seeker_id for record in records for m in reference.match(matchers.parse_job(record))]
            if not fits:
                raise SystemExit("no unopened seeker fits the new offers; run the demo again for more offers")
            seeker_id = max(sorted(set(fits)), key=fits.count)
            email = conn.execute(select(Seeker.email).where(Seeker.id == seeker_id)).scalar_one()
        return seeker_id, email

    def open_my_page(self, seeker_id: int, email: str) -> None:
        from sqlalchemy import select

        from worker import announce
        from worker.db import session_scope
        from worker.domain.keys import derive_authentication_key
        from worker.domain.models import Condition, OutboxMail, PasswordRegistrationRequest, Seeker, utcnow
        from worker.services import accounts

        self.say(f"\n[bold]2. マイページの開設[/bold] seeker {seeker_id}")
        now = utcnow()
        with session_scope(self.engine) as session:
            accounts.register_login_email(session, seeker_id=seeker_id, email=email, now=now)
            birth_date = session.get(Seeker, seeker_id).birth_date
        self.say("   staff registered the login e-mail at the counter (step 1)")
        with session_scope(self.engine) as session:
            answer = accounts.request_password_registration(
                session, email=email, birth_date=birth_date, terms_version=accounts.TERMS_VERSION,
                privacy_policy_version=accounts.PRIVACY_POLICY_VERSION,
                secret=self.settings.effective_secret_key(), now=now)
            request = session.execute(
                select(PasswordRegistrationRequest).where(PasswordRegistrationRequest.seeker_id == seeker_id)
                .order_by(PasswordRegistrationRequest.id.desc())).scalars().first()
            outbox_id = session.execute(select(OutboxMail.id).where(
                OutboxMail.dedupe_key == f"password-registration:{request.id}")).scalar_one()
        self.say(f"   agreed to the terms, entered e-mail and birth date (steps 2–4): 「{answer.message[:40]}…」")
        announce.mail_queued(outbox_id)  # the main site asks for the key mail to go out at once
        self.worker.join()
        key_mail = self.mail_file(outbox_id)
        self.say(f"   the 認証キー mail (step 5) is in {key_mail}")
        key = derive_authentication_key(self.settings.effective_secret_key(), request.salt)
        with session_scope(self.engine) as session:
            accounts.complete_password_registration(session, email=email, authentication_key=key,
                                                    password=PASSWORD, now=utcnow())
            conditions = session.execute(select(Condition.id).where(Condition.seeker_id == seeker_id)).scalars().all()
        self.say("   entered a password and the 認証キー (step 6): [green]the My Page is open[/green] (step 7)")
        for condition_id in conditions:  # the main site announces the conditions that now count
            announce.condition_changed(condition_id)

    def post_offers(self, records: list[dict]) -> None:
        import matchers
        from worker import announce
        from worker.db import insert_ignore, session_scope
        from worker.domain.models import JobOffer
        from worker.pipeline import rounds
        from worker.pipeline.import_jobs import job_offer_row
        from worker.pipeline.sweeper import sweep

        with session_scope(self.engine) as session:
            insert_ignore(session, JobOffer, [job_offer_row(matchers.parse_job(r), r) for r in records],
                          conflict=["job_number"])
        self.say(f"\n[bold]3. 新着求人[/bold] {len(records)} new job offers posted; the main site sends a hint for each")
        before = self.count_inbox()
        for record in records:
            announce.job_offer_posted(record["job_number"])
        self.worker.join()
        candidates = self.count_candidates()
        self.say(f"   the workers matched them: {candidates:,} candidates (one per seeker and offer, ids and a score)")
        chosen = rounds.round_now(self.engine, self.settings)  # what the scheduler runs every hour, 08–20 JST
        items, seekers = self.count_inbox()
        self.say(f"   a recommendation round chose each seeker's best (at most "
                 f"{self.settings.recommendations_per_day} a day, {self.settings.recommendations_per_employer} per "
                 f"employer): {items - before[0]:,} new inbox items (おすすめ求人) for {len(chosen.seekers):,} "
                 f"seekers; the digests wait {DIGEST_DELAY_S:.0f} s for more offers, then go out")
        time.sleep(DIGEST_DELAY_S)
        sweep(self.engine, self.worker.dispatcher, self.settings, grace=timedelta(0))  # what the scheduler does every minute
        self.worker.join()

    def show(self, seeker_id: int) -> None:
        from rich.table import Table
        from sqlalchemy import func, select

        from worker.domain.models import InboxItem, JobOffer, MailStatus, OutboxMail

        with self.engine.connect() as conn:
            items = conn.execute(select(InboxItem.title, InboxItem.score, InboxItem.reasons, JobOffer.job_number)
                                 .join(JobOffer, JobOffer.id == InboxItem.job_offer_id)
                                 .where(InboxItem.seeker_id == seeker_id)
                                 .order_by(InboxItem.score.desc(), InboxItem.id)).all()
            mails = dict(conn.execute(select(OutboxMail.kind, func.count()).where(
                OutboxMail.status == MailStatus.SENT.value).group_by(OutboxMail.kind)).all())
            digest = conn.execute(select(OutboxMail.id).where(
                OutboxMail.kind == "recommendations", OutboxMail.seeker_id == seeker_id)).scalars().first()
            total = conn.execute(select(func.count()).select_from(InboxItem)).scalar_one()
        self.say(f"\n[bold]4. おすすめ求人[/bold] seeker {seeker_id}'s best {min(5, len(items))} of the "
                 f"{len(items)} in their inbox ({total:,} items in all), best first, with why each was chosen")
        table = Table(show_lines=True)
        table.add_column("求人番号", no_wrap=True)
        table.add_column("職種", overflow="fold", max_width=18)
        table.add_column("score", justify="right")
        table.add_column("why it matched", overflow="fold")
        for title, score, reasons, number in items[:5]:
            table.add_row(number, title, str(score), "\n".join(reasons))
        self.console.print(table)
        self.say("\n[bold]5. メール[/bold] sent to the file outbox:")
        for kind, n in sorted(mails.items()):
            self.say(f"   {kind:<24} {n:>6,}")
        if digest is not None:
            self.say(f"   this seeker's おすすめ求人 mail: {self.mail_file(digest)}")
        outbox = self.settings.outbox_dir
        self.say(f"\nLook at the mails in [bold]{outbox}/[/bold] (any mail client opens .eml files), the data in "
                 f"[bold]{self.settings.effective_database_url.removeprefix('sqlite:///')}[/bold], and "
                 "`mypage-worker status` for the queues.")

    def count_candidates(self) -> int:
        from sqlalchemy import func, select

        from worker.domain.models import RecommendationCandidate

        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(RecommendationCandidate)).scalar_one()

    def count_inbox(self) -> tuple[int, int]:
        from sqlalchemy import distinct, func, select

        from worker.domain.models import InboxItem

        with self.engine.connect() as conn:
            return tuple(conn.execute(select(func.count(), func.count(distinct(InboxItem.seeker_id)))).one())

    def mail_file(self, outbox_id: int):
        from sqlalchemy import select

        from worker.domain.models import OutboxMail
        from worker.mail.transport import eml_file_name

        with self.engine.connect() as conn:
            message_id = conn.execute(select(OutboxMail.message_id).where(OutboxMail.id == outbox_id)).scalar_one()
        return self.settings.outbox_dir / eml_file_name(message_id) if message_id else "(not sent yet)"
