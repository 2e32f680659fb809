"""The investigator web app: a FastAPI JSON API and server-rendered pages over the core."""
