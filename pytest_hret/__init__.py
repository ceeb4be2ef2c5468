"""The pytest plugin of hret (entry point ``hret = pytest_hret.plugin``)."""
