"""Ecosystems and topics as data, reading a question, and the free-word index."""
