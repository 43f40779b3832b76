"""Writes of data challenges: raising, the lifecycle, the service desk's resolutions."""
