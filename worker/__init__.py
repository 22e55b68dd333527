"""mypage-worker: the background worker beside a job seeker's My Page (求職者マイページ).

Packages, with dependencies pointing one way (actors → services → domain):

- ``worker.config``   settings from ``MYPAGE_*`` environment variables, built at start-up
- ``worker.db``       engine and sessions (SQLite by default, PostgreSQL in production)
- ``worker.domain``   the SQLModel tables and the rules' typed errors
- ``worker.services`` the My Page rules as functions on a session
- ``worker.mail``     mail declarations, rendering, outbox delivery
- ``worker.actors``   dramatiq actors and the scheduler (the only modules importing dramatiq)
- ``worker.api``      the façade the main site imports
- ``worker.cli``      the ``mypage-worker`` command
"""
