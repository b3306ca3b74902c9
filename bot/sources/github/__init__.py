"""GitHub as a source: its HTTP layer and the plain records read from it."""
