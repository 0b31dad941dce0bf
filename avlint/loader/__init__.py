"""Loading files into positioned YAML nodes (the lint path) and reading them safely."""
