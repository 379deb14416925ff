"""The base of experiments (sweeps and calibrations): files, folders, executors, seeds."""
