"""paved-road: the platform team's Copier template tooling.

The Jinja side (``paved_road.jinja`` and what it imports) must run with only copier and
copier-template-extensions installed, so it depends on jinja2, pydantic and the stdlib alone.
"""

__version__ = "0.1.0"
