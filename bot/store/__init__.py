"""The store: tables, the engine and migrations, shared writes, identity keys, the audit log."""
