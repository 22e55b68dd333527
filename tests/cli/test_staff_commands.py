"""``mypage-worker recommend``, ``notice`` and ``status``: counts in a table, nothing twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from worker.cli import main
from worker.db import session_scope
from worker.domain.models import Condition, InboxItem, JobOffer, OutboxMail, Seeker
from worker.pipeline.batch import OFFERS_PER_TRANSACTION


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def small_world(engine, *, seekers=3):
    with session_scope(engine) as session:
        for n in range(seekers):
            seeker = Seeker(seeker_number=f"13010-{n:08d}", email=f"s{n}@example.jp",
                            email_normalized=f"s{n}@example.jp", prefecture_code="13", account_state="open")
            session.add(seeker)
            session.flush()
            session.add(Condition(seeker_id=seeker.id, prefecture_codes=["13"]))
        session.add(JobOffer(job_number="13010-90000001", title="一般事務", prefecture_code="13",
                             matching_status="matched"))


def table_rows(out: str) -> dict[str, str]:
    """The label → count rows of the summary tables rich printed."""
    rows = {}
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def test_a_dry_run_shows_the_counts_and_writes_nothing_then_the_batch_does_it(engine, cli_env, capsys):
    small_world(engine)

    assert main(["recommend", "--since", "2000-01-01", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and table_rows(out)["inbox items created"] == "3"
    assert count(engine, InboxItem) == 0 and count(engine, OutboxMail) == 0

    assert main(["recommend", "--since", "2000-01-01", "--prefecture", "13"]) == 0
    assert count(engine, InboxItem) == 3 and count(engine, OutboxMail) == 3


def test_a_dry_run_reports_the_same_rows_as_the_real_run_that_follows(engine, cli_env, capsys):
    """Over more offers than one transaction takes, with digests already waiting, saved searches
    that mail, a seeker without an address and the daily limit: every count the same."""
    small_world(engine, seekers=4)
    with session_scope(engine) as session:
        seekers = session.execute(select(Seeker)).scalars().all()
        seekers[0].email = seekers[0].email_normalized = None  # inbox items, no mail
        for seeker in seekers[1:3]:
            session.add(Condition(seeker_id=seeker.id, kind="saved", notify=True, prefecture_codes=["13"],
                                  keywords=["事務"]))
        for n in range(2, 2 + OFFERS_PER_TRANSACTION + 30):
            session.add(JobOffer(job_number=f"13010-{90000000 + n:08d}", title="一般事務", prefecture_code="13",
                                 matching_status="matched"))
    assert main(["recommend", "--since", "2000-01-01", "--prefecture", "13"]) == 0  # digests now wait
    with session_scope(engine) as session:
        newcomer = Seeker(seeker_number="13010-00000099", email="new@example.jp", email_normalized="new@example.jp",
                          prefecture_code="13", account_state="open")
        session.add(newcomer)
        session.flush()
        session.add(Condition(seeker_id=newcomer.id, prefecture_codes=["13"]))  # every offer: both transactions
        for n in range(200, 240):
            session.add(JobOffer(job_number=f"13010-{90000000 + n:08d}", title="一般事務員", prefecture_code="13",
                                 matching_status="matched"))
    capsys.readouterr()

    assert main(["recommend", "--since", "2000-01-01", "--dry-run"]) == 0
    dry = table_rows(capsys.readouterr().out)
    written = count(engine, InboxItem), count(engine, OutboxMail)
    assert main(["recommend", "--since", "2000-01-01"]) == 0
    real = table_rows(capsys.readouterr().out)

    assert written == (count(engine, InboxItem) - int(real["inbox items created"]),
                       count(engine, OutboxMail) - int(real["recommendation mails queued"])
                       - int(real["saved-search mails queued"]))
    offers = 1 + OFFERS_PER_TRANSACTION + 30 + 40
    # Every offer is a candidate of the newcomer; the round gives each seeker at most the day's budget.
    assert int(real["new candidates"]) >= offers and 0 < int(real["inbox items created"]) <= 5 * 10
    assert dry == real


def test_a_prefecture_that_does_not_exist_is_refused(engine, cli_env, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["recommend", "--since", "2000-01-01", "--prefecture", "48"])
    assert refused.value.code == 2
    assert "都道府県コード" in capsys.readouterr().err


def test_a_notice_sent_twice_reaches_each_seeker_once(engine, cli_env, tmp_path, capsys):
    small_world(engine)
    body = tmp_path / "body.txt"
    body.write_text("窓口の受付時間が変わります。", encoding="utf-8")
    command = ["notice", "--title", "受付時間の変更", "--body-file", str(body), "--prefecture", "13"]

    assert main(command) == 0
    assert main(command) == 0

    assert count(engine, InboxItem) == 3 and count(engine, OutboxMail) == 3
    assert "already sent before (rerun)" in capsys.readouterr().out


def test_status_shows_waiting_work_and_watched_accounts(engine, cli_env, capsys):
    small_world(engine)
    with session_scope(engine) as session:
        session.add(JobOffer(job_number="13010-90000002", title="倉庫作業", prefecture_code="13"))

    assert main(["status"]) == 0

    out = capsys.readouterr().out
    assert "offers waiting to be matched" in out and "mails failed" in out and "利用不可" in out
    assert "in-process" in out


def test_status_shows_the_redis_queue_depths(engine, cli_env, redis_url, capsys):
    cli_env.setenv("MYPAGE_REDIS_URL", redis_url)
    assert main(["status"]) == 0
    assert "queue matching" in capsys.readouterr().out


def test_a_notice_to_a_prefecture_that_does_not_exist_is_refused_and_nothing_is_sent(engine, cli_env, tmp_path,
                                                                                      capsys):
    small_world(engine)
    body = tmp_path / "body.txt"
    body.write_text("窓口の受付時間が変わります。", encoding="utf-8")

    with pytest.raises(SystemExit) as refused:
        main(["notice", "--title", "受付時間の変更", "--body-file", str(body), "--prefecture", "13", "48"])
    assert refused.value.code == 2

    assert "都道府県コード" in capsys.readouterr().err
    assert count(engine, InboxItem) == 0 and count(engine, OutboxMail) == 0
