"""The matching screens."""
