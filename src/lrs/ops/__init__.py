"""Running the service: health and readiness probes, metrics, request logs (docs/deploy.md).

At the top layer beside `api` and `portal`: it reads the batch queue and the database, and
nothing imports it but the project's URLs and settings.
"""
