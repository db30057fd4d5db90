"""Projects, partners and topics: the taxonomy file, and the tagger that finds them in passages.

The file format is documented at the top of ``corpus/taxonomy.toml``. Matching is whole-word on
``fold``ed text, with one compiled regular expression over every alias, so tagging a passage costs
one scan whatever the size of the taxonomy.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from indexer.errors import TaxonomyError
from indexer.folding import fold
from indexer.models import Tags
from indexer.tomlfile import read_toml

KINDS = ("project", "partner", "topic")

# Bump when the matching rules change, so that fingerprints change and every passage is re-tagged.
MATCHING_VERSION = 1

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FIELDS = ("id", "label_en", "label_fr", "aliases")
# Separators inside an alias: whitespace, and "-" or "/" (which also match a space or nothing).
_SEPARATOR = re.compile(r"[\s\-/]+")
# Characters trimmed from the ends of an alias before matching: whole-word boundaries need a letter or
# digit at each end ("Institute for Security Studies (ISS)" is matched as "...(iss").
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
# "Not preceded / not followed by a letter or digit"; [^\W_] is a Unicode letter or digit.
_BEFORE = r"(?<![^\W_])"
_AFTER = r"(?![^\W_])"


@dataclass(frozen=True)
class Entry:
    """One project, partner or topic: its stable id, its names in both languages and its aliases."""

    kind: str
    id: str
    label_en: str
    label_fr: str
    aliases: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The display name in *lang* ("fr" gives the French label, anything else the English one)."""
        return self.label_fr if lang == "fr" else self.label_en

    def names(self) -> tuple[str, ...]:
        """Labels then aliases: every string that tags a passage with this entry."""
        return (self.label_en, self.label_fr, *self.aliases)


