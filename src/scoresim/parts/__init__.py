"""The road every part of a regime beyond the society's own takes.

:mod:`~scoresim.parts.base` is the protocol (:class:`~scoresim.parts.base.Mechanism`: a
section, a compile step, columns, a hook per run), :mod:`~scoresim.parts.registry`
finds parts by entry point (group ``scoresim.mechanisms``) or by ``register``, and
:mod:`~scoresim.parts.guard` fences a plug-in's code. Built-in and third-party parts
take the same road; the built-in ones live in :mod:`scoresim.mechanisms`. This package
sits below ``config`` (which validates a scenario's ``mechanisms:`` sections through
the registry) and above the society.
"""
