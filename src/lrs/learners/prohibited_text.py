"""Words that may not stand in a learner's name. Pure Python: the generator uses it too.

User guide, Appendix C: "Prohibited text is not allowed, for example, prisoner". Placeholders
are refused as well: a name that says nothing about the learner would poison matching for
everyone with the same date of birth.
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
        "na",
        "xxx",
        "xx",
        "x",
    }
)
