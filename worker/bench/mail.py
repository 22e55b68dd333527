"""The mail benchmark: mails rendered per second (templates only, and templates plus the MIME
message), and mails sent per second through the whole outbox path — claim, render, SMTP over
one reused connection to a local aiosmtpd, record — on a throw-away SQLite database.

Targets (issue 4): ≥ 2,000 rendered/s, ≥ 200 sent/s."""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import platform
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from worker.config import load_settings
from worker.db import create_schema, make_engine
from worker.mail.delivery import deliver_due
from worker.mail.message import build_message, message_id_for
from worker.mail.preview import preview_settings
from worker.mail.registry import MAILS
from worker.mail.render import render_mail
from worker.mail.samples import SAMPLE_MAILS, sample_rows, store_sample_world
from worker.outbox.enqueue import enqueue_mail


def run(*, renders: int = 5000, sends: int = 1000) -> dict:
    with tempfile.TemporaryDirectory(prefix="mail-bench-") as tmp:
        result = {
            "date": datetime.now(UTC).date().isoformat(),
            "python": platform.python_version(),
            **_render(renders),
            **_send(sends, Path(tmp)),
        }
    return result


def _render(n: int) -> dict:
    settings = preview_settings(load_settings())
    contexts = {name: MAILS[name].context(sample_rows(settings), settings, SAMPLE_MAILS[name].outbox_context)
                for name in MAILS}
    names = list(itertools.islice(itertools.cycle(MAILS), n))

    started = time.perf_counter()
    for name in names:
        render_mail(name, contexts[name])
    render_s = time.perf_counter() - started

    now = datetime.now(UTC)
    started = time.perf_counter()
    for number, name in enumerate(names):
        rendered = render_mail(name, contexts[name])
        build_message(rendered, to=SAMPLE_MAILS[name].recipient, mail_from=settings.mail_from,
                      from_name=settings.mail_from_name, message_id=message_id_for(f"bench:{number}", settings.mail_from),
                      date=now).as_bytes()
    compose_s = time.perf_counter() - started
    return {
        "rendered": n,
        "render_mails_per_s": round(n / render_s),
        "render_and_mime_mails_per_s": round(n / compose_s),
    }


def _send(n: int, tmp: Path) -> dict:
    port = _free_port()
    server = _start_server(port)
    try:
        settings = load_settings(var_dir=tmp, secret_key="bench-only, not a real secret key",
                                 database_url=None, smtp_host="127.0.0.1",
                                 smtp_port=port, smtp_tls="none",
                                 # sending is measured whatever the hour in Japan
                                 quiet_hours_start=0, quiet_hours_end=0)
        engine = make_engine(settings.effective_database_url)
        create_schema(engine)
        store_sample_world(engine, settings)
        with Session(engine) as session:
            for number, name in zip(range(n), itertools.cycle(MAILS)):
                enqueue_mail(session, kind=name, dedupe_key=f"bench:{number}", recipient=SAMPLE_MAILS[name].recipient,
                             context=SAMPLE_MAILS[name].outbox_context)
            session.commit()

        delivery_log = logging.getLogger("worker.mail.delivery")
        level = delivery_log.level
        delivery_log.setLevel(logging.WARNING)  # one INFO line per mail would be measured too
        try:
            started, cpu = time.perf_counter(), time.process_time()
            report = deliver_due(engine, settings, limit=n)
            send_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        finally:
            delivery_log.setLevel(level)
        engine.dispose()
        server.requests.put("count")
        received, connections = server.replies.get(timeout=10)
    finally:
        server.process.terminate()
        server.process.join()
    return {
        "sent": report.sent,
        "send_mails_per_s": round(report.sent / send_s, 1),
        "send_cpu_ms_per_mail": round(cpu_s / max(report.sent, 1) * 1000, 2),
        "send_connections": report.connections,
        "server_received": received,
        "server_connections": connections,
        "send_database": "sqlite",
    }


def _free_port() -> int:
    with socket.socket() as sock:  # aiosmtpd's Controller refuses port 0
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class _Server:
    process: multiprocessing.Process
    requests: multiprocessing.Queue
    replies: multiprocessing.Queue


def _start_server(port: int) -> _Server:
    """aiosmtpd in a process of its own, as a real relay would be: in this process it would take
    the worker's CPU and GIL and the benchmark would measure both."""
    requests, replies = multiprocessing.Queue(), multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve, args=(port, requests, replies), daemon=True)
    process.start()
    if replies.get(timeout=30) != "ready":
        raise RuntimeError("the benchmark's SMTP server did not start")
    return _Server(process, requests, replies)


def _serve(port: int, requests, replies) -> None:
    from aiosmtpd.controller import Controller  # a test dependency: only the benchmark needs a server here

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    sink = _CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    replies.put("ready")
    while requests.get() == "count":
        replies.put((sink.received, sink.connections))


class _CountingSink:
    def __init__(self):
        self.received = 0
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        return "250 2.0.0 Queued"
