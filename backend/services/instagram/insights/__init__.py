"""Insights: metric catalogue, fetching, storage, sync job and routes."""
