"""Publishing posts: submission, the container state machine, jobs, quota, routes."""
