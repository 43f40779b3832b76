"""Finding a learner on the register from personal details: a pure-Python package.

No Django here: the learners app feeds plain ``PersonDetails`` in (``learners.matching_adapter``)
and renders the ``MatchOutcome`` that comes out. Modules:

* ``types``: the data going in and out;
* ``normalise`` and ``nicknames``: names, postcodes and dates put into comparable form;
* ``blocking``: keys stored per learner and looked up per search (candidate retrieval);
* ``compare``: one comparator per field, with the cross-field search tips;
* ``model``: the Fellegi-Sunter weights, in one place (fitted by ``bench.matching.fit``);
* ``estimate``: m, u and the prior estimated from labelled pairs;
* ``decide``: scoring and the exact / possible / none / too-many decision.
"""

from lrs.matching.blocking import (
    MAX_QUERY_KEYS,
    learner_keys,
    prepared_learner_keys,
    query_keys,
)
from lrs.matching.compare import (
    compare,
    compare_date_of_birth,
    compare_email,
    compare_family_name,
    compare_gender,
    compare_given_name,
    compare_middle_names,
    compare_place_of_birth,
    compare_postcode,
    compare_previous_family_name,
    compare_uci,
    compare_upn,
    compare_verdicts,
)
from lrs.matching.decide import (
    DEFAULT_CONFIG,
    PairJudgement,
    decide,
    identities_differ,
    identity_key,
    judge_pair,
    judge_reviewable_pair,
    posterior_of_best,
    prepared_identity_key,
    reviewable,
    score_candidate,
    score_pair,
    twin_shaped,
)
from lrs.matching.estimate import estimate_parameters
from lrs.matching.model import DEFAULT_PARAMETERS, ModelParameters, TermFrequencies
from lrs.matching.nicknames import NICKNAME_GROUPS, are_name_variants, given_name_keys
from lrs.matching.normalise import (
    canonical_mac,
    dob_variants,
    is_default_postcode,
    name_tokens,
    normalise_name,
    normalise_postcode,
)
from lrs.matching.prepare import Prepared, prepare_uncached, prepared
from lrs.matching.types import (
    Candidate,
    FieldEvidence,
    MatchConfig,
    MatchKind,
    MatchOutcome,
    PersonDetails,
    ScoredCandidate,
)

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_PARAMETERS",
    "MAX_QUERY_KEYS",
    "NICKNAME_GROUPS",
    "Candidate",
    "FieldEvidence",
    "MatchConfig",
    "MatchKind",
    "MatchOutcome",
    "ModelParameters",
    "PairJudgement",
    "PersonDetails",
    "Prepared",
    "ScoredCandidate",
    "TermFrequencies",
    "are_name_variants",
    "canonical_mac",
    "compare",
    "compare_date_of_birth",
    "compare_email",
    "compare_family_name",
    "compare_gender",
    "compare_given_name",
    "compare_middle_names",
    "compare_place_of_birth",
    "compare_postcode",
    "compare_previous_family_name",
    "compare_uci",
    "compare_upn",
    "compare_verdicts",
    "decide",
    "dob_variants",
    "estimate_parameters",
    "given_name_keys",
    "identities_differ",
    "identity_key",
    "is_default_postcode",
    "judge_pair",
    "judge_reviewable_pair",
    "learner_keys",
    "name_tokens",
    "normalise_name",
    "normalise_postcode",
    "posterior_of_best",
    "prepare_uncached",
    "prepared",
    "prepared_identity_key",
    "prepared_learner_keys",
    "query_keys",
    "reviewable",
    "score_candidate",
    "score_pair",
    "twin_shaped",
]
