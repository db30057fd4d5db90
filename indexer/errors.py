"""Exceptions named for the condition, each carrying its culprit."""

from __future__ import annotations


class PasserelleError(Exception):
    """Base class of every error Passerelle reports to a user."""


class UnreadableDocument(PasserelleError):
    """A corpus file could not be turned into a document; it is skipped, the rest goes on."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class TaxonomyError(PasserelleError):
    """The taxonomy file is malformed."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexNotFound(PasserelleError):
    """No index exists at the given folder yet."""

    def __init__(self, index_dir: str):
        super().__init__(f"no index at {index_dir}: run `passerelle index` first")
        self.index_dir = index_dir


class IndexBusy(PasserelleError):
    """Another writer held the index lock for longer than the wait limit."""

    def __init__(self, index_dir: str, waited: float):
        super().__init__(f"index at {index_dir} is locked by another writer (waited {waited:.0f} s)")
        self.index_dir = index_dir
        self.waited = waited


class BadParameter(PasserelleError):
    """A search or indexing parameter has an invalid value."""

    def __init__(self, name: str, value: object, reason: str):
        super().__init__(f"{name}={value!r}: {reason}")
        self.name = name
        self.value = value
        self.reason = reason


class CorpusNotFound(PasserelleError):
    """The corpus folder does not exist or is not a folder."""

    def __init__(self, path: str):
        super().__init__(f"corpus folder not found: {path}")
        self.path = path
