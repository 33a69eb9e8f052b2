"""Insights: the metric catalogue, media and account insights, engagement figures."""
