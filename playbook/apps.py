from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PlaybookConfig(AppConfig):
    name = "playbook"
    verbose_name = "Playbook"

    def ready(self):
        # Live metric figures in Markdown ({{ metric:key period=… segment=…|channel=… }}): the
        # shortcodes become inert tokens before Markdown and escaped HTML after nh3.
        from . import asset_shortcode, markdown, page_links, search, shortcodes, signals, tasks  # noqa: F401 (signals, tasks: registered)

        markdown.register_preprocessor(shortcodes.protect)
        markdown.register_postprocessor(shortcodes.expand)
        # The content-asset list ({{ assets stage=decision }}): the same two hooks.
        markdown.register_preprocessor(asset_shortcode.protect)
        markdown.register_postprocessor(asset_shortcode.expand)
        # Links between pages ([[handoff-to-cs]]): links titled with the page's title.
        markdown.register_postprocessor(page_links.expand)
        # Accent- and case-blind search on SQLite: its lower() and LIKE only fold ASCII.
        connection_created.connect(search.register_sqlite_fold)
