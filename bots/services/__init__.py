"""Writes of the bots app: contacts, claims on messages and visits (quotas), blacklist."""
