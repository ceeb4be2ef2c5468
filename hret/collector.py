"""Deprecated: moved to :mod:`hret.capture`."""

from hret.moved import reexport

reexport(__name__)
