"""Values the platform team sets for every product. They are not questions and not answers:
the context hook puts them into every render, over anything given with ``--data`` or found in
an answers file, so no product can be rendered with another organisation or platform team."""

from __future__ import annotations

from .template_source import APPROVED_SOURCES

PLATFORM_CONSTANTS: dict[str, str] = {
    # The company's GitHub organisation: CODEOWNERS teams, image registry, Backstage links.
    "github_org": "acme",
    # The platform team's GitHub team slug: reviews platform-owned files and template updates.
    "platform_team": "platform",
    # The platform's template repository: the products' CI installs the drift checker from it.
    "template_source": APPROVED_SOURCES[0],
}
