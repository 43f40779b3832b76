"""An open Learning Records Service: Unique Learner Numbers and Personal Learning Records."""

__version__ = "0.1.0"
