from indexer.ingest.sections import AnchorAllocator
from indexer.ingest.sections import content_hash
from indexer.ingest.sections import slugify


def test_slugs_are_ascii_lowercase_and_bounded():
    assert slugify("WeCAPS – Western and Central Africa Port Security") == "wecaps-western-and-central-africa-port-s"
    assert slugify("Sécurité intérieure") == "securite-interieure"


def test_an_untitled_section_gets_a_readable_slug():
    assert slugify("") == "intro"
    assert slugify("€ — …") == "intro"


def test_content_hash_ignores_whitespace_changes_only():
    assert content_hash("a  b\n c") == content_hash("a b c")
    assert content_hash("a b c") != content_hash("a b d")


def test_repeated_anchors_get_numbered():
    anchors = AnchorAllocator()
    assert [anchors.claim("x"), anchors.claim("x"), anchors.claim("x-2"), anchors.claim("y")] == [
        "x",
        "x-2",
        "x-2-2",
        "y",
    ]
