"""Quarterly returns: the contract, reading files, validating them and writing templates."""
