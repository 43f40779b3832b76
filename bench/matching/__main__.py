"""``python -m bench.matching``: see :mod:`bench.matching.run`."""

from bench.matching.run import main

main()
