"""The signal model: points, the `who` answer, explanations and the score cache."""
