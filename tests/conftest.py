"""Suite-wide settings: Hypothesis profiles.

`ci` (chosen when CI is set) is derandomized and keeps no example database, so a CI run is the
same run every time; `dev` (the default) explores new examples on every run and remembers failures;
`fuzz` (`make fuzz`) runs 100 000 cases a fuzz target (tests/fuzz), for hours rather than seconds.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.register_profile("fuzz", max_examples=100_000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
