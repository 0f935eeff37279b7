"""The NumPy side the app uses: a network's arithmetic, evaluation, drawing, explanations."""
