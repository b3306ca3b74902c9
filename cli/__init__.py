"""The terminal face: the `csf` command."""
