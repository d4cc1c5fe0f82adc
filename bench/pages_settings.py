"""Settings of the pages benchmark (bench/pages.py): the portal's, plus the floor view's URL.

The floor view lives only here and in bench/pages_urls.py, never in the product's URLs."""

from revops_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.pages_urls"
