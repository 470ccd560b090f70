"""SEDA 2.2 (Standard d'échange de données pour l'archivage): writing ArchiveTransfer
packages and reading the archives' replies, validated against the official schemas.
Knows nothing of ged: it takes plain descriptions and files, and gives XML and ZIPs."""

from seda.schema import NAMESPACE, schema

__all__ = ["NAMESPACE", "schema"]
