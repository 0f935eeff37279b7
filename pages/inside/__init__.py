"""Inside: the activation functions and the NumPy forward pass."""
