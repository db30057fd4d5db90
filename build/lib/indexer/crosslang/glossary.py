"""Cross-language equivalents: the glossary file, its checks, and the taxonomy's names as a glossary.

The file format is documented at the top of ``corpus/glossary.toml``. This module reads and checks the
data; ``indexer.crosslang.expansion`` matches it against queries. The index keeps a JSON copy (``to_dict``), so a
search needs no corpus folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis import analyze
from indexer.errors import GlossaryError
from indexer.folding import fold
from indexer.models import LANGUAGES
from indexer.taxonomy import Entry
from indexer.taxonomy import Taxonomy
from indexer.tomlfile import read_toml

_FIELDS = ("en", "fr", "domain")
_LANGUAGE_NAMES = {"en": "English", "fr": "French"}
# A letter or digit: an expression without one would analyse to nothing.
_WORD = re.compile(r"[^\W_]+")
# "United Nations Office on Drugs and Crime (UNODC)": a label naming its acronym in parentheses.
_LABEL_WITH_ACRONYM = re.compile(r"^(?P<name>.*?\S)\s*\((?P<short>[^()]*[^\W_][^()]*)\)\s*$")
# French function words and elisions, as whole words of folded text.
_FRENCH_WORDS = re.compile(
    r"(?<![^\W_])(?:(?:de|des|du|la|le|les|au|aux|et|pour|sur|contre)(?![^\W_])|[ld]'(?=[^\W_]))"
)
# Word endings that English words almost never have. Not "-ier": "courier", "frontier", "barrier" are English;
# the French "-anier", "-icier", "-alier" ("douanier", "policier", "frontalier") are listed instead.
_FRENCH_ENDINGS = re.compile(r"[^\W_](?:aire|oire|aux|eux|erie|isme|iste|elle|euse|eur|anier|icier|alier)s?(?![^\W_])")


@dataclass(frozen=True)
class GlossaryEntry:
    """One set of equivalents: every English expression means every French one, preferred first."""

    en: tuple[str, ...]
    fr: tuple[str, ...]
    domain: str = ""

    def expressions(self, lang: str) -> tuple[str, ...]:
        """The expressions in *lang* ("en" or "fr"), preferred first.

        :raises ValueError: *lang* is not one of ``LANGUAGES``.
        """
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True)
class Glossary:
    """An immutable list of entries, in file order."""

    entries: tuple[GlossaryEntry, ...]

    def __len__(self) -> int:
        return len(self.entries)

    def to_dict(self) -> dict:
        """A JSON-able copy, shaped like the TOML file, for storing beside the index."""
        return {"term": [_entry_to_dict(entry) for entry in self.entries]}

    @classmethod
    def from_dict(cls, data: dict) -> Glossary:
        """Rebuild a glossary from ``to_dict`` output, checked like a file.

        :raises GlossaryError: the data is not a valid glossary.
        """
        return _glossary_from_tables(data, "<stored glossary>")


EMPTY_GLOSSARY = Glossary(())


def load_glossary(path: Path) -> Glossary:
    """Read and check a glossary TOML file; a missing file gives the empty glossary.

    :raises GlossaryError: the file is unreadable, is not valid TOML, or has a malformed entry
        (the message names the entry by position and first expression).
    """
    data = read_toml(path, GlossaryError)
    return EMPTY_GLOSSARY if data is None else _glossary_from_tables(data, str(path))


def merge(*glossaries: Glossary) -> Glossary:
    """The entries of all *glossaries* in order, each set of expressions once (the first one wins).

    Two entries are the same when they list the same expressions in each language, whatever the order,
    case, accents or domain: the test the file loader applies to duplicates, so a merged glossary can
    always be stored and read back with ``from_dict``.
    """
    kept = {}
    for glossary in glossaries:
        for entry in glossary.entries:
            kept.setdefault(_identity(entry), entry)
    return Glossary(tuple(kept.values()))


def from_taxonomy(taxonomy: Taxonomy) -> Glossary:
    """The taxonomy's names as a glossary: one entry per project, partner and topic.

    English expressions are the English label then the aliases taken for English; French ones likewise.
    A label "Name (ACRONYM)" gives two expressions, "Name" and "ACRONYM", because a query contains one or
    the other, never both with the parentheses. See ``alias_languages`` for how an alias is placed.
    """
    return merge(Glossary(tuple(_entry_from_taxonomy(entry) for entry in taxonomy.entries)))


def alias_languages(alias: str, label_en: str, label_fr: str) -> tuple[str, ...]:
    """The language(s) of a taxonomy alias, whose entry is labelled *label_en* and *label_fr*.

    The rules, first match wins:

    1. The alias is a label or a phrase inside one, compared after analysis in the label's language
       ("douane" is inside "Douanes", "UNODC" inside "United Nations Office on Drugs and Crime (UNODC)"):
       that label's language, or both when it is inside both ("Justice", "ISS").
    2. It has a French marker: an accented letter or "œ"; one of the words "de", "des", "du", "la", "le",
       "les", "au", "aux", "et", "pour", "sur", "contre"; an elision "l'", "d'"; or a word ending that
       English hardly uses: "-aire", "-oire", "-aux", "-eux", "-erie", "-isme", "-iste", "-elle", "-euse",
       "-eur", "-anier", "-icier", "-alier", with or without a final "s" ("judiciaire", "piraterie",
       "douanier", "procureurs"): French.
    3. It is an acronym (letters, none in lower case): both, since "ISPS" or "AML/CFT" is written the
       same in French texts.
    4. Otherwise English.

    The guess can be wrong for French with no marker ("narcotrafic", "code ISPS" go to English). The
    cost is small: queries are analysed in both languages, so the entry is still found, and the mistaken
    expression is only searched in the wrong language's fields.
    """
    inside = tuple(lang for lang, label in zip(LANGUAGES, (label_en, label_fr)) if _inside(alias, label, lang))
    if inside:
        return inside
    if _looks_french(alias):
        return ("fr",)
    if _is_acronym(alias):
        return LANGUAGES
    return ("en",)


def _entry_from_taxonomy(entry: Entry) -> GlossaryEntry:
    names = {"en": list(_label_parts(entry.label_en)), "fr": list(_label_parts(entry.label_fr))}
    for alias in entry.aliases:
        for lang in alias_languages(alias, entry.label_en, entry.label_fr):
            names[lang].append(alias)
    return GlossaryEntry(_distinct(names["en"]), _distinct(names["fr"]), f"taxonomy:{entry.kind}:{entry.id}")


def _label_parts(label: str) -> tuple[str, ...]:
    match = _LABEL_WITH_ACRONYM.match(label)
    return (match["name"], match["short"]) if match else (label,)


def _inside(alias: str, label: str, lang: str) -> bool:
    """True when the analysed alias is a run of consecutive terms of the analysed label."""
    needle = analyze(alias, lang)
    haystack = analyze(label, lang)
    if not needle:
        return False
    return any(haystack[start : start + len(needle)] == needle for start in range(len(haystack) - len(needle) + 1))


def _looks_french(text: str) -> bool:
    if any(unicodedata.combining(char) for char in unicodedata.normalize("NFD", text)):
        return True
    folded = fold(text)  # "œ" becomes "oe" here, so look for it before
    return any(char in "œŒ" for char in text) or bool(_FRENCH_WORDS.search(folded) or _FRENCH_ENDINGS.search(folded))


def _is_acronym(text: str) -> bool:
    return any(char.isalpha() for char in text) and not any(char.islower() for char in text)


def _distinct(expressions: Iterable[str]) -> tuple[str, ...]:
    """The expressions without repeats (case, accents and punctuation ignored), first occurrence kept."""
    kept = {}
    for expression in expressions:
        kept.setdefault(_key(expression), expression)
    return tuple(kept.values())


def _key(expression: str) -> str:
    """What identifies an expression: its folded words, so "Money-Laundering" is "money laundering"."""
    return " ".join(_WORD.findall(fold(expression)))


def _identity(entry: GlossaryEntry) -> tuple:
    return tuple(tuple(sorted({_key(text) for text in entry.expressions(lang)})) for lang in LANGUAGES)


def _entry_to_dict(entry: GlossaryEntry) -> dict:
    data = {"en": list(entry.en), "fr": list(entry.fr)}
    if entry.domain:
        data["domain"] = entry.domain
    return data


def _glossary_from_tables(data: object, where: str) -> Glossary:
    if not isinstance(data, dict):
        raise GlossaryError(where, "expected a table of [[term]] entries")
    for name in data:
        if name != "term":
            raise GlossaryError(where, f"unknown top-level key {name!r}; the file holds only [[term]] entries")
    tables = data.get("term", [])
    if not isinstance(tables, list):
        raise GlossaryError(where, "term must be an array of tables, written [[term]]")
    entries = []
    first_seen = {}
    for position, table in enumerate(tables, start=1):
        entry = _entry(position, table, where)
        identity = _identity(entry)
        if identity in first_seen:
            raise GlossaryError(
                where,
                f"{_name(position, table)}: duplicate entry, same expressions as term #{first_seen[identity]}",
            )
        first_seen[identity] = position
        entries.append(entry)
    return Glossary(tuple(entries))


def _name(position: int, table: object) -> str:
    """How messages name an entry: its position, and its first expression when it has one."""
    name = f"term #{position}"
    if isinstance(table, dict):
        for lang in LANGUAGES:
            expressions = table.get(lang)
            if isinstance(expressions, list) and expressions and isinstance(expressions[0], str):
                return f"{name} ({expressions[0]!r})"
    return name


def _entry(position: int, table: object, where: str) -> GlossaryEntry:
    name = _name(position, table)
    if not isinstance(table, dict):
        raise GlossaryError(where, f"{name}: expected a table with en, fr and domain")
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise GlossaryError(where, f"{name}: unknown key {unknown[0]!r}; expected {', '.join(_FIELDS)}")
    domain = table.get("domain", "")
    if not isinstance(domain, str):
        raise GlossaryError(where, f"{name}: domain must be a string")
    en = _expressions(table, "en", name, where)
    fr = _expressions(table, "fr", name, where)
    return GlossaryEntry(en, fr, domain.strip())


def _expressions(table: dict, lang: str, name: str, where: str) -> tuple[str, ...]:
    if lang not in table:
        raise GlossaryError(
            where, f"{name}: missing {lang!r}; an entry needs an English and a French expression to bridge them"
        )
    expressions = table[lang]
    if not isinstance(expressions, list) or not all(isinstance(text, str) for text in expressions):
        raise GlossaryError(where, f"{name}: {lang!r} must be a list of strings")
    if not expressions:
        raise GlossaryError(where, f"{name}: {lang!r} is empty; give at least one {_LANGUAGE_NAMES[lang]} expression")
    seen = {}
    for text in expressions:
        if not _WORD.search(text):
            raise GlossaryError(where, f"{name}: {lang!r} expression {text!r} has no letter or digit")
        if _key(text) in seen:
            earlier = seen[_key(text)]
            raise GlossaryError(
                where,
                f"{name}: {lang!r} lists {earlier!r} and {text!r}, the same once case, accents and punctuation go",
            )
        seen[_key(text)] = text
    return tuple(text.strip() for text in expressions)
