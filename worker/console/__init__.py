"""The staff console: a server-rendered web app (Starlette, Jinja2, uvicorn) for ハローワーク
staff — dashboard, recommendation batches, notices, the helpdesk, mails and the audit log.

It sits at the level of the actors: pages call ``worker.pipeline`` and ``worker.services``
and never re-implement a rule. ``app`` builds the application, ``auth`` holds sessions, CSRF,
roles and login throttling, ``pages`` one module per page."""
