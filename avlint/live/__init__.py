"""The live side: a client for authentik's API, drift, pull and apply."""
