"""The home page's body."""
