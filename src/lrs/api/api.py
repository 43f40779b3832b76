"""The JSON web services under /api/v1/, documented by OpenAPI at /api/v1/docs."""

from lrs import __version__
from lrs.api.auth import TokenAuth
from lrs.api.errors import install_error_handlers
from lrs.api.openapi import LrsNinjaAPI
from lrs.api.routers.batches import router as batches_router
from lrs.api.routers.challenges import router as challenges_router
from lrs.api.routers.learners import router as learners_router
from lrs.api.routers.plr import router as plr_router
from lrs.api.routers.verify import router as verify_router

api = LrsNinjaAPI(
    title="Learning Records Service",
    version=__version__,
    description=(
        "Find, register and update learners on the Learner Register. Authenticate with "
        "`Authorization: Bearer <token>` (`lrs token USERNAME` prints one). Outcomes carry the "
        "real service's response codes (WSRC0001 no match ... WSRC0022 master substituted)."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
)
install_error_handlers(api)
api.add_router("/", learners_router)
api.add_router("/", batches_router)
api.add_router("/", plr_router)
api.add_router("/", verify_router)
api.add_router("/", challenges_router)
