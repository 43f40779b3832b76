"""Django form fields and widgets rendered as GOV.UK Design System components."""

from lrs.portal.forms.fields import GovukDateField
from lrs.portal.forms.widgets import GovukDateWidget

__all__ = ["GovukDateField", "GovukDateWidget"]
