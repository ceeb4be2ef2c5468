"""Deprecated: moved to :mod:`hret.store`."""

from hret.moved import reexport

reexport(__name__)
