from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TextConfig(AppConfig):
    name = "sqms.text"
    label = "text"
    verbose_name = _("Text analytics")
