"""Words that may not stand in a learner's name. Pure Python: the generator uses it too.

User guide, Appendix C: "Prohibited text is not allowed, for example, prisoner". Placeholders
are refused as well: a name that says nothing about the learner would poison matching for
everyone with the same date of birth.

Only words that are never a real name belong here: "Na", "Ng", "Li", "O" and many other short
given and family names are real (issue 19 item 6). A placeholder that looks like a short name
is refused only in its placeholder form ("N/A", "N.A."), never as the bare word.
"""

PROHIBITED_NAME_WORDS = frozenset(
    {
        "prisoner",
        "prison",
        "inmate",
        "offender",
        "hmp",
        "unknown",
        "notknown",
        "none",
        "null",
        "dummy",
        "test",
        "testing",
        "tba",
        "tbc",
        "xxx",
        "xx",
        "x",
    }
)

# Placeholders refused as the whole name, compared case-folded with spaces removed: forms that
# punctuation (or a phrase) marks as a placeholder, while the bare letters ("Na") stay a name.
PLACEHOLDER_NAMES = frozenset(
    {
        "n/a",
        "n.a.",
        "n.a",
        "n/k",
        "n.k.",
        "n.k",
        "notknown",
        "notapplicable",
        "notgiven",
        "nameunknown",
        "noname",
    }
)
