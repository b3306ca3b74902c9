"""The pipeline every source goes through, the tracked-repository registry, sync and git ingest."""
