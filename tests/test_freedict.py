"""The FreeDict reader and dictionary lexicon, on tiny dictd files written at test time."""

from __future__ import annotations

import gzip
from pathlib import Path

import needs
import pytest

from indexer.analysis import analyze
from indexer.crosslang.command import lexicon as lexicon_command
from indexer.crosslang.freedict import DictionaryNotFound
from indexer.crosslang.freedict import build_freedict_lexicon
from indexer.crosslang.freedict import decode_number
from indexer.crosslang.freedict import default_freedict_paths
from indexer.crosslang.freedict import freedict_lexicon
from indexer.crosslang.freedict import read_freedict
from indexer.crosslang.lexicon import Lexicon
from indexer.crosslang.lexicon import Translation

BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

# Entries shaped like the Debian packages' (dict-freedict-eng-fra 2022.04.21).
ENGLISH_FRENCH = {
    "00databaseinfo": "00-database-info\nEnglish-French test dictionary\n",
    "customs": "customs /kʌstəmz/\ndouane\n",
    "drug": "drug /drʌg/\n1. remède\n2. drogue, stupéfiant\n",
    "court": "court /kɔːt/\n1. faire la cour\n2. cour\n",
    "give up": "give up\nabandonner\n",
    "the": "the /ðə/\nle, la\n",
    "able": "‐able /ˈeɪbəl/\ncapable\n",
    "prison": "prison /prizn/\nprison\n",
}
FRENCH_ENGLISH = {
    "douane": "douane /dwan/ <n, fem>\ncustoms\n",
    "cane": "cane /kan/ <n, fem>\n(female) duck\n",
    "abattis": "abattis /abati/ <n, masc>\n1. felling\n2.  [cul] giblets\n",
    "falloir": 'falloir /falwaʀ/ <v>\n1. need\n      "Il faut quelque chose"\n We need something\n',
    "geole": "geôle /ʒol/ <n, fem>\njail, gaol\n",
}


def encode_number(value: int) -> str:
    digits = ""
    while True:
        digits = BASE64[value % 64] + digits
        value //= 64
        if not value:
            return digits


def write_dictd(folder: Path, name: str, entries: dict[str, str]) -> tuple[Path, Path]:
    """A dictd dictionary: the entries in a gzip .dict.dz and their offsets in the .index."""
    data, lines = b"", []
    for headword, text in entries.items():
        raw = text.encode("utf-8")
        lines.append(f"{headword}\t{encode_number(len(data))}\t{encode_number(len(raw))}\n")
        data += raw
    index_path, dict_path = folder / f"{name}.index", folder / f"{name}.dict.dz"
    index_path.write_text("".join(lines), encoding="utf-8")
    with gzip.open(dict_path, "wb") as handle:
        handle.write(data)
    return index_path, dict_path


@pytest.fixture
def dictd_folder(tmp_path) -> Path:
    """A folder holding tiny freedict-eng-fra and freedict-fra-eng dictionaries."""
    write_dictd(tmp_path, "freedict-eng-fra", ENGLISH_FRENCH)
    write_dictd(tmp_path, "freedict-fra-eng", FRENCH_ENGLISH)
    return tmp_path


def stem(word: str, lang: str) -> str:
    (term,) = analyze(word, lang)
    return term


@pytest.mark.parametrize(
    ("text", "value"), [("A", 0), ("B", 1), ("/", 63), ("BA", 64), ("LOB", 11 * 4096 + 14 * 64 + 1)]
)
def test_dictd_numbers_are_base64_digits(text, value):
    assert decode_number(text) == value
    assert decode_number(encode_number(value)) == value


def test_reader_gives_headwords_and_senses_in_order(dictd_folder):
    entries = dict(read_freedict(dictd_folder / "freedict-eng-fra.index", dictd_folder / "freedict-eng-fra.dict.dz"))
    assert entries["customs"] == [["douane"]]
    assert entries["drug"] == [["remède"], ["drogue", "stupéfiant"]]
    assert entries["give up"] == [["abandonner"]]


def test_reader_skips_the_database_entries(dictd_folder):
    entries = read_freedict(dictd_folder / "freedict-eng-fra.index", dictd_folder / "freedict-eng-fra.dict.dz")
    headwords = [headword for headword, _ in entries]
    assert not any(h.startswith("00") for h in headwords)


def test_reader_drops_glosses_pronunciations_and_examples(dictd_folder):
    entries = dict(read_freedict(dictd_folder / "freedict-fra-eng.index", dictd_folder / "freedict-fra-eng.dict.dz"))
    assert entries["cane"] == [["duck"]]
    assert entries["abattis"] == [["felling"], ["giblets"]]
    assert entries["falloir"] == [["need"]]
    # The headword comes from the entry (accents kept), not from the folded index line.
    assert entries["geôle"] == [["jail", "gaol"]]


