"""The pipeline: what the actors, the scheduler and the staff commands do, as plain functions on
an engine or a session. Nothing here imports dramatiq; work that should happen elsewhere is
handed on through :class:`worker.pipeline.hints.Hints`.

- ``values``       database rows → the matchers' values
- ``index_cache``  the ConditionIndex of one worker process, following condition changes
- ``digest``       per-seeker recommendation digests and saved-search mails in the outbox
- ``recommend``    a job offer → inbox items (おすすめ求人) and mails, in one transaction
- ``sweeper``      offers not yet matched and mails not yet sent → hints again
- ``periodic``     the scheduler's jobs (retention, registration, restrictions, …)
- ``batch``, ``notice``, ``import_jobs``, ``status``: the staff commands' work
"""
