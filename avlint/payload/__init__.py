"""Create payloads: the JSON bodies the API accepts, built from blueprint entries offline."""
