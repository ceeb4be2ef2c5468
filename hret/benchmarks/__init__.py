"""hret's Korean benchmark pack: loaders for ``kmmlu``, ``kmmlu-hard``, ``haerae``,
``click``, ``kobest``, ``kormedmcqa``, ``hrm8k``, ``benchhub`` and ``hf`` (any hub
dataset).

The pack registers like any third-party pack: through the ``hret.datasets``
entry points in ``pyproject.toml``, each loaded on the first lookup of its name.
Nothing here imports ``datasets`` until a dataset is read.
"""
