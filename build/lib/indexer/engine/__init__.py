"""The search engine behind Passerelle: a contract (``contract``) and its Whoosh implementation.

Everything outside this package speaks in plain records (``indexer.models``) and search plans;
only ``engine/whoosh/`` imports Whoosh, so a second backend (OpenSearch) can plug in beside it.
``proximity`` (the second ranking stage) and ``spelling`` ("did you mean") need no engine.
"""
