"""The mail benchmark runs end to end (its speed is what it prints, not what a test asserts)."""

from __future__ import annotations

from worker.bench.mail import run


def test_the_benchmark_sends_every_mail_once_over_one_connection():
    result = run(renders=22, sends=11)
    assert result["rendered"] == 22 and result["render_mails_per_s"] > 0
    assert result["sent"] == result["server_received"] == 11
    assert result["send_connections"] == result["server_connections"] == 1
