"""Settings for the test suite: the project's settings on the embedded defaults.

DEBUG is off unless set, and with it off SECRET_KEY and BKSB_ENCRYPTION_KEY have
no defaults; the tests, like `make demo`, run on the embedded defaults (keys made
under ./var), so they ask for DEBUG unless the environment says otherwise.
pytest-django still runs every test with settings.DEBUG off.
"""

import os

os.environ.setdefault("DEBUG", "True")

from bksbmis.settings import *  # noqa: F403

# The sandbox runs on 127.0.0.1: the tests allow the BKSB API url there (tests of the rule switch it off).
BKSB_ALLOW_PRIVATE_API_URL = True
