"""The dramatiq side of the worker: the only package that imports dramatiq.

- ``registry``   actor declarations (name, queue, retries, backoff, time limit), bound to a
                 broker only when the program starts
- ``tasks``      the actors: thin; each calls one pipeline or mail function with ids
- ``broker``     the broker from settings: Redis when ``redis_url`` is set, else in-process
- ``runtime``    what an actor needs in its process (settings, engine, condition index) and the
                 middleware that sets it up and puts ids into log lines
- ``dispatch``   sending hints (implements ``worker.pipeline.hints.Hints`` and ``worker.announce``)
- ``inprocess``  the in-process broker with worker threads (``mypage-worker run``, the demo)
- ``entry``      what dramatiq's CLI loads in each worker process (``mypage-worker worker``)
- ``leader``, ``scheduler``  one acting APScheduler at a time, each tick once
"""
