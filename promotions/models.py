"""promotions models."""
