from indexer.snippets import highlight
from indexer.snippets import make_snippet


def test_text_is_escaped_before_marks_are_added():
    text = "<script>alert(1)</script> & customs"
    html = highlight(text, [(1, 7), (28, 35)])
    assert html == "&lt;<mark>script</mark>&gt;alert(1)&lt;/script&gt; &amp; <mark>customs</mark>"


def test_quotes_in_text_are_escaped():
    assert highlight("say \"hi\" 'x'", []) == "say &quot;hi&quot; &#x27;x&#x27;"


def test_overlapping_spans_merge_into_one_mark_and_out_of_range_ones_are_clipped():
    # A word of the query inside a marked phrase: one mark, not two glued together.
    assert highlight("abcdef", [(0, 3), (2, 4), (5, 99)]) == "<mark>abcd</mark>e<mark>f</mark>"


def test_short_passages_are_shown_whole():
    assert make_snippet("Port security matters.", [(0, 4)]) == "<mark>Port</mark> security matters."


def test_long_passages_are_cut_around_the_matches_with_ellipses():
    text = "filler " * 100 + "customs cooperation " + "filler " * 100
    start = text.index("customs")
    snippet = make_snippet(text, [(start, start + 7)], max_chars=120)
    assert "<mark>customs</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 160


def test_a_snippet_never_cuts_a_word_in_half():
    text = " ".join(f"word{i}" for i in range(200))
    snippet = make_snippet(text, [], max_chars=100)
    assert snippet.rstrip("…").split()[-1].startswith("word")
    assert all(piece.startswith("word") for piece in snippet.strip("…").split())
