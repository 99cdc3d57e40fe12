"""The service's screens: server-rendered pages (Jinja2, NHS.UK design system, HTMX only as an enhancement).

Every screen is a thin route over the same domain functions the JSON API calls (the access guard and its
audit on every read or write of a patient's data, the live booking engine, the worklist and panel logic).
Forms post plainly with the session's CSRF token in a hidden field, then redirect, so every flow works
without JavaScript. :func:`install` adds the screens and their static files to the application.
"""

from carenet.service.web.pages import SCREEN_PREFIXES, install, is_screen

__all__ = ["SCREEN_PREFIXES", "install", "is_screen"]
