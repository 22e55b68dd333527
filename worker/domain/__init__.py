"""The domain: tables (``models``) and the typed errors the rules raise (``errors``)."""
