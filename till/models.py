"""till models."""
