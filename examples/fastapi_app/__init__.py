"""A small FastAPI service over atlas-admin (see app.py); its tests run it against FakeAtlas in-process."""
