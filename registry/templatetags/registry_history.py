"""Template helpers of the admin's history pages."""

from django import template

from registry.history import describe_reason

register = template.Library()


@register.filter
def change_reason(reason):
    """Render why a version was written, in the reader's language ("импорт из таблицы")."""
    return describe_reason(reason)
