"""Synthetic learners and search queries with known truth, for demos, tests and benchmarks.

Pure Python with no Django import. :func:`generate_register` streams a realistic register
(British and Welsh names, households, twins, namesakes, valid ULNs and postcodes);
:func:`generate_queries` re-keys learners from it the way enrolment data arrives (typos,
nicknames, moved postcodes, swapped dates ...) and adds people who are not registered, each
query labelled with what was changed and the ULN it should match.
"""

from lrs.synthetic.csv_io import (
    IMPORT_COLUMNS,
    QUERY_COLUMNS,
    personal_fields,
    read_queries_csv,
    write_queries_csv,
    write_register_csv,
)
from lrs.synthetic.people import DEFAULT_REFERENCE_DATE, SyntheticLearner, generate_register
from lrs.synthetic.queries import NEW_PERSON_VARIATIONS, Query, Variation, generate_queries

__all__ = [
    "DEFAULT_REFERENCE_DATE",
    "IMPORT_COLUMNS",
    "NEW_PERSON_VARIATIONS",
    "QUERY_COLUMNS",
    "Query",
    "SyntheticLearner",
    "Variation",
    "generate_queries",
    "generate_register",
    "personal_fields",
    "read_queries_csv",
    "write_queries_csv",
    "write_register_csv",
]
