"""The levels screens."""
