"""Where contributions come from: GitHub's API, local git history."""
