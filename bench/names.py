"""Shape of the synthetic register's names: pools, top shares, namesakes and blocking buckets.

    .venv/bin/python bench/names.py --learners 1000000 [--long-tail] [--no-keys]

Generates the register in memory (no database) and prints

* distinct given names (boys, girls) and family names, the top names' shares, and the share of
  boys and girls the 100 commonest given names cover (ONS baby names: about half of boys);
* namesakes: learners who share given name, family name and date of birth with another learner
  (compared without case), as the share of learners with one and the mean number a learner has;
* blocking-key buckets by kind (see the docstring of ``lrs.matching.blocking``): the
  size-biased mean (the bucket a random learner's key lands in) and the largest.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Run as a file (`python bench/names.py`): the repository's root, for `bench.matching`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _top_share(counts: Counter[str], top: int) -> float:
    total = sum(counts.values())
    return sum(count for _, count in counts.most_common(top)) / total if total else 0.0


def _size_biased(sizes: Counter[Any]) -> tuple[float, int]:
    total = sum(sizes.values())
    if not total:
        return 0.0, 0
    return sum(size * size for size in sizes.values()) / total, max(sizes.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--long-tail", action="store_true", help="the national name pools")
    parser.add_argument("--no-keys", action="store_true", help="skip the blocking buckets")
    args = parser.parse_args()

    from lrs.synthetic import generate_register

    started = time.process_time()
    register = list(generate_register(args.learners, seed=args.seed, long_tail=args.long_tail))
    print(
        f"{len(register):,} learners (long tail {'on' if args.long_tail else 'off'}), "
        f"generated in {time.process_time() - started:.1f} s CPU"
    )
    boys: Counter[str] = Counter()
    girls: Counter[str] = Counter()
    families: Counter[str] = Counter()
    identities: Counter[tuple[str, str, object]] = Counter()
    dates: Counter[object] = Counter()
    for learner in register:
        (boys if learner.gender == "1" else girls if learner.gender == "2" else Counter())[
            learner.given_name
        ] += 1
        families[learner.family_name] += 1
        dates[learner.date_of_birth] += 1
        identities[
            learner.given_name.casefold(), learner.family_name.casefold(), learner.date_of_birth
        ] += 1
    for label, counts in (("boys' given", boys), ("girls' given", girls), ("family", families)):
        top = counts.most_common(3)
        shares = ", ".join(f"{name} {count / sum(counts.values()):.2%}" for name, count in top)
        print(
            f"{label} names: {len(counts):,} distinct; top {shares}; top 100 cover "
            f"{_top_share(counts, 100):.1%}, top 1,000 {_top_share(counts, 1000):.1%}"
        )
    with_namesake = sum(size for size in identities.values() if size > 1)
    others = sum(size * (size - 1) for size in identities.values())
    print(f"births per day: mean {len(register) / len(dates):.0f}, largest {max(dates.values())}")
    print(
        f"namesakes (same given and family name and date of birth): {with_namesake:,} learners "
        f"({with_namesake / len(register):.3%}) have one; {others / len(register):.4f} per "
        f"learner; largest group {max(identities.values())}"
    )
    if args.no_keys:
        return

    from bench.matching.fit import learner_person
    from lrs.matching import learner_keys

    started = time.process_time()
    buckets: Counter[int] = Counter()
    kinds: dict[int, str] = {}
    for learner in register:
        keys = learner_keys(learner_person(learner))
        for key in keys:
            digest = hash(key)
            buckets[digest] += 1
            kinds.setdefault(digest, key[0])
    by_kind: dict[str, Counter[int]] = {}
    for digest, size in buckets.items():
        by_kind.setdefault(kinds[digest], Counter())[digest] = size
    print(
        f"blocking keys: {sum(buckets.values()) / len(register):.1f} a learner "
        f"({time.process_time() - started:.0f} s CPU)"
    )
    for kind in sorted(by_kind):
        mean, largest = _size_biased(by_kind[kind])
        print(f"  {kind}: size-biased mean {mean:.1f}, largest {largest}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
