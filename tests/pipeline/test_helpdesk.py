"""The helpdesk's look-ups: a seeker by id, 求職番号 or e-mail; the timeline; and the
conclusion of "why not this offer?"."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from worker.domain.errors import InvalidInput
from worker.domain.models import InboxItem, JobOffer, OutboxMail, Seeker
from worker.pipeline.helpdesk import find_seeker, seeker_file, why_not


def test_a_seeker_is_found_by_id_number_or_e_mail(world, engine):
    seeker_id = world.seeker()
    number = world.get(Seeker, seeker_id).seeker_number
    with Session(engine) as session:
        assert find_seeker(session, str(seeker_id)) == seeker_id
        assert find_seeker(session, number) == seeker_id
        assert find_seeker(session, "999999") is None
        with pytest.raises(InvalidInput):
            find_seeker(session, "not an address")


def test_the_e_mail_look_up_uses_the_login_form_of_the_address(world, engine):
    seeker_id = world.seeker()
    email = world.get(Seeker, seeker_id).email
    with Session(engine) as session:
        assert find_seeker(session, f"  {email.upper()} ") == seeker_id


def test_the_timeline_has_inbox_items_and_mails_with_their_outcome(world, engine):
    seeker_id = world.seeker()
    offer_id = world.offer()
    with Session(engine) as session:
        session.add(InboxItem(seeker_id=seeker_id, kind="recommendation", dedupe_key="r:1", job_offer_id=offer_id,
                              title="一般事務", score=40))
        session.add(OutboxMail(dedupe_key="m:1", kind="recommendations", seeker_id=seeker_id, status="failed",
                               attempts=8, last_error="450 mailbox busy"))
        session.commit()
        file = seeker_file(session, seeker_id)
    assert {(e.what, e.kind) for e in file.timeline} == {("inbox", "recommendation"), ("mail", "recommendations")}
    failed = next(e for e in file.timeline if e.what == "mail")
    assert (failed.status, failed.attempts, failed.last_answer) == ("failed", 8, "450 mailbox busy")
    assert file.has_email and not file.suppressed and file.recommendable


def test_why_not_names_the_rule_or_says_why_a_matching_offer_was_not_chosen(world, engine):
    open_seeker = world.seeker()
    world.condition(open_seeker, keywords=["事務"])
    unusable = world.seeker(state="unusable")
    world.condition(unusable, keywords=["事務"])
    world.offer(title="一般事務")  # pending: not matched yet
    osaka = world.offer(title="一般事務", prefecture="27")
    with Session(engine) as session:
        pending = session.get(JobOffer, osaka - 1).job_number
        far = session.get(JobOffer, osaka).job_number
        assert "照合待ち" in why_not(session, open_seeker, pending).conclusion
        assert "利用できない状態" in why_not(session, unusable, pending).conclusion
        answer = why_not(session, open_seeker, far)
        assert "どの条件にも合わない" in answer.conclusion
        assert [r.rule for _, v in answer.verdicts for r in v.rejections] == ["勤務地"]
        assert "登録されていません" in why_not(session, open_seeker, "99999-99999999").conclusion


def test_why_not_says_when_the_offer_was_recommended(world, engine):
    seeker_id = world.seeker()
    world.condition(seeker_id)
    offer_id = world.offer()
    with Session(engine) as session:
        session.add(InboxItem(seeker_id=seeker_id, kind="recommendation", dedupe_key="r:1", job_offer_id=offer_id))
        session.commit()
        job_number = session.get(JobOffer, offer_id).job_number
        assert "届いています" in why_not(session, seeker_id, job_number).conclusion


def test_a_seeker_without_conditions_is_told_so(world, engine):
    seeker_id = world.seeker()
    offer_id = world.offer()
    with Session(engine) as session:
        job_number = session.get(JobOffer, offer_id).job_number
        assert "条件もない" in why_not(session, seeker_id, job_number).conclusion
