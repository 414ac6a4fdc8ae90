"""Slack and process plumbing: the Web API clients, the durable sender, the scheduler, serving HTTP."""
