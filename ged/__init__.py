"""ged: electronic document management for public administrations."""
