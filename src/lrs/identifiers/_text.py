"""Small text helpers shared by the identifier modules."""

__all__ = ["is_ascii_digits"]


def is_ascii_digits(text: object) -> bool:
    """Return True when ``text`` is a non-empty string of the ASCII digits 0-9 only."""
    # str.isdigit alone also accepts other scripts' digits and superscripts, which no
    # identifier here may contain (int() would even silently convert some of them).
    return isinstance(text, str) and text.isascii() and text.isdigit()
