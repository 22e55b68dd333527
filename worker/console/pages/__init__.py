"""One module per console page; each exposes ``routes``.

Ids in paths use the ``id`` convertor registered here (this package is imported before any of
its pages): ASCII digits that fit a database integer, so ``/notices/99999999999999999999999`` is
a plain 404 and never reaches the database as an out-of-range number."""

from starlette.convertors import IntegerConvertor, register_url_convertor

ID_DIGITS = 18  # below 2**63, the largest BIGINT; SQLite's INTEGER is the same size


class IdConvertor(IntegerConvertor):
    regex = f"[0-9]{{1,{ID_DIGITS}}}"


register_url_convertor("id", IdConvertor())
