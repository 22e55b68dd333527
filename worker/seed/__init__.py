"""Realistic synthetic data: seekers with their conditions, and job offers (``mypage-worker seed``).

:mod:`worker.seed.generate` makes deterministic record streams; :mod:`worker.seed.load` streams them
into the database in chunks."""
