"""The Instagram Graph API client: transport, wire, calls, errors, usage, breaker; no Flask."""
