"""The My Page rules as functions on a session. Callers own the transaction: a service adds its
changes (and the outbox mails they cause) to the session; committing makes them one unit."""
