"""A small local stand-in for LinkedIn, built to the page shapes of docs/linkedin.md.

Tests and demos point ``LINKEDIN_BASE_URL`` at it; it records every message sent and every
profile visited (``GET /__sandbox__/state``) and can be told to misbehave (``faults``) so each
safety rule of the bots has a page that tries to break it.
"""
