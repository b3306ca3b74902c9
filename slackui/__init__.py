"""Slack output every face shares: Block Kit builders, the Web API client, digest posting.

The Slack listeners (`handlers/`), the scheduler and the terminal all post to Slack; they import
this package and the core, never each other."""
