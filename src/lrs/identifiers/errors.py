"""The one exception type raised when an identifier fails validation.

Error codes used by this package (stable strings, safe to branch on):

* ULN: ``uln_type``, ``uln_format``, ``uln_temporary``, ``uln_check``
* UPN: ``upn_type``, ``upn_format``, ``upn_numeric``, ``upn_char13``, ``upn_la``, ``upn_check``
* UCI: ``uci_type``, ``uci_format``, ``uci_candidate``, ``uci_check``
* UKPRN: ``ukprn_type``, ``ukprn_format``
* Qualification number: ``qn_type``, ``qn_format``, ``qn_check``
* Postcode: ``postcode_type``, ``postcode_empty``, ``postcode_format``, ``postcode_bfpo``
"""

__all__ = ["IdentifierError"]


class IdentifierError(ValueError):
    """An identifier is malformed or fails its check; ``code`` names the rule, ``message`` why."""

    code: str
    message: str

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # The default reduction replays only ``args``, which would drop the keyword-only ``code``
        # when an error crosses a process boundary (multiprocessing, pytest-xdist).
        return (_rebuild, (type(self), self.message, self.code))


def _rebuild(cls: type[IdentifierError], message: str, code: str) -> IdentifierError:
    """Recreate a pickled ``IdentifierError`` (or subclass) with its code."""
    return cls(message, code=code)
