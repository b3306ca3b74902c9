"""Reports built on the ranking: the weekly digest, a profile, the talent map."""
