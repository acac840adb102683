"""Web UI extensions (Flask-AppBuilder views) for the Acme plugin."""
