"""Where uploaded files live: private by default, served only when a view says so.

The default storage keeps files under ``PRIVATE_ROOT``, a folder no URL maps to (uploaded CRM
files, their reports). Playbook images are written through the ``playbook_images`` storage
under ``MEDIA_ROOT`` and reach a browser only through ``playbook.views.media``.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateFileStorage(FileSystemStorage):
    """Files under ``PRIVATE_ROOT``; they have a path, never a URL."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)

    def url(self, name):
        raise ValueError(f"{name} is private: it has no URL.")

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_ROOT":  # tests point it at a temporary folder
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
