"""The scored society: the model of people under a scoring regime, part by part.

Its state (:mod:`~scoresim.society.state`), parameters
(:mod:`~scoresim.society.params`) and events (:mod:`~scoresim.society.events`), one
module per part of the step (``behave``, ``observe``, ``score``, ``consequences``,
``shaming``, ``adapt``, ``measure``, each vectorised over all agents, with its compiled
kernels beside it), and :mod:`~scoresim.society.step`, which runs them in order on the
core's machine.
"""
