"""Corpus files -> documents -> sections -> passages tagged by project, partner and topic -> the index.

``pipeline.index_corpus`` is the one indexing run: it compares the corpus folder with the
manifest, reads what changed (``reading``, ``readers``), cuts sections and passages (``sections``,
``prepare``), detects each passage's language (``language``), tags it (``taxonomy``) and writes it
through the engine. ``watch`` runs it after changes to the folder, ``intake`` stores uploads and
``tasks`` applies uploads and deletions in order.
"""
