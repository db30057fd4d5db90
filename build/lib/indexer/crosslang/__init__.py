"""Searching across English and French: glossary equivalents and lexicon translations of a query.

``expansion.Expander`` adds to a parsed query what the glossary (``glossary``) and the
translation lexicons (``lexicon``; learned from aligned passages by ``learn``, or built from the
FreeDict dictionaries by ``freedict``) say in the other language. ``kept`` copies the lexicons
an index uses into its generation; ``command`` is the `passerelle lexicon` command's logic.
"""
