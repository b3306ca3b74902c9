"""Bolt listeners by kind: the `/csf` command, events, buttons and menus, modal submissions."""
