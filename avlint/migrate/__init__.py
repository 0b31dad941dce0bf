"""Version migrations: move blueprints written for an older authentik to a newer one."""