@dataclass(frozen=True)
class Taxonomy:
    """An immutable set of entries, looked up by kind and id, or resolved from any of their names."""

    entries: tuple[Entry, ...]
    _names: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        names = {}
        for entry in self.entries:
            for name in (entry.id, *entry.names()):
                # setdefault: the first entry listed wins when two share a name.
                names.setdefault((entry.kind, _key(name)), entry)
        object.__setattr__(self, "_names", names)

    def get(self, kind: str, id: str) -> Entry | None:
        """The entry of *kind* with this exact id, or None."""
        return next((e for e in self.entries if e.kind == kind and e.id == id), None)

    def of_kind(self, kind: str) -> tuple[Entry, ...]:
        """Entries of *kind*, in file order."""
        return tuple(e for e in self.entries if e.kind == kind)

    def resolve(self, kind: str, value: str) -> str | None:
        """The id of the *kind* entry named *value* (id, label or alias; case and accents ignored), or None."""
        entry = self._names.get((kind, _key(value)))
        return entry.id if entry else None

    def label(self, kind: str, id: str, lang: str) -> str:
        """The display name of an id in *lang*; an unknown id is shown as itself."""
        entry = self.get(kind, id)
        return entry.label(lang) if entry else id

    def to_dict(self) -> dict:
        """A JSON-able copy, shaped like the TOML file (one list per kind), for storing beside the index."""
        return {
            kind: [
                {"id": e.id, "label_en": e.label_en, "label_fr": e.label_fr, "aliases": list(e.aliases)}
                for e in self.of_kind(kind)
            ]
            for kind in KINDS
        }

    @classmethod
    def from_dict(cls, data: dict) -> Taxonomy:
        """Rebuild a taxonomy from ``to_dict`` output, checked like a file.

        :raises TaxonomyError: the data is not a valid taxonomy.
        """
        return _taxonomy_from_tables(data, "<stored taxonomy>")

    def fingerprint(self) -> str:
        """A stable hash of the content and the matching rules; when it changes, passages need re-tagging."""
        payload = json.dumps(
            {"matching": MATCHING_VERSION, "taxonomy": self.to_dict()},
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


EMPTY = Taxonomy(())


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and check a taxonomy TOML file; a missing file gives the empty taxonomy.

    :raises TaxonomyError: the file is unreadable, is not valid TOML, or has a malformed entry
        (the message names the entry by kind and position, and by id when it has one).
    """
    data = read_toml(path, TaxonomyError)
    return EMPTY if data is None else _taxonomy_from_tables(data, str(path))


def _taxonomy_from_tables(data: dict, where: str) -> Taxonomy:
    if not isinstance(data, dict):
        raise TaxonomyError(where, "expected a table of [[project]], [[partner]] and [[topic]] entries")
    for name in data:
        if name not in KINDS:
            raise TaxonomyError(where, f"unknown table [[{name}]]; expected one of {', '.join(KINDS)}")
    entries = []
    for kind in KINDS:
        entries.extend(_entries_of_kind(kind, data.get(kind, []), where))
    return Taxonomy(tuple(entries))


def _entries_of_kind(kind: str, tables: object, where: str) -> list[Entry]:
    if not isinstance(tables, list):
        raise TaxonomyError(where, f"{kind} must be an array of tables, written [[{kind}]]")
    entries = []
    first_seen = {}
    for position, table in enumerate(tables, start=1):
        entry = _entry(kind, position, table, where)
        if entry.id in first_seen:
            earlier = f"{kind} #{first_seen[entry.id]}"
            raise TaxonomyError(where, f"{kind} #{position} (id {entry.id!r}): duplicate id, already used by {earlier}")
        first_seen[entry.id] = position
        entries.append(entry)
    return entries


def _entry(kind: str, position: int, table: object, where: str) -> Entry:
    name = f"{kind} #{position}"
    if not isinstance(table, dict):
        raise TaxonomyError(where, f"{name}: expected a table with id, label_en, label_fr and aliases")
    if isinstance(table.get("id"), str):
        name = f"{name} (id {table['id']!r})"
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise TaxonomyError(where, f"{name}: unknown key {unknown[0]!r}; expected {', '.join(_FIELDS)}")
    for key in ("id", "label_en", "label_fr"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise TaxonomyError(where, f"{name}: missing {key!r} (a non-empty string)")
    if not _ID.fullmatch(table["id"]):
        raise TaxonomyError(where, f"{name}: bad id, use lowercase letters, digits and single hyphens")
    return Entry(kind, table["id"], table["label_en"], table["label_fr"], _aliases(table, name, where))


def _aliases(table: dict, name: str, where: str) -> tuple[str, ...]:
    aliases = table.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise TaxonomyError(where, f"{name}: aliases must be a list of strings")
    for alias in (table["label_en"], table["label_fr"], *aliases):
        if not _EDGES.sub("", fold(alias)):
            raise TaxonomyError(where, f"{name}: alias {alias!r} has no letter or digit to match")
    return tuple(aliases)


class Tagger:
    """Finds the taxonomy entries named in a text; build once, then call ``tag`` on every passage."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self._ids = _ids_by_key(taxonomy)
        self._pattern = _compile(alias for entry in taxonomy.entries for alias in entry.names())

    def tag(self, text: str) -> Tags:
        """Ids of the entries whose label or alias occurs in *text* as whole words, in order of first occurrence."""
        if self._pattern is None:
            return Tags()
        found = {kind: {} for kind in KINDS}
        for match in self._pattern.finditer(fold(text)):
            for kind, id in self._ids.get(_SEPARATOR.sub("", match.group(1)), ()):
                found[kind].setdefault(id, None)
        return Tags(
            projects=tuple(found["project"]),
            partners=tuple(found["partner"]),
            topics=tuple(found["topic"]),
        )


def _key(name: str) -> str:
    """What identifies a name: folded, without separators or the non-word characters at its ends."""
    return _SEPARATOR.sub("", _EDGES.sub("", fold(name)))


def _words(name: str) -> tuple[str, ...]:
    return tuple(_SEPARATOR.split(_EDGES.sub("", fold(name))))


def _ids_by_key(taxonomy: Taxonomy) -> dict[str, tuple[tuple[str, str], ...]]:
    """Map each alias key to the (kind, id) pairs it tags.

    The regex reports only the longest alias starting at each position, so an alias also carries the
    entries of the shorter aliases it starts with: "law enforcement services of EU member states" tags
    partner eu-law-enforcement and topic police ("law enforcement"). Aliases further inside it are
    found by the scan itself, which tries every word start.
    """
    by_words = {}
    for entry in taxonomy.entries:
        for name in entry.names():
            by_words.setdefault(_words(name), {})[(entry.kind, entry.id)] = None
    ids = {}
    for words, pairs in by_words.items():
        key = "".join(words)
        merged = ids.setdefault(key, {})
        for end in range(1, len(words)):
            merged.update(by_words.get(words[:end], {}))
        merged.update(pairs)
    return {key: tuple(pairs) for key, pairs in ids.items()}


def _compile(aliases: Iterable[str]) -> re.Pattern | None:
    """One regex finding, at every word start, the longest alias beginning there (captured in group 1).

    The capture sits in a lookahead so that the scan does not skip over a match: aliases inside a
    longer one ("Port Security" in "Western and Central Africa Port Security") are found too.
    Aliases are grouped by their first character (a letter or digit, which ``_EDGES`` leaves and
    ``re.escape`` keeps as is), so a word start tries one group rather than every alias: a flat
    alternation was 16% of the time to index the Canadian passages.
    """
    by_first: dict[str, set[str]] = {}
    for alias in aliases:
        pattern = _alias_pattern(alias)
        if pattern:
            by_first.setdefault(pattern[0], set()).add(pattern[1:])
    if not by_first:
        return None
    # Longest first: the regex takes the first alternative that matches, not the longest one.
    groups = "|".join(
        f"{re.escape(first)}(?:{'|'.join(sorted(rests, key=lambda p: (-len(p), p)))})"
        for first, rests in sorted(by_first.items())
    )
    return re.compile(f"{_BEFORE}(?=((?:{groups})){_AFTER})")


def _alias_pattern(alias: str) -> str:
    """The regex for one alias: whitespace matches any whitespace; "-" or "/" match either, a space or nothing."""
    parts = []
    for part in re.split(r"([\s\-/]+)", _EDGES.sub("", fold(alias))):
        if not part:
            continue
        if part.isspace():
            parts.append(r"\s+")
        elif _SEPARATOR.fullmatch(part):
            parts.append(r"\s*[\-/]?\s*")
        else:
            parts.append(re.escape(part))
    return "".join(parts)
