"""The web front door: FastAPI app, thin routers over the services."""
