"""Helpers every page shares: text, session state, the lab and engine, charts, models."""
