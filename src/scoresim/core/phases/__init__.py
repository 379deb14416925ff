"""The six phases of a step, each vectorised over all agents."""
