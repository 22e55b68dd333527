"""A お知らせ from staff: inbox items and notice mails, once."""

from __future__ import annotations

import pytest

from worker.domain.errors import InvalidInput
from worker.pipeline.notice import segment, send_notice


def test_a_notice_reaches_every_usable_my_page_in_the_segment_once(world):
    tokyo = {world.seeker(prefecture="13"), world.seeker(prefecture="13", state="restricted")}
    world.seeker(prefecture="13", state="unusable")
    world.seeker(prefecture="13", state="not_opened")
    world.seeker(prefecture="27")
    seekers = segment(world.engine, prefectures=["13"])

    first = send_notice(world.engine, title="年末年始の開庁時間", body="12月29日から1月3日は閉庁します。", seeker_ids=seekers)
    again = send_notice(world.engine, title="年末年始の開庁時間", body="12月29日から1月3日は閉庁します。", seeker_ids=seekers)

    assert set(seekers) == tokyo
    assert (first.inbox_items, first.mails_queued) == (2, 2)
    assert (again.inbox_items, again.mails_queued) == (0, 0)
    items = world.inbox()
    assert {i.seeker_id for i in items} == tokyo and {i.kind for i in items} == {"notice"}
    mails = world.outbox("notice")
    assert {m.context["inbox_item_id"] for m in mails} == {i.id for i in items}


def test_a_different_notice_is_a_new_notice(world):
    seeker = world.seeker()
    send_notice(world.engine, title="お知らせ", body="一つ目", seeker_ids=[seeker])
    send_notice(world.engine, title="お知らせ", body="二つ目", seeker_ids=[seeker])
    assert len(world.inbox(seeker)) == 2 and len(world.outbox("notice")) == 2


@pytest.mark.parametrize("title, body", [("", "本文"), ("件名\r\nBcc: x@example.jp", "本文"), ("件名", "  ")])
def test_a_notice_without_a_one_line_title_or_a_body_is_refused(world, title, body):
    seeker = world.seeker()
    with pytest.raises(InvalidInput):
        send_notice(world.engine, title=title, body=body, seeker_ids=[seeker])
    assert world.inbox() == []
