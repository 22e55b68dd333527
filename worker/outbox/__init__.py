"""The outbox: one home for the rows a mail lives in until it is final. Their life, in
conditional updates (see RELIABILITY.md, rules 1, 4 and 6):

pending ──claim──▶ sending ──(send_started_at)──250──▶ sent
   ▲                  │  ├─4xx, timeout, connection error─▶ pending (backoff) … failed
   │                  │  ├─5xx─▶ failed (+ address suppressed)
   │                  │  ├─dropped after DATA─▶ uncertain ──claim──▶ sending (once more)
   │                  │  ├─relay unavailable─▶ pending (uncharged: attempts back as they were)
   │                  │  └─suppressed address / expired key / no longer needed─▶ suppressed / expired / cancelled
   └── lease expired (the worker died) ◀──┘   …or uncertain, when it had started the send

Every change out of ``sending`` is conditional on the row still being ours: status sending with
the attempt number we claimed it with. A worker whose lease ran out and whose row went to another
worker therefore cannot overwrite that worker's outcome.

Writes that must not be lost (an outcome after the server's 250, the mark that a send started)
are retried on a fresh connection for as long as the lease allows (``record.record``). If they still
cannot be written, ``send_started_at`` — committed before the send — tells the sweeper that the
mail may have been delivered: the row becomes uncertain, not pending, and its one resend carries
the same Message-ID.

The modules: ``enqueue`` (producers insert rows, in their own transaction), ``claim`` (due mails
taken with a lease), ``record`` (outcomes, start marks and lease renewals, conditional on the row
still being ours), ``durable`` (a write retried on a fresh connection), ``suppression`` (addresses
that answered 5xx, as hashes) and ``sweep`` (expired leases and expired keys). Sending is
``worker.mail.delivery``'s business; the outbox imports nothing of ``worker.mail``.
"""
