"""Model backends: a model reachable by name, behind one protocol.

Each module imports its heavy dependencies only when a backend is created.
Create them by name with :func:`hret.backends.registry.create_backend`.
"""
