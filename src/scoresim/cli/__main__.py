"""``python -m scoresim.cli``: the same as the ``scoresim`` command."""

from scoresim.cli.app import main

main()
