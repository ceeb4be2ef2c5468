"""Deprecated: moved to :mod:`hret.backends.registry`."""

from hret.moved import reexport

reexport(__name__)
