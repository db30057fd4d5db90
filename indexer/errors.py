"""Exceptions named for the condition, each carrying its culprit."""

from __future__ import annotations

import errno


class PasserelleError(Exception):
    """Base class of every error Passerelle reports to a user."""


class FileError(PasserelleError):
    """A file Passerelle reads is missing, unreadable or malformed: the message starts with its path."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnreadableDocument(FileError):
    """A corpus file could not be turned into a document; it is skipped, the rest goes on."""


class TaxonomyError(FileError):
    """The taxonomy file is malformed."""


class GlossaryError(FileError):
    """The glossary file is malformed."""


class LexiconFileError(FileError):
    """A lexicon file is missing, unreadable or malformed."""


class ParallelTextError(FileError):
    """The pairs or passages file of ``passerelle lexicon learn`` is missing or has a malformed line."""


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


class NothingToSearch(BadParameter):
    """The query holds no word, phrase or filter (empty, or an operator alone): it would list every passage."""

    def __init__(self, text: str):
        super().__init__(
            "q",
            text[:40],
            'nothing to search: type words, a "phrase" or a filter (project:wecaps); AND, OR, NOT and - only join '
            "words; to list every passage, newest first, ask for sort=newest",
        )


class UnknownFilterValue(BadParameter):
    """A filter parameter names no project, partner, topic or language the index knows; ``known`` lists those it does."""

    def __init__(self, name: str, value: str, known: tuple[str, ...]):
        super().__init__(name, value, f"no such {name} (known: {', '.join(known) or 'none'})")
        self.known = known


class CorpusNotFound(PasserelleError):
    """The corpus folder does not exist or is not a folder."""

    def __init__(self, path: str):
        super().__init__(f"corpus folder not found: {path}")
        self.path = path


class IndexOutdated(PasserelleError):
    """The index was written by an older version of Passerelle."""

    def __init__(self, index_dir: str):
        super().__init__(f"the index at {index_dir} was built by an older Passerelle: run `passerelle index --rebuild`")
        self.index_dir = index_dir


class UnsupportedFileType(PasserelleError):
    """An uploaded file's suffix is not one the readers know."""

    def __init__(self, filename: str, suffix: str):
        super().__init__(f"unsupported file type {suffix or '(no suffix)'!r} for {filename!r}")
        self.filename = filename
        self.suffix = suffix


class DocumentNotFound(PasserelleError):
    """No indexed corpus file gave a document with this id."""

    def __init__(self, doc_id: str):
        super().__init__(f"no document with id {doc_id!r}")
        self.doc_id = doc_id


class FileNotIndexed(PasserelleError):
    """The live index holds no corpus file at this path."""

    def __init__(self, path: str):
        super().__init__(f"no indexed file {path!r}")
        self.path = path


REPAIR_ADVICE = "run `passerelle check --repair` or `passerelle index --rebuild`"


class IndexDamaged(PasserelleError):
    """Files of the index were changed, cut or removed since they were written: searching it
    could answer wrongly, so it answers nothing until rebuilt.

    ``problems`` name each damaged file and what is wrong with it (the first leads the message);
    without any (a read failed, but every file matches its checksum or none was recorded), the
    message names the index folder and ``cause``, and the damage is not ``confirmed``.
    """

    def __init__(self, index_dir: str, problems: tuple[str, ...] = (), cause: str = ""):
        problems = tuple(problems)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            what = f"{problems[0]}{more}"
        else:
            what = f"the index at {index_dir}" + (f" ({cause})" if cause else "")
        super().__init__(f"index damaged: {what}: {REPAIR_ADVICE}")
        self.index_dir = index_dir
        self.problems = problems or (what,)
        self.confirmed = bool(problems)


# What a user can do about each write error: the system's words alone do not say it.
_WRITE_ERROR_HINTS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EIO: "the disk failed to write",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


class IndexWriteFailed(PasserelleError):
    """An indexing run could not write to the index folder (a full disk, any ``OSError``).

    The commit it was writing is undone and its partial files removed; ``committed`` says whether
    earlier commits of the run stay (an incremental run of several batches), else nothing changed.
    """

    def __init__(self, index_dir: str, error: OSError, committed: bool = False):
        reason = error.strerror or str(error) or type(error).__name__
        hint = _WRITE_ERROR_HINTS.get(error.errno)
        if hint and hint.lower() != reason.lower():
            reason = f"{reason} ({hint})"
        outcome = (
            "the files of the commits made before it stay indexed; the next run indexes the rest"
            if committed
            else "nothing was changed, the live index is as before"
        )
        super().__init__(f"cannot write the index at {index_dir}: {reason}; {outcome}")
        self.index_dir = index_dir
        self.errno = error.errno
        self.committed = committed
