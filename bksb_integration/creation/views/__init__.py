"""The creation screens."""
