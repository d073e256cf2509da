"""Where things live, resolved from this file so that nothing depends on the
working directory Rasa or the action server was started from."""
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
CONTENT_DIR = PACKAGE_DIR / "content"
SCHEMA_DIR = PACKAGE_DIR / "schemas"
