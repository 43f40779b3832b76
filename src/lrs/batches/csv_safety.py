"""Spreadsheet formula injection: neutralise cells before writing them to a CSV or xlsx file.

A spreadsheet program reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or with a tab
or carriage return followed by one) as a formula, so a learner "named" ``=HYPERLINK(...)`` could
run something on the computer of whoever opens the output file. Every cell we write that
begins with one of those characters gets a leading apostrophe, which spreadsheets read as
"this is text" (OWASP, "CSV Injection").

Trade-off: a genuine value beginning with ``-`` or ``+`` (a negative number such as the web
service's AbilityToShare ``-1``, a name such as "-Smith", a phone number "+44...") is written
with the apostrophe too, and a program reading the CSV as data sees ``'-1``. Such values are
rare in batch files; being safe for the person who opens the file in Excel matters more.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The value, with a leading apostrophe if a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
