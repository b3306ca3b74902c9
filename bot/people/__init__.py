"""People: curation (merge, split), places, affiliations, privacy and retention."""
