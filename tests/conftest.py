"""Suite-wide settings: Hypothesis profiles.

`ci` (chosen when CI is set) is derandomized and keeps no example database, so a CI run is the
same run every time; `dev` (the default) explores new examples on every run and remembers failures.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
