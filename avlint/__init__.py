"""avlint: lint, diff and migrate authentik Authenticator Validation Stage blueprints."""

__version__ = "0.1.0"
