"""Matching accuracy and speed: our engine against Splink on the same data with known truth.

Run ``.venv/bin/python -m bench.matching --help``. Modules:

* ``data``: the common record format and the synthetic register and queries;
* ``febrl``: the FEBRL4 data sets shipped inside ``recordlinkage``;
* ``ours``: our engine in pure Python over an in-memory blocking index;
* ``splink_runner``: Splink on DuckDB, trained and mapped onto the same four outcomes;
* ``metrics``: outcome counts per system and per variation;
* ``report``: the plain-text report;
* ``run``: the command line;
* ``fit``: fits the model's parameters (``lrs.matching.model``) on the synthetic register and
  measures its decisions (``python -m bench.matching.fit``).

Splink, DuckDB and recordlinkage are imported only inside the functions that need them, so
this package imports without the ``bench`` extra (``pip install -e '.[bench]'``).
"""
