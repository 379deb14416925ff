"""The model machine: keyed random numbers, the social network, helper threads.

NumPy and Numba only, and no regime: nothing here names a phase, a mechanism or a
column (the scored society is :mod:`scoresim.society`), so the core can be read,
tested and reused on its own (the import contracts in pyproject.toml hold it so).
"""
