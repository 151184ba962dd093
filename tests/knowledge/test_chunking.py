from knowledge.chunking import MAX_CHUNK_CHARS, chunk_article, lead_paragraph

BODY = """Hold the reset button for 10 seconds until the LED blinks amber.

## Before you start

Make sure the hub is powered.

## Steps

1. Find the pinhole on the back.
2. Hold it for 10 seconds.
"""


def test_chunks_follow_headings_and_carry_the_title() -> None:
    chunks = chunk_article("Reset the hub", BODY)
    assert [c.heading for c in chunks] == [None, "Before you start", "Steps"]
    assert all(c.text.startswith("Reset the hub\n") for c in chunks)
    assert "Find the pinhole" in chunks[2].text


def test_long_sections_are_split_by_paragraph() -> None:
    paragraph = "word " * 150
    body = "## Long\n\n" + "\n\n".join([paragraph] * 4)
    chunks = chunk_article("T", body)
    assert len(chunks) >= 2
    assert all(len(c.text) <= MAX_CHUNK_CHARS + 200 for c in chunks)


def test_lead_paragraph_is_the_first_prose_and_is_truncated() -> None:
    assert (
        lead_paragraph(BODY) == "Hold the reset button for 10 seconds until the LED blinks amber."
    )
    assert lead_paragraph("# Title\n\n" + "x" * 500, limit=50).endswith("…")
    assert len(lead_paragraph("y" * 500, limit=50)) == 50


def test_an_article_without_text_still_has_one_chunk() -> None:
    assert [c.text for c in chunk_article("Only a title", "## Empty\n")] == ["Only a title"]
