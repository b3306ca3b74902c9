"""Block Kit builders: plain functions from the core's answers to Slack blocks.

Nothing here talks to Slack; every untrusted string goes through `slackui.blocks.mrkdwn` first.
"""
