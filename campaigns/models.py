"""campaigns models."""
