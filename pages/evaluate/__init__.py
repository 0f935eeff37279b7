"""Evaluate: the sample browser and the robustness lab."""
