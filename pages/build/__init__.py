"""Build & Train: the settings widgets, runs, the live panel, history and presets."""
