"""Database backends of our own (thin wrappers over Django's)."""