def test_reader_names_a_missing_file(tmp_path):
    with pytest.raises(DictionaryNotFound, match="nothing.index"):
        list(read_freedict(tmp_path / "nothing.index", tmp_path / "nothing.dict.dz"))


def test_dictionary_lexicon_meets_index_terms(dictd_folder):
    english = freedict_lexicon("en", dictd_folder / "freedict-eng-fra.index", dictd_folder / "freedict-eng-fra.dict.dz")
    assert english.translate(stem("customs", "en"), "en") == [Translation(stem("douane", "fr"), 1.0)]
    assert english.translate("prison", "en") == [Translation("prison", 1.0)]


def test_later_senses_weigh_less(dictd_folder):
    english = freedict_lexicon("en", dictd_folder / "freedict-eng-fra.index", dictd_folder / "freedict-eng-fra.dict.dz")
    found = english.translate("drug", "en")
    assert [t.term for t in found] == [stem("remède", "fr"), stem("drogue", "fr"), stem("stupéfiant", "fr")]
    assert found[0].prob == 1.0 and found[1].prob == found[2].prob == pytest.approx(0.7)


def test_phrases_affixes_and_stop_words_are_left_out(dictd_folder):
    english = freedict_lexicon("en", dictd_folder / "freedict-eng-fra.index", dictd_folder / "freedict-eng-fra.dict.dz")
    # "faire la cour" is a phrase: only the second sense's "cour" is kept.
    assert english.translate("court", "en") == [Translation("cour", pytest.approx(0.7))]
    terms = set(english.entries("en"))
    assert stem("give", "en") not in terms and "abl" not in terms and "the" not in terms


def test_both_dictionaries_merge_with_weaker_inverse_entries(dictd_folder):
    both = build_freedict_lexicon(default_freedict_paths(dictd_folder))
    assert both.translate(stem("douane", "fr"), "fr") == [Translation("custom", 1.0)]
    # "geôle: jail" read backwards gives "jail: geôle", at half weight.
    assert both.translate("jail", "en") == [Translation(stem("geôle", "fr"), 0.5)]
    assert both.meta["method"] == "freedict"


def test_missing_dictionaries_are_none(tmp_path):
    assert default_freedict_paths(tmp_path) is None
    assert build_freedict_lexicon({}) is None


def test_one_installed_dictionary_is_enough(tmp_path):
    write_dictd(tmp_path, "freedict-fra-eng", FRENCH_ENGLISH)
    assert set(default_freedict_paths(tmp_path)) == {"fr"}


def test_lexicon_freedict_writes_the_dictionary_lexicon(runner, dictd_folder, tmp_path):
    out = tmp_path / "out" / "lexicon-freedict.tsv.gz"
    result = runner.invoke(lexicon_command, ["freedict", "--dictionaries", str(dictd_folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "freedict-eng-fra, freedict-fra-eng" in result.output and str(out) in result.output
    assert Lexicon.load(out).translate("custom", "en")[0].term == "douan"


def test_lexicon_freedict_without_dictionaries_says_how_to_install_them(runner, tmp_path):
    result = runner.invoke(lexicon_command, ["freedict", "--dictionaries", str(tmp_path), "--out", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "dict-freedict-eng-fra" in result.output and "Traceback" not in result.output


def test_installed_freedict_translates_customs_to_douane():
    paths = default_freedict_paths()
    if paths is None or set(paths) != {"en", "fr"}:
        needs.missing("FreeDict dictionaries not installed in /usr/share/dictd (run .ci/install-freedict)")
    both = build_freedict_lexicon(paths)
    assert stem("douane", "fr") in [t.term for t in both.translate(stem("customs", "en"), "en", limit=10)]
    assert stem("customs", "en") in [t.term for t in both.translate(stem("douane", "fr"), "fr", limit=10)]
    assert len(both.entries("en")) > 3000 and len(both.entries("fr")) > 3000


def test_lexicon_freedict_writes_where_the_readme_says(runner, dictd_folder, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setenv("PASSERELLE_CORPUS", str(corpus))
    result = runner.invoke(lexicon_command, ["freedict", "--dictionaries", str(dictd_folder)])
    assert result.exit_code == 0, result.output
    assert [path.name for path in corpus.iterdir()] == ["lexicon-freedict.tsv.gz"]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "`freedict` writes `corpus/lexicon-freedict.tsv.gz`" in readme
