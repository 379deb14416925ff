"""The model's core: state, network, keyed random numbers, the six phases and the step.

NumPy and Numba only: nothing here imports the rest of scoresim (tested in
``tests/test_layers.py``), so the core can be read, tested and reused on its own.
"""
