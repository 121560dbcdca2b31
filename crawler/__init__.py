"""Fetch open-hardware projects from lists, GitHub and hubs; one adapter per source kind."""
