"""The frame of the sandbox: app factory, server, hosts, request pipeline, state, control."""
