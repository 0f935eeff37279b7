"""Class mode: codes, names, the board's rules, the leaderboard and fine-tuning (no SQL)."""
