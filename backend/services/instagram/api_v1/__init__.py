"""The Sprint 2 plan's API (/api/v1/auth/instagram/..., /api/v1/instagram/...), same services."""
