"""Deprecated: moved to :mod:`hret.methods`."""

from hret.moved import reexport

reexport(__name__)
