"""The Whoosh 2.7.4 backend: schema and writing, query compilation, array evaluation, segment caches.

``backend.WhooshBackend`` implements ``indexer.engine.contract.Backend``. ``writing`` defines the
schema and streams prepared passages into segments; ``queries`` compiles a parsed query into
what ``arrays`` scores with NumPy over postings decoded once per segment (``segments``);
``analyzers`` wraps ``indexer.analysis`` for the schema.
"""
