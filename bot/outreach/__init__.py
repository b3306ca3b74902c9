"""Outreach: drafts citing a person's own work, the company profile, roles and role fit."""
