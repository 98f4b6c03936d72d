"""giftcards models."""
