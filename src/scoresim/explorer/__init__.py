"""The explorer: a FastAPI server and one page for turning a regime's knobs."""
