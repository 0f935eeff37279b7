"""Pure Python (and NumPy): what a run is, the choices, presets, links and the code export."""
