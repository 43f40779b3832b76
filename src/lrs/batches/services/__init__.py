"""Batch writes, one module per job (DESIGN 3.5, user guide 4.3); their reads are in `selectors`.

* `submit`: an uploaded file becomes a batch of pending rows, queued for the workers
  (`submit_upload`: the one upload path);
* `processing`: the engine that works through pending rows in chunks (`rows`: what each row
  gets);
* `resolution`: exceptions resolved by a person, or expired.
"""

from lrs.batches.parsed import ParsedBatch
from lrs.batches.services.processing import (
    complete_finished_batches,
    process_pending_rows,
    process_until_done,
)
from lrs.batches.services.resolution import (
    expire_exceptions,
    resolve_by_choosing,
    resolve_by_registering,
)
from lrs.batches.services.submit import submit_batch, submit_upload

__all__ = [
    "ParsedBatch",
    "complete_finished_batches",
    "expire_exceptions",
    "process_pending_rows",
    "process_until_done",
    "resolve_by_choosing",
    "resolve_by_registering",
    "submit_batch",
    "submit_upload",
]
